"""InterfaceReactivity with cathodes whose enthalpy is estimated (LiCoO2, LiNiO2, NMC), against
pymatgen's InterfacialReactivity on the same entries (the cathode at the same estimated energy)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pymatgen.analysis.interface_reactions import InterfacialReactivity
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition

from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.candidate_enthalpy import corrected_enthalpy
from electroscreen.featurizers.thermo.enthalpies import (
    chemical_system,
    composition_key,
    enthalpy_table,
)
from electroscreen.featurizers.thermo.interface import (
    InterfaceReactivity,
    electrode_enthalpy,
    electrode_label,
    window_and_anode,
)

# sulfides, oxides (tabulated and not), halides, non-integer amounts, a Na sulfide
CASES = [
    "Li3PS4",
    "Li10GeP2S12",
    "Li6PS5Cl",
    "Li3PO4",
    "Li7La3Zr2O12",
    "Li6.4La3Zr1.4Ta0.6O12",
    "Li1.3Al0.3Ti1.7(PO4)3",
    "Li0.33La0.56TiO3",
    "Li3YCl6",
    "Li3InCl6",
    "Na3SbS4",
]
CATHODES = ("LiCoO2", "LiNiO2")
NMC = "LiNi0.8Mn0.1Co0.1O2"


@pytest.fixture(scope="module")
def reactions():
    featurizer = InterfaceReactivity(electrodes=(*CATHODES, NMC))
    return featurizer.reactions(CASES).set_index("formula")


def _pymatgen_min_kink(formula: str, electrode: str, e_candidate: float, e_electrode: float):
    """Most negative kink on a PhaseDiagram of the table's entries plus candidate and cathode."""
    symbols = set(parse_formula(formula)) | set(parse_formula(electrode))
    system = chemical_system(tuple(SYMBOL_TO_Z[s] for s in symbols), "gas")
    entries = [
        PDEntry(Composition(str(name)), float(e * n), name=str(name))
        for name, e, n in zip(system.names, system.energy, system.atoms, strict=True)
    ]
    for comp, energy in (
        (Composition(formula), e_candidate),
        (Composition(electrode), e_electrode),
    ):
        entries.append(PDEntry(comp, energy * comp.num_atoms, name=comp.reduced_formula))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ir = InterfacialReactivity(
            Composition(formula),
            Composition(electrode),
            PhaseDiagram(entries),
            norm=True,
            use_hull_energy=False,
        )
        return min(k[2] for k in ir.get_kinks())


def test_cathode_enthalpies_are_estimated_and_labelled():
    for cathode in (*CATHODES, NMC):
        electrode = electrode_enthalpy(cathode)
        a = parse_formula(cathode)
        energy, source = corrected_enthalpy([SYMBOL_TO_Z[s] for s in a], list(a.values()), "gas")
        assert source == "hull_decomposition+stabilisation_model"
        assert electrode.source == "estimated" and electrode.enthalpy == energy
        assert electrode.enthalpy < electrode.hull  # the stabilisation lowers it
        assert "estimated" in electrode.note and "no measured value" in electrode.note
    assert electrode_enthalpy("LiCoO2").enthalpy == pytest.approx(-1.711, abs=1e-3)
    featurizer = InterfaceReactivity(electrodes=("Li", "LiCoO2"))
    table = featurizer.electrode_enthalpies().set_index("electrode")
    assert list(table["source"]) == ["element", "estimated"]
    cites = featurizer.feature_citations()
    assert "LiCoO2: estimated" in cites["interface_licoo2_ev_per_atom"]
    assert "estimated" not in cites["interface_li_ev_per_atom"]
    assert any(c.startswith("LiCoO2: estimated") for c in featurizer.citations())
    assert not any("estimated" in c for c in InterfaceReactivity().citations())


def test_a_tabulated_electrode_takes_precedence_over_the_estimate():
    table = enthalpy_table("gas")
    electrode = electrode_enthalpy("Li2O2")
    z = [SYMBOL_TO_Z["Li"], SYMBOL_TO_Z["O"]]
    assert electrode.source == "tabulated"
    assert electrode.enthalpy == float(table.energy[table.known[composition_key(z, [2.0, 2.0])]])


def test_electrodes_outside_the_model_domain_or_without_estimates_are_refused():
    with pytest.raises(ValueError, match="not wholly inside the stabilisation model's domain"):
        InterfaceReactivity(electrodes=("LiTiS2",)).transform(["Li3PS4"])  # sulfide cathode
    with pytest.raises(ValueError, match="no tabulated formation enthalpy"):
        InterfaceReactivity(electrodes=("LiCoO2",), estimate_electrodes=False).transform(["Li3PS4"])
    with pytest.raises(ValueError, match="before the lone element 'O'"):  # not LiCo + O2
        InterfaceReactivity(electrodes=("LiCo-1O2",)).transform(["Li3PS4"])


