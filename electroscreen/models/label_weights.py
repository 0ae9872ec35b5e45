"""Fitting weights of air-stability labels by the strength of their evidence and the harshness of
their exposure (a config's ``label_weights:``; absent, every row weighs as before).

Each label row gets a factor (the row classes are
:func:`~electroscreen.data.label_evidence.weak_evidence` and
:func:`~electroscreen.data.label_evidence.exposure_class`):

- ``weak_evidence`` (default 1): the factor of a row whose evidence is weak (a review, an
  encyclopedia, a thesis statement, DFT only, ...);
- ``exposure`` (default 1): the factor of a verdict its exposure makes telling, a not-unstable
  verdict (stable or moderate) from a harsh test or an unstable one from a mild test; the opposite
  pairs (not unstable after a mild test, unstable after a harsh one) get ``1 / exposure``;
  rows without a harsh or mild exposure 1.

The factors multiply. ``per_composition`` says how a composition's rows share its weight:
``rows`` (default) ``factor / (rows of the composition)``, today's ``1 / rows`` times the factor, so a
composition of weak rows weighs less in all; ``share`` ``factor / (sum of the factors of its rows)``,
so every composition still weighs 1 and only the split between its rows changes.

The weights act in fitting only (:meth:`CandidatePredictor.fit_design
<electroscreen.models.predictor.CandidatePredictor.fit_design>`); every evaluation scores the rows
with the task's own weights (:func:`~electroscreen.models.tasks.air_stability_targets`), whatever
the config, so variants compare like with like.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from electroscreen.data.composition_match import composition_groups
from electroscreen.data.label_evidence import exposure_class, weak_evidence

__all__ = ["LABEL_WEIGHT_KEYS", "check_label_weights", "label_fit_weights"]

#: Keys of a ``label_weights`` mapping and their defaults (the defaults weigh every row as before).
LABEL_WEIGHT_KEYS = {"weak_evidence": 1.0, "exposure": 1.0, "per_composition": "rows"}
PER_COMPOSITION = ("rows", "share")


def check_label_weights(spec: Mapping | None) -> dict | None:
    """A ``label_weights`` mapping with its defaults filled in (None stays None).

    Raises
    ------
    ValueError
        An unknown key, a factor that is not a positive finite number, or a ``per_composition``
        other than ``rows`` / ``share`` (the message names the key).
    """
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise ValueError(f"label_weights must be a mapping of {sorted(LABEL_WEIGHT_KEYS)}")
    unknown = sorted(set(spec) - set(LABEL_WEIGHT_KEYS))
    if unknown:
        raise ValueError(
            f"label_weights: unknown key(s) {', '.join(map(str, unknown))}; "
            f"known: {', '.join(LABEL_WEIGHT_KEYS)}"
        )
    out = dict(LABEL_WEIGHT_KEYS) | dict(spec)
    for key in ("weak_evidence", "exposure"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"label_weights.{key} must be a positive number, not {value!r}")
        if not np.isfinite(value):
            raise ValueError(f"label_weights.{key} must be finite, not {value!r}")
        out[key] = float(value)
    if out["per_composition"] not in PER_COMPOSITION:
        raise ValueError(
            f"label_weights.per_composition must be one of {PER_COMPOSITION}, "
            f"not {out['per_composition']!r}"
        )
    return out


def label_fit_weights(table: pd.DataFrame, y: np.ndarray, spec: Mapping) -> np.ndarray:
    """Fitting weight of each row of an air-stability label table.

    Parameters
    ----------
    table : DataFrame, n_rows
        ``formula`` (grouped into compositions as the task groups them), ``evidence``,
        ``condition`` and the exposure fields (a missing column: no row is weak / exposed).
    y : ndarray of float, shape (n_rows,)
        The collapsed verdict (1 not unstable, 0 unstable, NaN not trainable).
    spec : mapping
        ``label_weights`` (:func:`check_label_weights`).

    Returns
    -------
    ndarray of float64, shape (n_rows,)
        Each row's factor over the composition's rows or factors (module docstring); all factors
        1 with ``rows`` gives ``1 / rows``, the task's own weights.
    """
    spec = check_label_weights(spec)
    n = len(table)
    evidence = table["evidence"] if "evidence" in table else pd.Series([""] * n)
    weak = np.array([bool(weak_evidence(text)) for text in evidence], dtype=bool)
    factor = np.where(weak, spec["weak_evidence"], 1.0)
    exposure = exposure_class(table)
    stable, unstable = np.asarray(y) == 1, np.asarray(y) == 0
    telling = ((exposure == "harsh") & stable) | ((exposure == "mild") & unstable)
    against = ((exposure == "mild") & stable) | ((exposure == "harsh") & unstable)
    factor = factor * np.where(
        telling, spec["exposure"], np.where(against, 1 / spec["exposure"], 1)
    )
    group = composition_groups(table["formula"].astype(str).tolist())
    if spec["per_composition"] == "share":
        return factor / np.bincount(group, weights=factor)[group]
    return factor / np.bincount(group)[group].astype(float)
