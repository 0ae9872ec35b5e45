"""Hydrates in a screening: status ``hydrate``, not ranked, unless ``filters.allow_hydrates``
(audit_halide F2 and F7: Li3YCl6·H2O, Li3YCl6.H2O and Li3InCl6·2H2O were ``ok``, ranked 3, 4 and
11 of 41 above Li3YCl6 and Li3InCl6, and shown as ``Li3YH2Cl6O``)."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from electroscreen.analysis.row_notes import notes_table
from electroscreen.data.compositions import pack_compositions
from electroscreen.report import ranked_table
from electroscreen.screening.hydrate_filter import apply_hydrates
from electroscreen.screening.ranking import is_ranked
from electroscreen.screening.run_summary import review_metrics
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import FilterConfig, load_screening_config

#: The audit's three hydrates, their dry compounds, and hydroxides / protonated oxides that are not.
AUDIT_HYDRATES = {"h22": "Li3YCl6·H2O", "h23": "Li3YCl6.H2O", "h24": "Li3InCl6·2H2O"}
OTHERS = {
    "h01": "Li3YCl6", "h03": "Li3InCl6", "h20": "Li2OHCl", "g1": "Li6.5H0.5La3Zr2O12",
    "x1": "Li2.5OH0.5Cl", "b1": "LiBH4·NH3",
}  # fmt: skip


def _batch(formulas: list[str]) -> tuple[pd.DataFrame, object]:
    table = pd.DataFrame(
        {"formula": formulas, "cell_formula": formulas, "status": "ok", "error": ""}
    )
    return table, pack_compositions(formulas)


def test_hydrates_get_their_status_with_the_dry_compound_and_the_water():
    formulas = [*AUDIT_HYDRATES.values(), *OTHERS.values(), "Li3YH2Cl6O"]
    table, packed = _batch(formulas)
    out = apply_hydrates(table, FilterConfig(), packed, formulas)
    assert out["status"].tolist() == ["hydrate"] * 3 + ["ok"] * len(OTHERS) + ["hydrate"]
    assert out["hydrate_formula"].tolist()[:3] == ["Li3YCl6·H2O", "Li3YCl6·H2O", "Li3InCl6·2H2O"]
    assert out["error"][0].startswith(
        "Li3YCl6·H2O is Li3YCl6 + 1 H2O (written as a hydrate): water of crystallisation, the "
        "product of moisture attack"
    )
    assert "screen the dry compound Li3InCl6" in out["error"][2]
    assert "Li3InCl6 + 2 H2O" in out["error"][2]
    assert "allow_hydrates" in out["error"][2]
    # no notation: the composition says it (a CIF of the hydrate reads so too)
    composition = "Li3YCl6·H2O is Li3YCl6 + 1 H2O (its protic H and its O are exactly water)"
    assert out["error"].iloc[-1].startswith(composition)
    assert list(out.columns).index("hydrate_formula") == list(out.columns).index("error") + 1


def test_the_switch_keeps_hydrates_ok_and_named_and_rejected_rows_keep_their_status():
    formulas = ["Li3YCl6·H2O", "Na3YCl6·H2O", "Li3YCl6"]
    table, packed = _batch(formulas)
    table.loc[1, ["status", "error"]] = ["no_carrier", "no Li"]
    kept = apply_hydrates(table, FilterConfig(allow_hydrates=True), packed, formulas)
    assert kept["status"].tolist() == ["ok", "no_carrier", "ok"]
    assert kept["hydrate_formula"].tolist() == ["Li3YCl6·H2O", "", ""]
    rejected = apply_hydrates(table, FilterConfig(), packed, formulas)
    assert rejected["status"].tolist() == ["hydrate", "no_carrier", "ok"]
    assert rejected["error"][1] == "no Li"


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    path = tmp_path_factory.mktemp("hydrates") / "halides.csv"
    rows = {**OTHERS, **AUDIT_HYDRATES}
    pd.DataFrame({"id": list(rows), "formula": list(rows.values())}).to_csv(path, index=False)
    return path


def _screen(pool, model_store, tmp_path, allow: bool):
    config = load_screening_config()
    config.filters.allow_hydrates = allow
    return screen(
        [pool], tmp_path / "out", config=config, tracking_uri=model_store.uri, track=False,
        progress=False,
    )  # fmt: skip


def test_a_screen_leaves_hydrates_unranked_and_counts_them(pool, model_store, tmp_path):
    result = _screen(pool, model_store, tmp_path, allow=False)
    results = result.results.set_index("candidate_id")
    hydrates = results.loc[list(AUDIT_HYDRATES)]
    assert hydrates["status"].eq("hydrate").all()
    assert not is_ranked(hydrates["rank"]).any()
    assert hydrates["hydrate_formula"].tolist() == [
        "Li3YCl6·H2O", "Li3YCl6·H2O", "Li3InCl6·2H2O"
    ]  # fmt: skip
    assert hydrates["formula"].tolist() == ["Li3YH2OCl6", "Li3YH2OCl6", "Li3InH4O2Cl6"]
    others = results.loc[list(OTHERS)]
    assert others["status"].eq("ok").all() and is_ranked(others["rank"]).all()
    assert others["hydrate_formula"].eq("").all()
    assert result.counts["hydrate"] == 3
    metrics = review_metrics(result.results)
    assert metrics["passed_oxidising_cations"] - metrics["passed_hydrates"] == 3


def test_the_switch_ranks_hydrates_and_shows_what_they_are(pool, model_store, tmp_path):
    result = _screen(pool, model_store, tmp_path, allow=True)
    results = result.results.set_index("candidate_id")
    hydrates = results.loc[list(AUDIT_HYDRATES)]
    assert hydrates["status"].eq("ok").all() and is_ranked(hydrates["rank"]).all()
    assert "hydrate" not in result.counts
    console = Console(width=200, record=True, color_system=None)
    console.print(ranked_table(result.results, top=len(results)))
    text = console.export_text()
    assert "Li3InCl6·2H2O" in text and "Li3InH4O2Cl6" not in text
    notes = notes_table(results.loc["h24"])
    assert notes.loc["composition", "note"] == "hydrate=Li3InCl6·2H2O"
    assert "water of crystallisation" in notes.loc["composition", "meaning"]


def test_only_cells_that_write_water_are_read_and_the_result_is_that_of_every_cell():
    """find_hydrates reads a formula cell's notation only where it holds H2O or D2O; every cell it
    skips writes no water, and apply_hydrates' columns and statuses are find_hydrates'."""
    from electroscreen.data.hydrates import _water_rows, find_hydrates, written_waters

    formulas = [
        "Li3YCl6·H2O", "Li3YCl6.H2O", "Li3InCl6*2H2O", "LiCl*0.5D2O", "Li2B12H12*(H2O)7",
        "LiOH·H2O", "Li2O.2SiO2", "3Li2S.2P2S5", "Li6.4La3Zr1.4Ta0.6O12", "Li2O.2(B2O3)",
        "Li3YCl6", "Li3YH2Cl6O", "H2O", "LiCl·H2O2",
    ]  # fmt: skip
    waters = [1.0, 1.0, 2.0, 0.5, 7.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert [written_waters(f) for f in formulas] == waters
    table, packed = _batch(formulas)
    look = table["status"].to_numpy(dtype=object) == "ok"
    read = _water_rows(formulas, look)
    for row, (formula, water) in enumerate(zip(formulas, waters, strict=True)):
        if row not in read:  # not read: writes no water, or is not looked at
            assert water == 0.0 or not look[row], formula
    assert _water_rows(["Li3YCl6", "Li2O.2SiO2"], look[:2]) == []
    out = apply_hydrates(table, FilterConfig(), packed, formulas)
    every = find_hydrates(packed, look, formulas)
    assert out["hydrate_formula"].tolist() == [f if f else "" for f in every.formula]
    assert (out["status"] == "hydrate").tolist() == every.found.tolist()


def test_a_batch_assigns_each_rows_states_once(monkeypatch, tmp_path):
    """The hydrate rule read the rows' compositions and assigned their oxidation states again,
    after the charge-balance filter had assigned them: now it reads the filter's."""
    import electroscreen.data.assigned_states as assigned_states
    import electroscreen.data.hydrates as hydrates
    import electroscreen.screening.filters as filters
    from electroscreen.data.oxidation import oxidation_states_packed
    from electroscreen.screening.batch import process_batch
    from electroscreen.screening.inputs import iter_batches, plan_inputs

    assigned: dict[tuple, int] = {}

    def counted(packed):
        for lo, hi in zip(packed.offsets[:-1], packed.offsets[1:], strict=True):
            key = (tuple(packed.z[lo:hi].tolist()), tuple(packed.amount[lo:hi].tolist()))
            assigned[key] = assigned.get(key, 0) + 1
        return oxidation_states_packed(packed)

    for module in (filters, hydrates, assigned_states):
        monkeypatch.setattr(module, "oxidation_states_packed", counted, raising=False)
    formulas = [*AUDIT_HYDRATES.values(), "Li3YH2Cl6O", "Li2B12H12·7H2O"]
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": formulas}).to_csv(pool, index=False)
    (batch,) = iter_batches(plan_inputs([pool]), 100)
    out = process_batch(batch, FilterConfig(), object(), object())
    assert out["status"].tolist() == ["hydrate"] * len(formulas)  # no model asked
    # Li3YCl6·H2O and Li3YCl6.H2O: one composition, two rows, each assigned once
    assert sorted(assigned.values()) == [1, 1, 1, 2]
