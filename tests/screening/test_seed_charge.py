"""``generate`` closes a seed CIF's charge residual on its carrier (audit F11): the demo's rank 1,
``7tu:Si4+>Ge4+``, was ``Li10.2Sn0.25GeP1.75S12``, 0.05 e short of neutral (23.95 against 24),
inherited from the seed's rounded occupancies; a residual the seed's balance does not accept still
leaves the seed out, and one the carrier's sites cannot take stays, named."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.analysis.export_provenance import PoolProvenance, cif_header
from electroscreen.data import pack_structures
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.packed import PackedStructures
from electroscreen.screening.generate import generate_candidates, write_pool
from electroscreen.screening.seed_charge import CARRIER_ADJUSTED, RESIDUAL_KEPT, adjusted_lines

LI = SYMBOL_TO_Z["Li"]


def _cell_charges(packed: PackedStructures) -> np.ndarray:
    """Net charge of each cell with the states its occupants carry (e per cell)."""
    structure = np.repeat(np.arange(len(packed)), packed.n_sites)
    occupant = np.repeat(structure, np.diff(packed.occ_offsets))
    return np.bincount(occupant, packed.occ_fraction * packed.occ_oxidation, len(packed))


def _elpasolite(li_8c: float = 1.0, indium: float = 1.0) -> Structure:
    """Li3InCl6 as a cubic elpasolite (In on 4a, Li on 4b and 8c, Cl on 24e), with the 8c Li and
    the In occupancies given: a refinement's rounded Li, or an In deficiency."""
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(10.4), [{"In": indium}, "Li", {"Li": li_8c}, "Cl"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.245, 0, 0]],
    )  # fmt: skip


def test_the_demos_rank_one_is_neutral_and_says_its_lithium_was_closed(obelix_packed):
    seeds = obelix_packed.take([list(obelix_packed.ids).index("7tu")])
    pool = generate_candidates(seeds)
    row = pool.table.set_index("candidate_id").loc["7tu:Si4+>Ge4+"]
    assert row["formula"] == "Li10.25Sn0.25GeP1.75S12"  # was Li10.2Sn0.25GeP1.75S12
    assert row["seed_formula"] == "Li10.2SiSn0.25P1.75S12"  # the seed as read
    assert row["seed_charge_residual"] == pytest.approx(-0.05)
    assert row["carrier_adjustment"].startswith("Li 10.2 -> 10.25 per formula unit (-0.05 e")
    np.testing.assert_allclose(_cell_charges(pool.packed), 0.0, atol=1e-9)  # every candidate
    # the partly occupied Li sites scaled by one factor, the full Li site and all others kept
    seed = seeds.take(np.zeros(len(pool), dtype=np.int64))
    scale = pool.packed.occ_fraction / seed.occ_fraction
    partial = (seed.occ_species == LI) & (seed.occ_fraction < 1)
    # 0.1 Li per cell (two formula units) on the 16.4 of its three partly occupied Li sites
    assert np.ptp(scale[partial]) < 1e-12 and scale[partial][0] == pytest.approx(1 + 0.1 / 16.4)
    np.testing.assert_array_equal(scale[~partial], 1.0)
    assert adjusted_lines(pool.adjusted)[1].startswith("  7tu Li10.2SiSn0.25P1.75S12: Li 10.2 ->")


def test_a_closed_lgps_cell_is_written_per_its_seeds_formula_unit(obelix_packed):
    """824's CIF holds Li10.37 per Ge1.35P1.65S12, 0.04 e over; closed to Li20.7Ge2.7P3.3S24 per
    cell, its amounts reduce by 3 with as few decimals (Li6.9Ge0.9P1.1S8), which is how the
    candidates read until the cell's two site units came first."""
    pool = generate_candidates(obelix_packed.take([list(obelix_packed.ids).index("824")]))
    formulas = pool.table.set_index("candidate_id")["formula"]
    assert formulas["824:Ge4+>Sn4+"] == "Li10.35Sn1.35P1.65S12"
    assert formulas["824:S2->Se2-"] == "Li10.35Ge1.35P1.65Se12"


