"""The MLflow run of a screening: one run per ``electroscreen screen`` invocation (resumes reopen it).

What a screening run holds (read back by :mod:`electroscreen.analysis.triage`):

- tags ``electroscreen.kind=screen``, the model URIs, the config and candidate-pool digests, and
  ``electroscreen.model_warnings`` where the conductivity model errs on a class of the ranked
  candidates (:mod:`~electroscreen.screening.class_warnings`);
- params: the flattened :class:`~electroscreen.screening.screen_config.ScreeningConfig`, ``inputs``,
  ``conductivity_model_uri``, ``stability_model_uri``, ``pool_digest``, ``config_digest``;
- a name saying what was screened at which temperature (``pool · 80 °C``,
  :func:`~electroscreen.screening.run_description.screening_run_name`);
- a run input (``mlflow.log_input``) naming the candidate pool by its content digest (no data
  uploaded), and the models' logged models as model inputs;
- metrics a reviewer compares, logged first (the UI lists them in logging order;
  :func:`~electroscreen.screening.run_summary.review_metrics`: ``n_sigma_gt_1e-4_air_stable``,
  ``best_pred_log10_sigma``, ``pareto_front_size``, ..., the filter funnel ``passed_*``), then
  bookkeeping (:func:`~electroscreen.screening.run_summary.run_metrics`):
  ``n_<status>`` (rows per status), ``n_candidates``, ``n_from_checkpoints`` (rows an earlier,
  interrupted invocation screened), and this invocation's ``time_<step>_s`` and
  ``candidates_per_s`` (rows it screened itself per second);
- a description (``mlflow.note.content``): inputs, the temperature, the models linked to their
  registered versions and training runs (:mod:`electroscreen.screening.model_links`: the UI does
  not show models of another experiment as the run's), and what the screening found;
- artifacts: the effective config (``config/screening.yaml``), the results tables, the top rows
  and the Pareto plot (:mod:`electroscreen.screening.run_artifacts`).

A resumed screening reopens its run (:mod:`~electroscreen.screening.run_reopen`). Every function
talks to the store through an explicit :class:`~mlflow.MlflowClient`, so nothing here touches
MLflow's global active run.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient
from mlflow.data.meta_dataset import MetaDataset
from mlflow.data.sources import LocalArtifactDatasetSource
from mlflow.entities import (
    DatasetInput,
    InputTag,
    LoggedModelInput,
    Metric,
    Param,
    Run,
    RunStatus,
)
from mlflow.utils.time import get_current_time_millis
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH, MAX_TAG_VAL_LENGTH

from electroscreen.code_identity import code_tags
from electroscreen.experiments.config_files import flat_params
from electroscreen.experiments.model_registry import logged_model_id
from electroscreen.experiments.notes import NOTE_TAG
from electroscreen.experiments.tracking import (
    get_or_create_experiment,
    retry_tracking,
    tracking_client,
)
from electroscreen.screening.class_warnings import WARNINGS_TAG, warning_text
from electroscreen.screening.model_links import model_links
from electroscreen.screening.run_artifacts import (  # the artifact names, importable from here too
    CSV_ARTIFACT_MAX_ROWS,
    PARETO_ARTIFACT,
    RESULTS_ARTIFACT,
    log_config_artifact,
    log_result_artifacts,
)
from electroscreen.screening.run_description import screening_note, screening_run_name
from electroscreen.screening.run_reopen import recorded_run, reopen_run
from electroscreen.screening.run_summary import review_metrics, run_metrics
from electroscreen.screening.screen_config import ScreeningConfig
from electroscreen.screening.temperatures import predicted_at, ranked_temperatures

__all__ = [
    "CSV_ARTIFACT_MAX_ROWS",
    "KIND_TAG",
    "MODEL_PARAMS",
    "PARETO_ARTIFACT",
    "RESULTS_ARTIFACT",
    "POOL_DATASET_NAME",
    "fail_screening_run",
    "finish_screening_run",
    "start_screening_run",
]

#: Tag that marks a screening run (what :func:`~electroscreen.analysis.triage.screening_runs` finds).
KIND_TAG = "electroscreen.kind"
#: Name of the run input that identifies the candidate pool.
POOL_DATASET_NAME = "candidate-pool"
#: MLflow's SQL stores keep at most 36 characters of a dataset digest.
_DATASET_DIGEST_LENGTH = 36
#: Param names of the model URIs a screening run records (the names triage reads), by model role.
MODEL_PARAMS = {"conductivity": "conductivity_model_uri", "air_stability": "stability_model_uri"}


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    kept = limit - 48
    return f"{text[:kept]} ... ({len(text) - kept} more characters)"


def _pool_input(inputs: list[str], pool_digest: str) -> DatasetInput:
    """The candidate pool as an MLflow dataset that carries only its source and digest."""
    paths = [os.path.abspath(str(p)) for p in inputs] or [os.getcwd()]
    source = paths[0] if len(paths) == 1 else os.path.commonpath(paths)
    dataset = MetaDataset(
        LocalArtifactDatasetSource(source),
        name=POOL_DATASET_NAME,
        digest=pool_digest[:_DATASET_DIGEST_LENGTH],
    )
    return DatasetInput(
        dataset._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", "screening")]
    )


def start_screening_run(
    *,
    tracking_uri: str | None,
    experiment: str,
    run_id: str | None,
    config: ScreeningConfig,
    inputs: list[str],
    pool_digest: str,
    model_uris: dict[str, str],
    model_digests: dict[str, str] | None = None,
    on_created: Callable[[str], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> str:
    """Start (``run_id`` None) or reopen (resume) the MLflow run of a screening.

    Parameters
    ----------
    tracking_uri : str or None
        Tracking store (default :func:`~electroscreen.experiments.tracking.resolve_tracking_uri`).
    experiment : str
        Experiment of a new run (created when missing); ignored when ``run_id`` is reopened.
    run_id : str or None
        Run to reopen: its status goes back to RUNNING and only params it lacks are logged. A run
        that is gone (deleted, or no longer in the store) is left as it is and a new run is started
        instead, said through ``log``.
    config : ScreeningConfig
        Logged as flat params (``filters.carrier``, ``ranking.kappa``, ...), ``config_digest`` and
        the artifact ``config/screening.yaml`` (every field, as YAML).
    inputs : list of str
        The input arguments (param ``inputs``, comma-separated).
    pool_digest : str
        Digest of the candidate pool's content (:attr:`InputPlan.digest`: its files' bytes, not
        their paths); param, tag and the digest of the ``candidate-pool`` run input.
    model_uris : dict
        ``{"conductivity": uri, "air_stability": uri}``; params ``conductivity_model_uri`` and
        ``stability_model_uri`` plus tags ``electroscreen.<role>_model_uri``.
    model_digests : dict, optional
        SHA-256 of each model's files, as tags ``electroscreen.<role>_model_sha256``.
    on_created : callable, optional
        Called with a new run's id as soon as it exists, before its params and inputs are logged
        (``screen`` records it in ``state.json`` there, so a kill during the logging resumes that
        run instead of leaving it RUNNING beside a second one).
    log : callable, optional
        Receives the one-line warning that ``run_id`` is gone and which run replaces it (default
        :func:`warnings.warn`).

    Returns
    -------
    str
        The run id (a new one when ``run_id`` is gone).

    Raises
    ------
    ValueError
        When ``run_id`` cannot be read for another reason than being gone (the message says how to
        start a new run).
    """
    client = tracking_client(tracking_uri)
    params = _run_params(config, inputs, pool_digest, model_uris)
    tags = _run_tags(client, config, inputs, pool_digest, model_uris, model_digests)
    recorded, gone = (None, None) if run_id is None else recorded_run(client, run_id, tracking_uri)
    if recorded is None:
        run = _new_run(client, experiment, tracking_uri, config, inputs, tags, on_created)
        if gone is not None:
            say = log or (lambda line: warnings.warn(line, stacklevel=3))
            say(
                f"warning: cannot resume MLflow run {run_id}: it {gone}; this screening is "
                f"recorded in a new run {run.info.run_id}"
            )
    else:
        run = reopen_run(client, recorded, tags)
    _log_what_is_missing(client, run, params, inputs, pool_digest, model_uris)
    log_config_artifact(client, run.info.run_id, config.yaml_text())
    return run.info.run_id


def _run_params(
    config: ScreeningConfig, inputs: list[str], pool_digest: str, model_uris: dict[str, str]
) -> dict[str, str]:
    """A screening run's params: the flattened config, the inputs, the digests and the model URIs
    (:data:`MODEL_PARAMS`)."""
    params = flat_params(config.model_dump(mode="json"))
    params.update(
        inputs=_clip(",".join(str(p) for p in inputs), MAX_PARAM_VAL_LENGTH),
        n_inputs=str(len(inputs)),
        pool_digest=pool_digest,
        config_digest=config.digest(),
    )
    for role, uri in model_uris.items():
        params[MODEL_PARAMS.get(role, f"{role}_model_uri")] = uri
    return params


def _run_tags(
    client: MlflowClient,
    config: ScreeningConfig,
    inputs: list[str],
    pool_digest: str,
    model_uris: dict[str, str],
    model_digests: dict[str, str] | None,
) -> dict[str, str]:
    """A screening run's tags: its kind, the digests, the description (the models linked to their
    versions and training runs), the code that runs it, and each model's URI and SHA-256."""
    tags = {
        KIND_TAG: "screen",
        "electroscreen.pool_digest": pool_digest,
        "electroscreen.config_digest": config.digest(),
        NOTE_TAG: _clip(
            screening_note(
                inputs,
                model_uris,
                links=model_links(model_uris, client),
                temperature_c=config.temperature_c,
            ),
            MAX_TAG_VAL_LENGTH,
        ),  # fmt: skip
        **code_tags(),
    }
    for role, uri in model_uris.items():
        tags[f"electroscreen.{role}_model_uri"] = uri
    for role, digest in (model_digests or {}).items():
        tags[f"electroscreen.{role}_model_sha256"] = digest
    return tags


