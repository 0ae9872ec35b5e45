"""The per-batch work of a screening: read, pre-filter, featurize and predict one batch.

:func:`process_batch` is a pure function of a :class:`~electroscreen.screening.inputs.Batch`, the
filter config and the two predictors, so it runs the same in-process and on Dask workers. Workers
load each model once per process (:func:`cached_predictor`) from its URI instead of receiving a
pickled copy per task.

The returned frame has one row per input row of the batch, in input order: the candidate columns
(``candidate_id, formula, cell_formula, source, status, error, n_sites`` and any extra input
columns; ``formula`` is the reduced formula, models read ``cell_formula``, the content as read) and the
prediction columns (:data:`PREDICTION_COLUMNS`, NaN where a candidate was rejected or failed),
then the computed objectives of the rows still ``ok``
(:mod:`~electroscreen.screening.objective_columns`).
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK, join_statuses, merge_status
from electroscreen.data.compositions import pack_compositions
from electroscreen.data.limits import DEFAULT_MAX_SITES
from electroscreen.data.stored_states import IGNORED_LABELS
from electroscreen.models.devices import check_device, require_cuda
from electroscreen.models.predictor_outputs import (
    FEATURE_STATUS_COLUMN,
    INTERVAL_25C_COLUMNS,
    LABEL_WEIGHT_COLUMN,
)
from electroscreen.models.tasks import AIR_STABILITY, CONDUCTIVITY
from electroscreen.models.training_rows import NEIGHBOURS_SPREAD_COLUMN
from electroscreen.screening.balance_messages import full_framework
from electroscreen.screening.batch_notes import (
    add_notes,
    heldout_notes,
    mixture_notes,
    neighbours_notes,
    protonated_notes,
)
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.filters import apply_stored_states, filter_batch
from electroscreen.screening.hydrate_filter import (
    HYDRATE_COLUMN,
    apply_hydrates,
    written_formulas,
)
from electroscreen.screening.inputs import Batch, BatchStructures, materialize
from electroscreen.screening.known_compositions import remembered_known_columns
from electroscreen.screening.objective_columns import (
    OBJECTIVE_COLUMNS,
    WINDOW_STATUS_COLUMN,
    remembered_objective_values,
)
from electroscreen.screening.plausibility import PLAUSIBILITY_COLUMNS, apply_bond_valence
from electroscreen.screening.prediction_memo import ScreeningMemos, row_keys
from electroscreen.screening.screen_config import ObjectivesConfig
from electroscreen.screening.temperatures import conductivity_inputs
from electroscreen.screening.typo_hints import acronym_rows, case_typo_hints, cl_typo_hints

__all__ = [
    "CONDUCTIVITY_COLUMNS",
    "PREDICTION_COLUMNS",
    "STABILITY_COLUMNS",
    "STABILITY_OPTIONAL",
    "CONDUCTIVITY_OPTIONAL",
    "cached_predictor",
    "check_temperature",
    "process_batch",
    "process_batch_by_uri",
    "screening_device",
]

#: Prediction columns of each model: the tasks' own output columns (one home, models/tasks.py).
CONDUCTIVITY_COLUMNS = CONDUCTIVITY.output_columns
#: Conductivity columns a model may not have (older models; models without a temperature model):
#: NaN when absent. ``pred_log10_sigma_novelty``: distance to the training data (sort by it in
#: triage); ``pred_ea_ev``: predicted activation energy (eV).
CONDUCTIVITY_OPTIONAL = ("pred_log10_sigma_novelty", "pred_ea_ev")
STABILITY_COLUMNS = AIR_STABILITY.output_columns
#: Air-stability columns a model may not have (a classifier that is not gated, an older model):
#: NaN when absent. ``p_air_stable_label_weight``: the labels' share of the score.
STABILITY_OPTIONAL = (LABEL_WEIGHT_COLUMN,)
PREDICTION_COLUMNS = (
    CONDUCTIVITY_COLUMNS + CONDUCTIVITY_OPTIONAL + STABILITY_COLUMNS + STABILITY_OPTIONAL
)

_CACHE: dict[tuple[str, str | None, str], Any] = {}
_CACHE_LOCK = threading.Lock()


def screening_device(device: str = "auto") -> str:
    """``device`` checked: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.

    ``auto`` is kept as it is and resolved where a model loads (:func:`cached_predictor`): CUDA for a
    torch model when that process sees a GPU, else CPU. Tree and logistic models run on the CPU
    anyway, so screening with them never imports torch to look for a GPU (about 2 s of start-up),
    and on a cluster each worker decides for its own hardware rather than the client for it.
    """
    return check_device(device)


def cached_predictor(
    model_uri: str, tracking_uri: str | None, device: str = "cpu", sha256: str | None = None
) -> Any:
    """The fitted predictor behind ``model_uri``, loaded once per process and moved to ``device``;
    with ``sha256``, only if its files have that digest (the one the screening recorded)."""
    from electroscreen.experiments.pyfunc import load_predictor

    if device.startswith("cuda"):
        require_cuda(device)
    key = (model_uri, tracking_uri, device, sha256)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = load_predictor(model_uri, tracking_uri, sha256).to(device)
        return _CACHE[key]


def _predict(
    predictor: Any,
    name: str,
    rows: pd.DataFrame,
    columns: tuple[str, ...],
    optional: tuple[str, ...] = (),
    packed: dict[str, Any] | None = None,
    interval_25c: bool = False,
    memos: ScreeningMemos | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Prediction columns (``columns`` and, NaN where absent, ``optional``), ``pred_status`` and
    ``pred_feature_status`` of ``rows`` (``packed``: their packed compositions/structures, the
    keyword arguments of ``predict_frame``; ``interval_25c``: the conductivity's 25 degC interval
    too, put in ``optional``). With ``memos``, a row asked before in the screening (same formula
    and columns) gets the outputs kept then (:mod:`~electroscreen.screening.prediction_memo`)."""
    unkept = memos is None or packed is None or set(packed) != {"compositions"}
    if unkept:  # no memo, or structures: every row predicted
        return _predict_rows(predictor, name, rows, columns, optional, packed, interval_25c)
    request = (name, columns, optional, interval_25c, tuple(rows.columns))

    def compute(at: np.ndarray) -> tuple[np.ndarray, ...]:
        some = rows.iloc[at].reset_index(drop=True)
        given = {"compositions": packed["compositions"].take(at)}
        values, *statuses = _predict_rows(
            predictor, name, some, columns, optional, given, interval_25c
        )
        return (values.to_numpy(dtype=np.float64), *statuses)

    values, pred_status, feature_status = memos.get(request).outputs(row_keys(rows), compute)
    return pd.DataFrame(values, columns=[*columns, *optional]), pred_status, feature_status


