"""Tiny default models trained into a test's tracking store (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

from electroscreen.experiments.train import run_training
from electroscreen.experiments.train_config import TrainConfig

#: A forest small enough to train in a second and still give real, seeded predictions.
TINY_FOREST = {"n_estimators": 12, "n_jobs": 1}


def train_tiny(
    task: str,
    featurizers: list[str],
    uri: str,
    data_dir: Path,
    *,
    experiment: str,
    estimator_params: dict | None = None,
    **extra,
) -> str:
    """Train and register a tiny random forest under the task's default name; its model URI."""
    config = TrainConfig(
        task=task,
        featurizers=featurizers,
        estimator="random_forest",
        estimator_params=estimator_params or TINY_FOREST,
        registered_model_name=f"electroscreen-{task.replace('_', '-')}",
        experiment=experiment,
        data_dir=data_dir,
        **extra,
    )
    return run_training(config, tracking_uri=uri).model_uri
