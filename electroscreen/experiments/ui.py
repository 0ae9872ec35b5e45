"""``electroscreen ui``: the MLflow UI (``mlflow server``) on the project's tracking store.

The argv is built here (and tested); :func:`serve_ui` runs it in the foreground until Ctrl-C or
SIGTERM, which it forwards to the server's whole process group so no server is left behind.

The UI has no authentication and a tracking store is code (registered models are pickles that
``screen`` loads): it binds to loopback, and another interface needs ``allow_remote=True``.
"""

from __future__ import annotations

import ipaddress
import sys
from urllib.parse import urlparse

from electroscreen.experiments.foreground import run_in_foreground
from electroscreen.experiments.server_defaults import DEFAULT_HOST, UI_PORT
from electroscreen.experiments.sqlite_store import open_sqlite_store
from electroscreen.experiments.tracking import artifact_root, resolve_tracking_uri

__all__ = ["is_loopback", "serve_ui", "ui_command"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def ui_command(
    tracking_uri: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = UI_PORT,
    workers: int | None = None,
    allow_remote: bool = False,
) -> list[str]:
    """The ``mlflow server`` argv that serves a tracking store.

    Parameters
    ----------
    tracking_uri : str, optional
        Store to serve (default :func:`~electroscreen.experiments.tracking.resolve_tracking_uri`:
        ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<cwd>/mlflow.db``).
    host : str
        Interface to bind (default loopback ``127.0.0.1``).
    port : int
        Port to listen on.
    workers : int, optional
        Server worker processes (MLflow's default when None).
    allow_remote : bool
        Allow a host that is not loopback (``0.0.0.0``, a public address): anyone who reaches the
        port can then read and write the store, and a store is code.

    Returns
    -------
    list of str
        ``[python, -m, mlflow, server, --backend-store-uri, URI, --host, HOST, --port, PORT, ...]``;
        for a SQLite file store also ``--artifacts-destination <folder of the .db>/mlruns``, where
        runs logged without a server keep their artifacts.

    Raises
    ------
    ValueError
        For a store that is already a server (``http(s)://``, ``databricks``): open it directly;
        for a non-loopback ``host`` without ``allow_remote``.

    Examples
    --------
    >>> ui_command("sqlite:////data/mlflow.db", port=5001)[3:]  # doctest: +NORMALIZE_WHITESPACE
    ['server', '--backend-store-uri', 'sqlite:////data/mlflow.db', '--host', '127.0.0.1',
     '--port', '5001', '--artifacts-destination', '/data/mlruns']
    """
    uri = resolve_tracking_uri(tracking_uri)
    scheme = urlparse(uri).scheme
    if scheme in {"http", "https", "databricks"}:
        raise ValueError(f"{uri} is already a tracking server: open it in a browser instead")
    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"host {host!r} is not a loopback address: the MLflow UI has no authentication, and a "
            "tracking store is code (its models are pickles that `screen` runs); pass "
            "--allow-remote to expose it anyway"
        )
    if not 0 < int(port) < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    argv = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", uri]
    argv += ["--host", host, "--port", str(int(port))]
    root = artifact_root(uri)
    if root is not None:
        argv += ["--artifacts-destination", str(root)]
    if workers is not None:
        argv += ["--workers", str(int(workers))]
    return argv


def serve_ui(
    tracking_uri: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = UI_PORT,
    allow_remote: bool = False,
    stop_timeout: float = 15.0,
    workers: int | None = None,
) -> int:
    """Run :func:`ui_command` in the foreground until it ends or this process gets SIGINT/SIGTERM.

    The server runs in its own process group; a SIGINT or SIGTERM sent to this process is
    forwarded to that whole group (MLflow's server and its workers), and a group still alive after
    ``stop_timeout`` seconds is killed. Returns the server's exit code (0 when stopped by a signal).

    A new SQLite store is created here first, under the lock every other path takes
    (:func:`~electroscreen.experiments.sqlite_store.open_sqlite_store`): left to the server, each of
    its workers, and a ``train`` started beside it, would build the same new file at once.
    """
    argv = ui_command(tracking_uri, host, port, workers=workers, allow_remote=allow_remote)
    open_sqlite_store(resolve_tracking_uri(tracking_uri))
    return run_in_foreground(argv, stop_timeout=stop_timeout)
