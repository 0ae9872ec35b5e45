"""Scale-out of the per-batch work with Dask: a local cluster of worker processes or an existing one.

``--workers N`` starts a :class:`distributed.LocalCluster` of ``N`` single-threaded worker
processes bound to 127.0.0.1, speaking TLS with temporary credentials (other users of the machine
cannot run code in them); ``--scheduler ADDRESS`` joins a running cluster (for example one
started by ``dask-jobqueue``'s ``SLURMCluster``, see the README). Workers load each model once per
process by URI, so the tracking store must be reachable from them (an ``http://`` MLflow server, or
a SQLite file on a shared file system).

Batches are submitted through a bounded window so a large pool never sits in the scheduler's memory
at once; results come back in completion order and are written by batch index, so the output does
not depend on which worker ran what.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

__all__ = ["check_count", "dask_client", "end_workers", "local_cluster_options", "map_batches"]

#: Environment of local worker processes. The nanny pins OMP/MKL/OpenBLAS to one thread but not
#: Numba, whose workqueue layer aborts when parallel kernels run concurrently in one process.
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Preload of local worker processes: they leave Ctrl-C to ``screen`` (no tracebacks of theirs).
WORKER_PRELOAD = ["electroscreen.screening.worker_setup"]
#: Seconds a local worker process is given to end at a normal close (:func:`end_workers`).
WORKER_END_S = 30.0


def local_cluster_options() -> dict[str, Any]:
    """Arguments of the :class:`distributed.LocalCluster` of ``--workers`` and ``--cluster local``
    (besides ``n_workers``): worker processes of one thread each, on 127.0.0.1, the dashboard too
    (else its HTTP server binds 0.0.0.0:8787), with :data:`WORKER_ENV` and :data:`WORKER_PRELOAD`.

    Loopback is not private on a shared machine: any user there can connect to a port on
    127.0.0.1 (``/proc/net/tcp`` lists them), and a Dask scheduler runs what its clients send. So
    the scheduler and workers speak TLS with temporary credentials (``security=True``:
    :meth:`distributed.Security.temporary`, needs ``cryptography``), which live in the memory of
    this process and its workers only; a client without them is refused.
    """
    return dict(
        threads_per_worker=1, processes=True, host="127.0.0.1", security=True,
        dashboard_address="127.0.0.1:0", env=dict(WORKER_ENV), preload=list(WORKER_PRELOAD),
    )  # fmt: skip


def check_count(option: str, value: int) -> None:
    """``ValueError`` naming the option unless ``value`` (workers, jobs) is at least 1."""
    if value < 1:
        raise ValueError(f"{option} must be >= 1, got {value}")


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client` on a new local cluster (``workers``) or at ``scheduler``.

    Parameters
    ----------
    workers : int, optional
        Start a LocalCluster with this many worker processes (one thread each) on 127.0.0.1, over
        TLS (:func:`local_cluster_options`).
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tls://10.0.0.5:8786``; a TLS scheduler's client
        credentials come from Dask's config (``distributed.comm.tls.*``, e.g. the environment
        variables ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE``, ``..._TLS__CLIENT__CERT``,
        ``..._TLS__CLIENT__KEY``).
    """
    from distributed import Client, LocalCluster

    if (workers is None) == (scheduler is None):
        raise ValueError("give exactly one of workers and scheduler")
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    check_count("--workers", workers)
    with LocalCluster(n_workers=workers, **local_cluster_options()) as cluster:
        with Client(cluster) as client:
            yield client
        end_workers(cluster)  # a normal end only: on an error or Ctrl-C the cluster kills them


def end_workers(cluster: Any, timeout: float = WORKER_END_S) -> None:
    """Close the worker processes of a local ``cluster``, each given ``0.8 * timeout`` s to end.

    Closing the cluster gives them 4 s, after which Dask kills them with a warning ("Worker
    process still alive after 4.0 seconds, killing"): a worker's interpreter teardown with
    torch and Numba loaded took about 3 s on a loaded 2-core machine, more at times. Called
    after the client has closed, before the cluster closes (which then finds them closed).
    """
    import asyncio

    async def close() -> None:
        nannies = list(cluster.workers.values())
        await asyncio.gather(*(nanny.close(timeout=timeout) for nanny in nannies))

    cluster.sync(close)


def map_batches(
    client: Any,
    function: Callable[..., pd.DataFrame],
    batches: Iterable[Any],
    *args: Any,
    window: int | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Run ``function(batch, *args)`` on the cluster; yield ``(batch.index, frame)`` as they finish.

    At most ``window`` batches are in flight at once; by default 2 per worker thread (at least 4),
    counted again whenever a batch finishes, so that workers joining after the start (batch-system
    jobs leaving the queue, ``cluster.adapt``) get batches too. A failing task raises here with the
    worker's exception. The arguments (configs, model URIs: small) travel with each task, not
    scattered beforehand: a scatter needs a worker at once (batch-system jobs are still queued) and
    loses its data with the workers that hold it (a job at its walltime), so the batches of a lost
    worker are rerun on the next one.
    """
    from distributed import as_completed

    def limit() -> int:
        if window is not None:
            return window
        return max(4, 2 * (sum(client.nthreads().values()) or 1))

    token = uuid.uuid4().hex[:12]
    pending = iter(batches)
    queue = as_completed()
    index_of: dict[str, int] = {}

    def top_up() -> None:
        room = limit() - queue.count()
        while room > 0:
            batch = next(pending, None)
            if batch is None:  # an exhausted iterator keeps answering None
                return
            future = client.submit(function, batch, *args, key=f"screen-{token}-{batch.index}")
            index_of[future.key] = batch.index
            queue.add(future)
            room -= 1

    top_up()
    for future in queue:
        frame = future.result()
        index = index_of.pop(future.key)
        future.release()
        yield index, frame
        top_up()
