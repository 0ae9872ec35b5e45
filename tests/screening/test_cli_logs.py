"""``electroscreen screen`` written to a log (stdout/stderr not a terminal): full ids, no debris."""

from __future__ import annotations

import re

import pandas as pd
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.report import LOG_WIDTH, log_console

LONG_IDS = [f"icsd-collection-2026/very-long-candidate-identifier-{i:04d}" for i in range(6)]
LONG_FORMULAS = [
    "Li1.3Al0.3Ti1.7(PO4)3", "Li6.4La3Zr1.4Ta0.6O12", "Li5.5PS4.5Cl1.5", "Li10GeP2S12",
    "Li3InCl6", "Li6PS5Cl",
]  # fmt: skip


def test_a_log_gets_wide_plain_tables_and_no_progress_bar(model_store, tmp_path):
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"id": LONG_IDS, "formula": LONG_FORMULAS}).to_csv(pool, index=False)
    result = CliRunner().invoke(
        app,
        ["screen", str(pool), "--out", str(tmp_path / "out"), "--tracking-uri", model_store.uri,
         "--batch-size", "2", "--device", "cpu", "--no-track"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ranked = pd.read_parquet(tmp_path / "out" / "results.parquet")
    ranked = ranked[ranked["rank"] > 0]
    assert len(ranked) >= 4
    shown = ranked[ranked["diverse_rank"].notna()]  # one row per chemistry (Li6PS5Cl's fold)
    assert (
        len(shown) >= 4
        and (ranked.loc[ranked["diverse_rank"].isna(), "represented_by"] != "").all()
    )
    for row in shown.itertuples():
        # each shown candidate's row holds its full id and full formula on one line
        assert any(
            row.candidate_id in line and row.formula in line for line in result.stdout.splitlines()
        )
    for stream in (result.stdout, result.stderr):
        assert "…" not in stream
        assert "\x1b[" not in stream and "\r" not in stream  # no colour codes, no redraws
        assert "screening batches" not in stream and "█" not in stream  # no progress bar
    # progress as plain lines instead: 3 batches of 2
    assert re.search(r"batches 3/3 \(\d+\.\d s\)", result.stderr)
    assert str(tmp_path / "out" / "results.csv") in result.stdout


def test_log_console_is_wide_only_off_a_terminal():
    console = log_console()  # pytest captures stdout: not a terminal
    assert console.width == LOG_WIDTH
    assert console.no_color


def test_expected_conditions_are_one_warning_line_each(model_store, tmp_path):
    """A pool over ``pareto_max_rows`` and a table read as Windows-1252 used to come out as raw
    Python warnings with their source line echoed (an audit at scale, finding 6); each is now one
    ``warning:`` line of the log, and the results are the same."""
    pool = tmp_path / "pool.csv"
    rows = [f"{i},{f},Müller" for i, f in enumerate(LONG_FORMULAS)]
    text = "id,formula,note\n" + "\n".join(rows) + "\n"
    pool.write_bytes(text.encode("cp1252"))  # the ü is one byte 0xfc: not UTF-8
    config = tmp_path / "screen.yaml"
    config.write_text("ranking:\n  pareto_max_rows: 2\n")
    result = CliRunner().invoke(
        app,
        ["screen", str(pool), "--out", str(tmp_path / "out"), "--tracking-uri", model_store.uri,
         "--config", str(config), "--device", "cpu", "--no-track"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    pareto = [line for line in lines if "pareto_max_rows = 2" in line]
    encoding = [line for line in lines if "read as Windows-1252" in line]
    assert len(pareto) == 1 and pareto[0].startswith("warning: pareto_rank: ")
    assert len(encoding) == 1 and encoding[0].startswith(f"warning: {pool}")
    assert "Warning" not in result.stderr and "warnings.warn" not in result.stderr
    assert not [line for line in lines if line.startswith(" ")]  # no echoed source line
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert (results["note"] == "Müller").all() and (results["rank"] > 0).sum() >= 4
