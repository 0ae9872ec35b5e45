"""What a training run logs to MLflow, and under which names.

The dataset digests of the task table and its splits (``mlflow.log_input``), the air-stability
label rows and the Liverpool measurement rows left out, each evaluation scheme's metrics (prefixed, :data:`PREFIX`), predictions and
plots, the feature importances and the descriptors' citations (:func:`label_warnings_left_to_run`
keeps the label loader from naming the left-out rows a second time). :func:`headline_metrics`
picks the metrics worth printing. Called by :func:`electroscreen.experiments.train.run_training`
inside its run (MLflow's fluent API on the run's store). What a screening reads back of it (the
intervals' nominal coverage) is :mod:`~electroscreen.experiments.model_coverage`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import mlflow
import pandas as pd

from electroscreen.data.spreadsheet_text import spreadsheet_safe
from electroscreen.experiments import plots
from electroscreen.experiments.tracking import retry_tracking
from electroscreen.experiments.train_config import TrainConfig

if TYPE_CHECKING:
    from electroscreen.models.evaluation import EvaluationResult
    from electroscreen.models.predictor import CandidatePredictor

__all__ = [
    "HEADLINE",
    "PREFIX",
    "SCHEME_TITLE",
    "STEM",
    "TARGET_COLUMN",
    "coverage_by_group",
    "headline_metrics",
    "is_headline_metric",
    "label_warnings_left_to_run",
    "log_citations",
    "data_file_tags",
    "log_datasets",
    "log_evaluation",
    "log_importances",
    "log_label_rows",
    "run_params",
]

Progress = Callable[[str], None]
#: Logger of the air-stability label loader (its warning names the rows it cannot use).
LABEL_LOADER = "electroscreen.data.air_stability"

#: Metric prefix of each evaluation scheme.
PREFIX = {
    "official": "test_",
    "family_cv": "cv_",
    "composition_cv": "compcv_",
    "train_family_cv": "trfamcv_",
    "train_chemsys_cv": "trchemcv_",
    "train_composition_cv": "trcompcv_",
    "family_lofo": "lofo_",
}
#: Artifact stem of each scheme's predictions and plots.
STEM = {k: v.rstrip("_") for k, v in PREFIX.items()}
#: Label columns of each task (the dataset's targets).
TARGET_COLUMN = {"conductivity": "log10_sigma", "air_stability": "verdict"}
#: What each scheme holds out: the plot titles and the key of a run's description.
SCHEME_TITLE = {
    "official": "OBELiX official test split",
    "family_cv": "CV grouped by family (out of fold)",
    "composition_cv": "CV grouped by composition (out of fold)",
    "train_family_cv": "CV grouped by family, train split only",
    "train_chemsys_cv": "CV grouped by chemical system, train split only",
    "train_composition_cv": "CV grouped by composition, train split only",
    "family_lofo": "leave one family out (out of fold)",
}
#: The metrics worth showing (after the scheme prefix), in order: printed at the end of each
#: scheme, the table of a run's description, the leaderboard's columns
#: (:func:`electroscreen.analysis.model_review.leaderboard`). A name ending in ``_`` stands for
#: every metric it begins (``coverage_`` -> ``coverage_90``: the name follows ``conformal_alpha``).
HEADLINE = (
    "mae",
    "mae_obelix_protocol",
    "rmse",
    "r2",
    "spearman",
    "roc_auc",
    "top5_hit_rate",
    "coverage_",
    "interval_width",
    "accuracy",
    "brier",
    "brier_skill",
)


def loggable_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table without Python objects (structures become a ``has_structure`` flag)."""
    out = table.drop(columns=["structure"], errors="ignore").copy()
    if "structure" in table:
        out["has_structure"] = table["structure"].notna().to_numpy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: v if v is None else str(v))
    return out


def dataset_source(config: TrainConfig, part: str = "all") -> str | None:
    """Where the task's rows of ``part`` were read from: the OBELiX folder, the Liverpool folder
    for the ``extra`` rows, the label file the air-stability loader read (the package copy unless
    the config names a file)."""
    if config.task == "conductivity":
        if part == "extra":
            from electroscreen.data.liverpool import liverpool_dir

            return str(liverpool_dir(config.data_dir))
        from electroscreen.data.obelix import obelix_dir

        return str(obelix_dir(config.data_dir))
    from electroscreen.data.air_stability import labels_path

    return str(labels_path(config.data_dir))


