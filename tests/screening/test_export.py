"""``electroscreen export``: a screened shortlist written out as CIF/POSCAR, DFT inputs and a CSV."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest
from pymatgen.core import Composition
from pymatgen.io.cif import CifFile
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export = export_shortlist(root / "out", tmp_path / "x", top=n, order=True,
                                  max_ordered_sites=120, dft="MPRelaxSet")  # fmt: skip
    assert not [w for w in caught if "labels are not unique" in str(w.message)]
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
        text = cif.read_text()
        block = next(iter(CifFile.from_str(text).data.values()))
        # the CIF says which row it is, also once copied out of its folder (an audit: data_<formula>)
        assert text.startswith(
            f"# electroscreen export: rank {row.rank}, candidate {row.candidate_id} "
        )
        assert block.header == cif.parent.name
        generated = "pool.npz" in source
        assert (row.seed_id == "qbb") == generated == ("generated from seed qbb" in text)
        if generated:  # provenance from pool_candidates.csv, and the geometry said to be unrelaxed
            assert row.substitutions and row.candidate_id == f"qbb:{row.substitutions}"
            assert 0.8 < float(row.lattice_scale) < 1.2
            assert f"lattice scaled by {float(row.lattice_scale):.4f}" in text
            assert "not relaxed" in text
        else:
            assert row.substitutions == row.lattice_scale == row.bond_note == ""
        labels = block.data["_atom_site_label"]
        assert len(set(labels)) == len(labels), cif  # a CIF may not repeat a site label
        assert back.composition.element_composition.reduced_composition.almost_equals(
            Composition(row.formula).reduced_composition, rtol=1e-3
        )
        has_poscar = (cif.parent / "POSCAR").is_file()
        assert has_poscar == back.is_ordered == (row.ordered in (True, "True"))
        if back.is_ordered:
            assert row.dft_status == "ok"
        if row.ordered_status.split(";")[0] == "ok":  # notes may follow (a short contact)
            ordered_text = (cif.parent / "ordered.cif").read_text()
            assert f"candidate {row.candidate_id} (ordered approximant, ok" in ordered_text
            assert f"data_{cif.parent.name}_ordered" in ordered_text
            ordered = structure_from_text(ordered_text)[0]
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
    # jqc (Li7BiO6): an exact approximant (its ordering puts two Li 1.91 A apart: a note follows)
    assert statuses["jqc"].split(";")[0] == "ok"
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
    # in at most 60 sites (6 cells) no supercell makes Na 0.3 / Li 0.2 / La 0.5 whole: rounded in
    # 4 cells (Li 0.2 -> 0.25, Na 0.3 -> 0.25), too large below the best change (6 cells, 0.0333)
    assert ordered_approximant(structure, max_sites=60, occupancy_tolerance=0.03)[1].startswith(
        "too_large"
    )
    assert ordered_approximant(structure, max_sites=60)[1].startswith(
        "rounded: 4 cells, occupancies moved by at most 0.05"
    )


def test_export_cli_prints_the_shortlist_and_rejects_a_missing_folder(screened, tmp_path):
    root, _ = screened
    result = CliRunner().invoke(app, ["export", str(root / "out"), "--top", "3", "--out",
                                      str(tmp_path / "y")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "y" / "shortlist.csv")) == 3
    assert "3 candidates" in result.stdout
    every = ["export", str(root / "out"), "--top", "100", "--out", str(tmp_path / "z")]
    result = CliRunner().invoke(app, every, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    shortlist = pd.read_csv(tmp_path / "z" / "shortlist.csv")
    assert shortlist["seed_id"].eq("qbb").sum() == 4  # the generated rows, with their seed
    assert "the lattice scaled by the ionic volumes, not relaxed" in result.stdout
    missing = CliRunner().invoke(app, ["export", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "no results table" in missing.stdout


def test_export_finds_the_screened_structure_or_says_it_changed(
    screened, tmp_path, monkeypatch, model_store, data_dir
):
    """From an audit: a relative source was looked up in the current folder first (ozo exported
    as another folder's cifs/ozo.cif); a pool regenerated in place exported other structures
    under the old ids; a structure table's rows were matched by an id export recomputed, so the
    second of two rows with one id got the first's structure. All read status ok."""
    root, results = screened
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "cifs").mkdir(parents=True)
    cifs = load_obelix_structures(data_dir)
    (elsewhere / "cifs" / "ozo.cif").write_text(cifs["mq1"])
    monkeypatch.chdir(elsewhere)
    export = export_shortlist(root / "out", tmp_path / "x", top=100)
    row = export.shortlist.set_index("candidate_id").loc["ozo"]
    assert row.structure_status == "ok"
    back = structure_from_text((tmp_path / "x" / row.files.split(";")[0]).read_text())[0]
    assert (
        back.composition.reduced_formula
        == structure_from_text(cifs["ozo"])[0].composition.reduced_formula
    )

    pool = root / "pool.npz"
    original = pool.read_bytes()
    try:  # the pool regenerated in place from another seed
        write_pool(
            generate_candidates(load_seeds([root / "cifs" / "mq1.cif"]), max_candidates=4, seed=7),
            pool,
        )
        changed = export_shortlist(root / "out", tmp_path / "z", top=100).shortlist
    finally:
        pool.write_bytes(original)
    generated = changed[changed["source"].str.contains("pool.npz")]
    assert len(generated) == 4 and generated["structure_status"].str.startswith("changed:").all()
    assert (generated["files"] == "").all()

    table = tmp_path / "t"
    table.mkdir()
    pd.DataFrame(
        {"id": ["same", "same"], "cif": [cifs["qbb"], cifs["mq1"]], "formula": ["", ""]}
    ).to_csv(table / "structs.csv", index=False)
    (table / "cifs").mkdir()
    (table / "cifs" / "same.cif").write_text(cifs["jqc"])
    monkeypatch.chdir(table)
    screen(["cifs", "structs.csv"], "out", conductivity_model=model_store.conductivity,
           stability_model=model_store.stability, tracking_uri=model_store.uri, track=False,
           device="cpu", progress=False)  # fmt: skip
    rows = export_shortlist(table / "out", table / "x", top=10).shortlist.set_index("source")
    for source, cid in (("structs.csv:0", "qbb"), ("structs.csv:1", "mq1")):
        assert rows.loc[source, "structure_status"] == "ok"
        cif = table / "x" / rows.loc[source, "files"].split(";")[0]
        expected = structure_from_text(cifs[cid])[0].composition.reduced_formula
        assert structure_from_text(cif.read_text())[0].composition.reduced_formula == expected


