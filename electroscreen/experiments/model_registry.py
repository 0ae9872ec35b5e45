"""Model registry look-ups: which trained model a screening should use."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.utils.models import get_model_name_and_version

from electroscreen.configs import DEFAULT_TRAIN_CONFIGS
from electroscreen.experiments.tracking import resolve_tracking_uri, tracking_client

__all__ = [
    "logged_model_id",
    "ModelNotFoundError",
    "files_digest",
    "latest_model_uri",
    "model_fingerprint",
    "model_location",
    "model_run_id",
]


class ModelNotFoundError(LookupError):
    """No registered model (or no version of it) in the tracking store."""


def latest_model_uri(name: str, tracking_uri: str | None = None) -> str:
    """``models:/<name>/<version>`` of the newest version of a registered model whose training
    run finished (a version registered by a run that then failed, was killed or is still running
    is skipped; a version without a run counts).

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
    client = tracking_client(uri)
    try:
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException as exc:  # e.g. a store that cannot be opened
        raise ModelNotFoundError(f"cannot read the model registry at {uri}: {exc}") from exc
    config = "configs/" + DEFAULT_TRAIN_CONFIGS.get(name, "conductivity.yaml")
    if not versions:
        raise ModelNotFoundError(
            f"no registered model {name!r} in {uri}; "
            f"train one with `electroscreen train --config {config}`"
        )
    for version in sorted(versions, key=lambda v: -int(v.version)):
        if _run_finished(client, version.run_id):
            return f"models:/{name}/{version.version}"
    raise ModelNotFoundError(
        f"every version of {name!r} in {uri} comes from a training run that did not finish; "
        f"name one (models:/{name}/<version>) if you mean it, or train again with "
        f"`electroscreen train --config {config}`"
    )


def _run_finished(client, run_id: str | None) -> bool:
    """Whether the run that registered a version finished (no run, or a run the store no longer
    holds: the version stands on its own)."""
    if not run_id:
        return True
    try:
        return client.get_run(run_id).info.status == "FINISHED"
    except MlflowException:
        return True


#: Files MLflow itself writes into a model folder when the model is loaded (``pyfunc.load_model``
#: adds ``registered_model_meta`` beside a registered model's files): bookkeeping, not the model.
MLFLOW_BOOKKEEPING = frozenset({"registered_model_meta"})


def files_digest(folder: str | Path) -> str:
    """SHA-256 over every file below ``folder`` (relative path and bytes, in path order), except
    :data:`MLFLOW_BOOKKEEPING`."""
    folder = Path(folder)
    digest = hashlib.sha256()
    files = (p for p in folder.rglob("*") if p.is_file() and p.name not in MLFLOW_BOOKKEEPING)
    for path in sorted(files):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def model_location(model_uri: str, client: MlflowClient) -> tuple[str, str]:
    """The concrete model behind ``model_uri`` and where its files are, looked up through ``client``.

    MLflow's own ``models:/`` resolution reads the global registry URI; this one uses the client's
    store. ``models:/<name>@<alias>`` and ``models:/<name>/latest`` resolve to
    ``models:/<name>/<version>``; ``models:/<model_id>`` to the logged model's artifact location;
    ``runs:/<run id>/<name>`` to the location of the model of that name the run logged (MLflow 3
    keeps it apart from the run's artifacts), or else of the run's artifact ``<name>``; any other
    URI (a folder) is returned as both.

    Returns
    -------
    resolved_uri, location : str
    """
    if model_uri.startswith("runs:/"):
        return model_uri, _run_model_location(model_uri, client)
    if not model_uri.startswith("models:/"):
        return model_uri, model_uri
    found = get_model_name_and_version(client, model_uri)
    if len(found) == 1:  # a logged model id: models:/m-...
        return model_uri, client.get_logged_model(found[0]).artifact_location
    name, version = found
    return f"models:/{name}/{version}", client.get_model_version_download_uri(name, version)


def _run_model_location(model_uri: str, client: MlflowClient) -> str:
    """Where the files of ``runs:/<run id>/<name>`` are, looked up through ``client``'s store (MLflow's
    own resolution reads the global tracking URI, and made a new store in the working directory)."""
    run_id, _, name = model_uri.removeprefix("runs:/").partition("/")
    name = name.strip("/")
    run = client.get_run(run_id)
    if name and "/" not in name:
        token = None
        while True:
            page = client.search_logged_models(
                experiment_ids=[run.info.experiment_id],
                filter_string=f"name = '{name}'",
                page_token=token,
            )
            for model in page:
                if model.source_run_id == run_id:
                    return model.artifact_location
            token = page.token
            if not token:
                break
    return f"{run.info.artifact_uri.rstrip('/')}/{name}" if name else run.info.artifact_uri


def model_run_id(model_uri: str, client: MlflowClient) -> str | None:
    """The run that logged the model behind ``model_uri``, looked up through ``client``.

    ``runs:/<id>/...`` names it; a ``models:/`` URI (version, alias, ``latest``, logged model id)
    through the registry; a model folder through its ``MLmodel``. None when the URI does not say.
    """
    if model_uri.startswith("runs:/"):
        return model_uri.removeprefix("runs:/").split("/", 1)[0] or None
    if model_uri.startswith("models:/"):
        found = get_model_name_and_version(client, model_uri)
        if len(found) == 1:  # a logged model id: models:/m-...
            return client.get_logged_model(found[0]).source_run_id
        return client.get_model_version(*found).run_id
    from mlflow.models import Model  # a model folder: its MLmodel names the run

    return Model.load(str(Path(model_uri) / "MLmodel")).run_id


def logged_model_id(model_uri: str, client: MlflowClient) -> str | None:
    """The MLflow logged model (``m-...``) behind a ``models:/`` URI, for linking a run to it;
    None for other URIs or when the store does not know one."""
    if not model_uri.startswith("models:/"):
        return None
    try:
        found = get_model_name_and_version(client, model_uri)
        if len(found) == 1:  # models:/m-...
            return found[0]
        version = client.get_model_version(*found)
    except MlflowException:
        return None
    if getattr(version, "model_id", None):
        return version.model_id
    source = version.source or ""
    return source.removeprefix("models:/") if source.startswith("models:/m-") else None


def model_fingerprint(model_uri: str, tracking_uri: str | None = None) -> tuple[str, str]:
    """The concrete model behind ``model_uri`` and the SHA-256 of its files.

    A registered model is pickled code: the screening records exactly which files it ran.
    ``models:/<name>@<alias>`` and ``models:/<name>/latest`` resolve to ``models:/<name>/<version>``
    (an alias can move to another version later); other URIs are kept as given.

    Parameters
    ----------
    model_uri : str
        ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``runs:/...`` or a local path.
    tracking_uri : str, optional
        Store holding the registry (default :func:`resolve_tracking_uri`).

    Returns
    -------
    resolved_uri, sha256 : str
    """
    uri = resolve_tracking_uri(tracking_uri)
    resolved, location = model_location(model_uri, tracking_client(uri))
    local = urlparse(location)
    if local.scheme in ("", "file") and Path(unquote(local.path)).is_dir():
        return resolved, files_digest(unquote(local.path))  # a local store: read in place
    with tempfile.TemporaryDirectory() as tmp:
        local = download_artifacts(artifact_uri=location, dst_path=tmp, tracking_uri=uri)
        return resolved, files_digest(local)
