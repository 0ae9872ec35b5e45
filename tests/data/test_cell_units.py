"""Formula units read from a cell's sites, and the formula per unit that results (``cell_units``):
the Numba kernel against a plain-Python count over pymatgen sites, on the OBELiX structures
(249 of 321 partially occupied), and the formulas against OBELiX's own."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.data.cell_units import (
    OCCUPANCY_DECIMALS,
    site_formula_units,
    structure_formulas,
)
from electroscreen.data.formula import parse_formula
from electroscreen.data.formula_reduction import reduce_formula_text
from electroscreen.data.packed import pack_structures, packed_formulas


def _reference_units(structure: Structure) -> int:
    """gcd of the counts of sites with one occupancy, counted over pymatgen's sites."""
    counts = Counter(
        frozenset((sp.Z, round(frac, OCCUPANCY_DECIMALS)) for sp, frac in site.species.items())
        for site in structure
    )
    return math.gcd(*counts.values()) if counts else 1


def _same_amounts(a: str, b: str, rtol: float = 2e-3) -> bool:
    x, y = parse_formula(a), parse_formula(b)
    return x.keys() == y.keys() and all(abs(x[k] - y[k]) <= rtol * max(1.0, y[k]) for k in x)


def test_site_units_equal_a_count_over_pymatgen_sites(obelix_structures, obelix_packed):
    expected = [_reference_units(s) for s in obelix_structures["structure"]]
    np.testing.assert_array_equal(site_formula_units(obelix_packed), expected)
    assert (~obelix_packed.is_ordered).sum() >= 200  # disordered cells are most of the check


def test_formulas_are_per_formula_unit_of_the_dataset(
    obelix_structures, obelix_packed, obelix_table
):
    written = obelix_table.set_index("ID")
    ids = obelix_structures["candidate_id"].astype(str)
    dataset = written.loc[ids, "formula"].tolist()
    z = written.loc[ids, "Z"].to_numpy(dtype=float)
    units = site_formula_units(obelix_packed)
    assert (units == z).sum() >= 280  # of 321: the sites say what the CIF's Z says
    formulas = structure_formulas(obelix_packed)
    cells = packed_formulas(obelix_packed)
    by_sites = sum(_same_amounts(f, d) for f, d in zip(formulas, dataset, strict=True))
    by_composition = sum(
        _same_amounts(reduce_formula_text(c), d) for c, d in zip(cells, dataset, strict=True)
    )
    assert by_sites >= 200 and by_sites >= by_composition + 70  # measured: 206 against 130
    for formula, cell in zip(formulas, cells, strict=True):  # same composition, always
        per_unit, content = parse_formula(formula), parse_formula(cell)
        assert per_unit.keys() == content.keys()
        units = max(1, round(content[next(iter(content))] / per_unit[next(iter(content))]))
        for el in content:  # one whole divisor; amounts written to 4 decimals
            assert abs(content[el] / units - per_unit[el]) <= 1e-4 + 1e-9, (formula, cell)


def _lgps_like(ge_fraction: float) -> Structure:
    """A small cell with two equally occupied (Ge,P) sites, two S sites per cation and Li."""
    lattice = Lattice.tetragonal(8.7, 12.6)
    species = [{"Ge": ge_fraction, "P": 1 - ge_fraction}] * 2 + [{"S": 1.0}] * 8 + [{"Li": 0.9}] * 8
    coords = np.random.default_rng(0).random((len(species), 3))
    return Structure(lattice, species, coords)


def test_a_doped_cell_is_divided_by_its_site_units():
    doped, ordered = _lgps_like(0.335), _lgps_like(1.0)
    packed = pack_structures([doped, ordered, Structure(Lattice.cubic(3), [], [])])
    assert site_formula_units(packed).tolist() == [2, 2, 1]
    # Li7.2Ge0.67P1.33S8 does not reduce by its amounts (two decimals at most); its sites say two
    # units. Li7.2Ge2S8 reduces by its own amounts, as before
    assert reduce_formula_text(packed_formulas(packed)[0]) == "Li7.2Ge0.67P1.33S8"
    assert structure_formulas(packed) == ["Li3.6Ge0.335P0.665S4", "Li3.6GeS4", ""]


def _with_lithium(structure: Structure, total: float) -> Structure:
    """``structure`` with its partly occupied Li sites scaled to ``total`` Li per cell."""
    out = structure.copy()
    partial = [i for i, site in enumerate(out) if 0 < site.species.get("Li", 0) < 1]
    held = sum(out[i].species["Li"] for i in partial)
    scale = 1 + (total - out.composition["Li"]) / held
    for i in partial:
        out.replace(i, {"Li": out[i].species["Li"] * scale}, out[i].frac_coords)
    return out


