"""``electroscreen screen``: batch screening of a candidate pool with checkpoints and resume.

Steps: plan the inputs (fixed batch boundaries, content digest) -> per batch, in-process or on Dask
workers: read, pre-filter, featurize, predict (:func:`~electroscreen.screening.batch.process_batch`)
-> each finished batch is written to ``DIR/batches/`` -> when all are there, the whole pool is
ranked and ``DIR/results.parquet`` / ``DIR/results.csv`` are written in input order. A run killed at
any point and started again with the same arguments reuses the finished batches and produces the
same files; one MLflow run (tagged ``electroscreen.kind=screen``) records it.

:func:`screen` runs these steps in order, each a function below that reads and fills in one
:class:`~electroscreen.screening.screen_setup.ScreeningJob`: set up (:func:`scale_out`,
:func:`set_up`), open the checkpoints, start tracking, run the batches, rank and write, finish
(or fail) tracking. Before the batches it checks that this code computes each model's descriptors
as when it was trained (:func:`~electroscreen.screening.screen_models.check_descriptors`); after
ranking it warns where many ranked rows lie above the top of ``sigma_range``
(:func:`~electroscreen.screening.range_warnings.sigma_range_warnings`) and where the conductivity
model's held-out errors are poor on a class of the ranked candidates
(:func:`~electroscreen.screening.class_warnings.warn_classes`).

The pieces it calls: :mod:`~electroscreen.screening.screen_setup` (options, models and inputs
checked before anything is written), :mod:`~electroscreen.screening.screen_models` (which models,
their digests, :class:`ScreeningError`, re-exported here), :mod:`~electroscreen.screening.execution`
(batches in-process or on Dask), :mod:`~electroscreen.screening.progress` (progress bar or log
lines), :mod:`~electroscreen.screening.mlflow_run` (the MLflow run).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from electroscreen.heap import frozen_heap
from electroscreen.interrupts import interruption
from electroscreen.screening.checkpoint import BatchStore
from electroscreen.screening.class_warnings import carrier_warning, warn_classes
from electroscreen.screening.execution import batch_runner, runs_locally
from electroscreen.screening.inputs import iter_batches
from electroscreen.screening.inputs_record import record_inputs
from electroscreen.screening.progress import batch_progress
from electroscreen.screening.range_warnings import sigma_range_warnings
from electroscreen.screening.results import rank_pool, read_results, write_results
from electroscreen.screening.screen_config import ScreeningConfig, load_screening_config
from electroscreen.screening.screen_models import (
    ScreeningError,
    check_descriptors,
    default_model_uris,
)
from electroscreen.screening.screen_setup import ScreeningJob, scale_out, set_up
from electroscreen.screening.temperatures import temperature_warnings

__all__ = [
    "ScreeningError",
    "ScreeningResult",
    "default_model_uris",
    "screen",
]


@dataclass
class ScreeningResult:
    """What :func:`screen` produced."""

    results: pd.DataFrame
    """One row per input candidate, in input order, with the ranking columns."""
    out: Path
    """Folder with ``results.parquet``, ``results.csv`` and the checkpoints."""
    run_id: str | None
    """MLflow run id (None when tracking is off)."""
    counts: dict[str, int]
    """Rows per status."""
    timings: dict[str, float]
    """Seconds per step (``plan``, ``batches``, ``rank_write``) and ``total``."""
    tracking_error: str | None = None
    """Why the MLflow run could not be started or completed (the results are written anyway)."""
    interval_coverage: float | None = None
    """Nominal coverage of the conductivity model's intervals (``1 - conformal_alpha`` of its
    training run; None when the store does not say), for the labels of what is printed."""
    class_warnings: list[str] = field(default_factory=list)
    """One line per anion class of ranked candidates on which the conductivity model's held-out
    errors are poor (:mod:`~electroscreen.screening.class_warnings`; also printed, in
    ``OUT/model_warnings.txt`` and on the MLflow run)."""
    descriptor_warnings: list[str] = field(default_factory=list)
    """One line per model whose descriptors this code computes otherwise than when it was trained
    (:func:`~electroscreen.screening.screen_models.check_descriptors`; said at the start, then
    with the class warnings)."""
    ranking_warnings: list[str] = field(default_factory=list)
    """Many ranked rows above the top of ``ranking.sigma_range`` (said, and kept with the class
    warnings: :mod:`~electroscreen.screening.range_warnings`)."""


def screen(
    inputs: str | Path | Iterable[str | Path],
    out: str | Path,
    *,
    config: ScreeningConfig | None = None,
    conductivity_model: str | None = None,
    stability_model: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
    jobs: int = 1,
    cluster_config: str | Path | dict | None = None,
    device: str = "auto",
    tracking_uri: str | None = None,
    track: bool = True,
    fresh: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> ScreeningResult:
    """Screen candidate files with the conductivity and air-stability models; rank; write results.

    Parameters
    ----------
    inputs : path or list of path
        Anything the data layer reads: structure files, folders, globs, formula CSV/Parquet tables,
        packed caches (``.npz`` / packed ``.parquet``); one path (a ``str`` or ``Path``) is one
        input, as in :func:`~electroscreen.data.read_candidates`.
    out : path
        Output folder: ``results.parquet``, ``results.csv``, ``manifest.json``, ``batches/``,
        ``screening.yaml`` (the effective config).
    config : ScreeningConfig, optional
        Filters, ranking weights, batch size (default :func:`load_screening_config`).
    conductivity_model, stability_model : str, optional
        Model URIs; default the newest versions of ``electroscreen-conductivity`` and
        ``electroscreen-air-stability`` registered in the tracking store.
    workers : int, optional
        Run batches on a local Dask cluster of this many single-threaded processes.
    scheduler : str, optional
        Run batches on the Dask cluster at this address.
    cluster : {"slurm", "pbs", "sge", "lsf", "local"}, optional
        Create a Dask cluster of this kind (dask-jobqueue for the schedulers), scale it to ``jobs``
        and close it at the end; see :mod:`electroscreen.screening.cluster`.
    jobs : int
        Batch jobs submitted for ``cluster`` (worker processes for ``local``).
    cluster_config : path or dict, optional
        The cluster class's keyword arguments (a YAML file or a dict).
    device : {"auto", "cpu", "cuda"}
        Where torch models run; ``auto`` is CUDA when available.
    tracking_uri : str, optional
        MLflow store for models and the screening run (default ``$MLFLOW_TRACKING_URI``, else
        ``sqlite:///<cwd>/mlflow.db``).
    track : bool
        Record an MLflow run (``electroscreen.kind=screen``).
    fresh : bool
        Discard checkpoints in ``out`` instead of resuming (needed when they belong to another
        screening: different inputs, config or models).
    progress : bool
        Show a progress bar (on a terminal) or a line per ~10% of batches through ``log`` (when
        stderr is not a terminal, e.g. a batch job's log).
    log : callable, optional
        Receives one-line messages.

    Returns
    -------
    ScreeningResult

    Raises
    ------
    ScreeningError
        No inputs, or no model to screen with.
    ManifestMismatchError
        ``out`` holds checkpoints of another screening and ``fresh`` is false.
    SubmissionError
        ``cluster``'s submit command (``sbatch``...) is missing, or refused the jobs.

    Examples
    --------
    >>> result = screen(["pool.npz"], "screen_out")  # doctest: +SKIP
    >>> result.results.sort_values("rank").head()  # doctest: +SKIP
    """
    say = log or (lambda message: None)
    inputs = [inputs] if isinstance(inputs, str | Path) else list(inputs)  # "pool.csv": one input
    start = time.perf_counter()
    config = config or load_screening_config()
    cluster_spec = scale_out(workers, scheduler, cluster, jobs, cluster_config, out, say)
    models = (conductivity_model, stability_model)
    job = set_up(inputs, out, config, models, device, tracking_uri, say, start)
    store = BatchStore(job.out, log=say)
    store.lock()  # a second run on this folder is refused until this one ends
    try:
        finished = _open_checkpoints(job, store, fresh, track)
        if track:
            _start_tracking(job, store)
        try:
            with frozen_heap() as refreeze:  # start-up's objects: out of the collector's passes
                check_descriptors(job, runs_locally(workers, scheduler, cluster_spec))
                refreeze()  # the models, loaded for the check, live as long
                screened = _run_batches(
                    job, store, finished, workers, scheduler, cluster_spec, progress
                )
                results, counts = _rank_and_write(job, store)
                warn_classes(job, results, runs_locally(workers, scheduler, cluster_spec))
                _finish_tracking(job, results, counts, screened)
        except BaseException as exc:
            _fail_tracking(job, exc)
            raise
    finally:
        store.unlock()
    return ScreeningResult(
        results, job.out, job.run_id, counts, job.timings, job.tracking_error, job.coverage,
        job.class_warnings, job.descriptor_warnings, job.ranking_warnings,
    )  # fmt: skip


def _open_checkpoints(job: ScreeningJob, store: BatchStore, fresh: bool, track: bool) -> set[int]:
    """Open ``out`` for this screening, resuming its checkpoints (``fresh``: discarding them and
    ending the MLflow run they belonged to), record the inputs, time the set-up and say what runs.

    Returns the indices of the batches already finished.
    """
    discarded = _state_run_id(store) if fresh else None
    reused = store.open(job.manifest, fresh=fresh)
    store.write_config(job.config.yaml_text())  # the run's settings, readable beside its results
    if track and discarded:
        _end_discarded_run(discarded, job.tracking_uri, job.say)
    finished = store.finished()
    record_inputs(job.plan, list(job.inputs), job.out)
    job.timings["plan"] = time.perf_counter() - job.start
    _announce(job, reused, store)
    return finished


def _announce(job: ScreeningJob, reused: int, store: BatchStore) -> None:
    """Say which models run where, warn when the carrier is not one the conductivity model
    learned from, and say how many finished batches are reused."""
    uris, digests, say = job.model_uris, job.model_digests, job.say
    say(
        f"models: {uris['conductivity']} (sha256 {digests['conductivity'][:12]}), "
        f"{uris['air_stability']} (sha256 {digests['air_stability'][:12]}) on "
        + (
            "auto (CUDA for torch models where a GPU is visible)"
            if job.device == "auto"
            else job.device
        )
    )
    other_carrier = carrier_warning(job.config.filters.carrier)
    if other_carrier:
        say(f"warning: {other_carrier}")
    if reused:
        say(f"resuming: {reused} finished batches in {store.batches}")


def _start_tracking(job: ScreeningJob, store: BatchStore) -> None:
    """Start (or, resuming, reopen) the screening's MLflow run and name it in ``state.json``.

    Tracking is bookkeeping: a failure is said and kept as ``job.tracking_error``, and the
    screening goes on without a run.
    """
    from electroscreen.screening.mlflow_run import start_screening_run

    try:
        run_id = start_screening_run(
            tracking_uri=job.tracking_uri, experiment=job.config.experiment,
            run_id=store.read_state().get("run_id"), config=job.config,
            inputs=[str(p) for p in job.inputs], pool_digest=job.plan.digest,
            model_uris=job.model_uris, model_digests=job.model_digests,
            on_created=lambda new: store.write_state(run_id=new), log=job.say,
        )  # fmt: skip
        store.write_state(run_id=run_id)
        job.run_id = run_id
    except Exception as exc:  # noqa: BLE001
        job.tracking_error = f"could not start the MLflow run: {type(exc).__name__}: {exc}"
        job.say(f"warning: {job.tracking_error}; screening continues without tracking")


def _run_batches(
    job: ScreeningJob,
    store: BatchStore,
    finished: set[int],
    workers: int | None,
    scheduler: str | None,
    cluster_spec: tuple | None,
    progress: bool,
) -> int:
    """Screen every batch not ``finished`` (in-process or on Dask), writing each to
    ``out/batches/`` as it ends, with a progress bar or log lines.

    Returns the rows this invocation screened (the others come from checkpoints).
    """
    config, plan = job.config, job.plan
    screened = 0
    tick = time.perf_counter()
    todo = (b for b in iter_batches(plan, config.batch_size) if b.index not in finished)
    bar, advance = batch_progress(
        progress, plan.n_batches(config.batch_size), len(finished), job.say
    )
    with (
        batch_runner(
            config,
            job.model_uris,
            job.tracking_uri,
            job.device,
            workers,
            scheduler,
            cluster_spec,
            job.model_digests,
        ) as run,
        bar,
    ):
        for index, frame in run(todo):
            store.write(index, frame)
            screened += len(frame)
            advance()
    job.timings["batches"] = time.perf_counter() - tick
    return screened


def _rank_and_write(job: ScreeningJob, store: BatchStore) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rank the whole pool from the batch files, write ``results.parquet`` / ``results.csv`` in
    input order and say what was found: the results as read back, and the rows per status.

    Raises
    ------
    ScreeningError
        The inputs hold no candidate row.
    """
    tick = time.perf_counter()
    paths = list(store.paths())
    if not paths:
        raise ScreeningError(f"the inputs hold no candidate rows: {[str(p) for p in job.inputs]}")
    ranking, counts = rank_pool(paths, job.config.ranking)
    write_results(paths, ranking, job.out)
    job.timings["rank_write"] = time.perf_counter() - tick
    results = read_results(job.out / "results.parquet")
    job.timings["total"] = time.perf_counter() - job.start
    n_ok = int((results["status"] == "ok").sum())
    counts = dict(sorted(counts.items()))
    job.say(f"{len(results)} candidates, {n_ok} ranked, in {job.timings['total']:.1f} s")
    config = job.config
    job.ranking_warnings = sigma_range_warnings(results, config.ranking, config.temperature_c)
    for line in [*temperature_warnings(results, config.temperature_c), *job.ranking_warnings]:
        job.say(f"warning: {line}")
    return results, counts


def _finish_tracking(
    job: ScreeningJob, results: pd.DataFrame, counts: dict[str, int], screened: int
) -> None:
    """Log the results, counts and timings to the MLflow run (if one was started) and end it
    FINISHED; the results are written, so a failure is said and kept, not raised."""
    if job.run_id is None:
        return
    from electroscreen.screening.mlflow_run import finish_screening_run

    try:
        finish_screening_run(
            job.run_id, tracking_uri=job.tracking_uri, results=results, out=job.out,
            timings=job.timings, counts=counts, top=job.config.top or 50, coverage=job.coverage,
            screened=screened, warnings=job.model_warnings(),
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001
        job.tracking_error = (
            f"could not record the results in MLflow run {job.run_id}: {type(exc).__name__}: {exc}"
        )
        job.say(f"warning: {job.tracking_error}; the results are in {job.out}")


def _fail_tracking(job: ScreeningJob, exc: BaseException) -> None:
    """End the MLflow run (if one was started) FAILED with the error that stops the screening
    (Ctrl-C inside a compiled kernel named as the interrupt it is); never raises."""
    if job.run_id is None:
        return
    from electroscreen.screening.mlflow_run import fail_screening_run

    cause = interruption(exc) or exc  # Ctrl-C inside a kernel: a SystemError
    try:
        fail_screening_run(
            job.run_id, tracking_uri=job.tracking_uri, error=f"{type(cause).__name__}: {cause}"
        )
    except Exception as tracking_exc:  # noqa: BLE001 - the original error matters
        job.say(f"warning: could not mark MLflow run {job.run_id} failed: {tracking_exc}")


def _state_run_id(store: BatchStore) -> str | None:
    """The MLflow run id ``state.json`` names (None when there is none or the file is unreadable:
    ``--fresh`` discards it anyway)."""
    try:
        return store.read_state().get("run_id")
    except (OSError, ValueError, AttributeError):
        return None


def _end_discarded_run(run_id: str, tracking_uri: str, say: Callable[[str], None]) -> None:
    """Mark the MLflow run of checkpoints ``--fresh`` discarded KILLED if it is still RUNNING (a
    killed screening leaves it so; nothing would ever end it)."""
    from electroscreen.experiments.tracking import tracking_client
    from electroscreen.screening.mlflow_run import fail_screening_run

    try:
        if tracking_client(tracking_uri).get_run(run_id).info.status == "RUNNING":
            fail_screening_run(
                run_id, tracking_uri=tracking_uri, status="KILLED",
                error="its checkpoints were discarded by a later screening with --fresh",
            )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - bookkeeping: never stops the screening
        say(f"warning: could not end the discarded MLflow run {run_id}: {exc}")