def _predict_rows(
    predictor: Any,
    name: str,
    rows: pd.DataFrame,
    columns: tuple[str, ...],
    optional: tuple[str, ...] = (),
    packed: dict[str, Any] | None = None,
    interval_25c: bool = False,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """:func:`_predict` of every row of ``rows``, none taken from the memo."""
    asked = {"interval_25c": True} if interval_25c else {}
    out = predictor.predict_frame(rows, details=True, **asked, **(packed or {}))
    missing = [c for c in columns if c not in out]
    if missing:
        raise ValueError(f"the {name} model does not predict {missing}; is it the right task?")
    feature_status = np.full(len(out), OK, dtype=object)
    if FEATURE_STATUS_COLUMN in out:  # "" (no note) or "featurizer:status;..."
        notes = out[FEATURE_STATUS_COLUMN].astype(str).to_numpy(dtype=object)
        feature_status = np.where(notes == "", OK, notes)
    out = out.reindex(columns=[*columns, *optional, "pred_status"])
    return (
        out[[*columns, *optional]],
        out["pred_status"].astype(str).to_numpy(dtype=object),
        feature_status,
    )


def check_temperature(predictor: Any, temperature_c: float) -> None:
    """Raise when a screening asks a conductivity model for a temperature it cannot predict at."""
    if temperature_c != 25.0 and getattr(predictor, "temperature_model", "none") == "none":
        raise ValueError(
            f"temperature_c = {temperature_c} degC, but the conductivity model predicts at 25 degC "
            "only (no temperature model): train one with 'temperature_model: arrhenius' "
            "(configs/conductivity.yaml) or screen at 25 degC"
        )


def _apply_stored_states(
    table: pd.DataFrame, filters: FilterConfig, structures: BatchStructures
) -> pd.DataFrame:
    """:func:`~electroscreen.screening.filters.apply_stored_states` on the rows still ``ok`` that
    have a structure."""
    ok = np.flatnonzero(table["status"].to_numpy(dtype=object) == OK)
    given = structures.for_rows(ok)
    if not len(given["structure_rows"]):
        return table
    return apply_stored_states(table, filters, given["structures"], ok[given["structure_rows"]])


def process_batch(
    batch: Batch,
    filters: FilterConfig,
    conductivity: Any,
    stability: Any,
    temperature_c: float = 25.0,
    objectives: ObjectivesConfig | None = None,
    memos: ScreeningMemos | None = None,
) -> pd.DataFrame:
    """Candidate rows and predictions of one batch (one row per input row, input order).

    Parameters
    ----------
    batch : Batch
        From :func:`~electroscreen.screening.inputs.iter_batches`.
    filters : FilterConfig
        Pre-filters; a rejected row keeps its status and reason and gets no prediction.
    conductivity, stability : CandidatePredictor
        Fitted predictors of the ``conductivity`` and ``air_stability`` tasks.
    temperature_c : float
        Temperature (degC) the conductivity is predicted at (the screening config's).
    objectives : ObjectivesConfig, optional
        Computed objectives (:data:`OBJECTIVE_COLUMNS`) of the rows that stay ``ok``; default
        all on.
    memos : ScreeningMemos, optional
        The screening's outputs of the formulas its earlier batches computed in this process
        (predictions, objectives, known-composition columns), taken for a formula asked again
        and kept for the next batches (:mod:`~electroscreen.screening.prediction_memo`); the
        same values as without.

    Returns
    -------
    DataFrame
        Candidate columns without ``structure`` (``hydrate_formula`` after ``error``: the
        hydrate as a chemist writes it, ``""`` for none; :mod:`~electroscreen.screening.
        hydrate_filter`, which rejects hydrates as ``hydrate`` unless ``filters.allow_hydrates``)
        plus :data:`PREDICTION_COLUMNS`,
        :data:`OBJECTIVE_COLUMNS`, :data:`WINDOW_STATUS_COLUMN` and ``gii, gii_scale, gii_max_site`` (structures only, NaN for formula rows;
        ``filters.max_gii`` rejects as ``implausible_bond_valence``), and ``pred_feature_status`` (``ok``; ``"<model>:<featurizer>:<status>"``,
        comma-separated, for a prediction made although some of its features were NaN; and
        ``structure:oxidation_labels:ignored_impossible=Li2+`` for a structure whose stored labels
        were dropped, one being no state of its element;
        ``conductivity:measurements:heldout_outside_interval``,
        ``conductivity:measurements:neighbours_disagree``, ``input:formula:mixture_notation``,
        ``input:formula:composite_notation`` and ``composition:protonated_oxide``,
        :mod:`~electroscreen.screening.batch_notes`; empty
        for rows not predicted). A candidate either model cannot predict gets that model's status (e.g.
        ``no_structure``) and a message.
    """
    # the batch's one packing of its structures: the bond-valence filter and both models share it
    table, structures = materialize(batch, max_sites=DEFAULT_MAX_SITES)
    table = table.reset_index(drop=True)
    # the batch's one parse of its formulas: filters, both models and the objectives share it
    compositions = pack_compositions(table["cell_formula"].tolist())
    full = np.zeros(len(table), dtype=bool)  # structures whose sites but the carrier's are full
    if filters.carrier and len(structures.positions):
        full[structures.positions] = full_framework(structures.packed, filters.carrier)
    table, states = filter_batch(table, filters, compositions=compositions, full_framework=full)
    table = _apply_stored_states(table, filters, structures)
    # the hydrate rule reads the states the charge balance assigned, not assigning them again
    written = written_formulas(batch)  # the formula cells as typed: hydrates, typos, mixtures
    table = apply_hydrates(table, filters, compositions, written, states)
    table = apply_bond_valence(table, None, filters, structures)  # gii columns; max_gii
    table = cl_typo_hints(table, written, filters)  # "did you mean Li6PS5Cl?" for Li6PS5CI
    table = case_typo_hints(table, written, filters)  # "did you mean Li3YCl6?" for li3ycl6
    table = acronym_rows(table, written)  # LiPON: an acronym, not Li1P1O1N1
    status = table["status"].to_numpy(dtype=object).copy()
    error = table["error"].to_numpy(dtype=object).copy()
    predictions = pd.DataFrame(np.nan, index=table.index, columns=list(PREDICTION_COLUMNS))
    rows = np.flatnonzero(status == OK)
    feature_statuses: dict[str, np.ndarray] = {}
    interval_25c = np.full((len(table), 2), np.nan)  # what a 25 degC measurement is compared with
    if len(rows):
        frame = pd.DataFrame({"formula": table["cell_formula"].to_numpy()[rows]})
        given: dict[str, Any] = {"compositions": compositions.take(rows)}
        if conductivity.reads_structures or stability.reads_structures:
            given.update(structures.for_rows(rows))
        temperatures = conductivity_inputs(table, rows, temperature_c)
        for name, predictor, task, optional in (
            ("conductivity", conductivity, CONDUCTIVITY, CONDUCTIVITY_OPTIONAL),
            ("air-stability", stability, AIR_STABILITY, STABILITY_OPTIONAL),
        ):
            columns = task.output_columns
            asked = frame.assign(**temperatures) if name == "conductivity" else frame
            extra = INTERVAL_25C_COLUMNS if name == "conductivity" else ()  # the held-out note's
            values, pred_status, feature_status = _predict(
                predictor, name, asked, columns, (*optional, *extra), given, bool(extra), memos
            )
            predictions.loc[rows, [*columns, *optional]] = values[[*columns, *optional]].to_numpy(
                dtype=np.float64
            )
            if extra:
                interval_25c[rows] = values[list(extra)].to_numpy(dtype=np.float64)
            if note := task.carrier_note(filters.carrier):  # a Li-ion model asked about Na
                feature_status = np.array(
                    [note if s == OK else f"{s};{note}" for s in feature_status], dtype=object
                )
            feature_statuses[name] = feature_status
            status[rows], taken = merge_status(status[rows], pred_status)
            error[rows[taken]] = [
                f"{name} model could not predict: {s}" for s in status[rows[taken]]
            ]
    table["status"] = status
    table["error"] = error
    computed = pd.DataFrame(np.nan, index=table.index, columns=list(OBJECTIVE_COLUMNS))
    window_status = np.full(len(table), "", dtype=object)
    still_ok = np.flatnonzero(status == OK)
    formulas = table["cell_formula"].to_numpy(dtype=object)[still_ok].tolist()
    if len(still_ok):  # a row's objectives follow from its formula as read (prediction_memo)
        values, window_status[still_ok] = remembered_objective_values(
            compositions, still_ok, formulas, objectives or ObjectivesConfig(), filters.carrier,
            memos,
        )  # fmt: skip
        computed.iloc[still_ok] = values
    computed[WINDOW_STATUS_COLUMN] = window_status
    known = remembered_known_columns(
        conductivity, stability, compositions, still_ok, table.index, formulas, memos
    )
    spread = known.pop(NEIGHBOURS_SPREAD_COLUMN).to_numpy()  # for the note only
    plausibility = table[list(PLAUSIBILITY_COLUMNS)]
    table = table.drop(columns=["structure", *PLAUSIBILITY_COLUMNS])
    out = pd.concat([table, predictions, known, computed, plausibility], axis=1)
    # predictions made although some features were NaN are flagged, not silent
    notes = np.full(len(table), "", dtype=object)
    if len(rows):
        notes[rows] = join_statuses(feature_statuses, len(rows))
    notes[status != OK] = ""  # a row a model could not predict has its status instead
    labels = np.full(len(table), "", dtype=object)
    labels[structures.positions] = structures.ignored_labels
    ignored = np.full(len(table), "", dtype=object)  # the file's labels, not used
    for r in np.flatnonzero((labels != "") & (status == OK)):
        ignored[r] = f"{IGNORED_LABELS}={labels[r]}"
    notes = add_notes(notes, ignored)
    # a held-out measurement outside the interval; a formula written as a mixture of binaries
    notes = add_notes(notes, heldout_notes(out, interval_25c))
    # the nearest measured compositions disagree (amorphous/crystalline, film/bulk)
    notes = add_notes(notes, neighbours_notes(out["status"].to_numpy(), spread))
    notes = add_notes(notes, mixture_notes(out["status"].to_numpy(), written))
    # protons on the oxide ions: a proton-exchanged or hydroxide form, not the carrier's phase
    hydrates = out[HYDRATE_COLUMN].to_numpy() if HYDRATE_COLUMN in out else None
    notes = add_notes(
        notes, protonated_notes(out["status"].to_numpy(), compositions, states, hydrates)
    )
    out[FEATURE_STATUS_COLUMN] = notes
    out["batch"] = np.int64(batch.index)
    return out


def process_batch_by_uri(
    batch: Batch,
    filters: FilterConfig,
    model_uris: dict[str, str],
    tracking_uri: str | None,
    device: str = "cpu",
    temperature_c: float = 25.0,
    objectives: ObjectivesConfig | None = None,
    model_digests: dict[str, str] | None = None,
) -> pd.DataFrame:
    """:func:`process_batch` with predictors loaded by URI (cached per process; checked against
    ``model_digests`` where given): the Dask task.

    Raises
    ------
    FileNotFoundError
        A worker started in another folder than the screening cannot open its relative input
        paths: the batch fails (rather than become ``missing_file`` rows recorded as done).
    """
    _check_worker_folder(batch)
    digests = model_digests or {}
    conductivity = cached_predictor(
        model_uris["conductivity"], tracking_uri, device, digests.get("conductivity")
    )
    stability = cached_predictor(
        model_uris["air_stability"], tracking_uri, device, digests.get("air_stability")
    )
    return process_batch(batch, filters, conductivity, stability, temperature_c, objectives)


def _check_worker_folder(batch: Batch) -> None:
    """Refuse a file batch whose relative paths this process cannot open because it runs in
    another folder than the screening that planned it (a worker of an existing cluster)."""
    if batch.kind != "files" or not batch.cwd or os.getcwd() == batch.cwd:
        return
    lost = [p for p in batch.files if not Path(p).is_absolute() and not os.path.lexists(p)]
    if lost:
        raise FileNotFoundError(
            f"a worker on {socket.gethostname()} runs in {os.getcwd()}, not in {batch.cwd} where "
            f"the screening started, and cannot open the relative input {lost[0]}: give absolute "
            "input paths, or start the workers in that folder"
        )
