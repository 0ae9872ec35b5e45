"""The files a finished screening run keeps: its results tables, its top rows, its Pareto plot.

- ``results/results.parquet`` (:data:`RESULTS_ARTIFACT`, what
  :func:`~electroscreen.analysis.triage.load_results` reads) and, for runs of at most
  :data:`CSV_ARTIFACT_MAX_ROWS` candidates, ``results/results.csv`` (the UI shows a CSV as a
  table); a larger run's CSV stays in ``--out`` only (tag ``electroscreen.results_csv`` says so);
- ``results/top.csv``, the best-ranked rows, the columns a reviewer reads first
  (:data:`TOP_FIRST_COLUMNS`: rank, id, formula, predictions, ...) before the others, with the
  temperature each row was predicted at (``temperature_c``);
- both CSVs with a text cell a spreadsheet would run as a formula behind an apostrophe
  (:mod:`~electroscreen.data.spreadsheet_text`);
- ``plots/pareto.png`` (:data:`PARETO_ARTIFACT`), or the tag ``electroscreen.pareto_plot`` saying
  why it was not drawn;
- ``config/screening.yaml`` (:data:`CONFIG_ARTIFACT`, logged when the run starts): the effective
  screening config, every field (:meth:`~electroscreen.screening.screen_config.ScreeningConfig.
  yaml_text`), so ``screen --config`` with it repeats the screening without rebuilding the config
  from the flattened params.

Written through the run's :class:`~mlflow.MlflowClient` (:mod:`electroscreen.screening.mlflow_run`
ends the run after them), every call retried on a busy store.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient

from electroscreen.data.spreadsheet_text import spreadsheet_safe
from electroscreen.experiments.tracking import retry_tracking
from electroscreen.models.temperature import TEMPERATURE_COLUMN
from electroscreen.screening.checkpoint import CONFIG_FILE
from electroscreen.screening.diversity import DIVERSE_RANK, REPRESENTED_BY
from electroscreen.screening.plots import pareto_figure
from electroscreen.screening.ranking import is_ranked
from electroscreen.screening.temperatures import used_temperatures

__all__ = [
    "CONFIG_ARTIFACT",
    "CSV_ARTIFACT_MAX_ROWS",
    "PARETO_ARTIFACT",
    "RESULTS_ARTIFACT",
    "TOP_FIRST_COLUMNS",
    "log_config_artifact",
    "log_result_artifacts",
]

#: Where a screening run keeps its results table.
RESULTS_ARTIFACT = "results/results.parquet"
#: Runs of up to this many candidates log ``results/results.csv`` too (about 4 MB, 3x the Parquet).
CSV_ARTIFACT_MAX_ROWS = 10_000
#: Where the Pareto plot goes.
PARETO_ARTIFACT = "plots/pareto.png"
#: Where the effective screening config goes (the output folder's copy is ``screening.yaml``).
CONFIG_ARTIFACT = f"config/{CONFIG_FILE}"
#: The first columns of ``results/top.csv`` (those present, in this order; the UI's preview shows
#: the first ones): what a reviewer reads before the bookkeeping (``source``, ``status``, ...).
TOP_FIRST_COLUMNS = (
    "rank",
    "candidate_id",
    "formula",
    "pred_log10_sigma",
    "pred_log10_sigma_lo",
    "pred_log10_sigma_hi",
    TEMPERATURE_COLUMN,
    "p_air_stable",
    "p_air_stable_std",
    "pareto_rank",
    "train_id",
    DIVERSE_RANK,
    REPRESENTED_BY,
)


def log_config_artifact(client: MlflowClient, run_id: str, text: str) -> None:
    """Log the effective screening config ``text`` (YAML) into run ``run_id`` as
    :data:`CONFIG_ARTIFACT` (a resume logs the same text again: its config is the run's)."""
    retry_tracking(client.log_text, run_id, text, CONFIG_ARTIFACT)


def log_result_artifacts(
    client: MlflowClient,
    run_id: str,
    results: pd.DataFrame,
    out: Path,
    *,
    top: int = 50,
    coverage: float | None = None,
    temperature_c: float = 25.0,
) -> None:
    """Log a screening's results tables, ``top.csv`` and Pareto plot into run ``run_id``.

    Parameters
    ----------
    client : MlflowClient
    run_id : str
    results : DataFrame
        The ranked results, one row per input candidate.
    out : Path
        Output folder; its ``results.parquet`` (and a small run's ``results.csv``) are logged when
        present, else written from ``results`` into a temporary folder first.
    top : int
        Rows of ``results/top.csv`` (best ``rank`` first), always drawn in the Pareto plot.
    coverage : float, optional
        Nominal coverage of the conductivity model's intervals, named in the Pareto plot (None: 90 %).
    temperature_c : float
        The screening's ``temperature_c``: each top row's temperature (its own ``temperature_c``
        cell, else this), and the Pareto plot's x label.
    """
    results_dir = str(Path(RESULTS_ARTIFACT).parent)
    with tempfile.TemporaryDirectory(prefix="electroscreen-screen-") as tmp:
        for path in _table_files(results, Path(out), Path(tmp)):
            retry_tracking(client.log_artifact, run_id, str(path), artifact_path=results_dir)
        if len(results) > CSV_ARTIFACT_MAX_ROWS:
            csv = (Path(out) / "results.csv").resolve()
            where = f"{csv} only ({len(results)} rows > {CSV_ARTIFACT_MAX_ROWS})"
            retry_tracking(client.set_tag, run_id, "electroscreen.results_csv", where)
        top_path = Path(tmp) / "top.csv"
        spreadsheet_safe(_top_rows(results, top, temperature_c)).to_csv(top_path, index=False)
        retry_tracking(client.log_artifact, run_id, str(top_path), artifact_path=results_dir)
    try:
        figure = pareto_figure(results, top=top, coverage=coverage, temperature_c=temperature_c)
    except ValueError as exc:
        retry_tracking(client.set_tag, run_id, "electroscreen.pareto_plot", f"not drawn: {exc}")
    else:
        retry_tracking(client.log_figure, run_id, figure, PARETO_ARTIFACT)


def _table_files(results: pd.DataFrame, out: Path, folder: Path) -> list[Path]:
    """``results.parquet``, and ``results.csv`` up to :data:`CSV_ARTIFACT_MAX_ROWS` rows, from ``out``
    when written there, else made in ``folder``."""
    files = []
    for name in ("results.parquet", "results.csv")[: 1 + (len(results) <= CSV_ARTIFACT_MAX_ROWS)]:
        path = Path(out) / name
        if not path.is_file():  # the frame copied (without structures) only when needed
            path = folder / name
            flat = results.drop(columns=["structure"], errors="ignore")
            if name.endswith(".parquet"):
                flat.to_parquet(path, index=False)
            else:  # as write_results writes out/results.csv
                spreadsheet_safe(flat).to_csv(path, index=False)
        files.append(path)
    return files


def _top_rows(results: pd.DataFrame, top: int, temperature_c: float = 25.0) -> pd.DataFrame:
    """The ``top`` best-ranked rows (the ranks picked first: no copy of the whole frame), the
    :data:`TOP_FIRST_COLUMNS` first, ``temperature_c`` the temperature each was predicted at."""
    if "rank" not in results:
        rows = results.drop(columns=["structure"], errors="ignore").head(0)
    else:
        rank = results["rank"]
        best = rank[is_ranked(rank)].nsmallest(top)
        rows = results.loc[best.index].drop(columns=["structure"], errors="ignore")
    rows = rows.assign(**{TEMPERATURE_COLUMN: used_temperatures(rows, temperature_c)})
    first = [c for c in TOP_FIRST_COLUMNS if c in rows]
    return rows[[*first, *(c for c in rows.columns if c not in first)]]
