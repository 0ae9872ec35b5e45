"""Shared fixtures: the OBELiX reference data (parsed once per session), temporary MLflow stores and
one build of MLflow's SQLite schema for the whole session."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _one_mlflow_schema_build(tmp_path_factory):
    """Every new SQLite store this process opens gets a copy of one store MLflow built.

    MLflow makes a new SQLite store's tables by replaying its alembic migrations (about 2 s on the
    2-core CI machine, for each of the test session's dozens of temporary stores). Here the first
    new store is built by MLflow (``_initialize_tables``) in a template file, and each new one,
    tracking or registry, receives those pages through SQLite's backup API: the same tables and
    ``alembic_version`` as MLflow's own build, made once. Stores opened by subprocesses (the CLI
    tests, ``electroscreen.experiments.sqlite_store``'s lock test) are still built by MLflow.
    """
    import mlflow.store.db.utils as db_utils
    import mlflow.store.model_registry.sqlalchemy_store as registry_store
    import sqlalchemy

    build = db_utils._initialize_tables
    template = tmp_path_factory.mktemp("mlflow-schema") / "template.db"

    def initialize(engine) -> None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database.startswith(":memory:"):
            build(engine)
            return
        if not template.is_file():
            made = sqlalchemy.create_engine(f"sqlite:///{template}")
            try:
                build(made)
            finally:
                made.dispose()
        connection = engine.raw_connection()
        try:
            with closing(sqlite3.connect(template)) as source:
                source.backup(connection.driver_connection)
        finally:
            connection.close()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db_utils, "_initialize_tables", initialize)
        patch.setattr(registry_store, "_initialize_tables", initialize)
        yield


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