def run_params(config: TrainConfig) -> dict[str, str]:
    """The run's params: the config as flat strings (:meth:`TrainConfig.flat_params`) with the two
    fields whose config value may be a blank "unset" resolved to what the run used (the UI showed
    ``data_dir=''`` and ``structures=''``): ``data_dir`` the folders or label file the rows were
    read from (comma-separated: the OBELiX folder, then the Liverpool one when read; the
    air-stability label file) and ``structures`` whether structures were read (``True`` /
    ``False``). The config as written is the run's ``config/`` artifact."""
    params = config.flat_params()
    parts = ["all", "extra"] if config.task == "conductivity" and config.liverpool else ["all"]
    params["data_dir"] = ",".join(str(dataset_source(config, part)) for part in parts)
    params["structures"] = str(config.reads_structures())
    return params


def _dataset_name(config: TrainConfig, part: str, has_extra: bool) -> str:
    """``obelix-train``, ``liverpool-extra``, ``obelix+liverpool-all``, ``air_stability-all``."""
    if config.task != "conductivity":
        return f"air_stability-{part}"
    if part == "extra":
        return "liverpool-extra"
    return f"obelix+liverpool-{part}" if part == "all" and has_extra else f"obelix-{part}"


def data_file_tags(config: TrainConfig) -> dict[str, str]:
    """``electroscreen.data_sha256.<file>``: the SHA-256 of every file the task's rows were read
    from (MLflow's dataset digests are 8 characters of the loaded table, not of the files). OBELiX
    and Liverpool files are checked against their pinned digests when read, so those are the
    digests; an air-stability label file is hashed as read."""
    if config.task == "conductivity":
        from electroscreen.data.obelix import OBELIX_FILES

        files = {f"obelix/{name}": digest for name, digest in OBELIX_FILES.items()}
        if config.liverpool:
            from electroscreen.data.liverpool import LIVERPOOL_FILE, LIVERPOOL_SHA256

            files[f"liverpool/{LIVERPOOL_FILE}"] = LIVERPOOL_SHA256
    else:
        from electroscreen.data.air_stability import labels_path
        from electroscreen.data.pinned import sha256_file

        path = labels_path(config.data_dir)
        files = {f"air_stability/{path.name}": sha256_file(path)}
    return {f"electroscreen.data_sha256.{name}": digest for name, digest in files.items()}


def log_datasets(table: pd.DataFrame, config: TrainConfig) -> None:
    """Dataset digests of the table (and its official splits) as run inputs, and the SHA-256 of
    the files read (:func:`data_file_tags`) as tags."""
    mlflow.set_tags(data_file_tags(config))
    target = TARGET_COLUMN[config.task]
    flat = loggable_table(table)
    parts = [("all", flat)]
    if "split" in flat:
        parts += [(s, flat[flat["split"] == s]) for s in ("train", "test", "extra")]
        parts = [(s, frame) for s, frame in parts if len(frame)]
    has_extra = any(part == "extra" for part, _ in parts)
    for part, frame in parts:
        source = dataset_source(config, part)
        name = _dataset_name(config, part, has_extra)
        with warnings.catch_warnings():
            # MLflow 3.17 registers its local-file source class twice and warns that a local path
            # "can be interpreted in multiple ways" (both are the same class).
            warnings.filterwarnings("ignore", message=".*can be interpreted in multiple ways.*")
            dataset = mlflow.data.from_pandas(
                frame.reset_index(drop=True), source=source, targets=target, name=name
            )
        context = {"train": "training", "test": "testing", "extra": "training"}.get(part, "all")
        retry_tracking(mlflow.log_input, dataset, context=context)


