"""Submitting a dask-jobqueue cluster's batch jobs: failures seen at once, credentials removed.

dask-jobqueue submits the jobs in a background task of its event loop when the cluster is scaled;
a refused submission (``sbatch: error: ... Invalid account or account/partition combination``,
no ``sbatch`` on PATH) only ends that task, with a traceback in the log, and the screening waits
for workers that never come. :class:`Submissions` gives the cluster a job class that reports
each submission's outcome, waits for the ``N`` outcomes (the submit commands returning, not the
jobs leaving the queue: a queued job is waited for however long it queues) and raises
:class:`SubmissionError` quoting the command's message if one failed.

The jobs' temporary TLS credentials (a private key among them) go into a new folder of mode 0700
in the shared folder (:func:`credentials_folder`), removed with its files when the screening
ends, however it ends (dask-jobqueue leaves them behind).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "SubmissionError",
    "Submissions",
    "check_submit_command",
    "close_credentials",
    "credentials_folder",
]

#: Seconds between checks that the cluster still lives while the submit commands run.
_POLL_S = 0.5


class SubmissionError(RuntimeError):
    """A batch job could not be submitted: the submit command is missing or refused the job."""


def _program(job_cls: Any) -> str:
    """The submit command's program (``sbatch``, ``qsub``, ``bsub``)."""
    return shlex.split(job_cls.submit_command)[0]


def check_submit_command(kind: str, job_cls: Any) -> None:
    """:class:`SubmissionError` unless ``job_cls``'s submit command (e.g. ``sbatch``) is on PATH.

    Parameters
    ----------
    kind : str
        The ``--cluster`` value, named in the message.
    job_cls : type
        The dask-jobqueue job class (``SLURMCluster.job_cls``...).
    """
    program = _program(job_cls)
    if shutil.which(program) is None:
        raise SubmissionError(
            f"--cluster {kind} submits its jobs with `{program}`, which is not on PATH: run "
            f"`screen` where the batch system's commands work (a login node, or a job), or load "
            "the module that provides them"
        )


class _Reported(logging.Filter):
    """Drops the log records of the exceptions in ``errors`` (reported as SubmissionError)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[BaseException] = []

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not any(error is known for known in self.errors)


#: Where the event loop logs the failed submission task (tornado's callback, asyncio's GC).
_LOOP_LOGGERS = ("tornado.application", "asyncio")


class Submissions:
    """The outcomes of a cluster's job submissions.

    Parameters
    ----------
    kind : str
        The ``--cluster`` value, named in the messages.
    job_cls : type
        dask-jobqueue's job class (``SLURMCluster.job_cls``...).

    Attributes
    ----------
    job_cls : type
        A subclass of ``job_cls`` to give the cluster: each job puts its submission's outcome
        (``None``, or the submit command's exception) on a queue, and a failed job is marked
        ``failed`` so that the cluster can still be closed.
    """

    def __init__(self, kind: str, job_cls: Any) -> None:
        from distributed.core import Status

        self.kind = kind
        self.program = _program(job_cls)
        self._outcomes: queue.SimpleQueue = queue.SimpleQueue()
        self._reported = _Reported()
        outcomes, reported = self._outcomes, self._reported

        class ReportedJob(job_cls):
            async def start(self) -> None:
                try:
                    await super().start()
                except Exception as exc:
                    self.status = Status.failed
                    reported.errors.append(exc)  # before the loop logs it
                    outcomes.put(exc)
                    raise
                outcomes.put(None)

        ReportedJob.__name__ = ReportedJob.__qualname__ = job_cls.__name__
        self.job_cls = ReportedJob

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Within the block, the event loop does not log the tracebacks of failed submissions
        (:meth:`wait` raises their message instead); other errors are logged as before."""
        for name in _LOOP_LOGGERS:
            logging.getLogger(name).addFilter(self._reported)
        try:
            yield
        finally:
            for name in _LOOP_LOGGERS:
                logging.getLogger(name).removeFilter(self._reported)

    def wait(self, jobs: int, cluster: Any) -> None:
        """Wait until the ``jobs`` submit commands have returned; raise if one failed.

        Only the submissions are waited for: a job that was accepted and waits in the queue is
        fine, however long it waits.

        Raises
        ------
        SubmissionError
            A submit command failed (its message, in one line), or the cluster stopped before
            all of them returned.
        """
        errors: list[BaseException] = []
        for _ in range(jobs):
            while True:
                try:
                    outcome = self._outcomes.get(timeout=_POLL_S)
                    break
                except queue.Empty:
                    if cluster.status.name in ("closing", "closed", "failed"):
                        raise SubmissionError(
                            f"--cluster {self.kind}: the cluster stopped before its jobs were "
                            "submitted"
                        ) from None
            if outcome is not None:
                errors.append(outcome)
        if errors:
            raise SubmissionError(
                f"--cluster {self.kind}: `{self.program}` refused {len(errors)} of {jobs} jobs: "
                f"{_command_message(errors[0])}; check queue, account, memory, walltime... in "
                "--cluster-config"
            )


def _command_message(exc: BaseException) -> str:
    """The submit command's exit code and stderr (else stdout, else the error), one line."""
    text = str(exc)
    streams = re.search(r"stdout:\n(?P<out>.*?)\nstderr:\n(?P<err>.*)\Z", text, re.S)
    code = re.search(r"Exit code: (-?\d+)", text)
    if streams:
        text = streams["err"] if streams["err"].strip() else streams["out"]
    if isinstance(exc, FileNotFoundError):
        text = f"{exc.strerror}: {exc.filename}"
    line = "; ".join(part.strip() for part in text.splitlines() if part.strip())
    line = line or type(exc).__name__
    return f"{line} (exit {code[1]})" if code else line


@contextmanager
def credentials_folder(shared: str | None) -> Iterator[str]:
    """A new folder (mode 0700) in ``shared`` for the jobs' TLS credentials, removed at the end.

    Parameters
    ----------
    shared : str, optional
        The folder the jobs see (dask-jobqueue's ``shared_temp_directory``; default the current
        folder). ``~`` and ``$VARS`` are expanded here, on the machine that runs ``screen``.

    Yields
    ------
    str
        The absolute path to pass on as ``shared_temp_directory``; the job script holds it as
        one quoted, literal argument (:func:`~electroscreen.screening.job_script.quoted_job_class`),
        never expanded again by the job's shell.
    """
    shared = shared or os.getcwd()
    local = tempfile.mkdtemp(
        prefix=".electroscreen-tls-", dir=os.path.expanduser(os.path.expandvars(shared))
    )
    try:
        yield os.path.abspath(local)
    finally:
        shutil.rmtree(local, ignore_errors=True)


def close_credentials(cluster: Any, folder: str) -> None:
    """Close (and so delete) the credential files ``cluster`` keeps open in ``folder``.

    dask-jobqueue holds them as temporary files that are deleted when closed; closed here, they
    are not closed again, with a warning, after :func:`credentials_folder` has removed them.
    """
    folder = os.path.abspath(os.path.expanduser(os.path.expandvars(folder)))
    for value in list(vars(cluster).values()):
        name = getattr(value, "name", None)
        if not (isinstance(name, str) and hasattr(value, "close")):
            continue
        if os.path.dirname(os.path.abspath(name)) == folder:
            try:
                value.close()
            except OSError:
                pass
