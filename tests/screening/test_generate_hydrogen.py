"""``generate`` never exchanges hydrogen: a proton bound to O or N, or a hydride bound to B or Al,
is not a lattice ion (a chemist's audit found Li2OHCl giving Li2CuClO and KLi2OF, and an amide
giving H+>Cu+ / H+>Ag+ candidates)."""

from __future__ import annotations

import re

from pymatgen.core import Lattice, Structure

from electroscreen.data import pack_structures
from electroscreen.screening.generate import generate_candidates

#: A map that makes an element hydrogen (``Na+>H+``), not Ho, Hf or Hg.
_BECOMES_H = re.compile(r">H[+-]")


def _li2ohcl() -> Structure:
    """Li2OHCl as a cubic anti-perovskite: Li and H sharing the 3c site (2/3, 1/3)."""
    shared = {"Li": 2 / 3, "H": 1 / 3}
    return Structure(
        Lattice.cubic(3.91), [shared, shared, shared, "O", "Cl"],
        [[0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5], [0.5, 0.5, 0.5], [0, 0, 0]],
    )  # fmt: skip


def _lih() -> Structure:
    """LiH in the rock-salt type."""
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.08), ["Li", "H"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def test_hydrogen_is_kept_and_the_other_sites_are_still_substituted():
    pool = generate_candidates(
        pack_structures([_li2ohcl()], ["ohcl"]), threshold=1e-6, keep_mismatched=True
    )
    ids = pool.table["candidate_id"].tolist()
    assert ids and not any("H+>" in i for i in ids)  # the proton stays
    assert not any(_BECOMES_H.search(i) for i in ids)  # and nothing becomes hydrogen
    formulas = set(pool.table["formula"])
    assert {"Li2OHBr", "Li2HSCl"} <= formulas  # anion exchanges around the OH group go on
    assert all("H" in f for f in formulas)


def test_a_seed_whose_only_modelled_species_is_hydride_says_hydrogen_stays():
    pool = generate_candidates(pack_structures([_lih()], ["lih"]), threshold=1e-6)
    assert len(pool.table) == 0
    skipped = pool.skipped.set_index("seed_id")
    assert skipped.loc["lih", "status"] == "nothing_to_substitute"
    assert skipped.loc["lih", "error"].endswith("(none); hydrogen is never substituted")


def test_no_element_becomes_hydrogen_in_a_seed_without_it():
    """The substitution statistics offer Na+>H+: a (Li,Na)Cl seed gave LiHCl2, LiHF2, ..."""
    shared = {"Li": 0.5, "Na": 0.5}
    rock_salt = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.4), [shared, "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    pool = generate_candidates(
        pack_structures([rock_salt], ["linacl"]), threshold=1e-6, keep_mismatched=True
    )
    assert len(pool.table)  # Na and Cl are still substituted
    assert not any(_BECOMES_H.search(i) for i in pool.table["candidate_id"])
    assert not any(_BECOMES_H.search(i) for i in pool.rejected.get("candidate_id", []))
