"""``electroscreen ui``: the ``mlflow server`` argv (the server itself starts in test_mlflow_server)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.experiments.ui import ui_command


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_defaults_serve_the_cwd_store_on_loopback(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    argv = ui_command()
    assert argv[:4] == [sys.executable, "-m", "mlflow", "server"]
    assert _option(argv, "--host") == "127.0.0.1"
    assert _option(argv, "--port") == "5000"
    assert _option(argv, "--backend-store-uri") == f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}"
    # runs logged without a server keep artifacts in ./mlruns beside the database
    assert _option(argv, "--artifacts-destination") == str(tmp_path.resolve() / "mlruns")
    assert "--workers" not in argv


def test_the_environment_store_and_options_are_used(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/runs/store.db")
    argv = ui_command(port=5123, workers=1)
    assert _option(argv, "--backend-store-uri") == f"sqlite:///{tmp_path}/runs/store.db"
    assert _option(argv, "--artifacts-destination") == str(tmp_path / "runs" / "mlruns")
    assert _option(argv, "--port") == "5123" and _option(argv, "--workers") == "1"
    explicit = ui_command("postgresql://u@db/mlflow", host="0.0.0.0", allow_remote=True)
    assert _option(explicit, "--host") == "0.0.0.0"
    assert "--artifacts-destination" not in explicit  # MLflow's own default for other stores


@pytest.mark.parametrize("uri", ["http://127.0.0.1:5000", "https://mlflow.example.org"])
def test_a_server_uri_is_refused(uri):
    with pytest.raises(ValueError, match="already a tracking server"):
        ui_command(uri)


def test_a_bad_port_is_refused():
    with pytest.raises(ValueError, match="port must be in 1..65535"):
        ui_command("sqlite:///x.db", port=70000)


_REAL_POPEN = subprocess.Popen


def _fake_popen(calls: list[list[str]]):
    """A Popen that records the argv and runs a harmless child instead of MLflow."""

    def fake(argv, **kwargs):
        calls.append(argv)
        return _REAL_POPEN([sys.executable, "-c", "pass"], **kwargs)

    return fake


def test_cli_runs_the_server_bound_to_loopback(tmp_path, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", _fake_popen(calls))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--port", "5055"])
    assert result.exit_code == 0, result.output
    [argv] = calls
    assert _option(argv, "--host") == "127.0.0.1"
    assert _option(argv, "--port") == "5055"
    assert _option(argv, "--backend-store-uri") == uri
    assert "http://127.0.0.1:5055" in result.output


def test_a_new_sqlite_store_is_made_under_the_lock_before_the_server_starts(tmp_path, monkeypatch):
    """``ui`` on a new SQLite file left its creation to MLflow's server (and each of its workers),
    without the lock ``train``, ``screen`` and the other paths take on a new store
    (``sqlite_store.open_sqlite_store``): two processes building one new file break it."""
    from electroscreen.experiments.sqlite_store import _schema_current

    db = tmp_path / "new" / "mlflow.db"
    db.parent.mkdir()
    whole_at_start: list[bool] = []

    def fake(argv, **kwargs):
        whole_at_start.append(_schema_current(db))
        return _REAL_POPEN([sys.executable, "-c", "pass"], **kwargs)

    monkeypatch.setattr(subprocess, "Popen", fake)
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert whole_at_start == [True]
    assert (db.parent / "mlflow.db.lock").is_file()  # made by the locked path


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.7", "example.org", "::"])
def test_a_remote_host_needs_allow_remote_and_gets_a_warning(tmp_path, monkeypatch, host):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(ValueError, match="allow-remote"):
        ui_command(uri, host=host)
    monkeypatch.setattr(subprocess, "Popen", pytest.fail)  # must not start anything
    refused = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--host", host])
    assert refused.exit_code == 2 and "not a loopback address" in refused.output
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", _fake_popen(calls))
    allowed = CliRunner().invoke(
        app, ["ui", "--tracking-uri", uri, "--host", host, "--allow-remote"]
    )
    assert allowed.exit_code == 0, allowed.output
    said = " ".join(allowed.output.split())  # rich wraps lines
    assert "WARNING" in said and "A tracking store is code" in said
    assert _option(calls[0], "--host") == host
    for loopback in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert _option(ui_command(uri, host=loopback), "--host") == loopback


def test_cli_prints_the_address_of_the_machine_learning_view(tmp_path, monkeypatch):
    """Without ``?workflowType=machine_learning`` a fresh browser opens MLflow 3's GenAI view."""
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", _fake_popen(calls))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--port", "5077"])
    assert result.exit_code == 0, result.output
    said = "".join(result.output.split())  # rich wraps lines
    assert "http://127.0.0.1:5077/#/experiments?workflowType=machine_learning" in said


def test_cli_reports_a_server_uri_as_an_error(monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", pytest.fail)  # must not start anything
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", "http://127.0.0.1:5000"])
    assert result.exit_code == 2
    assert "already a tracking server" in result.output


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_stops_the_real_server_and_leaves_no_orphan(tmp_path):
    """SIGTERM to `electroscreen ui` reaches the MLflow server (and its workers): the port closes
    and no process of the server's group is left."""
    import os
    import signal
    import time

    port = _free_port()
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from electroscreen.cli import app; app()",
         "ui", "--tracking-uri", uri, "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "ui.log").open("w"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while not _port_open(port):
            log = (tmp_path / "ui.log").read_text()[-2000:]
            assert proc.poll() is None, f"electroscreen ui ended before serving:\n{log}"
            assert time.monotonic() < deadline, f"no MLflow server within 180 s:\n{log}"
            time.sleep(0.5)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert children, "no server child"
        server = int(children[0])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while _port_open(port) or _group_alive(server):
            assert time.monotonic() < deadline, "the MLflow server outlived electroscreen ui"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not _group_alive(server)
    assert os.getpgid(os.getpid()) != server


def _group_alive(pgid: int) -> bool:

    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
