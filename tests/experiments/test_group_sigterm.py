"""A SIGTERM to ``train``'s whole process group (``scancel``, a walltime, ``timeout``) ends it.

The forests' loky workers died of the group's signal; one killed while it wrote a fitted tree back
left half a message in the result pipe, and the main process waited for the rest for ever: no
exit, no CPU, the MLflow run RUNNING. The hang needs the signal to land during such a write (1 of
13 stock trainings signalled during ``family_cv`` on the development machine), so the workers'
signal dispositions, which decide it, are also checked directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

#: Fits a small forest with two loky workers, prints its own pid and waits to be killed.
_FIT = """
import os, sys
import numpy as np
from electroscreen.models.sklearn_models import TreeEnsembleRegressor
X = np.random.default_rng(0).random((200, 5))
TreeEnsembleRegressor(n_estimators=8, n_jobs=2).fit(X, X[:, 0])
print(os.getpid(), flush=True)
sys.stdin.read()
"""


def _processes() -> list[tuple[int, int, int, str, str]]:
    """(pid, ppid, process group, state, command line) of every live or zombie process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        state, ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        found.append((int(entry.name), int(ppid), int(pgrp), state, cmdline))
    return found


def _loky_workers(parent: int) -> list[int]:
    return [
        pid
        for pid, ppid, _, state, cmdline in _processes()
        if ppid == parent and state != "Z" and "popen_loky_posix" in cmdline
    ]


def _live_in_group(pgid: int) -> list[str]:
    return [cmd[:120] for _, _, pgrp, state, cmd in _processes() if pgrp == pgid and state != "Z"]


def _ignored(pid: int) -> set[int]:
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(
        next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16
    )
    return {sig for sig in (signal.SIGTERM, signal.SIGINT) if mask >> (sig - 1) & 1}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_forest_workers_leave_the_signals_to_the_main_process_and_end_with_it():
    # stderr: loky's resource tracker reports what the killed process left behind
    proc = subprocess.Popen(
        [sys.executable, "-c", _FIT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        main = int(proc.stdout.readline())
        workers = _loky_workers(main)
        assert workers, "no loky worker"
        assert all(_ignored(pid) == {signal.SIGTERM, signal.SIGINT} for pid in workers)
    finally:
        proc.kill()  # the main process alone, without a chance to shut its pool down
        proc.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in workers):
        assert time.monotonic() < deadline, "the loky workers outlived their parent"
        time.sleep(0.1)


def test_sigterm_to_the_process_group_inside_a_forest_fit_ends_train(tmp_path, data_dir):
    config = tmp_path / "group.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "task": "conductivity",
                "featurizers": ["element_fractions"],
                "estimator": "extra_trees",
                "estimator_params": {"n_estimators": 300, "max_features": 0.33, "n_jobs": 2},
                "evaluation": {"schemes": ["family_cv"], "cv_folds": 5},
                "experiment": "group-sigterm",
                "registered_model_name": "group-sigterm",
                "data_dir": str(data_dir),
            }
        )
    )
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    log = tmp_path / "train.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from electroscreen.cli import app; app()",
         "train", "--config", str(config), "--tracking-uri", uri],
        stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not _loky_workers(proc.pid):  # the first forest fit has started
            assert proc.poll() is None, f"train ended first:\n{log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"no forest fit:\n{log.read_text()[-2000:]}"
            time.sleep(0.05)
        time.sleep(1.0)  # into the fits, the workers replying
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"train hung after the group's SIGTERM:\n{log.read_text()[-2000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log.read_text()
    assert code == 143, output[-2000:]
    assert "interrupted (SIGTERM): no model registered" in output
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("group-sigterm").experiment_id])
    assert run.info.status == "FAILED"
    deadline = time.monotonic() + 15  # loky's resource tracker cleans up, then ends
    while left := _live_in_group(proc.pid):
        assert time.monotonic() < deadline, f"left in train's process group: {left}"
        time.sleep(0.1)
