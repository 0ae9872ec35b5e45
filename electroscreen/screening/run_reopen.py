"""Reopening the MLflow run of a resumed screening, for
:func:`~electroscreen.screening.mlflow_run.start_screening_run`.

A resumed screening finds its run in ``state.json``: :func:`recorded_run` reads it back, or says
why it is gone (removed from the store, or deleted) so that a new run takes its place;
:func:`reopen_run` sets it RUNNING again with the current tags.
"""

from __future__ import annotations

from mlflow import MlflowClient
from mlflow.entities import LifecycleStage, Run, RunStatus
from mlflow.exceptions import MlflowException

from electroscreen.experiments.tracking import resolve_tracking_uri, retry_tracking

__all__ = ["recorded_run", "reopen_run"]


def recorded_run(
    client: MlflowClient, run_id: str, tracking_uri: str | None
) -> tuple[Run | None, str | None]:
    """The run a resumed screening recorded, or why it is gone and a new run must take its place.

    Parameters
    ----------
    client : MlflowClient
    run_id : str
        The run ``state.json`` names.
    tracking_uri : str or None

    Returns
    -------
    tuple
        ``(run, None)`` when the run can be reopened; ``(None, why)`` when it is gone: not in the
        store (``RESOURCE_DOES_NOT_EXIST``, e.g. removed by ``mlflow gc``) or deleted
        (``lifecycle_stage`` ``deleted``, e.g. in the MLflow UI). A deleted run is not touched:
        reopening it would leave it RUNNING in the trash, and MLflow refuses its tags.

    Raises
    ------
    ValueError
        When the run cannot be read for another reason (the store is unreachable, ...): the message
        says how to start a new run.
    """
    where = resolve_tracking_uri(tracking_uri)
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None, f"is not in {where} ({exc})"
        raise ValueError(
            f"cannot resume MLflow run {run_id!r} in {where} (remove state.json from the output "
            f"folder to record a new run and keep the checkpoints): {exc}"
        ) from exc
    if run.info.lifecycle_stage == LifecycleStage.DELETED:
        return None, f"was deleted in {where} (it stays deleted, untouched)"
    return run, None


def reopen_run(client: MlflowClient, run: Run, tags: dict[str, str]) -> Run:
    """``run`` (a resumed screening's) set RUNNING again, the error of a failed attempt removed
    and ``tags`` set anew; returns ``run`` as it was read (its params and inputs as logged)."""
    run_id = run.info.run_id
    retry_tracking(client.update_run, run_id, status=RunStatus.to_string(RunStatus.RUNNING))
    if "electroscreen.error" in run.data.tags:  # a failed attempt being resumed
        client.delete_tag(run_id, "electroscreen.error")
    for key, value in tags.items():
        retry_tracking(client.set_tag, run_id, key, value)
    return run
