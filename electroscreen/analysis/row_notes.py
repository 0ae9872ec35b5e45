"""A result row's notes as a reader takes them in: ``pred_feature_status``, ``window_status``,
``charge_residual`` and ``hydrate_formula``.

Among ``pred_feature_status``'s notes, besides the models' feature notes:
``conductivity:measurements:heldout_outside_interval=+3.63 decades`` (a measurement the model did
not train on lies outside the row's interval: Li7P3S11),
``conductivity:measurements:neighbours_disagree=6.5 decades`` (the nearest measured training
compositions differ that much: the LiPON film Li2.9PO3.3N0.46), ``input:formula:mixture_notation`` (a
formula written as a mixture of binaries, ``75Li2S-25P2S5``),
``input:formula:composite_notation`` (a sum of compounds, ``Li3YCl6 + LiCl``) and
``composition:protonated_oxide`` (protons on the oxide ions: Li6.5H0.5La3Zr2O12):
:mod:`~electroscreen.screening.batch_notes`.

``screen`` writes a predicted row's caveats in two columns: ``pred_feature_status``
(``<model>:<featurizer>:<status>``, comma-separated; ``ok`` for none) and ``window_status`` (``ok``
or why a window limit is empty); every row's net charge in ``charge_residual``; and a hydrate as a
chemist writes it in ``hydrate_formula`` (``Li3YCl6·H2O``, ranked with ``filters.allow_hydrates``:
note ``composition: hydrate=Li3YCl6·H2O``).
:func:`row_notes` splits them into one ``(where, note)`` pair per caveat, ``ok`` and empty cells
left out, a residual of at least :data:`~electroscreen.screening.charge_residual.NOTED_RESIDUAL`
e as ``charge: off_neutral=-0.05 e per formula unit``; :func:`notes_text` writes them as one cell
(``air-stability labels: far_from_labels; window: window_out_of_domain``), and
:func:`notes_column` for a table, what the triage notebook's table shows as ``notes``;
:func:`notes_table` adds what the common ones mean, the candidate card's *Notes* section.
"""

from __future__ import annotations

import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.formula_units import COMPOSITE_NOTATION, MIXTURE_NOTATION
from electroscreen.data.protic_hydrogen import PROTONATED_OXIDE
from electroscreen.data.stored_states import IGNORED_LABELS
from electroscreen.featurizers.thermo.reactivity import ELEMENTAL_HULL as MOISTURE_HULL
from electroscreen.featurizers.thermo.window import ELEMENTAL_HULL as WINDOW_HULL
from electroscreen.models.constant_features import NOTE as NEVER_VARIED
from electroscreen.models.constant_features import RARE_NOTE, RARE_ROWS
from electroscreen.models.predictor_outputs import (
    CONTRADICTS_LABEL,
    FAR_FROM_LABELS,
    FEATURE_STATUS_COLUMN,
    MOSTLY_PRIOR,
    PRIOR_WEIGHT,
)
from electroscreen.models.tasks import CARRIER_NOTE
from electroscreen.models.temperature import KELVIN_LIKE, UNREAD_COLUMN
from electroscreen.models.training_rows import HELDOUT_OUTSIDE, NEIGHBOURS_DISAGREE
from electroscreen.screening.charge_residual import CHARGE_RESIDUAL_COLUMN, NOTED_RESIDUAL
from electroscreen.screening.hydrate_filter import HYDRATE, HYDRATE_COLUMN
from electroscreen.screening.objective_columns import WINDOW_STATUS_COLUMN

__all__ = [
    "NOTE_MEANINGS",
    "OFF_NEUTRAL",
    "notes_column",
    "notes_table",
    "notes_text",
    "row_notes",
]

#: The note of a formula whose charges, in its assigned states, do not sum to zero.
OFF_NEUTRAL = "off_neutral"

