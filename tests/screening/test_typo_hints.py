"""``did you mean ...Cl...?`` on rows whose formula text holds a look-alike of Cl (audit_sulfide
S4: ``Li6PS5CI``, ``Li6PSe5CI`` and ``Li6PS5C1`` were ranked 2, 21 and 1 with no word about Cl)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.screening.ranking import is_ranked
from electroscreen.screening.screen_config import FilterConfig
from tests.tiny_models import screen_formula_rows

TYPOS = {
    "t1": ("Li6PS5CI", "Li6PS5Cl", "anion_former_as_cation"),
    "t2": ("Li6PSe5CI", "Li6PSe5Cl", "anion_former_as_cation"),
    "t3": ("Li6PS5C1", "Li6PS5Cl", "rare_oxidation_state"),
    "t4": ("Li5.5PS4.5C11.5", "Li5.5PS4.5Cl1.5", "not_charge_balanced"),
    "t5": ("Li6PS5C|", "Li6PS5Cl", "bad_formula"),
}
#: Rows that get no hint: real carbon (C4+, a carborane), a look-alike whose Cl version fails
#: too (Li5Cl), a real chloride, and a C without a look-alike (no guess at a missing letter).
PLAIN = {
    "p1": "Li2CO3", "p2": "LiCB11H12", "p3": "Li5CI", "p4": "Li6PS5Cl", "p5": "Li2C1O3",
    "p6": "Li3PS4C",
}  # fmt: skip


@pytest.fixture(scope="module")
def screened(model_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("typos")
    rows = {**{k: v[0] for k, v in TYPOS.items()}, **PLAIN}
    result = screen_formula_rows(rows, folder, model_store.uri)
    return result.results.set_index("candidate_id")


def test_a_look_alike_of_cl_gets_the_hint_and_keeps_its_composition(screened):
    for key, (written, meant, status) in TYPOS.items():
        row = screened.loc[key]
        assert row["status"] == status, (written, row["status"], row["error"])
        assert f"did you mean {meant}?" in row["error"], (written, row["error"])
        assert f"(formula written '{written}')" in row["error"]
    # the composition read is the one written: carbon and iodine, not chlorine
    assert screened.loc["t1", "formula"] == "Li6PCS5I"
    assert screened.loc["t3", "formula"] == "Li6PCS5"
    assert not is_ranked(screened.loc[list(TYPOS), "rank"]).any()


def test_real_carbon_and_real_chlorides_get_no_hint(screened):
    plain = screened.loc[list(PLAIN)]
    assert not plain["error"].fillna("").str.contains("did you mean").any()
    assert plain.loc[["p1", "p2", "p4", "p5"], "status"].eq("ok").all()
    assert screened.loc["p6", "status"] == "anion_former_as_cation"  # C2+ beside S


def test_a_hint_on_a_row_that_stays_ok_when_its_carbon_is_not_c4():
    """Without the charge balance nothing rejects Li6PS5CI, but its text writes C and I with
    C+2: the hint is given, the status stays ``ok``; Li5CIS4, whose balance reads C4+ (a
    thiocarbonate beside iodide), gets none."""
    from electroscreen.screening.filters import apply_filters
    from electroscreen.screening.typo_hints import cl_typo_hints, corrected_text

    written = ["Li6PS5CI", "Li2CS3", "Li5CIS4", "Li6PS5Cl"]
    config = FilterConfig(require_charge_balance=False)
    table = pd.DataFrame({"formula": written, "status": "ok", "error": "", "n_sites": np.nan})
    out = cl_typo_hints(apply_filters(table, config), written, config)
    assert out["status"].tolist() == ["ok"] * 4
    assert out["error"].tolist() == [
        "did you mean Li6PS5Cl? (formula written 'Li6PS5CI')", "", "", ""
    ]  # fmt: skip
    assert corrected_text("Li5.5PS4.5C11.5") == "Li5.5PS4.5Cl1.5"
    assert corrected_text("LiCB11H12 LiCIn") == "LiCB11H12 LiCIn"  # CIn: C and In


def test_structures_and_other_rows_are_not_read_as_typed_text():
    from electroscreen.screening.typo_hints import cl_typo_hints

    config = FilterConfig()
    table = pd.DataFrame(
        {"formula": ["Li6PS5CI", "Li6PS5CI"], "status": "anion_former_as_cation",
         "error": "C+2.00", "n_sites": [26.0, np.nan]}
    )  # fmt: skip
    out = cl_typo_hints(table, ["Li6PS5CI", "Li6PS5CI"], config)
    hint = "did you mean Li6PS5Cl? (formula written 'Li6PS5CI')"
    assert out["error"].tolist() == ["C+2.00", f"C+2.00; {hint}"]  # a structure's cell: none
    assert cl_typo_hints(table, None, config) is table
