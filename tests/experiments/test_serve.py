"""``electroscreen serve``: a registered structure model over REST gives pyfunc's numbers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import mlflow
import numpy as np
import pandas as pd
import pytest

from electroscreen.data.obelix import load_obelix_structures
from electroscreen.experiments.pyfunc import input_example
from electroscreen.experiments.serve import serve_command
from electroscreen.experiments.tracking import fluent_tracking
from tests.tiny_models import train_tiny


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise TimeoutError(f"no answer from {url}/ping in {timeout:.0f} s")


@pytest.fixture(scope="module")
def structure_model(tmp_path_factory, data_dir) -> tuple[str, str]:
    """A tiny conductivity model on composition + structure descriptors, registered."""
    folder = tmp_path_factory.mktemp("serve")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    model_uri = train_tiny(
        "conductivity", ["magpie", "structure"], uri, data_dir, experiment="serve-test",
        structures=True, evaluation={"schemes": [], "cv_folds": 2},
    )  # fmt: skip
    return uri, model_uri


def test_serve_argv_binds_loopback_and_sets_the_store():
    argv, env = serve_command("models:/m/1", "sqlite:////x/mlflow.db", port=5009)
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--env-manager") + 1] == "local"
    assert env["MLFLOW_TRACKING_URI"] == "sqlite:////x/mlflow.db"
    with pytest.raises(ValueError, match="port"):
        serve_command("models:/m/1", port=0)
    with pytest.raises(ValueError, match="not a loopback address"):  # it bound 0.0.0.0 silently
        serve_command("models:/m/1", "sqlite:////x/mlflow.db", host="0.0.0.0")
    argv, _ = serve_command(
        "models:/m/1", "sqlite:////x/mlflow.db", host="0.0.0.0", allow_remote=True
    )
    assert argv[argv.index("--host") + 1] == "0.0.0.0"


def test_rest_predictions_equal_pyfunc_and_bad_rows_keep_their_status(structure_model, data_dir):
    uri, model_uri = structure_model
    cifs = load_obelix_structures(data_dir)
    licl = input_example()["structure"].iloc[1]
    rows = pd.DataFrame(
        {
            "formula": ["Li7La3Zr2O12", "Li3PS4", "LiXx2", "", "LiCl", "Li3BrO", "Li3SbS4"],
            "structure": [None, None, None, None, licl, cifs["qbb"], cifs["mq1"]],
            # a misspelt temperature: MLflow's schema dropped it, the row came back at 25 degC
            # with nothing in the answer; the signature now lets the model see it and say so
            "T_C": [None, 80, None, None, None, None, None],
        }
    )
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "electroscreen.cli", "serve", model_uri, "--tracking-uri", uri,
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        body = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
        request = urllib.request.Request(
            f"{url}/invocations", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=120) as response:
            served = pd.DataFrame(json.loads(response.read())["predictions"])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    with fluent_tracking(uri):  # MLflow's own loader reads the global URI
        local = mlflow.pyfunc.load_model(model_uri).predict(rows)
    assert len(served) == len(rows)
    assert served["pred_status"].tolist() == local["pred_status"].tolist()
    assert served["pred_status"].iloc[0] == "ok" and served["pred_status"].iloc[2] != "ok"
    assert served["pred_status"].iloc[3] != "ok"
    assert served["formula"].fillna("").tolist() == local["formula"].fillna("").tolist()
    assert served["pred_feature_status"].tolist() == local["pred_feature_status"].tolist()
    noted = ["temperature:unread_column=T_C" in n for n in served["pred_feature_status"]]
    assert noted == [i == 1 for i in range(len(rows))]
    for column in local.columns.drop(["pred_status", "pred_feature_status", "formula"]):
        np.testing.assert_allclose(
            served[column].astype(float).to_numpy(), local[column].to_numpy(), rtol=1e-9,
            equal_nan=True, err_msg=column,
        )  # fmt: skip
    # structures matter to this model: LiCl as CIF text differs from LiCl as a bare formula
    assert np.isfinite(served["pred_log10_sigma"].iloc[4])


def test_cli_names_a_missing_model_and_warns_on_a_remote_host(
    structure_model, monkeypatch, tmp_path
):
    """A model the store lacks was reported by MLflow's traceback after "on http://..."; a
    non-loopback host with --allow-remote started without the warning ui gives."""
    from typer.testing import CliRunner

    from electroscreen.cli import app
    from electroscreen.experiments import serve as serve_module

    uri, model_uri = structure_model
    missing = CliRunner().invoke(app, ["serve", "models:/nothing/1", "--tracking-uri", uri])
    assert missing.exit_code == 2 and "no model models:/nothing/1" in missing.output
    assert "http://" not in missing.output
    # no store at all: said, and no empty mlflow.db left where it looked (an ML engineer's audit)
    nowhere = tmp_path / "nowhere" / "mlflow.db"
    none = CliRunner().invoke(app, ["serve", model_uri, "--tracking-uri", f"sqlite:///{nowhere}"])
    assert none.exit_code == 2 and f"no tracking store at {nowhere}" in none.output
    assert not nowhere.exists() and not nowhere.parent.exists()
    started: list[str] = []
    monkeypatch.setattr(
        serve_module, "run_in_foreground", lambda argv, env: started.append(argv) or 0
    )
    remote = CliRunner().invoke(
        app, ["serve", model_uri, "--tracking-uri", uri, "--host", "0.0.0.0", "--allow-remote"]
    )
    assert remote.exit_code == 0 and len(started) == 1
    assert "WARNING" in remote.output and "without authentication" in " ".join(
        remote.output.split()
    )