#: What the common notes mean, by ``<featurizer>:<status>`` (the part before any ``=``) or, for
#: the window, its status (docs/results-columns.md, *Electrochemical window*, says more).
NOTE_MEANINGS = {
    NEIGHBOURS_DISAGREE: "the nearest measured compositions differ by N decades (amorphous/"
    "crystalline, film/bulk or processing): the prediction averages them and may match neither",
    FAR_FROM_LABELS: "the composition is not labelled and few labelled rows lie near it (the "
    "mean distance to its 5 nearest): the score is the logistic model's guess, a rough "
    "prior",
    MOSTLY_PRIOR: f"the composition is not labelled and the labels of nearby compositions make "
    f"less than {PRIOR_WEIGHT:g} of the score (p_air_stable_label_weight): the rest is the "
    "logistic model's guess, a rough prior",
    CONTRADICTS_LABEL: "the score is on the other side of 0.5 from this composition's own "
    "literature label (train_air_verdict; each verdict with its number of label rows): the "
    "model does not recall it, believe the label",
    f"moisture:{MOISTURE_HULL}": "air reactions computed on a hull of pure elements (no compound "
    "of the system tabulated): the score rests on them",
    NEVER_VARIED: "the model never saw this feature vary in training: the prediction cannot "
    "see it (an element no training row holds)",
    RARE_NOTE: f"the feature varied in at most {RARE_ROWS} training rows: the prediction barely "
    "sees it",
    CARRIER_NOTE: "the training data hold no conductor of this carrier ion",
    KELVIN_LIKE: "the row's temperature looks like kelvin; it was read as degC",
    UNREAD_COLUMN: "a temperature-like column was not read: the row is predicted at the "
    "screening's temperature",
    IGNORED_LABELS: "the structure's oxidation-state labels were ignored (one is no state of its "
    "element): states come from the formula",
    "window_out_of_domain": "a window limit rests on the enthalpy model beyond its uncertainty "
    "bound: left empty",
    WINDOW_HULL: "the window rests on pure elements (no compound of the system tabulated): left "
    "empty, the interfaces too",
    "window_borane_cluster": "a borane-cluster salt the enthalpy table lacks: its window and "
    "interfaces would be those of a LiBH4, borane and boride mixture, left empty",
    "window_not_converged": "the window search did not converge: left empty",
    "window_reducible_cation": "a cation the carrier metal reduces (Nb5+, Ti4+) that only the "
    "enthalpy model's correction keeps from it: reduction limit and reaction with the metal left "
    "empty (an empty oxidation limit beside it is beyond window_max_uncertainty_v)",
    "no_carrier": "no carrier ion: no window",
    f"charge:{OFF_NEUTRAL}": "the formula's charges, in the oxidation states the charge-balance "
    "filter assigned, do not sum to zero (accepted within 1 % of the positive charge, or balanced "
    "by a non-metal's non-integer state such as N-2.83, counted at its usual state: a refined "
    "CIF's rounding, a measured film composition, or a typo): correct the formula before "
    "synthesis or DFT",
    HELDOUT_OUTSIDE: "a measurement of this composition the model was not "
    "fitted on (heldout_log10_sigma: OBELiX's test split, or a row the leak guard kept out; a "
    "25 degC value) lies outside the row's 25 degC interval, whatever temperature the row was "
    "predicted at, by the decades given (+: measured higher): believe the "
    "measurement; the model misses this composition's family, and its near relatives may be "
    "missed alike (docs/models.md, Where it errs)",
    MIXTURE_NOTATION: "the formula was written as a mixture of binaries (75Li2S-25P2S5) and "
    "screened as its composition (Li3PS4): a glass or glass-ceramic of this composition can "
    "differ from the crystalline phase by orders of magnitude (75Li2S-25P2S5 glass ~1e-3.6 S/cm, "
    "gamma-Li3PS4 1e-6.3); the recall, if any (train_id), is of that composition's measurements, "
    "mostly of crystalline phases",
    COMPOSITE_NOTATION: "the formula was written as a sum of compounds (Li3YCl6 + LiCl, "
    "Li3InCl6-LiCl) and screened as one compound of their summed composition (Li4YCl7): a "
    "composite or two-phase sample need not form that single phase, and the prediction is of "
    "the single phase; screen each phase on its own row",
    PROTONATED_OXIDE: "protons on the oxide ions beside the carrier (LiOH, Li2OHCl, the "
    "Li+/H+-exchanged garnet Li6.5H0.5La3Zr2O12): a proton-exchanged or hydrated form, usually "
    "the product of air or moisture exposure; its conductivity and stability are not those of the "
    "carrier's phase (the models read it as any composition), so treat it as a degradation "
    "product unless the proton is intended (left out of the run's promising count)",
    f"composition:{HYDRATE}": "a hydrate: its dry compound plus water of crystallisation, what "
    "moisture makes of it; its water reads as air stability and an oxide's oxidation limit "
    "(ranked only with filters.allow_hydrates)",
}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("", OK)


