"""Start ``electroscreen`` commands as separate processes (a job array, a user's shell) and collect
them: the concurrency and reliability tests run the real CLI, not the functions behind it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The repository root: child processes import this checkout, whatever their working directory.
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    """A finished command: exit status and its stdout and stderr together."""

    args: tuple[str, ...]
    returncode: int
    output: str

    def check(self) -> Finished:
        assert self.returncode == 0, (
            f"{' '.join(self.args)} -> rc {self.returncode}\n{self.output[-3000:]}"
        )
        return self


def start(args: list[str], cwd: Path | None = None, **env: str) -> subprocess.Popen:
    """``python -m electroscreen.cli *args`` in the background (output captured, unbuffered)."""
    environ = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "electroscreen.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=environ,
    )


def finish(procs: list[subprocess.Popen], timeout: float = 540) -> list[Finished]:
    """Wait for every process (killing the rest if one overruns ``timeout`` seconds)."""
    results = []
    try:
        for proc in procs:
            output = proc.communicate(timeout=timeout)[0].decode(errors="replace")
            results.append(Finished(tuple(proc.args), proc.returncode, output))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def run(args: list[str], cwd: Path | None = None, timeout: float = 300, **env: str) -> Finished:
    """Run one command to completion."""
    return finish([start(args, cwd, **env)], timeout)[0]


def children_peak_rss_mb() -> float:
    """Largest resident set (MB) of any finished child process of this one so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_ids(results: list[Finished]) -> set[str]:
    """MLflow run ids that ``screen`` printed (``MLflow run <id>: ...``)."""
    return {
        line.split()[2].rstrip(":")
        for r in results
        for line in r.output.splitlines()
        if line.startswith("MLflow run ")
    }
