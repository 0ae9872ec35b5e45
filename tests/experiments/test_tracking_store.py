"""A SQLite store keeps its artifacts beside the .db file, whatever the working directory, and jobs
started together on a new store all open it."""

import os
import subprocess
import sys
import time
from pathlib import Path

import mlflow
from mlflow import MlflowClient

from electroscreen.experiments.sqlite_store import _schema_current, sqlite_file
from electroscreen.experiments.tracking import (
    artifact_root,
    get_or_create_experiment,
    resolve_tracking_uri,
)
from tests.screening.jobs import ROOT


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


#: A process that opens the store at ``argv[1]`` when the file ``argv[2]`` appears (after MLflow is
#: imported), so that the processes reach MLflow's table creation together.
_OPENER = """
import sys, time
from pathlib import Path
from electroscreen.experiments.tracking import get_or_create_experiment
Path(sys.argv[2] + '.' + sys.argv[3]).touch()
while not Path(sys.argv[2]).exists():
    time.sleep(0.01)
print(get_or_create_experiment('array', sys.argv[1], kind='train'))
"""


def test_processes_creating_one_new_sqlite_store_together_all_succeed(tmp_path):
    """A job array started together on a new SQLite file: each job opens the store whole (before
    the lock, one of two or three died in MLflow's half-made schema: ``table ... already exists``)."""
    uri, go = f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "go"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    jobs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, uri, str(go), str(k)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for k in range(3)
    ]
    deadline = time.monotonic() + 120
    while not all(Path(f"{go}.{k}").exists() for k in range(3)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = [job.communicate(timeout=120)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0, 0], "\n".join(outputs)
    ids = {output.strip().splitlines()[-1] for output in outputs}
    assert len(ids) == 1  # one experiment, found by the two jobs that did not make it
    client = MlflowClient(tracking_uri=uri)
    assert [e.name for e in client.search_experiments() if e.name == "array"] == ["array"]
    assert _schema_current(tmp_path / "new.db")  # whole: later openers skip the lock


def test_a_half_made_or_missing_store_is_not_taken_as_whole(tmp_path):
    assert not _schema_current(tmp_path / "missing.db")
    (tmp_path / "empty.db").write_bytes(b"")
    assert not _schema_current(tmp_path / "empty.db")
    assert sqlite_file("sqlite:///:memory:") is None and sqlite_file("http://x:5000") is None