def row_notes(row: pd.Series | dict) -> list[tuple[str, str]]:
    """The caveats of one results row: ``(where, note)`` per note of its ``pred_feature_status``
    (``where``: the model and featurizer, ``conductivity training_data``), its ``window_status``
    when not ``ok`` (``where``: ``window``), its ``charge_residual`` when at least
    :data:`~electroscreen.screening.charge_residual.NOTED_RESIDUAL` in magnitude (``where``:
    ``charge``, ``off_neutral=-0.05 e per formula unit``) and its ``hydrate_formula`` when it has
    one (``("composition", "hydrate=Li3YCl6·H2O")``, first); empty for a row without any."""
    notes = []
    hydrate = row.get(HYDRATE_COLUMN)
    if isinstance(hydrate, str) and hydrate:
        notes.append(("composition", f"{HYDRATE}={hydrate}"))
    features = row.get(FEATURE_STATUS_COLUMN)
    if not _blank(features):
        for part in str(features).split(","):
            fields = part.strip().split(":")
            where = " ".join(fields[:-1]) if len(fields) > 1 else "model"
            notes.append((where, fields[-1]))
    window = row.get(WINDOW_STATUS_COLUMN)
    if not _blank(window):
        notes.append(("window", str(window)))
    residual = pd.to_numeric(row.get(CHARGE_RESIDUAL_COLUMN), errors="coerce")
    if pd.notna(residual) and abs(residual) >= NOTED_RESIDUAL:
        notes.append(("charge", f"{OFF_NEUTRAL}={residual:+.3g} e per formula unit"))
    return notes


def notes_text(row: pd.Series | dict) -> str:
    """The row's notes in one cell (:func:`row_notes`, ``where: note`` joined by ``; ``), ``""``
    for none."""
    return "; ".join(f"{where}: {note}" for where, note in row_notes(row))


def notes_column(frame: pd.DataFrame) -> pd.Series:
    """:func:`notes_text` of every row of ``frame`` (a results table or a shortlist of it), on its
    index: the triage notebook's ``notes`` column."""
    return pd.Series([notes_text(row) for _, row in frame.iterrows()], index=frame.index, dtype=str)


def _meaning(where: str, note: str) -> str:
    """What ``note`` means: the :data:`NOTE_MEANINGS` entry its ``<featurizer>:<status>`` ends
    with (``structure:oxidation_labels:ignored_impossible`` has no model), else ``""``."""
    if where == "window":
        return NOTE_MEANINGS.get(note, "")
    written = ":".join([*where.split(" "), note.split("=")[0]])
    keys = [k for k in NOTE_MEANINGS if written == k or written.endswith(f":{k}")]
    return NOTE_MEANINGS[keys[0]] if keys else ""


def notes_table(row: pd.Series | dict) -> pd.DataFrame:
    """The row's notes (:func:`row_notes`) as a table indexed by where each comes from, with
    ``note`` and, for the common ones, ``meaning`` (:data:`NOTE_MEANINGS`); no rows for none."""
    notes = row_notes(row)
    return pd.DataFrame(
        {"note": [n for _, n in notes], "meaning": [_meaning(w, n) for w, n in notes]},
        index=pd.Index([w for w, _ in notes], name=None),
    )
