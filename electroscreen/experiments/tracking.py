"""MLflow tracking helpers: where runs go and small logging utilities shared by `train` and `screen`."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow

__all__ = ["resolve_tracking_uri", "use_tracking_uri"]


def resolve_tracking_uri(uri: str | None = None) -> str:
    """The tracking URI to use: ``uri``, else ``$MLFLOW_TRACKING_URI``, else SQLite in the cwd.

    The default is MLflow 3's embedded store, ``sqlite:///<cwd>/mlflow.db`` (artifacts beside it in
    ``./mlartifacts``), so a run needs no server; ``electroscreen ui`` serves the same store.
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
