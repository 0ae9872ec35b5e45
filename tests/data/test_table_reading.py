"""Formula tables as a lab or a spreadsheet writes them: columns named like electroscreen's own,
a ``structure`` column of structure types, repeated ids, ragged lines, Windows-1252 bytes, a header
without rows, names with spaces, integer ids with a null, hidden files (found by an input audit)."""

from __future__ import annotations

import io
import random
import warnings

import numpy as np
import pandas as pd
import pytest

from electroscreen.data import read_candidates
from electroscreen.data.candidates import RESERVED_COLUMNS, unique_ids
from electroscreen.data.input_paths import expand_inputs
from electroscreen.data.table_text import csv_records
from electroscreen.data.tables import table_chunks, table_records
from tests.data.test_readers import GOOD_CIF_BLOCK

CIF = GOOD_CIF_BLOCK.format(name="z")  # Li0.5Cl


def _read(path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Windows-1252 note, tested on its own
        return read_candidates(path)


def _rows(path, chunk_rows: int) -> pd.DataFrame:
    """Rows of a table read in chunks of ``chunk_rows`` (as ``screen`` reads it with that batch
    size), through the one record reader."""
    records, start = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for chunk in table_chunks(path, chunk_rows):
            records += table_records(chunk, path, start, 5000, 0.5)
            start += len(chunk)
    return pd.DataFrame.from_records(records).drop(columns="structure", errors="ignore")


# --- columns named like electroscreen's own ----------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize("with_cif", [False, True])
def test_a_column_named_like_an_output_column_is_kept_as_input_name(tmp_path, suffix, with_cif):
    """A user's ``status`` column was dropped by ``data info``; ``rank``, ``batch``, ``n_sites``,
    ``pred_log10_sigma`` clashed with screen's columns; ``featurize_status`` with featurize's."""
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "formula": ["Li0.5Cl", "LiCl"],
            "status": ["made", "planned"],
            "rank": [1, 2],
            "input_rank": [7, 8],  # the prefixed name is taken too: input_input_rank
            " batch": ["A", "B"],  # spaces around a name do not hide the clash
            "pred_log10_sigma": [-3.0, -4.0],
            "featurize_status": ["x", "y"],
            "status_magpie": ["u", "v"],
            "note": ["kept", "as is"],
        }
    )
    if with_cif:
        frame["cif"] = [CIF, ""]
    path = tmp_path / f"lab.{suffix}"
    frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path)
    table = _read(path)
    assert table.columns.is_unique
    assert table["status"].tolist() == ["ok", "ok"]
    assert table["input_status"].tolist() == ["made", "planned"]
    assert table["input_input_rank"].tolist() == [1, 2]
    assert table["input_rank"].tolist() == [7, 8]
    assert table["input_batch"].tolist() == ["A", "B"]
    assert table["input_pred_log10_sigma"].tolist() == [-3.0, -4.0]
    assert table["input_featurize_status"].tolist() == ["x", "y"]
    assert table["input_status_magpie"].tolist() == ["u", "v"]
    assert table["note"].tolist() == ["kept", "as is"]
    assert not {"rank", "batch", " batch", "pred_log10_sigma", "featurize_status"} & set(table)


def test_featurize_keeps_a_users_featurize_status_column(tmp_path):
    """featurize wrote two ``featurize_status`` headers and then failed (``Grouper ... not
    1-dimensional``)."""
    from electroscreen.featurizers.registry import featurize_table

    path = tmp_path / "featcol.csv"
    path.write_text("id,formula,featurize_status\na,Li3PS4,measured\nb,Li6PS5Cl,measured\n")
    out = featurize_table(_read(path), ["electrolyte"])
    assert out.columns.is_unique
    assert out["input_featurize_status"].tolist() == ["measured"] * 2
    assert out["featurize_status"].tolist() == ["ok", "ok"]


def test_the_reserved_names_hold_the_candidate_columns():
    from electroscreen.data.candidates import CANDIDATE_COLUMNS

    assert set(CANDIDATE_COLUMNS) <= RESERVED_COLUMNS


# --- a structure column of structure types ------------------------------------------------------


def test_a_structure_column_is_a_structure_only_where_it_holds_cif_text(tmp_path):
    """``garnet`` in a ``structure`` column was parsed as a CIF: parse_error for a good formula."""
    path = tmp_path / "structtype.csv"
    pd.DataFrame(
        {
            "id": ["LLZO", "LPSC", "LYC", "cif"],
            "formula": ["Li7La3Zr2O12", "Li6PS5Cl", "Li3YCl6", "Li0.5Cl"],
            "structure": ["garnet", "argyrodite", "", CIF],
        }
    ).to_csv(path, index=False)
    table = _read(path)
    assert table["status"].tolist() == ["ok"] * 4
    assert table["formula"].tolist()[:3] == ["Li7La3Zr2O12", "Li6PS5Cl", "Li3YCl6"]
    assert table["structure"].iloc[:3].isna().all() and table["structure"].iloc[3] is not None
    assert table["input_structure"].tolist()[:2] == ["garnet", "argyrodite"]
    # an empty cell, and a CIF read as the row's structure, are not kept as text
    assert table["input_structure"].iloc[2:].fillna("").tolist() == ["", ""]


