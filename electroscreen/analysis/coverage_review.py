"""Interval coverage by group: where a pooled coverage near the nominal one hides a shortfall.

``electroscreen train`` logs every evaluation scheme's metrics by group
(``metrics/<scheme>_per_<group>.csv``: :data:`~electroscreen.models.evaluation.BREAKDOWNS`
``anion_class`` and ``system_seen`` for every scheme, ``family`` for family schemes). Steps of
``notebooks/models.ipynb``, beside :func:`~electroscreen.analysis.model_review.coverage_table`::

    group_coverage(runs, "test", by="system_seen")  # known vs new chemical system
    group_coverage(runs, "cv", by="anion_class")    # oxide, chalcogenide, halide, nitride, ...
    print(coverage_summary(runs, "cv"))              # pooled coverage and the groups below target

A group is under-covered when it holds at least :data:`MIN_GROUP_N` exact measurements and its
coverage is more than :data:`COVERAGE_TOLERANCE` below the nominal one.
"""

from __future__ import annotations

import pandas as pd
from mlflow.exceptions import MlflowException

from electroscreen.analysis.model_review import coverage_table
from electroscreen.experiments.tracking import read_run_artifact, resolve_tracking_uri

__all__ = ["COVERAGE_TOLERANCE", "MIN_GROUP_N", "coverage_summary", "group_coverage"]

#: A group is under-covered when its coverage is more than this below the nominal one (0.85 for
#: 90 % intervals: the target band is nominal +- 0.05).
COVERAGE_TOLERANCE = 0.05
#: ... and it holds at least this many exact measurements (the coverage of 3 rows is noise).
MIN_GROUP_N = 20


def group_coverage(
    runs: pd.DataFrame,
    scheme: str = "test",
    by: str = "system_seen",
    tracking_uri: str | None = None,
    min_n: int = MIN_GROUP_N,
) -> pd.DataFrame:
    """Coverage and width of each run's intervals by group, from the tables the run logged.

    ``electroscreen train`` logs every scheme's metrics by group (``metrics/<scheme>_per_<by>.csv``,
    :data:`~electroscreen.models.evaluation.BREAKDOWNS`): ``system_seen`` (``known``: a new
    composition of a chemical system in the training rows; ``new``: a new chemistry),
    ``anion_class`` (oxide, chalcogenide, halide, ...) and, for family schemes, ``family``. A
    pooled coverage near the nominal one can hide a group whose intervals are too narrow.

    Parameters
    ----------
    runs : DataFrame
        From :func:`training_runs`.
    scheme : {"test", "cv", "compcv", ...}
        Which held-out predictions (the metric prefix).
    by : {"system_seen", "anion_class", "family"}
    tracking_uri : str, optional
    min_n : int
        Smallest group that can be flagged under-covered (:data:`MIN_GROUP_N`).

    Returns
    -------
    DataFrame
        ``<by>, n, coverage, interval_width, nominal, under_covered, estimator, run_id``, one row
        per run and group (runs without the table, e.g. trained before it was logged, or without
        intervals, are left out); ``under_covered``: ``n >= min_n`` and ``coverage`` below
        ``nominal - COVERAGE_TOLERANCE``.
    """
    columns = [by, "n", "coverage", "interval_width", "nominal", "estimator", "run_id"]
    frames = []
    uri = resolve_tracking_uri(tracking_uri)
    for run in runs.itertuples(index=False):
        artifact = f"metrics/{scheme}_per_{by}.csv"
        try:
            table = read_run_artifact(run.run_id, artifact, pd.read_csv, uri)
        except (MlflowException, OSError):
            continue
        if not {by, "n", "coverage", "interval_width"} <= set(table.columns):
            continue
        table = table.assign(
            run_id=run.run_id,
            estimator=getattr(run, "estimator", None),
            nominal=1.0 - float(getattr(run, "conformal_alpha", float("nan"))),
        )
        frames.append(table[columns])
    if not frames:
        return pd.DataFrame(columns=[*columns[:5], "under_covered", *columns[5:]])
    out = pd.concat(frames, ignore_index=True)
    out["n"] = out["n"].round().astype(int)
    low = (out["n"] >= min_n) & (out["coverage"] < out["nominal"] - COVERAGE_TOLERANCE)
    out.insert(5, "under_covered", low)
    return out


def coverage_summary(
    runs: pd.DataFrame,
    scheme: str = "test",
    by: tuple[str, ...] = ("system_seen", "anion_class"),
    tracking_uri: str | None = None,
) -> str:
    """In words, per run: the pooled coverage of the scheme and the groups below the target.

    Parameters
    ----------
    runs : DataFrame
        From :func:`training_runs`.
    scheme : str
        As in :func:`~electroscreen.analysis.model_review.coverage_table`.
    by : tuple of str
        Group tables to read (:func:`group_coverage`).
    tracking_uri : str, optional

    Returns
    -------
    str
        One line per run with intervals, e.g. ``run 43cab451 (random_forest), cv: pooled coverage
        0.88 (nominal 0.90, n=562); under-covered (below 0.85, n >= 20): system_seen known 0.71
        (n=128, width 3.85), anion_class chalcogenide 0.78 (n=152, width 3.84)``.
    """
    pooled = coverage_table(runs, scheme, tracking_uri)
    groups = [group_coverage(runs, scheme, b, tracking_uri) for b in by]
    lines = []
    for run in pooled.itertuples(index=False):
        line = (
            f"run {run.run_id[:8]} ({run.estimator}), {scheme}: pooled coverage "
            f"{run.coverage:.2f} (nominal {run.nominal:.2f}, n={run.n})"
        )
        low = [
            f"{b} {g[b]} {g['coverage']:.2f} (n={g['n']}, width {g['interval_width']:.2f})"
            for b, table in zip(by, groups, strict=True)
            for _, g in table[(table["run_id"] == run.run_id) & table["under_covered"]].iterrows()
        ]
        target = f"below {run.nominal - COVERAGE_TOLERANCE:.2f}, n >= {MIN_GROUP_N}"
        if low:
            line += f"; under-covered ({target}): " + ", ".join(low)
        else:
            line += f"; no group of {', '.join(by)} under-covered ({target})"
        lines.append(line)
    return "\n".join(lines) if lines else f"no run with {scheme} intervals"
