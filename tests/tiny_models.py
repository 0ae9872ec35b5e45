"""Tiny default models trained into a test's tracking store (seconds, not minutes), and a screen of
a few formula rows with them."""

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


def screen_formula_rows(rows: dict[str, str], folder: Path, uri: str):
    """``screen`` (default screening config, untracked) of a formula table written from ``rows``
    (candidate id -> formula as typed) into ``folder``; the result, its output in ``folder/out``."""
    import pandas as pd

    from electroscreen.screening.runner import screen
    from electroscreen.screening.screen_config import load_screening_config

    path = folder / "rows.csv"
    pd.DataFrame({"id": list(rows), "formula": list(rows.values())}).to_csv(path, index=False)
    return screen(
        [path], folder / "out", config=load_screening_config(), tracking_uri=uri, track=False,
        progress=False,
    )  # fmt: skip
