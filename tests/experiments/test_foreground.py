"""run_in_foreground: a SIGTERM to the command stops the server it started, workers included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

#: A "server" that starts a worker (a grandchild) and waits; the worker's pid is printed.
_SERVER = (
    "import subprocess, sys, time; "
    "w = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
    "print(w.pid, flush=True); time.sleep(120)"
)
_RUNNER = (
    "import sys; from electroscreen.experiments.foreground import run_in_foreground; "
    f"sys.exit(run_in_foreground([sys.executable, '-c', {_SERVER!r}]))"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its parent counts as gone
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_sigterm_stops_the_server_and_its_workers():
    """`electroscreen serve` ran MLflow's server with subprocess.run: a SIGTERM (the way a
    server started with & is stopped) ended the command and left the server answering."""
    runner = subprocess.Popen([sys.executable, "-c", _RUNNER], stdout=subprocess.PIPE, text=True)
    worker = int(runner.stdout.readline())
    assert _alive(worker)
    runner.send_signal(signal.SIGTERM)  # to the command only, not to its process group
    assert runner.wait(timeout=30) == 0
    deadline = time.monotonic() + 15
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
