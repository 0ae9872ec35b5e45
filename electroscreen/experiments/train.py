"""``electroscreen train``: evaluate, fit, log and register one model in one MLflow run.

A run, in order:

1. the config as flat params, ``data_dir`` and ``structures`` as the run resolved them (the data
   read, whether structures were: :func:`~electroscreen.experiments.train_logging.run_params`); tags ``electroscreen.kind=train``, ``electroscreen.task=<task>``;
2. dataset digests (``mlflow.log_input``) of the task table and, for OBELiX, its train/test splits;
3. each evaluation scheme of the config: ``official`` (OBELiX train -> test; metrics ``test_*``),
   ``family_cv`` (K folds grouped by the ``family`` column: the structural family, or the chemical
   class for air stability; metrics ``cv_*``) and ``composition_cv`` (folds grouped by composition;
   ``compcv_*``), with predictions
   under ``predictions/`` and parity / residual plots under ``plots/``. The table is featurized once
   and every fit reuses that design;
4. the final fit (metric ``n_rows_fit``: the rows it learned from, those of ``final_fit`` that are
   featurized and have a usable label, beside the table's param ``n_rows`` and metric
   ``n_rows_featurized``; with an Arrhenius model, ``n_rows_fit_ea``: those with an activation
   energy, which may lack a 25 degC value), its descriptor fingerprint (tag and artifact
   ``descriptor_fingerprint``: :mod:`electroscreen.models.descriptor_fingerprint`), its feature importances
   (``plots/feature_importances.png``, ``feature_importances.csv``; neither for an estimator
   without importances), and the whole pipeline logged as one pyfunc model named after the task
   (``conductivity-model``, ``air-stability-model``: :func:`~electroscreen.experiments.pyfunc.
   logged_model_name`), registered under the config's name with the config's alias moved to the
   new version (:mod:`~electroscreen.experiments.registration`).

Which rows the final model sees (``final_fit``): by default the OBELiX **official train split**, so
the registered model is exactly the model whose ``test_*`` metrics the run reports, and its numbers
are comparable with the published OBELiX benchmarks; ``final_fit: all`` trains on every labelled row
(more data for a production screen, but no held-out metric describes that model). Tasks without an
official split (air stability) always fit every row, and only ``cv_*`` metrics describe them.

What is logged, and under which metric names, lives in :mod:`electroscreen.experiments.train_logging`.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import mlflow
import numpy as np
import pandas as pd

from electroscreen.code_identity import code_tags
from electroscreen.experiments.metric_key import metric_key
from electroscreen.experiments.notes import NOTE_TAG, training_note
from electroscreen.experiments.pyfunc import log_predictor, logged_model_name
from electroscreen.experiments.registration import describe_version
from electroscreen.experiments.tracking import (
    fluent_tracking,
    get_or_create_experiment,
    tracking_client,
)
from electroscreen.experiments.train_config import TrainConfig
from electroscreen.experiments.train_logging import (
    PREFIX,
    STEM,
    Progress,
    coverage_by_group,
    headline_metrics,
    label_warnings_left_to_run,
    log_citations,
    log_datasets,
    log_evaluation,
    log_importances,
    log_label_rows,
    run_params,
)

if TYPE_CHECKING:
    from electroscreen.models.evaluation import EvaluationResult
    from electroscreen.models.predictor import CandidatePredictor

__all__ = [
    "PREFIX",
    "STEM",
    "TrainResult",
    "build_predictor",
    "evaluate_scheme",
    "headline_metrics",
    "load_config_table",
    "run_name",
    "run_training",
]


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes
    ----------
    model_uri : str
        ``models:/<registered name>/<version>``.
    run_id : str
    metrics : dict
        Every metric logged (``test_*``, ``cv_*``, ``train_seconds``).
    model_version : str
    """

    model_uri: str
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    model_version: str = ""


