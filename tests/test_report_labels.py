"""The console's ranked table names the interval by the model's coverage and p_air_stable a score."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from electroscreen.report import ranked_table


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "candidate_id": ["kop:Sn4+>Si4+", "0fh:Ge4+>Ti4+"],
            "formula": ["Li10.032Si0.3219Ge0.6781P2S12", "Li1.24Ti1.758Al0.242P3O12"],
            "rank": pd.array([1, 2], dtype="Int64"),
            "pareto_rank": pd.array([1, 1], dtype="Int64"),
            "acquisition_rank": pd.array([8, 37], dtype="Int64"),
            "pred_log10_sigma": [-2.27, -2.8],
            "pred_log10_sigma_std": [0.71, 0.29],
            "pred_log10_sigma_lo": [-3.81, -4.08],
            "pred_log10_sigma_hi": [-0.63, -1.73],
            "p_air_stable": [0.49, 0.97],
        }
    )


def _render(table, width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(table)
    return console.export_text()


@pytest.mark.parametrize("width", [80, 200])
def test_a_table_for_alpha_0_2_says_80_percent_and_air_score(width):
    text = _render(ranked_table(_results(), top=2, width=width, coverage=0.8), width)
    words = " ".join(text.split())  # a narrow console wraps the headers
    assert "80 %" in words and "interval" in words and "air" in words and "score" in words
    assert "90" not in text and "P(air" not in text


def test_the_header_reads_whole_in_a_wide_console():
    text = _render(ranked_table(_results(), top=2, coverage=0.8), 200)
    header = next(line for line in text.splitlines() if "candidate_id" in line)
    assert "80 % interval" in header and "air score" in header


def test_an_unknown_coverage_is_the_default_90_percent_and_the_table_may_carry_it():
    assert "90 % interval" in _render(ranked_table(_results(), top=2), 200)
    results = _results()
    results.attrs["interval_coverage"] = 0.95
    assert "95 % interval" in _render(ranked_table(results, top=2), 200)