def log_label_rows(table: pd.DataFrame, config: TrainConfig, say: Progress) -> None:
    """Log the rows a run's data loaders left out of training, with their count and reasons.

    Air stability: the label counts (metrics ``n_label_<key>`` of
    :func:`~electroscreen.data.air_stability.label_counts`: rows and distinct compositions, per
    verdict), and the rows left out because their formula or verdict is unusable (count
    ``n_label_rows_excluded``, list ``excluded_labels.csv``). Conductivity with ``liverpool: true``:
    the Liverpool measurement rows left out (count ``n_liverpool_rows_excluded`` and one
    ``n_liverpool_rows_<status>`` per status, such as ``not_the_material``; list with each row's
    reason ``excluded_liverpool.csv``; :mod:`~electroscreen.data.liverpool_errata`)."""
    if config.task == "conductivity" and config.liverpool:
        _log_liverpool_rows(config, say)
    if config.task != "air_stability":
        return
    from electroscreen.data.air_stability import excluded_label_rows, excluded_summary, label_counts

    mlflow.log_metrics({f"n_label_{key}": value for key, value in label_counts(table).items()})
    bad = excluded_label_rows(table)
    mlflow.log_metric("n_label_rows_excluded", len(bad))
    if len(bad):
        mlflow.log_text(spreadsheet_safe(bad).to_csv(index=False), "excluded_labels.csv")
        say(f"labels: {excluded_summary(table)} (the run's excluded_labels.csv)")


def _log_liverpool_rows(config: TrainConfig, say: Progress) -> None:
    from electroscreen.data.liverpool import load_liverpool
    from electroscreen.data.liverpool_errata import excluded_rows, excluded_summary

    measurements = load_liverpool(config.data_dir)  # the task table keeps one row per composition
    bad = excluded_rows(measurements)
    counts = {f"n_liverpool_rows_{k}": int(v) for k, v in bad["status"].value_counts().items()}
    mlflow.log_metrics({"n_liverpool_rows_excluded": len(bad), **counts})
    if len(bad):
        mlflow.log_text(spreadsheet_safe(bad).to_csv(index=False), "excluded_liverpool.csv")
        say(f"liverpool: {excluded_summary(measurements)} (the run's excluded_liverpool.csv)")


@contextmanager
def label_warnings_left_to_run() -> Iterator[None]:
    """While a run loads its task table: the air-stability loader's warning naming the label rows
    left out is dropped, since :func:`log_label_rows` says the same (with the run's
    ``excluded_labels.csv``); ``train`` printed the line twice."""
    logger = logging.getLogger(LABEL_LOADER)

    def keep(record: logging.LogRecord) -> bool:
        return record.levelno != logging.WARNING

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def finite_metrics(metrics: dict[str, float], prefix: str) -> dict[str, float]:
    """The ``metrics`` that are finite numbers, as floats with keys prefixed by ``prefix``; the
    others dropped."""
    out = {}
    for key, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out[f"{prefix}{key}"] = number
    return out


def log_evaluation(
    config: TrainConfig, scheme: str, result: EvaluationResult, workdir: Path
) -> dict[str, float]:
    """Log one scheme's metrics, predictions and plots; return the prefixed metrics."""
    prefix = PREFIX[scheme]
    metrics = finite_metrics(result.metrics, prefix)
    mlflow.log_metrics(metrics)
    stem = STEM[scheme]
    path = workdir / f"{stem}_predictions.parquet"
    result.predictions.to_parquet(path, index=False)
    mlflow.log_artifact(str(path), artifact_path="predictions")
    title = f"{config.task} {config.estimator}: {SCHEME_TITLE[scheme]}"
    if config.task == "conductivity":
        coverage = plots.alpha_coverage(config.conformal_alpha)
        figure = plots.parity_plot(result.predictions, title, coverage=coverage)
        mlflow.log_figure(figure, f"plots/parity_{stem}.png")
        figure = plots.residuals_by_family_plot(result.predictions, title)
    else:
        figure = plots.probability_plot(result.predictions, title)
        mlflow.log_figure(figure, f"plots/probability_{stem}.png")
        figure = plots.reliability_plot(result.predictions, title)
        mlflow.log_figure(figure, f"plots/reliability_{stem}.png")
        residual = result.predictions.assign(y_true=result.predictions["y_true"].astype(float))
        figure = plots.residuals_by_family_plot(residual, title, min_rows=1, unit="probability")
    mlflow.log_figure(figure, f"plots/residuals_by_family_{stem}.png")
    tables = {"family": result.per_group, **result.breakdowns}
    for name, table in tables.items():
        if table is not None:
            path = workdir / f"{stem}_per_{name}.csv"
            table.to_csv(path)
            mlflow.log_artifact(str(path), artifact_path="metrics")
    return metrics


