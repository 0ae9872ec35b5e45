"""The note on an exported generated candidate whose introduced cation sits far too close to its
anions (an audit: Sn4+ for Ge4+ in an LGPS cell kept the seed's 1.94 A Sn-S bonds, 2.39 A by the
Shannon radii, and nothing said so)."""

from __future__ import annotations

import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.analysis.substituted_bonds import (
    SHORT_BOND_RATIO,
    shannon_ionic_radius,
    short_bond_note,
)
from electroscreen.screening.cell_content import parse_species_label, species_label


def _tetrahedron(cation: str, charge: int, bond: float) -> Structure:
    """A cation at the centre of an S4 tetrahedron (bond ``bond`` A), Li to balance nothing in
    particular: a large cubic cell, so the next shell is far."""
    d = bond / 3**0.5
    lattice = Lattice.cubic(12.0)
    species = [{f"{cation}{charge}+": 1}] + [{"S2-": 1}] * 4 + [{"Li+": 1}]
    coords = [[0, 0, 0], [d, d, d], [d, -d, -d], [-d, d, -d], [-d, -d, d], [6, 6, 6]]
    return Structure(lattice, species, coords, coords_are_cartesian=True)


def test_a_substituted_cation_far_too_close_to_its_anions_is_named():
    seed_like = _tetrahedron("Sn", 4, 1.94)  # Ge's bond length with Sn on the site
    note = short_bond_note(seed_like, "Ge4+>Sn4+")
    assert (
        note == "short bond Sn-S 1.94 A, 0.81 x Shannon 2.39 A (CN 4): seed geometry, relax first"
    )
    assert short_bond_note(_tetrahedron("Sn", 4, 2.40), "Ge4+>Sn4+") == ""  # a real Sn-S bond
    # only the cations a substitution introduced: the seed's own, or an anion swap, are not measured
    assert short_bond_note(seed_like, "") == ""
    assert short_bond_note(seed_like, "Cl->Br-") == ""
    assert short_bond_note(seed_like, "Ge4+>Si4+") == ""
    assert short_bond_note(seed_like, "not;a>substitution") == ""
    # the cutoff: Shannon's CN 4 radii (Sn4+ 0.55, S2- at CN 6 1.84)
    assert shannon_ionic_radius("Sn", 4, 4) + shannon_ionic_radius("S", -2, 4) == pytest.approx(
        2.39
    )
    limit = SHORT_BOND_RATIO * 2.39
    assert short_bond_note(_tetrahedron("Sn", 4, limit + 0.01), "Ge4+>Sn4+") == ""
    assert short_bond_note(_tetrahedron("Sn", 4, limit - 0.01), "Ge4+>Sn4+").startswith("short")


def test_shannon_radii_at_the_nearest_listed_coordination():
    assert shannon_ionic_radius("Zr", 4, 4) == pytest.approx(0.59)
    assert shannon_ionic_radius("Y", 3, 4) == pytest.approx(0.9)  # no CN 4: CN 6 the nearest
    assert shannon_ionic_radius("Fe", 3, 6) == pytest.approx(0.55)  # low spin, the smaller
    assert shannon_ionic_radius("Fe", 2.5, 6) != shannon_ionic_radius("Fe", 2.5, 6)  # NaN
    assert shannon_ionic_radius("Xe", 1, 6) != shannon_ionic_radius("Xe", 1, 6)


def test_species_labels_read_back():
    for z, q in ((40, 4), (17, -1), (8, -2), (26, 2.5), (3, 1)):
        symbol, charge = parse_species_label(species_label(z, q))
        assert charge == q and species_label(
            {"Zr": 40, "Cl": 17, "O": 8, "Fe": 26, "Li": 3}[symbol], charge
        ) == species_label(z, q)
    with pytest.raises(ValueError, match="not a species label"):
        parse_species_label("Zr4")
