"""Readers: every supported format, and bad input that becomes a status instead of a crash."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ase.io import write as ase_write
from pymatgen.core import Lattice, Structure
from pymatgen.io.ase import AseAtomsAdaptor

from electroscreen.data import read_candidates
from electroscreen.data.input_paths import expand_inputs

GOOD_CIF_BLOCK = """data_{name}
_symmetry_space_group_name_H-M   'P 1'
_cell_length_a   4.0
_cell_length_b   4.0
_cell_length_c   4.0
_cell_angle_alpha   90
_cell_angle_beta   90
_cell_angle_gamma   90
_symmetry_Int_Tables_number   1
loop_
 _symmetry_equiv_pos_as_xyz
  'x, y, z'
loop_
 _atom_site_label
 _atom_site_type_symbol
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
  Li1  Li  0.0  0.0  0.0  0.5
  Cl1  Cl  0.5  0.5  0.5  1.0
"""


def _rocksalt() -> Structure:
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.13), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def _write_huge_poscar(path, n_sites: int) -> None:
    """A cubic cell of n_sites Li atoms on a grid, written directly (pymatgen supercells are slow)."""
    side = int(np.ceil(n_sites ** (1 / 3)))
    grid = np.indices((side, side, side)).reshape(3, -1).T[:n_sites] / side
    lines = [
        "huge",
        "1.0",
        f"{2.5 * side} 0 0",
        f"0 {2.5 * side} 0",
        f"0 0 {2.5 * side}",
        "Li",
        str(n_sites),
        "Direct",
    ]
    lines += [f"{x:.6f} {y:.6f} {z:.6f}" for x, y, z in grid]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def bad_files(tmp_path):
    """Ten files that each break in its own way."""
    d = tmp_path / "bad"
    d.mkdir()
    (d / "malformed.cif").write_text(
        "data_x\n_cell_length_a 4.0\nloop_\n _atom_site_label\n garbage here\n"
    )
    (d / "empty.cif").write_text("")
    (d / "binary.cif").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (d / "unknown_element.cif").write_text(
        GOOD_CIF_BLOCK.format(name="u").replace("Cl1  Cl", "Xx1  Xy")
    )
    overlap = Structure(Lattice.cubic(4), ["Li", "Li"], [[0, 0, 0], [0.02, 0, 0]])
    overlap.to(filename=str(d / "overlap.vasp"), fmt="poscar")
    _write_huge_poscar(d / "POSCAR_huge", 20_000)
    pd.DataFrame({"formula": ["Li2XyZ"]}).to_csv(d / "bad_formula.csv", index=False)
    (d / "bad.json").write_text('{"not": "a structure"}')
    (d / "notes.txt").write_text("hello")
    return d, [d / "missing.cif"]


def test_every_bad_input_gets_a_row_with_a_status_naming_the_file(bad_files):
    folder, missing = bad_files
    files = sorted(folder.iterdir()) + missing
    table = read_candidates(files)
    assert len(table) == len(files)
    by_file = {
        s.split(":")[0].split("#")[0]: (st, e)
        for s, st, e in table[["source", "status", "error"]].itertuples(index=False)
    }
    expected = {
        "malformed.cif": {"parse_error"},
        "empty.cif": {"empty_file"},
        "binary.cif": {"binary_file"},
        "unknown_element.cif": {"unknown_element"},
        "overlap.vasp": {"overlapping_atoms"},
        "POSCAR_huge": {"too_many_sites"},
        "bad_formula.csv": {"unknown_element"},
        "bad.json": {"parse_error"},
        "notes.txt": {"unsupported_format"},
        "missing.cif": {"missing_file"},
    }
    for path, (status, error) in by_file.items():
        name = path.rsplit("/", 1)[-1]
        assert status in expected[name], (name, status, error)
        assert name in error  # the message names the file
    assert (table["status"] != "ok").all()


def test_an_element_beyond_the_tables_is_unknown_not_a_crash(tmp_path):
    """Rf (Z = 104) parses in pymatgen but lies beyond every element table: a status, and the
    structure featurizers never see it (they indexed past their tables and stopped the batch)."""
    from electroscreen.featurizers.registry import featurize_table

    good = _rocksalt()
    heavy = Structure(Lattice.cubic(4), ["Li", "Rf"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    good.to(filename=str(tmp_path / "a_good.vasp"), fmt="poscar")
    heavy.to(filename=str(tmp_path / "b_rf.vasp"), fmt="poscar")
    table = read_candidates([tmp_path])
    assert table["status"].tolist() == ["ok", "unknown_element"]
    assert "Rf (Z = 104)" in table["error"].iloc[1] and "b_rf.vasp" in table["error"].iloc[1]
    features = featurize_table(table, ["structure"])
    assert features["featurize_status"].iloc[0] == "ok"


@pytest.mark.parametrize(("li", "na"), [("0.6", "0.6"), ("0.53", "0.5"), ("0.5", "0.502")])
def test_a_site_holding_more_than_one_atom_is_bad_occupancy_not_rescaled(tmp_path, li, na):
    """Li + Na above 1 on one site: bad_occupancy (pymatgen's tolerance of 1.05 rescaled up to 5 %
    away silently, changing the composition, and above it the row read parse_error)."""
    mixed = GOOD_CIF_BLOCK.format(name="m").replace(
        "  Li1  Li  0.0  0.0  0.0  0.5\n",
        f"  Li1  Li  0.0  0.0  0.0  {li}\n  Na1  Na  0.0  0.0  0.0  {na}\n",
    )
    (tmp_path / "mixed.cif").write_text(mixed)
    table = read_candidates(tmp_path / "mixed.cif")
    assert table["status"].tolist() == ["bad_occupancy"], table["error"].tolist()
    assert "mixed.cif" in table["error"].iloc[0]


def test_occupancies_rounded_to_one_are_read_as_written(tmp_path):
    thirds = GOOD_CIF_BLOCK.format(name="t").replace(
        "  Li1  Li  0.0  0.0  0.0  0.5\n",
        "  Li1  Li  0.0  0.0  0.0  0.3334\n  Na1  Na  0.0  0.0  0.0  0.6667\n",
    )
    (tmp_path / "thirds.cif").write_text(thirds)
    table = read_candidates(tmp_path / "thirds.cif")
    assert table["status"].tolist() == ["ok"]
    amounts = table["structure"].iloc[0].composition.get_el_amt_dict()
    assert amounts["Li"] == pytest.approx(0.3334, abs=1e-3) and amounts["Na"] == pytest.approx(
        0.6667, abs=1e-3
    )


def test_a_file_without_structures_and_a_cif_with_one_bad_block_lose_nothing(tmp_path):
    """An empty JSON list gave no row at all; a CIF whose second block pymatgen refuses lost its
    good first block (the whole file was one parse_error row)."""
    (tmp_path / "empty.json").write_text("[]")
    bad_block = GOOD_CIF_BLOCK.format(name="bad").replace(
        "  Li1  Li  0.0  0.0  0.0  0.5\n",
        "  Li1  Li  0.0  0.0  0.0  0.7\n  Na1  Na  0.0  0.0  0.0  0.7\n",
    )
    (tmp_path / "two.cif").write_text(GOOD_CIF_BLOCK.format(name="good") + bad_block)
    table = read_candidates([tmp_path / "empty.json", tmp_path / "two.cif"])
    assert table["status"].tolist() == ["empty_structure", "ok", "bad_occupancy"]
    assert table["candidate_id"].tolist() == ["empty", "two#0", "two#1"]
    assert "empty.json" in table["error"].iloc[0] and "two.cif#1" in table["error"].iloc[2]


def test_a_cif_cut_in_the_middle_of_a_row_says_so(tmp_path):
    """pymatgen's own words were 'ValueError: zip() argument 2 is longer than argument 1'."""
    from electroscreen.data.cif_structures import RAGGED_LOOP

    text = GOOD_CIF_BLOCK.format(name="cut")
    (tmp_path / "cut.cif").write_text(text[: text.rindex("0.5  0.5") + len("0.5  ")])
    table = read_candidates([tmp_path / "cut.cif"])
    assert table["status"].tolist() == ["parse_error"]
    assert RAGGED_LOOP in table["error"].iloc[0] and "zip()" not in table["error"].iloc[0]
    assert "cut.cif" in table["error"].iloc[0]


