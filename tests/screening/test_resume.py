"""A screening killed with SIGKILL mid-way resumes and ends with the uninterrupted run's output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from mlflow import MlflowClient
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from electroscreen.cli import app

from .conftest import POOL_FORMULAS

N_ROWS = 240
BATCH = 10


def _args(pool, out, uri, *extra):
    return ["screen", str(pool), "--out", str(out), "--batch-size", str(BATCH),
            "--tracking-uri", uri, *extra]  # fmt: skip


def test_sigkill_then_rerun_gives_the_uninterrupted_output(model_store, tmp_path):
    formulas = (POOL_FORMULAS * (N_ROWS // len(POOL_FORMULAS) + 1))[:N_ROWS]
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": formulas}).to_csv(pool, index=False)
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "from electroscreen.cli import app; app()"]
    proc = subprocess.Popen(
        command + _args(pool, out, model_store.uri),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    try:
        while not list((out / "batches").glob("batch-*.parquet")):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no batch written within 240 s"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    written = len(list((out / "batches").glob("batch-*.parquet")))
    assert 1 <= written < N_ROWS // BATCH, written
    # a batch renamed into place but killed before the manifest recorded it is recomputed
    recorded = len(json.loads((out / "manifest.json").read_text()).get("batches", {}))
    assert recorded in (written - 1, written), (recorded, written)
    assert not (out / "results.parquet").exists()
    run_id = json.loads((out / "state.json").read_text())["run_id"]

    resumed = CliRunner().invoke(app, _args(pool, out, model_store.uri), catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout.strip().splitlines()[-1].startswith(f"MLflow run {run_id}")
    reference = tmp_path / "reference"
    clean = CliRunner().invoke(
        app, _args(pool, reference, model_store.uri, "--no-track"), catch_exceptions=False
    )
    assert clean.exit_code == 0, clean.output

    got = pd.read_parquet(out / "results.parquet")
    expected = pd.read_parquet(reference / "results.parquet")
    assert len(got) == N_ROWS
    assert_frame_equal(got, expected)
    assert (out / "results.csv").read_text() == (reference / "results.csv").read_text()
    run = MlflowClient(tracking_uri=model_store.uri).get_run(run_id)
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    assert metrics["n_candidates"] == N_ROWS
    # the resumed invocation's rate counts the rows it screened, not those read back
    assert metrics["n_from_checkpoints"] == recorded * BATCH
    screened = N_ROWS - recorded * BATCH
    assert metrics["candidates_per_s"] == pytest.approx(screened / metrics["time_total_s"])


def test_a_resume_with_other_code_is_refused(tmp_path):
    """The manifest compared only the package version, 0.1.0 at every commit of a development
    install: a resume after a git pull joined the old code's batches to the new code's."""
    from electroscreen.code_identity import code_digest
    from electroscreen.screening.checkpoint import BatchStore, Manifest, ManifestMismatchError

    manifest = Manifest("cfg", "pool", "models:/c/1", "models:/a/1", "sqlite:///x.db", 10)
    assert manifest.code_digest == code_digest() and len(code_digest()) == 64
    store = BatchStore(tmp_path)
    store.open(manifest)
    store.write(0, pd.DataFrame({"x": [1]}))
    stored = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**stored, "code_digest": "0" * 64}))
    with pytest.raises(ManifestMismatchError, match="the electroscreen code"):
        BatchStore(tmp_path).open(manifest)


def test_a_stray_file_in_batches_is_said_once_through_the_log(tmp_path):
    """An ML engineer's audit: a file in batches/ that is not a batch file came out twice, as raw
    UserWarnings with source lines; it now goes through the screening's log, once."""
    import warnings

    from electroscreen.screening.checkpoint import BatchStore, Manifest

    said: list[str] = []
    store = BatchStore(tmp_path, log=said.append)
    store.open(Manifest("cfg", "pool", "models:/c/1", "models:/a/1", "sqlite:///x.db", 10))
    (store.batches / "notes.txt").write_text("mine")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw warning
        assert store.finished() == set() and store.finished() == set()
    assert said == [
        f"warning: ignoring {store.batches / 'notes.txt'}: not a batch file of electroscreen"
    ]
