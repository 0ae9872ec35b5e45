"""A SQLite store keeps its artifacts beside the .db file, whatever the working directory."""

from pathlib import Path

import mlflow
from mlflow import MlflowClient

from electroscreen.experiments.tracking import (
    artifact_root,
    get_or_create_experiment,
    resolve_tracking_uri,
)


def test_artifacts_land_beside_the_database_not_in_the_cwd(tmp_path, monkeypatch):
    store, elsewhere = tmp_path / "store", tmp_path / "elsewhere"
    store.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    uri = f"sqlite:///{store / 'mlflow.db'}"
    experiment = get_or_create_experiment("screening/a", uri)
    assert get_or_create_experiment("screening/a", uri) == experiment  # found, not made twice
    client = MlflowClient(tracking_uri=uri)
    run = client.create_run(experiment)
    note = tmp_path / "note.txt"
    note.write_text("shortlist")
    client.log_artifact(run.info.run_id, str(note))
    logged = list((store / "mlruns").rglob("note.txt"))
    assert len(logged) == 1 and logged[0].read_text() == "shortlist"
    assert not (elsewhere / "mlruns").exists()
    assert mlflow.artifacts.download_artifacts(run_id=run.info.run_id, tracking_uri=uri)


def test_artifact_root_only_for_sqlite_files(tmp_path, monkeypatch):
    assert artifact_root(f"sqlite:///{tmp_path}/x.db") == tmp_path / "mlruns"
    assert artifact_root("http://127.0.0.1:5000") is None
    assert artifact_root("sqlite:///:memory:") is None
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_tracking_uri() == f"sqlite:///{Path(tmp_path).resolve() / 'mlflow.db'}"
