"""Model registry look-ups: which trained model a screening should use."""

from __future__ import annotations

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from electroscreen.configs import DEFAULT_TRAIN_CONFIGS
from electroscreen.experiments.tracking import resolve_tracking_uri

__all__ = ["ModelNotFoundError", "latest_model_uri"]


class ModelNotFoundError(LookupError):
    """No registered model (or no version of it) in the tracking store."""


def latest_model_uri(name: str, tracking_uri: str | None = None) -> str:
    """``models:/<name>/<version>`` of the newest version of a registered model.

    Parameters
    ----------
    name : str
        Registered model name, e.g. ``electroscreen-conductivity``.
    tracking_uri : str, optional
        Store to look in (default :func:`~electroscreen.experiments.tracking.resolve_tracking_uri`).

    Raises
    ------
    ModelNotFoundError
        When the store has no version of ``name``; the message says which command trains one.
    """
    uri = resolve_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException as exc:  # e.g. a store that cannot be opened
        raise ModelNotFoundError(f"cannot read the model registry at {uri}: {exc}") from exc
    numbers = [int(v.version) for v in versions]
    if not numbers:
        config = "configs/" + DEFAULT_TRAIN_CONFIGS.get(name, "conductivity.yaml")
        raise ModelNotFoundError(
            f"no registered model {name!r} in {uri}; "
            f"train one with `electroscreen train --config {config}`"
        )
    return f"models:/{name}/{max(numbers)}"