def test_thousand_inputs_with_ten_bad_ones(tmp_path, bad_files, obelix_structures):
    folder, missing = bad_files
    good = []
    structures = list(obelix_structures["structure"])
    for i in range(990):
        s = structures[i % len(structures)]
        if i < 321:
            path = tmp_path / f"c{i:04d}.cif"
            s.to(filename=str(path))
        else:  # the rest as pymatgen JSON (fast to write and read)
            path = tmp_path / f"c{i:04d}.json"
            path.write_text(json.dumps(s.as_dict()))
        good.append(path)
    bad = sorted(folder.iterdir()) + missing
    assert len(bad) == 10
    inputs = good[:500] + bad + good[500:]
    table = read_candidates(inputs)
    assert len(table) == 1000
    assert (table["status"] == "ok").sum() == 990
    assert table["candidate_id"].is_unique
    sources = table["source"].str.replace(r":\d+$", "", regex=True)  # table rows end in ":row"
    assert sources.tolist()[500:510] == [str(p) for p in bad]
    assert (table["status"].iloc[500:510] != "ok").all()


def test_structure_formats(tmp_path):
    s = _rocksalt()
    (tmp_path / "multi.cif").write_text(
        GOOD_CIF_BLOCK.format(name="a") + "\n" + GOOD_CIF_BLOCK.format(name="b")
    )
    s.to(filename=str(tmp_path / "POSCAR"), fmt="poscar")
    s.to(filename=str(tmp_path / "CONTCAR_relaxed"), fmt="poscar")
    (tmp_path / "one.json").write_text(json.dumps(s.as_dict()))
    (tmp_path / "many.json").write_text(json.dumps([s.as_dict(), s.as_dict()]))
    atoms = AseAtomsAdaptor.get_atoms(s)
    ase_write(str(tmp_path / "frames.extxyz"), [atoms, atoms, atoms], format="extxyz")
    table = read_candidates(tmp_path)
    assert (table["status"] == "ok").all(), table[["source", "error"]]
    counts = (
        table["source"]
        .str.replace(r"[#:].*", "", regex=True)
        .map(lambda p: p.rsplit("/", 1)[-1])
        .value_counts()
    )
    assert counts.to_dict() == {
        "multi.cif": 2,
        "POSCAR": 1,
        "CONTCAR_relaxed": 1,
        "one.json": 1,
        "many.json": 2,
        "frames.extxyz": 3,
    }
    partial = table[table["source"].str.contains("multi.cif")]["structure"].iloc[0]
    assert not partial.is_ordered and partial.composition["Li"] == pytest.approx(0.5)
    for structure in table["structure"]:
        if structure.composition.reduced_formula == "LiCl" and len(structure) == 8:
            assert structure.lattice.volume == pytest.approx(5.13**3)