def build_predictor(config: TrainConfig) -> CandidatePredictor:
    """An unfitted ``CandidatePredictor`` with the config's task, featurizers and estimator."""
    from electroscreen.models.predictor import CandidatePredictor

    return CandidatePredictor(
        task=config.task,
        featurizers=tuple(config.featurizers),
        featurizer_params={k: dict(v) for k, v in config.featurizer_params.items()} or None,
        estimator=config.estimator,
        estimator_params=dict(config.estimator_params),
        conformal_alpha=config.conformal_alpha,
        conformal_method=config.conformal_method,
        conformal_groups=config.conformal_groups,
        conformal_novelty_bins=config.conformal_novelty_bins,
        conformal_scale=config.conformal_scale,
        conformal_seen_systems=config.conformal_seen_systems,
        random_state=config.seed,
        device=config.device,
        censored=config.censored,
        temperature_model=config.temperature_model,
        label_weights=config.label_weights,
    )


def run_name(config: TrainConfig) -> str:
    """The run's name, what tells runs apart first (the UI's runs list cuts names at about 25
    characters): the estimator, then the registered model without the common ``electroscreen-``
    (``extra_trees · conductivity``, ``mlp · conductivity-mlp``, ``gated · air-stability``)."""
    model = config.registered_model_name.removeprefix("electroscreen-")
    return f"{config.estimator} · {model or config.registered_model_name}"


def _uses_torch(config: TrainConfig) -> bool:
    """Whether the model (or a member of an ``averaged`` or ``gated`` one) is a torch network."""
    from electroscreen.models.estimators import uses_torch

    return uses_torch(config.estimator, config.estimator_params)


def check_torch_device(config: TrainConfig) -> None:
    """A config asking a torch model for CUDA where this process sees none: ValueError before any
    work (a tree or logistic model ignores ``device``)."""
    if config.device.startswith("cuda") and _uses_torch(config):
        from electroscreen.models.devices import require_cuda

        require_cuda(config.device)


def load_config_table(config: TrainConfig) -> pd.DataFrame:
    """The task table a config trains on (OBELiX, plus the Liverpool rows when asked)."""
    from electroscreen.models.tasks import load_task_table

    liverpool = config.task == "conductivity" and config.liverpool
    table = load_task_table(
        config.task, config.data_dir, structures=config.reads_structures(), liverpool=liverpool
    )
    return table.reset_index(drop=True)


def evaluate_scheme(
    config: TrainConfig,
    table: pd.DataFrame,
    scheme: str,
    design: object | None = None,
    fewer_folds: Progress | None = None,
) -> EvaluationResult:
    """One evaluation scheme of the config on the task table (``train`` and the leaderboard).

    ``design`` is the table featurized once by the config's predictor (featurized here if None).
    ``fewer_folds`` is told once, before the first fit, when a k-fold scheme makes fewer folds than
    ``cv_folds`` because the scored rows form fewer groups (``5 folds, not cv_folds=8: only 5
    groups``): each group is then held out once, one fit per group, however many folds were
    asked for (``cv_folds: 1000`` ran for minutes without a word).
    """
    from electroscreen.models.evaluation import evaluate

    asked = config.evaluation.cv_folds

    def on_folds(folds: int) -> None:
        if fewer_folds is not None and scheme.endswith("_cv") and folds < asked:  # k-fold schemes
            fewer_folds(f"{folds} folds, not cv_folds={asked}: only {folds} groups")

    return evaluate(
        build_predictor(config),
        table,
        scheme=scheme,
        n_splits=asked,
        design=design,
        on_folds=on_folds,
    )


def _quiet(message: str) -> None:
    del message


def _evaluate_schemes(
    config: TrainConfig, table: pd.DataFrame, design, workdir: Path, say: Progress, results: dict
) -> dict[str, float]:
    """Run and log every evaluation scheme of the config on the featurized table (each scheme's
    ``EvaluationResult`` put in ``results`` by name)."""
    metrics: dict[str, float] = {}
    for scheme in config.evaluation.schemes:
        if scheme == "official" and "split" not in table:
            mlflow.set_tag("electroscreen.skipped_official", "the task has no official split")
            say("official split: skipped (the task table has no split column)")
            continue
        say(f"evaluating: {scheme}")
        tick = time.perf_counter()
        result = results[scheme] = evaluate_scheme(
            config, table, scheme, design, _fewer_folds(scheme, say)
        )
        logged = log_evaluation(config, scheme, result, workdir)
        summary = ", ".join(f"{k}={v:.3f}" for k, v in headline_metrics(logged).items())
        say(f"  {summary} ({time.perf_counter() - tick:.0f} s)")
        if groups := coverage_by_group(result):  # pooled coverage can hide a group's
            say(f"  {groups}")
        metrics.update(logged)
    return metrics


