"""Metal fluorides are not made stable against Li metal by the stabilisation correction (audit F1).

LiYF4, Li3YF6, Li2ZrF6, Li3ScF6 and LiGdF4 got a reduction limit of 0 V and no reaction with Li
metal, Li3InF6 an oxidation limit of 7.22 V (LiF's own is 6.39 V), and one F in Li2ZrCl6 raised its
oxidation limit from 4.23 to 4.77 V: all from a correction of 0.1-0.7 eV/atom that the {F} domain
set carried over from the fluoroborates, Na2SiF6, KHF2 and the W and B oxyfluorides, whose
"stabilisation" is the formation enthalpy of a gaseous binary fluoride the table lacks
(:func:`~electroscreen.featurizers.thermo.stabilisation_domain.fluoroanion_rows`). Those rows no
longer count towards the domain, the six metal fluorides left are under its ten, and a fluoride
keeps its hull energy: the table's own binaries reduce the Y, Sc, Gd and Zr fluorides by Li.
"""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.thermo.interface import window_and_anode
from electroscreen.featurizers.thermo.stabilisation_anions import anion_masks
from electroscreen.featurizers.thermo.stabilisation_data import stabilisation_training_set
from electroscreen.featurizers.thermo.stabilisation_domain import (
    domain_masks,
    fluoroanion_rows,
)
from electroscreen.featurizers.thermo.stabilisation_frozen import default_stabilisation_model
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

#: ternary metal fluorides the table does not hold, each reduced by Li on its own binaries
METAL_FLUORIDES = ["LiYF4", "Li3YF6", "Li2ZrF6", "Li3ScF6", "LiGdF4", "Li3InF6"]
#: windows of known electrolytes (V vs Li/Li+, status) before this change, water vapour, the
#: default bound: none of them holds fluorine but Li3AlF6 (tabulated), so none may move
KNOWN = {
    "Li7La3Zr2O12": (0.0, 3.8043072149, "ok"),
    "Li6.4La3Zr1.4Ta0.6O12": (0.0, 3.8563289447, "ok"),
    "Li6.25Al0.25La3Zr2O12": (0.0, 3.7596940116, "ok"),
    "Li1.3Al0.3Ti1.7(PO4)3": (2.1383310553, np.nan, "window_out_of_domain"),
    "Li1.5Al0.5Ge1.5(PO4)3": (2.3747610928, np.nan, "window_out_of_domain"),
    "Li0.33La0.56TiO3": (1.2122585035, np.nan, "window_out_of_domain"),
    "Li3PS4": (2.2127322457, 2.3158960547, "ok"),
    "Li6PS5Cl": (2.2127322457, 2.3158960547, "ok"),
    "Li3InCl6": (2.4252390996, 4.2327677276, "ok"),
    "Li3YCl6": (0.7780111755, 4.2327677276, "ok"),
    "Li2ZrCl6": (1.6927443416, 4.2327677276, "ok"),
    "Li3AlF6": (1.0984857304, 6.4714499734, "ok"),
}


def test_the_molecular_fluorides_do_not_count_towards_the_domain():
    packed, y, _, targets = stabilisation_training_set("gas", 3)
    rows = fluoroanion_rows(packed, "gas")
    assert sorted(targets["name"][rows]) == ["BOF", "KBF4", "KHF2", "Na2SiF6", "NaBF4", "WOF4"]
    assert (
        y[rows] < -0.9
    ).all()  # the formation enthalpy of BF3, SiF4, HF, WF6, not a stabilisation
    f = int(SYMBOL_TO_Z["F"])
    fluorides = (anion_masks(packed) == 1 << 2) & ~rows  # {F} alone: the metal fluorides
    assert fluorides.sum() == 6 and (np.abs(y[fluorides]) < 0.12).all()
    np.testing.assert_array_equal(domain_masks(packed, "gas")[rows], 0)
    for water in ("gas", "liquid"):
        domain = default_stabilisation_model(water).domain_
        assert frozenset({f}) not in domain and frozenset({SYMBOL_TO_Z["O"]}) in domain
    weight = default_stabilisation_model("gas").domain_weight(pack_compositions(METAL_FLUORIDES))
    assert (weight == 0.0).all()


def test_metal_fluorides_are_reduced_by_lithium_as_their_binaries_say():
    """The window and the reaction with Li metal are the hull's: LiYF4 + 3 Li -> 4 LiF + Y at 0.46
    V (was 0 V, no reaction), Li2ZrF6 at 1.48 V; the oxidation limit is LiF's, not above it."""
    frame = ElectrochemicalWindow().window(METAL_FLUORIDES + ["LiF"]).set_index("formula")
    plain = ElectrochemicalWindow(stabilisation=False).window(METAL_FLUORIDES)
    fluorides = frame.loc[METAL_FLUORIDES]
    assert (fluorides["status"] == "ok").all()
    np.testing.assert_allclose(fluorides["window_red_v"], plain["window_red_v"], atol=1e-9)
    assert (fluorides["window_red_v"] > 0.4).all()
    assert fluorides.loc["Li2ZrF6", "window_red_v"] == pytest.approx(1.48, abs=0.01)
    assert fluorides.loc["LiYF4", "red_reaction"] == "LiYF4 + 3 Li -> 4 LiF + Y"
    lif = frame.loc["LiF", "window_ox_v"]
    assert (fluorides["window_ox_v"] <= lif + 1e-9).all()  # Li3InF6 was 7.22 V
    both, status = window_and_anode(METAL_FLUORIDES)
    assert (status == "ok").all() and (both[:, 3] < -0.1).all()  # anode: was 0, "no reaction"


def test_one_fluoride_in_a_chloride_does_not_raise_its_oxidation_limit():
    """Cl- -> Cl2 sets a chloride's oxidation limit whatever F sits beside it: Li2ZrCl5F was 4.77 V
    against Li2ZrCl6's 4.23, Li3InCl4.8F1.2 4.40 against 4.23 (the {F} share of the correction)."""
    formulas = ["Li2ZrCl5F", "Li2ZrCl6", "Li3InCl4.8F1.2", "Li3InCl6"]
    values, status = ElectrochemicalWindow().transform_with_status(formulas)
    assert (status == "ok").all()
    assert values[0, 1] <= values[1, 1] + 1e-9 and values[2, 1] <= values[3, 1] + 1e-9
    assert (
        default_stabilisation_model("gas").domain_weight(pack_compositions(formulas)) == 0
    ).all()


def test_the_windows_of_known_electrolytes_do_not_move():
    formulas = list(KNOWN)
    values, status = ElectrochemicalWindow().transform_with_status(formulas)
    expected = np.array([KNOWN[f][:2] for f in formulas])
    np.testing.assert_allclose(values[:, :2], expected, atol=1e-8)
    assert status.tolist() == [KNOWN[f][2] for f in formulas]
