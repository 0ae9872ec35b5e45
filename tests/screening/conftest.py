"""Fixtures of the screening tests: two tiny registered models and small candidate pools."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from tests.tiny_models import train_tiny


@dataclass(frozen=True)
class ModelStore:
    """A temporary SQLite tracking store holding both default models (tiny versions)."""

    uri: str
    folder: Path
    conductivity: str
    stability: str


_train = partial(train_tiny, experiment="screening-test-train")


@pytest.fixture(scope="session")
def model_store(tmp_path_factory, data_dir) -> ModelStore:
    """Tiny conductivity (Magpie, OBELiX + Liverpool rows, Arrhenius temperature model) and
    air-stability (electrolyte) models, registered under the default names
    ``electroscreen-conductivity`` / ``electroscreen-air-stability``."""
    folder = tmp_path_factory.mktemp("screen-models")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    conductivity = _train(
        "conductivity", ["magpie"], uri, data_dir,
        evaluation={"schemes": [], "cv_folds": 2}, liverpool=True, temperature_model="arrhenius",
    )  # fmt: skip
    stability = _train(
        "air_stability", ["electrolyte"], uri, data_dir,
        final_fit="all", evaluation={"schemes": [], "cv_folds": 2},
    )  # fmt: skip
    return ModelStore(uri, folder, conductivity, stability)


#: Formulas of a small pool: good candidates, each pre-filter's rejections and unparseable rows.
POOL_FORMULAS = [
    "Li7La3Zr2O12",
    "Li3PS4",
    "NaCl",  # no carrier
    "Li6PS5Cl",
    "LiPbCl3",  # forbidden element (Pb)
    "Li3YCl6",
    "LiXx2",  # unknown element
    "Li10GeP2S12",
    "Li2O3",  # not charge balanced
    "",  # empty formula
    "Li3InCl6",
    "LiCoO2",  # redox-active cation (Co)
    "Li1.3Al0.3Ti1.7(PO4)3",
    "Li3N",
]


@pytest.fixture
def formula_pool(tmp_path) -> Path:
    """A formula CSV with ids, :data:`POOL_FORMULAS` repeated 3 times (42 rows)."""
    formulas = POOL_FORMULAS * 3
    path = tmp_path / "pool.csv"
    pd.DataFrame({"id": [f"c{i:03d}" for i in range(len(formulas))], "formula": formulas}).to_csv(
        path, index=False
    )
    return path