def coverage_by_group(result: EvaluationResult) -> str:
    """One console line: the interval coverage of each breakdown group with its exact rows
    (``"coverage by group: oxide 0.889 (72), chalcogenide 0.788 (33), ...; new system 0.886 (70),
    known system 0.814 (43)"``); ``""`` for a model without intervals."""
    parts = []
    for column, table in result.breakdowns.items():
        if "coverage" not in table:
            return ""
        shown = table[table["n"] > 0]
        suffix = " system" if column == "system_seen" else ""
        parts.append(
            ", ".join(
                f"{g}{suffix} {c:.3f} ({n})"
                for g, c, n in zip(shown.index, shown["coverage"], shown["n"], strict=True)
            )
        )
    return f"coverage by group: {'; '.join(p for p in parts if p)}" if parts else ""


def dataset_citations(config: TrainConfig) -> dict[str, str]:
    """The datasets a run's rows come from -> their reference: OBELiX, and the Liverpool Ionics
    Dataset when read (the air-stability labels cite each row's source in the label file)."""
    if config.task != "conductivity":
        return {}
    from electroscreen.data import liverpool, obelix

    out = {"OBELiX": obelix.CITATION}
    if config.liverpool:
        out["Liverpool Ionics Dataset"] = liverpool.CITATION
    return out


def log_citations(config: TrainConfig, workdir: Path) -> None:
    """Where the model's data (``[data] <dataset>``) and every descriptor (``[<featurizer>]
    <class>``) come from (``citations.txt``)."""
    from electroscreen.featurizers.registry import make_featurizer

    lines = []
    for dataset, citation in dataset_citations(config).items():
        lines += [f"[data] {dataset}", f"  - {citation}"]
    for name in config.featurizers:
        featurizer = make_featurizer(name, **config.featurizer_params.get(name, {}))
        lines.append(f"[{name}] {type(featurizer).__name__}")
        lines.extend(f"  - {c}" for c in featurizer.citations())
    if lines:
        path = workdir / "citations.txt"
        path.write_text("\n".join(lines) + "\n")
        mlflow.log_artifact(str(path))


def log_importances(predictor: CandidatePredictor, config: TrainConfig, workdir: Path) -> None:
    """Feature importances as CSV and bar plot; a model without importances (all NaN) logs
    neither, only the tag ``electroscreen.feature_importances`` saying so (it logged a CSV of
    empty cells)."""
    try:
        importances = predictor.feature_importances()
    except (AttributeError, NotImplementedError, ValueError) as exc:
        mlflow.set_tag("electroscreen.feature_importances", f"unavailable: {exc}")
        return
    importances = pd.Series(importances, dtype=float).rename("importance")
    if not importances.notna().any():
        mlflow.set_tag("electroscreen.feature_importances", "the estimator has no importances")
        return
    path = workdir / "feature_importances.csv"
    importances.rename_axis("feature").reset_index().to_csv(path, index=False)
    mlflow.log_artifact(str(path))
    title = f"{config.task} {config.estimator}: feature importances"
    figure = plots.feature_importance_plot(importances, title)
    mlflow.log_figure(figure, "plots/feature_importances.png")


def is_headline_metric(metric: str) -> bool:
    """Whether a metric name without its scheme prefix (``mae``, ``coverage_90``) is in
    :data:`HEADLINE`."""
    return any(metric.startswith(h) if h.endswith("_") else metric == h for h in HEADLINE)


def _is_headline(name: str) -> bool:
    if "_" not in name:
        return False
    prefix, metric = name.split("_", 1)
    return f"{prefix}_" in PREFIX.values() and is_headline_metric(metric)


def headline_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """The metrics worth printing at the end of a run (MAE, R2, ROC-AUC, coverage, ...)."""
    return {k: v for k, v in metrics.items() if _is_headline(k)}
