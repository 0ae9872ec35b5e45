"""ElectrolyteComposition against a plain-Python version built on pymatgen's element data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pymatgen.core import Composition
from pymatgen.core.periodic_table import Element
from sklearn.base import clone

from electroscreen.data import assign_oxidation_states, pack_compositions, parse_formula
from electroscreen.featurizers.composition.electrolyte import (
    ANION_FAMILIES,
    CARRIER_IONS,
    ElectrolyteComposition,
)
from electroscreen.featurizers.composition.electrolyte_kernels import electrolyte_kernel

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}
ROMAN.update({"X": 10, "XI": 11, "XII": 12, "XIV": 14})


def _radius(symbol: str, ox: float) -> float:
    """Shannon ionic radius from pymatgen's data (VI, else nearest coordination, high spin)."""
    by_cn = Element(symbol).data.get("Shannon radii", {}).get(str(int(np.floor(ox + 0.5))))
    if not by_cn:
        return np.nan
    cn = min(by_cn, key=lambda c: (abs(ROMAN[c.rstrip("SQPY")] - 6), ROMAN[c.rstrip("SQPY")], c))
    spins = by_cn[cn]
    return spins["High Spin" if "High Spin" in spins else sorted(spins)[0]]["ionic_radius"]


def _hardness(symbol: str, ox: float) -> float:
    el = Element(symbol)
    ie = el.ionization_energies
    n = int(np.floor(ox + 0.5))
    if n <= 0:
        return (ie[0] - el.electron_affinity) / 2
    return (ie[n] - ie[n - 1]) / 2 if len(ie) > n else np.nan


def _mean_std(values: list[float], weights: list[float]) -> tuple[float, float]:
    if not values:
        return np.nan, np.nan
    mean = np.average(values, weights=weights)
    return mean, float(np.sqrt(np.average((np.asarray(values) - mean) ** 2, weights=weights)))


def reference_features(formula: str) -> list[float]:
    """The 28 features computed directly, one formula at a time."""
    amounts = parse_formula(formula)
    total = sum(amounts.values())
    row = []
    for ion in CARRIER_IONS:
        row += [amounts.get(ion, 0.0) / total, amounts.get(ion, 0.0)]
    carrier = max(CARRIER_IONS, key=lambda s: (amounts.get(s, 0.0), -CARRIER_IONS.index(s)))
    if amounts.get(carrier, 0.0) == 0:
        carrier = None
    result = assign_oxidation_states(amounts)
    if result.status == "no_oxidation_state":
        return row + [np.nan] * 20
    states = result.states
    anions = {el: n for el, n in amounts.items() if states[el] < 0}
    cations = {el: n for el, n in amounts.items() if states[el] > 0}
    tail = [result.residual, float(bool(result.mixed_valence))]
    if not anions:
        return row + [np.nan] * 18 + tail
    anion_total = sum(anions.values())
    row += [anions.get(fam, 0.0) / anion_total for fam in ANION_FAMILIES]
    radius_cations = {el: n for el, n in cations.items() if el != "H"}
    for group in (radius_cations, anions):
        row += _mean_std([_radius(el, states[el]) for el in group], list(group.values()))
    chi = {el: Element(el).X for el in amounts}
    chi_an = sum(n * chi[el] for el, n in anions.items()) / anion_total
    chi_cat = sum(n * chi[el] for el, n in cations.items()) / sum(cations.values())
    row.append(chi_an - chi_cat if cations else np.nan)
    framework = {el: n for el, n in radius_cations.items() if el != carrier}
    eta_fw = _mean_std([_hardness(el, states[el]) for el in framework], list(framework.values()))[0]
    eta_an = _mean_std([_hardness(el, states[el]) for el in anions], list(anions.values()))[0]
    return row + [eta_fw, eta_an, eta_fw - eta_an] + tail


EDGE_CASES = ["Li", "LiHe2Cl", "LiCl", "Li3N", "Fe3O4", "LiBH4", "Li2OHCl", "KMgF3", "Na2Mg(SO4)2"]


