"""``generate`` rejects a candidate whose charge balance needs a rare oxidation state
(``rare_oxidation_state``: Sn3+ in Li3SnCl6 from a Li3InCl6 seed) and keeps the real chemistry
(Li3TiCl6, Li2ZrCl6, Li3ScCl6, Li3YCl6)."""

from __future__ import annotations

from pymatgen.core import Lattice, Structure

from electroscreen.data import pack_structures
from electroscreen.screening.candidate_valence import RARE_OXIDATION_STATE, rare_state_lines
from electroscreen.screening.generate import generate_candidates
from electroscreen.screening.generate_run import GenerationOptions, run_generation


def _elpasolite() -> Structure:
    """Li3InCl6 as an ordered cubic elpasolite (In on 4a, Li on 4b and 8c, Cl on 24e)."""
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(10.4), ["In", "Li", "Li", "Cl"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.245, 0, 0]],
    )  # fmt: skip


def _hexachlorostannate() -> Structure:
    """Li2SnCl6 in the K2PtCl6 type (Sn on 4a, Li on 8c, Cl on 24e)."""
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(9.8), ["Sn", "Li", "Cl"],
        [[0, 0, 0], [0.25, 0.25, 0.25], [0.245, 0, 0]],
    )  # fmt: skip


def _generate(structures, ids, **options):
    return generate_candidates(
        pack_structures(structures, ids), threshold=1e-6, keep_mismatched=True, **options
    )


def test_li3sncl6_and_li3gecl6_from_li3incl6_are_rejected_with_the_state_named():
    pool = _generate([_elpasolite()], ["lic"])
    kept = set(pool.table["formula"])
    assert {"Li3TiCl6", "Li3ScCl6", "Li3YCl6", "Li3ZrCl6", "Li3InBr6"} <= kept
    assert not {"Li3SnCl6", "Li3GeCl6"} & kept
    rejected = pool.rejected.set_index("formula")
    assert rejected.loc["Li3SnCl6", "candidate_id"] == "lic:In3+>Sn3+"
    assert rejected.loc["Li3SnCl6", "status"] == RARE_OXIDATION_STATE
    assert rejected.loc["Li3SnCl6", "state"] == "Sn3+"
    assert rejected.loc["Li3SnCl6", "error"] == (
        "needs Sn3+, a state found in under 5 % of Sn compounds in the ICSD statistics (3.0 %);"
        " Sn is +2 or +4"
    )
    assert rejected.loc["Li3GeCl6", "error"].startswith("needs Ge3+, a state found in under 5 %")
    assert rejected.loc["Li3GeCl6", "error"].endswith("; Ge is +2 or +4")
    assert pool.counts[RARE_OXIDATION_STATE] == len(pool.rejected) >= 2
    # what the other checks count is unchanged: kept + rejected = the charge-balanced maps
    everything = _generate([_elpasolite()], ["lic"], keep_known=True)
    assert len(everything.rejected) == len(pool.rejected)


def test_the_refined_li3incl6_cif_still_needs_sn3(obelix_packed):
    """OBELiX's Li3InCl6 CIF holds In2.03 per cell, whose 0.045 e its Li closes
    (``Li2.955In1.015Cl6``): without Sn3+, Li2.955Sn1.015Cl6 balances as Sn3.0, a Sn2+/Sn4+ mix on
    the one In site that Sn3+ balances as well (Sn2.956 with the CIF's Li3)."""
    seeds = obelix_packed.take([list(obelix_packed.ids).index("de5")])
    pool = generate_candidates(seeds, threshold=1e-6)
    rejected = pool.rejected.set_index("candidate_id")
    assert rejected.loc["de5:In3+>Sn3+", "formula"] == "Li2.955Sn1.015Cl6"
    assert rejected.loc["de5:In3+>Sn3+", "state"] == "Sn3+"
    assert rejected.loc["de5:In3+>Ge3+", "state"] == "Ge3+"
    kept = set(pool.table["formula"])
    assert {"Li2.955Ti1.015Cl6", "Li2.955Sc1.015Cl6", "Li2.955Zr1.015Cl6"} <= kept