def test_export_edges_an_audit_found(screened, tmp_path):
    """An ordered-site limit below the cell itself let the cell through; --top 0 (or no ranked
    row) crashed on an empty shortlist; a re-export left the previous one's folders beside the
    new shortlist; --dft Poscar passed the name check and failed half-way."""
    root, _ = screened
    tight = export_shortlist(root / "out", tmp_path / "a", top=100, order=True, max_ordered_sites=5)
    assert (
        tight.shortlist.set_index("candidate_id")
        .loc["jqc", "ordered_status"]
        .startswith("too_large")
    )
    empty = export_shortlist(root / "out", tmp_path / "b", top=0)
    assert empty.counts() == {} and len(pd.read_csv(empty.csv)) == 0
    assert "structure_status" in pd.read_csv(empty.csv).columns
    big = export_shortlist(root / "out", tmp_path / "c", top=100)
    small = export_shortlist(root / "out", tmp_path / "c", top=2)
    folders = sorted(p.name for p in (tmp_path / "c").iterdir() if p.is_dir())
    listed = {f.split("/")[0] for f in small.shortlist["files"] if f}
    assert set(folders) == listed and len(big.shortlist) > len(small.shortlist)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an export folder"):
        export_shortlist(root / "out", tmp_path / "d", top=2)
    for name in ("Poscar", "VaspInputSet", "Foo"):
        with pytest.raises(ValueError, match="unknown pymatgen VASP input set"):
            export_shortlist(root / "out", tmp_path / "e", top=2, dft=name)
    assert not (tmp_path / "e").exists()


