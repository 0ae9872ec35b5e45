"""docs/architecture.md's "Worked example: a composition featurizer", followed as written with a
throwaway featurizer: kernel, class (``feature_table``, ``problem_statuses``, ``_run``), registry
line. Its problem codes become statuses and its citations reach ``citations()`` untold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.experiments.train_config import TrainConfig
from electroscreen.featurizers.base import ProblemCodeFeaturizer
from electroscreen.featurizers.elements import element_property
from electroscreen.featurizers.registry import FEATURIZERS, featurize_table, make_featurizer

MASS = "IUPAC standard atomic weights (via pymatgen)"
COUNT = "the formula as written"


def carrier_mass_kernel(
    offsets: np.ndarray, z: np.ndarray, amount: np.ndarray, molar_mass: np.ndarray, carrier: int
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: per row, mean atomic mass, carrier mass fraction, atoms; code 1: no carrier."""
    n = len(offsets) - 1
    counts = np.diff(offsets)
    row = np.repeat(np.arange(n), counts)
    atoms = np.bincount(row, weights=amount, minlength=n)
    mass = np.bincount(row, weights=amount * molar_mass[z], minlength=n)
    carrier_mass = np.bincount(row, weights=amount * molar_mass[z] * (z == carrier), minlength=n)
    values = np.full((n, 3), np.nan)
    filled = counts > 0
    values[filled, 0] = mass[filled] / atoms[filled]
    values[filled, 1] = carrier_mass[filled] / mass[filled]
    values[filled, 2] = atoms[filled]
    return values, (filled & (carrier_mass == 0)).astype(np.int64)


class CarrierMass(ProblemCodeFeaturizer):
    """Step 2: the class, declared as the doc says."""

    feature_table = [
        ("mean_atomic_mass", "g/mol", MASS),
        ("carrier_mass_fraction", "mass fraction", MASS),
        ("atoms_per_formula", "atoms", COUNT),
    ]
    problem_statuses = ("ok", "no_carrier")

    def __init__(self, carrier: str = "Li") -> None:
        self.carrier = carrier

    def _run(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        return carrier_mass_kernel(
            packed.offsets,
            packed.z,
            packed.amount,
            element_property("atomic_mass"),
            SYMBOL_TO_Z[self.carrier],
        )


@pytest.fixture
def registered(monkeypatch):
    """Step 3: the registry line."""
    monkeypatch.setitem(
        FEATURIZERS, "carrier_mass", "tests.featurizers.test_worked_example:CarrierMass"
    )


def test_problem_codes_become_statuses():
    values, status = CarrierMass().transform_with_status(["Li3PS4", "NaCl", "Li3Xq", "LiCl"])
    assert list(status) == ["ok", "no_carrier", "unknown_element", "ok"]
    assert values[0, 2] == 8.0 and values[1, 1] == 0.0 and np.isnan(values[2]).all()
    li, cl = element_property("atomic_mass")[[3, 17]]
    assert values[3, 1] == pytest.approx(li / (li + cl))


def test_citations_come_from_the_feature_table():
    featurizer = CarrierMass()
    assert featurizer.citations() == [MASS, COUNT]  # distinct, in table order
    assert featurizer.feature_citations()["atoms_per_formula"] == COUNT
    assert featurizer.feature_units()["mean_atomic_mass"] == "g/mol"


def test_a_registered_featurizer_is_taken_by_name(registered):
    assert make_featurizer("carrier_mass", carrier="Na").citations() == [MASS, COUNT]
    config = TrainConfig(
        task="conductivity",
        featurizers=["magpie", "carrier_mass"],
        featurizer_params={"carrier_mass": {"carrier": "Na"}},
        registered_model_name="x",
    )
    assert config.featurizers == ["magpie", "carrier_mass"]
    table = pd.DataFrame(
        {"candidate_id": ["a", "b"], "formula": ["Li3PS4", "NaCl"], "status": "ok", "error": ""}
    )
    out = featurize_table(table, ["carrier_mass"])
    assert out["status_carrier_mass"].tolist() == ["ok", "no_carrier"]
    assert out["featurize_status"].tolist() == ["ok", "carrier_mass:no_carrier"]
