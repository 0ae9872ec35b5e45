"""Preload of the local Dask worker processes (``--workers``, ``--cluster local``): Ctrl-C is for
``screen``.

Ctrl-C (and ``timeout -s INT``) signals the whole process group, so each worker process of a
:class:`distributed.LocalCluster` raised ``KeyboardInterrupt`` too and printed some 40 lines of
``CancelledError`` / ``KeyboardInterrupt`` traceback before ``screen`` printed its ``interrupted``
line. The workers ignore SIGINT instead: ``screen`` closes the cluster as it unwinds, which stops
them (SIGTERM is left alone: multiprocessing ends stray children with it at exit). Closing a worker
that is running a batch cancels it, which Dask logs as a warning per batch ("Async instruction ...
ended with CancelledError", which its source says happens only in ``Worker.close``): that one
message is dropped, every other warning and error of the workers is logged as before.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

__all__ = ["dask_setup"]


class _NotCancelledAtClose(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.startswith("Async instruction for ")
            and message.endswith("ended with CancelledError")
        )


def dask_setup(worker: Any) -> None:
    """Called by Dask in each worker process as it starts (the ``preload`` of its nanny)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed.worker.state_machine").addFilter(_NotCancelledAtClose())
