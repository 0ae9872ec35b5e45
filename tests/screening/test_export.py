"""``electroscreen export``: a screened shortlist written out as CIF/POSCAR, DFT inputs and a CSV."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from pymatgen.core import Composition
from typer.testing import CliRunner

from electroscreen.analysis.export import export_shortlist, ordered_approximant
from electroscreen.cli import app
from electroscreen.data.obelix import load_obelix_structures
from electroscreen.data.readers import structure_from_text
from electroscreen.screening.generate import generate_candidates, load_seeds, write_pool
from electroscreen.screening.runner import screen

#: Small OBELiX structures: two ordered, one disordered with whole occupancies (Li7BiO6), one that
#: needs a 10x supercell to order (Na0.3Li0.2La0.5Nb2O6), and Li2(OH)Br read without its H (rejected).
CIF_IDS = ("qbb", "mq1", "jqc", "ozo", "hx7")
FORMULAS = ("Li3PS4", "Li6PS5Cl", "Li3InCl6")


@pytest.fixture(scope="module")
def screened(tmp_path_factory, model_store, data_dir):
    """A screening of CIF files, a generated (packed) pool and a formula table, run from a folder
    with relative paths, so that export must find the inputs through ``inputs.json``."""
    root = tmp_path_factory.mktemp("export")
    cifs = load_obelix_structures(data_dir)
    (root / "cifs").mkdir()
    for cid in CIF_IDS:
        (root / "cifs" / f"{cid}.cif").write_text(cifs[cid])
    pool = generate_candidates(load_seeds([root / "cifs" / "qbb.cif"]), max_candidates=4, seed=1)
    write_pool(pool, root / "pool.npz")
    pd.DataFrame({"id": [f"f{i}" for i in range(3)], "formula": FORMULAS}).to_csv(
        root / "formulas.csv", index=False
    )
    before = os.getcwd()
    os.chdir(root)
    try:
        result = screen(
            ["cifs", "pool.npz", "formulas.csv"], "out", conductivity_model=model_store.conductivity,
            stability_model=model_store.stability, tracking_uri=model_store.uri, track=False,
            device="cpu", progress=False,
        )  # fmt: skip
    finally:
        os.chdir(before)
    return root, result.results


def test_export_writes_structures_dft_inputs_and_lists_formula_only_rows(screened, tmp_path):
    root, results = screened
    ranked = results[results["rank"] > 0].sort_values("rank")
    n = len(ranked)
    assert n >= 10
    export = export_shortlist(root / "out", tmp_path / "x", top=n, order=True,
                              max_ordered_sites=120, dft="MPRelaxSet")  # fmt: skip
    shortlist = pd.read_csv(export.csv, keep_default_na=False)
    assert shortlist["candidate_id"].tolist() == ranked["candidate_id"].tolist()
    assert shortlist["rank"].tolist() == ranked["rank"].tolist()
    assert shortlist["pred_log10_sigma"].to_numpy() == pytest.approx(
        ranked["pred_log10_sigma"].to_numpy()
    )
    by_source = dict(zip(ranked["candidate_id"], ranked["source"], strict=True))
    for row in shortlist.itertuples():
        source = by_source[row.candidate_id]
        if "formulas.csv" in source:
            assert row.structure_status == "formula_only" and row.files == ""
            continue
        assert row.structure_status == "ok", row
        files = row.files.split(";")
        cif = tmp_path / "x" / files[0]
        back = structure_from_text(cif.read_text())[0]
        assert back.composition.element_composition.reduced_composition.almost_equals(
            Composition(row.formula).reduced_composition, rtol=1e-3
        )
        has_poscar = (cif.parent / "POSCAR").is_file()
        assert has_poscar == back.is_ordered == (row.ordered in (True, "True"))
        if back.is_ordered:
            assert row.dft_status == "ok"
        if row.ordered_status == "ok":
            ordered = structure_from_text((cif.parent / "ordered.cif").read_text())[0]
            assert ordered.is_ordered and (cif.parent / "ordered_POSCAR").is_file()
            assert len(ordered) <= 120
            assert row.dft_status == "ok"
        if row.dft_status == "ok":
            relax = cif.parent / "relax"
            assert {"INCAR", "KPOINTS", "POSCAR", "POTCAR.spec"} <= {
                p.name for p in relax.iterdir()
            }
            assert not (relax / "POTCAR").exists()
    statuses = dict(zip(shortlist["candidate_id"], shortlist["ordered_status"], strict=True))
    assert statuses["jqc"] == "ok"
    # hx7 (Li2(OH)Br, whose CIF holds no H: read as Li2.001BrO) is not charge balanced: not exported
    assert results.set_index("candidate_id").loc["hx7", "status"] == "not_charge_balanced"
    assert "hx7" not in statuses
    # an approximant larger than allowed is refused with a status, and no DFT input is made from it
    tight = export_shortlist(root / "out", tmp_path / "y", top=n, order=True,
                             max_ordered_sites=1, dft="MPRelaxSet")  # fmt: skip
    tight = pd.read_csv(tight.csv, keep_default_na=False).set_index("candidate_id")
    assert tight.loc["ozo", "ordered_status"].startswith("too_large")  # needs a 10x supercell
    assert tight.loc["ozo", "dft_status"].startswith("skipped: no ordered approximant (too_large")
    generated = [s for cid, s in by_source.items() if "pool.npz" in s]
    assert len(generated) == 4
    assert (
        shortlist[shortlist["source"].str.contains("pool.npz")]["structure_status"] == "ok"
    ).all()


def test_ordered_approximant_keeps_the_composition(data_dir):
    structure = structure_from_text(load_obelix_structures(data_dir)["ozo"])[0]
    ordered, status = ordered_approximant(structure, max_sites=120)
    assert status == "ok" and ordered.is_ordered
    assert len(ordered) == pytest.approx(structure.composition.num_atoms * 10, abs=0.5)
    assert ordered.composition.element_composition.almost_equals(
        structure.composition.element_composition * 10, rtol=1e-6
    )
    assert ordered_approximant(structure, max_sites=60)[1].startswith("too_large")


def test_export_cli_prints_the_shortlist_and_rejects_a_missing_folder(screened, tmp_path):
    root, _ = screened
    result = CliRunner().invoke(app, ["export", str(root / "out"), "--top", "3", "--out",
                                      str(tmp_path / "y")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "y" / "shortlist.csv")) == 3
    assert "3 candidates" in result.stdout
    missing = CliRunner().invoke(app, ["export", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "no results table" in missing.stdout
