"""How a command ends on SIGTERM: as it ends on Ctrl-C.

A batch system sends SIGTERM at a job's walltime or on ``scancel``; Python's default ends the
process at once, so no ``finally`` runs: an MLflow run stays RUNNING and the jobs of a Dask
cluster are not cancelled. :func:`sigterm_as_interrupt` raises :class:`Terminated` in the main
thread instead, which unwinds like ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["RESUME_HINT", "Terminated", "interruption", "sigterm_as_interrupt"]

#: What a user can do after an interrupted screening.
RESUME_HINT = "the finished batches are kept: rerun the same command to resume"


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