def _fewer_folds(scheme: str, say: Progress) -> Progress:
    """Tag the run ``electroscreen.folds_<scheme>`` with the note and print it as a warning."""

    def warn(note: str) -> None:
        mlflow.set_tag(f"electroscreen.folds_{scheme}", note)
        say(f"  warning: {scheme}: {note}, each held out once")

    return warn


def _final_rows(table: pd.DataFrame, config: TrainConfig) -> tuple[np.ndarray, str]:
    """Row positions of the final fit and a description of them."""
    from electroscreen.models.splits import guard_extra_rows

    if config.final_fit == "train" and "split" in table:
        split = table["split"].to_numpy()
        rows = np.flatnonzero(split == "train")
        extra = guard_extra_rows(table, np.flatnonzero(split == "test"))
        if len(extra):  # the leak guard: no Liverpool row matching a test composition
            return np.concatenate([rows, extra]), "the official train split + guarded extra rows"
        return rows, "the official train split"
    return np.arange(len(table)), "all labelled rows"


def _log_fitted_rows(predictor, say: Progress) -> None:
    """Metrics ``n_rows_fit`` (the rows the final model learned from: featurized, with a usable
    label) and, with an Arrhenius model, ``n_rows_fit_ea`` (those with an activation energy)."""
    counts = {"n_rows_fit": predictor.n_train_}
    ea = getattr(predictor, "n_ea_train_", None)
    if ea is not None:
        counts["n_rows_fit_ea"] = ea
    mlflow.log_metrics(counts)
    also = "" if ea is None else f"; the activation-energy model from {ea}, with a fitted Ea"
    say(f"  the model learns from {predictor.n_train_} of them, featurized with a label{also}")


def run_training(
    config: TrainConfig,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
    config_path: str | Path | None = None,
) -> TrainResult:
    """Evaluate, fit, log and register the model a config describes (one MLflow run).

    MLflow's global tracking state is set for the run only (:func:`fluent_tracking`) and restored.

    Parameters
    ----------
    config : TrainConfig
    tracking_uri : str, optional
        MLflow store (default :func:`~electroscreen.experiments.tracking.resolve_tracking_uri`).
    progress : callable, optional
        Called with one-line progress messages (the CLI prints them on stderr).
    config_path : path, optional
        Where the config came from (logged as a tag and an artifact).

    Returns
    -------
    TrainResult
    """
    with fluent_tracking(tracking_uri) as uri:
        return _run_training(config, uri, progress, config_path)


