"""Start ``electroscreen`` commands as separate processes (a job array, a user's shell) and collect
them: the concurrency and reliability tests run the real CLI, not the functions behind it.

Each command runs under a small Python wrapper that reports the command's wall time and peak
resident memory (``getrusage`` of its child) on its last line of output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The repository root: child processes import this checkout, whatever their working directory.
ROOT = Path(__file__).resolve().parents[2]
_MARK = "@@resources"
_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.monotonic()\n"
    "rc = subprocess.run(sys.argv[1:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    f"print('{_MARK}', time.monotonic() - t, peak, flush=True)\n"
    "sys.exit(rc)\n"
)


@dataclass(frozen=True)
class Finished:
    """A finished command: exit status, its stdout and stderr together, wall time (s) and peak
    resident memory (MB)."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float = float("nan")
    peak_mb: float = float("nan")

    def check(self) -> Finished:
        """Assert the command succeeded (its output's tail in the message otherwise)."""
        command = " ".join(self.args)
        assert self.returncode == 0, f"{command} -> rc {self.returncode}\n{self.output[-3000:]}"
        return self


def start(args: list, cwd: Path | None = None, **env: str) -> subprocess.Popen:
    """``python -m electroscreen.cli *args`` in the background (output captured, unbuffered)."""
    environ = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **env}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "electroscreen.cli", *map(str, args)]
    return subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=environ,
        start_new_session=True,  # a timeout stops the command's whole process group
    )


def _parse(proc: subprocess.Popen, output: str) -> Finished:
    args = tuple(proc.args[3:])
    lines = output.rstrip("\n").splitlines()
    if lines and lines[-1].startswith(_MARK):
        _, seconds, peak = lines[-1].split()
        body = "\n".join(lines[:-1]) + "\n"
        return Finished(args, proc.returncode, body, float(seconds), float(peak))
    return Finished(args, proc.returncode, output)


def finish(procs: list[subprocess.Popen], timeout: float = 540) -> list[Finished]:
    """Wait for every process (stopping them all if one overruns ``timeout`` seconds)."""
    results = []
    try:
        for proc in procs:
            output = proc.communicate(timeout=timeout)[0].decode(errors="replace")
            results.append(_parse(proc, output))
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return results


def run(args: list, cwd: Path | None = None, timeout: float = 300, **env: str) -> Finished:
    """Run one command to completion."""
    return finish([start(args, cwd, **env)], timeout)[0]


def run_ids(results: list[Finished]) -> set[str]:
    """MLflow run ids that ``screen`` printed (``MLflow run <id>: ...``)."""
    return {
        line.split()[2].rstrip(":")
        for r in results
        for line in r.output.splitlines()
        if line.startswith("MLflow run ")
    }
