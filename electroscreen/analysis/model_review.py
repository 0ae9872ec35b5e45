"""Compare trained models straight from MLflow: leaderboard, parity plots, interval coverage.

Each function is one step of ``notebooks/models.ipynb``::

    runs = training_runs("conductivity")   # every `electroscreen train` run of the task
    leaderboard(runs)                      # test_* and cv_* metrics side by side, best first
    run_parity_plot(runs.run_id[0])            # predicted vs measured on the OBELiX test split
    coverage_table(runs)                   # empirical coverage of the nominal intervals

A training run is an MLflow run tagged ``electroscreen.kind=train`` and ``electroscreen.task``, with
metrics ``test_*`` (official OBELiX split), ``cv_*`` (cross-validation grouped by structural family),
``compcv_*`` (grouped by composition: the air-stability protocol) and ``lofo_*`` (leave one family
out), and the held-out predictions of
each scheme as artifacts ``predictions/<scheme>_predictions.parquet`` with ``<scheme>`` one of
``test``, ``cv``, ``compcv``, ``lofo`` (columns ``candidate_id, formula, family, y_true, y_pred, y_std, y_lo,
y_hi, censored, fold``), and the per-group metrics of each scheme as ``metrics/<scheme>_per_<group>.csv``
(``family`` for family schemes, ``anion_class`` and ``system_seen`` for all:
:data:`~electroscreen.models.evaluation.BREAKDOWNS`), which
:mod:`~electroscreen.analysis.coverage_review` reads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from mlflow.exceptions import MlflowException

from electroscreen.analysis.triage import runs_with_tag
from electroscreen.data.tables import read_parquet
from electroscreen.experiments import plots, train_logging
from electroscreen.experiments.tracking import read_run_artifact, tracking_client
from electroscreen.models.tasks import get_task

__all__ = ["coverage_table", "leaderboard", "load_predictions", "run_parity_plot", "training_runs"]

#: Metrics where smaller is better (everything else: larger is better).
LOWER_IS_BETTER = ("mae", "mae_obelix_protocol", "rmse", "brier", "log_loss", "interval_width")
#: Metric columns shown by :func:`leaderboard`, in order (those present): a training run's headline
#: metrics, one list for the console, the run's description and this table.
HEADLINE = train_logging.HEADLINE
_RUN_COLUMNS = (
    "run_id", "run_name", "model", "task", "estimator", "featurizers", "model_uri", "start_time",
)  # fmt: skip
#: Metric prefixes of the evaluation schemes, in the order the leaderboard shows them.
SCHEME_PREFIXES = tuple(prefix.rstrip("_") for prefix in train_logging.PREFIX.values())
#: Default sort keys of :func:`leaderboard`, first present wins: grouped cross-validation before
#: the test split, which models are compared on but never chosen by.
DEFAULT_SORT = ("cv_mae", "test_mae", "compcv_roc_auc", "cv_roc_auc", "test_roc_auc")


def training_runs(task: str | None = None, tracking_uri: str | None = None) -> pd.DataFrame:
    """The training runs of a tracking store, newest first.

    Parameters
    ----------
    task : str, optional
        ``conductivity`` or ``air_stability`` (default: every task); another name is a
        ``ValueError`` naming the known tasks.
    tracking_uri : str, optional
        Store to search (default ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<cwd>/mlflow.db``).

    Returns
    -------
    DataFrame
        ``run_id, run_name, model`` (registered model name), ``task, estimator, featurizers,
        model_uri, start_time, conformal_alpha`` and every metric of the run.
    """
    if task:
        get_task(task)  # a misspelt task is a ValueError naming the known ones, not no runs
    extra = f"tags.`electroscreen.task` = '{task}'" if task else None
    rows = []
    for run in runs_with_tag("train", tracking_uri, extra_filter=extra):
        tags, params = run.data.tags, run.data.params
        row = {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "model": tags.get("electroscreen.registered_model_name", ""),
            "task": tags.get("electroscreen.task"),
            "estimator": tags.get("electroscreen.estimator", params.get("estimator")),
            "featurizers": params.get("featurizers", ""),
            "model_uri": tags.get("electroscreen.model_uri"),
            "start_time": pd.Timestamp(run.info.start_time, unit="ms"),
            "conformal_alpha": float(params.get("conformal_alpha", "nan") or "nan"),
        }
        row.update(run.data.metrics)
        rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else [*_RUN_COLUMNS, "conformal_alpha"])


def leaderboard(runs: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """Runs sorted best first, with their headline metrics of every scheme (``test_*``, ``cv_*``,
    ``compcv_*``, ``trfamcv_*``, ``trchemcv_*``, ``trcompcv_*``, ``lofo_*``) and ``train_seconds``.

    Parameters
    ----------
    runs : DataFrame
        From :func:`training_runs`.
    metric : str, optional
        Sort key, any metric column of ``runs`` (it is shown even when not a headline metric);
        default ``cv_mae`` (family-grouped CV) when present (conductivity), else ``test_mae``, else
        ``compcv_roc_auc`` or ``cv_roc_auc`` (air stability). Error-like metrics (MAE, RMSE, Brier, log loss, interval
        width) sort ascending, the others descending; runs without the metric come last.

    Returns
    -------
    DataFrame
        ``run_id, model, task, estimator, featurizers``, ``nominal`` (the intervals' nominal
        coverage, ``1 - conformal_alpha``: the level of the ``*_interval_width`` columns, which
        do not name it) and the metric columns present, indexed 1..n.
    """
    if metric is None:
        metric = next((m for m in DEFAULT_SORT if m in runs), None)
    columns = [c for c in ("run_id", "model", "task", "estimator", "featurizers") if c in runs]
    if "conformal_alpha" in runs:  # the level of the *_interval_width columns, run by run
        runs = runs.assign(nominal=1.0 - runs["conformal_alpha"])
        columns.append("nominal")
    columns += [
        name
        for p in SCHEME_PREFIXES
        for m in HEADLINE
        for name in (
            sorted(c for c in runs if re.fullmatch(rf"{p}_{m}\d+", c))
            if m.endswith("_")
            else [f"{p}_{m}"]
        )
        if name in runs
    ]
    columns += [c for c in ("train_seconds",) if c in runs]
    if metric is not None and metric not in columns:
        if metric not in runs:
            raise KeyError(f"no metric {metric!r} in these runs")
        columns.append(metric)
    table = runs[columns]
    if metric is not None:
        ascending = metric.split("_", 1)[-1] in LOWER_IS_BETTER
        table = table.sort_values(metric, ascending=ascending, kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table.index = table.index + 1
    return table


def load_predictions(
    run_id: str, scheme: str = "test", tracking_uri: str | None = None
) -> pd.DataFrame:
    """Held-out predictions of a training run (``predictions/<scheme>_predictions.parquet``).

    Parameters
    ----------
    run_id : str
    scheme : {"test", "cv", "compcv"}
        ``test``: the OBELiX official test split; ``cv``: out of fold, folds grouped by structural
        family; ``compcv``: out of fold, folds grouped by composition.
    tracking_uri : str, optional

    Returns
    -------
    DataFrame
        ``candidate_id, formula, family, y_true, y_pred, y_std, y_lo, y_hi, censored, fold``.

    Raises
    ------
    mlflow.exceptions.MlflowException or OSError
        When the run did not evaluate that scheme (e.g. air stability has no ``test`` split).
    """
    artifact = f"predictions/{scheme}_predictions.parquet"
    return read_run_artifact(
        run_id, artifact, lambda path: read_parquet(path).to_pandas(), tracking_uri
    )


def run_parity_plot(run_id: str, scheme: str = "test", tracking_uri: str | None = None) -> Figure:
    """Predicted against measured for one run's held-out rows (probabilities for air stability).

    Conductivity: interval bars named by the run's nominal coverage (``1 - conformal_alpha``),
    censored rows drawn at their bound, MAE in the corner
    (:func:`electroscreen.experiments.plots.parity_plot`). Air stability: predicted probability by
    true class (:func:`electroscreen.experiments.plots.probability_plot`).

    Parameters
    ----------
    run_id : str
    scheme : {"test", "cv", "compcv"}
        Which held-out predictions (:func:`load_predictions`).
    tracking_uri : str, optional

    Returns
    -------
    matplotlib Figure
    """
    predictions = load_predictions(run_id, scheme, tracking_uri)
    what = {
        "test": "OBELiX test split",
        "cv": "CV grouped by family, out of fold",
        "compcv": "CV grouped by composition, out of fold",
        "lofo": "leave one family out, out of fold",
    }.get(scheme, f"{scheme}, out of fold")
    title = f"run {run_id[:8]}: {what}"
    if {"y_lo", "y_hi"} <= set(predictions) and predictions["y_lo"].notna().any():
        params = tracking_client(tracking_uri).get_run(run_id).data.params
        coverage = plots.alpha_coverage(params.get("conformal_alpha"))
        return plots.parity_plot(predictions, title, coverage=coverage)
    return plots.probability_plot(predictions, title)


def _coverage(predictions: pd.DataFrame) -> tuple[float, float, int]:
    """Empirical coverage, mean width and count over exact (uncensored, predicted) rows."""
    y = predictions["y_true"].to_numpy(float)
    lo = predictions["y_lo"].to_numpy(float)
    hi = predictions["y_hi"].to_numpy(float)
    censored = predictions.get("censored", pd.Series(False, index=predictions.index))
    use = (
        np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi) & ~censored.fillna(False).to_numpy(bool)
    )
    if not use.any():
        return float("nan"), float("nan"), 0
    inside = (lo[use] <= y[use]) & (y[use] <= hi[use])
    return float(inside.mean()), float(np.mean(hi[use] - lo[use])), int(use.sum())


def coverage_table(
    runs: pd.DataFrame, scheme: str = "test", tracking_uri: str | None = None
) -> pd.DataFrame:
    """Empirical coverage of each run's prediction intervals, recomputed from its predictions.

    Only exact measurements count (censored ``<1E-10`` rows are bounds, not values). Runs without
    intervals (classifiers) or without the scheme's predictions artifact are left out.

    Parameters
    ----------
    runs : DataFrame
        From :func:`training_runs`.
    scheme : {"test", "cv", "compcv"}
    tracking_uri : str, optional

    Returns
    -------
    DataFrame
        ``run_id, estimator, nominal, coverage, interval_width, n``; ``nominal`` is
        ``1 - conformal_alpha``; a well-calibrated model has ``coverage`` close to it (target 0.85 to
        0.95 for nominal 90 % intervals).
    """
    rows = []
    for run in runs.itertuples(index=False):
        try:
            predictions = load_predictions(run.run_id, scheme, tracking_uri)
        except (MlflowException, OSError):
            continue  # a run that never reached this scheme (e.g. air stability has no test split)
        if not {"y_lo", "y_hi"} <= set(predictions) or predictions["y_lo"].isna().all():
            continue
        coverage, width, n = _coverage(predictions)
        alpha = getattr(run, "conformal_alpha", float("nan"))
        rows.append(
            {
                "run_id": run.run_id,
                "estimator": getattr(run, "estimator", None),
                "nominal": 1.0 - alpha,
                "coverage": coverage,
                "interval_width": width,
                "n": n,
            }
        )
    columns = ["run_id", "estimator", "nominal", "coverage", "interval_width", "n"]
    return pd.DataFrame(rows, columns=columns)
