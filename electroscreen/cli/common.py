"""What the commands share: stdout as a console, the interrupt handling of long commands."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer

from electroscreen.interrupts import Terminated, interruption, sigterm_as_interrupt
from electroscreen.report import log_console

#: Help of ``--tracking-uri`` where it names the store a run is recorded in.
TRACKING_URI_HELP = (
    "MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlflow.db)."
)


class _Out:
    """stdout as a rich Console made at print time: terminal width in a terminal, wide in a log."""

    def print(self, *objects, **kwargs) -> None:
        log_console().print(*objects, **kwargs)

    @property
    def width(self) -> int:
        """Columns the next print has (the terminal's, or the log width)."""
        return log_console().width


console = _Out()


@contextlib.contextmanager
def interruptible(log: object, hint: str) -> Iterator[None]:
    """Run a long command with SIGTERM as Ctrl-C; either ends it with exit 143 / 130 and
    ``hint``, also when the signal landed inside a compiled kernel (a SystemError)."""
    try:
        with sigterm_as_interrupt():
            yield
    except (KeyboardInterrupt, Terminated, SystemError) as exc:
        signal = interruption(exc)
        if signal is None:
            raise
        log.print(f"interrupted ({str(signal) or 'Ctrl-C'}): {hint}", highlight=False)
        raise typer.Exit(143 if isinstance(signal, Terminated) else 130) from None
