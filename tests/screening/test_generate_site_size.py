"""``generate``'s size check: a substituted cation against the seed site it takes
(``radius_mismatch``, the ``size_mismatch`` stage) and the Liverpool compositions as known ones."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.data.composition_match import match_compositions
from electroscreen.featurizers.elements import shannon_ionic_radius
from electroscreen.screening.generate import generate_candidates
from electroscreen.screening.pool_files import read_seeds
from electroscreen.screening.site_size import (
    RADIUS_MISMATCH_LIMITS,
    cation_coordination,
    coordination_number,
    outside_limits,
)

LGPS, BORATE, NASICON = "mtn", "ro9", "yqu"  # Li10GeP2S12, Li3BP2O8, a distorted LATP CIF


def _seeds(obelix_packed, *ids):
    return obelix_packed.take([list(obelix_packed.ids).index(i) for i in ids])


def _row(pool, candidate_id):
    rows = pool.table[pool.table["candidate_id"] == candidate_id]
    assert len(rows) == 1, candidate_id
    return rows.iloc[0]


def test_lgps_ge_site_is_tetrahedral_and_a_distorted_octahedron_counts_six(obelix_packed):
    """The Ge and P sites of LGPS have four S; the Ti site of a NASICON CIF refined with Ti-O
    1.63 and 2.01 A still counts six O (the Shannon bond floor of the shell)."""
    z = [np.array([3, 15, 16, 32]), np.array([3, 8, 13, 15, 22])]
    charge = [np.array([1, 5, -2, 4]), np.array([1, -2, 3, 5, 4])]
    wanted = [np.array([15, 32]), np.array([13, 15, 22])]
    lgps, nasicon = cation_coordination(_seeds(obelix_packed, LGPS, NASICON), z, charge, wanted)
    assert lgps == {15: (4,), 32: (4,)}
    assert nasicon == {13: (6,), 15: (4,), 22: (6,)}
    # the export's note counts by the same rule: 3 + 3 within 1.2 x the nearest is 6, not 3
    assert coordination_number(np.array([1.63, 1.63, 1.63, 2.01, 2.01, 2.01])) == 3
    assert coordination_number(np.array([1.63, 1.63, 1.63, 2.01, 2.01, 2.01]), reach=2.0) == 6


def test_the_column_is_signed_by_the_shannon_radii_of_the_site(obelix_packed):
    pool = generate_candidates(_seeds(obelix_packed, LGPS), keep_mismatched=True)
    ge = shannon_ionic_radius("Ge", 4, 4)
    for new, r_new in [("Sn", 0.55), ("Zr", 0.59), ("Si", 0.26), ("Ti", 0.42)]:
        assert shannon_ionic_radius(new, 4, 4) == r_new
        row = _row(pool, f"{LGPS}:Ge4+>{new}4+")
        assert row["radius_mismatch"] == pytest.approx(r_new / ge - 1, abs=1e-12)
    assert _row(pool, f"{LGPS}:Ge4+>Sn4+")["radius_mismatch"] > 0.4  # larger: positive
    assert _row(pool, f"{LGPS}:Ge4+>Si4+")["radius_mismatch"] < -0.3  # smaller: negative
    anion_only = pool.table[~pool.table["substitutions"].str.contains(r"\d\+>")]
    assert len(anion_only) and anion_only["radius_mismatch"].isna().all()  # no cation replaced


def test_sn_and_zr_on_the_lgps_ge_site_stay_a_lanthanide_on_a_boron_site_goes(obelix_packed):
    """Sn4+ on LGPS's Ge site (+41 %, Li10SnP2S12 exists) is kept, and so is Zr4+ (+51 %): real
    substitutions reach that far (Ge4+ for Si4+ +50 %); Y3+ or La3+ for tetrahedral B3+ in
    Li3BP2O8 (+233 %, +282 %) is dropped, as ``size_mismatch``, unless ``keep_mismatched``."""
    seeds = _seeds(obelix_packed, LGPS, BORATE)
    pool = generate_candidates(seeds)
    everything = generate_candidates(seeds, keep_mismatched=True)
    kept = set(pool.table["candidate_id"])
    assert {f"{LGPS}:Ge4+>Sn4+", f"{LGPS}:Ge4+>Zr4+"} <= kept
    assert f"{BORATE}:B3+>Y3+" not in kept and f"{BORATE}:B3+>La3+" not in kept
    assert _row(everything, f"{BORATE}:B3+>Y3+")["radius_mismatch"] > RADIUS_MISMATCH_LIMITS[1]
    assert not outside_limits(pool.table["radius_mismatch"]).any()
    beyond = outside_limits(everything.table["radius_mismatch"]).sum()
    assert pool.counts["size_mismatch"] >= beyond > 0
    assert "size_mismatch" not in everything.counts
    assert pool.counts["kept"] + pool.counts["size_mismatch"] == everything.counts["kept"]


def test_a_liverpool_composition_is_a_known_compound(obelix_packed, data_dir):
    """LiAlSiO4 (Ge4+ -> Si4+ in LiAlGeO4, seed kxw) is measured in Liverpool, not in OBELiX:
    ``generate --obelix`` drops it now as it drops OBELiX's compositions."""
    read = read_seeds(obelix=True, data_dir=data_dir)
    seeds = _seeds(obelix_packed, "kxw")
    from electroscreen.data.obelix import load_obelix

    obelix_only = load_obelix(data_dir)["true_composition"].astype(str).tolist()
    assert not match_compositions(["LiAlSiO4"], obelix_only, 2e-3).any()
    before = generate_candidates(seeds, known_formulas=obelix_only)
    after = generate_candidates(seeds, known_formulas=read.known_formulas)
    assert "kxw:Ge4+>Si4+" in set(before.table["candidate_id"])
    assert "kxw:Ge4+>Si4+" not in set(after.table["candidate_id"])
    dropped = before.table[~before.table["candidate_id"].isin(after.table["candidate_id"])]
    liverpool = read.known_formulas[len(obelix_only) :]
    assert match_compositions(dropped["formula"].tolist(), liverpool, 2e-3).all()
    assert after.counts["known_compound"] == before.counts["known_compound"] + len(dropped)


def test_a_data_folder_without_liverpool_says_so_and_still_seeds(data_dir, tmp_path):
    os.symlink(Path(data_dir) / "obelix", tmp_path / "obelix")
    read = read_seeds(obelix=True, data_dir=tmp_path)
    assert len(read.packed) == 321
    assert len(read.notes) == 1 and "LiIonDatabase.csv" in read.notes[0]
    assert len(read.known_formulas) == 599  # OBELiX's alone


def test_cli_counts_the_stage_and_writes_the_column(obelix_packed, tmp_path):
    seeds = _seeds(obelix_packed, LGPS, BORATE).save(tmp_path / "seeds.npz")
    out = tmp_path / "pool.npz"
    result = CliRunner().invoke(app, ["generate", str(seeds), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "size_mismatch" in result.output
    table = pd.read_csv(tmp_path / "pool_candidates.csv")
    assert not outside_limits(table["radius_mismatch"]).any()
    args = ["generate", str(seeds), "--out", str(out), "--keep-mismatched"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "size_mismatch" not in result.output
    everything = pd.read_csv(tmp_path / "pool_candidates.csv")
    assert outside_limits(everything["radius_mismatch"]).sum() > 0
    assert len(everything) > len(table)
