"""The per-batch work of a screening: read, pre-filter, featurize and predict one batch.

:func:`process_batch` is a pure function of a :class:`~electroscreen.screening.inputs.Batch`, the
filter config and the two predictors, so it runs the same in-process and on Dask workers. Workers
load each model once per process (:func:`cached_predictor`) from its URI instead of receiving a
pickled copy per task.

The returned frame has one row per input row of the batch, in input order: the candidate columns
(``candidate_id, formula, source, status, error, n_sites`` and any extra input columns) and the
prediction columns (:data:`PREDICTION_COLUMNS`, NaN where a candidate was rejected or failed).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.screening.filters import apply_filters
from electroscreen.screening.inputs import Batch, materialize, structures_for
from electroscreen.screening.screen_config import FilterConfig

__all__ = [
    "CONDUCTIVITY_COLUMNS",
    "PREDICTION_COLUMNS",
    "STABILITY_COLUMNS",
    "cached_predictor",
    "process_batch",
    "process_batch_by_uri",
    "resolve_device",
]

CONDUCTIVITY_COLUMNS = (
    "pred_log10_sigma",
    "pred_log10_sigma_std",
    "pred_log10_sigma_lo",
    "pred_log10_sigma_hi",
)
STABILITY_COLUMNS = ("p_air_stable", "p_air_stable_std")
PREDICTION_COLUMNS = CONDUCTIVITY_COLUMNS + STABILITY_COLUMNS
#: Structures are read with this cap; the configured ``max_sites`` filter gives the status.
READ_MAX_SITES = 5000

_CACHE: dict[tuple[str, str | None, str], Any] = {}
_CACHE_LOCK = threading.Lock()


def resolve_device(device: str = "auto") -> str:
    """``cuda`` when ``device`` is ``auto`` and a CUDA device is visible, else ``device`` (or cpu)."""
    if device not in {"auto", "cpu", "cuda"} and not device.startswith("cuda:"):
        raise ValueError(f"device must be auto, cpu or cuda[:N], got {device!r}")
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:  # torch is optional for descriptor models
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def cached_predictor(model_uri: str, tracking_uri: str | None, device: str = "cpu") -> Any:
    """The fitted predictor behind ``model_uri``, loaded once per process and moved to ``device``."""
    from electroscreen.experiments.pyfunc import load_predictor

    if device.startswith("cuda"):
        _require_cuda(device)
    key = (model_uri, tracking_uri, device)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = load_predictor(model_uri, tracking_uri).to(device)
        return _CACHE[key]


def _require_cuda(device: str) -> None:
    """A clear error where the predicting process sees no CUDA device (checked where models load,
    so a client without a GPU can still drive GPU workers with ``--scheduler``)."""
    import torch

    if not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} was asked for, but this process sees no CUDA device "
            f"(torch {torch.__version__}: torch.cuda.is_available() is False); "
            "use --device auto (CUDA when present) or --device cpu"
        )


def uses_structures(predictor: Any) -> bool:
    """Whether a predictor reads structures (a graph network or any structure featurizer)."""
    from electroscreen.featurizers.base import StructureFeaturizer
    from electroscreen.featurizers.registry import make_featurizer

    if getattr(predictor, "estimator", None) == "graph":
        return True
    objects = [make_featurizer(f) if isinstance(f, str) else f for f in predictor.featurizers]
    return any(isinstance(f, StructureFeaturizer) for f in objects)


def _predict(
    predictor: Any, name: str, rows: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Prediction columns, ``pred_status`` and ``pred_feature_status`` of ``rows``."""
    out = predictor.predict_frame(rows, details=True)
    missing = [c for c in columns if c not in out]
    if missing:
        raise ValueError(f"the {name} model does not predict {missing}; is it the right task?")
    feature_status = (
        out["pred_feature_status"].astype(str).to_numpy(dtype=object)
        if "pred_feature_status" in out
        else np.full(len(out), OK, dtype=object)
    )
    return (
        out[list(columns)],
        out["pred_status"].astype(str).to_numpy(dtype=object),
        feature_status,
    )


def process_batch(
    batch: Batch, filters: FilterConfig, conductivity: Any, stability: Any
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

    Returns
    -------
    DataFrame
        Candidate columns without ``structure`` plus :data:`PREDICTION_COLUMNS` and
        ``pred_feature_status`` (``ok``; ``"<model>:<featurizer status>"`` for a prediction made
        although some of its features were NaN; empty for rows not predicted). A candidate either
        model cannot predict gets that model's status (e.g. ``no_structure``) and a message.
    """
    table, packed = materialize(batch, max_sites=READ_MAX_SITES)
    table = apply_filters(table, filters).reset_index(drop=True)
    status = table["status"].to_numpy(dtype=object).copy()
    error = table["error"].to_numpy(dtype=object).copy()
    predictions = pd.DataFrame(np.nan, index=table.index, columns=list(PREDICTION_COLUMNS))
    rows = np.flatnonzero(status == OK)
    feature_notes: list[list[str]] = [[] for _ in range(len(table))]
    if len(rows):
        frame = pd.DataFrame({"formula": table["formula"].to_numpy()[rows]})
        if uses_structures(conductivity) or uses_structures(stability):
            frame["structure"] = structures_for(table, packed, rows)
        for name, predictor, columns in (
            ("conductivity", conductivity, CONDUCTIVITY_COLUMNS),
            ("air-stability", stability, STABILITY_COLUMNS),
        ):
            values, pred_status, feature_status = _predict(predictor, name, frame, columns)
            predictions.loc[rows, list(columns)] = values.to_numpy(dtype=np.float64)
            for k in np.flatnonzero(feature_status != OK):
                feature_notes[rows[k]].append(f"{name}:{feature_status[k]}")
            for k in np.flatnonzero(pred_status != OK):
                row = rows[k]
                if status[row] == OK:
                    status[row] = pred_status[k]
                    error[row] = f"{name} model could not predict: {pred_status[k]}"
    table["status"] = status
    table["error"] = error
    out = pd.concat([table.drop(columns=["structure"]), predictions], axis=1)
    # predictions made although some features were NaN are flagged, not silent
    predicted = np.zeros(len(table), dtype=bool)
    predicted[rows] = True
    out["pred_feature_status"] = [
        (",".join(notes) or OK) if done else ""
        for notes, done in zip(feature_notes, predicted, strict=True)
    ]
    out["batch"] = np.int64(batch.index)
    return out


def process_batch_by_uri(
    batch: Batch,
    filters: FilterConfig,
    model_uris: dict[str, str],
    tracking_uri: str | None,
    device: str = "cpu",
) -> pd.DataFrame:
    """:func:`process_batch` with predictors loaded by URI (cached per process): the Dask task."""
    conductivity = cached_predictor(model_uris["conductivity"], tracking_uri, device)
    stability = cached_predictor(model_uris["air_stability"], tracking_uri, device)
    return process_batch(batch, filters, conductivity, stability)