def _new_run(
    client: MlflowClient,
    experiment: str,
    tracking_uri: str | None,
    config: ScreeningConfig,
    inputs: list[str],
    tags: dict[str, str],
    on_created: Callable[[str], None] | None,
) -> Run:
    """A new run in ``experiment`` (created when missing), named after the pool and temperature,
    with ``tags`` plus MLflow's user and source; ``on_created`` hears its id at once."""
    from mlflow.tracking.context.registry import resolve_tags

    run = retry_tracking(
        client.create_run,
        get_or_create_experiment(experiment, tracking_uri, "screen"),
        run_name=screening_run_name(inputs, predicted_at(None, config.temperature_c)),
        tags=resolve_tags(tags),  # + user and source, as the training runs get them
    )
    if on_created is not None:
        on_created(run.info.run_id)
    return run


def _log_what_is_missing(
    client: MlflowClient,
    run: Run,
    params: dict[str, str],
    inputs: list[str],
    pool_digest: str,
    model_uris: dict[str, str],
) -> None:
    """Log the params, the pool's run input and the models' logged-model inputs that ``run`` (as
    read when started or reopened) does not hold yet: a resume never logs one twice."""
    run_id = run.info.run_id
    existing_params = dict(run.data.params)
    new_params = [Param(k, v) for k, v in params.items() if k not in existing_params]
    for start in range(0, len(new_params), 100):  # log_batch takes at most 100 params
        retry_tracking(client.log_batch, run_id, params=new_params[start : start + 100])
    pool_input = _pool_input(inputs, pool_digest)
    if pool_input.dataset.digest not in {d.dataset.digest for d in run.inputs.dataset_inputs}:
        retry_tracking(client.log_inputs, run_id, datasets=[pool_input])
    linked = {m.model_id for m in (getattr(run.inputs, "model_inputs", None) or [])}
    models = [
        LoggedModelInput(model_id)
        for model_id in dict.fromkeys(logged_model_id(uri, client) for uri in model_uris.values())
        if model_id is not None and model_id not in linked
    ]
    if models:  # the MLflow 3.17 UI shows them only on the logged model's page (the run page
        # looks for a run's models in its own experiment, and they are in the training one): the
        # description links each model's version page and training run instead
        retry_tracking(client.log_inputs, run_id, models=models)


