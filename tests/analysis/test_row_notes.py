"""A row's notes where a chemist reads them: the candidate card and the notebook's ``notes``.

An audit (F3) found ``candidate_card`` showing ``p_air_stable 0.5922`` for ``fkj:Si4+>Sn4+`` with no
trace of its ``far_from_labels`` note, ``pred_log10_sigma -3.469`` for ``iqt:Al3+>Dy3+`` without
``never_varied_in_training=frac_Dy``, and the notebook's table without ``window_status``; and (F9)
a card without units for the air score and without the interval's level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.analysis.candidate_card import candidate_card
from electroscreen.analysis.row_notes import (
    NOTE_MEANINGS,
    notes_column,
    notes_table,
    notes_text,
    row_notes,
)
from electroscreen.featurizers.thermo import window

FAR = "air-stability:labels:far_from_labels"
NEVER = "conductivity:training_data:never_varied_in_training=frac_Dy"


def test_notes_split_per_caveat_and_ok_says_nothing():
    row = {"pred_feature_status": f"{NEVER},{FAR}", "window_status": "window_out_of_domain"}
    assert row_notes(row) == [
        ("conductivity training_data", "never_varied_in_training=frac_Dy"),
        ("air-stability labels", "far_from_labels"),
        ("window", "window_out_of_domain"),
    ]
    assert notes_text(row) == (
        "conductivity training_data: never_varied_in_training=frac_Dy; "
        "air-stability labels: far_from_labels; window: window_out_of_domain"
    )
    for quiet in ({"pred_feature_status": "ok", "window_status": "ok"},
                  {"pred_feature_status": np.nan, "window_status": None}, {}):  # fmt: skip
        assert row_notes(quiet) == [] and notes_text(quiet) == ""
    table = notes_table(row)
    assert table["meaning"].str.len().gt(20).all()  # each common note says what it means
    assert "cannot see" in table.loc["conductivity training_data", "meaning"]
    # an oxidation-label note has no model prefix; it is found all the same
    labels = notes_table(
        {"pred_feature_status": "structure:oxidation_labels:ignored_impossible=Li2+"}
    )
    assert "oxidation-state labels were ignored" in labels["meaning"].iloc[0]
    frame = pd.DataFrame([row, {"pred_feature_status": "ok", "window_status": "ok"}], index=[7, 9])
    assert notes_column(frame).to_dict() == {7: notes_text(row), 9: ""}


def test_a_contradicted_label_is_a_note_with_its_verdict_and_a_meaning():
    """audit_halide F3: the card of LiI (labelled unstable, scored 0.82) says the score
    contradicts its own label, naming the verdict and its number of label rows."""
    row = {"pred_feature_status": "air-stability:labels:contradicts_label=unstable(1)"}
    assert row_notes(row) == [("air-stability labels", "contradicts_label=unstable(1)")]
    table = notes_table(row)
    assert table["note"].tolist() == ["contradicts_label=unstable(1)"]
    assert "own literature label" in table["meaning"].iloc[0]


def test_every_window_meaning_is_a_status_the_window_writes():
    statuses = {k for k in NOTE_MEANINGS if ":" not in k}
    assert statuses and statuses <= set(window._PROBLEMS)


def test_the_card_shows_the_notes_units_and_the_interval_level(data_dir):
    results = pd.DataFrame(
        {
            "candidate_id": ["dy", "plain"],
            "formula": ["Li3DyCl6", "Li3InCl6"],
            "status": ["ok", "ok"],
            "pred_log10_sigma": [-3.47, -3.0],
            "pred_log10_sigma_lo": [-4.35, -4.0],
            "pred_log10_sigma_hi": [-2.59, -2.0],
            "p_air_stable": [0.59, 0.4],
            "heldout_log10_sigma": [-3.3, np.nan],
            "heldout_id": ["x1", ""],
            "window_ox_v": [np.nan, 4.2],
            "window_status": ["window_out_of_domain", "ok"],
            "gii_max_site": [0.9, 0.3],
            "pred_feature_status": [f"{NEVER},{FAR}", "ok"],
            "rank": [1, 2],
        }
    )
    results.attrs["interval_coverage"] = 0.8
    results.attrs["params"] = {"temperature_c": "60.0"}
    card = candidate_card(results, "dy", k=1, bvse=False, data_dir=data_dir)
    sections = card.sections()
    notes = sections["Notes"]
    assert notes["note"].tolist() == [
        "never_varied_in_training=frac_Dy", "far_from_labels", "window_out_of_domain"
    ]  # fmt: skip
    assert "window_status" not in card.predictions.index  # said in Notes when it is not ok
    text = str(card)
    assert "far_from_labels" in text and "never_varied_in_training=frac_Dy" in text
    units = sections["Predictions"]["unit"]
    assert units["pred_log10_sigma"] == "log10 S/cm at 60 °C"
    # beside a 60 degC prediction, the measurement says it is a 25 degC value (halaudit M1)
    assert units["heldout_log10_sigma"] == "log10 S/cm, measured at 25 °C"
    assert units["pred_log10_sigma_lo"].endswith("lower bound of the 80 % interval")
    assert units["pred_log10_sigma_hi"].endswith("upper bound of the 80 % interval")
    assert "air-stability score" in units["p_air_stable"]
    assert units["gii_max_site"].startswith("v.u.") and units["rank"] == "1 = best score"
    plain = candidate_card(results, "plain", k=1, bvse=False, data_dir=data_dir)
    assert "Notes" not in plain.sections()  # nothing to say, no section
    results.attrs = {}  # a table without its run: the default level, no temperature claimed
    bare = candidate_card(results, "plain", k=1, bvse=False, data_dir=data_dir).sections()
    assert bare["Predictions"].loc["pred_log10_sigma", "unit"] == "log10 S/cm"
    assert "90 % interval" in bare["Predictions"].loc["pred_log10_sigma_lo", "unit"]
