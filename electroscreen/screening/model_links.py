"""Where a screening's models are in the MLflow UI, as markdown links for the run's description.

The MLflow 3.17 UI looks for a run's input models only in the run's own experiment, and the models
are trained in another one (``electroscreen-train``), so the screening run page shows "Logged
models (0)" although the run input is logged. The description links them instead: each model URI
to its registered version's page (``#/models/<name>/versions/<v>``) and to the run that trained it
(``#/experiments/<id>/runs/<run_id>``; :mod:`electroscreen.experiments.ui_pages`), looked up
through the run's :class:`~mlflow.MlflowClient` (a version, an alias, a logged model id or a
``runs:/`` URI). A URI the store cannot resolve (a model folder, a model no longer there) stays
plain text.
"""

from __future__ import annotations

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.utils.models import get_model_name_and_version

from electroscreen.experiments.ui_pages import run_page, version_page

__all__ = ["model_link", "model_links"]


def _version_of(uri: str, client: MlflowClient) -> tuple[ModelVersion | None, str | None]:
    """The registered version behind ``uri`` (None when it names none) and the run that logged
    the model (None when the URI does not say)."""
    if uri.startswith("runs:/"):
        run_id = uri.removeprefix("runs:/").split("/", 1)[0]
        versions = client.search_model_versions(f"run_id = '{run_id}'")
        newest = max(versions, key=lambda v: int(v.version), default=None)
        return newest, run_id or None
    if not uri.startswith("models:/"):
        return None, None
    found = get_model_name_and_version(client, uri)  # a version, alias or latest
    if len(found) == 1:  # a logged model id: models:/m-...
        logged = client.get_logged_model(found[0])
        versions = client.search_model_versions(f"run_id = '{logged.source_run_id}'")
        same = [v for v in versions if getattr(v, "model_id", None) == logged.model_id]
        return max(same, key=lambda v: int(v.version), default=None), logged.source_run_id
    version = client.get_model_version(*found)
    return version, version.run_id


def model_link(uri: str, client: MlflowClient) -> str:
    """Markdown for one model URI: linked to its registered version's page, followed by a link to
    its training run; ``uri`` as code where the store does not resolve it.

    Parameters
    ----------
    uri : str
        ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``models:/m-...``,
        ``runs:/<run_id>/...`` or a model folder.
    client : MlflowClient
        The screening run's client (the store that holds the models).

    Returns
    -------
    str
        ``[`models:/electroscreen-conductivity/1`](#/models/electroscreen-conductivity/versions/1)
        (trained in run [4fb51f87](#/experiments/1/runs/4fb51f87...))``, or ``` `uri` ```.
    """
    plain = f"`{uri}`"
    try:
        version, run_id = _version_of(uri, client)
        run = client.get_run(run_id) if run_id else None
    except (MlflowException, OSError, ValueError):
        return plain
    text = plain if version is None else f"[{plain}]({version_page(version.name, version.version)})"
    if version is not None and not uri.endswith(f"/{version.version}"):
        text += f" (version {version.version})"  # an alias, runs:/ or logged-model URI
    if run is not None:
        page = run_page(run.info.experiment_id, run.info.run_id)
        name = (run.info.run_name or run.info.run_id[:8]).replace("[", "(").replace("]", ")")
        text += f", trained in run [{name}]({page})"
    return text


def model_links(model_uris: dict[str, str], client: MlflowClient) -> dict[str, str]:
    """:func:`model_link` of each role's URI: ``{"conductivity": markdown, ...}``."""
    return {role: model_link(uri, client) for role, uri in model_uris.items()}
