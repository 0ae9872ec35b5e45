"""Carbon below C4+ and anion states no solid combines are rejected by ``screen``'s filters
(audit_sulfide S4: ``Li6PS5C1`` balanced as Li6PCS5 with C-1 and ranked 1 of 12; ``Li6PS5CI``
and ``Li6PSe5CI`` as Li6PCS5I with P3+ and C2+ beside S2-; ``Li3PS4C`` with C2+; ``Li3PS4Si``
with P3- and S- beside Si4+), while real compounds and the reference data pass."""

from __future__ import annotations

import pandas as pd
import pytest

from electroscreen.data.air_stability import load_air_stability
from electroscreen.data.liverpool import load_liverpool
from electroscreen.data.obelix import load_obelix
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.filters import FILTER_STATUSES, apply_filters
from electroscreen.screening.run_summary import review_metrics

#: The audit's formulas: status and what the reason must name.
AUDIT = {
    "Li6PS5C1": (
        "rare_oxidation_state",
        ["C-1.00 (1.3 % of C's ICSD entries) beside S", "carbide"],
    ),
    "Li6PS5CI": ("anion_former_as_cation", ["C+2.00 beside I, S", "only as C4+", "P+3"]),
    "Li6PSe5CI": ("anion_former_as_cation", ["C+2.00 beside I, Se", "only as C4+"]),
    "Li3PS4C": ("anion_former_as_cation", ["C+2.00 beside S"]),
    "Li3PS4Si": ("rare_oxidation_state", ["P-3.00 (a pnictide)", "S-1.00", "Si+4"]),
    "Li3PSe4Si": ("rare_oxidation_state", ["P-3.00 (a pnictide)", "Se-1.00"]),
    "Li2S2": ("rare_oxidation_state", ["needs S-", "4.1 %", "no balance without it"]),
}
#: Real compounds, carbon in every role a solid gives it, and the thiophosphates whose P4+ or
#: sulfide the rules must not touch.
REAL = [
    "Li2CO3", "Li2CS3", "Li2CSe3", "LiSCN", "Li2CN2", "LiCN", "Li2C2O4", "LiHCO2", "Li4C",
    "Li2C2", "LiCB11H12", "LiCB9H10", "Li2C2B20H22", "Li4P2S6", "Li7P3S11",
    "Li3PS4", "LiI", "Li6PS5Cl", "Li6PSe5Cl", "Li10GeP2S12", "Li3SbS4", "Li3.25Ge0.25P0.75S4",
    "Li7P2.9Sb0.1S10.75O0.25",
]  # fmt: skip
NEW = {"rare_oxidation_state", "anion_former_as_cation"}


def _filtered(formulas: list[str], config: FilterConfig | None = None) -> pd.DataFrame:
    table = pd.DataFrame({"formula": formulas, "status": "ok", "error": ""})
    return apply_filters(table, config or FilterConfig())


def test_the_audits_typos_are_rejected_with_the_states_named():
    out = _filtered(list(AUDIT))
    for (formula, (status, words)), got, error in zip(
        AUDIT.items(), out["status"], out["error"], strict=True
    ):
        assert got == status, (formula, got, error)
        for word in words:
            assert word in error, (formula, word, error)


def test_real_compounds_pass():
    out = _filtered(REAL)
    assert dict(zip(REAL, out["status"], strict=True)) == dict.fromkeys(REAL, "ok")


def test_the_rules_run_with_any_config_that_balances_charge():
    # with every element allowed and redox-active cations kept, the rules still speak
    config = FilterConfig(forbidden_elements=[], allow_redox_active=True, max_elements=99)
    out = _filtered(["Li6PS5CI", "Li3PS4Si", "Li6PS5Cl"], config)
    assert out["status"].tolist() == ["anion_former_as_cation", "rare_oxidation_state", "ok"]
    unchecked = _filtered(["Li6PS5CI"], FilterConfig(require_charge_balance=False))
    assert unchecked["status"].tolist() == ["ok"]  # no states: nothing to judge


def test_rare_oxidation_state_is_a_filter_status_counted_in_the_run_summary():
    assert "rare_oxidation_state" in FILTER_STATUSES
    out = _filtered(["Li3PS4Si", "Li3PS4", "Li6PS5CI"])
    out["pred_log10_sigma"] = [float("nan"), -4.0, float("nan")]
    out["p_air_stable"] = [float("nan"), 0.3, float("nan")]
    out["pareto_rank"] = [float("nan"), 1.0, float("nan")]
    metrics = review_metrics(out)
    assert metrics["passed_anion_formers"] == 2
    assert metrics["passed_oxidising_cations"] == 2
    assert metrics["passed_rare_states"] == 1


@pytest.fixture(scope="module")
def reference_rows(data_dir) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"set": name, "id": table[column].astype(str), "formula": table["formula"]})
        for name, table, column in (
            ("obelix", load_obelix(data_dir), "ID"),
            ("liverpool", load_liverpool(data_dir), "ID"),
            ("air", load_air_stability(data_dir), "candidate_id"),
        )
    ]
    rows = pd.concat(frames, ignore_index=True)
    return rows.assign(formula=rows["formula"].astype(str), status="ok", error="")


def test_no_reference_composition_is_rejected_but_two_liverpool_transcriptions(reference_rows):
    """Every OBELiX, Liverpool and air-label formula, every element allowed: the new rules reject
    only Liverpool's ``Li1+xAlxTi2-x(PO4)`` (the ``3`` of (PO4)3 lost: P- beside oxide) and
    ``Li3.6Ge0.4P0.6S4`` (thio-LISICON Li4-xGe1-xPxS4 has Li3.4 at P0.6, 10.1149/1.1379028:
    P2- beside S-), formulas that balance with no usual states; the carboranes, Li4P2S6 (P4+),
    the LiBON glass (N-2) and OBELiX's LiCl·DMF adduct (C-1, N-2) pass."""
    config = FilterConfig(
        carrier="", forbidden_elements=[], allow_redox_active=True, max_elements=99
    )
    out = apply_filters(reference_rows, config)
    rejected = out[out["status"].isin(NEW) | out["error"].str.contains("carbon", regex=False)]
    assert sorted(zip(rejected["set"], rejected["id"], rejected["formula"], strict=True)) == [
        ("liverpool", "2027", "Li3.6Ge0.4P0.6S4"),
        ("liverpool", "431", "Li1.05Al0.05Ti1.95(PO4)"),
        ("liverpool", "486", "Li1.45Al0.45Ti1.55(PO4)"),
        ("liverpool", "871", "Li3.6Ge0.4P0.6S4"),
        ("liverpool", "875", "Li3.6Ge0.4P0.6S4"),
    ]
    assert set(rejected["status"]) == {"rare_oxidation_state"}
