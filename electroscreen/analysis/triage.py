"""Triage of screening runs: find a run in MLflow, load its results, shortlist, plot, export.

Each function is one step of ``notebooks/triage.ipynb``::

    runs = screening_runs()                      # every `electroscreen screen` run, newest first
    results = load_results(runs.run_id[0])       # its results/results.parquet
    best = shortlist(results, min_log10_sigma=-4, min_p_air_stable=0.5, top=20)
    distinct = shortlist(results, top=10, diverse=True)  # one per chemistry (diverse_rank)
    pareto_plot(results)                         # conductivity vs air stability, with error bars
    export_shortlist(best, "shortlist.csv")      # CSV, logged back to the run as an artifact

A screening run is an MLflow run tagged ``electroscreen.kind=screen`` with the artifact
``results/results.parquet`` (one row per input candidate, see ``electroscreen screen``). The run id
travels with the loaded table in ``DataFrame.attrs["run_id"]``, so later steps know where to log.
Candidate cards and nearest OBELiX neighbours live in :mod:`electroscreen.analysis.candidate_card`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from electroscreen.data.composition_match import distinct_compositions
from electroscreen.data.spreadsheet_text import spreadsheet_safe
from electroscreen.experiments.model_coverage import model_coverage
from electroscreen.experiments.plots import COVERAGE_ATTR
from electroscreen.experiments.tracking import (
    read_run_artifact,
    resolve_tracking_uri,
    tracking_client,
)
from electroscreen.screening.diversity import DIVERSE_RANK, REPRESENTED_BY
from electroscreen.screening.mlflow_run import MODEL_PARAMS
from electroscreen.screening.ranking import RANK_COLUMNS, is_ranked
from electroscreen.screening.results import read_results
from electroscreen.screening.run_artifacts import RESULTS_ARTIFACT
from electroscreen.screening.run_summary import (
    DISTINCT_METRIC,
    MEASURED_METRIC,
    NEAR_METRIC,
    PROMISING_METRIC,
)

__all__ = [
    "SHORTLIST_ARTIFACT_DIR",
    "export_shortlist",
    "load_results",
    "runs_with_tag",
    "screening_runs",
    "shortlist",
]

#: Artifact folder that exported shortlists are logged to.
SHORTLIST_ARTIFACT_DIR = "shortlists"
#: Params of a screening run shown by :func:`screening_runs` (when the run logged them).
_SCREEN_PARAMS = (*MODEL_PARAMS.values(), "inputs")
#: The columns :func:`screening_runs` shows first: what a run found, before its bookkeeping.
RUN_HEADLINE = (
    "run_name",
    "start_time",
    "status",
    "n_candidates",
    "n_ok",
    PROMISING_METRIC,
    MEASURED_METRIC,
    NEAR_METRIC,
    DISTINCT_METRIC,
    "best_pred_log10_sigma",
    "best_p_air_stable_of_promising",
    "pareto_front_size",
)


def _client(tracking_uri: str | None) -> tuple[MlflowClient, str]:
    uri = resolve_tracking_uri(tracking_uri)
    return tracking_client(uri), uri


def runs_with_tag(
    kind: str, tracking_uri: str | None = None, extra_filter: str | None = None
) -> list:
    """Every MLflow run tagged ``electroscreen.kind=<kind>`` in any experiment, newest first.

    Runs of every status are returned (running, finished, failed); deleted runs are not.

    Parameters
    ----------
    kind : str
        ``"screen"`` or ``"train"``.
    tracking_uri : str, optional
        Store to search (default :func:`~electroscreen.experiments.tracking.resolve_tracking_uri`).
    extra_filter : str, optional
        Further MLflow filter clause, joined with ``and``.

    Returns
    -------
    list of mlflow.entities.Run
    """
    client, _ = _client(tracking_uri)
    experiment_ids = [e.experiment_id for e in client.search_experiments()]
    if not experiment_ids:
        return []
    query = f"tags.`electroscreen.kind` = '{kind}'"
    if extra_filter:
        query += f" and {extra_filter}"
    runs = []
    token = None
    while True:
        page = client.search_runs(
            experiment_ids,
            filter_string=query,
            order_by=["attributes.start_time DESC"],
            max_results=1000,
            page_token=token,
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def screening_runs(tracking_uri: str | None = None) -> pd.DataFrame:
    """The screening runs of a tracking store, newest first.

    Parameters
    ----------
    tracking_uri : str, optional
        Store to search (default ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<cwd>/mlflow.db``).

    Returns
    -------
    DataFrame
        One row per run: first :data:`RUN_HEADLINE` (name, start, status, candidates screened and
        predicted, ``n_sigma_gt_1e-4_air_stable`` promising, ``n_promising_measured`` of them
        already measured, ``n_promising_near_measured`` near a measured composition and
        ``n_promising_distinct`` representatives, one per chemistry, the best
        prediction, the Pareto front's size), then the model URIs and
        inputs the run logged as params, every other metric (``passed_<filter>`` funnel,
        ``n_<status>`` counts per status, ``time_<step>_s`` timings, ``candidates_per_s``), and
        ``run_id, experiment_id`` last. Counts (``n_*``, ``passed_*``, ``pareto_front_size``) are
        integers (MLflow stores every metric as a float). Empty (with the name, id and param
        columns) when the store holds no screening run.
    """
    rows = []
    for run in runs_with_tag("screen", tracking_uri):
        row = {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "experiment_id": run.info.experiment_id,
            "status": run.info.status,
            "start_time": pd.Timestamp(run.info.start_time, unit="ms"),
        }
        row.update({p: run.data.params.get(p) for p in _SCREEN_PARAMS})
        row.update(run.data.metrics)
        rows.append(row)
    columns = ["run_id", "run_name", "experiment_id", "status", "start_time", *_SCREEN_PARAMS]
    if not rows:
        return pd.DataFrame(columns=columns)
    runs = pd.DataFrame(rows)
    for name in runs.columns:
        if name.startswith(("n_", "passed_")) or name == "pareto_front_size":
            runs[name] = runs[name].round().astype("Int64")  # a run that lacks it: <NA>
    first = [c for c in RUN_HEADLINE if c in runs]
    last = ["run_id", "experiment_id"]
    middle = [c for c in runs.columns if c not in first and c not in last]
    return runs[first + middle + last]


def load_results(run_id: str, tracking_uri: str | None = None) -> pd.DataFrame:
    """The results table of a screening run (artifact ``results/results.parquet``).

    Parameters
    ----------
    run_id : str
        A screening run (``screening_runs().run_id``; printed by ``electroscreen screen``).
    tracking_uri : str, optional
        Store holding the run (default ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<cwd>/mlflow.db``).

    Returns
    -------
    DataFrame
        One row per screened candidate, in input order: ``candidate_id, formula`` (reduced),
        ``cell_formula, source, status,
        error``, the predictions (``pred_log10_sigma`` with ``_std/_lo/_hi``, ``p_air_stable`` with
        ``_std``), the ranks (``pareto_rank, score, acquisition, rank, acquisition_rank``) and
        one row per chemistry (``represented_by``, ``diverse_rank``).
        ``attrs["run_id"]``, ``attrs["tracking_uri"]`` and ``attrs["params"]`` (the run's params)
        say where it came from; ``attrs["interval_coverage"]`` is the nominal coverage of the
        conductivity model's intervals (None when its training run is not in the store), which
        :func:`~electroscreen.screening.plots.pareto_plot` names on its axis.

    Raises
    ------
    FileNotFoundError
        When the run has no results artifact (e.g. a screening that failed before writing it).
    """
    client, uri = _client(tracking_uri)
    run = client.get_run(run_id)
    try:
        results = read_run_artifact(run_id, RESULTS_ARTIFACT, read_results, uri)
    except (MlflowException, OSError) as exc:
        raise FileNotFoundError(f"run {run_id} has no artifact {RESULTS_ARTIFACT}: {exc}") from exc
    results.attrs["run_id"] = run_id
    results.attrs["tracking_uri"] = uri
    results.attrs["params"] = dict(run.data.params)
    results.attrs[COVERAGE_ATTR] = model_coverage(
        run.data.params.get(MODEL_PARAMS["conductivity"]), uri
    )
    return results


def _ok(results: pd.DataFrame) -> pd.Series:
    if "status" in results:
        return results["status"].eq("ok")
    return pd.Series(True, index=results.index)


def shortlist(
    results: pd.DataFrame,
    min_log10_sigma: float | None = -4.0,
    min_p_air_stable: float | None = 0.5,
    top: int | None = 20,
    sort_by: str = "rank",
    distinct: bool = True,
    diverse: bool = False,
) -> pd.DataFrame:
    """The best screened candidates that pass simple thresholds, one row per composition (or,
    with ``diverse``, per chemistry).

    Parameters
    ----------
    results : DataFrame
        A screening results table (:func:`load_results`).
    min_log10_sigma : float or None
        Keep predicted ``log10(sigma / (S/cm)) >= min_log10_sigma`` (None: no threshold).
    min_p_air_stable : float or None
        Keep ``p_air_stable >= min_p_air_stable`` (None: no threshold; rows without a stability
        prediction then stay).
    top : int or None
        Keep the first ``top`` rows after sorting (None: all).
    sort_by : str
        ``rank`` (ascending: the run's weighted-score ranking), ``acquisition_rank`` (upper
        confidence bound), ``pareto_rank``, or any other column (descending, e.g.
        ``pred_log10_sigma_lo`` for a pessimistic ordering). Unranked (``<NA>``) rows are left out.
        A name that is not a column is a ``ValueError`` listing the numeric columns.
    distinct : bool
        Show each composition once: a candidate whose composition (atomic fractions within 2e-4,
        :func:`~electroscreen.data.composition_match.distinct_compositions`) repeats a row above it
        (the same substitution of another seed structure, another cell of one formula) is left
        out, and its ``candidate_id`` is listed in the shown row's ``same_composition_ids``
        (``;``-separated; repeats below the last shown row are not looked for). False: every row.
    diverse : bool
        One row per chemistry: only the representatives (rows with a ``diverse_rank``,
        :mod:`~electroscreen.screening.diversity`), each with ``similar_ids``, the ids of the
        rows it represents (``represented_by``; ``;``-separated), whether or not they pass the
        thresholds; ``distinct`` is then not needed (a repeated composition is represented too).
        The thresholds apply to the representative's own values: a chemistry whose best-ranked
        member fails them is left out. Results without ``diverse_rank`` (screened with
        ``ranking.diversity_distance: 0``, or before it) are a ``ValueError``.

    Returns
    -------
    DataFrame
        The selected rows (only ``status == "ok"`` ones), best first, with the input's ``attrs``
        (and ``same_composition_ids`` when ``distinct``, ``similar_ids`` when ``diverse``).
    """
    if sort_by not in results.columns:
        sortable = [str(c) for c in results.columns if pd.api.types.is_numeric_dtype(results[c])]
        raise ValueError(
            f"sort_by={sort_by!r} is not a column of the results; the sortable ones are "
            f"{', '.join(sortable)}"
        )
    keep = _ok(results)
    if min_log10_sigma is not None:
        keep &= results["pred_log10_sigma"].ge(min_log10_sigma)
    if min_p_air_stable is not None:
        keep &= results["p_air_stable"].ge(min_p_air_stable)
    ascending = sort_by in (*RANK_COLUMNS, DIVERSE_RANK)
    if ascending:
        keep &= is_ranked(results[sort_by])
    if diverse:
        if DIVERSE_RANK not in results or not results[DIVERSE_RANK].notna().any():
            raise ValueError(
                "the results hold no diverse_rank (screened with ranking.diversity_distance: 0, "
                "or by an electroscreen before it): use diverse=False"
            )
        keep &= is_ranked(results[DIVERSE_RANK])
    selected = results[keep]
    selected = selected.sort_values(sort_by, ascending=ascending, kind="stable", na_position="last")
    if diverse:
        selected = selected.head(top).copy() if top is not None else selected.copy()
        selected["similar_ids"] = _similar_ids(results, selected["candidate_id"])
    elif distinct:
        groups = distinct_compositions(selected["formula"].astype(str), limit=top)
        ids = selected["candidate_id"].astype(str).to_numpy()
        selected = selected.iloc[[first for first, _ in groups]].copy()
        selected["same_composition_ids"] = [";".join(ids[r]) for _, r in groups]
    elif top is not None:
        selected = selected.head(top)
    selected.attrs = dict(results.attrs)
    return selected


def _similar_ids(results: pd.DataFrame, ids: pd.Series) -> list[str]:
    """Per id of ``ids``, the ids of the rows of ``results`` it represents (``represented_by``),
    ``;``-separated, in the results' order."""
    named = results[REPRESENTED_BY].fillna("").astype(str)
    members = results.loc[named.isin(set(ids.astype(str))), "candidate_id"].astype(str)
    by_leader = members.groupby(named[members.index]).agg(";".join)
    return [by_leader.get(str(i), "") for i in ids]


def export_shortlist(
    table: pd.DataFrame,
    path: str | Path,
    run_id: str | None = None,
    tracking_uri: str | None = None,
) -> Path:
    """Write a shortlist as CSV and log it to the screening run it came from.

    Parameters
    ----------
    table : DataFrame
        Rows to export (e.g. a :func:`shortlist`).
    path : path
        CSV file to write (folders are created); a text cell a spreadsheet would run as a formula
        gets a leading apostrophe (:mod:`electroscreen.data.spreadsheet_text`).
    run_id : str, optional
        Run to log the CSV to, under ``shortlists/``; default ``table.attrs["run_id"]``. When neither
        is given the CSV is only written.
    tracking_uri : str, optional
        Store holding that run; default ``table.attrs["tracking_uri"]`` (the store
        :func:`load_results` read the table from), else the default store.

    Returns
    -------
    Path
        The CSV written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = table.drop(columns=["structure"], errors="ignore")
    spreadsheet_safe(flat).to_csv(path, index=False)
    run_id = run_id or table.attrs.get("run_id")
    if run_id:
        client, _ = _client(tracking_uri or table.attrs.get("tracking_uri"))
        client.log_artifact(run_id, str(path), artifact_path=SHORTLIST_ARTIFACT_DIR)
    return path
