"""``electroscreen screen``: batch screening of a candidate pool with checkpoints and resume.

Steps: plan the inputs (fixed batch boundaries, content digest) -> per batch, in-process or on Dask
workers: read, pre-filter, featurize, predict (:func:`~electroscreen.screening.batch.process_batch`)
-> each finished batch is written to ``DIR/batches/`` -> when all are there, the whole pool is
ranked and ``DIR/results.parquet`` / ``DIR/results.csv`` are written in input order. A run killed at
any point and started again with the same arguments reuses the finished batches and produces the
same files; one MLflow run (tagged ``electroscreen.kind=screen``) records it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from electroscreen.configs import CONDUCTIVITY_MODEL, STABILITY_MODEL
from electroscreen.data.readers import expand_inputs
from electroscreen.experiments.model_registry import ModelNotFoundError, latest_model_uri
from electroscreen.experiments.tracking import resolve_tracking_uri
from electroscreen.screening.batch import (
    check_temperature,
    process_batch,
    process_batch_by_uri,
    screening_device,
)
from electroscreen.screening.checkpoint import BatchStore, Manifest
from electroscreen.screening.inputs import InputPlan, iter_batches, plan_inputs, record_inputs
from electroscreen.screening.results import rank_pool, read_results, write_results
from electroscreen.screening.screen_config import ScreeningConfig, load_screening_config

__all__ = [
    "ScreeningError",
    "ScreeningResult",
    "default_model_uris",
    "screen",
]


class ScreeningError(RuntimeError):
    """A screening cannot start (no inputs, no models); the message says what to do."""


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


def default_model_uris(
    tracking_uri: str | None,
    conductivity_model: str | None = None,
    stability_model: str | None = None,
) -> dict[str, str]:
    """The model URIs to screen with: the given ones, else the newest registered versions.

    Raises
    ------
    ScreeningError
        When a default model is not registered in the store; the message says how to train it.
    """
    uris = {}
    for key, given, name in (
        ("conductivity", conductivity_model, CONDUCTIVITY_MODEL),
        ("air_stability", stability_model, STABILITY_MODEL),
    ):
        if given:
            uris[key] = given
            continue
        try:
            uris[key] = latest_model_uri(name, tracking_uri)
        except ModelNotFoundError as exc:
            raise ScreeningError(
                f"{exc} (or run `make demo`, which trains both default models), "
                f"or pass --{'conductivity' if key == 'conductivity' else 'stability'}-model URI"
            ) from exc
    return uris


def fingerprint_models(
    model_uris: dict[str, str], tracking_uri: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Each model's concrete URI (aliases resolved to a version) and the SHA-256 of its files.

    Raises
    ------
    ScreeningError
        When a model's files cannot be read; the message names the model.
    """
    from electroscreen.experiments.model_registry import model_fingerprint

    resolved, digests = {}, {}
    for role, model_uri in model_uris.items():
        try:
            resolved[role], digests[role] = model_fingerprint(model_uri, tracking_uri)
        except Exception as exc:  # noqa: BLE001 - any store error: name the model
            raise ScreeningError(
                f"cannot read the {role} model {model_uri} in {tracking_uri}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return resolved, digests


def _batch_runner(
    config: ScreeningConfig,
    model_uris: dict[str, str],
    tracking_uri: str,
    device: str,
    workers: int | None,
    scheduler: str | None,
    cluster: tuple | None = None,
):
    """A context manager yielding ``run(batches) -> iterator of (index, frame)``."""
    from contextlib import contextmanager

    @contextmanager
    def serial():
        from electroscreen.screening.batch import cached_predictor

        conductivity = cached_predictor(model_uris["conductivity"], tracking_uri, device)
        stability = cached_predictor(model_uris["air_stability"], tracking_uri, device)
        check_temperature(conductivity, config.temperature_c)

        def run(batches):
            for batch in batches:
                yield (
                    batch.index,
                    process_batch(
                        batch,
                        config.filters,
                        conductivity,
                        stability,
                        config.temperature_c,
                        config.objectives,
                    ),
                )

        yield run

    @contextmanager
    def distributed():
        from electroscreen.screening.cluster import cluster_client
        from electroscreen.screening.distributed import dask_client, map_batches

        make = cluster_client(*cluster) if cluster else dask_client(workers, scheduler)
        with make as client:

            def run(batches):
                yield from map_batches(
                    client, process_batch_by_uri, batches,
                    config.filters, model_uris, tracking_uri, device, config.temperature_c,
                    config.objectives,
                )  # fmt: skip

            yield run

    local = workers is None and scheduler is None and cluster is None
    return serial() if local else distributed()


def _progress(enabled: bool, total: int | None, done: int, say: Callable[[str], None]):
    """A progress bar on a terminal; in a log (stderr not a terminal), a plain line per ~10%."""
    import sys
    from contextlib import nullcontext

    from electroscreen.report import _is_terminal

    if not enabled:
        return nullcontext(), lambda: None
    if not _is_terminal(sys.stderr):
        state = {"done": done, "start": time.perf_counter()}
        step = max(1, (total or 10) // 10)

        def advance() -> None:
            state["done"] += 1
            if state["done"] % step == 0 or state["done"] == total:
                elapsed = time.perf_counter() - state["start"]
                say(
                    f"batches {state['done']}/{total if total is not None else '?'} ({elapsed:.1f} s)"
                )

        return nullcontext(), advance

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("screening batches"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
        console=Console(stderr=True),
    )  # fmt: skip
    task = progress.add_task("screen", total=total, completed=done)
    return progress, lambda: progress.advance(task)


def _start_tracking(
    store: BatchStore,
    tracking_uri: str,
    config: ScreeningConfig,
    inputs: list[str],
    plan: InputPlan,
    model_uris: dict[str, str],
    model_digests: dict[str, str],
) -> str:
    from electroscreen.screening.mlflow_run import start_screening_run

    run_id = start_screening_run(
        tracking_uri=tracking_uri, experiment=config.experiment,
        run_id=store.read_state().get("run_id"), config=config, inputs=inputs,
        pool_digest=plan.digest, model_uris=model_uris, model_digests=model_digests,
    )  # fmt: skip
    store.write_state(run_id=run_id)
    return run_id


def screen(
    inputs: list[str | Path],
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
    inputs : list of path
        Anything the data layer reads: structure files, folders, globs, formula CSV/Parquet tables,
        packed caches (``.npz`` / packed ``.parquet``).
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

    Examples
    --------
    >>> result = screen(["pool.npz"], "screen_out")  # doctest: +SKIP
    >>> result.results.sort_values("rank").head()  # doctest: +SKIP
    """
    say = log or (lambda message: None)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    config = config or load_screening_config()
    if sum(x is not None for x in (workers, scheduler, cluster)) > 1:
        raise ScreeningError("give either workers or scheduler (or cluster), not several")
    cluster_spec = None
    if cluster is not None:
        from electroscreen.screening.cluster import load_cluster_config

        options = (
            cluster_config if isinstance(cluster_config, dict)
            else load_cluster_config(cluster_config)
        )  # fmt: skip
        cluster_spec = (cluster, jobs, options, say)
    if not inputs:
        raise ScreeningError("no input given: pass structure files, folders or formula tables")
    out = Path(out)
    uri = resolve_tracking_uri(tracking_uri)
    device = screening_device(device)
    model_uris = default_model_uris(uri, conductivity_model, stability_model)
    model_uris, model_digests = fingerprint_models(model_uris, uri)
    missing = [str(p) for p in inputs if not any(q.is_file() for q in expand_inputs([p]))]
    if missing:
        raise ScreeningError(f"no candidate file found at {', '.join(missing)}")
    plan = plan_inputs(inputs)
    manifest = Manifest(
        config_digest=config.digest(), input_digest=plan.digest,
        conductivity_model_uri=model_uris["conductivity"],
        stability_model_uri=model_uris["air_stability"],
        tracking_uri=uri, batch_size=config.batch_size,
        conductivity_model_digest=model_digests["conductivity"],
        stability_model_digest=model_digests["air_stability"],
    )  # fmt: skip
    store = BatchStore(out, log=say)
    store.lock()  # a second run on this folder is refused until this one ends
    try:
        reused = store.open(manifest, fresh=fresh)
        finished = store.finished()
        record_inputs(plan, list(inputs), out)
        timings["plan"] = time.perf_counter() - start
        say(
            f"models: {model_uris['conductivity']} (sha256 {model_digests['conductivity'][:12]}), "
            f"{model_uris['air_stability']} (sha256 {model_digests['air_stability'][:12]}) on {device}"
        )
        if reused:
            say(f"resuming: {reused} finished batches in {store.batches}")
        run_id = None
        tracking_error = None
        if track:
            try:  # tracking is bookkeeping: its failure never stops the screening
                run_id = _start_tracking(
                    store, uri, config, [str(p) for p in inputs], plan, model_uris, model_digests
                )
            except Exception as exc:  # noqa: BLE001
                tracking_error = f"could not start the MLflow run: {type(exc).__name__}: {exc}"
                say(f"warning: {tracking_error}; screening continues without tracking")
        try:
            tick = time.perf_counter()
            todo = (b for b in iter_batches(plan, config.batch_size) if b.index not in finished)
            bar, advance = _progress(
                progress, plan.n_batches(config.batch_size), len(finished), say
            )
            with (
                _batch_runner(
                    config, model_uris, uri, device, workers, scheduler, cluster_spec
                ) as run,
                bar,
            ):
                for index, frame in run(todo):
                    store.write(index, frame)
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
            if run_id is not None:
                from electroscreen.screening.mlflow_run import finish_screening_run

                try:  # the results are written: a tracking failure is reported, not raised
                    finish_screening_run(
                        run_id, tracking_uri=uri, results=results, out=out, timings=timings,
                        counts=counts, top=config.top or 50,
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

                try:
                    fail_screening_run(
                        run_id, tracking_uri=uri, error=f"{type(exc).__name__}: {exc}"
                    )
                except Exception as tracking_exc:  # noqa: BLE001 - the original error matters
                    say(f"warning: could not mark MLflow run {run_id} failed: {tracking_exc}")
            raise
    finally:
        store.unlock()
    return ScreeningResult(results, out, run_id, counts, timings, tracking_error)