def _run_training(
    config: TrainConfig, uri: str, progress: Progress | None, config_path: str | Path | None
) -> TrainResult:
    from electroscreen.models import descriptor_fingerprint as fingerprint
    from electroscreen.models.heldout_classes import attach_heldout_record, record_line
    from electroscreen.models.tasks import get_task

    check_torch_device(config)
    say = progress or _quiet
    start = time.perf_counter()
    task = get_task(config.task)
    say(f"tracking store: {uri}")
    say(f"loading the {task.name} table (structures: {config.reads_structures()})")
    with label_warnings_left_to_run():  # log_label_rows says which rows are left out
        table = load_config_table(config)
    tick = time.perf_counter()
    design = build_predictor(config).featurize(table)
    featurize_seconds = time.perf_counter() - tick
    say(f"featurized {len(table)} rows in {featurize_seconds:.1f} s")
    mlflow.set_experiment(experiment_id=get_or_create_experiment(config.experiment, uri, "train"))
    metrics: dict[str, float] = {}
    nested = mlflow.active_run() is not None  # inside a sweep's parent run
    with mlflow.start_run(run_name=run_name(config), nested=nested) as run:
        mlflow.set_tags(
            {
                "electroscreen.kind": "train",
                "electroscreen.task": task.name,
                "electroscreen.estimator": config.estimator,
                "electroscreen.registered_model_name": config.registered_model_name,
                **code_tags(),
            }
        )
        if config_path is not None:
            mlflow.set_tag("electroscreen.config_file", str(config_path))
            mlflow.log_artifact(str(config_path), artifact_path="config")
        mlflow.log_params(run_params(config))
        mlflow.log_param("n_rows", len(table))
        mlflow.log_metric("n_rows_featurized", int((design.status == "ok").sum()))
        log_datasets(table, config)
        log_label_rows(table, config, say)
        with tempfile.TemporaryDirectory(prefix="electroscreen-train-") as tmp:
            workdir = Path(tmp)
            evaluated: dict[str, EvaluationResult] = {}
            metrics.update(_evaluate_schemes(config, table, design, workdir, say, evaluated))
            if not config.evaluation.schemes:  # a quick model, but screen takes the newest
                say(
                    "warning: evaluation.schemes is empty: this model has no test or CV metric, "
                    "and `electroscreen screen` uses the newest registered version by default"
                )
            rows, which = _final_rows(table, config)
            usable = int((design.status[rows] == "ok").sum())
            say(f"fitting the final model on {which} ({len(rows)} rows, {usable} featurized)")
            tick = time.perf_counter()
            predictor = build_predictor(config).fit_design(design.take(rows), table.iloc[rows])
            _log_fitted_rows(predictor, say)
            heldout = np.setdiff1d(np.arange(len(table)), rows)
            if config.task == "conductivity" and len(heldout):  # shown by screen, never used
                predictor.remember_heldout(table.iloc[heldout])
            if config.task == "conductivity":  # screen warns on a class it errs on
                record = attach_heldout_record(predictor, evaluated)
                say(f"  {record_line(record)}")
                if record is not None:
                    mlflow.log_dict(record, "metrics/heldout_by_anion_class.json")
            metrics["final_fit_seconds"] = time.perf_counter() - tick
            digest = fingerprint.attach_fingerprint(predictor)["digest"]  # screen, pyfunc check it
            mlflow.set_tag(fingerprint.TAG, digest)
            mlflow.log_dict(fingerprint.artifact(predictor), fingerprint.ARTIFACT)
            mlflow.set_tag("electroscreen.final_fit", which)
            log_importances(predictor, config, workdir)
            log_citations(config, workdir)
            say(f"logging the pyfunc model and registering {config.registered_model_name!r}")
            info = log_predictor(
                predictor,
                workdir,
                output_columns=predictor.output_columns(),
                registered_model_name=config.registered_model_name,
                uses_torch=_uses_torch(config),
                name=logged_model_name(task.name),
            )
        version = str(info.registered_model_version)
        model_uri = describe_version(tracking_client(uri), config, version, task)  # alias, tags
        mlflow.set_tag("electroscreen.model_uri", model_uri)
        mlflow.set_tag("electroscreen.logged_model_uri", info.model_uri)
        metrics["train_seconds"] = time.perf_counter() - start
        metrics["featurize_seconds"] = featurize_seconds
        timings = ("featurize_seconds", "final_fit_seconds", "train_seconds")
        mlflow.log_metrics({k: metrics[k] for k in timings})
        note = training_note(
            task.name, config.estimator, list(config.featurizers), len(table),
            headline_metrics(metrics), model_uri, config.description,
            fit=(predictor.n_train_, which), key=metric_key(task.name, metrics),
        )  # fmt: skip
        mlflow.set_tag(NOTE_TAG, note)
    say(f"done in {metrics['train_seconds']:.0f} s: run {run.info.run_id}")
    return TrainResult(
        model_uri=model_uri, run_id=run.info.run_id, metrics=metrics, model_version=version
    )
