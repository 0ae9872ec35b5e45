"""A formula the charge-balance filter accepts within its 1 % is not neutral for all that: each row
the balance reads gets its residual, e per formula unit of its ``formula`` (audit F11:
``Li10.2Sn0.25GeP1.75S12`` is 0.05 e short), a user's formula is never changed, and a row's notes
name a residual that shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.analysis.row_notes import notes_table, notes_text
from electroscreen.screening import screen
from electroscreen.screening.filters import apply_filters
from electroscreen.screening.screen_config import FilterConfig, load_screening_config


def _batch(formulas: list[str], cells: list[str] | None = None) -> pd.DataFrame:
    table = pd.DataFrame({"candidate_id": [f"r{i}" for i in range(len(formulas))],
                          "formula": formulas, "status": "ok", "error": ""})  # fmt: skip
    return table if cells is None else table.assign(cell_formula=cells)


def test_the_filter_gives_each_row_it_balances_its_residual_per_formula_unit():
    formulas = ["Li10.2Sn0.25GeP1.75S12", "Li10GeP2S12", "Li2.7YCl6", "NaCl", "LiXx2"]
    out = apply_filters(_batch(formulas), FilterConfig())
    assert out["status"].tolist()[:4] == ["ok", "ok", "not_charge_balanced", "no_carrier"]
    residual = out["charge_residual"].to_numpy()
    assert residual[0] == pytest.approx(-0.05) and residual[1] == 0.0
    # beyond the tolerance (5 %) the row still fails; its error gives the sums
    assert "+5.7 against -6" in out["error"][2]
    assert np.isnan(residual[2:]).all()  # not accepted: unbalanced, rejected before, no formula
    assert out["formula"].tolist() == formulas  # a user's formula is never changed
    # a structure's cell holds two formula units: the residual is per the formula shown
    cell = apply_filters(
        _batch(["Li10.2Sn0.25GeP1.75S12"], ["Li20.4Sn0.5Ge2P3.5S24"]), FilterConfig()
    )
    assert cell["charge_residual"].tolist() == pytest.approx([-0.05])
    assert (
        apply_filters(_batch(formulas[:1]), FilterConfig(require_charge_balance=False))[
            "charge_residual"
        ]
        .isna()
        .all()
    )


def test_a_screened_rows_residual_is_a_column_and_a_note(model_store, tmp_path):
    pool = tmp_path / "lab.csv"
    formulas = ["Li10.2Sn0.25GeP1.75S12", "Li10GeP2S12", "Li6.2251Si0.225P0.775S5Br"]
    pd.DataFrame({"id": ["typo", "neutral", "fourth_decimal"], "formula": formulas}).to_csv(
        pool, index=False
    )
    results = screen(
        [pool], tmp_path / "out", config=load_screening_config(), tracking_uri=model_store.uri,
        track=False, progress=False,
    ).results.set_index("candidate_id")  # fmt: skip
    assert results["status"].tolist() == ["ok"] * 3
    assert results["formula"].tolist() == formulas
    assert results.loc["typo", "charge_residual"] == pytest.approx(-0.05)
    assert results.loc["neutral", "charge_residual"] == 0.0
    assert abs(results.loc["fourth_decimal", "charge_residual"]) < 1e-3
    assert "charge: off_neutral=-0.05 e per formula unit" in notes_text(results.loc["typo"])
    notes = notes_table(results.loc["typo"])
    assert notes.loc["charge", "meaning"].startswith("the formula's charges")
    assert "charge" not in notes_text(results.loc["neutral"])
    assert "charge" not in notes_text(results.loc["fourth_decimal"])  # 1e-4 e: not named


def test_a_residual_the_search_hid_in_a_nonmetal_mixed_valence_is_the_columns():
    # LiPON films as measured: N-2.83 balances them; the window reads N3- (carrier_balance), and
    # so does the column: -0.08 e, not 0 (oxaudit O6). Cage boron and a polyselenide keep 0.
    formulas = ["Li2.9PO3.3N0.46", "Li3.2PO3.1N0.7", "Li2B12H12", "Li7La3Zr1.5Se12.5"]
    out = apply_filters(_batch(formulas), FilterConfig())
    assert out["status"].tolist() == ["ok"] * 4
    assert out["charge_residual"].tolist() == pytest.approx([-0.08, -0.1, 0.0, 0.0])


def test_a_screened_lipon_film_has_a_window_and_the_residual_its_window_saw(model_store, tmp_path):
    from tests.tiny_models import screen_formula_rows

    results = screen_formula_rows(
        {"bates": "Li2.9PO3.3N0.46"}, tmp_path, model_store.uri
    ).results.set_index("candidate_id")
    row = results.loc["bates"]
    assert row["status"] == "ok"
    assert row["charge_residual"] == pytest.approx(-0.08)
    assert "charge: off_neutral=-0.08 e per formula unit" in notes_text(row)
    # closed on its Li (Li2.98PO3.3N0.46), the hull holds no N2: a reduction limit and an anode
    assert row["window_status"] == "window_out_of_domain"  # the N3- -> N2 oxidation limit
    assert 0.25 < row["window_red_v"] < 0.4
    assert row["interface_anode_ev_per_atom"] < 0