def test_formula_tables_keep_ids_extra_columns_and_row_sources(tmp_path):
    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "Formula": ["Li3PS4", "Li7La3Zr2O12", "Li2XyZ"], "note": [1, 2, 3]}
    )
    frame.to_csv(tmp_path / "pool.csv", index=False)
    frame.to_parquet(tmp_path / "pool.parquet")
    for name in ("pool.csv", "pool.parquet"):
        table = read_candidates(tmp_path / name)
        assert table["candidate_id"].tolist() == ["a", "b", "c"]
        assert table["status"].tolist() == ["ok", "ok", "unknown_element"]
        assert table["note"].tolist() == [1, 2, 3]
        assert table["source"].iloc[2].endswith(f"{name}:2")
        assert "Xy" in table["error"].iloc[2] and name in table["error"].iloc[2]
        where = "pool.csv row 2 (line 4): " if name == "pool.csv" else "pool.parquet row 2: "
        assert where in table["error"].iloc[2]
        assert table["structure"].isna().all()


def test_table_with_cif_text_column(tmp_path):
    frame = pd.DataFrame(
        {"formula": ["Li0.5Cl", "LiCl"], "cif": [GOOD_CIF_BLOCK.format(name="z"), "data_broken\n"]}
    )
    frame.to_csv(tmp_path / "with_cif.csv", index=False)
    table = read_candidates(tmp_path / "with_cif.csv")
    assert table["status"].tolist()[0] == "ok"
    assert table["structure"].iloc[0] is not None
    assert table["status"].iloc[1] != "ok" and "with_cif.csv row 1 (line " in table["error"].iloc[1]


