"""Jobs started together on one tracking store all finish (a job array), and a store that stays
unreachable is reported while the results are still written.

The same with several ``screen`` jobs on one ``mlflow server``: ``test_mlflow_server.py``.
"""

from __future__ import annotations

import shutil
import socket
import time

import pandas as pd
import yaml
from mlflow import MlflowClient

from electroscreen.analysis.triage import screening_runs
from tests.screening.jobs import finish, run, run_ids, start

#: A conductivity model trained in seconds: Magpie features, 8 trees, no evaluation schemes.
TINY_TRAIN = {
    "task": "conductivity",
    "featurizers": ["magpie"],
    "estimator": "random_forest",
    "estimator_params": {"n_estimators": 8, "n_jobs": 1},
    "evaluation": {"schemes": [], "cv_folds": 2},
    "experiment": "concurrent-train",
    "registered_model_name": "concurrent-conductivity",
}


def _screen_args(pool, out, uri, *extra) -> list[str]:
    return ["screen", pool, "--out", out, "--tracking-uri", uri, "--batch-size", "21",
            "--device", "cpu", *extra]  # fmt: skip


def test_train_and_screen_jobs_started_together_on_one_sqlite_store(
    model_store, formula_pool, data_dir, tmp_path
):
    shutil.copy(model_store.folder / "mlflow.db", tmp_path / "mlflow.db")  # artifacts stay put
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({**TINY_TRAIN, "data_dir": str(data_dir)}))
    trains = [start(["train", "--config", config, "--tracking-uri", uri]) for _ in range(2)]
    screens = [start(_screen_args(formula_pool, tmp_path / f"out{k}", uri)) for k in range(2)]
    results = [r.check() for r in finish(trains + screens)]
    for r in results:  # the tiny config evaluates nothing, which train says, on purpose
        said = [s for s in r.output.splitlines() if "evaluation.schemes is empty" not in s]
        output = "\n".join(said)
        assert "tracking failed" not in output and "warning" not in output.lower(), r.output
    # both trainings registered a version of the one model name: no lost race
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    versions = client.search_model_versions("name = 'concurrent-conductivity'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    assert {r.output.strip().splitlines()[-1] for r in results[:2]} == {
        "models:/concurrent-conductivity/1", "models:/concurrent-conductivity/2",
    }  # fmt: skip
    ids = run_ids(results[2:])
    assert len(ids) == 2
    runs = screening_runs(uri)
    for run_id in ids:
        assert run_id in runs["run_id"].tolist()
        assert client.get_run(run_id).info.status == "FINISHED"
    for k in range(2):
        assert len(pd.read_csv(tmp_path / f"out{k}" / "results.csv")) == 42


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_an_unreachable_store_is_reported_and_the_results_are_written(
    model_store, formula_pool, tmp_path
):
    client = MlflowClient(tracking_uri=model_store.uri, registry_uri=model_store.uri)
    models = []
    for uri in (model_store.conductivity, model_store.stability):
        name, version = uri.removeprefix("models:/").split("/")
        models.append(client.get_model_version_download_uri(name, version))
    dead = f"http://127.0.0.1:{_closed_port()}"
    began = time.monotonic()
    result = run(
        _screen_args(formula_pool, tmp_path / "out", dead, "--conductivity-model", models[0],
                     "--stability-model", models[1]),
        MLFLOW_HTTP_REQUEST_MAX_RETRIES="1", MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR="1",
    ).check()  # fmt: skip
    assert time.monotonic() - began < 240
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("tracking failed") and "the results are written" in last, last
    assert "Connection refused" in result.output or "Max retries" in result.output
    assert len(pd.read_csv(tmp_path / "out" / "results.csv")) == 42