def test_a_cif_column_is_cif_text_in_every_cell_and_wins_over_structure(tmp_path):
    path = tmp_path / "both.csv"
    pd.DataFrame(
        {"formula": ["Li0.5Cl", "LiCl"], "cif": [CIF, "garnet"], "structure": ["x", "y"]}
    ).to_csv(path, index=False)
    table = _read(path)
    assert table["status"].tolist()[0] == "ok" and table["structure"].iloc[0] is not None
    assert table["status"].iloc[1] == "structure_parse_error"  # a cif cell that is no CIF
    assert table["input_structure"].tolist() == ["x", "y"]


def test_a_cif_cell_that_names_a_file_says_so_and_the_file_is_not_read(tmp_path):
    """A ``cif`` column of file paths gave ``no data block lists atom sites`` for a file that
    exists and one that does not alike. A cell is text: the file it names is never opened."""
    (tmp_path / "structures").mkdir()
    (tmp_path / "structures" / "a.cif").write_text(CIF)
    path = tmp_path / "paths.csv"
    cells = [str(tmp_path / "structures" / "a.cif"), "structures/a.cif", "/nonexistent/b.cif",
             "C:\\cifs\\c.cif", "Li3PS4_POSCAR", "garnet", CIF]  # fmt: skip
    pd.DataFrame({"formula": ["Li0.5Cl"] * len(cells), "cif": cells}).to_csv(path, index=False)
    table = _read(path)
    assert table["status"].tolist() == ["structure_parse_error"] * 6 + ["ok"]
    assert table["structure"].iloc[:6].isna().all()
    for cell, error in zip(cells[:5], table["error"], strict=False):
        assert f"the cif column holds CIF text; {cell!r} looks like a file path" in error
        assert "which is not read" in error and "no data block" not in error
    assert "no data block lists atom sites" in table["error"].iloc[5]  # text, but no CIF
    # a structure column's path is text kept as it is, as a structure type is
    pd.DataFrame({"formula": ["LiCl"], "structure": ["structures/a.cif"]}).to_csv(path, index=False)
    table = _read(path)
    assert table["status"].tolist() == ["ok"] and table["input_structure"].tolist() == [
        "structures/a.cif"
    ]


# --- repeated ids -------------------------------------------------------------------------------


def test_made_ids_never_repeat_an_id_already_there(tmp_path):
    """``a, a, a~2`` became ``a, a~2, a~2``."""
    assert unique_ids(["a", "a", "a~2", "b"]) == ["a", "a~2", "a~3", "b"]
    assert unique_ids(["a~2", "a", "a"]) == ["a~2", "a", "a~3"]
    assert unique_ids(["x", "x", "x"]) == ["x", "x~2", "x~3"]
    path = tmp_path / "dupids.csv"
    path.write_text("id,formula\na,Li3PS4\na,Li6PS5Cl\na~2,Li7P3S11\nb,Li3YCl6\n")
    assert _read(path)["candidate_id"].tolist() == ["a", "a~2", "a~3", "b"]


def test_ids_made_unique_by_parts_and_then_whole_are_the_whole_lists():
    """``screen`` makes a batch of files' ids unique, then the pool's: the ids must not depend on
    where the batches cut the pool (``POSCAR`` in four folders cut 2 + 2 gave ``POSCAR~2`` twice)."""
    assert unique_ids(unique_ids(["P", "P"]) + unique_ids(["P", "P"])) == [
        "P", "P~2", "P~3", "P~4",
    ]  # fmt: skip
    rng = random.Random(0)
    names = ["a", "a~2", "a~3", "b", "a~2~2", "b~2"]
    for _ in range(3000):
        ids = [rng.choice(names) for _ in range(rng.randint(1, 8))]
        whole = unique_ids(ids)
        assert len(set(whole)) == len(whole)
        cuts = sorted(rng.sample(range(1, len(ids)), rng.randint(0, len(ids) - 1)))
        parts = [ids[i:j] for i, j in zip([0, *cuts], [*cuts, len(ids)], strict=True)]
        assert unique_ids([x for part in parts for x in unique_ids(part)]) == whole


# --- ragged lines -------------------------------------------------------------------------------

