"""A server run in the foreground, in its own process group, stopped as a whole."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

__all__ = ["run_in_foreground"]


def run_in_foreground(
    argv: Sequence[str], env: Mapping[str, str] | None = None, stop_timeout: float = 15.0
) -> int:
    """Run ``argv`` until it ends or this process gets SIGINT/SIGTERM; its exit code (0 when
    stopped by a signal).

    The child runs in its own process group; a SIGINT or SIGTERM sent to this process is
    forwarded to that whole group (a server and the workers it starts), and a group still alive
    after ``stop_timeout`` seconds is killed. Whatever the group left behind is sent SIGTERM when
    this returns, so no server outlives the command that started it.
    """
    child = subprocess.Popen(
        list(argv), env=None if env is None else dict(env), start_new_session=True
    )
    stopping: list[int] = []

    def forward(signum: int, frame: object) -> None:
        stopping.append(signum)
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if stopping:
                    try:
                        code = child.wait(timeout=stop_timeout)
                    except subprocess.TimeoutExpired:
                        os.killpg(child.pid, signal.SIGKILL)
                        code = child.wait()
                    break
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        try:  # workers the server left behind
            os.killpg(child.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    return 0 if stopping else code
