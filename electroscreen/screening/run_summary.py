"""What a reviewer compares between two screenings: the filter funnel, the promising count, the best
prediction, the Pareto front; and the run's bookkeeping (rows per status, timings, rate). The run's
description, which says so, is :mod:`~electroscreen.screening.run_description`'s."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.protic_hydrogen import PROTONATED_OXIDE
from electroscreen.models.training_rows import (
    HELDOUT_COLUMNS,
    NEAREST_HELDOUT_COLUMNS,
    NEAREST_TRAINING_COLUMNS,
    TRAINING_COLUMNS,
)
from electroscreen.screening.diversity import DIVERSE_RANK
from electroscreen.screening.filters import AFTER_BALANCE_REDOX, FILTER_STATUSES, STORED_STATES
from electroscreen.screening.near_measured import (
    NEAR_MEASURED,
    measured_rows,
    near_sentence,
    nearest_measured,
)

__all__ = [
    "DISTINCT_METRIC",
    "HEADLINE_METRICS",
    "LEFT_OUT_METRIC",
    "NOT_PROMISING_NOTES",
    "NEAR_METRIC",
    "PROMISING",
    "left_out_text",
    "promising_line",
    "review_metrics",
    "run_metrics",
]

#: Promising: predicted conductivity above 1e-4 S/cm and air-stability score at least 0.5.
PROMISING = {"min_log10_sigma": -4.0, "min_p_air_stable": 0.5}
PROMISING_METRIC = "n_sigma_gt_1e-4_air_stable"
#: Of those, the compositions already measured (``train_id`` or ``heldout_id``): recalls, not finds.
MEASURED_METRIC = "n_promising_measured"
#: Of those, the ones within ``NEAR_MEASURED`` of a measured composition (the recalls among
#: them): members of measured solid solutions (:mod:`~electroscreen.screening.near_measured`).
#: Absent where the results hold no nearest composition (a model saved before it kept them).
NEAR_METRIC = "n_promising_near_measured"
#: Row notes (``pred_feature_status``) that keep a row out of the promising count, however high
#: its predictions: a protonated oxide (Li6.5H0.5La3Zr2O12) is what air makes of the carrier's
#: phase, not a find (:data:`~electroscreen.data.protic_hydrogen.PROTONATED_OXIDE`).
NOT_PROMISING_NOTES = (PROTONATED_OXIDE,)
#: Rows above both thresholds that a :data:`NOT_PROMISING_NOTES` note left out of the count.
LEFT_OUT_METRIC = "n_promising_left_out"
#: Of the promising, the representatives (a ``diverse_rank``): how many chemistries they hold
#: (:mod:`~electroscreen.screening.diversity`). Absent where the results hold no ``diverse_rank``.
DISTINCT_METRIC = "n_promising_distinct"
#: The review metrics a reviewer reads first (the experiment's description names them), in this
#: order before the funnel: the run page lists a run's metrics in the order they were logged.
HEADLINE_METRICS = (
    PROMISING_METRIC,
    MEASURED_METRIC,
    NEAR_METRIC,
    DISTINCT_METRIC,
    LEFT_OUT_METRIC,
    "best_pred_log10_sigma",
    "best_p_air_stable_of_promising",
    "pareto_front_size",
    "n_predicted",
)
#: The columns :func:`review_metrics` reads to tell measured and near-measured rows.
_MEASURED_COLUMNS = (
    TRAINING_COLUMNS[1],
    HELDOUT_COLUMNS[1],
    *NEAREST_TRAINING_COLUMNS,
    *NEAREST_HELDOUT_COLUMNS,
)
#: Marks the ``error`` of a row that passed the filters but that a model could not predict.
_PREDICTION_FAILURE = "model could not predict"
#: Metric name of each filter: the setting of ``FilterConfig`` it checks.
_FILTER_NAMES = {
    "no_carrier": "carrier",
    "too_many_elements": "max_elements",
    "forbidden_element": "forbidden_elements",
    "element_not_allowed": "allowed_elements",
    "too_many_sites": "max_sites",
    "not_charge_balanced": "charge_balance",
    "anion_former_as_cation": "anion_formers",
    "oxidising_cation": "oxidising_cations",
    "rare_oxidation_state": "rare_states",
    "hydrate": "hydrates",
    "implausible_bond_valence": "max_gii",
}


def _passed_filters(results: pd.DataFrame) -> dict[str, int]:
    """Rows that reached and passed each pre-filter, in the order the filters run.

    A filter only sees rows every earlier check let through; a row read or parsed wrongly never
    reaches the first one. Rows that passed every filter are ``ok`` or failed later, in a model.
    """
    status = results["status"].astype(str)
    error = results["error"].fillna("").astype(str)  # pandas string methods: no fixed-width copy
    after_filters = (status == OK).to_numpy() | error.str.contains(
        _PREDICTION_FAILURE, regex=False
    ).to_numpy(bool)
    order = {code: k for k, code in enumerate(FILTER_STATUSES)}
    stage = status.map(order).fillna(-1).to_numpy(dtype=float)  # the rejecting filter
    # redox_active thrice: a listed element (first), or a d0 cation the charge balance reduced and
    # a listed cation off its inert state (Ce4+, Ce beside oxide), which run after the balance and
    # before the anion-former rule
    after = np.zeros(len(error), dtype=bool)
    for start in AFTER_BALANCE_REDOX:
        after |= error.str.contains(start, regex=False).to_numpy(bool)
    reduced = (status == "redox_active").to_numpy() & after
    stage[reduced] = order["not_charge_balanced"] + 0.5
    # a structure's own oxidation states are checked after every formula rule
    stored = error.str.startswith(STORED_STATES).to_numpy(bool)
    stage[stored] = order["rare_oxidation_state"] + 0.5
    passed = {"passed_read": int((after_filters | (stage >= 0)).sum())}
    for k, code in enumerate(FILTER_STATUSES):
        passed[f"passed_{_FILTER_NAMES.get(code, code)}"] = int((after_filters | (stage > k)).sum())
    return passed


def review_metrics(results: pd.DataFrame) -> dict[str, float]:
    """Metrics comparable across screening runs (finite values only).

    Parameters
    ----------
    results : DataFrame
        The ranked results: ``status``, ``error``, ``pred_log10_sigma``, ``p_air_stable``,
        ``pareto_rank``.

    Returns
    -------
    dict
        First :data:`HEADLINE_METRICS`: ``n_sigma_gt_1e-4_air_stable``, ``n_promising_measured``
        (of those, compositions the conductivity data already hold: ``train_id`` or
        ``heldout_id``), ``n_promising_near_measured`` (of those, compositions within
        ``NEAR_MEASURED`` of a measured one, ``train_nearest_distance`` or
        ``heldout_nearest_distance``; absent without those columns), ``n_promising_distinct``
        (of those, the representatives, one per chemistry: a ``diverse_rank``; absent without
        one), ``n_promising_left_out`` (rows above both thresholds that a
        :data:`NOT_PROMISING_NOTES` note keeps out of the count, which leaves them out),
        ``best_pred_log10_sigma``
        (log10 S/cm),
        ``best_p_air_stable_of_promising``, ``pareto_front_size``, ``n_predicted`` (both models
        predicted); then ``passed_<filter>`` (the funnel, named by the filter's setting:
        ``passed_read``, ``passed_carrier``, ``passed_max_elements``, ...,
        ``passed_charge_balance``), in the order the filters run.
    """
    metrics: dict[str, float] = {k: float(v) for k, v in _passed_filters(results).items()}
    read = [
        c
        for c in (
            "pred_log10_sigma",
            "p_air_stable",
            DIVERSE_RANK,
            "pred_feature_status",
            *_MEASURED_COLUMNS,
        )
        if c in results
    ]
    ok = results[read][(results["status"].astype(str) == OK).to_numpy()]  # no copy of the rest
    sigma = ok["pred_log10_sigma"].astype(float) if "pred_log10_sigma" in ok else pd.Series([])
    stable = ok["p_air_stable"].astype(float) if "p_air_stable" in ok else pd.Series([])
    metrics["n_predicted"] = float(len(ok))
    if len(sigma) and len(stable):
        above = (sigma > PROMISING["min_log10_sigma"]) & (stable >= PROMISING["min_p_air_stable"])
        promising = above & ~_left_out(ok)
        metrics[PROMISING_METRIC] = float(promising.sum())
        metrics[LEFT_OUT_METRIC] = float((above & ~promising).sum())
        metrics[MEASURED_METRIC] = float((promising & measured_rows(ok)).sum())
        nearest = nearest_measured(ok)["distance"]
        if nearest.notna().any():  # a model that kept its training rows
            metrics[NEAR_METRIC] = float((promising & nearest.le(NEAR_MEASURED)).sum())
        if DIVERSE_RANK in ok and ok[DIVERSE_RANK].notna().any():  # diversity on
            metrics[DISTINCT_METRIC] = float((promising & ok[DIVERSE_RANK].notna()).sum())
        metrics["best_pred_log10_sigma"] = float(sigma.max())
        if promising.any():
            metrics["best_p_air_stable_of_promising"] = float(stable[promising].max())
    if "pareto_rank" in results:
        metrics["pareto_front_size"] = float((results["pareto_rank"] == 1).sum())
    first = [k for k in HEADLINE_METRICS if k in metrics]  # the UI lists them in logging order
    ordered = {k: metrics[k] for k in [*first, *(k for k in metrics if k not in first)]}
    return {k: v for k, v in ordered.items() if math.isfinite(v)}


def _left_out(ok: pd.DataFrame) -> pd.Series:
    """Per row of ``ok``: whether its ``pred_feature_status`` holds a :data:`NOT_PROMISING_NOTES`
    note (results without the column: none)."""
    if "pred_feature_status" not in ok:
        return pd.Series(False, index=ok.index)
    cells = ok["pred_feature_status"].fillna("").astype(str)
    found = pd.Series(False, index=ok.index)
    for note in NOT_PROMISING_NOTES:
        found |= cells.str.contains(note, regex=False)
    return found


def left_out_text(metrics: dict[str, float]) -> str:
    """`` (2 more above both left out: composition:protonated_oxide, what air makes of the
    carrier's phase)`` where :data:`LEFT_OUT_METRIC` is above 0, else ``""``."""
    n = int(metrics.get(LEFT_OUT_METRIC, 0))
    if not n:
        return ""
    return (
        f" ({n} more above both left out: {', '.join(NOT_PROMISING_NOTES)}, what air makes of "
        "the carrier's phase)"
    )


def promising_line(metrics: dict[str, float]) -> str:
    """``57 promising (above 1e-4 S/cm with an air-stability score >= 0.5), 20 of them already
    measured (train_id, heldout_id): recalls, not finds; 31 within 0.005 ...`` from
    :func:`review_metrics`; ``""`` without predictions."""
    if PROMISING_METRIC not in metrics:
        return ""
    n, measured = int(metrics[PROMISING_METRIC]), int(metrics.get(MEASURED_METRIC, 0))
    return (
        f"{n} promising (predicted above 1e-4 S/cm with an air-stability score >= "
        f"{PROMISING['min_p_air_stable']}){left_out_text(metrics)}, {measured} of them already "
        f"measured (train_id, heldout_id): recalls, not finds; "
        f"{near_sentence(metrics.get(NEAR_METRIC))}"
    )


def run_metrics(
    results: pd.DataFrame,
    timings: dict[str, float],
    counts: dict[str, int],
    screened: int | None = None,
) -> dict[str, float]:
    """A screening run's bookkeeping metrics (finite values only).

    Parameters
    ----------
    results : DataFrame
        The ranked results, one row per input candidate.
    timings : dict
        Seconds per step of this invocation (``total`` among them; else their sum is the total).
    counts : dict
        Rows per status.
    screened : int, optional
        Rows this invocation screened (None: all of ``results``).

    Returns
    -------
    dict
        ``n_<status>``, ``n_candidates``, ``n_from_checkpoints`` (rows read from an earlier
        invocation's checkpoints), ``time_<step>_s`` and ``candidates_per_s`` (rows this
        invocation screened per second).
    """
    metrics = {f"n_{_metric_key(status)}": float(n) for status, n in counts.items()}
    metrics["n_candidates"] = float(len(results))
    screened = len(results) if screened is None else screened
    metrics["n_from_checkpoints"] = float(len(results) - screened)
    for step, seconds in timings.items():
        metrics[f"time_{_metric_key(step)}_s"] = float(seconds)
    total = timings.get("total", sum(timings.values()))
    if total > 0 and screened > 0:  # a resumed run's rate counts only what it screened itself
        metrics["candidates_per_s"] = screened / total
    return {k: v for k, v in metrics.items() if math.isfinite(v)}


def _metric_key(name: str) -> str:
    """An MLflow-legal metric name (letters, digits, ``_ - . /`` and spaces) for a status code."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", str(name))
