"""An anion set is corrected only where the correction, held out, beats the plain hull (session 26).

{O, Cl} had its ten training rows (oxychlorides, NH4ClO4, CaCl2O, the LiCl hydrates) and so was in
the domain, but held out by chemical system the model predicts them with 0.20 eV/atom against 0.06
for no correction: Li3OCl came out 0.073 eV/atom below Li2O + LiCl (it is metastable), LiNbOCl4
and LiTaOCl4 were out of the window's bound, and one H2O raised Li3YCl6's oxidation limit by 0.8 V.
The model's fit now measures each set (``StabilisationModel.domain_scores_``); {O, Cl} fails and is
*excluded*: its share of a composition's anions is corrected by 0, not handed to {O} (whose
oxide-analogue share, held out on the same rows, is no better: 0.13 against 0.06 eV/atom).
"""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.candidate_enthalpy import corrected_enthalpy
from electroscreen.featurizers.thermo.reactivity import AirReactivity
from electroscreen.featurizers.thermo.stabilisation import SOURCE_HULL, StabilisationModel
from electroscreen.featurizers.thermo.stabilisation_anions import anion_mask, mask_anions
from electroscreen.featurizers.thermo.stabilisation_data import (
    hull_features,
    stabilisation_training_set,
)
from electroscreen.featurizers.thermo.stabilisation_domain import (
    FULL_SHARE,
    domain_masks,
    domain_scores,
)
from electroscreen.featurizers.thermo.stabilisation_frozen import default_stabilisation_model
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

OXYGEN, CHLORINE = SYMBOL_TO_Z["O"], SYMBOL_TO_Z["Cl"]
#: untabulated oxychlorides and LiCl-type hydrates (O2- and Cl- anions)
OXYCHLORIDES = ["Li3OCl", "Li2OHCl", "LiNbOCl4", "LiTaOCl4", "Li2Fe(SO4)Cl", "Li3InCl6(H2O)2"]
WATERS = ["gas", "liquid"]


@pytest.fixture(scope="module", params=WATERS)
def fitted(request):
    return StabilisationModel(water=request.param).fit()


def test_domain_scores_keep_a_set_only_where_the_correction_beats_no_correction():
    masks = np.array([1, 1, 1, 2, 2, 2, 4, 0])
    target = np.array([-0.3, -0.2, -0.1, -0.01, 0.02, 0.0, -0.5, -1.0])
    held_out = np.array([-0.25, -0.2, -0.15, -0.3, -0.2, -0.1, -0.5, 0.0])
    scores = domain_scores(masks, target, held_out, min_count=3)
    np.testing.assert_allclose(
        scores, [[1, 3, 0.1 / 3, 0.2], [2, 3, 0.61 / 3, 0.01]], rtol=1e-12
    )  # set 4 (one row) and the rows without a set (0) are not scored


def test_the_fit_measures_the_domain_held_out(fitted):
    """{O} (279 rows) is corrected: 0.10 against 0.19 eV/atom; {O, Cl} (10) is excluded: 0.20
    against 0.06. Every set of ``min_domain_count`` counted rows is one or the other."""
    packed = stabilisation_training_set(fitted.water, fitted.min_elements)[0]
    masks, counts = np.unique(domain_masks(packed, fitted.water), return_counts=True)
    enough = {mask_anions(m) for m, c in zip(masks, counts, strict=True) if m > 0 and c >= 10}
    assert fitted.domain_ | fitted.excluded_ == enough and not fitted.domain_ & fitted.excluded_
    assert fitted.domain_ == {frozenset({OXYGEN})} and fitted.excluded_ == {
        frozenset({OXYGEN, CHLORINE})
    }
    scores = {mask_anions(int(row[0])): row[1:] for row in fitted.domain_scores_}
    n, model, zero = scores[frozenset({OXYGEN})]
    assert n == 279 and model < 0.6 * zero
    n, model, zero = scores[frozenset({OXYGEN, CHLORINE})]
    assert n == 10 and model > 2 * zero
    shipped = default_stabilisation_model(fitted.water)  # the arrays hold the same measurement
    assert shipped.domain_ == fitted.domain_ and shipped.excluded_ == fitted.excluded_
    np.testing.assert_array_equal(shipped.domain_scores_, fitted.domain_scores_)


