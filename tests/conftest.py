"""Shared fixtures: the OBELiX reference data (parsed once per session) and temporary MLflow stores."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The reference data folder: $ELECTROSCREEN_DATA, else ../shared/data beside the clone."""
    env = os.environ.get("ELECTROSCREEN_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not (path / "obelix" / "all.csv").is_file():
        pytest.fail(f"reference data not found at {path}: set ELECTROSCREEN_DATA", pytrace=False)
    return path


@pytest.fixture(scope="session")
def obelix_table(data_dir):
    """The 599-row OBELiX table (``load_obelix``)."""
    from electroscreen.data import load_obelix

    return load_obelix(data_dir)


@pytest.fixture(scope="session")
def obelix_structures(data_dir):
    """Candidate table of the 321 OBELiX structures (249 partially occupied), parsed once."""
    from electroscreen.data import obelix_candidates

    return obelix_candidates(data_dir, structures_only=True)


@pytest.fixture(scope="session")
def obelix_packed(obelix_structures):
    """The 321 OBELiX structures as packed arrays."""
    from electroscreen.data import pack_structures

    table = obelix_structures
    return pack_structures(list(table["structure"]), list(table["candidate_id"]))


@dataclass(frozen=True)
class ModelStore:
    """A temporary SQLite tracking store holding both default models (tiny versions)."""

    uri: str
    folder: Path
    conductivity: str
    stability: str


@pytest.fixture(scope="session")
def model_store(tmp_path_factory, data_dir) -> ModelStore:
    """Tiny conductivity (Magpie, OBELiX + Liverpool rows, Arrhenius temperature model) and
    air-stability (electrolyte) models, registered under the default names
    ``electroscreen-conductivity`` / ``electroscreen-air-stability``."""
    from tests.tiny_models import train_tiny

    _train = partial(train_tiny, experiment="screening-test-train")
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
