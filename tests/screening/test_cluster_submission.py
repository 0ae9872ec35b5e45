"""``screen --cluster slurm`` with stand-in ``sbatch``/``scancel`` scripts: a refused or impossible
submission ends the screening at once, queued jobs are waited for, credentials do not outlive the
run, Ctrl-C stays Ctrl-C, and local workers end quietly."""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import logging
import os
import signal
import stat
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.screening.cluster import check_submit_tools, cluster_client
from electroscreen.screening.distributed import dask_client

pytest.importorskip("dask_jobqueue", reason="pip install 'electroscreen[cluster]'")

#: What SLURM's sbatch says for a mistyped account or partition.
REFUSAL = "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"  # noqa: E501


@contextmanager
def _deadline(seconds: int):
    """Fail instead of hanging: the bug was a screening that waited for ever."""

    def hung(signum, frame):
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _logged(*names: str):
    """The records these loggers emit within the block (Dask's own handlers write to the
    stderr of the session's start, which no fixture captures)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    for name in names:
        logging.getLogger(name).addHandler(handler)
    try:
        yield records
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(handler)


def _stand_ins(folder: Path, monkeypatch, *, refuse: bool) -> Path:
    """Put stand-in ``sbatch`` and ``scancel`` first on PATH; return the file logging their calls.

    The ``sbatch`` either refuses as SLURM does for a bad account, or accepts every job (id 4242)
    and runs nothing: the job waits in the queue for ever.
    """
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    calls = folder / "calls.log"
    submit = f"echo '{REFUSAL}' >&2\nexit 1" if refuse else "echo 'Submitted batch job 4242'"
    scripts = {
        "sbatch": f'#!/bin/sh\necho "sbatch $*" >> {calls}\n{submit}\n',
        "scancel": f'#!/bin/sh\necho "scancel $*" >> {calls}\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return calls


def _credential_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if "tls" in p.name or "dask-jobqueue" in p.name]


def test_a_refused_submission_ends_the_screening_with_sbatch_message(
    model_store, formula_pool, tmp_path, monkeypatch
):
    """A wrong account waited for ever: dask-jobqueue tracebacks, no exit, no ``error:`` line."""
    calls = _stand_ins(tmp_path, monkeypatch, refuse=True)
    config = tmp_path / "slurm.yaml"
    config.write_text(
        yaml.safe_dump({"account": "typo", "cores": 1, "memory": "1GB", "interface": "lo"})
    )
    out = tmp_path / "out"
    with _deadline(120), _logged("tornado.application", "asyncio") as loop_log:
        result = CliRunner().invoke(
            app, ["screen", str(formula_pool), "--out", str(out), "--cluster", "slurm", "--jobs",
                  "2", "--cluster-config", str(config), "--tracking-uri", model_store.uri],
        )  # fmt: skip
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "`sbatch` refused 2 of 2 jobs" in errors[0]
    assert f"{REFUSAL} (exit 1)" in errors[0]
    assert not [r for r in loop_log if r.exc_info]  # the event loop's traceback of it: not logged
    assert calls.read_text().count("sbatch ") == 2 and "scancel" not in calls.read_text()
    run_id = json.loads((out / "state.json").read_text())["run_id"]
    run = MlflowClient(model_store.uri).get_run(run_id)
    assert run.info.status == "FAILED"
    assert REFUSAL in run.data.tags["electroscreen.error"]
    assert _credential_files(out) == []


def test_no_sbatch_is_said_before_anything_is_written(formula_pool, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no batch system here
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["screen", str(formula_pool), "--out", str(out), "--cluster", "slurm",
              "--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "`sbatch`, which is not on PATH" in result.stderr
    assert not out.exists() and not (tmp_path / "m.db").exists()


@pytest.mark.parametrize("interrupted", [False, True])
def test_queued_jobs_are_waited_for_then_cancelled_and_their_credentials_deleted(
    tmp_path, monkeypatch, interrupted
):
    """A job waiting in the queue is no failure; the private keys piled up in ``--out``."""
    calls = _stand_ins(tmp_path, monkeypatch, refuse=False)
    shared = tmp_path / "shared"
    shared.mkdir()
    options = {"cores": 1, "memory": "1GB", "interface": "lo", "shared_temp_directory": str(shared)}
    scripts: list[str] = []
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    try:
        with _deadline(60), cluster_client("slurm", 2, options, log=scripts.append) as client:
            assert client.scheduler_info()["workers"] == {}  # both jobs queued: no worker yet
            (folder,) = shared.iterdir()
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            names = sorted(p.name.split(".")[3] for p in folder.iterdir())
            assert names == ["ca_file", "cert", "key"]
            assert f"--tls-key {folder}" in scripts[0]
            if interrupted:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        assert interrupted
    gc.collect()  # dask-jobqueue's handles of the removed files were closed, not left to fail
    assert unraisable == []
    assert list(shared.iterdir()) == []
    assert calls.read_text().count("scancel 4242") == 2


def test_importing_dask_jobqueue_leaves_ctrl_c_a_keyboard_interrupt(tmp_path, monkeypatch):
    """Its import set SIGINT to ``sys.exit()``: Ctrl-C ended ``screen`` with an empty
    ``SystemExit``, no ``interrupted`` line, and the MLflow run failed with ``SystemExit: ``."""
    import dask_jobqueue.runner

    _stand_ins(tmp_path, monkeypatch, refuse=False)
    previous = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        importlib.reload(dask_jobqueue.runner)  # what its first import does
        assert signal.getsignal(signal.SIGINT).__module__ == "dask_jobqueue.runner"
        check_submit_tools("slurm")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_local_workers_leave_ctrl_c_to_screen_and_may_end_slowly():
    """Ctrl-C reached the workers too (~80 lines of their tracebacks), and a worker whose
    teardown took over 4 s was killed with a warning at a normal end."""
    with _deadline(90), _logged("distributed.nanny") as nanny_log, dask_client(workers=1) as client:
        # lambdas travel by value: a function of this module would import it, and with it
        # dask_jobqueue, whose import sets SIGINT again (in the worker)
        ((pid, ignored),) = client.run(
            lambda: (os.getpid(), signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
        ).values()
        assert ignored
        os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        assert list(client.run(os.getpid).values()) == [pid]  # the same process, alive
        client.run(lambda: atexit.register(time.sleep, 6) and None)  # a teardown over 4 s
    assert not [r for r in nanny_log if r.levelno >= logging.WARNING], nanny_log
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
