"""A fitted predictor's output columns: their names, their values on a design, the feature notes.

:func:`output_columns` names the columns of a
:class:`~electroscreen.models.predictor.CandidatePredictor` (the task's, plus novelty and, with an
Arrhenius model, the activation energy for conductivity); :func:`predict_columns` fills them on a
design (the body of ``CandidatePredictor.predict_design``: values on the predicted rows, NaN and a
``pred_status`` elsewhere; a model without a temperature model predicts at 25 degC only);
:func:`feature_notes` is ``pred_feature_status`` (``predict_frame(..., details=True)``), with
:func:`gate_weights` for a gated classifier's far-from-labels and mostly-prior notes (and its
``<score>_label_weight`` column), given only to a composition no label row holds, and :func:`label_notes` for a labelled composition whose score contradicts its
label (an air-stability model's ``training_labels_``); :func:`frame_predictions` is
the body of ``CandidatePredictor.predict_frame`` (a frame featurized, its temperatures read,
predicted).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from electroscreen.data.candidates import merge_status
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.packed import PackedStructures
from electroscreen.models.constant_features import ConstantFeatures
from electroscreen.models.featurize import Design
from electroscreen.models.side_models import predict_conductivity
from electroscreen.models.tasks import get_task
from electroscreen.models.temperature import read_temperatures, warn_kelvin_rows

__all__ = [
    "CONTRADICTS_LABEL",
    "EA_COLUMN",
    "FAR_FROM_LABELS",
    "FAR_WEIGHT",
    "FEATURE_STATUS_COLUMN",
    "INTERVAL_25C_COLUMNS",
    "LABEL_WEIGHT_COLUMN",
    "MOSTLY_PRIOR",
    "NOVELTY_COLUMN",
    "PRIOR_WEIGHT",
    "feature_importances",
    "feature_notes",
    "frame_predictions",
    "gate_weights",
    "label_notes",
    "output_columns",
    "predict_columns",
]

#: A gated classifier's near-member weight below which a row's score is its far member's alone
#: (the default air-stability model: the logistic model on five descriptors, not the labels of
#: neighbouring compositions; 46 % of the demo's ranked candidates).
FAR_WEIGHT = 0.05
#: The note of such a row (``air-stability:labels:far_from_labels`` in ``pred_feature_status``),
#: unless its composition is labelled itself (the model's ``training_labels_``).
FAR_FROM_LABELS = "labels:far_from_labels"
#: A gated classifier's near-member weight below which a row's score is mostly its far member's
#: (the logistic prior outweighs the labels of neighbouring compositions): a halide chemist's
#: audit (twenty-eighth session) found the unlabelled Lewis-acid chloro-metallates (LiGaCl4
#: 0.64, LiTaCl6 0.62; forest weights 0.07-0.16) scored above every labelled Li chloride, unmarked.
PRIOR_WEIGHT = 0.5
#: The note of a row whose near-member weight is at least :data:`FAR_WEIGHT` but below
#: :data:`PRIOR_WEIGHT` (``air-stability:labels:mostly_prior``), unless its composition is labelled
#: itself; below :data:`FAR_WEIGHT` the row is :data:`FAR_FROM_LABELS` instead.
MOSTLY_PRIOR = "labels:mostly_prior"
#: A gated classifier's near-member weight per row, 0-1 (1: the score is the forest's on the
#: labels near it; 0: the far member's alone), named after the task's score:
#: ``p_air_stable_label_weight``.
LABEL_WEIGHT_COLUMN = "p_air_stable_label_weight"
#: The note of a labelled composition whose score contradicts its own label, with the label's
#: verdicts and rows (``labels:contradicts_label=unstable(1)``: ``p_air_stable >= 0.5`` for a
#: composition one label row calls unstable; :meth:`~electroscreen.models.training_labels.
#: TrainingLabels.contradicted`).
CONTRADICTS_LABEL = "labels:contradicts_label"
#: The column of a row's feature notes (:func:`feature_notes`; ``screen`` prefixes each with its
#: model's name, ``<model>:<featurizer>:<status>``, comma-separated, and writes ``ok`` for none).
FEATURE_STATUS_COLUMN = "pred_feature_status"

#: Extra output columns of a conductivity predictor (besides the task's).
NOVELTY_COLUMN = "pred_log10_sigma_novelty"
EA_COLUMN = "pred_ea_ev"
#: A conductivity row's interval at 25 degC, the one its temperature's is moved from along the
#: Arrhenius line (log10 S/cm; equal to ``pred_log10_sigma_lo``/``_hi`` at 25 degC): returned
#: only when asked (``predict_frame(..., interval_25c=True)``), for comparing a 25 degC
#: measurement whatever the temperature (``screen``'s held-out note); never a results column.
INTERVAL_25C_COLUMNS = ("pred_log10_sigma_lo_25c", "pred_log10_sigma_hi_25c")


def output_columns(task: str, temperature_model: str, gated: bool = False) -> tuple[str, ...]:
    """The prediction columns of a predictor of ``task`` (besides ``pred_status``).

    Parameters
    ----------
    task : {"conductivity", "air_stability"}
    temperature_model : {"none", "arrhenius"}
    gated : bool
        Whether the classifier is gated (has ``gate_weight``): it adds :data:`LABEL_WEIGHT_COLUMN`.
    """
    spec = get_task(task)
    if spec.kind != "regression":
        return (*spec.output_columns, *((LABEL_WEIGHT_COLUMN,) if gated else ()))
    extra = (EA_COLUMN,) if temperature_model == "arrhenius" else ()
    return (*spec.output_columns, NOVELTY_COLUMN, *extra)


def predict_columns(
    predictor: object,
    design: Design,
    temperature_c: np.ndarray | float | None = None,
    gate_weight: np.ndarray | None = None,
    interval_25c: bool = False,
) -> dict[str, np.ndarray]:
    """Output columns (:func:`output_columns` + ``pred_status``) of a design, row-aligned.

    Parameters
    ----------
    predictor : CandidatePredictor
        Fitted.
    design : Design
    temperature_c : float or ndarray of shape (len(design),), optional
        See ``CandidatePredictor.predict_design``.
    gate_weight : ndarray of shape (len(design.rows),), optional
        A gated classifier's ``gate_weight(design.X)``, when already computed.
    interval_25c : bool
        A regression predictor: add :data:`INTERVAL_25C_COLUMNS` (ignored for a classifier).
    """
    n = len(design)
    regression = predictor.task_.kind == "regression"
    columns = (
        *predictor.output_columns(),
        *(INTERVAL_25C_COLUMNS if regression and interval_25c else ()),
    )
    out = {c: np.full(n, np.nan) for c in columns}
    status = design.status.copy()
    if len(design.rows):
        if regression:
            values = predict_conductivity(predictor, design, temperature_c, interval_25c)
        else:
            if LABEL_WEIGHT_COLUMN in columns and gate_weight is None:
                gate_weight = gate_weights(predictor.estimator_, design)
            given = {} if gate_weight is None else {"weight": gate_weight}
            values = predictor.estimator_.predict_proba_dist(design.X, **given)
            if LABEL_WEIGHT_COLUMN in columns:
                values = (*values, gate_weight)
        for column, value in zip(columns, values, strict=True):
            out[column][design.rows] = value
    if regression and temperature_c is not None:
        t = np.broadcast_to(np.asarray(temperature_c, dtype=np.float64), (n,))
        if predictor.temperature_model == "none":  # cannot predict away from 25 degC
            status, other = merge_status(status, "no_temperature_model", t != 25.0)
            for column in columns:
                out[column][other] = np.nan
    out["pred_status"] = status
    return out


def frame_predictions(
    predictor: object,
    frame: pd.DataFrame,
    details: bool = False,
    *,
    compositions: PackedCompositions | None = None,
    structures: PackedStructures | None = None,
    structure_rows: np.ndarray | None = None,
    interval_25c: bool = False,
) -> pd.DataFrame:
    """The body of ``CandidatePredictor.predict_frame`` (its docstring: the arguments), on a
    fitted predictor: ``frame`` featurized, each row's temperature read (conductivity), the
    output columns predicted on the frame's index and, with ``details``, ``pred_feature_status``.
    Without ``details``, kelvin-like temperatures are one ``KelvinWarning`` attributed to the
    caller of ``predict_frame``."""
    design = predictor.featurize(
        frame,
        compositions=compositions,
        structures=structures,
        structure_rows=structure_rows,
        as_table=structures is None,
    )
    temperature, temperature_notes = None, None
    if get_task(predictor.task).kind == "regression":  # the task featurize has just checked
        temperature, problem, temperature_notes = read_temperatures(frame)
        design = design.with_status(problem)
        if not details:  # the notes are not returned: one warning says them
            warn_kelvin_rows(frame, temperature_notes, design.rows, stacklevel=3)
    # a gated classifier's weights: the predictions and the notes both need them
    weight = gate_weights(predictor.estimator_, design) if details else None
    predicted = predictor.predict_design(design, temperature, weight, interval_25c=interval_25c)
    out = pd.DataFrame(predicted, index=frame.index)
    if details:
        # a row's own notes: its temperature's (conductivity) or its contradicted label's (air)
        labelled, contradicted = label_notes(predictor, design, out)
        notes = feature_notes(
            design,
            predictor.constant_features_,
            predictor.rare_features_,
            weight,
            temperature_notes if contradicted is None else contradicted,
            labelled,
        )
        out["pred_feature_status"] = notes
    return out


def label_notes(
    predictor: object, design: Design, out: pd.DataFrame
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Which predicted rows of ``design`` are labelled compositions, and per frame row its
    :data:`CONTRADICTS_LABEL` note (``""``: none), for a classifier that kept its labels
    (``training_labels_``); ``(None, None)`` for another predictor or no predicted row.

    Parameters
    ----------
    predictor : CandidatePredictor
        Fitted.
    design : Design
        With ``compositions`` of its predicted rows.
    out : DataFrame
        The predictions of ``design``'s frame (:func:`predict_columns`), row-aligned with it.

    Returns
    -------
    labelled : ndarray of bool, shape (len(design.rows),) or None
    notes : ndarray of object, shape (len(design),) or None
    """
    labels = getattr(predictor, "training_labels_", None)
    if labels is None or design.compositions is None or not len(design.rows):
        return None, None
    found = labels.find(design.compositions)
    p = out[predictor.output_columns()[0]].to_numpy(dtype=np.float64)[design.rows]
    text = labels.contradicted(found, p)
    notes = np.full(len(design), "", dtype=object)
    notes[design.rows] = [f"{CONTRADICTS_LABEL}={t}" if t else "" for t in text]
    return found >= 0, notes


