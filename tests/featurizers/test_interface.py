"""InterfaceReactivity against pymatgen's InterfacialReactivity on the same entries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pymatgen.analysis.interface_reactions import InterfacialReactivity
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition
from sklearn.base import clone

from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.registry import make_featurizer
from electroscreen.featurizers.thermo.enthalpies import chemical_system
from electroscreen.featurizers.thermo.interface import (
    InterfaceReactivity,
    electrode_label,
    window_and_anode,
)

# tabulated, and untabulated with the stabilisation model's enthalpy; non-integer amounts; Na
CASES = [
    "LiAlO2",
    "Li2SiO3",
    "Li3PO4",
    "Li3PS4",
    "Li10GeP2S12",
    "Li6PS5Cl",
    "Li7La3Zr2O12",
    "Li6.4La3Zr1.4Ta0.6O12",
    "Li1.3Al0.3Ti1.7(PO4)3",
    "Li0.33La0.56TiO3",
    "Li3YCl6",
    "Na3SbS4",
]
ELECTRODES = ("Li", "Li2O2")  # the metal, and a tabulated compound (the cathode code path)


@pytest.fixture(scope="module")
def reactions():
    return InterfaceReactivity(electrodes=ELECTRODES).reactions(CASES).set_index("formula")


def _pymatgen_min_kink(formula: str, electrode: str, energy_per_atom: float) -> float:
    """Most negative kink on a PhaseDiagram of the table's entries plus the candidate's entry."""
    symbols = set(parse_formula(formula)) | set(parse_formula(electrode))
    system = chemical_system(tuple(SYMBOL_TO_Z[s] for s in symbols), "gas")
    entries = [
        PDEntry(Composition(str(name)), float(e * n), name=str(name))
        for name, e, n in zip(system.names, system.energy, system.atoms, strict=True)
    ]
    comp = Composition(formula)
    entries.append(PDEntry(comp, energy_per_atom * comp.num_atoms, name=comp.reduced_formula))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ir = InterfacialReactivity(
            comp, Composition(electrode), PhaseDiagram(entries), norm=True, use_hull_energy=False
        )
        return min(k[2] for k in ir.get_kinks())


@pytest.mark.parametrize("formula", CASES)
@pytest.mark.parametrize("electrode", ELECTRODES)
def test_matches_pymatgen_interfacial_reactivity(formula, electrode, reactions):
    row = reactions.loc[formula]
    assert row["status"] == "ok"
    reference = _pymatgen_min_kink(formula, electrode, row["formation_enthalpy_ev_per_atom"])
    label = f"interface_{electrode_label(electrode)}"
    assert row[f"{label}_ev_per_atom"] == pytest.approx(min(reference, 0.0), abs=1e-6)


def test_reactions_are_balanced_and_chemically_sensible(reactions):
    # thiophosphates are reduced by Li to Li2S, Li3YCl6 to LiCl + Y
    assert reactions.loc["Li3PS4", "interface_li_ev_per_atom"] < -0.1
    assert "Li2S" in reactions.loc["Li3PS4", "interface_li_products"]
    assert reactions.loc["Li3YCl6", "interface_li_reaction"].startswith("Li3YCl6 + ")
    assert "LiCl" in reactions.loc["Li3YCl6", "interface_li_products"]
    # Li3PO4 is reduced too (its window starts above 0 V); Li2O and LiF are stable against Li
    assert reactions.loc["Li3PO4", "interface_li_ev_per_atom"] < 0.0
    stable = InterfaceReactivity().reactions(["Li2O", "LiF"])
    assert (stable["interface_li_reaction"] == "no reaction").all()
    assert (stable["interface_li_mixing_ratio"] == 1.0).all()
    for formula in CASES:  # element balance of every written reaction
        text = reactions.loc[formula, "interface_li_reaction"]
        if text == "no reaction":
            continue
        left, right = text.split(" -> ")
        assert _atoms(left) == pytest.approx(_atoms(right), rel=1e-3)


def _atoms(side: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for term in side.split(" + "):
        parts = term.split(" ")
        coeff, formula = (float(parts[0]), parts[1]) if len(parts) == 2 else (1.0, parts[0])
        for s, a in parse_formula(formula).items():
            out[s] = out.get(s, 0.0) + coeff * a
    return {s: a for s, a in out.items() if abs(a) > 1e-9}


def test_feature_names_follow_electrodes_and_clone():
    f = InterfaceReactivity(electrodes=("Li", "O2"))
    assert list(f.get_feature_names_out()) == [
        "interface_li_ev_per_atom",
        "interface_li_mixing_ratio",
        "interface_o2_ev_per_atom",
        "interface_o2_mixing_ratio",
    ]
    assert clone(f).electrodes == ("Li", "O2")
    assert isinstance(make_featurizer("interface"), InterfaceReactivity)


def test_unestimable_electrode_is_refused_and_bad_rows_get_a_status():
    # estimated cathodes (LiCoO2 ...): tests/featurizers/test_interface_cathode.py
    with pytest.raises(ValueError, match="no tabulated formation enthalpy"):
        InterfaceReactivity(electrodes=("LiTiS2",)).transform(["Li3PS4"])
    values, status = InterfaceReactivity().transform_with_status(["Li3PS4", "Xx2O", "Li2O"])
    assert status[0] == "ok" and status[2] == "ok" and status[1] != "ok"
    assert np.isnan(values[1]).all() and values[2, 0] == 0.0


def test_window_and_anode_in_one_pass_equals_the_two_featurizers():
    from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

    formulas = [*CASES, "LiCl", "Li2O", "Na2S", "Xx2O", "Li0.5CoO2"]  # Na2S: no carrier
    both, status = window_and_anode(formulas)
    values, expected_status = ElectrochemicalWindow().transform_with_status(formulas)
    np.testing.assert_array_equal(both[:, :3], values)
    assert status.tolist() == expected_status.tolist()
    np.testing.assert_array_equal(both[:, 3], InterfaceReactivity().transform(formulas)[:, 0])
    assert np.isfinite(both[formulas.index("Na2S"), 3])


def test_an_untabulated_borane_cluster_salt_has_no_interface_reactions():
    """A closo-borate's "reaction" with Li metal (-0.34 to -0.41 eV/atom) was that of LiBH4,
    boranes and borides, its hull: NaN, status ``interface_borane_cluster``, as its window;
    ``window_and_anode`` (one set of enthalpies for screen) says the same whatever the bound."""
    formulas = ["Li2B12H12", "LiCB11H12", "LiB11H14", "LiBH4", "Li3PS4"]
    interface = InterfaceReactivity(electrodes=("Li", "LiCoO2"))
    values, status = interface.transform_with_status(formulas)
    assert status.tolist() == ["interface_borane_cluster"] * 3 + ["ok"] * 2
    assert np.isnan(values[:3]).all() and np.isfinite(values[3:]).all()
    assert values[3, 0] < -0.1  # LiBH4 + Li -> LiH + LiB3 is tabulated chemistry: kept
    reactions = interface.reactions(formulas)
    assert (reactions.loc[:2, "interface_li_reaction"] == "").all()
    assert reactions.loc[3, "interface_li_reaction"].startswith("LiBH4 + ")
    for bound in (1.0, np.inf):
        both, window_status = window_and_anode(formulas, max_uncertainty_v=bound, cathode="LiCoO2")
        np.testing.assert_array_equal(both[:, 3:], values[:, ::2])
        assert (window_status[:3] == ("window_borane_cluster" if bound == 1.0 else "ok")).all()
