"""``electroscreen serve``: a registered model over REST (``mlflow models serve``) on loopback.

The server is MLflow's own scoring server run in this environment (``--env-manager local``: the
model's code is electroscreen itself, already installed). Clients post a table of candidates to
``/invocations``, e.g. ::

    curl -s http://127.0.0.1:5001/invocations -H 'Content-Type: application/json' \\
      -d '{"dataframe_records": [{"formula": "Li7La3Zr2O12"}, {"formula": "Li3PS4"}]}'

and get ``{"predictions": [...]}``: one record per row, the columns of ``pyfunc.predict`` (a bad
row comes back with its ``pred_status``, e.g. ``unknown_element``, and NaN predictions).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from electroscreen.experiments.foreground import run_in_foreground
from electroscreen.experiments.server_defaults import DEFAULT_HOST, SERVE_PORT
from electroscreen.experiments.tracking import resolve_tracking_uri

__all__ = ["serve_command", "serve_model"]


def serve_command(
    model_uri: str,
    tracking_uri: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = SERVE_PORT,
    workers: int = 1,
    allow_remote: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """The ``mlflow models serve`` argv and environment that serve ``model_uri``.

    Parameters
    ----------
    model_uri : str
        ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``runs:/<id>/conductivity-model``
        (:func:`~electroscreen.experiments.pyfunc.logged_model_name`; ``runs:/<id>/model`` for a
        run logged before the models were named by task), a path.
    tracking_uri : str, optional
        Store that ``models:/`` and ``runs:/`` URIs resolve against (default
        ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<cwd>/mlflow.db``).
    host : str
        Interface to bind (loopback by default: the server has no authentication).
    allow_remote : bool
        Allow a host that is not loopback (``0.0.0.0``, a public address): anyone who reaches it
        can run the model and read what it answers.
    port : int
        Port to listen on.
    workers : int
        Uvicorn worker processes.

    Returns
    -------
    argv : list of str
    env : dict
        ``os.environ`` with ``MLFLOW_TRACKING_URI`` (and the registry URI) set to the store and
        this interpreter's ``bin`` folder first on ``PATH`` (MLflow runs ``uvicorn`` by name).

    Examples
    --------
    >>> argv, env = serve_command("models:/m/1", "sqlite:////data/mlflow.db", port=5002)
    >>> argv[4:]  # doctest: +NORMALIZE_WHITESPACE
    ['serve', '--model-uri', 'models:/m/1', '--env-manager', 'local', '--host', '127.0.0.1',
     '--port', '5002', '--workers', '1']
    >>> env["MLFLOW_TRACKING_URI"]
    'sqlite:////data/mlflow.db'
    """
    from electroscreen.experiments.ui import is_loopback

    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"host {host!r} is not a loopback address: the model server has no authentication; "
            "pass --allow-remote to expose it anyway"
        )
    if not 0 < int(port) < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    uri = resolve_tracking_uri(tracking_uri)
    argv = [sys.executable, "-m", "mlflow", "models", "serve", "--model-uri", model_uri]
    argv += ["--env-manager", "local", "--host", host, "--port", str(int(port))]
    argv += ["--workers", str(int(workers))]
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "MLFLOW_REGISTRY_URI": uri}
    # mlflow starts `uvicorn` by name: find it beside this Python even in a non-activated venv
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bindir, env.get("PATH", "")]).rstrip(os.pathsep)
    return argv, env


def serve_model(
    model_uri: str,
    tracking_uri: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = SERVE_PORT,
    allow_remote: bool = False,
) -> int:
    """Run :func:`serve_command` in the foreground; the server's exit code (0 when stopped by
    Ctrl-C or SIGTERM, which stop MLflow's server and its workers too:
    :func:`~electroscreen.experiments.foreground.run_in_foreground`)."""
    argv, env = serve_command(model_uri, tracking_uri, host, port, allow_remote=allow_remote)
    return run_in_foreground(argv, env)
