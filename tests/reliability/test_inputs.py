"""Bad inputs at the level of the parsers and readers: every bad row gets a status naming the row and
reason, never a crash, and ``data info`` (``read_candidates``) and ``screen`` (``plan_inputs`` +
``materialize``) agree. The whole corpus through the real CLI: ``test_corpus.py``."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.data import pack_compositions, parse_formula, read_candidates
from electroscreen.data.formula import FormulaError
from electroscreen.screening.filters import apply_filters
from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs
from electroscreen.screening.screen_config import FilterConfig


def _screen_rows(path, batch_size: int = 8) -> pd.DataFrame:
    plan = plan_inputs([path])
    parts = [materialize(b)[0] for b in iter_batches(plan, batch_size)]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("CaSO4·2H2O", {"Ca": 1, "S": 1, "O": 6, "H": 4}),
        ("CaSO4.2H2O", {"Ca": 1, "S": 1, "O": 6, "H": 4}),
        ("CaSO4*2H2O", {"Ca": 1, "S": 1, "O": 6, "H": 4}),
        ("Li3PS4·2LiI", {"Li": 5, "P": 1, "S": 4, "I": 2}),
        ("Li3PS4.2LiI", {"Li": 5, "P": 1, "S": 4, "I": 2}),
        ("LiCl.0.5H2O", {"Li": 1, "Cl": 1, "H": 1, "O": 0.5}),
        ("Li6.4La3Zr1.4Ta0.6O12", {"Li": 6.4, "La": 3, "Zr": 1.4, "Ta": 0.6, "O": 12}),
        ("Li7La3Zr2O12.2Li2O", {"Li": 11, "La": 3, "Zr": 2, "O": 14}),
        # a dot right after an element: a hydrate when a water follows (it read LiI0.2H2O) ...
        ("LiI.2H2O", {"Li": 1, "I": 1, "H": 4, "O": 2}),
        ("LiCl.2LiCl", {"Li": 3, "Cl": 3}),
        # ... and a decimal otherwise
        ("Li.5Cl", {"Li": 0.5, "Cl": 1}),
        ("Li2S+.5P2S5", {"Li": 2, "S": 3.5, "P": 1}),
    ],
)
def test_adduct_dots_are_sums_in_both_parsers(formula, expected):
    assert parse_formula(formula) == pytest.approx(expected)
    packed = pack_compositions([formula, "LiCl", formula])  # the Numba fast path and its fallback
    from electroscreen.data.formula import ELEMENT_SYMBOLS

    for row in (0, 2):
        got = {ELEMENT_SYMBOLS[z]: a for z, a in packed.as_dict(row).items()}
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("formula", "status", "words"),
    [
        ("Li1e30Cl", "bad_amount", "1e+30"),
        ("Li1e-30Cl", "bad_amount", "outside"),
        ("Li" + "9" * 400 + "Cl", "bad_amount", "not finite"),
        ("(Li999999)999999S", "bad_amount", "outside"),
        ("Li\x00Cl", "bad_character", "control character"),
        ("Li\x07Cl", "bad_character", "control character"),
        ("Li3PS4..2LiI", "bad_formula", "two unit separators"),  # it read Li3.2PS4I0.2
    ],
)
def test_bad_amounts_and_characters_get_a_status(formula, status, words):
    with pytest.raises(FormulaError) as info:
        parse_formula(formula)
    assert info.value.reason == status and words in str(info.value)
    packed = pack_compositions(["LiCl", formula])
    assert packed.status.tolist() == ["ok", status]
    assert np.diff(packed.offsets).tolist() == [2, 0]


def test_dict_amounts_and_atomic_numbers_are_checked():
    packed = pack_compositions([{"Li": 1e20, "Cl": 1}, {"Li": float("inf")}, {"Li": 1, "Cl": 1}])
    assert packed.status.tolist() == ["bad_amount", "bad_amount", "ok"]


def test_li_and_licl2_fail_charge_balance():
    table = pd.DataFrame(
        {"formula": ["LiCl2", "Li", "LiCl", "Li3PS4", "Fe3O4Li0"], "status": "ok", "error": ""}
    )
    table.loc[4, "formula"] = "LiFe5O8"  # Fe 2.67+ style mixed valence stays allowed
    out = apply_filters(table, FilterConfig())
    assert out["status"].tolist()[:4] == [
        "not_charge_balanced", "not_charge_balanced", "ok", "ok",
    ]  # fmt: skip
    assert "LiCl2" in out["error"].iloc[0]


def _lattice_cases() -> list[tuple[str, Structure]]:
    good = Structure(Lattice.cubic(5.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    nan_coords = good.copy()
    nan_coords._sites[0]._frac_coords = np.array([np.nan, 0.0, 0.0])
    huge = Structure(Lattice.cubic(300.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    return [("ok", good), ("bad_coordinates", nan_coords), ("cell_too_large", huge)]


def test_structures_nan_coordinates_and_huge_cells(tmp_path):
    from electroscreen.data.validation import check_structure

    for status, structure in _lattice_cases():
        start = time.perf_counter()
        problem = check_structure(structure)
        assert (problem or ("ok",))[0] == status
        assert time.perf_counter() - start < 5  # refused before any neighbour list


def test_links_and_unreadable_folders_never_vanish(tmp_path, monkeypatch):
    import os

    pool = tmp_path / "pool"
    (pool / "sub").mkdir(parents=True)
    (pool / "locked").mkdir()
    good = "LiCl\n1.0\n5 0 0\n0 5 0\n0 0 5\nLi Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n"
    (pool / "sub" / "a.vasp").write_text(good)
    (pool / "locked" / "hidden.vasp").write_text(good)
    os.symlink(pool, pool / "sub" / "loop")  # a folder loop: walked once
    os.symlink(pool / "nowhere.cif", pool / "broken.cif")
    os.symlink(pool / "self.cif", pool / "self.cif")  # a file link loop
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for table in (read_candidates(pool), _screen_rows(pool)):
        got = dict(zip(table["source"].map(lambda s: Path(s).name), table["status"], strict=True))
        assert got == {
            "a.vasp": "ok", "broken.cif": "broken_link", "self.cif": "broken_link",
            "locked": "unreadable_folder",
        }, got  # fmt: skip


@pytest.mark.parametrize("occupancy", ["-0.5", "0", "1.5", "nan"])
def test_cif_occupancy_outside_0_1_is_a_status_not_a_dropped_site(tmp_path, occupancy):
    cif = (
        "data_x\n_symmetry_space_group_name_H-M   'P 1'\n_cell_length_a 4.0\n_cell_length_b 4.0\n"
        "_cell_length_c 4.0\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
        "loop_\n _symmetry_equiv_pos_as_xyz\n  'x, y, z'\nloop_\n _atom_site_label\n"
        " _atom_site_type_symbol\n _atom_site_fract_x\n _atom_site_fract_y\n _atom_site_fract_z\n"
        f" _atom_site_occupancy\n  Li1  Li  0.0  0.0  0.0  {occupancy}\n"
        "  Cl1  Cl  0.5  0.5  0.5  1.0\n"
    )
    (tmp_path / "x.cif").write_text(cif)
    table = read_candidates(tmp_path / "x.cif")
    assert table["status"].tolist() == ["bad_occupancy"], table["error"].tolist()
    assert "Li1" in table["error"].iloc[0]


def test_a_csv_pandas_cannot_read_is_one_status_row_and_the_screen_goes_on(tmp_path):
    """A CSV pandas cannot read stopped the whole screening (rc 2, no results); the file is now
    the reader's status row, as `data info` gives it, and every other input is read. A quote
    never closed after the header ends the table there: the rows before it are read, one more
    row names its line. (A line with more fields than the header is that row's parse_error:
    tests/data/test_table_reading.py.)"""
    good = tmp_path / "a_good.csv"
    pd.DataFrame({"id": ["g1", "g2"], "formula": ["Li3PS4", "LiCl"]}).to_csv(good, index=False)
    broken = tmp_path / "b_broken.csv"
    broken.write_text('id,"formula\nx1,Li3PS4\n')  # the header's quote never closed
    quote = tmp_path / "c_quote.csv"
    quote.write_text('id,formula\nx1,Li3PS4\n"x2,Li6PS5Cl\n')  # a row's quote never closed
    plan = plan_inputs([str(good), str(broken), str(quote)])
    table = pd.concat([materialize(b)[0] for b in iter_batches(plan, 10)], ignore_index=True)
    assert table["candidate_id"].tolist() == ["g1", "g2", "b_broken", "x1", "c_quote:1"]
    assert table["status"].tolist() == ["ok", "ok", "parse_error", "ok", "parse_error"]
    assert (
        "b_broken.csv" in table["error"].iloc[2] and "EOF inside string" in table["error"].iloc[2]
    )
    assert table["error"].iloc[4].endswith("row 1 (line 3): it opens a quoted field (\") that is "
                                           "never closed: this line and every line after it "
                                           "are not read")  # fmt: skip
    info = read_candidates([good, broken, quote])
    assert (
        info[["candidate_id", "status"]].values.tolist()
        == table[["candidate_id", "status"]].values.tolist()
    )