def test_a_row_whose_formula_is_not_its_cif_says_so(tmp_path):
    """The CIF was used and the row's formula silently ignored, whatever it said. The CIF holds
    Li0.5Cl (Li fraction 1/3)."""
    cif = GOOD_CIF_BLOCK.format(name="z")
    formulas = ["Li0.5Cl", "Li0.51Cl", "Cl2Li", "LiCl", "NaCl", "Li0.5ClBr0.01", "LLZO", ""]
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(len(formulas))], "formula": formulas})
    frame["cif"] = cif
    frame.to_csv(tmp_path / "rows.csv", index=False)
    table = read_candidates(tmp_path / "rows.csv")
    assert table["status"].tolist() == [
        "ok", "ok", "ok",  # the CIF's composition, within 0.01 of it, written otherwise
        "formula_mismatch", "formula_mismatch", "formula_mismatch",  # 1/2 vs 1/3, Na, extra Br
        "ok", "ok",  # a label that is not a formula, an empty cell: nothing to compare
    ]  # fmt: skip
    assert table["cell_formula"].iloc[3] == "Li0.5Cl1"  # as written; formula: Li0.5Cl
    assert "rows.csv row 3 (line " in table["error"].iloc[3] and "'LiCl'" in table["error"].iloc[3]
    assert "of Na differs" in table["error"].iloc[4] or "of Li differs" in table["error"].iloc[4]


def test_table_without_formula_column_keeps_every_row(tmp_path):
    pd.DataFrame({"name": ["x", "y"]}).to_csv(tmp_path / "t.csv", index=False)
    table = read_candidates(tmp_path / "t.csv")
    assert table["status"].tolist() == ["no_formula_column"] * 2
    assert (
        "no formula column" in table["error"].iloc[0]
        and "t.csv row 1 (line 3)" in table["error"].iloc[1]
    )


def test_split_sites_are_not_overlapping_atoms(tmp_path):
    """Two half-occupied Li sites 0.3 A apart are a normal split site, not an overlap."""
    s = Structure(
        Lattice.cubic(4),
        [{"Li": 0.5}, {"Li": 0.5}, "Cl"],
        [[0, 0, 0], [0.075, 0, 0], [0.5, 0.5, 0.5]],
    )
    s.to(filename=str(tmp_path / "split.cif"))
    assert read_candidates(tmp_path / "split.cif")["status"].tolist() == ["ok"]


def test_glob_and_directory_expansion_are_sorted(tmp_path):
    for name in ("b.cif", "a.cif", "c.txt"):
        (tmp_path / name).write_text(GOOD_CIF_BLOCK.format(name=name[0]))
    assert [p.name for p in expand_inputs(tmp_path)] == ["a.cif", "b.cif"]
    assert [p.name for p in expand_inputs(str(tmp_path / "*.cif"))] == ["a.cif", "b.cif"]
    table = read_candidates(str(tmp_path / "*.cif"))
    assert table["candidate_id"].tolist() == ["a", "b"]
    assert np.all(table["cell_formula"] == "Li0.5Cl1") and np.all(table["formula"] == "Li0.5Cl")


def test_a_pattern_matching_nothing_or_a_folder_loses_nothing(tmp_path):
    """A pattern that matches nothing is a missing_file row (it vanished before); a folder a
    pattern matches is read like a folder given by name (it was an unsupported_format row)."""
    sub = tmp_path / "sub"
    sub.mkdir()
    _rocksalt().to(filename=str(sub / "rocksalt.vasp"), fmt="poscar")
    none = read_candidates(str(tmp_path / "nomatch*.cif"))
    assert none["status"].tolist() == ["missing_file"]
    assert "no file matches this pattern" in none["error"].iloc[0]
    for pattern in ("su*", "**"):
        table = read_candidates(str(tmp_path / pattern))
        assert table["status"].tolist() == ["ok"], pattern  # the file once, no folder row
        assert table["source"].iloc[0].endswith("rocksalt.vasp")


def test_vasp_files_named_as_workflows_name_them_are_read_from_a_folder(tmp_path):
    """``Li3PS4_mp-985583_POSCAR`` (Materials Project), ``CONTCAR.relax2`` and ``*.contcar`` in a
    folder are POSCARs; the first and last were skipped without a word."""
    names = ("Li3PS4_mp-985583_POSCAR", "CONTCAR.relax2", "run7.contcar", "notes.txt")
    for name in names:
        _rocksalt().to(filename=str(tmp_path / name), fmt="poscar")
    table = read_candidates(tmp_path)
    assert sorted(Path(s).name for s in table["source"]) == sorted(names[:3])
    assert set(table["status"]) == {"ok"}
    assert "run7" in set(table["candidate_id"])


