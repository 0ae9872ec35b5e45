"""``generate``'s charge check: a framework cation replaced by an ion of a very different charge
(``charge_change``, the ``charge_mismatch`` stage): KNa3I4 from Na3SbS4 goes, the real
substitutions (Li10SnP2S12, LATP from LAGP, Ga garnets, the Ge argyrodite) and the Sn argyrodite
stay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Lattice, Structure
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.data import pack_structures
from electroscreen.data.composition_match import match_compositions
from electroscreen.screening.generate import ROUNDING_TOLERANCE, generate_candidates
from electroscreen.screening.pool_files import _liverpool_formulas
from electroscreen.screening.site_charge import (
    CHARGE_MISMATCH,
    MAX_CHARGE_CHANGE,
    charge_changes,
    charge_mismatch_lines,
    outside_charge_limit,
)

SALTS = {"KNa3Cl4", "KNa3Br4", "KNa3I4"}  # Sb5+>K+ with S2- to a halide: the audit's ranks 2-4


def _na3sbs4() -> Structure:
    """Cubic Na3SbS4 (I-43m: Sb on 2a, tetrahedral SbS4; Na on 6b; S on 8c)."""
    return Structure.from_spacegroup(
        "I-43m", Lattice.cubic(7.1607), ["Na", "Sb", "S"],
        [[0, 0.5, 0.5], [0, 0, 0], [0.1868, 0.1868, 0.1868]],
    )  # fmt: skip


def _seeds(obelix_packed, *ids):
    return obelix_packed.take([list(obelix_packed.ids).index(i) for i in ids])


def test_the_change_is_the_largest_of_the_replaced_cations_signed():
    z, q = np.array([3, 31, 8]), np.array([1.0, 3.0, -2.0])  # Li5GaO4
    new_z = np.array([[3, 35, 9], [3, 13, 8], [3, 31, 16], [3, 19, 9]])
    new_q = np.array([[1.0, -1.0, -1.0], [1.0, 3.0, -2.0], [1.0, 3.0, -2.0], [1.0, 1.0, -1.0]])
    change = charge_changes(z, q, new_z, new_q)
    # Ga3+>Br- (a cation site given an anion) -4; Ga3+>Al3+ 0; only O replaced: NaN; Ga3+>K+ -2
    assert change[0] == -4 and change[1] == 0 and np.isnan(change[2]) and change[3] == -2
    assert outside_charge_limit(change).tolist() == [True, False, False, True]
    # coupled pairs: the one of largest magnitude, the first on a tie (Ti4+>Nb5+ and La3+>Sr2+)
    z, q = np.array([3, 22, 57, 8]), np.array([1.0, 4.0, 3.0, -2.0])
    pair = charge_changes(z, q, np.array([[3, 41, 38, 8]]), np.array([[1.0, 5.0, 2.0, -2.0]]))
    assert pair.tolist() == [1.0] and not outside_charge_limit(pair).any()


def test_na3sbs4_no_longer_gives_kx_salts_in_its_geometry():
    """From Na3SbS4, Sb5+>K+ with S2->X- made KNa3I4, KNa3Cl4, KNa3Br4 (sodium audit, ranks 2-4
    of the screen): each is now rejected and named with the replacement and its -4."""
    seeds = pack_structures([_na3sbs4()], ["nss"])
    pool = generate_candidates(seeds, carrier="Na")
    everything = generate_candidates(seeds, carrier="Na", keep_mismatched=True)
    assert not SALTS & set(pool.table["formula"])
    assert SALTS <= set(everything.table["formula"])
    rejected = pool.rejected[pool.rejected["status"] == CHARGE_MISMATCH].set_index("formula")
    assert set(rejected.index) == SALTS
    assert rejected.loc["KNa3I4", "candidate_id"] == "nss:S2->I-;Sb5+>K+"
    assert rejected.loc["KNa3I4", "state"] == "Sb5+>K+"
    assert rejected.loc["KNa3I4", "error"].startswith(
        "Sb5+ replaced by K+, a +1 cation: the site's charge changes by -4, beyond +-1"
    )
    assert pool.counts[CHARGE_MISMATCH] == 3
    assert pool.counts["kept"] + 3 == everything.counts["kept"]
    kept = everything.table.set_index("formula")
    assert (kept.loc[sorted(SALTS), "charge_change"] == -4).all()
    # the isovalent thioantimonate family stays: Na3PS4, Na3SbSe4, Na3TaS4
    assert {"Na3PS4", "Na3SbSe4", "Na3TaS4", "Na3AsS4"} <= set(pool.table["formula"])
    assert (pool.table["charge_change"].fillna(0) == 0).all()
    lines = charge_mismatch_lines(pool.rejected)
    assert lines[0].startswith("3 candidates change a replaced cation's charge by more than 1")
    assert lines[1].startswith("  Sb5+>K+: 3, e.g. KNa")


def test_obelix_li3sbs4_loses_its_alkali_halides_and_keeps_li3ps4(obelix_packed):
    pool = generate_candidates(_seeds(obelix_packed, "mq1"))  # Li3SbS4
    formulas = set(pool.table["formula"])
    assert not {"KLi3I4", "NaLi3I4", "KLi3Cl4", "NaLi3Br4"} & formulas
    assert {"Li3PS4", "Li3SbSe4"} <= formulas
    gone = pool.rejected[pool.rejected["status"] == CHARGE_MISMATCH]
    assert set(gone["state"]) == {"Sb5+>K+", "Sb5+>Na+"}


@pytest.mark.parametrize(
    ("seed", "candidate", "formula"),
    [
        ("mtn", "mtn:Ge4+>Sn4+", "Li10SnP2S12"),  # LGPS
        # the seed CIFs' Li closes their residual: Li1.484, Li6.258 and Li6.396 as read
        ("1xf", "1xf:Ge4+>Ti4+", "Li1.48Ti1.52Al0.48P3O12"),  # LAGP to LATP
        ("72f", "72f:Al3+>Ga3+", "Li6.28La3Zr2Ga0.24O12"),  # Al- to Ga-doped LLZO
        ("wa3", "wa3:Al3+>Ga3+", "Li6.415La3Zr2Ga0.195O12"),
        ("fkj", "fkj:Si4+>Sn4+", "Li6.5Sn0.5P0.5S5Br"),  # Si to Sn argyrodite
        ("bnh", "bnh:Si4+>Ge4+;Br->I-", "Li6.1Ge0.1P0.9S5I"),  # Si to Ge argyrodite
    ],
)
def test_real_substitutions_are_still_made(obelix_packed, seed, candidate, formula):
    pool = generate_candidates(_seeds(obelix_packed, seed))
    row = pool.table.set_index("candidate_id").loc[candidate]
    assert row["formula"] == formula
    assert row["charge_change"] == 0


def test_every_real_compound_generate_reaches_keeps_each_cations_charge(
    obelix_packed, obelix_table
):
    """The limit's calibration: the candidates whose composition is an OBELiX or Liverpool one
    (about 280, within the rounding tolerance) all have a charge change of 0 (or replace no
    cation), while the enumeration makes changes of 2 and more elsewhere."""
    pool = generate_candidates(obelix_packed, keep_known=True, keep_mismatched=True)
    known = [*obelix_table["true_composition"].astype(str), *_liverpool_formulas(None)[0]]
    real = match_compositions(pool.table["formula"].tolist(), known, ROUNDING_TOLERANCE)
    assert real.sum() > 250
    change = pool.table["charge_change"].to_numpy()
    assert np.nan_to_num(change[real]).tolist() == [0.0] * int(real.sum())
    assert (np.abs(change[~real]) > MAX_CHARGE_CHANGE).sum() > 50


def test_cli_names_the_stage_and_writes_the_column(tmp_path):
    seeds = pack_structures([_na3sbs4()], ["nss"]).save(tmp_path / "seeds.npz")
    out = tmp_path / "pool.npz"
    args = ["generate", str(seeds), "--out", str(out), "--carrier", "Na"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"{CHARGE_MISMATCH} 3" in result.output and "Sb5+>K+: 3" in result.output
    table = pd.read_csv(tmp_path / "pool_candidates.csv")
    assert "charge_change" in table.columns and not SALTS & set(table["formula"])
    result = CliRunner().invoke(app, [*args, "--keep-mismatched"])
    assert result.exit_code == 0, result.output
    assert CHARGE_MISMATCH not in result.output
    assert SALTS <= set(pd.read_csv(tmp_path / "pool_candidates.csv")["formula"])
