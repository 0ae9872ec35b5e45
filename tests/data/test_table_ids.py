"""An id cell with a control character or a line break: that row's ``bad_character``, naming the row
and the character, and no other row changes (the reader took such ids as they were: the row was
``ok`` and its id split lines in every output that showed it)."""

from __future__ import annotations

import csv
import warnings

import pandas as pd
import pytest

from electroscreen.data import read_candidates

GOOD = [("a", "Li3PS4"), ("b", "LiCl"), ("c", "Li7La3Zr2O12")]
#: An id cell each, with the character it must be refused for (as the message writes it).
BAD = [
    ("x\ny", "'\\n'"),
    ("x\ry", "'\\r'"),
    ("x\x00y", "'\\x00'"),
    ("x\x1by", "'\\x1b'"),
    ("x\ty", "'\\t'"),
    ("x\x85y", "'\\x85'"),
    ("x\u2028y", "'\\u2028'"),
]


def _read(path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_candidates(path).drop(columns="structure")


def _write(rows: list[tuple[str, str]], path) -> None:
    frame = pd.DataFrame(rows, columns=["candidate_id", "formula"])
    if path.suffix == ".csv":  # quoted: an unquoted CR is a line break of the file
        frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    else:
        frame.to_parquet(path, index=False)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_id_with_a_control_character_is_that_rows_status(tmp_path, suffix):
    rows = [GOOD[0], *[(cid, "LiCl") for cid, _ in BAD], *GOOD[1:]]
    _write(rows, tmp_path / f"pool{suffix}")
    _write(GOOD, tmp_path / f"good{suffix}")
    read = _read(tmp_path / f"pool{suffix}")
    assert len(read) == len(rows)  # rows in = rows out: the batch goes on
    bad = read.iloc[1 : 1 + len(BAD)]
    assert (bad["status"] == "bad_character").all(), bad[["candidate_id", "status"]]
    for k, ((_cid, shown), error) in enumerate(zip(BAD, bad["error"], strict=True)):
        assert error.startswith(f"{tmp_path / f'pool{suffix}'} row {k + 1}")  # names the row
        assert "candidate id" in error and "control character or line break" in error
        assert f"holds {shown}" in error
    assert (bad["formula"] == "LiCl").all()  # the cell as written, for the user to find the row
    # every other row is what the same table without the bad rows gives
    others = pd.concat([read.iloc[:1], read.iloc[1 + len(BAD) :]]).reset_index(drop=True)
    expected = _read(tmp_path / f"good{suffix}")
    pd.testing.assert_frame_equal(
        others.drop(columns="source"), expected.drop(columns="source"), check_dtype=False
    )


def test_ids_made_by_the_reader_and_ordinary_text_stay_ok(tmp_path):
    """No id column (ids ``<stem>:<row>``), an empty id cell, and ids with spaces, unicode and
    punctuation are not control characters."""
    (tmp_path / "plain.csv").write_text("formula\nLiCl\n", encoding="utf-8")
    ids = ["", "LLZO (Ta-doped) #2", "Li₃PS₄ · 80 °C", "a\u00a0b", "=1"]
    _write([(cid, "LiCl") for cid in ids], tmp_path / "ids.csv")
    assert _read(tmp_path / "plain.csv")["status"].tolist() == ["ok"]
    read = _read(tmp_path / "ids.csv")
    assert read["status"].tolist() == ["ok"] * len(ids), read["error"].tolist()
