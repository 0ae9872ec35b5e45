"""The top table of `screen` and `demo`: one row per composition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from electroscreen.report import ranked_table


def _render(table, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_the_top_table_shows_each_composition_once():
    results = pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c", "d", "e", "f"],
            "formula": ["Li3PS4", "Li6P2S8", "Li3YCl6", "Li3InCl6", "Li9P3S12", "Li7La3Zr2O12"],
            "rank": pd.array([1, 2, 3, 4, 5, pd.NA], dtype="Int64"),
            "pareto_rank": pd.array([1, 1, 2, 2, 3, pd.NA], dtype="Int64"),
            "acquisition_rank": pd.array([2, 1, 3, 5, 4, pd.NA], dtype="Int64"),
            "pred_log10_sigma": [-3.0, -3.0, -3.5, -3.6, -3.0, np.nan],
            "pred_log10_sigma_std": [0.3] * 5 + [np.nan],
            "pred_log10_sigma_lo": [-3.5] * 5 + [np.nan],
            "pred_log10_sigma_hi": [-2.5] * 5 + [np.nan],
            "p_air_stable": [0.2, 0.2, 0.4, 0.5, 0.2, np.nan],
        }
    ).sample(frac=1.0, random_state=0)  # input order is not rank order
    text = _render(ranked_table(results, top=3))
    title = "Top 3 of 5 ranked candidates (one row per composition; 2 repeats, '+n more' after"
    assert title in text
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    # b and e (Li9P3S12) repeat a; the read goes on until a fourth composition would start
    assert [(r[2].strip(), r[3].strip()) for r in rows] == [
        ("a (+2 more)", "Li3PS4"), ("c", "Li3YCl6"), ("d", "Li3InCl6"),
    ]  # fmt: skip


def _two_candidates(formula: str = "Li10.032Si0.3219Ge0.6781P2S12") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "candidate_id": ["kop:Sn4+>Si4+", "0fh:Ge4+>Ti4+"],
            "formula": [formula, "Li1.24Ti1.758Al0.242P3O12"],
            "rank": pd.array([1, 2], dtype="Int64"),
            "pareto_rank": pd.array([1, 1], dtype="Int64"),
            "acquisition_rank": pd.array([8, 37], dtype="Int64"),
            "pred_log10_sigma": [-2.27, -2.9],
            "pred_log10_sigma_std": [0.71, 0.29],
            "pred_log10_sigma_lo": [-3.91, -4.08],
            "pred_log10_sigma_hi": [-0.63, -1.73],
            "p_air_stable": [0.49, 0.97],
        }
    )


def test_a_narrow_console_shows_every_formula_whole():
    formula = "Li10.032Si0.3219Ge0.6781P2S12"  # 29 characters
    results = _two_candidates(formula)
    for width in (80, 100, 200):
        console = Console(width=width, record=True, color_system=None)
        console.print(ranked_table(results, top=5, width=width))
        lines = console.export_text().splitlines()
        assert max(len(line) for line in lines) <= width  # nothing cropped at the right
        assert not any("…" in line for line in lines)
        assert any(formula in line for line in lines)  # on one line, uncut
        assert any("-2.27" in line for line in lines) and any("37" in line for line in lines)
        # wide enough: id and formula on one line (a log stays greppable); else the id under it
        side_by_side = any("kop:Sn4+>Si4+" in line and formula in line for line in lines)
        assert side_by_side == (width == 200)


def test_a_known_composition_shows_its_measurement():
    """A top candidate that is a training composition is a recall, not a discovery: the table says
    what was measured (the median, or the bound of a censored measurement)."""
    results = pd.DataFrame(
        {
            "candidate_id": ["k4x:Si4+>Ge4+", "new", "low"],
            "formula": ["Li10.354Ge1.35P1.65S12", "Li3YBr6", "Li2ZrCl6"],
            "rank": pd.array([1, 2, 3], dtype="Int64"),
            "pareto_rank": pd.array([1, 1, 2], dtype="Int64"),
            "acquisition_rank": pd.array([1, 2, 3], dtype="Int64"),
            "pred_log10_sigma": [-1.84, -3.0, -9.0],
            "pred_log10_sigma_std": [0.02, 0.3, 0.3],
            "pred_log10_sigma_lo": [-2.77, -4.0, -10.0],
            "pred_log10_sigma_hi": [-0.92, -2.0, -8.0],
            "p_air_stable": [0.67, 0.4, 0.5],
            "train_log10_sigma": [-1.8361, np.nan, np.nan],
            "train_id": ["824", "", "17 (< 1e-10 S/cm)"],
            "heldout_log10_sigma": [np.nan, -2.72, np.nan],
            "heldout_id": ["", "elz", ""],
            "train_air_verdict": ["moderate (1), unstable (2)", "", None],
        }
    )
    text = _render(ranked_table(results, top=3))
    caption = " ".join(text.split())
    assert (
        "Trained on (measured log10 σ at 25 °C, train_log10_sigma): rank 1: -1.84; rank 3: <-10"
        in caption
    )
    # measured in rows the model did not see (the OBELiX test split): a check of the prediction
    assert "Measured at 25 °C, not trained on (heldout_log10_sigma): rank 2: -2.72" in caption
    # a labelled composition: its literature verdict, whatever its score says
    assert "Air-stability labels (train_air_verdict): rank 1: moderate (1), unstable (2)" in caption
    assert "rank 2: " not in caption.split("Air-stability labels")[1]
    # results written before the columns existed: no caption
    columns = ["train_log10_sigma", "train_id", "train_air_verdict"]
    old = _render(ranked_table(results.drop(columns=columns), top=3))
    assert "Trained on" not in old and "Air-stability labels" not in old


def test_a_row_next_to_a_measured_composition_names_it_under_the_table():
    """A member of a measured solid solution is no new material (Nb-LLZO 0.0021 from 66a); a
    recall is listed with its measurement already, a row further than 0.005 not at all."""
    results = _two_candidates().iloc[[0, 1, 1]].reset_index(drop=True)
    results["candidate_id"] = ["o5q", "lgps", "far"]
    results["formula"] = ["Li6.804La3Zr1.8Nb0.2O12", "Li10GeP2S12", "Li3YBr6"]
    results["rank"] = pd.array([1, 2, 3], dtype="Int64")
    results["train_log10_sigma"] = [np.nan, -2.1, np.nan]
    results["train_id"] = ["", "824", ""]
    results["train_nearest_formula"] = ["Li27La12Zr7NbO48", "Li10GeP2S12", "Li3YCl6"]
    results["train_nearest_id"] = ["66a;x2;x3", "824", "y"]
    results["train_nearest_distance"] = [0.0021, 0.0, 0.006]
    caption = " ".join(_render(ranked_table(results, top=3)).split())
    assert (
        "Near a measured composition (nearest within 0.005 in every element's atomic fraction"
        in caption
    )
    assert "rank 1: Li6.75La3Zr1.75Nb0.25O12 (66a;x2 +1, trained on) at 0.0021" in caption
    assert "rank 2: Li10GeP2S12" not in caption and "rank 3: Li3YCl6" not in caption
    plain = results.drop(columns=[c for c in results if "nearest" in c])
    assert "Near a measured" not in _render(ranked_table(plain, top=3))


@pytest.mark.parametrize("width", [80, 200])
def test_a_table_for_alpha_0_2_says_80_percent_and_air_score(width):
    text = _render(ranked_table(_two_candidates(), top=2, width=width, coverage=0.8), width)
    words = " ".join(text.split())  # a narrow console wraps the headers
    assert "80 %" in words and "interval" in words and "air" in words and "score" in words
    assert "90 %" not in words and "P(air" not in text


def test_the_header_reads_whole_in_a_wide_console():
    text = _render(ranked_table(_two_candidates(), top=2, coverage=0.8))
    header = next(line for line in text.splitlines() if "candidate_id" in line)
    assert "80 % interval" in header and "air score" in header


def test_an_unknown_coverage_is_the_default_90_percent_and_the_table_may_carry_it():
    assert "90 % interval" in _render(ranked_table(_two_candidates(), top=2))
    results = _two_candidates()
    results.attrs["interval_coverage"] = 0.95
    assert "95 % interval" in _render(ranked_table(results, top=2))


def test_a_ranking_across_temperatures_shows_each_rows_temperature():
    """The same composition at 80 and at 25 degC (blank: the config's) are two predictions, not a
    repeat: both are shown, each with its temperature; a run at one temperature has no column."""
    results = _two_candidates("Li3PS4").iloc[[0, 1, 0]].reset_index(drop=True)
    results["candidate_id"] = ["hot", "other", "room"]
    results["rank"] = pd.array([1, 2, 3], dtype="Int64")
    results["temperature_c"] = ["80", None, ""]
    rows = [line.split("│") for line in _render(ranked_table(results, top=3)).splitlines()]
    shown = [(r[2].strip(), r[4].strip()) for r in rows if len(r) > 4]
    assert shown == [("hot", "80"), ("other", "25"), ("room", "25")]
    same = _render(ranked_table(results.assign(temperature_c=None), top=3, temperature_c=80.0))
    assert "T (°C)" not in same and "hot (+1 more)" in same
    assert "log10 σ (S/cm)" in _render(ranked_table(results, top=3))  # each row's in T (°C)


def test_a_table_at_another_temperature_says_which_beside_25_degc_measurements():
    """halaudit M1: screened at 80 degC, the console's header named no temperature and the
    measured values under it (25 degC values) did not say theirs."""
    results = _two_candidates("Li3InCl6")
    results["heldout_log10_sigma"] = [-2.69, np.nan]
    results["heldout_id"] = ["de5", ""]
    results["pred_feature_status"] = [
        "conductivity:measurements:heldout_outside_interval=+1.20 decades",
        "",
    ]
    caption = " ".join(_render(ranked_table(results, top=2, temperature_c=80.0)).split())
    assert "log10 σ at 80 °C (S/cm)" in caption
    assert (
        "Measured at 25 °C, not trained on (heldout_log10_sigma): rank 1: -2.69, 1.20 decades "
        "above the 25 °C interval" in caption
    )
    at_25 = " ".join(_render(ranked_table(results, top=2)).split())
    assert "log10 σ (S/cm)" in at_25 and "°C (S/cm)" not in at_25


def test_an_air_score_far_from_every_label_is_marked_and_explained():
    """A sodium auditor read Na3YCl6's air score 0.82, ranked first, as a verdict; it was the
    chemistry model's guess far from every label (a note only in ``pred_feature_status``). A
    score mostly the prior (``mostly_prior``) is marked alike."""
    from electroscreen.models.predictor_outputs import FAR_FROM_LABELS, MOSTLY_PRIOR
    from electroscreen.report import FAR_MARK, FAR_NOTE, PRIOR_NOTE

    assert FAR_NOTE == f"air-stability:{FAR_FROM_LABELS}"  # as screen writes it
    assert PRIOR_NOTE == f"air-stability:{MOSTLY_PRIOR}"
    results = _two_candidates()
    results["pred_feature_status"] = [f"conductivity:x:y,{FAR_NOTE}", ""]
    text = _render(ranked_table(results, top=2))
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    assert [r[6].strip() for r in rows] == [f"0.49{FAR_MARK}", "0.97"]
    explained = (
        f"{FAR_MARK} air score of an unlabelled composition few labelled rows lie near "
        f"(p_air_stable_label_weight below 0.5, {PRIOR_NOTE}; below 0.05, {FAR_NOTE}): mostly "
        "the chemistry model's guess"
    )
    assert explained in " ".join(text.split())
    # halaudit H1: LiGaCl4 0.64 with a forest weight 0.117, the rest the prior, had no mark
    results["pred_feature_status"] = ["", f"conductivity:x:y,{PRIOR_NOTE}"]
    text = _render(ranked_table(results, top=2))
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    assert [r[6].strip() for r in rows] == ["0.49", f"0.97{FAR_MARK}"]
    assert explained in " ".join(text.split())
    results["pred_feature_status"] = ""  # near the labels (or results without the column): no mark
    for plain in (results, results.drop(columns="pred_feature_status")):
        text = _render(ranked_table(plain, top=2))
        assert FAR_MARK not in text and "few labelled rows lie near" not in text


def test_an_air_score_against_its_own_label_is_marked_and_named_with_the_label():
    """audit_halide F3: LiI, labelled unstable by one row, scored 0.82 and marked as far from
    every labelled composition; the score is now marked as contradicting its label, named under
    the table with the verdict and its number of label rows."""
    from electroscreen.models.predictor_outputs import CONTRADICTS_LABEL
    from electroscreen.report import CONTRADICTS_MARK, CONTRADICTS_NOTE, FAR_MARK

    assert CONTRADICTS_NOTE == f"air-stability:{CONTRADICTS_LABEL}"  # as screen writes it
    results = _two_candidates()
    results["formula"] = ["LiI", "Li3YBr6"]
    results["p_air_stable"] = [0.82, 0.02]
    results["train_air_verdict"] = ["unstable", "stable (1), unstable (1)"]
    results["pred_feature_status"] = [
        f"conductivity:x:y,{CONTRADICTS_NOTE}=unstable(1)",
        "air-stability:moisture:elemental_hull",
    ]
    text = _render(ranked_table(results, top=2), 300)
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    assert [r[6].strip() for r in rows] == [f"0.82{CONTRADICTS_MARK}", "0.02"]
    words = " ".join(text.split())
    assert (
        f"{CONTRADICTS_MARK} air score on the other side of 0.5 from the composition's own label "
        f"({CONTRADICTS_NOTE}; verdict(label rows)): rank 1: 0.82 against unstable(1)"
    ) in words
    assert "rank 2: 0.02 against" not in words
    assert FAR_MARK not in text.split("rank:")[0]  # a labelled composition is not far from labels


def test_a_legend_under_the_table_says_what_rank_sorts_by_and_the_interval():
    """An audit read the table's "rank" without knowing what it sorts by, nor the interval's level."""
    from electroscreen.screening.screen_config import RankingConfig

    ranking = RankingConfig(weight_conductivity=0.6, weight_air_stability=0.4, sigma_range=(-7, -1))
    text = _render(ranked_table(_two_candidates(), top=2, coverage=0.8, ranking=ranking), 300)
    words = " ".join(text.split())
    assert (
        "rank: by score = 0.6 × clip((pred_log10_sigma + 7) / 6, 0, 1) + 0.4 × p_air_stable "
        "(log10 σ above -1 scores as -1), best first" in words
    )
    assert "80 % interval: conformal interval of log10 σ (S/cm)" in words
    assert "acq. rank: by the score of the optimistic values, value + 1 × std" in words
    plain = " ".join(_render(ranked_table(_two_candidates(), top=2), 300).split())
    assert "rank: by score (weighted conductivity and air score" in plain
    assert "90 % interval: conformal interval" in plain
