"""MLflow tracking helpers: where runs go and small logging utilities shared by `train` and `screen`."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

__all__ = ["artifact_root", "get_or_create_experiment", "resolve_tracking_uri", "use_tracking_uri"]


def resolve_tracking_uri(uri: str | None = None) -> str:
    """The tracking URI to use: ``uri``, else ``$MLFLOW_TRACKING_URI``, else SQLite in the cwd.

    The default is MLflow 3's embedded store, ``sqlite:///<cwd>/mlflow.db`` (artifacts beside it in
    ``mlruns/``, see :func:`artifact_root`), so a run needs no server; ``electroscreen ui`` serves
    the same store.
    """
    if uri:
        return uri
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    return f"sqlite:///{Path.cwd().resolve() / 'mlflow.db'}"


def use_tracking_uri(uri: str | None = None) -> str:
    """Point MLflow (tracking and model registry) at :func:`resolve_tracking_uri` and return it."""
    resolved = resolve_tracking_uri(uri)
    mlflow.set_tracking_uri(resolved)
    mlflow.set_registry_uri(resolved)
    return resolved


def artifact_root(uri: str) -> Path | None:
    """Where the artifacts of a local SQLite store live: ``mlruns/`` beside the ``.db`` file.

    MLflow itself puts a new experiment's artifacts under ``./mlruns`` of whatever directory the
    process runs in; tying them to the store's folder keeps a store and its artifacts together
    (and ``electroscreen ui`` serves the same folder). ``None`` for servers and in-memory SQLite.
    """
    if not uri.startswith("sqlite:///"):
        return None
    path = uri.removeprefix("sqlite:///")
    if not path or path == ":memory:":
        return None
    return Path(path).absolute().parent / "mlruns"


def get_or_create_experiment(
    name: str, tracking_uri: str | None = None, kind: str | None = None
) -> str:
    """Id of the experiment ``name``, created if missing (artifacts under :func:`artifact_root`).

    Safe against a concurrent creation of the same experiment by another process. The experiment is
    tagged for MLflow's model-development view and, for ``kind`` ``train`` or ``screen``, gets a
    description unless it has one (:func:`electroscreen.experiments.notes.describe_experiment`).
    """
    from electroscreen.experiments.notes import describe_experiment

    uri = resolve_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        experiment_id = experiment.experiment_id
    else:
        root = artifact_root(uri)
        location = (root / name.replace("/", "_")).as_uri() if root is not None else None
        try:
            experiment_id = client.create_experiment(name, artifact_location=location)
        except MlflowException:  # created meanwhile by another process
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
            experiment_id = experiment.experiment_id
    describe_experiment(client, experiment_id, kind or "")
    return experiment_id
