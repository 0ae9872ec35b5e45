"""Hydrolysis without redox (H2S and H2Se released) against hand-balanced reactions.

The reference is plain arithmetic on the table's enthalpies: each reaction below is balanced by
hand and its energy per atom of the reacting mixture computed in NumPy, independently of the hull
kernels. Before the hydrolysis scan the H2S count came from the hull's global minimum, which for
Na2S and every selenide is a redox reaction (``Na2S + 4 H2O -> Na2SO4 + 4 H2``) with no H2S.
"""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data import parse_formula
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.thermo.enthalpies import composition_key, enthalpy_table
from electroscreen.featurizers.thermo.hull import hull_energy, hull_energy_linprog
from electroscreen.featurizers.thermo.hydrolysis import allowed_entries
from electroscreen.featurizers.thermo.moisture import MoistureChemistry
from electroscreen.featurizers.thermo.reactivity import AirReactivity

TABLE = enthalpy_table("gas")


def _fu(formula: str) -> tuple[float, int]:
    """Tabulated enthalpy (eV per formula unit as written) and atoms per formula unit."""
    amounts = parse_formula(formula)
    key = composition_key([SYMBOL_TO_Z[s] for s in amounts], list(amounts.values()))
    atoms = sum(amounts.values())
    return float(TABLE.energy[TABLE.known[key]]) * atoms, int(round(atoms))


def _per_atom(candidate: float, reactants: dict[str, float], products: dict[str, float]) -> float:
    """Reaction energy per atom of the reacting mixture; ``candidate`` is (energy, atoms) of 1 fu."""
    e_c, n_c = candidate
    e_in = e_c + sum(k * _fu(f)[0] for f, k in reactants.items())
    atoms = n_c + sum(k * _fu(f)[1] for f, k in reactants.items())
    e_out = sum(k * _fu(f)[0] for f, k in products.items())
    return (e_out - e_in) / atoms


@pytest.fixture(scope="module")
def frame():
    cases = ["Li2S", "Na2S", "Li3PS4", "Li3PSe4", "Li4SnS4", "Li2SO4"]
    return AirReactivity().reactions(cases).set_index("formula")


def test_hand_balanced_hydrolysis(frame):
    li2s, na2s = _fu("Li2S"), _fu("Na2S")
    # Li3PS4 is untabulated: its stand-in is 3/2 Li2S + 1/4 P4S10; Li3PSe4's is 3/2 Li2Se + P + 5/2 Se
    li3ps4 = (1.5 * _fu("Li2S")[0] + 0.25 * _fu("P4S10")[0], 8)
    li3pse4 = (1.5 * _fu("Li2Se")[0], 8)
    assert frame.loc["Li3PS4", "formation_enthalpy_ev_per_atom"] * 8 == pytest.approx(li3ps4[0])
    assert frame.loc["Li3PSe4", "formation_enthalpy_ev_per_atom"] * 8 == pytest.approx(li3pse4[0])
    hydrolysis = {
        "Li2S": (_per_atom(li2s, {"H2O": 2}, {"H2S": 1, "LiHO": 2}), 1.0, 0.0),
        "Na2S": (_per_atom(na2s, {"H2O": 2}, {"H2S": 1, "NaHO": 2}), 1.0, 0.0),
        "Li3PS4": (_per_atom(li3ps4, {"H2O": 4}, {"H2S": 4, "Li3PO4": 1}), 4.0, 0.0),
        "Li3PSe4": (_per_atom(li3pse4, {"H2O": 4}, {"H2Se": 4, "Li3PO4": 1}), 4.0, 4.0),
    }
    for formula, (energy, gases, h2se) in hydrolysis.items():
        row = frame.loc[formula]
        assert row["hydrolysis_ev_per_atom"] == pytest.approx(energy, abs=1e-9), formula
        assert row["h2s_per_formula_unit"] == pytest.approx(gases), formula  # H2S + H2Se
        assert row["h2se_per_formula_unit"] == pytest.approx(h2se), formula
        assert row["h2s_released"] == 1.0
    # Na2S: the hull's global minimum oxidises the sulfide (more negative per atom than the
    # hydrolysis), so H2S used to read 0; the driving force stays that global reaction
    na2so4, _ = _fu("Na2SO4")
    redox = (na2so4 - na2s[0] - 4 * _fu("H2O")[0]) / 15  # Na2S + 4 H2O -> Na2SO4 + 4 H2
    assert frame.loc["Na2S", "rxn_h2o_ev_per_atom"] == pytest.approx(redox, abs=1e-9)
    assert redox < hydrolysis["Na2S"][0] < 0
    assert frame.loc["Na2S", "h2o_reaction"] == "Na2S + 4 H2O -> 4 H2 + Na2SO4"
    assert frame.loc["Na2S", "hydrolysis_reaction"] == "Na2S + 2 H2O -> H2S + 2 NaHO"
    # Li2S: hydrolysis is already the global minimum (LiOH is stable enough to beat Li2SO4 + H2)
    assert frame.loc["Li2S", "rxn_h2o_ev_per_atom"] == pytest.approx(hydrolysis["Li2S"][0])
    # a sulfate cannot hydrolyse to H2S without reducing S(VI)
    assert frame.loc["Li2SO4", "h2s_per_formula_unit"] == 0.0
    assert frame.loc["Li2SO4", "hydrolysis_reaction"] == "no reaction"


def test_moisture_descriptor_counts_h2se_and_keeps_its_old_name():
    formulas = ["Na2S", "Li6PSe5Cl", "Li3PS4"]
    new = MoistureChemistry(["h2s_h2se_per_atom"]).transform(formulas)[:, 0]
    old = MoistureChemistry(["h2s_per_atom"]).transform(formulas)[:, 0]  # a model pickled before
    np.testing.assert_array_equal(new, old)
    np.testing.assert_allclose(new, [1 / 3, 4 / 13, 0.5])  # Li6PSe5Cl + 7 H2O -> 4 H2Se + ...
    assert "H2Se" in MoistureChemistry(["h2s_per_atom"]).feature_units()["h2s_per_atom"]


def test_allowed_entries_keep_anion_states():
    allowed = dict(zip(TABLE.names.astype(str), allowed_entries("gas"), strict=True))
    for name in ("Li2S", "LiHO", "H2S", "H2Se", "Li3PO4", "SnO2", "LiCl(H2O)3", "Sb2O5", "H2O"):
        assert allowed[name], name
    for name in ("Li2SO4", "NaS", "SO2", "SeO2", "NaH", "Na2O2", "Na2SO3"):
        assert not allowed[name], name


def test_priced_starting_element_matches_linprog():
    """The kernels start from the pure elements; one given a cost is priced out of the cost row."""
    rng = np.random.default_rng(0)
    d, n = 3, 9
    matrix = np.vstack([np.eye(d), rng.dirichlet(np.ones(d), size=n - d)])
    energy = np.concatenate([[0.0, 5.0, 0.0], -rng.uniform(0.1, 1.0, n - d)])
    for comp in rng.dirichlet(np.ones(d), size=10):
        assert hull_energy(matrix, energy, comp) == pytest.approx(
            hull_energy_linprog(matrix, energy, comp), abs=1e-9
        )