RAGGED = (
    "id,formula,note\n"
    "a,Li3PS4,1\n"
    "b,Li6PS5Cl,2,extra\n"
    "\n"
    "  \n"
    'c,"Li7P3S11",3\n'
    '"d\nsplit",LiCl,"a ""quoted""\nnote"\n'
    "e,LiBr,5,x,y\n"
    "f,LiI\n"
    "g,Li3N,7,\n"
)


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 100])
def test_a_line_with_more_fields_is_its_rows_parse_error_whatever_the_chunk(tmp_path, chunk_rows):
    """A ragged CSV lost every row in one ``parse_error`` with the default batch size, and kept
    them all, the extra field dropped silently, with ``--batch-size 1``."""
    path = tmp_path / "ragged.csv"
    path.write_text(RAGGED)
    rows = _rows(path, chunk_rows)
    assert rows["candidate_id"].tolist() == ["a", "b", "c", "d\nsplit", "e", "f", "g"]
    assert rows["status"].tolist() == [  # d's id holds a line break (tests/data/test_table_ids.py)
        "ok", "parse_error", "ok", "bad_character", "parse_error", "ok", "parse_error",
    ]  # fmt: skip
    assert (
        rows["error"].iloc[1]
        == f"{path} row 1 (line 3): it has 4 fields, the header 3: the line is not read"
    )
    # after two blank lines and a row of three lines
    assert rows["error"].iloc[4].startswith(f"{path} row 4 (line 10): it has 5 fields")
    assert rows["error"].iloc[6].startswith(f"{path} row 6 (line 12): it has 4 fields")
    assert rows["source"].iloc[5] == f"{path}:5"
    assert _read(path)["status"].tolist() == rows["status"].tolist()  # data info: the same rows


def test_the_field_counter_reads_records_as_pandas_does():
    text = RAGGED + '"",\n"  "\n,,\n x , y \n"a""b",c\n"open "" still",1\r\nx\ry\n'
    records = list(csv_records(io.StringIO(text, newline="")))
    assert records[0] == (1, 3, True)
    frame = pd.read_csv(io.StringIO(text), usecols=range(3), index_col=False, dtype=str)
    assert len(records) - 1 == len(frame)  # the same records (blank lines skipped alike)
    assert [n for _, n, _ in records[1:8]] == [3, 4, 3, 3, 5, 2, 4]
    assert [line for line, _, _ in records[1:8]] == [2, 3, 6, 7, 10, 11, 12]
    assert all(closed for _, _, closed in records)
    unclosed = list(csv_records(io.StringIO('id\na\n"no end\nmore\n', newline="")))
    assert unclosed == [(1, 1, True), (2, 1, True), (3, 1, False)]


# --- encodings ----------------------------------------------------------------------------------


def test_a_windows_1252_table_is_read_with_a_warning_naming_the_line(tmp_path):
    """One ``°`` or ``·`` byte from Excel turned the whole table into one ``binary_file`` row."""
    path = tmp_path / "cp1252.csv"
    path.write_bytes(b"id,formula,T (\xb0C)\na,Li3PS4,25\nb,Li3InCl6\xb72H2O,25\n")
    with pytest.warns(
        UserWarning, match=r"not UTF-8 \(byte 0xb0 on line 1\); read as Windows-1252"
    ):
        table = read_candidates(path)
    assert table["status"].tolist() == ["ok", "ok"]
    assert table["cell_formula"].tolist() == ["Li3PS4", "Li3InCl6H4O2"]  # as written
    assert table["T (°C)"].tolist() == [25, 25]


def test_a_late_windows_1252_byte_keeps_every_row(tmp_path):
    path = tmp_path / "late.csv"
    lines = [f"r{i},Li3PS4" for i in range(2000)]
    lines[1500] = "r1500,Li3InCl6\xb72H2O"
    path.write_bytes(("id,formula\n" + "\n".join(lines) + "\n").encode("cp1252"))
    with pytest.warns(UserWarning, match="byte 0xb7 on line 1502"):
        chunks = list(table_chunks(path, 1000))
    rows = pd.DataFrame.from_records(
        table_records(chunks[0], path, 0, 5000, 0.5)
        + table_records(chunks[1], path, 1000, 5000, 0.5)
    )
    assert len(rows) == 2000 and (rows["status"] == "ok").all()
    assert rows["formula"].iloc[1500] == "Li3InCl6H4O2"


def test_a_byte_neither_utf8_nor_windows_1252_spoils_only_its_line(tmp_path):
    """One 0x81 byte turned a 3,001-row table into one ``binary_file`` row (a scale audit): now
    its line reads the byte as U+FFFD and every other row is read."""
    path = tmp_path / "odd.csv"
    path.write_bytes(b"id,formula\n" + b"a,Li3PS4\n" * 3000 + b"b,Li\x81Cl\n")
    with pytest.warns(UserWarning, match="byte 0x81 on line 3002.*U\\+FFFD: line 3002"):
        table = read_candidates(path)
    assert len(table) == 3001 and (table["status"].iloc[:3000] == "ok").all()
    assert table["status"].iloc[3000] != "ok" and "\ufffd" in table["error"].iloc[3000]
    png = tmp_path / "image.csv"
    png.write_bytes(b"formula\n\x00\x01\x02\x89PNG" + bytes(range(256)))
    assert _read(png)["status"].tolist() == ["binary_file"]


