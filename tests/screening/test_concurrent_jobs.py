"""Several ``screen`` jobs started together on one SQLite store all finish (a job array)."""

from __future__ import annotations

import os
import subprocess
import sys

from mlflow import MlflowClient

from electroscreen.analysis.triage import screening_runs

N_JOBS = 3


def test_screen_jobs_started_together_on_one_store_all_finish(model_store, formula_pool, tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "from electroscreen.cli import app; app()"]
    procs = [
        subprocess.Popen(
            command
            + [
                "screen",
                str(formula_pool),
                "--out",
                str(tmp_path / f"out{k}"),
                "--tracking-uri",
                model_store.uri,
                "--batch-size",
                "42",
                "--device",
                "cpu",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )  # fmt: skip
        for k in range(N_JOBS)
    ]
    outputs = [p.communicate(timeout=540)[0].decode() for p in procs]
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output[-3000:]
        assert "warning" not in output.lower() or "tracking" not in output.lower(), output[-3000:]
    run_ids = {line.split()[2].rstrip(":") for o in outputs for line in o.splitlines()
               if line.startswith("MLflow run ")}  # fmt: skip
    assert len(run_ids) == N_JOBS
    runs = screening_runs(model_store.uri)
    client = MlflowClient(tracking_uri=model_store.uri)
    for run_id in run_ids:
        assert run_id in runs["run_id"].tolist()
        assert client.get_run(run_id).info.status == "FINISHED"
    for k in range(N_JOBS):
        assert (tmp_path / f"out{k}" / "results.csv").is_file()
