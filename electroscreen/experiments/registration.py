"""What a model version ``train`` has just registered carries in the model registry.

:func:`~electroscreen.experiments.pyfunc.log_predictor` registers the logged model under the
config's name; :func:`describe_version` then moves the config's alias to the new version (the
version ``screen`` takes by default) and writes what the registry shows of it: the version's task
tag and description, and the registered model's description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from electroscreen.experiments.train_config import TrainConfig
    from electroscreen.models.tasks import Task

__all__ = ["describe_version"]


def describe_version(client: MlflowClient, config: TrainConfig, version: str, task: Task) -> str:
    """Alias, tag and describe ``version`` of the config's registered model.

    Parameters
    ----------
    client : MlflowClient
        On the run's store.
    config : TrainConfig
        Its ``registered_model_name``, ``alias`` (moved to ``version``) and ``description`` (the
        version's, when given).
    version : str
        The version just registered.
    task : Task
        Its name is the version's ``electroscreen.task`` tag; its summary, what the model
        predicts, the registered model's description unless it has one (a user's own text is
        kept).

    Returns
    -------
    str
        ``models:/<name>/<version>``.
    """
    name = config.registered_model_name
    client.set_registered_model_alias(name, config.alias, version)
    client.set_model_version_tag(name, version, "electroscreen.task", task.name)
    if config.description:
        client.update_model_version(name, version, description=config.description)
    if not client.get_registered_model(name).description:
        client.update_registered_model(name, description=task.summary)
    return f"models:/{name}/{version}"
