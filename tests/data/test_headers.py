"""Site and volume caps applied from a file's text, before pymatgen or ASE parse it: refusing a huge
input costs a text scan (seconds, a few MB), not a parse (minutes, gigabytes)."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest
from pymatgen.symmetry.groups import SpaceGroup

from electroscreen.data import read_candidates
from electroscreen.data.headers import cif_blocks, xyz_frames
from electroscreen.data.limits import DEFAULT_MAX_SITES


def cif_text(
    n_sites: int, a: float = 8.0, ops: list[str] | None = None, seed: int = 0, tag: str = "x"
) -> str:
    """A P1 (or ``ops``) CIF of ``n_sites`` Li rows at random positions in a cubic cell of ``a`` A."""
    coords = np.random.default_rng(seed).random((n_sites, 3))
    ops = ops or ["x, y, z"]
    head = (
        f"data_{tag}\n_cell_length_a {a}\n_cell_length_b {a}\n_cell_length_c {a}\n"
        "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
        "loop_\n _symmetry_equiv_pos_as_xyz\n" + "".join(f"  '{op}'\n" for op in ops) + "loop_\n"
        " _atom_site_label\n _atom_site_type_symbol\n _atom_site_fract_x\n _atom_site_fract_y\n"
        " _atom_site_fract_z\n _atom_site_occupancy\n"
    )
    rows = "".join(
        f"  Li{i} Li {x:.5f} {y:.5f} {z:.5f} 1.0\n" for i, (x, y, z) in enumerate(coords)
    )
    return head + rows


def xyz_text(n_atoms: int, a: float = 8.0, coords: np.ndarray | None = None) -> str:
    """One periodic extxyz frame of ``n_atoms`` Li atoms in a cubic cell of ``a`` A."""
    if coords is None:
        coords = np.random.default_rng(1).random((n_atoms, 3)) * a
    lattice = f'Lattice="{a} 0 0 0 {a} 0 0 0 {a}" Properties=species:S:1:pos:R:3 pbc="T T T"'
    atoms = "".join(f"Li {x:.4f} {y:.4f} {z:.4f}\n" for x, y, z in coords)
    return f"{n_atoms}\n{lattice}\n{atoms}"


def _timed_read(path) -> tuple[list[str], float, float]:
    """Statuses of a read, its wall time (s) and, from a second read under tracemalloc (which slows
    Python down several times), its peak traced memory (MB)."""
    start = time.perf_counter()
    statuses = read_candidates(path)["status"].tolist()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        assert read_candidates(path)["status"].tolist() == statuses
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return statuses, seconds, peak


def test_a_20000_site_cif_is_refused_from_its_rows(tmp_path):
    path = tmp_path / "big.cif"
    path.write_text(cif_text(20_384, a=50.0))  # 125,000 A^3: only the site cap applies
    statuses, seconds, peak = _timed_read(path)
    assert statuses == ["too_many_sites"]
    assert seconds < 10  # pymatgen took minutes to build it before refusing
    assert peak < 100, f"{peak:.0f} MB"


def test_symmetry_images_count_towards_the_cap():
    fm3m = [op.as_xyz_str() for op in SpaceGroup("Fm-3m").symmetry_ops]
    assert len(fm3m) == 192
    rocksalt = cif_text(0, a=5.64, ops=fm3m).replace(
        "_occupancy\n", "_occupancy\n  Na1 Na 0 0 0 1.0\n  Cl1 Cl 0.5 0.5 0.5 1.0\n"
    )
    assert [b.problem for b in cif_blocks(rocksalt)] == [None]  # 8 sites, not 2 x 192
    general = cif_text(30, a=40.0, ops=fm3m)  # 30 rows in general positions: 5760 sites
    (block,) = cif_blocks(general)
    assert block.problem[0] == "too_many_sites" and "symmetry" in block.problem[1]
    assert cif_blocks(general, max_sites=6000)[0].problem is None


@pytest.mark.parametrize("edge", [300.0, 1000.0])
def test_an_8_atom_cif_cell_of_hundreds_of_angstrom_is_refused_before_any_neighbour_list(
    tmp_path, edge
):
    path = tmp_path / "huge.cif"
    path.write_text(cif_text(8, a=edge))
    statuses, seconds, peak = _timed_read(path)
    assert statuses == ["cell_too_large"]
    assert seconds < 5 and peak < 50, (seconds, peak)  # 1000 A asked for 27 GB before


def test_one_block_over_the_cap_leaves_the_other_blocks_read(tmp_path):
    path = tmp_path / "two.cif"
    path.write_text(cif_text(4, tag="small") + cif_text(8, a=1000.0, tag="huge"))
    table = read_candidates(path)
    assert table["status"].tolist() == ["ok", "cell_too_large"]
    assert table["candidate_id"].tolist() == ["two#0", "two#1"]


def test_a_tables_cif_column_gets_the_same_caps_before_parsing(tmp_path, monkeypatch):
    """A CIF in a table cell was parsed whole before its caps applied (8,000 sites: 10 s)."""
    import pandas as pd

    import electroscreen.data.readers as readers

    table = tmp_path / "cifs.csv"
    pd.DataFrame(
        {
            "id": ["big", "huge", "small"],
            "cif": [cif_text(8_000, a=50.0), cif_text(8, a=1000.0), cif_text(4, tag="s")],
        }
    ).to_csv(table, index=False)
    parsed = []
    original = readers.structure_from_text
    monkeypatch.setattr(
        readers, "structure_from_text", lambda text, fmt: parsed.append(1) or original(text, fmt)
    )
    frame = read_candidates(table)
    assert frame["status"].tolist() == ["too_many_sites", "cell_too_large", "ok"]
    assert len(parsed) == 1  # only the small cell reached pymatgen
    assert frame["error"].iloc[:2].str.contains("cifs.csv").all()  # the file and row named


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", "no species line"),  # pymatgen invented H, He
        ("Li Cl\n1 0\nDirect\n0 0 0\n0.5 0.5 0.5\n", "say 1 sites but 2 coordinate"),
        ("Li Cl\n1 2\nDirect\n0 0 0\n0.5 0.5 0.5\n", "say 3 sites but 2 coordinate"),
        # pymatgen paired the two lines up to the shorter one (Li P S / 1 1 read as LiP)
        ("Li P Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", "has 3 symbols but the counts line 2"),
        ("Li\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", "has 1 symbols but the counts line 2"),
    ],
)
def test_a_poscar_pymatgen_would_misread_is_a_parse_error(tmp_path, body, words):
    head = "LiCl\n1.0\n5 0 0\n0 5 0\n0 0 5\n"
    (tmp_path / "bad.vasp").write_text(head + body)
    (tmp_path / "good.vasp").write_text(head + "Li Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n")
    table = read_candidates(tmp_path)
    by_id = dict(zip(table["candidate_id"], table["status"], strict=True))
    assert by_id == {"bad": "parse_error", "good": "ok"}
    assert words in table.set_index("candidate_id").loc["bad", "error"]


def test_an_extxyz_of_many_atoms_is_refused_from_its_count_line(tmp_path):
    n_atoms = 50_000
    path = tmp_path / "many.extxyz"
    path.write_text(xyz_text(n_atoms, a=50.0) + xyz_text(4))
    statuses, seconds, peak = _timed_read(path)
    assert statuses == ["too_many_sites", "ok"]
    assert seconds < 10  # ASE would build all 50,000 atoms first
    assert peak < 50, f"{peak:.0f} MB"  # the refused frame's atoms are never held


@pytest.mark.parametrize("edge", [300.0, 1000.0])
def test_an_8_atom_extxyz_cell_of_hundreds_of_angstrom_is_refused(tmp_path, edge):
    path = tmp_path / "huge.extxyz"
    path.write_text(xyz_text(8, a=edge))
    statuses, seconds, peak = _timed_read(path)
    assert statuses == ["cell_too_large"]
    assert seconds < 5 and peak < 50, (seconds, peak)


def test_extxyz_frame_headers(tmp_path):
    import io

    text = xyz_text(2) + '3\nLattice="1 0 0 0 nan 0 0 0 1"\nLi 0 0 0\nLi 0 0 0\nLi 0 0 0\n'
    text += "-4\nbad count\n"
    frames = list(xyz_frames(io.StringIO(text)))
    assert [f.problem and f.problem[0] for f in frames] == [None, "bad_lattice", "parse_error"]
    assert frames[0].text.startswith("2\n") and frames[1].text is None
    assert len(list(xyz_frames(io.StringIO(xyz_text(DEFAULT_MAX_SITES + 1))))[0].problem) == 2


def test_counting_rows_of_a_big_csv_streams(tmp_path):
    from electroscreen.screening.inputs import _csv_rows_estimate

    path = tmp_path / "pool.csv"
    line = b"Li3PS4,0.1\n"
    with path.open("wb") as fh:
        fh.write(b"formula,x\n")
        for _ in range(40):
            fh.write(line * 100_000)  # 44 MB in all
    tracemalloc.start()
    try:
        assert _csv_rows_estimate(path) == 4_000_000
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 16, f"{peak:.0f} MB"  # 4 MiB blocks, never the whole file


def test_json_items_are_capped_before_they_are_built(tmp_path):
    import json

    from pymatgen.core import Lattice, Structure

    good = Structure(Lattice.cubic(5.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]).as_dict()
    many = {**good, "sites": [good["sites"][0]] * 20_000}
    huge = {**good, "lattice": Lattice.cubic(1000.0).as_dict()}
    path = tmp_path / "pool.json"
    path.write_text(json.dumps([many, good, huge]))
    start = time.perf_counter()
    statuses = read_candidates(path)["status"].tolist()
    assert statuses == ["too_many_sites", "ok", "cell_too_large"]
    assert time.perf_counter() - start < 10  # pymatgen would build 20,000 sites first


def test_site_count_from_the_text_matches_pymatgen_on_every_obelix_cif(obelix_structures, data_dir):
    """The cap is exact on real CIFs (symmetry images, mixed sites written as several rows): each
    structure passes a cap of its own site count and is refused at one site fewer."""
    from electroscreen.data.obelix import load_obelix_structures

    texts = load_obelix_structures(data_dir)
    for cid, structure in zip(obelix_structures["candidate_id"], obelix_structures["structure"],
                              strict=True):  # fmt: skip
        n = len(structure)
        (block,) = cif_blocks(texts[cid], max_sites=n)
        assert block.problem is None, (cid, n, block.problem)
        (block,) = cif_blocks(texts[cid], max_sites=n - 1)
        assert block.problem is not None and block.problem[0] == "too_many_sites", (cid, n)


def test_a_limit_reads_the_same_in_the_text_check_the_structure_check_and_the_packed_check():
    from pymatgen.core import Lattice, Structure

    from electroscreen.data.headers import poscar_problem
    from electroscreen.data.packed import pack_structures
    from electroscreen.data.validation import check_packed, check_structure

    big = Structure(Lattice.cubic(100.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    expected = ("cell_too_large", "cell volume 1e+06 A^3 exceeds max_volume=100000")
    assert check_structure(big, max_volume=1e5) == expected
    status, error = check_packed(pack_structures([big]), max_volume=1e5)
    assert (status[0], error[0]) == expected
    assert poscar_problem(big.to(fmt="poscar"), max_volume=1e5) == (
        expected[0],
        expected[1] + " (POSCAR header)",
    )
    assert check_structure(big, max_sites=1) == ("too_many_sites", "2 sites exceeds max_sites=1")
    assert poscar_problem(big.to(fmt="poscar"), max_sites=1) == (
        "too_many_sites",
        "2 sites exceeds max_sites=1 (POSCAR header)",
    )
