"""Hydrates recognised by their text and by their composition (electroscreen.data.hydrates;
audit_halide F2: Li3YCl6·H2O, Li3YCl6.H2O and Li3InCl6·2H2O screened ok and outranked their dry
compounds)."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.hydrates import find_hydrates, hydrate_formula, written_waters

#: Hydrates, each as a chemist writes it (the dry compound reduced, its water per formula unit).
HYDRATES = {
    "Li3YCl6·H2O": "Li3YCl6·H2O",
    "Li3YCl6.H2O": "Li3YCl6·H2O",
    "Li3YCl6*H2O": "Li3YCl6·H2O",
    "Li3InCl6·2H2O": "Li3InCl6·2H2O",
    "Li3YH2Cl6O": "Li3YCl6·H2O",  # no notation: the composition says it
    "Li3InH4Cl6O2": "Li3InCl6·2H2O",
    "Li6Y2Cl12·2H2O": "Li3YCl6·H2O",
    "Li3InCl6·0.5H2O": "Li3InCl6·0.5H2O",
    "LiCl·H2O": "LiCl·H2O",
    "Li2B12H12·7H2O": "Li2B12H12·7H2O",  # a cage salt's hydrate: 14 H+ in water, 12 H- on B
    "Li2B12H26O7": "Li2B12H12·7H2O",
    "LiCB11H12·H2O": "LiCB11H12·H2O",
    "LiBH4·2H2O": "LiBH4·2H2O",
}
#: Hydroxides, protonated oxides, oxyhalides, hydrides, cage salts and ammines: no hydrates.
NOT_HYDRATES = [
    "Li2OHCl", "Li2(OH)0.9F0.1Cl", "Li2.5OH0.5Cl", "LiOH", "Li6.5H0.5La3Zr2O12", "Li3OCl",
    "LiBH4", "Li2B12H12", "LiBH4·NH3", "Li4(BH4)(NH2)3", "LiNH2BH3", "Li4H2O", "Li3NH2O",
    "Li7La3Zr2O12", "LiNbOCl4", "LiH2PO4", "LiB(OH)4",
]  # fmt: skip


def test_water_written_as_a_unit_of_its_own_is_counted():
    """The forms the parser reads as a sum: a middle dot, an ASCII dot (also before a decimal
    multiplier), a star, a bracketed water with its count."""
    assert written_waters("Li3YCl6·H2O") == written_waters("Li3YCl6.H2O") == 1.0
    assert written_waters("Li3InCl6*2H2O") == written_waters("Li3InCl6 · 2H2O") == 2.0
    assert written_waters("LiCl.0.5H2O") == 0.5
    assert written_waters("Li3(Mo8S8O8(OH)8(HWO5(H2O)))*(H2O)18") == 18.0  # OBELiX na5
    assert written_waters("LiOH·H2O") == written_waters("LiI·D2O") == 1.0
    for text in ("Li6.4La3Zr1.4Ta0.6O12", "Li.5Cl", "Li3PS4.2LiI", "LiH2O", "H2O", "H2O.H2O"):
        assert written_waters(text) == 0.0, text
    assert written_waters("Li2O.2(B2O3)") == 0.0  # the parser's bad_formula


@pytest.mark.parametrize(("formula", "expected"), list(HYDRATES.items()))
def test_hydrates_by_text_and_by_composition(formula, expected):
    packed = pack_compositions([formula])
    assert find_hydrates(packed, written=[formula]).formula[0] == expected
    by_composition = find_hydrates(packed)  # no text: a CIF's content, a formula table row
    assert by_composition.formula[0] == expected


@pytest.mark.parametrize("formula", NOT_HYDRATES)
def test_hydroxides_protonated_oxides_hydrides_and_ammines_are_not_hydrates(formula):
    found = find_hydrates(pack_compositions([formula]), written=[formula])
    assert not found.found[0] and found.formula[0] == "", formula


def test_only_the_text_says_so_where_the_dry_compound_holds_o_or_protic_h():
    """LiOH·H2O and Li2SO4·H2O: the written water comes off, the hydroxide's H and the sulfate's
    O stay; without the text their composition proves no hydrate."""
    formulas = ["LiOH·H2O", "Li2SO4·H2O"]
    packed = pack_compositions(formulas)
    found = find_hydrates(packed, written=formulas)
    assert found.formula.tolist() == ["LiOH·H2O", "Li2SO4·H2O"]  # a hydroxide: OH
    assert found.dry.tolist() == ["LiOH", "Li2SO4"] and found.written.all()
    assert not find_hydrates(packed).found.any()


def test_each_row_is_read_alone_and_only_the_rows_asked():
    formulas = ["Li3YCl6·H2O", "Li2OHCl", "Li3InCl6·2H2O", "LiBH4·NH3", "Li2B12H12·7H2O"]
    packed = pack_compositions(formulas)
    together = find_hydrates(packed, written=formulas)
    for k, formula in enumerate(formulas):
        alone = find_hydrates(pack_compositions([formula]), written=[formula])
        assert alone.formula[0] == together.formula[k]
        assert alone.waters[0] == together.waters[k]
    asked = np.array([False, True, True, True, False])
    assert find_hydrates(packed, asked, formulas).formula.tolist() == [
        "", "", "Li3InCl6·2H2O", "", ""
    ]  # fmt: skip


def test_the_hydrate_formula_reduces_the_dry_compound_and_scales_its_water():
    assert hydrate_formula({"Li": 6, "Y": 2, "Cl": 12}, 1.0) == ("Li3YCl6·0.5H2O", "Li3YCl6", 0.5)
    assert hydrate_formula({"Li": 2, "B": 12, "H": 12}, 7.0)[0] == "Li2B12H12·7H2O"