@pytest.mark.parametrize("formula", CASES)
@pytest.mark.parametrize("cathode", CATHODES)
def test_cathode_matches_pymatgen_interfacial_reactivity(formula, cathode, reactions):
    row = reactions.loc[formula]
    assert row["status"] == "ok"
    e_cathode = electrode_enthalpy(cathode).enthalpy
    reference = _pymatgen_min_kink(
        formula, cathode, row["formation_enthalpy_ev_per_atom"], e_cathode
    )
    label = f"interface_{electrode_label(cathode)}"
    assert row[f"{label}_ev_per_atom"] == pytest.approx(min(reference, 0.0), abs=1e-6)
    assert row[f"{label}_electrode_enthalpy_ev_per_atom"] == e_cathode
    assert row[f"{label}_electrode_note"].startswith(f"{cathode}: estimated")


@pytest.mark.parametrize("formula", CASES)
def test_nmc_matches_pymatgen_interfacial_reactivity(formula, reactions):
    row = reactions.loc[formula]
    reference = _pymatgen_min_kink(
        formula, NMC, row["formation_enthalpy_ev_per_atom"], electrode_enthalpy(NMC).enthalpy
    )
    label = f"interface_{electrode_label(NMC)}"
    assert row[f"{label}_ev_per_atom"] == pytest.approx(min(reference, 0.0), abs=1e-6)


def test_sulfides_react_more_strongly_with_licoo2_than_oxides(reactions):
    """The published direction (Richards et al., Chem. Mater. 28, 266 (2016)): thiophosphates react
    strongly with LiCoO2, Li3PO4 and LLZO little or not at all."""
    energy = reactions["interface_licoo2_ev_per_atom"]
    for sulfide in ("Li3PS4", "Li10GeP2S12", "Li6PS5Cl"):
        assert energy[sulfide] < -0.2
        for oxide in ("Li3PO4", "Li7La3Zr2O12"):
            assert energy[sulfide] < energy[oxide] - 0.2
    assert energy["Li7La3Zr2O12"] == 0.0 and energy["Li3PO4"] == 0.0  # exactly: no reaction
    assert reactions.loc["Li3PO4", "interface_licoo2_reaction"] == "no reaction"
    assert "Co" in reactions.loc["Li3PS4", "interface_licoo2_products"]
    assert "Li3PO4" in reactions.loc["Li3PS4", "interface_licoo2_products"]  # P-S -> P-O


def test_window_anode_and_cathode_in_one_pass_equal_the_featurizers():
    formulas = [*CASES, "LiCl", "Li2O", "Na2S", "Xx2O", "Li0.5CoO2", "LiCoO2"]  # Na2S: no carrier
    both, _ = window_and_anode(formulas, cathode="LiCoO2")
    assert both.shape == (len(formulas), 5)
    np.testing.assert_array_equal(both[:, :4], window_and_anode(formulas)[0])
    cathode = InterfaceReactivity(("LiCoO2",)).transform(formulas)[:, 0]
    np.testing.assert_array_equal(both[:, 4], cathode)
    assert np.isnan(both[formulas.index("Xx2O"), 4])
    assert np.isfinite(both[formulas.index("Na2S"), 4])
    assert both[formulas.index("LiCoO2"), 4] == 0.0  # the cathode does not react with itself


def test_window_and_cathode_without_the_anode_skip_only_the_anode_column():
    formulas = ["Li3PS4", "Li7La3Zr2O12", "Li3YCl6", "NaCl", "Xx2O"]
    both, _ = window_and_anode(formulas, cathode="LiCoO2")
    no_anode, _ = window_and_anode(formulas, cathode="LiCoO2", anode=False)
    assert np.isnan(no_anode[:, 3]).all()
    np.testing.assert_array_equal(no_anode[:, [0, 1, 2, 4]], both[:, [0, 1, 2, 4]])


def test_a_pickle_from_before_estimate_electrodes_existed_estimates():
    """Its legacy value (True) estimates the untabulated cathode, as before the option."""
    from sklearn.base import clone

    featurizer = InterfaceReactivity(electrodes=("Li", "LiCoO2"))
    state = dict(featurizer.__getstate__())
    del state["estimate_electrodes"]
    old = InterfaceReactivity.__new__(InterfaceReactivity)
    old.__setstate__(state)
    assert old.estimate_electrodes is True
    assert clone(old).get_params() == featurizer.get_params()
    np.testing.assert_array_equal(old.transform(CASES[:4]), featurizer.transform(CASES[:4]))
    with pytest.raises(ValueError):  # the attribute decides: without estimates LiCoO2 is refused
        InterfaceReactivity(electrodes=("LiCoO2",), estimate_electrodes=False).transform(CASES[:1])