def test_equals_plain_python_reference_on_all_obelix(obelix_table):
    formulas = obelix_table["true_composition"].tolist() + EDGE_CASES
    featurizer = ElectrolyteComposition(count_basis="as_written")  # the reference counts as written
    values, status = featurizer.transform_with_status(formulas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.array([reference_features(f) for f in formulas])
    assert values.shape == expected.shape == (599 + len(EDGE_CASES), 28)
    np.testing.assert_array_equal(np.isnan(values), np.isnan(expected))
    np.testing.assert_allclose(values, expected, rtol=1e-9, atol=1e-12, equal_nan=True)
    # status is "ok" exactly where every feature is defined
    np.testing.assert_array_equal(status == "ok", ~np.isnan(values).any(axis=1))
    assert (status == "ok").sum() > 550


def test_known_electrolytes():
    names = ElectrolyteComposition().get_feature_names_out().tolist()
    values, status = ElectrolyteComposition().transform_with_status(
        ["Li7La3Zr2O12", "Li6PS5Cl", "Li3YCl6", "Fe3O4"]
    )
    llzo, argyrodite, chloride, magnetite = (dict(zip(names, row, strict=True)) for row in values)
    assert llzo["Li_count"] == 7 and llzo["Li_fraction"] == pytest.approx(7 / 24)
    assert llzo["anion_fraction_O"] == 1 and llzo["anion_radius_mean"] == pytest.approx(1.40)
    # cations Li+ (0.76), La3+ (1.032), Zr4+ (0.72), weighted 7:3:2
    assert llzo["cation_radius_mean"] == pytest.approx((7 * 0.76 + 3 * 1.032 + 2 * 0.72) / 12)
    assert argyrodite["anion_fraction_S"] == pytest.approx(5 / 6)
    assert argyrodite["anion_fraction_Cl"] == pytest.approx(1 / 6)
    assert chloride["hardness_difference"] > 0 and chloride["anion_radius_std"] == pytest.approx(
        0, abs=1e-12
    )
    assert magnetite["mixed_valence"] == 1 and magnetite["charge_residual"] == pytest.approx(0)
    assert status.tolist() == ["ok"] * 4


def test_counts_do_not_depend_on_how_the_formula_is_written():
    """``Li_count`` and ``charge_residual`` were per formula as written: LLZO, its double and its
    garnet cell (OBELiX's ``true_composition``) got 7, 14 and 56 Li. Per reduced formula unit they
    agree, and every other feature already did."""
    names = ElectrolyteComposition().get_feature_names_out().tolist()
    spellings = ["Li7La3Zr2O12", "Li14La6Zr4O24", "Li56La24Zr16O96"]
    values = ElectrolyteComposition().transform(spellings)
    np.testing.assert_array_equal(values[1], values[0])
    np.testing.assert_array_equal(values[2], values[0])
    assert values[0, names.index("Li_count")] == 7
    ta_cell, ta_unit = ElectrolyteComposition().transform(
        ["Li51.2La24Zr11.2Ta4.8O96", "Li6.4La3Zr1.4Ta0.6O12"]
    )
    np.testing.assert_allclose(ta_cell, ta_unit, rtol=1e-12)
    # an unbalanced composition's residual is per reduced formula unit too (Li5La3Zr2O12: -2 e)
    residual = ElectrolyteComposition().transform(["Li5La3Zr2O12", "Li40La24Zr16O96"])[
        :, names.index("charge_residual")
    ]
    assert residual[0] == residual[1] == -2
    old = ElectrolyteComposition(count_basis="as_written").transform(spellings)
    assert old[:, names.index("Li_count")].tolist() == [7, 14, 56]
    units = ElectrolyteComposition().feature_units()
    assert units["Li_count"] == "atoms per reduced formula unit"
    assert units["charge_residual"] == "e per reduced formula unit"
    with pytest.raises(ValueError, match="count_basis"):
        ElectrolyteComposition(count_basis="per_cell").transform(["LiCl"])


def test_a_pickle_from_before_count_basis_keeps_counting_as_written():
    """A featurizer pickled before ``count_basis`` existed computes the features it was fitted on."""
    import pickle

    from sklearn.base import clone

    state = dict(ElectrolyteComposition().fit(["LiCl"]).__getstate__())
    del state["count_basis"]
    old = ElectrolyteComposition.__new__(ElectrolyteComposition)
    old.__setstate__(state)
    assert old.count_basis == "as_written"
    cells = ["Li56La24Zr16O96", "Li20Ge2P4S24"]
    expected = ElectrolyteComposition(count_basis="as_written").transform(cells)
    np.testing.assert_array_equal(old.transform(cells), expected)
    assert not np.array_equal(ElectrolyteComposition().transform(cells), expected)
    assert old.feature_units()["Li_count"] == "atoms per formula unit as written"
    assert clone(pickle.loads(pickle.dumps(old))).get_params()["count_basis"] == "as_written"


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Li", "no_anion"),
        ("Li2Qq", "unknown_element"),
        ("LiCl", "no_framework_cation"),
        ("LiBH4", "missing_ionic_radius"),  # Shannon lists no radius for H-
    ],
)
def test_undefined_features_are_nan_with_a_reason(formula, expected):
    values, status = ElectrolyteComposition().transform_with_status([formula])
    assert status[0] == expected
    assert np.isnan(values).any()


