"""``screen`` on tables as labs write them: columns named like its own output columns (``rank``,
``pred_log10_sigma``, ``batch``, ``n_sites``, ``status``), its own ``results.csv`` screened again,
and tables whose rows must not depend on the batch size (a ragged line, repeated ids, a
Windows-1252 byte, a header without rows, a quote never closed). Found by an input audit: ``Field "rank" exists 2 times``
after every batch had finished; a user's ``batch`` came back ``0, 0``."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from electroscreen.data.candidates import RESERVED_COLUMNS, is_reserved_column
from electroscreen.screening import screen
from electroscreen.screening.screen_config import load_screening_config
from tests.data.test_readers import GOOD_CIF_BLOCK


def _screen(model_store, inputs: list[Path], out: Path, batch_size: int = 100) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Windows-1252 note
        result = screen(
            [str(p) for p in inputs], out, config=load_screening_config(batch_size=batch_size),
            tracking_uri=model_store.uri, track=False, progress=False,
        )  # fmt: skip
    return result.results


def test_every_column_screen_and_featurize_write_is_reserved():
    """The data layer keeps the list (it may not import screening); this is what keeps it whole."""
    from electroscreen.models.training_labels import LABEL_COLUMNS
    from electroscreen.models.training_rows import (
        HELDOUT_COLUMNS,
        NEAREST_HELDOUT_COLUMNS,
        NEAREST_TRAINING_COLUMNS,
        TRAINING_COLUMNS,
    )
    from electroscreen.screening.objective_columns import WINDOW_STATUS_COLUMN
    from electroscreen.screening.results import RESULT_COLUMNS

    written = {*RESULT_COLUMNS, *TRAINING_COLUMNS, *HELDOUT_COLUMNS, *LABEL_COLUMNS}
    written |= {*NEAREST_TRAINING_COLUMNS, *NEAREST_HELDOUT_COLUMNS}
    written.add(WINDOW_STATUS_COLUMN)
    written.add("pred_feature_status")
    assert written <= RESERVED_COLUMNS
    assert {"pred_status", "featurize_status", "structure"} <= RESERVED_COLUMNS
    assert is_reserved_column("status_magpie") and is_reserved_column(" rank ")
    assert not is_reserved_column("temperature_c") and not is_reserved_column("input_rank")


def test_a_users_columns_named_like_screens_are_kept_and_results_screen_again(
    model_store, tmp_path
):
    formulas = ["Li3PS4", "Li6PS5Cl", "Li3YCl6", "NaCl"]
    lab = tmp_path / "lab.csv"
    pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "formula": formulas,
            "rank": [4, 3, 2, 1],
            "pred_log10_sigma": [-1.0, -2.0, -3.0, -4.0],
            "batch": ["A", "B", "A", "B"],
            "n_sites": [8, 52, 40, 8],
            "status": ["made", "made", "planned", "planned"],
            "structure": ["", "argyrodite", "", "rocksalt"],
            "featurize_status": ["x"] * 4,
            "note": ["n1", "n2", "n3", "n4"],
        }
    ).to_csv(lab, index=False)
    with_cif = tmp_path / "with_cif.csv"  # read row by row (the CIF-column path)
    pd.DataFrame(
        {"id": ["e", "f"], "formula": ["LiCl", "Li0.5Cl"], "cif": ["", GOOD_CIF_BLOCK.format(name="z")],
         "rank": [9, 8], "batch": ["C", "C"], "score": [0.5, 0.25]}
    ).to_csv(with_cif, index=False)  # fmt: skip
    results = _screen(model_store, [lab, with_cif], tmp_path / "first")
    assert results.columns.is_unique
    assert results["candidate_id"].tolist() == ["a", "b", "c", "d", "e", "f"]
    assert results["input_rank"].tolist() == [4, 3, 2, 1, 9, 8]
    assert results["input_batch"].tolist() == ["A", "B", "A", "B", "C", "C"]
    assert results["input_n_sites"].tolist()[:4] == [8, 52, 40, 8]
    assert results["input_status"].tolist()[:4] == ["made", "made", "planned", "planned"]
    assert results["input_pred_log10_sigma"].tolist()[:4] == [-1.0, -2.0, -3.0, -4.0]
    assert results["input_structure"].fillna("").tolist()[:4] == ["", "argyrodite", "", "rocksalt"]
    assert results["input_score"].tolist()[4:] == [0.5, 0.25]
    assert results["note"].tolist()[:4] == ["n1", "n2", "n3", "n4"]
    assert results["batch"].tolist() == [0, 0, 0, 0, 1, 1]  # screen's own columns are its own
    assert results.loc[:2, "status"].tolist() == ["ok"] * 3 and results.loc[3, "status"] != "ok"
    assert results["rank"].notna().sum() >= 3
    # every column screen adds is a reserved name; the table's own are the rest
    own = {"note"} | {c for c in results if c.startswith("input_")}
    assert set(results.columns) - own <= RESERVED_COLUMNS

    again = _screen(model_store, [tmp_path / "first" / "results.csv"], tmp_path / "again")
    assert again["candidate_id"].tolist() == results["candidate_id"].tolist()
    assert again["status"].tolist() == results["status"].tolist()
    assert again["pred_log10_sigma"].equals(results["pred_log10_sigma"])
    # results.csv's own input_<name> keeps its name; its <name> is one more input_ further
    assert again["input_pred_log10_sigma"].equals(results["input_pred_log10_sigma"])
    assert again["input_input_pred_log10_sigma"].to_numpy() == pytest.approx(
        results["pred_log10_sigma"].to_numpy(), rel=1e-15, nan_ok=True
    )
    assert again["input_input_rank"].astype("Int64").tolist() == results["rank"].tolist()
    assert again["input_input_status"].tolist() == results["status"].tolist()


def test_table_rows_do_not_depend_on_the_batch_size(model_store, tmp_path):
    """A ragged line lost every row with the default batch size and lost only its extra field with
    ``--batch-size 1``; repeated ids gave ``a~2`` twice; a header-only table vanished."""
    pool = tmp_path / "pool"
    pool.mkdir()
    lines = [
        "id,formula,T (\xb0C)",
        "a,Li3PS4,25",
        "a,Li6PS5Cl,25,extra",
        "a~2,Li3YCl6,25",
        "",
        "b,Li3InCl6\xb72H2O,25",
        "a,Li10GeP2S12,25",
        "c,Li7La3Zr2O12",
    ]
    (pool / "lab.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    (pool / "header_only.csv").write_text("id,formula\n")
    for d in ("d1", "d2", "d3"):  # three files with one stem: ids made unique over the pool
        (pool / d).mkdir()
        (pool / d / "x.cif").write_text(GOOD_CIF_BLOCK.format(name=d))
    runs = {b: _screen(model_store, [pool], tmp_path / f"b{b}", b) for b in (1, 2, 100)}
    whole = runs[100]
    assert whole["candidate_id"].tolist() == [
        "header_only", "a", "a~2", "a~3", "b", "a~4", "c", "x", "x~2", "x~3",
    ]  # fmt: skip
    assert whole["status"].tolist()[:3] == ["empty_table", "ok", "parse_error"]
    message = "lab.csv row 1 (line 3): it has 4 fields, the header 3: the line is not read"
    assert whole["error"].iloc[2].endswith(message)
    # the Windows-1252 middle dot read as the hydrate dot it is (screening/hydrate_filter.py)
    assert whole["status"].iloc[4] == "hydrate" and whole["cell_formula"].iloc[4] == "Li3InCl6H4O2"
    assert whole["hydrate_formula"].iloc[4] == "Li3InCl6\xb72H2O"
    for b in (1, 2):
        for column in whole.columns.drop("batch"):
            assert runs[b][column].astype(str).tolist() == whole[column].astype(str).tolist(), (
                b,
                column,
            )


def test_a_column_typed_differently_in_each_batch_is_written_as_text(model_store, tmp_path):
    """pandas types a CSV's extra column per batch: empty (double) in the first batches, text in
    the last. The run failed after its last batch (ArrowTypeError), and so did every resume."""
    pool = tmp_path / "pool.csv"
    formulas = ["Li3PS4", "LiCl", "Li6PS5Cl", "Li7La3Zr2O12"] * 3
    comment = [""] * 9 + ["checked"] * 3
    pd.DataFrame({"formula": formulas, "comment": comment}).to_csv(pool, index=False)
    small = _screen(model_store, [pool], tmp_path / "small", batch_size=3)
    whole = _screen(model_store, [pool], tmp_path / "whole", batch_size=100)
    assert small["comment"].tolist() == whole["comment"].tolist()
    assert small["comment"].tolist()[-3:] == ["checked"] * 3
    pd.testing.assert_frame_equal(small.drop(columns="batch"), whole.drop(columns="batch"))


def test_a_quote_never_closed_ends_the_table_at_any_batch_size(model_store, tmp_path):
    """A stray ``"`` makes the rest of a CSV one quoted field: ``screen`` returned 1,501 / 1,001 /
    1 rows of 3,000 at batch sizes 500 / 1,000 / 5,000, the later rows gone without a count. Now
    the rows before it, and one row naming the line, whatever the batch size (``data info`` too)."""
    from electroscreen.data.readers import read_candidates

    real = ("Li3PS4", "Li7P3S11", "Li6PS5Cl", "Li10GeP2S12", "Li4SnS4", "Li3InCl6", "Li4P2S6")
    lines = ["id,formula"] + [f"r{i},{real[i % 7]}" for i in range(12)]
    lines[6] = '"' + lines[6]  # line 7 of the file, the 6th record
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = {b: _screen(model_store, [path], tmp_path / f"b{b}", b) for b in (1, 4, 5, 100)}
    whole = runs[100]
    assert whole["candidate_id"].tolist()[:5] == ["r0", "r1", "r2", "r3", "r4"]
    assert whole["status"].tolist() == ["ok"] * 5 + ["parse_error"]
    assert whole["error"].iloc[5] == (
        f'{path} row 5 (line 7): it opens a quoted field (") that is never closed: '
        "this line and every line after it are not read"
    )
    for b in (1, 4, 5):
        for column in whole.columns.drop("batch"):
            assert runs[b][column].astype(str).tolist() == whole[column].astype(str).tolist()
    assert read_candidates(path)["status"].tolist() == whole["status"].tolist()  # data info