def test_li2zrcl6_is_kept_and_a_row_never_changes_another_rows_verdict():
    alone = _generate([_hexachlorostannate()], ["sn"])
    assert {"Li2ZrCl6", "Li2TiCl6", "Li2HfCl6"} <= set(alone.table["formula"])
    both = _generate([_elpasolite(), _hexachlorostannate()], ["lic", "sn"])
    by_seed = both.rejected[both.rejected["seed_id"] == "sn"].reset_index(drop=True)
    assert by_seed.equals(alone.rejected)
    assert set(both.rejected["seed_id"]) == {"lic"} | set(alone.rejected["seed_id"])


def test_a_rare_state_the_seed_itself_takes_is_not_held_against_its_candidates(obelix_packed):
    """Li4P2S6 (OBELiX 0iv, P4+) gives Li4P2Se6; Li2VCl4 (yav, V2+) gives Li2VBr4, while
    Li2CrCl4 (4kt) with Cr2+>V2+ makes V2+ where no seed shows it: rejected."""
    ids = list(obelix_packed.ids)
    pool = generate_candidates(obelix_packed.take([ids.index(i) for i in ("0iv", "yav", "4kt")]))
    kept = pool.table.set_index("candidate_id")["formula"]
    assert kept["0iv:S2->Se2-"] == "Li2PSe3"
    assert kept["yav:Cl->Br-"] == "Li2VBr4"
    rejected = pool.rejected.set_index("candidate_id")
    assert rejected.loc["4kt:Cl->Br-;Cr2+>V2+", "state"] == "V2+"
    assert rejected.loc["4kt:Cl->Br-;Cr2+>V2+", "error"].endswith("; V is +3, +4 or +5")
    assert "yav:Cl->Br-" not in rejected.index


def test_a_seeds_mixed_valence_is_kept_in_its_candidates(obelix_packed):
    """OBELiX's LLTO (lud) balances with La2.76: In3+ for Al3+ keeps that picture, although
    the search would put the residual on In (In1.83, near the rare In2+)."""
    ids = list(obelix_packed.ids)
    pool = generate_candidates(obelix_packed.take([ids.index("lud")]))
    assert "lud:Al3+>In3+" in set(pool.table["candidate_id"])
    assert not pool.rejected["candidate_id"].str.startswith("lud:Al3+>In3+").any()


def test_generate_says_which_states_it_rejected(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    _elpasolite().to(filename=str(folder / "lic.cif"))
    lines: list[str] = []
    run_generation(
        GenerationOptions(
            out=tmp_path / "pool.npz", seeds=[folder], threshold=1e-6, keep_mismatched=True
        ),
        say=lines.append,
    )
    counts = next(line for line in lines if line.startswith("seeds 1"))
    assert f"{RARE_OXIDATION_STATE} " in counts
    header = next(i for i, line in enumerate(lines) if "need a rare oxidation state" in line)
    shown = lines[header + 1 :]
    assert any(line.startswith("  Sn3+: 1, e.g. Li3SnCl6 (needs Sn3+, a state") for line in shown)
    assert any(line.startswith("  Ge3+: 1, e.g. Li3GeCl6 (needs Ge3+") for line in shown)


def test_rare_state_lines_count_by_state():
    pool = _generate([_elpasolite()], ["lic"])
    states = pool.rejected["state"].value_counts()
    assert len(states) >= 2  # Sn3+, Ge3+, Cu3+ ...
    lines = rare_state_lines(pool.rejected, shown=1)
    n = len(pool.rejected)
    assert lines[0] == f"{n} candidates need a rare oxidation state ({RARE_OXIDATION_STATE}):"
    assert lines[1].startswith(f"  {states.index[0]}: {states.iloc[0]}, e.g. ")
    assert lines[2:] == [f"  +{len(states) - 1} more states"]
    assert rare_state_lines(pool.rejected.iloc[:0]) == []
