"""The air-stability labels as a candidate table: counts, sources, formula normalisation."""

from __future__ import annotations

import pytest

from electroscreen.data import parse_formula
from electroscreen.data.air_stability import (
    AIR_STABILITY_LABELS,
    load_air_stability,
    normalise_label_formula,
    verdict_counts,
)
from electroscreen.data.candidates import CANDIDATE_COLUMNS


def _reduced(amounts: dict[str, float]) -> dict[str, float]:
    total = sum(amounts.values())
    return {k: round(v / total, 9) for k, v in amounts.items()}


def test_package_copy_verdict_counts_and_columns():
    table = load_air_stability()
    assert verdict_counts(table) == {"stable": 12, "moderate": 39, "unstable": 24, "total": 75}
    assert list(table.columns[: len(CANDIDATE_COLUMNS)]) == list(CANDIDATE_COLUMNS)
    for col in ("verdict", "family", "carrier", "doi", "source_ref", "evidence", "condition"):
        assert col in table
    assert table["candidate_id"].is_unique
    assert (table["source_ref"].str.len() > 0).all()  # every row keeps its source
    assert (table["doi"].str.startswith("10.") | (table["doi"] == "")).all()
    assert table["structure"].isna().all()
    # the literature mixes what it can express as compositions and named phases
    assert (table["status"] == "ok").sum() == 73
    bad = table[table["status"] != "ok"]
    assert set(bad["status"]) == {"unparsed_formula"}
    assert (bad["error"].str.len() > 0).all()
    ok = table[table["status"] == "ok"]
    for formula in ok["formula"]:
        parse_formula(formula)


def test_shared_copy_is_the_package_copy(data_dir):
    shared = data_dir / "air_stability" / "labels.csv"
    assert shared.read_bytes() == AIR_STABILITY_LABELS.read_bytes()
    from_shared = load_air_stability(data_dir)
    assert from_shared["source"].iloc[0].startswith("labels.csv")
    same = ["candidate_id", "formula", "status", "verdict", "source_ref", "formula_normalisation"]
    assert from_shared[same].equals(load_air_stability()[same])
    # a folder without the file falls back to the package copy
    assert len(load_air_stability(data_dir / "obelix")) == 75


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(Li2S)75(P2S5)25 + 20 mol% LiI", "Li7P2S8I"),
        ("Li7P3S11 glass (70Li2S-30P2S5)", "Li7P3S11"),
        ("67Li2S-33P2S5 glass", "Li134P66S232"),
        ("90(75Li2S-15P2S5-10P2O5)-10ZnO", "Li135P45S135O55Zn10"),
        ("Li6PS5Cl-0.05SnI4", "Li6PS5ClSn0.05I0.2"),
        ("Zn0.05-doped Li7P2S8Br0.2I0.8", "Li7P2S8Br0.2I0.8Zn0.05"),
        ("Li7La3Zr2O12 (Al-stabilised, Ia-3d)", "Li7La3Zr2O12"),
        ("Na4(B12H12)(B10H10)", "Na4B22H22"),
    ],
)
def test_normalise_label_formula(text, expected):
    amounts, how = normalise_label_formula(text)
    assert _reduced(amounts) == pytest.approx(_reduced(parse_formula(expected)))
    assert how


def test_unreadable_formulas_are_kept_with_a_reason():
    for text in ("Li3Y1-xInxCl6 (high In, ccp)", "Li-stabilised Na-beta-alumina"):
        amounts, how = normalise_label_formula(text)
        assert amounts is None and how.startswith("not a composition")


def test_task_table_uses_the_loader():
    from electroscreen.models.tasks import air_stability_targets, load_task_table

    table = load_task_table("air_stability")
    assert len(table) == 75
    targets = air_stability_targets(table)
    assert int((targets.y == 0).sum()) == 24