def test_a_windows_1252_line_changes_no_other_row(tmp_path):
    """One Windows-1252 byte made the whole file read as Windows-1252, so a valid UTF-8 row 5,000
    lines later (``Li3YCl6 · 2H2O``) became ``Li3YCl6 Â· 2H2O``, ``bad_formula`` (a scale audit).
    Each row reads as it does in a file of its own, whatever the chunk size."""
    utf8 = "u,Li3YCl6 · 2H2O,Müller 2021\n".encode()
    body = [b"r%d,Li3PS4,x\n" % i for i in range(6000)]
    body[100] = "w,Li3InCl6,25 \xb0C\n".encode("cp1252")
    body[5100] = utf8
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"id,formula,note\n" + b"".join(body))
    with pytest.warns(UserWarning, match="byte 0xb0 on line 102.*Windows-1252.*: line 102;"):
        chunks = list(table_chunks(path, 1000))
    frame = pd.concat([pd.DataFrame(c.to_dict("list")) for c in chunks], ignore_index=True)
    assert len(frame) == 6000
    assert (
        frame.loc[5100, "formula"] == "Li3YCl6 · 2H2O" and frame.loc[5100, "note"] == "Müller 2021"
    )
    assert frame.loc[100, "note"] == "25 °C"
    alone = tmp_path / "alone.csv"
    alone.write_bytes(b"id,formula,note\n" + utf8)
    with pytest.warns(UserWarning, match="line 102"):
        mixed = read_candidates(path)
    assert mixed.iloc[5100]["formula"] == read_candidates(alone).iloc[0]["formula"]


# --- a header without rows ----------------------------------------------------------------------


def test_a_table_with_a_header_and_no_rows_is_one_empty_table_row(tmp_path):
    folder = tmp_path / "pool"
    folder.mkdir()
    (folder / "header_only.csv").write_text("id,formula\n")
    pd.DataFrame({"id": pd.Series([], dtype=str), "formula": pd.Series([], dtype=str)}).to_parquet(
        folder / "none.parquet"
    )
    (folder / "z.csv").write_text("id,formula\na,Li3PS4\n")
    table = _read(folder)
    assert table["candidate_id"].tolist() == ["header_only", "none", "a"]
    assert table["status"].tolist() == ["empty_table", "empty_table", "ok"]
    assert table["source"].iloc[0] == str(folder / "header_only.csv")
    assert table["error"].iloc[0].endswith("header_only.csv: the table has a header but no rows")


# --- names, ids, hidden files -------------------------------------------------------------------


def test_column_names_with_surrounding_spaces_are_recognised(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(" id ,Formula ,T\na,Li3PS4,25\n")
    table = _read(path)
    assert table["status"].tolist() == ["ok"]
    assert table["candidate_id"].tolist() == ["a"] and table["T"].tolist() == [25]


def test_integer_parquet_ids_with_a_null_stay_integers(tmp_path):
    """Ids ``1, 2, None, 4`` are stored as floats: they came back as ``1.0, 2.0, p1:2, 4.0``."""
    path = tmp_path / "p1.parquet"
    pd.DataFrame(
        {"id": pd.array([1, 2, None, 4], dtype="Int64"), "formula": ["Li3PS4"] * 4}
    ).to_parquet(path)
    assert _read(path)["candidate_id"].tolist() == ["1", "2", "p1:2", "4"]
    path2 = tmp_path / "p2.parquet"
    pd.DataFrame({"id": [1.5, np.float32(2.0)], "formula": ["Li3PS4"] * 2}).to_parquet(path2)
    assert _read(path2)["candidate_id"].tolist() == ["1.5", "2"]


def test_hidden_files_in_a_folder_are_not_read(tmp_path):
    """macOS ``._x.cif`` copies became ``parse_error`` rows."""
    (tmp_path / "x.cif").write_text(CIF)
    (tmp_path / "._x.cif").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (tmp_path / ".hidden.cif").write_text("garbage")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "pool-checkpoint.csv").write_text("formula\nLiCl\n")
    assert [p.name for p in expand_inputs(tmp_path)] == ["x.cif"]
    assert _read(tmp_path)["status"].tolist() == ["ok"]
    assert _read(tmp_path / ".hidden.cif")["status"].tolist() == ["parse_error"]  # given by name
