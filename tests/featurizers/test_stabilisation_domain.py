"""The stabilisation model corrects only compositions whose anions are those it was trained on.

Its O-S training compositions are sulfates and sulfites (S+VI, S+IV). Keyed on the anion elements
alone, the domain held {O, S}, so a trace of oxygen in a sulfide (S-II) switched the correction on:
Li10GeP2S11.99O0.01 was 0.2 eV/atom below Li10GeP2S12's hull, with an H2O reaction energy of -0.07
instead of -0.19 eV/atom and a window of 1.65-2.93 V instead of 2.21-2.32 V (audit F1,
2026-12-07). The domain is now keyed on the elements with a negative oxidation state, and an
oxysulfide is corrected by its oxygen's share of the anions only (tests/featurizers/
test_stabilisation_continuity.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.candidate_enthalpy import corrected_enthalpy
from electroscreen.featurizers.thermo.moisture import MoistureChemistry
from electroscreen.featurizers.thermo.reactivity import AirReactivity
from electroscreen.featurizers.thermo.stabilisation import (
    SOURCE_CORRECTED,
    SOURCE_HULL,
    SOURCE_PARTIAL,
)
from electroscreen.featurizers.thermo.stabilisation_anions import anion_masks, mask_anions
from electroscreen.featurizers.thermo.stabilisation_data import hull_features
from electroscreen.featurizers.thermo.stabilisation_frozen import default_stabilisation_model
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

#: Li10GeP2S(12-x)Ox
OXYGEN = (0.0, 0.001, 0.01, 0.1, 0.5)
LGPS_SERIES = [f"Li10GeP2S{12 - x:g}O{x:g}" if x else "Li10GeP2S12" for x in OXYGEN]
#: O-doped thiophosphates and thiostannates (S-II): treated as the pure sulfides are
OXYSULFIDES = [
    "Li10GeP2S11.99O0.01",
    "Li3PS3O",
    "Li3PS3.99O0.01",
    "Li7P2.9Sb0.1S10.75O0.25",
    "Li6PS4.9O0.1Cl",
    "Li4SnS3.99O0.01",
]
#: untabulated sulfates and a sulfite (S+VI, S+IV): inside the domain, as before
SULFATES = ["LiNaSO4", "Li3.5P0.5S0.5O4", "Li2SO3"]


def _z_amount(formula: str) -> tuple[list[int], list[float]]:
    amounts = parse_formula(formula)
    return [SYMBOL_TO_Z[s] for s in amounts], list(amounts.values())


def _symbols(mask: int) -> set[str]:
    return {s for s, z in SYMBOL_TO_Z.items() if z in mask_anions(mask)}


def test_anions_are_the_elements_with_a_negative_state():
    formulas = ["Li2SO4", "Li3PO4", "Li3PS3O", "Li3PS4", "Li3OCl", "LiNO3", "Li2PO2N", "Li2O2"]
    masks = anion_masks(pack_compositions([*formulas, "LiAl", "Li3(SO4)0.5(PO4)0.5"]))
    assert [_symbols(m) for m in masks[: len(formulas)]] == [
        {"O"}, {"O"}, {"O", "S"}, {"S"}, {"O", "Cl"}, {"O"}, {"N", "O"}, {"O"},
    ]  # fmt: skip
    assert masks[-2] == 0  # an intermetallic has no anion
    assert _symbols(masks[-1]) == {"O"}  # the formula's two S and O entries are merged


@pytest.mark.parametrize("water", ["gas", "liquid"])
def test_oxygen_doped_sulfides_are_corrected_by_their_oxygen_share(water):
    """Not as oxides: the correction predicted for the oxide analogue, times the O share of the
    anion atoms (0.25 for Li3PS3O, 0.0008 for Li10GeP2S11.99O0.01); with Cl beside the O, the
    excluded {O, Cl} takes part of that share and corrects it by 0 (Li6PS4.9O0.1Cl: 0.0086 of
    0.0167)."""
    model = default_stabilisation_model(water)
    packed = pack_compositions(OXYSULFIDES)
    assert not model.in_domain(packed).any()
    weight = model.domain_weight(packed)
    for formula, w in zip(OXYSULFIDES, weight, strict=True):
        amounts = parse_formula(formula)
        share = amounts["O"] / sum(a for s, a in amounts.items() if s in ("O", "S", "Cl"))
        if "Cl" in amounts:
            assert 0.5 * share < w < share, formula
        else:
            assert w == pytest.approx(share, rel=1e-12), formula
        z, amount = _z_amount(formula)
        energy, source = corrected_enthalpy(z, amount, water)
        assert source == SOURCE_PARTIAL, formula
        hull = hull_features(z, amount, water)[0]
        assert hull - 0.5 * w <= energy <= hull, formula  # predictions above -0.5 eV/atom here
    frame = AirReactivity(water=water).reactions(OXYSULFIDES)
    assert (frame["enthalpy_source"] == SOURCE_PARTIAL).all()
    np.testing.assert_allclose(frame["stabilisation_weight"], weight, rtol=1e-12)


@pytest.mark.parametrize("water", ["gas", "liquid"])
def test_sulfates_are_still_corrected(water):
    assert default_stabilisation_model(water).in_domain(pack_compositions(SULFATES)).all()
    for formula in SULFATES:
        z, amount = _z_amount(formula)
        energy, source = corrected_enthalpy(z, amount, water)
        assert source == SOURCE_CORRECTED, formula
        assert energy < hull_features(z, amount, water)[0] - 0.05  # by 0.12-0.27 eV/atom


def test_a_trace_of_oxygen_moves_a_sulfide_smoothly():
    """rxn_h2o, H2S per atom and both window limits of Li10GeP2S(12-x)Ox move by at most 0.1 (eV
    per atom, mol per atom, V) per O atom of formula unit from one x to the next: no jump at x > 0
    (before the fix: 0.12 eV/atom, 0.08 H2S/atom and 0.6 V between x = 0 and x = 0.001)."""
    moisture = MoistureChemistry(features=["rxn_h2o_ev_per_atom", "h2s_h2se_per_atom"])
    values = np.column_stack(
        [moisture.transform(LGPS_SERIES), ElectrochemicalWindow().transform(LGPS_SERIES)[:, :2]]
    )
    assert np.isfinite(values).all()
    slopes = np.abs(np.diff(values, axis=0)) / np.diff(OXYGEN)[:, None]
    assert (slopes <= 0.1).all(), slopes
    sources = AirReactivity().reactions(LGPS_SERIES)["enthalpy_source"]
    assert sources.iloc[0] == SOURCE_HULL and (sources.iloc[1:] == SOURCE_PARTIAL).all()
