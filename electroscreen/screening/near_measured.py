"""How near a screened candidate lies to a measured composition, as the run's summaries say it.

``screen`` writes, per candidate, the nearest composition among the conductivity model's training
rows and among its held-out measured rows, and how far each lies
(:data:`~electroscreen.models.training_rows.NEAREST_TRAINING_COLUMNS`,
:data:`~electroscreen.models.training_rows.NEAREST_HELDOUT_COLUMNS`: the largest difference of any
element's atomic fraction). A candidate within :data:`NEAR_MEASURED` of one is a member of a
measured solid solution, one doping step from a measurement (Nb-LLZO ``Li6.804La3Zr1.8Nb0.2O12``,
0.0021 from OBELiX's ``Li6.75La3Zr1.75Nb0.25O12``): no new material, even where it is no recall
(a recall lies within ``TRAINING_MATCH_TOLERANCE``, 2e-3, and holds the same elements). The
console table, the demo's promising line and the run's description count and name them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.formula import FormulaError, format_formula, parse_formula
from electroscreen.models.training_rows import (
    HELDOUT_COLUMNS,
    NEAREST_HELDOUT_COLUMNS,
    NEAREST_TRAINING_COLUMNS,
    TRAINING_COLUMNS,
)

__all__ = [
    "NEAR_MEASURED",
    "measured_rows",
    "near_measured",
    "near_sentence",
    "near_text_rows",
    "nearest_measured",
    "nearest_text",
    "written_like",
]

#: Largest distance (any element's atomic fraction) at which a candidate counts as a member of a
#: measured solid solution. A doping step of a tenth of a formula unit moves a ~20-atom formula
#: (a garnet's 24 atoms, LGPS's 25, LATP's 18) by 0.004 to 0.0055: the neighbours an audit found in
#: a demo's top 25 lay 0.0021 to 0.0032 from their measured members, the next 0.015.
NEAR_MEASURED = 5e-3


def nearest_measured(rows: pd.DataFrame) -> pd.DataFrame:
    """The nearer of each row's nearest training and held-out composition.

    Parameters
    ----------
    rows : DataFrame
        ``screen``'s results (or some of their rows); results without the nearest columns (a
        model saved before it kept its training rows, results of an older run) have none.

    Returns
    -------
    DataFrame
        Row-aligned ``formula`` and ``id`` (``""``: none), ``distance``
        (NaN: none) and ``kind`` (``"trained on"``, ``"held out"`` or ``""``); the training row
        where both lie equally near.
    """
    out = pd.DataFrame({"formula": "", "id": "", "distance": np.nan, "kind": ""}, index=rows.index)
    for columns, kind in (
        (NEAREST_HELDOUT_COLUMNS, "held out"),
        (NEAREST_TRAINING_COLUMNS, "trained on"),
    ):
        formula, ids, distance = columns
        if distance not in rows:
            continue
        d = pd.to_numeric(rows[distance], errors="coerce").to_numpy(dtype=float)
        nearer = np.isfinite(d) & ~(d > out["distance"].to_numpy())  # ties: the training row
        if nearer.any():
            for field, column in (("formula", formula), ("id", ids)):  # by position
                out.loc[nearer, field] = rows[column].fillna("").astype(str).to_numpy()[nearer]
            out.loc[nearer, "distance"] = d[nearer]
            out.loc[nearer, "kind"] = kind
    return out


def near_measured(rows: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows within :data:`NEAR_MEASURED` of a measured composition (recalls
    among them; results without the nearest columns: none)."""
    return nearest_measured(rows)["distance"].le(NEAR_MEASURED)


def nearest_text(nearest: object, like: object = None, max_ids: int = 2) -> str:
    """A row of :func:`nearest_measured` as the summaries print it:
    ``Li6.75La3Zr1.75Nb0.25O12 (66a, trained on) at 0.0021``; ``""`` for none.

    The formula is written per the candidate's formula unit where ``like`` (the candidate's
    formula) is given (:func:`written_like`), so the two read side by side. Of a composition
    measured in many rows the first ``max_ids`` ids are shown and the others counted (``+3``).
    """
    distance = getattr(nearest, "distance", np.nan)
    if not np.isfinite(distance):
        return ""
    ids = [i for i in str(getattr(nearest, "id", "")).split(";") if i]
    shown = ";".join(ids[:max_ids]) + (f" +{len(ids) - max_ids}" if len(ids) > max_ids else "")
    kind = getattr(nearest, "kind", "")
    label = ", ".join(p for p in (shown, kind) if p)
    formula = str(getattr(nearest, "formula", ""))
    written = written_like(formula, like) if like is not None else formula
    return f"{written} ({label}) at {distance:.4f}"


def written_like(formula: str, like: object) -> str:
    """``formula`` scaled to hold as much of ``like``'s most abundant element as ``like`` does
    (``Li27La12Zr7NbO48`` like ``Li6.804La3Zr1.8Nb0.2O12``: ``Li6.75La3Zr1.75Nb0.25O12``);
    ``formula`` as it is where either does not parse or it lacks that element.

    >>> written_like("Li78Ge6P18S96", "Li9.808Ge0.81P2.19S12")
    'Li9.75Ge0.75P2.25S12'
    """
    try:
        amounts, own = parse_formula(formula), parse_formula(str(like))
    except FormulaError:
        return formula
    element = max(own, key=own.get) if own else None
    if not amounts.get(element, 0) > 0:
        return formula
    factor = own[element] / amounts[element]
    return format_formula({el: n * factor for el, n in amounts.items()}, ndigits=3)


def near_sentence(count: float | None) -> str:
    """What the run's summaries say of the promising rows near a measured composition: ``count``
    of them (:data:`~electroscreen.screening.run_summary.NEAR_METRIC`), or, where it is None
    (results without the nearest columns), that this was not checked."""
    if count is None:
        return (
            "nearness to measured compositions not checked (the conductivity model keeps no "
            "training compositions: saved by an older electroscreen)"
        )
    return (
        f"{int(count)} of them within {NEAR_MEASURED:g} atomic fraction of a measured "
        "composition, recalls included (train_nearest_distance, heldout_nearest_distance): "
        "members of measured solid solutions, not new"
    )


def near_text_rows(rows: pd.DataFrame) -> list[str]:
    """Per row, :func:`nearest_text` where it lies within :data:`NEAR_MEASURED` of a measured
    composition but is no recall (no ``train_id`` or ``heldout_id``: those tables list its
    measurement already); ``""`` elsewhere."""
    nearest = nearest_measured(rows)
    show = nearest["distance"].le(NEAR_MEASURED) & ~measured_rows(rows)
    like = rows["formula"] if "formula" in rows else pd.Series(None, index=rows.index)
    return [
        nearest_text(n, f) if s else ""
        for n, f, s in zip(
            nearest.itertuples(index=False), like.tolist(), show.tolist(), strict=True
        )
    ]


def measured_rows(rows: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows whose composition the conductivity data hold (a ``train_id`` or
    ``heldout_id``: a recall; a table without these columns: none)."""
    known = pd.Series(False, index=rows.index)
    for column in (TRAINING_COLUMNS[1], HELDOUT_COLUMNS[1]):
        if column in rows:
            known |= rows[column].fillna("").astype(str).ne("")
    return known
