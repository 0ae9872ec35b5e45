"""The marks beside an air score and the note lines under ``screen``'s ranked table.

:mod:`electroscreen.report` draws the table; this module says, per shown row, what a reader must
know to read it: an air score that is mostly the prior (:data:`FAR_MARK`), one that contradicts
its composition's label (:data:`CONTRADICTS_MARK`), protonated oxides and rows near a measured
composition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONTRADICTS_MARK",
    "CONTRADICTS_NOTE",
    "FAR_MARK",
    "FAR_NOTE",
    "PRIOR_NOTE",
    "air_marks",
    "near_note",
    "protonated_note",
]

#: After an air score that is mostly the model's prior, given an unlabelled composition far from
#: the labelled ones (``pred_feature_status`` holds :data:`FAR_NOTE` or :data:`PRIOR_NOTE`):
#: explained under the table.
FAR_MARK = "*"
#: Those notes, as ``screen`` writes them (task prefix and
#: :data:`~electroscreen.models.predictor_outputs.FAR_FROM_LABELS` / ``MOSTLY_PRIOR``; a test
#: checks they agree).
FAR_NOTE = "air-stability:labels:far_from_labels"
PRIOR_NOTE = "air-stability:labels:mostly_prior"
#: After an air score that contradicts the composition's own label (``pred_feature_status`` holds
#: ``air-stability:labels:contradicts_label=<verdicts>``): named under the table with its label.
CONTRADICTS_MARK = "!"
#: That note, as ``screen`` writes it, before its ``=`` (task prefix and
#: :data:`~electroscreen.models.predictor_outputs.CONTRADICTS_LABEL`).
CONTRADICTS_NOTE = "air-stability:labels:contradicts_label"


def air_marks(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per row, its air score's marks (:data:`FAR_MARK` where ``pred_feature_status`` holds
    :data:`FAR_NOTE` or :data:`PRIOR_NOTE`, :data:`CONTRADICTS_MARK` where it holds
    :data:`CONTRADICTS_NOTE`) and the label contradicted as the note writes it (``unstable(1)``:
    the verdicts and their label rows; ``""``: none). Results without the column: none."""
    if "pred_feature_status" not in rows:
        return [""] * len(rows), [""] * len(rows)
    scored = rows["p_air_stable"].notna() if "p_air_stable" in rows else [False] * len(rows)
    marks, against = [], []
    for cell, s in zip(rows["pred_feature_status"].fillna("").astype(str), scored, strict=True):
        found = [n for n in cell.split(",") if n.startswith(f"{CONTRADICTS_NOTE}=")]
        against.append(found[0].partition("=")[2] if found else "")
        prior = s and (FAR_NOTE in cell or PRIOR_NOTE in cell)
        marks.append((FAR_MARK if prior else "") + (CONTRADICTS_MARK if found else ""))
    return marks, against


def protonated_note(best: pd.DataFrame, ranks: list[str]) -> list[str]:
    """The note naming the shown rows whose ``pred_feature_status`` holds
    :data:`~electroscreen.data.protic_hydrogen.PROTONATED_OXIDE`; none: ``[]``."""
    from electroscreen.data.protic_hydrogen import PROTONATED_OXIDE

    if "pred_feature_status" not in best:
        return []
    cells = best["pred_feature_status"].fillna("").astype(str)
    noted = [r for r, c in zip(ranks, cells, strict=True) if PROTONATED_OXIDE in c]
    if not noted:
        return []
    return [
        f"Protonated oxides ({PROTONATED_OXIDE}: protons on the oxide ions, usually what air and "
        "moisture make of the carrier's phase; their conductivity and stability are not the "
        "phase's, not counted as promising): " + "; ".join(f"rank {r}" for r in noted)
    ]


def near_note(best: pd.DataFrame, ranks: list[str]) -> list[str]:
    """The note naming the shown rows that lie within ``NEAR_MEASURED`` of a measured composition
    but are no recall (:mod:`~electroscreen.screening.near_measured`); none: ``[]``."""
    from electroscreen.screening.near_measured import NEAR_MEASURED, near_text_rows

    near = near_text_rows(best)
    named = [f"rank {r}: {t}" for r, t in zip(ranks, near, strict=True) if t]
    if not named:
        return []
    return [
        f"Near a measured composition (nearest within {NEAR_MEASURED:g} in every element's atomic "
        "fraction, train_nearest_*, heldout_nearest_*; a member of a measured solid solution, "
        "not new): " + "; ".join(named)
    ]