def test_a_rounded_lithium_closes_and_a_seed_beyond_the_balance_still_fails():
    """Li2.99InCl6 (8c Li at 0.995) gives Li3YCl6, its partly occupied Li sites full again;
    Li2.8InCl6 (8c at 0.9, 3.4 % of the positive charge over) is still no seed."""
    seeds = pack_structures([_elpasolite(0.995), _elpasolite(0.9)], ["rounded", "short"])
    pool = generate_candidates(seeds, threshold=1e-6, keep_mismatched=True)
    kept = pool.table.set_index("candidate_id")
    assert kept.loc["rounded:In3+>Y3+", "formula"] == "Li3YCl6"
    assert kept.loc["rounded:In3+>Y3+", "seed_formula"] == "Li2.99InCl6"
    assert kept.loc["rounded:In3+>Y3+", "carrier_adjustment"] == (
        "Li 2.99 -> 3 per formula unit (-0.01 e closed on its partly occupied Li sites, x1.0050)"
    )
    li = pool.packed.occ_species == LI
    np.testing.assert_allclose(pool.packed.occ_fraction[li], 1.0)
    np.testing.assert_allclose(_cell_charges(pool.packed), 0.0, atol=1e-9)
    assert set(kept["seed_id"]) == {"rounded"}
    assert pool.skipped.set_index("seed_id").loc["short", "status"] == "unbalanced_seed"
    assert pool.counts["carrier_adjusted"] == 1
    assert pool.adjusted["status"].tolist() == [CARRIER_ADJUSTED]


def test_a_residual_the_lithium_sites_cannot_take_stays_and_is_named():
    """In0.99 on 4a with every Li site full: closing would need more Li than the sites hold, so
    Li3Y0.99Cl6 keeps its -0.03 e per formula unit, which the table and the lines say."""
    pool = generate_candidates(
        pack_structures([_elpasolite(indium=0.99)], ["deficient"]), threshold=1e-6,
        keep_mismatched=True,
    )  # fmt: skip
    row = pool.table.set_index("candidate_id").loc["deficient:In3+>Y3+"]
    assert row["formula"] == "Li3Y0.99Cl6"
    assert row["seed_charge_residual"] == pytest.approx(-0.03)
    assert row["carrier_adjustment"] == (
        "not adjusted: Li 3 -> 3.03 per formula unit would close -0.03 e, and no partly occupied"
        " Li site takes more"
    )
    assert (
        pool.adjusted["status"].tolist() == [RESIDUAL_KEPT] and not pool.counts["carrier_adjusted"]
    )
    np.testing.assert_allclose(_cell_charges(pool.packed), -0.12, atol=1e-9)  # per cell, as read


def test_export_names_the_carrier_change_and_reads_a_table_from_before_it(tmp_path):
    pool = generate_candidates(
        pack_structures([_elpasolite(0.995)], ["rounded"]), threshold=1e-6, keep_mismatched=True
    )
    packed_path, table_path = write_pool(pool, tmp_path / "pool.npz")
    found = PoolProvenance().find(packed_path, "rounded:In3+>Y3+")
    assert found["carrier_adjustment"].startswith("Li 2.99 -> 3 per formula unit")
    assert "# carrier: Li 2.99 -> 3 per formula unit" in cif_header(1, "rounded:In3+>Y3+", found)
    pool.table.drop(columns=["carrier_adjustment"]).to_csv(table_path, index=False)
    older = PoolProvenance().find(packed_path, "rounded:In3+>Y3+")
    assert older["seed_id"] == "rounded" and older["carrier_adjustment"] == ""
    assert "carrier" not in cif_header(1, "rounded:In3+>Y3+", older)
