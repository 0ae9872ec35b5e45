"""MaterialCost against pymatgen's CostAnalyzer on the same element table (pymatgen's, with the
Li and Na overrides written into a copy) and a plain loop; the overrides and what they change."""

from __future__ import annotations

import csv
from importlib.resources import files

import numpy as np
import pytest
from pymatgen.analysis.cost import CostAnalyzer, CostDBCSV, CostDBElements
from pymatgen.core import Composition, Element
from sklearn.base import clone

from electroscreen.featurizers.composition.cost import (
    CARRIER_PRICE_OVERRIDES,
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
    "Na3SbS4",
    "Na3Zr2Si2PO12",
    "NaAlCl4",
]
OVERRIDES = {q.element: q.usd_per_kg for q in CARRIER_PRICE_OVERRIDES}


def _pymatgen_rows() -> list[list[str]]:
    path = files("pymatgen.analysis").joinpath("costdb_elements.csv")
    with path.open(encoding="utf-8") as handle:
        return list(csv.reader(handle, quotechar="|"))


def test_matches_pymatgen_cost_analyzer_with_the_same_overrides(tmp_path):
    rows = [[r[0], str(OVERRIDES.get(r[0].strip(), r[1])), *r[2:]] for r in _pymatgen_rows()]
    table = tmp_path / "costdb_overridden.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quotechar="|", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    values, status = MaterialCost().transform_with_status(FORMULAS)
    assert (status == "ok").all()
    analyzer = CostAnalyzer(CostDBCSV(str(table)))  # an absolute path: pymatgen joins it as given
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
    assert "Shanghai Metals Market" in featurizer.citations()[0]
    assert "2016-12-14" in featurizer.citations()[0]
    with pytest.raises(ValueError, match="Qq"):
        MaterialCost(critical_elements=["Qq"]).transform(["LiCl"])


def test_carrier_prices_are_the_overrides_and_every_other_element_is_pymatgens():
    prices = element_prices()
    assert set(OVERRIDES) == {"Li", "Na"}
    assert prices[3] == OVERRIDES["Li"] == 115.70 and prices[11] == OVERRIDES["Na"] == 3.04
    pymatgen = CostAnalyzer(CostDBElements())
    symbols = {r[0].strip() for r in _pymatgen_rows()}
    checked = 0
    for symbol in symbols - set(OVERRIDES):
        element = Element(symbol)
        if element.Z < len(prices):  # pymatgen's masses carry units: equal to rounding
            assert prices[element.Z] == pytest.approx(
                pymatgen.get_cost_per_kg(Composition(symbol)), rel=1e-9
            ), symbol
            checked += 1
    assert checked >= 80
    priced = {int(z) for z in np.flatnonzero(np.isfinite(prices))}
    assert priced == {Element(s).Z for s in symbols if Element(s).Z < len(prices)}


def test_a_sodium_compound_is_cheaper_than_its_lithium_analogue():
    """The reason for the override: with pymatgen's own Li (3.87) and Na (250 USD/kg) every pair
    below is the other way round."""
    pairs = [("Na3SbS4", "Li3SbS4"), ("NaAlCl4", "LiAlCl4"), ("NaCl", "LiCl")]
    pairs += [("Na3Zr2Si2PO12", "Li3Zr2Si2PO12"), ("Na2B12H12", "Li2B12H12")]
    values = MaterialCost().transform([f for pair in pairs for f in pair])[:, 0]
    pymatgen = CostAnalyzer(CostDBElements())
    for (na, li), (na_cost, li_cost) in zip(pairs, values.reshape(-1, 2), strict=True):
        assert na_cost < li_cost, (na, na_cost, li, li_cost)
        before = [pymatgen.get_cost_per_kg(Composition(f)) for f in (na, li)]
        assert before[0] > before[1], (na, li, before)
    assert values[0] == pytest.approx(6.17, abs=0.01) and values[1] == pytest.approx(
        15.38, abs=0.01
    )