def test_files_a_folder_skips_are_counted_not_hidden(tmp_path):
    """A folder of VASP runs or notes gave "4 candidates" and no word of the files left out."""
    from electroscreen.data.input_paths import skipped_files, skipped_message

    _rocksalt().to(filename=str(tmp_path / "a.cif"), fmt="cif")
    (tmp_path / "sub").mkdir()
    for name in ("notes.txt", "sub/OUTCAR", ".DS_Store"):
        (tmp_path / name).write_text("x")
    skipped = skipped_files([tmp_path, tmp_path / "a.cif"])
    assert [p.name for p in skipped] == ["notes.txt", "OUTCAR"]
    message = skipped_message(skipped)
    assert message.startswith("skipped 2 files") and "notes.txt, OUTCAR" in message


def test_json_that_is_not_a_structure_says_so(tmp_path):
    """A JSON object or list item without a Structure's lattice and sites gave pymatgen's bare
    ``KeyError: 'lattice'`` / ``TypeError``; the message now names what is missing."""
    (tmp_path / "keys.json").write_text('{"a": 1}')
    (tmp_path / "numbers.json").write_text("[1, 2]")
    table = read_candidates([tmp_path / "keys.json", tmp_path / "numbers.json"])
    assert set(table["status"]) == {"parse_error"}
    assert len(table) == 3
    assert "no 'lattice' or 'sites'" in table["error"].iloc[0]
    assert table["error"].iloc[1].endswith("not a pymatgen Structure dict (a JSON int)")


def test_overlap_message_names_the_cif_labels_or_the_bare_species(tmp_path):
    """An overlap names the CIF's own site labels (Li4, 0.08 A from O1), never a composition such
    as ``Li1`` that reads like another atom's label; a file without labels names the species."""
    block = GOOD_CIF_BLOCK.format(name="overlap").split(" _atom_site_label")[0]
    sites = ("Li1 Li 0 0 0 1", "Li2 Li 0.5 0.5 0 1", "Li3 Li 0.5 0 0.5 1",
             "Li4 Li 0.02 0.5 0.5 1", "Cl1 Cl 0.5 0.5 0.5 1", "O1 O 0 0.5 0.5 1")  # fmt: skip
    columns = ("label", "type_symbol", "fract_x", "fract_y", "fract_z", "occupancy")
    text = block + "".join(f" _atom_site_{c}\n" for c in columns) + "\n".join(sites) + "\n"
    (tmp_path / "overlap.cif").write_text(text)
    Structure.from_str(text, fmt="cif").to(filename=str(tmp_path / "overlap.vasp"), fmt="poscar")
    table = read_candidates([tmp_path / "overlap.cif", tmp_path / "overlap.vasp"])
    assert table["status"].tolist() == ["overlapping_atoms"] * 2
    from_cif, from_poscar = table["error"]
    assert "site 3 (label Li4) and site 5 (label O1) are 0.080 A apart" in from_cif, from_cif
    assert "site 3 (Li) and site 5 (O) are 0.080 A apart" in from_poscar, from_poscar


def test_messages_name_a_table_row_by_its_row_and_line_and_ids_stay(tmp_path):
    """``formulas.csv:9`` in a message was a data row counted from 0, easy to read as line 9 (the
    row was on line 11) beside messages that say ``line N``. Messages now say ``row 9 (line 11)``,
    the line counted over blank lines and quoted cells of several lines; the ids (``t:4``) and
    ``source`` (``t.csv:4``), which key checkpoints and export, keep the row; a packed cache's row
    has no line."""
    from electroscreen.data.packed import pack_structures

    (tmp_path / "t.csv").write_text(
        'id,formula,note\na,Li3PS4,x\n\nb,LiXx2,x\nc,LiCl,"two\nlines"\n,Li3N,x\n,Li-1Cl,x\n'
    )
    table = read_candidates(tmp_path / "t.csv")
    assert table["candidate_id"].tolist() == ["a", "b", "c", "t:3", "t:4"]
    assert table["source"].iloc[4].endswith("t.csv:4")
    assert f"{tmp_path / 't.csv'} row 1 (line 4): formula 'LiXx2'" in table["error"].iloc[1]
    assert f"{tmp_path / 't.csv'} row 4 (line 8): formula 'Li-1Cl'" in table["error"].iloc[4]
    packed = pack_structures([_rocksalt(), _rocksalt()], ["p0", "p1"])
    packed.occ_fraction[-1] = 1.5  # the second structure's last site
    packed.save(tmp_path / "pool.npz")
    cache = read_candidates(tmp_path / "pool.npz")
    assert cache["status"].tolist() == ["ok", "bad_occupancy"]
    assert cache["error"].iloc[1].startswith(f"{tmp_path / 'pool.npz'} row 1: ")
    assert cache["source"].iloc[1].endswith("pool.npz:1")