def gate_weights(estimator: object, design: Design) -> np.ndarray | None:
    """A gated classifier's near-member weight of each predicted row of ``design`` (shape
    ``(len(design.rows),)``); None for another estimator, a design without a feature matrix, or
    no predicted row."""
    gated = hasattr(estimator, "gate_weight") and isinstance(design.X, np.ndarray)
    return estimator.gate_weight(design.X) if gated and len(design.rows) else None


def feature_notes(
    design: Design,
    constant_features: ConstantFeatures | None,
    rare_features: ConstantFeatures | None,
    gate_weight: np.ndarray | None = None,
    row_notes: np.ndarray | None = None,
    labelled: np.ndarray | None = None,
) -> np.ndarray:
    """``design.feature_status`` plus, on predicted rows, the never- and rarely-varied notes,
    given a gated classifier's weights, :data:`FAR_FROM_LABELS` where its near member has (almost)
    no say and :data:`MOSTLY_PRIOR` where it has less than half, when the composition is not
    labelled itself, and ``row_notes``.

    Parameters
    ----------
    design : Design
    constant_features, rare_features : ConstantFeatures or None
        The predictor's ``constant_features_`` and ``rare_features_`` (None: no feature matrix,
        or a predictor pickled before them).
    gate_weight : ndarray of shape (len(design.rows),), optional
        A gated classifier's near-member weight per predicted row: below :data:`FAR_WEIGHT`,
        the row is noted :data:`FAR_FROM_LABELS`, below :data:`PRIOR_WEIGHT` :data:`MOSTLY_PRIOR`.
    row_notes : ndarray of object, shape (len(design),), optional
        A note per frame row (``""``: none), such as its temperature's
        (:func:`~electroscreen.models.temperature.read_temperatures`) or a contradicted label's
        (:func:`label_notes`).
    labelled : ndarray of bool, shape (len(design.rows),), optional
        Whether each predicted row's composition is labelled (:func:`label_notes`): such a row is
        never :data:`FAR_FROM_LABELS` nor :data:`MOSTLY_PRIOR` (unknown: none is).
    """
    notes = design.feature_status.copy()
    extras = []
    if len(design.rows) and isinstance(design.X, np.ndarray):
        extras = [f.notes(design.X) for f in (constant_features, rare_features) if f is not None]
        if gate_weight is not None:
            w = np.asarray(gate_weight)
            unlabelled = True if labelled is None else ~np.asarray(labelled, dtype=bool)
            # a labelled composition is not far from every label: its score recalls its label
            note = np.where(w < FAR_WEIGHT, FAR_FROM_LABELS, MOSTLY_PRIOR)
            extras.append(np.where((w < PRIOR_WEIGHT) & unlabelled, note, "").astype(object))
    if row_notes is not None:
        extras.append(np.asarray(row_notes, dtype=object)[design.rows])
    for extra in extras:
        _add_notes(notes, design.rows, extra)
    return notes


def _add_notes(notes: np.ndarray, rows: np.ndarray, extra: np.ndarray) -> None:
    """Append each of ``rows``' ``extra`` note (``""``: none) to its ``notes`` entry, after a
    ``;`` where it has one already (in place)."""
    flagged = np.asarray(extra) != ""
    rows = np.asarray(rows)[flagged]
    notes[rows] = [
        f"{a};{b}" if a else b for a, b in zip(notes[rows], np.asarray(extra)[flagged], strict=True)
    ]


def feature_importances(estimator: object, names: Sequence[str]) -> pd.Series:
    """The fitted ``estimator``'s impurity importances by feature name (NaN where it has none, or
    not one per name)."""
    try:
        values = estimator.feature_importances_
    except (AttributeError, ValueError):
        values = None
    if values is None or len(values) != len(names):
        values = np.full(len(names), np.nan)
    return pd.Series(np.asarray(values, dtype=float), index=names, name="importance")