def test_carrier_choice_changes_the_framework():
    formula = ["Li0.5Na2.5Zr2Si2PO12"]
    auto = ElectrolyteComposition().transform(formula)
    lithium = ElectrolyteComposition(carrier="Li").transform(formula)
    col = (
        ElectrolyteComposition().get_feature_names_out().tolist().index("framework_cation_hardness")
    )
    assert auto[0, col] != lithium[0, col]  # auto picks Na, the most abundant carrier
    with pytest.raises(ValueError, match="carrier"):
        ElectrolyteComposition(carrier="Cs").transform(formula)


def test_kernel_equals_python_version_and_inputs_agree():
    formulas = ["Li7La3Zr2O12", "Li6PS5Cl", "Li3N", "Li", "Fe3O4", "Na3Zr2Si2PO12", "Li4BN3H10"]
    featurizer = ElectrolyteComposition()
    packed = pack_compositions(formulas)
    from electroscreen.featurizers.composition import electrolyte

    ions, oxidation, residual, mixed = electrolyte._oxidation_arrays(packed)
    args = (ions.offsets, ions.z, ions.amount, oxidation, residual, mixed)
    extra = (
        np.array([3, 11, 19, 12]),
        np.array([8, 16, 34, 52, 9, 17, 35, 53, 7, 1]),
        0,
        electrolyte.ionic_radius_table("ionic"),
        electrolyte.absolute_hardness_table(),
        electrolyte.element_property("pauling_electronegativity"),
    )
    fast, fast_problem = electrolyte_kernel(*args, *extra)
    slow, slow_problem = electrolyte_kernel.py_func(*args, *extra)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast_problem, slow_problem)
    np.testing.assert_array_equal(featurizer.transform(formulas), fast)
    np.testing.assert_array_equal(featurizer.transform([Composition(f) for f in formulas]), fast)


def test_every_feature_has_unit_and_citation_and_clone_works():
    featurizer = ElectrolyteComposition(carrier="Na", radius_kind="crystal")
    names = featurizer.get_feature_names_out()
    assert len(names) == len(set(names)) == 28
    assert set(featurizer.feature_units()) == set(names)
    assert all(featurizer.feature_units()[n] for n in names)
    assert all(featurizer.feature_citations()[n] for n in names)
    assert any("Shannon" in c for c in featurizer.citations())
    copy = clone(featurizer)
    assert copy.get_params() == {
        "carrier": "Na",
        "radius_kind": "crystal",
        "count_basis": "reduced_formula",
    }
    assert copy.fit(["LiCl"]).n_features_out_ == 28
