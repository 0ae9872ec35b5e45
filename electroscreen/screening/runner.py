"""``electroscreen screen``: batch screening of a candidate pool with checkpoints and resume.

Steps: plan the inputs (fixed batch boundaries, content digest) -> per batch, in-process or on Dask
workers: read, pre-filter, featurize, predict (:func:`~electroscreen.screening.batch.process_batch`)
-> each finished batch is written to ``DIR/batches/`` -> when all are there, the whole pool is
ranked and ``DIR/results.parquet`` / ``DIR/results.csv`` are written in input order. A run killed at
any point and started again with the same arguments reuses the finished batches and produces the
same files; one MLflow run (tagged ``electroscreen.kind=screen``) records it.

The pieces it calls: :mod:`~electroscreen.screening.screen_models` (which models, their digests,
:class:`ScreeningError`, re-exported here), :mod:`~electroscreen.screening.execution` (batches
in-process or on Dask), :mod:`~electroscreen.screening.progress` (progress bar or log lines).
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from electroscreen.data.input_paths import missing_inputs, skipped_files, skipped_message
from electroscreen.experiments.tracking import resolve_tracking_uri
from electroscreen.experiments.train_logging import model_coverage
from electroscreen.interrupts import interruption
from electroscreen.models.tasks import CONDUCTIVITY
from electroscreen.screening.batch import screening_device
from electroscreen.screening.checkpoint import BatchStore, Manifest
from electroscreen.screening.execution import batch_runner
from electroscreen.screening.inputs import InputPlan, iter_batches, plan_inputs, record_inputs
from electroscreen.screening.progress import batch_progress
from electroscreen.screening.results import rank_pool, read_results, write_results
from electroscreen.screening.screen_config import ScreeningConfig, load_screening_config
from electroscreen.screening.screen_models import (
    ScreeningError,
    default_model_uris,
    fingerprint_models,
)
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


def _start_tracking(
    store: BatchStore,
    tracking_uri: str,
    config: ScreeningConfig,
    inputs: list[str],
    plan: InputPlan,
    model_uris: dict[str, str],
    model_digests: dict[str, str],
    say: Callable[[str], None],
) -> str:
    from electroscreen.screening.mlflow_run import start_screening_run

    run_id = start_screening_run(
        tracking_uri=tracking_uri, experiment=config.experiment,
        run_id=store.read_state().get("run_id"), config=config, inputs=inputs,
        pool_digest=plan.digest, model_uris=model_uris, model_digests=model_digests,
        on_created=lambda new: store.write_state(run_id=new), log=say,
    )  # fmt: skip
    store.write_state(run_id=run_id)
    return run_id


def _check_scale_out(workers: int | None, cluster: str | None, jobs: int) -> None:
    """The checks the Dask client and cluster make when built, made before any work."""
    from electroscreen.screening.cluster import check_cluster_kind
    from electroscreen.screening.distributed import check_count

    try:
        if workers is not None:
            check_count("--workers", workers)
        check_count("--jobs", jobs)
        if cluster is not None:
            check_cluster_kind(kind=cluster)
    except ValueError as exc:
        raise ScreeningError(str(exc)) from None


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


def _refuse_out_inside_inputs(out: Path, inputs: list[str | Path]) -> None:
    """An ``--out`` inside a folder given as input would be read as candidates by the next run
    (its batches, results and manifest): refused before anything is written."""
    target = out.resolve()
    for raw in inputs:
        named = Path(str(raw))
        matched = (
            [named] if named.is_dir() else [Path(p) for p in glob.glob(str(raw), recursive=True)]
        )
        for folder in (p for p in matched if p.is_dir()):
            if target == folder.resolve() or folder.resolve() in target.parents:
                raise ScreeningError(
                    f"--out {out} is inside the input folder {folder}: the next run would read "
                    "its outputs as candidates; choose an --out folder outside the inputs"
                )


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
        Output folder: ``results.parquet``, ``results.csv``, ``manifest.json``, ``batches/``.
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
    timings: dict[str, float] = {}
    config = config or load_screening_config()
    if sum(x is not None for x in (workers, scheduler, cluster)) > 1:
        raise ScreeningError("give either workers or scheduler (or cluster), not several")
    if cluster is None and (jobs != 1 or cluster_config is not None):
        raise ScreeningError("jobs and cluster_config set up a --cluster: give --cluster too")
    _check_scale_out(workers, cluster, jobs)  # before --out or MLflow are touched
    cluster_spec = None
    if cluster is not None:
        from electroscreen.screening.cluster import check_submit_tools, load_cluster_config

        options = load_cluster_config(cluster_config)  # a file or a mapping, values checked
        check_submit_tools(cluster)  # no `sbatch` here: said before --out or MLflow are touched
        if cluster != "local":  # the TLS credentials of the jobs: beside the results, shared
            options.setdefault("shared_temp_directory", str(Path(out).resolve()))
        cluster_spec = (cluster, jobs, options, say)
    if not inputs:
        raise ScreeningError("no input given: pass structure files, folders or formula tables")
    out = Path(out)
    uri = resolve_tracking_uri(tracking_uri)
    device = screening_device(device)
    model_uris = default_model_uris(uri, conductivity_model, stability_model)
    model_uris, model_digests = fingerprint_models(model_uris, uri)
    coverage = model_coverage(model_uris["conductivity"], uri)  # once: plot and console labels
    missing = missing_inputs(inputs, "candidate")
    if skipped := skipped_files(inputs):
        say(skipped_message(skipped))
    if missing:
        raise ScreeningError(f"no candidate file found at {', '.join(missing)}")
    _refuse_out_inside_inputs(out, list(inputs))
    plan = plan_inputs(inputs)
    manifest = Manifest(
        config_digest=config.digest(), input_digest=plan.checkpoint_digest,
        conductivity_model_uri=model_uris["conductivity"],
        stability_model_uri=model_uris["air_stability"],
        tracking_uri=uri, batch_size=config.batch_size,
        conductivity_model_digest=model_digests["conductivity"],
        stability_model_digest=model_digests["air_stability"],
    )  # fmt: skip
    store = BatchStore(out, log=say)
    store.lock()  # a second run on this folder is refused until this one ends
    try:
        discarded = _state_run_id(store) if fresh else None
        reused = store.open(manifest, fresh=fresh)
        if track and discarded:
            _end_discarded_run(discarded, uri, say)
        finished = store.finished()
        record_inputs(plan, list(inputs), out)
        timings["plan"] = time.perf_counter() - start
        say(
            f"models: {model_uris['conductivity']} (sha256 {model_digests['conductivity'][:12]}), "
            f"{model_uris['air_stability']} (sha256 {model_digests['air_stability'][:12]}) on "
            + (
                "auto (CUDA for torch models where a GPU is visible)"
                if device == "auto"
                else device
            )
        )
        if CONDUCTIVITY.carrier_note(config.filters.carrier):
            say(
                f"warning: filters.carrier is {config.filters.carrier}, but the conductivity "
                f"model learned from {'/'.join(CONDUCTIVITY.carriers)}-ion conductors only "
                "(OBELiX, Liverpool): its pred_log10_sigma is not a "
                f"{config.filters.carrier}-ion conductivity (each row's pred_feature_status says so)"
            )
        if reused:
            say(f"resuming: {reused} finished batches in {store.batches}")
        run_id = None
        tracking_error = None
        if track:
            try:  # tracking is bookkeeping: its failure never stops the screening
                run_id = _start_tracking(
                    store, uri, config, [str(p) for p in inputs], plan, model_uris, model_digests,
                    say,
                )  # fmt: skip
            except Exception as exc:  # noqa: BLE001
                tracking_error = f"could not start the MLflow run: {type(exc).__name__}: {exc}"
                say(f"warning: {tracking_error}; screening continues without tracking")
        screened = 0  # rows screened by this invocation (the others come from checkpoints)
        try:
            tick = time.perf_counter()
            todo = (b for b in iter_batches(plan, config.batch_size) if b.index not in finished)
            bar, advance = batch_progress(
                progress, plan.n_batches(config.batch_size), len(finished), say
            )
            with (
                batch_runner(
                    config,
                    model_uris,
                    uri,
                    device,
                    workers,
                    scheduler,
                    cluster_spec,
                    model_digests,
                ) as run,
                bar,
            ):
                for index, frame in run(todo):
                    store.write(index, frame)
                    screened += len(frame)
                    advance()
            timings["batches"] = time.perf_counter() - tick
            tick = time.perf_counter()
            paths = list(store.paths())
            if not paths:
                raise ScreeningError(
                    f"the inputs hold no candidate rows: {[str(p) for p in inputs]}"
                )
            ranking, counts = rank_pool(paths, config.ranking)
            write_results(paths, ranking, out)
            timings["rank_write"] = time.perf_counter() - tick
            results = read_results(out / "results.parquet")
            timings["total"] = time.perf_counter() - start
            n_ok = int((results["status"] == "ok").sum())
            counts = dict(sorted(counts.items()))
            say(f"{len(results)} candidates, {n_ok} ranked, in {timings['total']:.1f} s")
            for line in temperature_warnings(results, config.temperature_c):
                say(f"warning: {line}")
            if run_id is not None:
                from electroscreen.screening.mlflow_run import finish_screening_run

                try:  # the results are written: a tracking failure is reported, not raised
                    finish_screening_run(
                        run_id, tracking_uri=uri, results=results, out=out, timings=timings,
                        counts=counts, top=config.top or 50, coverage=coverage,
                        screened=screened,
                    )  # fmt: skip
                except Exception as exc:  # noqa: BLE001
                    tracking_error = (
                        f"could not record the results in MLflow run {run_id}: "
                        f"{type(exc).__name__}: {exc}"
                    )
                    say(f"warning: {tracking_error}; the results are in {out}")
        except BaseException as exc:
            if run_id is not None:
                from electroscreen.screening.mlflow_run import fail_screening_run

                cause = interruption(exc) or exc  # Ctrl-C inside a kernel: a SystemError
                try:
                    fail_screening_run(
                        run_id, tracking_uri=uri, error=f"{type(cause).__name__}: {cause}"
                    )
                except Exception as tracking_exc:  # noqa: BLE001 - the original error matters
                    say(f"warning: could not mark MLflow run {run_id} failed: {tracking_exc}")
            raise
    finally:
        store.unlock()
    return ScreeningResult(results, out, run_id, counts, timings, tracking_error, coverage)
