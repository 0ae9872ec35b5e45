"""``generate`` skips a seed, and rejects a candidate, whose charge balance needs a mixed valence of
a non-metal or metalloid (P+4.30 in OBELiX's Li6PS4SeBr ``dlj``, whose CIF lacks sulfur: 19 of
its candidates were ranked in the demo); a transition metal's mixed valence (Fe8/3, V3.25) stays."""

from __future__ import annotations

import numpy as np
from pymatgen.core import Lattice, Structure

from electroscreen.data import assign_oxidation_states, pack_structures, parse_formula
from electroscreen.data.oxidation import NO_MIXED_VALENCE, nonmetal_mixed_valence
from electroscreen.screening.candidate_valence import charge_problem
from electroscreen.screening.generate import generate_candidates

#: OBELiX seeds whose CIF balances only by a P mix (lost S, or excess Li), and seeds whose
#: balance takes a metal's mix (V3.25, Ce3.27, Zr3.59, La2.76): those stay.
NONMETAL_MIXED = ("dlj", "joc", "lol")
METAL_MIXED = ("lrh", "ga9", "4ie", "lud")


def _take(obelix_packed, *ids):
    return obelix_packed.take([list(obelix_packed.ids).index(i) for i in ids])


def test_obelix_seeds_balanced_only_by_a_phosphorus_mix_are_skipped(obelix_packed):
    pool = generate_candidates(_take(obelix_packed, *NONMETAL_MIXED, *METAL_MIXED, "t2c"))
    skipped = pool.skipped.set_index("seed_id")
    assert set(skipped.index) == set(NONMETAL_MIXED)
    assert set(skipped["status"]) == {"unbalanced_seed"}
    assert pool.counts["skipped_unbalanced_seed"] == 3
    dlj = skipped.loc["dlj"]
    assert dlj["seed_formula"] == "Li6.006PSeS3.6548Br"  # 3.65 S per formula unit, not 4
    assert dlj["error"].startswith(
        "balanced only by P+4.3, a mixed valence P (a non-metal or metalloid) does not take: "
        "a structure that lacks anions or holds excess cations?"
    )
    assert "with P+5, Li+1 P+5 S-2 Se-2 Br-1: +44.02 against -41.24" in dlj["error"]
    assert "balanced only by P+4.88" in skipped.loc["lol", "error"]  # Li4.117PS4I: excess Li
    # no candidate of theirs; the metal mixes and the S/Se argyrodite of the same series are used
    assert not pool.table["seed_id"].isin(NONMETAL_MIXED).any()
    assert set(pool.table["seed_id"]) == {*METAL_MIXED, "t2c"}
    for formula in pool.table["formula"]:
        assert not nonmetal_mixed_valence(assign_oxidation_states(parse_formula(formula)))


def _mixed_iron_rock_salt() -> Structure:
    """Li0.4Fe0.6O: a rock salt whose cation site holds Li0.4 Fe0.6, so Fe balances as Fe8/3 (a
    Fe2+/Fe3+ mix, as in Fe3O4)."""
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.25), [{"Li": 0.4, "Fe": 0.6}, "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def test_a_transition_metal_mixed_valence_seed_stays():
    seeds = pack_structures([_mixed_iron_rock_salt()], ["feo"])
    pool = generate_candidates(seeds, threshold=1e-6, keep_mismatched=True)
    assert pool.skipped.empty and pool.counts["seeds_used"] == 1
    assert "Li0.4Fe0.6S" in set(pool.table["formula"])  # O2- -> S2-, Fe still 8/3
    charge = pool.packed.occ_oxidation[pool.packed.occ_species == 26]
    np.testing.assert_allclose(charge, 8 / 3, atol=1e-5)


def test_a_candidate_balanced_only_by_a_nonmetal_mix_is_rejected(obelix_packed):
    """Li8GeP4 (rwr) with Ge4+>Se4+ makes Li8P4Se, which balances (Se more electronegative than
    P) only as P-1.5; Ge4+>Fe4+ makes Li8FeP4, whose P-2.75 a rare state explains: named P2-."""
    pool = generate_candidates(_take(obelix_packed, "rwr"))
    assert "rwr:Ge4+>Se4+" not in set(pool.table["candidate_id"])
    assert "rwr:Ge4+>Se4+" not in set(pool.rejected["candidate_id"])  # counted as unbalanced
    assert pool.counts["unbalanced"] >= 1
    rejected = pool.rejected.set_index("candidate_id")
    assert rejected.loc["rwr:Ge4+>Fe4+", "state"] == "P2-"
    seed_states = {"Li": 1.0, "P": -3.0, "Se": 4.0}
    assert charge_problem(parse_formula("Li8P4Se"), proposed=seed_states) == ("unbalanced", "", "")
    assert charge_problem(parse_formula("Li0.4Fe0.6S")) is None  # Fe8/3


def test_the_nonmetal_set_and_its_rule():
    assert {"P", "S", "Se", "Si", "Ge", "I"} <= NO_MIXED_VALENCE
    assert not {"Fe", "V", "Ti", "Ce", "Sn", "Sb", "Bi"} & NO_MIXED_VALENCE
    assert nonmetal_mixed_valence(assign_oxidation_states({"Li": 3, "P": 1, "S": 3.91})) == "P"
    assert nonmetal_mixed_valence(assign_oxidation_states({"Li": 4, "Ge": 1, "S": 3.9})) == "Ge"
    assert nonmetal_mixed_valence(assign_oxidation_states({"Fe": 3, "O": 4})) == ""
    assert nonmetal_mixed_valence(assign_oxidation_states({"Li": 3, "P": 1, "S": 4})) == ""