@pytest.mark.parametrize("water", WATERS)
def test_oxychlorides_keep_their_hull_energy(water):
    """Li3OCl is no longer below Li2O + LiCl: its enthalpy is that mixture's, and so are its window
    (0-2.92 V, Li2O's oxidation) and its reactions with water and CO2."""
    model = default_stabilisation_model(water)
    packed = pack_compositions(OXYCHLORIDES)
    assert (model.domain_weight(packed) == 0.0).all()
    for formula in OXYCHLORIDES:
        amounts = parse_formula(formula)
        z, amount = [SYMBOL_TO_Z[s] for s in amounts], list(amounts.values())
        energy, source = corrected_enthalpy(z, amount, water)
        assert source == SOURCE_HULL and energy == hull_features(z, amount, water)[0], formula
    corrected = AirReactivity(water=water).reactions(OXYCHLORIDES)
    plain = AirReactivity(water=water, stabilisation=False).reactions(OXYCHLORIDES)
    columns = ["formation_enthalpy_ev_per_atom", "rxn_h2o_ev_per_atom", "rxn_co2_ev_per_atom"]
    np.testing.assert_array_equal(corrected[columns].to_numpy(), plain[columns].to_numpy())
    window = ElectrochemicalWindow(water=water).window(OXYCHLORIDES).set_index("formula")
    bare = ElectrochemicalWindow(water=water, stabilisation=False).window(OXYCHLORIDES)
    assert (window["status"] == "ok").all()  # LiNbOCl4, LiTaOCl4: window_out_of_domain before
    for column in ("window_red_v", "window_ox_v"):
        np.testing.assert_array_equal(window[column].to_numpy(), bare[column].to_numpy())
    assert window.loc["Li3OCl", "window_ox_v"] == pytest.approx(2.918, abs=1e-3)  # was 3.28


def test_a_hydrated_chloride_is_oxidised_near_its_chloride():
    """One H2O per Li3YCl6 (O at 1/7 of the anions, under FULL_SHARE) keeps a trace of the {O}
    correction: its oxidation limit is 4.31 V against Li3YCl6's 4.23 (5.06 while {O, Cl} was
    corrected, audit_halide F2)."""
    window = ElectrochemicalWindow().window(["Li3YCl6(H2O)", "Li3YCl6"]).set_index("formula")
    assert (window["status"] == "ok").all()
    hydrate, chloride = window["window_ox_v"]
    assert chloride < hydrate < chloride + 0.1


def test_an_oxide_with_a_trace_of_chloride_keeps_its_correction():
    """The excluded set takes its share as a domain set would (a trace of Cl ramps {O, Cl} in by
    share / FULL_SHARE), so LLZO with 0.02 Cl per formula unit keeps 0.99 of LLZO's correction."""
    frame = AirReactivity().reactions(["Li7La3Zr2O12", "Li7La3Zr2O11.99Cl0.02"])
    correction = frame["stabilisation_ev_per_atom"].to_numpy()
    assert correction[0] < -0.1
    per_weight = correction[1] / frame["stabilisation_weight"].iloc[1]  # its {O} analogue's
    assert per_weight == pytest.approx(correction[0], rel=0.01)
    mask = anion_mask({OXYGEN, CHLORINE})
    model = default_stabilisation_model("gas")
    assert mask in [anion_mask(s) for s in model.excluded_]
    weight = model.domain_weight(pack_compositions(["Li7La3Zr2O11.99Cl0.02"]))[0]
    cl = 0.02 / 12.01  # Cl's share of the anion atoms: {O, Cl} takes cl / FULL_SHARE of the rest
    assert weight == pytest.approx((1 - cl / FULL_SHARE) * (1 - cl), rel=1e-12)
