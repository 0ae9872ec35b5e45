"""A reduced formula of a borane-cluster salt holds whole cage anions (``borane.cage_formula_units``).

Na4(B12H12)(B10H10) (two air-stability label rows) was written Na2B11H11: the gcd divided the
whole composition and left 11 boron per unit, the formula of an undecaborate, not of the mixed
closo-borate. A reduction now divides only into units that are whole cages of the electrolytes'
anions (closo B10H10 2-, B12H12 2-; carba-closo CB9H10 -, CB11H12 -; nido B11H14 -; dicarba-nido
C2B9H12 -) with any tetrahydroborates.
"""

from __future__ import annotations

import numpy as np
from pymatgen.core import Lattice, Structure

from electroscreen.data.borane import cage_formula_units, whole_cages
from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import parse_formula
from electroscreen.data.formula_reduction import (
    WRITTEN_DECIMALS,
    formula_units,
    reduce_formula_text,
)
from electroscreen.data.formula_text import formula_texts, packed_formula_units

#: written -> reduced: mixed cages stay whole; single-cage salts and their cells reduce as before
REDUCED = {
    "Na4(B12H12)(B10H10)": "Na4B22H22",
    "Na8B44H44": "Na4B22H22",  # a cell of two units: 2, not 4
    "Na2(CB9H10)(CB11H12)": "Na2C2B20H22",  # not NaCB10H11
    "Na6(BH4)2(B12H12)2": "Na3B13H16",  # Na3(BH4)(B12H12): a cage and a tetrahydroborate
    "Li8B48H48": "Li2B12H12",
    "Li4C4B36H40": "LiCB9H10",
    "Li2B12H12": "Li2B12H12",
    "Li2B2H8": "LiBH4",  # no cage: reduced as any formula
    "Li20Ge2P4S24": "Li10GeP2S12",
}


def test_a_mixed_cage_salt_is_not_reduced_to_another_salts_formula():
    written = list(REDUCED)
    expected = list(REDUCED.values())
    assert formula_texts(written, WRITTEN_DECIMALS)[1] == expected  # a formula as written
    assert formula_texts(written)[1] == expected  # a cell's content, as text
    assert [reduce_formula_text(f) for f in written] == expected  # the per-row path
    amounts = [parse_formula(f) for f in written]
    kernel = packed_formula_units(pack_compositions(amounts)).tolist()
    assert kernel == [formula_units(a) for a in amounts] == [1, 2, 1, 2, 4, 4, 1, 2, 2]


def test_whole_cages_are_the_electrolytes_anions():
    assert whole_cages(22, 0, 22) and whole_cages(12, 0, 12) and whole_cages(11, 1, 12)
    assert whole_cages(13, 0, 16) and whole_cages(11, 0, 14) and whole_cages(20, 2, 22)
    assert not whole_cages(11, 0, 11)  # closo-B11H11 2-: no electrolyte's anion
    assert not whole_cages(6, 0, 6) and not whole_cages(10, 1, 11)  # B6H6; half of CB9 + CB11
    assert not whole_cages(9.6, 1, 10.6)  # a solid solution's fractional unit
    units = cage_formula_units([22, 44, 48, 2, 9.6], [22, 44, 48, 8, 10.6], [0, 0, 0, 0, 1])
    assert units.tolist() == [1, 2, 4, 0, 1]  # 0: no cluster, no limit


def test_a_mixed_cage_structure_is_written_per_whole_cages():
    """A cell of two Na4(B12H12)(B10H10) units whose sites are all alike per element: the sites
    alone give 8 units (Na) and the composition 4; neither may split the cages."""
    from electroscreen.data.cell_units import site_formula_units, structure_formulas
    from electroscreen.data.packed import pack_structures

    rng = np.random.default_rng(0)
    species = ["Na"] * 8 + ["B"] * 44 + ["H"] * 44
    cell = Structure(Lattice.cubic(12.0), species, rng.random((len(species), 3)))
    packed = pack_structures([cell])
    assert site_formula_units(packed).tolist() == [4]
    assert structure_formulas(packed) == ["Na4B22H22"]


def test_the_identity_is_one_composition_however_it_is_written():
    """The label file writes the salt twice: Na4(B12H12)(B10H10) and Na2(B12H12)0.5(B10H10)0.5.
    Both are one composition for the recall, whichever formula is shown."""
    from electroscreen.models.training_labels import TrainingLabels

    labels = TrainingLabels(
        ["a", "b", "c"],
        ["Na4(B12H12)(B10H10)", "Na2(B12H12)0.5(B10H10)0.5", "Na2B12H12"],
        ["moderate", "moderate", "stable"],
    )
    assert len(labels) == 2
    found = labels.lookup(pack_compositions(["Na4B22H22", "Na2B11H11", "Na8B44H44"]))
    assert found.iloc[:, 1].tolist() == ["a;b"] * 3
