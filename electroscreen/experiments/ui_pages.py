"""Addresses of the MLflow UI's pages (MLflow 3.17's hash routes): one home for them.

Without ``?workflowType=machine_learning`` a fresh browser opens an experiment in MLflow 3's GenAI
view (traces, token usage); the experiments' ``mlflow.experimentKind`` tag does not choose it, so
every address printed for a person carries the parameter (:data:`ML_VIEW`). Imports no MLflow, so
the CLI reads it at start-up.
"""

from __future__ import annotations

from urllib.parse import quote

from electroscreen.experiments.server_defaults import DEFAULT_HOST, UI_PORT

__all__ = ["ML_VIEW", "run_page", "ui_url", "version_page"]

#: The query that opens the UI's machine-learning view.
ML_VIEW = "workflowType=machine_learning"


def version_page(name: str, version: str | int) -> str:
    """A registered model version's page: ``#/models/<name>/versions/<v>``."""
    return f"#/models/{quote(name, safe='')}/versions/{quote(str(version), safe='')}"


def run_page(experiment_id: str, run_id: str) -> str:
    """A run's page: ``#/experiments/<experiment_id>/runs/<run_id>``."""
    return f"#/experiments/{quote(str(experiment_id), safe='')}/runs/{quote(run_id, safe='')}"


def ui_url(host: str = DEFAULT_HOST, port: int = UI_PORT, page: str = "#/experiments") -> str:
    """The address of ``page`` on a UI at ``host:port``, in the machine-learning view.

    Examples
    --------
    >>> ui_url(port=5077)
    'http://127.0.0.1:5077/#/experiments?workflowType=machine_learning'
    >>> ui_url(page=run_page("1", "4fb51f87"))
    'http://127.0.0.1:5000/#/experiments/1/runs/4fb51f87?workflowType=machine_learning'
    """
    return f"http://{host}:{port}/{page}?{ML_VIEW}"