def test_an_exactly_neutral_doped_cell_is_written_per_its_site_units(obelix_structures):
    """A cell made exactly neutral (as ``generate`` makes its candidates) reduces by its amounts
    to a unit no chemist writes: LGPS's Li20.7Ge2.7P3.3S24 by 3 (Li6.9Ge0.9P1.1S8, as few
    decimals as per its two site units), the argyrodite Li26Si2P2S20Br4 by 2 (Li13SiPS10Br2,
    whole); the site units give Li10.35Ge1.35P1.65S12 and Li6.5Si0.5P0.5S5Br, and a cell of whole
    formulas whose sites say fewer units keeps its own (OBELiX's LiTa2PO8, ard)."""
    by_id = obelix_structures.set_index("candidate_id")["structure"]
    cells = [_with_lithium(by_id["824"], 20.7), _with_lithium(by_id["fkj"], 26.0), by_id["ard"]]
    packed = pack_structures(cells)
    cell_contents = [parse_formula(f) for f in packed_formulas(packed)[:2]]
    assert cell_contents == [parse_formula("Li20.7Ge2.7P3.3S24"), parse_formula("Li26Si2P2S20Br4")]
    assert structure_formulas(packed) == ["Li10.35Ge1.35P1.65S12", "Li6.5Si0.5P0.5S5Br", "LiTa2PO8"]


@pytest.mark.parametrize("order", [0, 1])
def test_occupant_order_and_neighbouring_rows_do_not_change_a_row(order):
    species = {"Ge": 0.35, "P": 0.65} if order == 0 else {"P": 0.65, "Ge": 0.35}
    cell = _lgps_like(0.35)
    cell.replace(0, species)  # the same occupancy, its occupants in the other order
    alone = pack_structures([cell])
    batch = pack_structures([_lgps_like(0.5), cell, _lgps_like(0.2)])
    assert site_formula_units(alone)[0] == site_formula_units(batch)[1] == 2
    assert structure_formulas(alone)[0] == structure_formulas(batch)[1]


def test_a_borane_keeps_a_whole_cage_per_formula_unit():
    """A chemist's audit: ``Li2B12H12`` was written ``LiB6H6`` (the gcd, as pymatgen reduces),
    which reads as the salt of a B6H6 - anion. A polyhedral borane is no longer divided into
    units of less than one cage's boron, whether written, a cell's content or a structure's;
    a tetrahydroborate, which is no cage, and other formulas reduce as before."""
    from electroscreen.data.compositions import pack_compositions
    from electroscreen.data.formula_reduction import WRITTEN_DECIMALS, formula_units
    from electroscreen.data.formula_text import formula_texts, packed_formula_units

    written = ["Li2B12H12", "Li2B10H10", "LiCB11H12", "Li8B48H48", "Li4C4B36H40", "Li2B2H8",
               "Li20Ge2P4S24"]  # fmt: skip
    expected = ["Li2B12H12", "Li2B10H10", "LiCB11H12", "Li2B12H12", "LiCB9H10", "LiBH4",
                "Li10GeP2S12"]  # fmt: skip
    assert formula_texts(written, WRITTEN_DECIMALS)[1] == expected
    assert formula_texts(written)[1] == expected  # a cell's content, as text
    assert [reduce_formula_text(f) for f in written] == expected
    amounts = [parse_formula(f) for f in written]
    kernel = packed_formula_units(pack_compositions(amounts)).tolist()
    assert kernel == [formula_units(a) for a in amounts] == [1, 1, 1, 4, 4, 2, 2]
    rng = np.random.default_rng(0)

    def cell(z: int) -> Structure:  # z formula units of Li2B12H12, every site alike per element
        species = ["Li"] * 2 * z + ["B"] * 12 * z + ["H"] * 12 * z
        return Structure(Lattice.cubic(9.6), species, rng.random((len(species), 3)))

    packed = pack_structures([cell(1), cell(4)])
    assert site_formula_units(packed).tolist() == [2, 8]  # the sites alone would split the cage
    assert structure_formulas(packed) == ["Li2B12H12", "Li2B12H12"]


def test_with_candidate_formulas_writes_the_reduced_formula_and_keeps_the_content_read():
    """``read_candidates``' rule (audit 2026-12-06 M2): ``formula`` reduced as ``screen`` writes it,
    ``cell_formula`` the content as read; a structure's formula is per formula unit of its cell,
    and a second application changes nothing."""
    import pandas as pd
    from pymatgen.core import Lattice, Structure

    from electroscreen.data.cell_units import with_candidate_formulas

    nacl = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    table = pd.DataFrame(
        {
            "formula": ["Na4Cl4", "Li14La6Zr4O24", "Li9.54Si1.74P1.44S11.7Cl0.3", "LiXx", ""],
            "structure": [nacl, None, None, None, None],
        }
    )
    once = with_candidate_formulas(table)
    assert once.columns.tolist() == ["formula", "cell_formula", "structure"]
    assert once["formula"].tolist() == [
        "NaCl", "Li7La3Zr2O12", "Li9.54Si1.74P1.44S11.7Cl0.3", "LiXx", ""
    ]  # fmt: skip
    assert once["cell_formula"].tolist() == table["formula"].tolist()
    pd.testing.assert_frame_equal(with_candidate_formulas(once), once)
    assert table.columns.tolist() == ["formula", "structure"]  # its input is left as it was
