"""Progress of a screening's batches: a bar on a terminal, a plain line per ~10% in a log."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["batch_progress", "is_terminal"]


def is_terminal(stream: object) -> bool:
    """True when ``stream`` is an interactive terminal (False for a file, a pipe or a closed stream)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def batch_progress(
    enabled: bool, total: int | None, done: int, say: Callable[[str], None]
) -> tuple[AbstractContextManager, Callable[[], None]]:
    """A progress bar on a terminal; in a log (stderr not a terminal), a plain line per ~10%."""
    import sys
    from contextlib import nullcontext

    if not enabled:
        return nullcontext(), lambda: None
    if not is_terminal(sys.stderr):
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
