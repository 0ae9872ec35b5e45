"""The notes a batch adds to ``pred_feature_status`` once its rows are predicted and looked up.

Two facts a chemist would otherwise miss (audit_sulfide S2, S3):

* :data:`~electroscreen.models.training_rows.HELDOUT_OUTSIDE`: a measurement of the row's
  composition the model was not fitted on (``heldout_log10_sigma``) lies outside the row's own
  interval (``conductivity:measurements:heldout_outside_interval=+3.63 decades``: Li7P3S11,
  predicted -7.41 [-8.90, -5.91], measured -2.28 in OBELiX's test split). The measurements are
  25 degC values: a row predicted at another temperature is compared with its 25 degC interval,
  the one its own is moved from along the Arrhenius line (``predict_frame(...,
  interval_25c=True)``), so the note is the same at 80 degC as at 25 degC.
* :data:`~electroscreen.models.training_rows.NEIGHBOURS_DISAGREE`: the measurements of the row's
  nearest training compositions differ by more than three decades
  (``conductivity:measurements:neighbours_disagree=6.5 decades``: Bates' LiPON film
  Li2.9PO3.3N0.46, measured ~1e-5.5 S/cm, between Liverpool's LiPON film at -6.30 and a
  crystalline nitrided Li3PO4 at -12.85, predicted -10.27, oxaudit O6): amorphous against
  crystalline, film against bulk, or processing; the prediction averages them and may match
  neither.
* :data:`~electroscreen.data.formula_units.MIXTURE_NOTATION`: the formula cell was written as a
  mixture of binary compounds (``75Li2S-25P2S5``, ``0.75Li2S-0.25P2S5``, ``70Li2S·30P2S5``), the
  way glasses and glass-ceramics are named. The screen reads the composition (Li3PS4) and
  predicts, or recalls, the measurements of that composition, mostly crystalline: the
  75Li2S-25P2S5 glass conducts ~10^-3.6 S/cm, gamma-Li3PS4 10^-6.3. A hydrate (a water unit) is
  the hydrate rule's, not this.
* :data:`~electroscreen.data.formula_units.COMPOSITE_NOTATION`: the formula cell was written as a
  sum of compounds, one of them ternary or larger (``Li3YCl6 + LiCl``, ``Li3InCl6-LiCl``,
  ``Li3PS4·2LiI``), as composites and two-phase samples are written. The screen predicts one
  compound of the summed composition (Li4YCl7), which need not form (halaudit M2).
* :data:`~electroscreen.data.protic_hydrogen.PROTONATED_OXIDE`: protons on the oxide ions beside
  the carrier (:func:`~electroscreen.data.protic_hydrogen.protonated_oxides`: LiOH, Li2OHCl, the
  Li+/H+-exchanged garnet Li6.5H0.5La3Zr2O12), usually what air and moisture make of the carrier's
  phase. The models read it as any composition (the exchanged garnets came out above LLZO on
  conductivity and air stability, oxaudit O1); the note says what it is, and the run's promising
  count leaves it out (:mod:`~electroscreen.screening.run_summary`). A hydrate (water of
  crystallisation) is the hydrate rule's, not this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.assigned_states import AssignedStates
from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula_units import written_notation
from electroscreen.data.protic_hydrogen import PROTONATED_OXIDE, protonated_oxides
from electroscreen.models.training_rows import (
    HELDOUT_COLUMNS,
    heldout_gaps,
    heldout_note,
    neighbours_note,
)

__all__ = ["add_notes", "heldout_notes", "mixture_notes", "neighbours_notes", "protonated_notes"]


def mixture_notes(status: np.ndarray, written: list[object] | None) -> np.ndarray:
    """Per row, :data:`~electroscreen.data.formula_units.MIXTURE_NOTATION` where it is ``ok`` and
    its formula cell as written (:func:`~electroscreen.screening.hydrate_filter.written_formulas`;
    None: a batch of structures, none) is
    :func:`~electroscreen.data.formula_units.written_as_mixture`,
    :data:`~electroscreen.data.formula_units.COMPOSITE_NOTATION` where it is
    :func:`~electroscreen.data.formula_units.written_as_composite`; ``""`` elsewhere."""
    notes = np.full(len(status), "", dtype=object)
    if written is not None:
        for row in np.flatnonzero(np.asarray(status) == OK):
            notes[row] = written_notation(written[row])
    return notes


def protonated_notes(
    status: np.ndarray,
    compositions: PackedCompositions,
    states: AssignedStates,
    hydrates: np.ndarray | None = None,
) -> np.ndarray:
    """Per row, :data:`~electroscreen.data.protic_hydrogen.PROTONATED_OXIDE` where it is ``ok``,
    no hydrate (``hydrates``: the ``hydrate_formula`` cells, ``""`` for none) and
    :func:`~electroscreen.data.protic_hydrogen.protonated_oxides`; ``""`` elsewhere.

    Parameters
    ----------
    status : ndarray of object, shape (N,)
    compositions : PackedCompositions, N rows
        The batch's compositions (``cell_formula`` packed), row-aligned.
    states : AssignedStates
        The states the charge-balance filter assigned (read, not assigned again; the other rows
        looked at are assigned here, each alone).
    hydrates : ndarray of object, shape (N,), optional
    """
    notes = np.full(len(status), "", dtype=object)
    look = np.asarray(status, dtype=object) == OK
    if hydrates is not None:
        look &= np.array([not (isinstance(h, str) and h) for h in hydrates], dtype=bool)
    rows = np.flatnonzero(look)
    if len(rows):
        found = protonated_oxides(
            compositions.take(rows), states.for_rows(compositions, rows).states
        )
        notes[rows[found]] = PROTONATED_OXIDE
    return notes


def heldout_notes(out: pd.DataFrame, interval_25c: np.ndarray) -> np.ndarray:
    """Per row, :func:`~electroscreen.models.training_rows.heldout_note` where it is ``ok`` and
    its ``heldout_log10_sigma`` (a 25 degC measurement) lies outside its 25 degC interval;
    ``""`` elsewhere (and for a model without held-out rows).

    Parameters
    ----------
    out : DataFrame
        A batch's rows (``status``, ``heldout_log10_sigma``).
    interval_25c : ndarray of float, shape (len(out), 2)
        Each row's 25 degC interval (log10 S/cm; :data:`~electroscreen.models.predictor_outputs.
        INTERVAL_25C_COLUMNS`, NaN where not predicted), whatever temperature it was predicted at.
    """
    notes = np.full(len(out), "", dtype=object)
    if HELDOUT_COLUMNS[0] not in out:
        return notes
    bounds = np.asarray(interval_25c, dtype=np.float64).reshape(len(out), 2)
    gaps = heldout_gaps(
        pd.to_numeric(out[HELDOUT_COLUMNS[0]], errors="coerce"), bounds[:, 0], bounds[:, 1]
    )
    # heldout_note is "" for a gap that is NaN or 0 (most rows: no held-out measurement)
    outside = np.isfinite(gaps) & (gaps != 0.0)
    for row in np.flatnonzero((out["status"].to_numpy(dtype=object) == OK) & outside):
        notes[row] = heldout_note(gaps[row])
    return notes


def neighbours_notes(status: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Per row, :func:`~electroscreen.models.training_rows.neighbours_note` where it is ``ok``
    and its nearest training compositions' measurements span more than
    :data:`~electroscreen.models.training_rows.NEIGHBOURS_DECADES` (``spread``: the
    :data:`~electroscreen.models.training_rows.NEIGHBOURS_SPREAD_COLUMN` of
    :func:`~electroscreen.screening.known_compositions.known_columns`, shape (N,), decades);
    ``""`` elsewhere."""
    notes = np.full(len(status), "", dtype=object)
    spread = np.asarray(spread, dtype=np.float64)
    for row in np.flatnonzero((np.asarray(status, dtype=object) == OK) & (spread > 0)):
        notes[row] = neighbours_note(spread[row])
    return notes


def add_notes(notes: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """``notes`` (``pred_feature_status`` cells: ``ok``, ``""`` or ``,``-joined notes) with each
    row's ``extra`` note (``""``: none) appended after a ``,``; a new array."""
    out = np.asarray(notes, dtype=object).copy()
    for row in np.flatnonzero(np.asarray(extra) != ""):
        out[row] = extra[row] if out[row] in ("", OK) else f"{out[row]},{extra[row]}"
    return out
