"""How a command ends on SIGTERM: as it ends on Ctrl-C.

A batch system sends SIGTERM at a job's walltime or on ``scancel``; Python's default ends the
process at once, so no ``finally`` runs: an MLflow run stays RUNNING and the jobs of a Dask
cluster are not cancelled. :func:`sigterm_as_interrupt` raises :class:`Terminated` in the main
thread instead, which unwinds like ``KeyboardInterrupt``.

``scancel``, ``timeout`` and Ctrl-C signal the whole process group. :func:`leave_signals_to_parent`
keeps worker processes (joblib's loky workers) out of it: the main process stops them as it unwinds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator

__all__ = [
    "RESUME_HINT",
    "Terminated",
    "interruption",
    "leave_signals_to_parent",
    "sigterm_as_interrupt",
]

#: What a user can do after an interrupted screening.
RESUME_HINT = "the finished batches are kept: rerun the same command to resume"
#: How often a worker process that leaves the signals to its parent checks that the parent lives.
ORPHAN_POLL_S = 0.2


class Terminated(BaseException):
    """SIGTERM, raised in the main thread (a BaseException, as KeyboardInterrupt: no ``except
    Exception`` on the way swallows it)."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; the previous handler afterwards."""

    def terminate(signum: int, frame: object) -> None:
        raise Terminated("SIGTERM")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def leave_signals_to_parent(parent: int) -> None:
    """Initializer of a worker process: SIGTERM and SIGINT are for its parent ``parent`` (a pid).

    A batch system and Ctrl-C signal the whole process group. joblib's loky workers died of it; one
    killed while it wrote a fitted tree back left half a message in the result pipe, whose write
    end the main process also holds, so loky's manager thread waited for the rest for ever and the
    main process, shutting the pool down as it unwound, waited for that thread: ``train`` hung with
    its MLflow run RUNNING. A worker that ignores the signals is killed by loky once the main
    process aborts, after the manager thread has stopped reading; a worker whose parent died
    without shutting it down (no handler, SIGKILL) ends within :data:`ORPHAN_POLL_S`.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch = threading.Thread(
        target=_exit_when_orphaned, args=(parent,), name="orphan-watch", daemon=True
    )
    watch.start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_S)
    os._exit(128 + signal.SIGTERM)  # as the signal it ignored would have ended it


def interruption(exc: BaseException) -> KeyboardInterrupt | Terminated | None:
    """The Ctrl-C or SIGTERM behind ``exc``, if any: the exception itself, or one it was raised
    from or during. A signal that lands inside a compiled kernel (Numba, NumPy) surfaces as
    ``SystemError: ... returned a result with an exception set`` whose context is the interrupt."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt | Terminated):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
