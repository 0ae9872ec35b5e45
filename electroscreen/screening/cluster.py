"""Batch schedulers through dask-jobqueue: ``screen --cluster slurm --jobs N --cluster-config FILE``.

The cluster is created in the process that runs ``screen`` (a login node, or a small long-walltime
job): dask-jobqueue starts the Dask scheduler there and submits ``N`` batch jobs, each running Dask
workers that connect back to it. ``screen`` then runs its batches on them exactly as with
``--scheduler`` and closes the cluster (cancelling the jobs) when it is done or fails.

``--cluster-config`` is a YAML mapping of the cluster class's keyword arguments, e.g. for SLURM::

    queue: cpu                 # partition (#SBATCH -p)
    account: my-project        # #SBATCH -A
    cores: 32                  # cores per job
    processes: 32              # worker processes per job (one thread each)
    memory: 120GB
    walltime: "04:00:00"
    interface: ib0             # network between workers and the scheduler (site-specific)
    job_script_prologue:
      - source /path/to/electroscreen/.venv/bin/activate
      - export ELECTROSCREEN_DATA=/shared/electroscreen-data

``processes`` defaults to ``cores`` and ``export NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1
MKL_NUM_THREADS=1`` is added to the prologue, so each worker is one single-threaded process (what
the Numba kernels need when several run on one node). ``local`` makes a
:class:`distributed.LocalCluster` of ``N`` worker processes from the same path (its config file, if
any, gives LocalCluster's arguments): the code that runs on a real scheduler is tested on it.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from electroscreen.experiments.config_files import ConfigError, NotAMappingError, read_mapping
from electroscreen.screening.distributed import (
    WORKER_ENV,
    check_count,
    end_workers,
    local_cluster_options,
)
from electroscreen.screening.job_script import check_cluster_values, quoted_job_class
from electroscreen.screening.job_submission import (
    SubmissionError,
    Submissions,
    check_submit_command,
    close_credentials,
    credentials_folder,
)

__all__ = [
    "CLUSTER_KINDS",
    "SubmissionError",
    "check_cluster_kind",
    "check_submit_tools",
    "cluster_client",
    "load_cluster_config",
    "make_cluster",
]

#: ``--cluster`` values and the dask-jobqueue class each one creates.
CLUSTER_KINDS = {
    "slurm": "SLURMCluster",
    "pbs": "PBSCluster",
    "sge": "SGECluster",
    "lsf": "LSFCluster",
    "local": "LocalCluster",
}
_INSTALL_HINT = "pip install 'electroscreen[cluster]' (or pip install dask-jobqueue)"


def load_cluster_config(config: str | Path | Mapping[str, Any] | None) -> dict[str, Any]:
    """The cluster class's keyword arguments: a YAML file's mapping, or a mapping as given (the
    Python API); empty without either.

    Raises
    ------
    ConfigError
        The file is missing, not YAML (a ``!!python`` tag: ``safe_load`` refuses it), or not a
        mapping; a text value holds a line break or NUL
        (:func:`~electroscreen.screening.job_script.check_cluster_values`).
    """
    if config is None:
        return {}
    if isinstance(config, Mapping):
        options, where = dict(config), "cluster_config"
    else:
        try:
            options, where = read_mapping(config), str(config)
        except NotAMappingError:
            raise ConfigError(
                f"{config}: the cluster config must be a mapping of keyword arguments"
            ) from None
    check_cluster_values(options, where)
    return options


def _worker_exports(prologue: list[str]) -> list[str]:
    export = "export " + " ".join(f"{k}={v}" for k, v in WORKER_ENV.items())
    return [export, *prologue]


def check_cluster_kind(kind: str) -> None:
    """``ValueError`` unless ``kind`` is one of :data:`CLUSTER_KINDS`."""
    if kind not in CLUSTER_KINDS:
        raise ValueError(f"--cluster must be one of {', '.join(CLUSTER_KINDS)}, got {kind!r}")


def make_cluster(kind: str, options: dict[str, Any] | None = None) -> Any:
    """Create (not scale) a Dask cluster of kind ``kind`` with ``options``.

    Parameters
    ----------
    kind : {"slurm", "pbs", "sge", "lsf", "local"}
    options : dict, optional
        Keyword arguments of the class (``queue``, ``account``, ``cores``, ``memory``,
        ``walltime``, ``job_script_prologue``, ``job_extra_directives``, ...).

    Returns
    -------
    dask_jobqueue.JobQueueCluster or distributed.LocalCluster
        ``cluster.job_script()`` shows what a jobqueue cluster submits.

    Raises
    ------
    ValueError
        Unknown kind, or dask-jobqueue missing for a scheduler kind.
    """
    options = dict(options or {})
    check_cluster_kind(kind)
    if kind == "local":
        from distributed import LocalCluster

        return LocalCluster(**{"n_workers": 0, **local_cluster_options(), **options})
    cluster_class = _jobqueue_class(kind)
    # the paths `screen` builds (credentials in --out, this Python) are quoted in the job script
    options["job_cls"] = quoted_job_class(options.get("job_cls") or cluster_class.job_cls)
    options.setdefault("processes", options.get("cores", 1))
    options["job_script_prologue"] = _worker_exports(list(options.get("job_script_prologue", [])))
    # the scheduler must be reachable from the compute nodes, so it listens on the network: TLS
    # with temporary credentials (in shared_temp_directory, which the jobs must see: `screen`
    # passes --out, else the current folder) keeps anyone else who reaches the login node from
    # running code in the jobs; the dashboard stays on loopback (an SSH tunnel reaches it)
    security = options.pop("security", True)  # false/null: plain TCP (dask-jobqueue wants None)
    options["security"] = None if security in (False, None) else security
    options.setdefault("scheduler_options", {}).setdefault("dashboard_address", "127.0.0.1:0")
    return cluster_class(**options)


def _jobqueue_class(kind: str) -> Any:
    """dask-jobqueue's cluster class of ``kind`` (``ValueError`` without dask-jobqueue).

    Importing dask-jobqueue makes Ctrl-C call ``sys.exit()`` (its ``runner`` module sets that
    SIGINT handler): ``screen`` then ended with an empty ``SystemExit``, no ``interrupted`` line
    and an MLflow run failed with ``SystemExit: ``. The handler from before is put back.
    """
    before = signal.getsignal(signal.SIGINT)
    try:
        import dask_jobqueue
    except ImportError:
        raise ValueError(f"--cluster {kind} needs dask-jobqueue: {_INSTALL_HINT}") from None
    if _is_jobqueue_handler(signal.getsignal(signal.SIGINT)):
        if before is None or _is_jobqueue_handler(before):
            before = signal.default_int_handler
        with suppress(ValueError):  # not the main thread: signal handlers cannot be set
            signal.signal(signal.SIGINT, before)
    return getattr(dask_jobqueue, CLUSTER_KINDS[kind])


def _is_jobqueue_handler(handler: Any) -> bool:
    return getattr(handler, "__module__", None) == "dask_jobqueue.runner"


def check_submit_tools(kind: str) -> None:
    """Refuse ``kind`` if its batch system cannot be used from here, before anything starts.

    Raises
    ------
    ValueError
        Unknown kind, or dask-jobqueue missing.
    SubmissionError
        The submit command (``sbatch``, ``qsub``, ``bsub``) is not on PATH.
    """
    check_cluster_kind(kind)
    if kind != "local":
        check_submit_command(kind, _jobqueue_class(kind).job_cls)


@contextmanager
def cluster_client(
    kind: str,
    jobs: int,
    options: dict[str, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> Iterator[Any]:
    """A :class:`distributed.Client` on a new cluster scaled to ``jobs`` jobs; closed on exit.

    For ``local``, ``jobs`` is the number of worker processes. For a batch system the block starts
    once the ``jobs`` submit commands have returned (not when the jobs leave the queue). When
    the block ends, normally or by an exception, the client is closed, then the cluster (which
    cancels its batch jobs), and the jobs' TLS credentials are deleted. ``log`` receives the job
    script that is submitted (jobqueue kinds).

    Raises
    ------
    SubmissionError
        The submit command is missing, or refused a job (its message, in one line).
    """
    from distributed import Client

    check_count("--jobs", jobs)
    options = dict(options or {})
    if kind == "local":
        with make_cluster(kind, options) as cluster:
            cluster.scale(jobs)
            with Client(cluster) as client:
                yield client
            end_workers(cluster)  # a normal end only: on an error the cluster kills them
        return
    check_submit_tools(kind)
    submissions = Submissions(kind, _jobqueue_class(kind).job_cls)
    shared = options.get("shared_temp_directory")
    with credentials_folder(shared) as folder, submissions.quiet():
        options.update(shared_temp_directory=folder, job_cls=submissions.job_cls)
        cluster = make_cluster(kind, options)
        try:
            with cluster:
                if log is not None:
                    log(f"{kind}: {jobs} jobs of this script:\n{cluster.job_script()}")
                cluster.scale(jobs=jobs)
                submissions.wait(jobs, cluster)
                with Client(cluster) as client:
                    yield client
        finally:
            close_credentials(cluster, folder)