def test_export_writes_a_rounded_approximant_and_its_formula(screened, tmp_path):
    """ozo (Na0.3Li0.2La0.5Nb2O6) needs 10 cells (120 sites) to order exactly: with at most 60 it
    was `too_large` and got no DFT input; now a 4-cell approximant with rounded occupancies,
    reported with its formula, while structure.cif stays as screened."""
    root, _ = screened
    export = export_shortlist(root / "out", tmp_path / "x", top=100, order=True,
                              max_ordered_sites=60, dft="MPRelaxSet")  # fmt: skip
    shortlist = pd.read_csv(export.csv, keep_default_na=False).set_index("candidate_id")
    row = shortlist.loc["ozo"]
    assert row.ordered_status.startswith("rounded: 4 cells, occupancies moved by at most 0.05 (")
    folder = tmp_path / "x" / row.files.split(";")[0].split("/")[0]
    assert {f"{folder.name}/{name}" for name in ("structure.cif", "ordered.cif", "ordered_POSCAR",
                                                 "relax/")} <= set(row.files.split(";"))  # fmt: skip
    assert row.dft_status == "ok" and (folder / "relax" / "POSCAR").is_file()
    screened_cif = structure_from_text((folder / "structure.cif").read_text())[0]
    ordered = structure_from_text((folder / "ordered.cif").read_text())[0]
    assert not screened_cif.is_ordered and not (folder / "POSCAR").exists()
    assert screened_cif.composition.element_composition.reduced_composition.almost_equals(
        Composition(row.formula).reduced_composition, rtol=1e-3
    )
    assert ordered.is_ordered and len(ordered) <= 60
    # the ordered formula: 4 cells of La0.5 Li0.25 Na0.25 Nb2 O6, beside the screened one
    assert row.ordered_formula == "NaLiLa2Nb8O24"
    assert Composition(row.ordered_formula).almost_equals(
        ordered.composition.element_composition, rtol=1e-6
    )
    assert (
        Composition(row.formula).reduced_formula != Composition(row.ordered_formula).reduced_formula
    )
    # exact approximants list their formula too; candidates not ordered by export list none
    assert shortlist.loc["jqc", "ordered_status"].split(";")[0] == "ok"
    assert shortlist.loc["jqc", "ordered_formula"] == "Li7BiO6"
    assert (shortlist.loc[shortlist["ordered_status"] == "", "ordered_formula"] == "").all()
    cli = CliRunner().invoke(app, ["export", str(root / "out"), "--out", str(tmp_path / "y"),
                                   "--top", "100", "--order", "--max-ordered-sites", "60",
                                   "--occupancy-tolerance", "0.03"])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    tight = pd.read_csv(tmp_path / "y" / "shortlist.csv", keep_default_na=False)
    assert (
        tight.set_index("candidate_id")
        .loc["ozo", "ordered_status"]
        .startswith("too_large: no rounding of the occupancies within 0.03")
    )


def test_export_takes_the_search_time_it_is_given(screened, tmp_path):
    """--search-seconds is each approximant's Ewald search time: 1e-6 s stops every search that
    is not over at once (said in the status) and still writes an ordering; 0 is refused."""
    root, _ = screened
    args = ["export", str(root / "out"), "--top", "100", "--order", "--max-ordered-sites", "60"]
    cli = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a"), "--search-seconds", "1e-6"])
    assert cli.exit_code == 0, cli.output
    shortlist = pd.read_csv(tmp_path / "a" / "shortlist.csv", keep_default_na=False)
    ozo = shortlist.set_index("candidate_id").loc["ozo"]
    assert ozo.ordered_status.endswith(
        "; Ewald search stopped after 1e-06 s (best ordering found by then)"
    )
    assert ozo.ordered_formula and "ordered.cif" in ozo.files
    refused = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "b"), "--search-seconds", "0"]
    )
    assert refused.exit_code == 2 and "not positive" in refused.output
    assert not (tmp_path / "b").exists()


