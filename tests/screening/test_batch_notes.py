"""audit_sulfide S2 and S3: rows that tell a chemist nothing where they should warn.

S2: Li7P3S11 was predicted 10^-7.41 [-8.90, -5.91] while ``heldout_log10_sigma`` (OBELiX's test
split, which the model never saw) says -2.28: status ok, no note. S3: the glass notation
``75Li2S-25P2S5`` was read as Li3PS4 and recalled as the crystalline phase's measurement, without a
word that the input named a glass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.analysis.row_notes import notes_table, row_notes
from electroscreen.data.formula_units import written_as_mixture
from electroscreen.models.training_rows import heldout_gaps, heldout_note, measurement_text
from electroscreen.screening import screen
from electroscreen.screening.batch_notes import heldout_notes
from electroscreen.screening.screen_config import load_screening_config

#: audit_sulfide's Li7P3S11 row (scr_tab s14): the default model's interval, OBELiX mdp/ptg.
LI7P3S11 = {
    "heldout_log10_sigma": -2.280176,
    "pred_log10_sigma_lo": -8.903659,
    "pred_log10_sigma_hi": -5.908105,
}
#: The audit's glass notations (and 70Li2S·30P2S5, Li7P3S11's), then formulas that are none.
MIXTURES = ["75Li2S-25P2S5", "0.75Li2S-0.25P2S5", "70Li2S-30P2S5", "70Li2S·30P2S5", "Li2S-P2S5"]
NOT_MIXTURES = ["Li3PS4", "Li7P3S11", "Li3PS4·2LiI", "LiCl·H2O", "Li6PS5Cl"]


def test_the_gap_of_a_heldout_measurement_outside_its_interval():
    gap = heldout_gaps(*([v] for v in LI7P3S11.values()))[0]
    assert gap == pytest.approx(-2.280176 + 5.908105)  # 3.63 decades above the upper bound
    assert heldout_note(gap) == "conductivity:measurements:heldout_outside_interval=+3.63 decades"
    below = heldout_gaps([-9.5], [-8.9], [-5.9])[0]
    assert below == pytest.approx(-0.6) and heldout_note(below).endswith("=-0.60 decades")
    inside = heldout_gaps([-6.0, np.nan, -6.0], [-8.9, -8.9, np.nan], [-5.9, -5.9, -5.9])
    assert inside[0] == 0 and np.isnan(inside[1:]).all()
    assert heldout_note(inside[0]) == heldout_note(inside[1]) == ""


def test_the_notes_read_with_a_meaning_and_in_the_measurement_text():
    row = {**LI7P3S11, "pred_feature_status": heldout_note(3.6279), "heldout_id": "mdp;ptg"}
    assert row_notes(row) == [
        ("conductivity measurements", "heldout_outside_interval=+3.63 decades")
    ]
    assert "believe the measurement" in notes_table(row)["meaning"].iloc[0]
    text = measurement_text(pd.Series(row), "heldout")
    assert text == "-2.28, 3.63 decades above the 25 °C interval"  # at any temperature
    glass = {"pred_feature_status": "input:formula:mixture_notation", "train_log10_sigma": -6.32}
    assert row_notes(glass) == [("input formula", "mixture_notation")]
    assert "glass or glass-ceramic" in notes_table(glass)["meaning"].iloc[0]
    assert measurement_text(pd.Series(glass), "train").startswith("-6.32, input written as a")


def test_written_as_mixture_of_binaries():
    assert [written_as_mixture(f) for f in MIXTURES] == [True] * len(MIXTURES)
    assert [written_as_mixture(f) for f in NOT_MIXTURES] == [False] * len(NOT_MIXTURES)
    assert written_as_mixture("(Li2S)0.75(P2S5)0.25")  # the Liverpool dataset's way
    assert not written_as_mixture("75Li2S-25P2S5-")  # does not parse: not noted


@pytest.fixture(scope="module")
def glass_screen(model_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("notes")
    pool = folder / "pool.csv"
    formulas = ["Li7P3S11", *MIXTURES, *(f for f in NOT_MIXTURES if "H2O" not in f)]  # no hydrate
    pd.DataFrame({"id": [f"r{i}" for i in range(len(formulas))], "formula": formulas}).to_csv(
        pool, index=False
    )
    run = dict(tracking_uri=model_store.uri, track=False, progress=False)
    at_25 = screen([pool], folder / "out", **run).results.set_index("candidate_id")
    hot = load_screening_config(temperature_c=80.0)
    at_80 = screen([pool], folder / "hot", config=hot, **run).results.set_index("candidate_id")
    return formulas, at_25, at_80


def test_a_screen_notes_glass_notation_on_exactly_those_rows(glass_screen):
    formulas, results, _ = glass_screen
    noted = results["pred_feature_status"].str.contains(
        "input:formula:mixture_notation", regex=False
    )
    assert (results["status"] == "ok").all()
    assert noted.tolist() == [f in MIXTURES for f in formulas]


def test_a_screen_notes_a_heldout_measurement_outside_the_interval(glass_screen):
    """The note is on every row whose held-out value lies outside its interval, with the gap
    computed here from the columns, and on no other."""
    formulas, results, hot = glass_screen
    value = results["heldout_log10_sigma"]
    lo, hi = results["pred_log10_sigma_lo"], results["pred_log10_sigma_hi"]
    expected = np.where(value > hi, value - hi, np.where(value < lo, value - lo, np.nan))
    status = results["pred_feature_status"]
    gaps = pd.Series(expected, index=results.index).items()
    for (row, gap), note in zip(gaps, status, strict=True):
        if np.isfinite(gap):
            assert (
                f"conductivity:measurements:heldout_outside_interval={gap:+.2f} decades" in note
            ), row
        else:
            assert "heldout_outside_interval" not in note, row
    li7p3s11 = results.index[[f in ("Li7P3S11", "70Li2S-30P2S5") for f in formulas]]
    assert results.loc[li7p3s11, "heldout_id"].str.len().gt(0).all()  # OBELiX's test split
    assert np.isfinite(expected[results.index.isin(li7p3s11)]).all()  # ... outside the interval


def _heldout_note(cell: str) -> str:
    return next((n for n in cell.split(",") if "heldout_outside_interval" in n), "")


def test_away_from_25_degc_the_heldout_note_compares_the_25_degc_interval(glass_screen):
    """halaudit M1: the held-out values are 25 degC measurements; screened at 80 degC, a row is
    compared with its 25 degC interval (the one its 80 degC interval is moved from), so every
    row keeps the note it has at 25 degC, with the same gap, though the 80 degC interval moved."""
    formulas, at_25, at_80 = glass_screen
    assert at_25["heldout_log10_sigma"].notna().sum() >= 2
    notes_25 = at_25["pred_feature_status"].map(_heldout_note)
    notes_80 = at_80["pred_feature_status"].map(_heldout_note)
    assert (notes_25 != "").sum() >= 1  # Li7P3S11 (and its glass notation) at least
    assert notes_80.tolist() == notes_25.tolist()
    moved = at_80["pred_log10_sigma_hi"] - at_25["pred_log10_sigma_hi"]
    noted = notes_25 != ""
    assert (moved[noted & (at_25["pred_log10_sigma_hi"] < 0)] > 0.3).all()  # not 80 degC's


def test_the_card_of_li7p3s11_lists_the_note(glass_screen, data_dir):
    from electroscreen.analysis.candidate_card import candidate_card

    formulas, results, _ = glass_screen
    row = results.index[formulas.index("Li7P3S11")]
    card = candidate_card(results.reset_index(), row, k=1, bvse=False, data_dir=data_dir)
    notes = card.sections()["Notes"]
    assert notes.index.tolist()[0] == "conductivity measurements"
    assert notes["note"].iloc[0].startswith("heldout_outside_interval=+")
    assert "believe the measurement" in notes["meaning"].iloc[0]


def test_heldout_notes_equal_the_note_of_every_ok_row():
    """Rows whose gap is NaN or 0 are skipped: their note is ``""`` as :func:`heldout_note`
    writes it; every other ``ok`` row gets :func:`heldout_note` of its gap."""
    rng = np.random.default_rng(2)
    n = 400
    measured = rng.choice([np.nan, -2.28, -6.0, -9.5, -5.91, -8.9, -5.905, -8.904], n)
    lo = rng.choice([-8.9, np.nan], n, p=[0.9, 0.1])
    out = pd.DataFrame(
        {"status": rng.choice(["ok", "no_carrier"], n), "heldout_log10_sigma": measured}
    )
    bounds = np.column_stack([lo, np.full(n, -5.91)])
    gaps = heldout_gaps(measured, bounds[:, 0], bounds[:, 1])
    expected = [
        heldout_note(g) if s == "ok" else "" for s, g in zip(out["status"], gaps, strict=True)
    ]
    got = heldout_notes(out, bounds)
    assert got.tolist() == expected and sum(e != "" for e in expected) > 20
