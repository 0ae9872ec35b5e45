"""How related rows are grouped, so that they stay on one side of a split or a calibration.

Rows of one family (:func:`family_groups`; a row without one is a group of its own) or one chemical
system (:func:`chemical_systems`) are held out together by the evaluation schemes
(:mod:`~electroscreen.models.splits`) and by the conformal calibration folds
(:mod:`~electroscreen.models.predictor_calibration`), whose groupings are named by
:data:`CONFORMAL_GROUPINGS` and checked by :func:`conformal_groupings`. One composition however it is
written is :func:`~electroscreen.data.composition_match.composition_groups`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from electroscreen.data.formula import FormulaError, parse_formula

__all__ = [
    "CONFORMAL_GROUPINGS",
    "chemical_systems",
    "conformal_groupings",
    "family_groups",
    "family_missing",
]


def family_missing(table: pd.DataFrame) -> np.ndarray:
    """Whether each row has no ``family`` (column absent, empty text or not text), shape ``(n,)``."""
    family = table["family"] if "family" in table else pd.Series(np.nan, index=table.index)
    return np.array([not (isinstance(f, str) and f) for f in family], dtype=bool)


def family_groups(table: pd.DataFrame) -> np.ndarray:
    """``family`` column; rows without one get a group of their own (never merged by accident)."""
    ids = table["candidate_id"].astype(str) if "candidate_id" in table else table.index.astype(str)
    missing = family_missing(table)
    family = table["family"].to_numpy(dtype=object) if "family" in table else missing
    filled = [f"__no_family__{i}" if m else f for f, i, m in zip(family, ids, missing, strict=True)]
    return np.asarray(filled, dtype=object)


#: What a conformal calibration row must not share with the rows its model was fitted on: the
#: composition (the leak guard's match, :func:`~electroscreen.data.composition_match.
#: composition_groups`), the chemical system (:func:`chemical_systems`), the family
#: (:func:`family_groups`) or nothing.
CONFORMAL_GROUPINGS = ("composition", "chemsys", "family", "none")


def conformal_groupings(value: str | Sequence[str]) -> list[str]:
    """``conformal_groups`` as a checked list: one name becomes a list of one.

    The one home of this rule, used by ``CandidatePredictor`` and ``TrainConfig``.

    Parameters
    ----------
    value : str or sequence of str
        Names from :data:`CONFORMAL_GROUPINGS`.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        An empty list, a name outside :data:`CONFORMAL_GROUPINGS`, or a non-string entry.
    """
    names = [value] if isinstance(value, str) else value
    names = list(names) if isinstance(names, Sequence) else []
    if not names or not all(isinstance(n, str) and n in CONFORMAL_GROUPINGS for n in names):
        raise ValueError(
            f"conformal_groups must be {', '.join(CONFORMAL_GROUPINGS)} (or a list of them): "
            f"{value!r}"
        )
    return names


def chemical_systems(formulas: Sequence[object]) -> np.ndarray:
    """Sorted element set of each formula (``"Ge-Li-P-S"``); unparsable formulas get their own text."""
    out = []
    for f in formulas:
        try:
            out.append("-".join(sorted(parse_formula(str(f)))))
        except FormulaError:
            out.append(f"__unparsed__{f}")
    return np.asarray(out, dtype=object)
