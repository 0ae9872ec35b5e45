"""A screening against a real ``mlflow server`` (SQLite backend, 127.0.0.1, free port).

The server is started with the argv of ``electroscreen ui`` (so that command is exercised too), two
tiny models are trained into it over HTTP, 20 OBELiX CIFs are screened, and the run is read back
through :class:`~mlflow.MlflowClient`: tags, params, metrics, artifacts, model URIs, pool digest.
Three ``screen`` processes started together against the same server (a job array) all finish.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts

from electroscreen.data.obelix import load_obelix_structures
from electroscreen.experiments.ui import ui_command
from electroscreen.screening.inputs import plan_inputs
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import ScreeningConfig
from tests.screening.jobs import finish, run_ids, start
from tests.tiny_models import train_tiny

POOL_SIZE = 20
TINY_FOREST = {"n_estimators": 8, "max_depth": 6, "n_jobs": 1}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"mlflow server exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(
        f"mlflow server at {url} not healthy after {timeout:.0f} s:\n{log.read_text()[-3000:]}"
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group (it forks workers), forcefully after 10 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """URL of a fresh ``mlflow server`` on a SQLite store in a temporary folder."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    argv = ui_command(f"sqlite:///{folder / 'mlflow.db'}", port=port, workers=1)
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    log = folder / "server.log"
    # MLflow's job runner (8 more processes, for GenAI jobs) is not needed here.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with log.open("w") as sink:
        process = subprocess.Popen(
            argv, stdout=sink, stderr=subprocess.STDOUT, cwd=folder, env=env, start_new_session=True
        )
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process, log)
        yield url
    finally:
        _stop(process)
        # run_training points MLflow's global URI (and the environment) at the server: undo that.
        mlflow.set_tracking_uri(previous)
        mlflow.set_registry_uri(previous)


_train = partial(train_tiny, experiment="server-test-train", estimator_params=TINY_FOREST)


@pytest.fixture(scope="module")
def pool(tmp_path_factory, data_dir) -> Path:
    """20 OBELiX CIFs (every 16th ID: ordered and partially occupied structures) in a folder."""
    folder = tmp_path_factory.mktemp("pool")
    cifs = load_obelix_structures(data_dir)
    for cid in sorted(cifs)[::16][:POOL_SIZE]:
        (folder / f"{cid}.cif").write_text(cifs[cid])
    return folder


@pytest.fixture(scope="module")
def server_models(server, data_dir) -> tuple[str, str]:
    """Both default models, trained over HTTP into the server: (conductivity, stability) URIs."""
    conductivity = _train(
        "conductivity", ["magpie"], server, data_dir, evaluation={"schemes": ["official"]}
    )
    stability = _train(
        "air_stability",
        ["electrolyte"],
        server,
        data_dir,
        final_fit="all",
        evaluation={"schemes": ["family_cv"], "cv_folds": 2},
    )
    return conductivity, stability


def test_screening_run_is_recorded_on_the_server(server, server_models, pool, tmp_path):
    conductivity, stability = server_models
    config = ScreeningConfig(batch_size=8, experiment="server-test-screen")
    result = screen(
        [str(pool)],
        tmp_path / "out",
        config=config,
        tracking_uri=server,
        progress=False,
        device="cpu",
    )
    assert result.run_id is not None
    assert len(result.results) == POOL_SIZE
    assert sum(result.counts.values()) == POOL_SIZE
    assert result.counts.get("ok", 0) > 0

    client = MlflowClient(tracking_uri=server)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "server-test-screen"
    tags, params, metrics = run.data.tags, run.data.params, run.data.metrics
    assert tags["electroscreen.kind"] == "screen"
    # no model given: the newest registered versions (the two just trained), as params and tags
    assert conductivity == "models:/electroscreen-conductivity/1"
    assert params["conductivity_model_uri"] == conductivity
    assert params["stability_model_uri"] == stability
    assert tags["electroscreen.conductivity_model_uri"] == conductivity
    assert tags["electroscreen.air_stability_model_uri"] == stability
    assert params["batch_size"] == "8" and params["inputs"] == str(pool)
    assert params["config_digest"] == config.digest()
    digest = plan_inputs([str(pool)]).digest
    assert params["pool_digest"] == digest
    [pool_input] = run.inputs.dataset_inputs
    assert pool_input.dataset.name == "candidate-pool"
    assert pool_input.dataset.digest == digest[:36]

    for status, count in result.counts.items():
        assert metrics[f"n_{status}"] == count
    assert metrics["n_candidates"] == POOL_SIZE
    assert metrics["time_total_s"] > 0
    assert metrics["candidates_per_s"] == pytest.approx(POOL_SIZE / metrics["time_total_s"])

    listed = {a.path for d in ("results", "plots") for a in client.list_artifacts(result.run_id, d)}
    assert {"results/results.parquet", "results/results.csv", "plots/pareto.png"} <= listed
    logged = pd.read_parquet(
        download_artifacts(
            run_id=result.run_id,
            artifact_path="results/results.parquet",
            dst_path=str(tmp_path / "download"),
            tracking_uri=server,
        )
    )
    assert logged["candidate_id"].tolist() == result.results["candidate_id"].tolist()
    ranked = logged[logged["status"] == "ok"]
    assert sorted(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert logged["pred_log10_sigma"].notna().sum() == len(ranked)


def test_screen_jobs_started_together_on_one_server_all_finish(
    server, server_models, formula_pool, tmp_path
):
    """A job array against one server: every job finishes with its run and its results."""
    jobs = [
        start(["screen", formula_pool, "--out", tmp_path / f"out{k}", "--tracking-uri", server,
               "--batch-size", "14", "--device", "cpu"])
        for k in range(3)
    ]  # fmt: skip
    results = [r.check() for r in finish(jobs)]
    for r in results:
        assert "tracking failed" not in r.output and "warning" not in r.output.lower(), r.output
    ids = run_ids(results)
    assert len(ids) == 3
    client = MlflowClient(tracking_uri=server)
    for run_id in ids:
        run = client.get_run(run_id)
        assert run.info.status == "FINISHED" and run.data.metrics["n_candidates"] == 42
        assert run.data.params["conductivity_model_uri"] == server_models[0]
    for k in range(3):
        assert len(pd.read_csv(tmp_path / f"out{k}" / "results.csv")) == 42
