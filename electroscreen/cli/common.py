"""What the commands share: stdout as a console, the interrupt handling of long commands, and
expected conditions printed as one ``warning:`` line."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import typer

from electroscreen.interrupts import Terminated, interruption, sigterm_as_interrupt
from electroscreen.notices import NoticeWarning
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


@contextlib.contextmanager
def notices_as_lines(log: object) -> Iterator[None]:
    """Inside the block, print each :class:`~electroscreen.notices.NoticeWarning` as it is raised,
    as one ``warning: <message>`` line of ``log`` (no category, no source line), every time; other
    warnings are shown as Python shows them. The warning filters are restored on leaving.
    """
    show = warnings.showwarning

    def notice(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, NoticeWarning):
            log.print(f"warning: {message}", markup=False, highlight=False)
        else:
            show(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", NoticeWarning)  # once per condition: the code says it once
        warnings.showwarning = notice
        yield