def test_one_structure_read_from_several_files_is_written_once(tmp_path, model_store):
    """Li2S from a CIF, an extxyz frame and a CIF block is one structure (screen's top table folds
    it into ``Li2S (+2 more)``): export wrote three identical folders and relax inputs (audit F9).
    Now the best-ranked row gets the folder and lists the others (``duplicates``), which point back
    to it (``duplicate_of``, status ``duplicate``); Li2S of another lattice constant is another
    structure (another relaxation start) and keeps its own folder."""
    from ase.io import write as ase_write
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    def antifluorite(a: float) -> Structure:
        return Structure.from_spacegroup(
            "Fm-3m", Lattice.cubic(a), ["S", "Li"], [[0, 0, 0], [0.25, 0.25, 0.25]]
        )

    li2s, licl = (
        antifluorite(5.71),
        Structure.from_spacegroup(
            "Fm-3m", Lattice.cubic(5.13), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
        ),
    )
    pool = tmp_path / "pool"
    pool.mkdir()
    li2s.to(filename=str(pool / "Li2S.cif"))
    antifluorite(6.2).to(filename=str(pool / "Li2S_wide.cif"))
    ase_write(pool / "frames.extxyz", [AseAtomsAdaptor.get_atoms(s) for s in (licl, li2s)])
    text = (pool / "Li2S.cif").read_text()
    (pool / "blocks.cif").write_text(text.replace("data_", "data_a_", 1) + "\n" + text)
    screen(
        [str(pool)], tmp_path / "out", tracking_uri=model_store.uri, track=False, progress=False,
        conductivity_model=model_store.conductivity, stability_model=model_store.stability,
    )  # fmt: skip
    result = export_shortlist(tmp_path / "out", tmp_path / "x", top=20, dft="MPRelaxSet")
    rows = result.shortlist.set_index("candidate_id")
    same = ["Li2S", "blocks#0", "blocks#1", "frames#1"]
    kept = rows.loc[same, "rank"].idxmin()
    others = [c for c in same if c != kept]
    assert rows.loc[others, "structure_status"].eq("duplicate").all()
    assert rows.loc[others, "duplicate_of"].eq(kept).all()
    assert rows.loc[others, "files"].eq("").all()
    assert sorted(rows.loc[kept, "duplicates"].split(";")) == sorted(others)
    assert rows.loc[[kept, "Li2S_wide", "frames#0"], "structure_status"].eq("ok").all()
    assert rows.loc[[kept, "Li2S_wide", "frames#0"], "dft_status"].eq("ok").all()
    written = sorted(p.name for p in (tmp_path / "x").iterdir() if p.is_dir())
    assert len(written) == 3 and sum(1 for w in written if w.endswith("_Li2S_wide")) == 1
    assert result.counts() == {"ok": 3, "duplicate": 3}


def test_card_cli_shows_a_candidate_of_a_screening_folder(screened, tmp_path):
    """``electroscreen card OUT ID``: the card a notebook gets, from the output folder alone (run
    from another directory than the screening's relative inputs), with the run's settings."""
    from electroscreen.analysis.folder_results import load_folder_results

    root, results = screened
    table = load_folder_results(root / "out")
    assert table.attrs["params"]["filters.carrier"] == "Li"  # from screening.yaml
    assert table.attrs["params"]["temperature_c"] == "25.0"
    assert all(os.path.isabs(p) for p in table.attrs["params"]["inputs"].split(","))
    pd.testing.assert_frame_equal(table, results, check_dtype=False)

    html = tmp_path / "qbb.html"
    args = ["card", str(root / "out"), "qbb", "--no-bvse", "--html", str(html)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    row = results.set_index("candidate_id").loc["qbb"]
    assert result.stdout.startswith(f"qbb: {row['formula']}")
    assert "spacegroup" in result.stdout and "not available" not in result.stdout  # CIF found
    assert "log10 S/cm at 25 °C" in result.stdout  # the run's temperature
    window = next(line for line in result.stdout.splitlines() if line.startswith("window_red_v"))
    assert f"{row['window_red_v']:.4g}" in window  # the card's window is the screen's
    assert "<h4>Window and electrodes</h4>" in html.read_text()

    missing = CliRunner().invoke(app, ["card", str(root / "out"), "nope", "--no-bvse"])
    assert missing.exit_code == 2 and "'nope' is not in the results table" in missing.stdout
    nowhere = CliRunner().invoke(app, ["card", str(tmp_path / "nope"), "qbb"])
    assert nowhere.exit_code == 2 and "no results table" in nowhere.stdout