def finish_screening_run(
    run_id: str,
    *,
    tracking_uri: str | None,
    results: pd.DataFrame,
    out: Path,
    timings: dict[str, float],
    counts: dict[str, int],
    top: int = 50,
    coverage: float | None = None,
    screened: int | None = None,
    warnings: list[str] | None = None,
) -> None:
    """Log a screening's counts, timings, results and Pareto plot, and end its run FINISHED.

    Parameters
    ----------
    run_id : str
        The run from :func:`start_screening_run`.
    tracking_uri : str or None
    results : DataFrame
        The ranked results, one row per input candidate.
    out : Path
        Output folder; its ``results.parquet`` (and a small run's ``results.csv``) are logged when
        present, else written from ``results`` first
        (:func:`~electroscreen.screening.run_artifacts.log_result_artifacts`).
    timings : dict
        Seconds per step of this invocation (``total`` among them): metrics ``time_<step>_s`` and
        ``candidates_per_s = screened / timings["total"]`` (not logged when ``screened`` is 0).
    counts : dict
        Rows per status: metrics ``n_<status>``.
    top : int
        Rows of ``results/top.csv`` (best ``rank`` first), always drawn in the Pareto plot.
    coverage : float, optional
        Nominal coverage of the conductivity model's intervals, named in the Pareto plot
        (:func:`~electroscreen.experiments.model_coverage.model_coverage`; None: 90 %).
    screened : int, optional
        Rows this invocation screened (None: all of ``results``); the others were read from an
        earlier invocation's checkpoints (metric ``n_from_checkpoints``), so a resumed run's
        timings and rate describe only its own work.
    warnings : list of str, optional
        Where the conductivity model errs on ranked candidates (:mod:`~electroscreen.screening.
        class_warnings`): tag ``electroscreen.model_warnings``, one line each, and the description.
    """
    client = tracking_client(tracking_uri)
    now = get_current_time_millis()
    review = review_metrics(results)  # first: the run page lists metrics in logging order
    values = {**review, **run_metrics(results, timings, counts, screened)}
    metrics = [Metric(k, v, now, 0) for k, v in values.items()]
    for start in range(0, len(metrics), 1000):
        retry_tracking(client.log_batch, run_id, metrics=metrics[start : start + 1000])
    run = retry_tracking(client.get_run, run_id)
    params = run.data.params
    temperature_c = float(params.get("temperature_c", 25.0))
    log_result_artifacts(
        client, run_id, results, Path(out), top=top, coverage=coverage, temperature_c=temperature_c
    )
    inputs = [p for p in params.get("inputs", "").split(",") if p]
    uris = {role: params[name] for role, name in MODEL_PARAMS.items() if name in params}
    note = screening_note(
        inputs, uris, results, review, links=model_links(uris, client),
        temperature_c=temperature_c, warnings=warnings,
    )  # fmt: skip
    if warnings:
        tag = _clip(warning_text(warnings), MAX_TAG_VAL_LENGTH)
        retry_tracking(client.set_tag, run_id, WARNINGS_TAG, tag)
    retry_tracking(client.set_tag, run_id, NOTE_TAG, _clip(note, MAX_TAG_VAL_LENGTH))
    if len(ranked_temperatures(results, temperature_c)) > 1:  # rows had their own temperature_c
        name = screening_run_name(inputs, predicted_at(results, temperature_c))
        retry_tracking(client.update_run, run_id, name=name)  # the range, not the config's value
    retry_tracking(client.set_terminated, run_id, status=RunStatus.to_string(RunStatus.FINISHED))


def fail_screening_run(
    run_id: str, *, tracking_uri: str | None, error: str, status: str = "FAILED"
) -> None:
    """End a screening run ``status`` (FAILED, or KILLED for a run ``--fresh`` discarded) with the
    reason in the tag ``electroscreen.error``.

    Parameters
    ----------
    run_id : str
    tracking_uri : str or None
    error : str
        What went wrong (cut to MLflow's tag length limit).
    status : {"FAILED", "KILLED"}
    """
    client = tracking_client(tracking_uri)
    retry_tracking(
        client.set_tag, run_id, "electroscreen.error", _clip(str(error), MAX_TAG_VAL_LENGTH)
    )
    retry_tracking(client.set_terminated, run_id, status=status)
