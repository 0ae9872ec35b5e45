"""Fixtures of the models tests: the OBELiX conductivity table, featurized once, and small subsets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.tasks import load_task_table

#: Small, fast estimator settings per estimator name (the behaviour under test, not accuracy).
FAST_PARAMS = {
    "random_forest": {"n_estimators": 24, "max_features": 0.3, "n_jobs": 1},
    "extra_trees": {"n_estimators": 24, "max_features": 0.3, "n_jobs": 1},
    "gradient_boosting": {"n_members": 2, "max_iter": 25, "learning_rate": 0.1},
    "mlp": {"hidden": [32], "n_members": 2, "epochs": 10, "batch_size": 64},
    "graph": {"hidden": 16, "n_layers": 2, "n_members": 2, "epochs": 3, "batch_size": 16},
    "logistic": {"n_members": 3},
}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Torch on one thread in these tests (2 shared CI cores: more threads only oversubscribe)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def conductivity_table(data_dir) -> pd.DataFrame:
    """The 599-row composition-only OBELiX conductivity table."""
    return load_task_table("conductivity", data_dir).reset_index(drop=True)


@pytest.fixture(scope="session")
def composition_design(conductivity_table):
    """``magpie + electrolyte`` design of the whole table (featurized once)."""
    return CandidatePredictor(featurizers=("magpie", "electrolyte")).featurize(conductivity_table)


@pytest.fixture(scope="session")
def cif_table(data_dir, conductivity_table) -> pd.DataFrame:
    """48 OBELiX rows with a CIF (smallest cells first, train and test mixed), CIF text in ``structure``."""
    from electroscreen.data.obelix import load_obelix_structures

    cifs = load_obelix_structures(data_dir)
    table = conductivity_table[conductivity_table["candidate_id"].isin(cifs)].copy()
    table["structure"] = table["candidate_id"].map(cifs)
    table["cif_length"] = table["structure"].str.len()
    table = table.sort_values(["cif_length", "candidate_id"]).head(48)
    return table.drop(columns="cif_length").reset_index(drop=True)


def bad_rows_frame(good: pd.DataFrame) -> pd.DataFrame:
    """``good`` plus an unparsable formula and a row whose input status is already an error."""
    extra = pd.DataFrame(
        {
            "candidate_id": ["bad-formula", "bad-status"],
            "formula": ["Li3Xq2(((", "Li7La3Zr2O12"],
            "status": ["ok", "parse_error"],
        }
    )
    return pd.concat([good[["candidate_id", "formula", "status"]], extra], ignore_index=True)


def rng_rows(n: int, k: int, seed: int = 0) -> np.ndarray:
    """``k`` sorted distinct positions out of ``n``."""
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def shift_electrolyte_column(monkeypatch, column: str, by: float) -> None:
    """Make ``ElectrolyteComposition`` compute ``column`` as ``(1 + by)`` times what it does (a
    featurizer whose code changed since a model was trained: ``descriptor_fingerprint``)."""
    from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition

    original = ElectrolyteComposition.transform_with_status
    position = list(ElectrolyteComposition().get_feature_names_out()).index(column)

    def shifted(self, X):
        values, status = original(self, X)
        values = values.copy()
        values[:, position] *= 1 + by
        return values, status

    monkeypatch.setattr(ElectrolyteComposition, "transform_with_status", shifted)
