"""``electroscreen ui``: the ``mlflow server`` argv (the server itself starts in test_mlflow_server)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.experiments import ui as ui_module
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
    explicit = ui_command("postgresql://u@db/mlflow", host="0.0.0.0")
    assert _option(explicit, "--host") == "0.0.0.0"
    assert "--artifacts-destination" not in explicit  # MLflow's own default for other stores


@pytest.mark.parametrize("uri", ["http://127.0.0.1:5000", "https://mlflow.example.org"])
def test_a_server_uri_is_refused(uri):
    with pytest.raises(ValueError, match="already a tracking server"):
        ui_command(uri)


def test_a_bad_port_is_refused():
    with pytest.raises(ValueError, match="port must be in 1..65535"):
        ui_command("sqlite:///x.db", port=70000)


def test_cli_runs_the_server_bound_to_loopback(tmp_path, monkeypatch):
    calls: list[list[str]] = []

    def fake_run(argv, check):
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(ui_module.subprocess, "run", fake_run)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--port", "5055"])
    assert result.exit_code == 0, result.output
    [argv] = calls
    assert _option(argv, "--host") == "127.0.0.1"
    assert _option(argv, "--port") == "5055"
    assert _option(argv, "--backend-store-uri") == uri
    assert "http://127.0.0.1:5055" in result.output


def test_cli_reports_a_server_uri_as_an_error(monkeypatch):
    monkeypatch.setattr(ui_module.subprocess, "run", pytest.fail)  # must not start anything
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", "http://127.0.0.1:5000"])
    assert result.exit_code == 2
    assert "already a tracking server" in result.output
