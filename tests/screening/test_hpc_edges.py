"""What a batch-system user meets: SIGTERM, file systems without locks, bad values caught before
anything is written, a relative SQLite store handed to workers."""

from __future__ import annotations

import errno
import os
import signal
import time

import pytest

from electroscreen.experiments.tracking import resolve_tracking_uri
from electroscreen.interrupts import Terminated, sigterm_as_interrupt
from electroscreen.screening.checkpoint import BatchStore, CheckpointLockedError
from electroscreen.screening.runner import ScreeningError, screen


def test_sigterm_unwinds_like_ctrl_c_inside_the_block_only():
    """SLURM's walltime signal ended the process at once: no finally, the MLflow run stayed
    RUNNING and the cluster's jobs were not cancelled."""
    before = signal.getsignal(signal.SIGTERM)
    unwound = []
    with pytest.raises(Terminated), sigterm_as_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this returns
        finally:
            unwound.append(True)
    assert unwound == [True]
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_file_system_without_locks_is_not_blamed_on_another_run(tmp_path, monkeypatch):
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(CheckpointLockedError, match="cannot lock files"):
        BatchStore(tmp_path / "out").lock()


def test_another_screening_holding_the_folder_is_named_with_its_host(tmp_path):
    first = BatchStore(tmp_path / "out")
    first.lock()
    try:
        with pytest.raises(
            CheckpointLockedError, match=r"in use by another screening \(pid \d+ on "
        ):
            BatchStore(tmp_path / "out").lock()
    finally:
        first.unlock()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workers": 0}, "--workers must be >= 1"),
        ({"cluster": "condor"}, "--cluster must be one of"),
        ({"cluster": "local", "jobs": 0}, "--jobs must be >= 1"),
    ],
)
def test_bad_scale_out_values_stop_before_the_output_folder_exists(tmp_path, options, message):
    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\n")
    out = tmp_path / "out"
    with pytest.raises(ScreeningError, match=message):
        screen([tmp_path / "pool.csv"], out, track=False, progress=False, **options)
    assert not out.exists()


def test_a_relative_sqlite_store_is_made_absolute_once(tmp_path, monkeypatch):
    """Workers started elsewhere opened (and created) another, empty store."""
    monkeypatch.chdir(tmp_path)
    assert (
        resolve_tracking_uri("sqlite:///runs/mlflow.db") == f"sqlite:///{tmp_path}/runs/mlflow.db"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
    assert resolve_tracking_uri() == f"sqlite:///{tmp_path}/mlflow.db"
    for kept in ("sqlite:////abs/m.db", "http://127.0.0.1:5000", "sqlite:///:memory:"):
        assert resolve_tracking_uri(kept) == kept


def _interrupted_inside_a_kernel(signal_class):
    """What a signal that lands inside a compiled kernel looks like to Python."""
    try:
        raise signal_class()
    except BaseException:  # noqa: BLE001
        raise SystemError("<built-in function f> returned a result with an exception set")  # noqa: B904 - as C code sets it: the context only


@pytest.mark.parametrize(("signal_class", "code"), [(KeyboardInterrupt, 130), (Terminated, 143)])
def test_an_interrupt_inside_a_kernel_ends_as_an_interrupt(
    tmp_path, monkeypatch, signal_class, code
):
    """Ctrl-C or SIGTERM landing in a Numba kernel came out as SystemError: a traceback, exit 1
    and no resume hint, half the time (a batch system read a crash)."""
    from typer.testing import CliRunner

    import electroscreen.screening.runner as runner
    from electroscreen.cli import app
    from electroscreen.interrupts import interruption

    def screen(*args, **kwargs):
        _interrupted_inside_a_kernel(signal_class)

    monkeypatch.setattr(runner, "screen", screen)
    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\n")
    result = CliRunner().invoke(
        app, ["screen", str(tmp_path / "pool.csv"), "--out", str(tmp_path / "out"), "--no-track"]
    )
    assert result.exit_code == code, result.output
    assert "interrupted (" in result.output and "rerun the same command" in result.output
    assert "interrupted ()" not in result.output
    with pytest.raises(SystemError) as caught:
        _interrupted_inside_a_kernel(signal_class)
    assert isinstance(interruption(caught.value), signal_class)
    assert interruption(SystemError("a real one")) is None


def test_a_terminated_training_ends_its_mlflow_run(tmp_path, monkeypatch):
    """SIGTERM (a walltime, scancel) ended ``train`` at once: its MLflow run stayed RUNNING."""
    import mlflow
    from mlflow.tracking import MlflowClient
    from typer.testing import CliRunner

    import electroscreen.experiments.train as train
    from electroscreen.cli import app

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def run_training(*args, **kwargs):
        mlflow.set_tracking_uri(uri)
        with mlflow.start_run(run_name="walltime"):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this returns

    monkeypatch.setattr(train, "run_training", run_training)
    config = tmp_path / "c.yaml"
    config.write_text(
        "task: conductivity\nfeaturizers: [magpie]\nevaluation: {schemes: []}\n"
        "registered_model_name: walltime\n"
    )
    result = CliRunner().invoke(app, ["train", "--config", str(config), "--tracking-uri", uri])
    assert result.exit_code == 143, result.output
    assert "interrupted (SIGTERM): no model registered" in result.output
    (run,) = MlflowClient(uri).search_runs(experiment_ids=["0"])
    assert run.info.status in {"FAILED", "KILLED"}
