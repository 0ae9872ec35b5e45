"""MaterialCost against pymatgen's CostAnalyzer on the same element table and a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.analysis.cost import CostAnalyzer, CostDBElements
from pymatgen.core import Composition
from sklearn.base import clone

from electroscreen.featurizers.composition.cost import (
    CRITICAL_ELEMENTS,
    MaterialCost,
    element_prices,
)
from electroscreen.featurizers.registry import make_featurizer

FORMULAS = [
    "Li10GeP2S12",
    "Li3PS4",
    "Li6.4La3Zr1.4Ta0.6O12",  # non-integer amounts
    "Li1.3Al0.3Ti1.7(PO4)3",
    "Li3YCl6",
    "Li6PS5Cl",
    "Li7La3Zr2O12",
    "LiCl",
]


def test_matches_pymatgen_cost_analyzer():
    values, status = MaterialCost().transform_with_status(FORMULAS)
    assert (status == "ok").all()
    analyzer = CostAnalyzer(CostDBElements())
    for formula, row in zip(FORMULAS, values, strict=True):
        composition = Composition(formula)
        assert row[0] == pytest.approx(analyzer.get_cost_per_kg(composition), rel=1e-4)
        per_mol = analyzer.get_cost_per_mol(composition) / composition.num_atoms
        assert row[1] == pytest.approx(per_mol, rel=1e-4)


def test_matches_a_plain_loop_and_is_intensive():
    prices = element_prices()
    values = MaterialCost().transform(FORMULAS + ["Li20Ge2P4S24"])
    for formula, row in zip(FORMULAS, values[:-1], strict=True):
        composition = Composition(formula)
        usd = sum(n * el.atomic_mass * prices[el.Z] / 1000 for el, n in composition.items())
        mass = sum(n * el.atomic_mass for el, n in composition.items())
        critical = sum(n for el, n in composition.items() if el.symbol in CRITICAL_ELEMENTS)
        expected = [usd / mass * 1000, usd / composition.num_atoms]
        expected += [critical / composition.num_atoms, float(critical > 0)]
        np.testing.assert_allclose(row, expected, rtol=1e-3)  # pymatgen's masses carry units
    np.testing.assert_allclose(values[-1], values[0], rtol=1e-12)  # a cell costs as its formula


def test_missing_price_bad_rows_and_parameters():
    featurizer = make_featurizer("cost", critical_elements=["Ge"])
    values, status = featurizer.transform_with_status(["LiFm", "Li2XyZ", "Li10GeP2S12", "Li3PS4"])
    assert list(status) == ["no_cost_data", "unknown_element", "ok", "ok"]
    assert np.isnan(values[0, :2]).all() and values[0, 3] == 0.0
    assert np.isnan(values[1]).all()
    assert values[2, 3] == 1.0 and values[3, 3] == 0.0
    assert clone(featurizer).get_params() == {"critical_elements": ["Ge"]}
    assert list(featurizer.get_feature_names_out())[0] == "cost_usd_per_kg"
    assert "2013" in featurizer.citations()[0]
    with pytest.raises(ValueError, match="Qq"):
        MaterialCost(critical_elements=["Qq"]).transform(["LiCl"])
