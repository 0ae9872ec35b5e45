"""Fixtures of the experiments tests: a small training config and one CLI training run it produces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from electroscreen.cli import app

#: A fast conductivity config: few shallow-ish trees, 3 grouped folds.
SMALL_CONFIG = {
    "task": "conductivity",
    "featurizers": ["magpie", "electrolyte"],
    "estimator": "random_forest",
    "estimator_params": {"n_estimators": 24, "max_features": 0.3, "n_jobs": 1},
    "conformal_alpha": 0.1,
    "seed": 3,
    "evaluation": {"schemes": ["official", "family_cv"], "cv_folds": 3},
    "experiment": "test-train",
    "registered_model_name": "test-conductivity",
}


@dataclass
class TrainedRun:
    """One ``electroscreen train`` invocation and where it wrote."""

    config_path: Path
    tracking_uri: str
    stdout: str
    stderr: str
    model_uri: str


def write_config(folder: Path, name: str = "small.yaml", **changes: object) -> Path:
    """Write ``SMALL_CONFIG`` (with top-level ``changes``) as YAML into ``folder``."""
    path = folder / name
    path.write_text(yaml.safe_dump({**SMALL_CONFIG, **changes}, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, data_dir) -> TrainedRun:
    """Train the small config through the CLI into a temporary SQLite store (once per session)."""
    folder = tmp_path_factory.mktemp("train")
    config_path = write_config(folder, data_dir=str(data_dir))
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    result = CliRunner().invoke(
        app, ["train", "--config", str(config_path), "--tracking-uri", uri], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    return TrainedRun(config_path, uri, result.stdout, result.stderr, lines[-1].strip())
