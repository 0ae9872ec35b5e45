"""The charge-balance filter and ``generate``'s seeds on hydrogen that is hydridic and protic at
once (electroscreen.data.hydrogen_split; audit HIGH-1: Li4(BH4)(NH2)3, a conductivity training
row, was ``not_charge_balanced``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.screening.filters import apply_filters
from electroscreen.screening.screen_config import FilterConfig
from electroscreen.screening.seed_maps import SeedSkip, seed_maps


def _filtered(formulas: list[str]) -> pd.DataFrame:
    table = pd.DataFrame({"formula": formulas, "status": "ok", "error": ""})
    return apply_filters(table, FilterConfig())


def test_borohydride_amides_ammines_and_borate_hydrates_are_charge_balanced():
    """Each was rejected as balanced only by H+0.2 (or H-0.333, H-0.143, H-0.923), the states of
    a hydrogen half hydridic (BH4-) and half protic (NH2-, NH3, H2O)."""
    formulas = [
        "Li4(BH4)(NH2)3", "Li4BN3H10", "LiBH4·3LiNH2", "Li(BH4)0.25(NH2)0.75", "Li2(BH4)(NH2)",
        "Li2BNH6", "LiBH4·NH3", "Li2B12H12·7H2O", "LiCB11H12·H2O", "LiNH2BH3", "LiAlH4·NH3",
    ]  # fmt: skip
    out = _filtered(formulas)
    assert out["status"].eq("ok").all(), out.loc[out["status"] != "ok", ["formula", "error"]]


def test_compositions_no_split_balances_are_still_rejected_with_the_reason():
    """An extra Li on LiBH4 (B+2: it passed before), on Li4BN3H10 or on LiBH4·NH3 (4.5 H- on one
    B), hydrogen with no hydride host (Li3NH4, LiH2; LiH·LiOH, which no state balances)."""
    formulas = ["Li2BH4", "Li5BN3H10", "Li2BH4·NH3", "Li3NH4", "LiH2", "Li2OH2", "LiBH4"]
    out = _filtered(formulas)
    assert out["status"].tolist() == ["not_charge_balanced"] * 6 + ["ok"]
    extra_li, amide, ammine, nitride, dihydride, hydroxide = out["error"].tolist()[:6]
    assert "balanced only by B+2, not one of B's states" in extra_li
    assert "4.5 H- and 5.5 H+: more hydridic H than B and Al hold (at most 4 per B" in amide
    assert "4.5 H- and 2.5 H+: more hydridic H than B and Al hold" in ammine
    for error in (nitride, dihydride):
        assert "a split needs hydrogen beside a hydride host (B, Al) and a proton host" in error
    assert "no charge-balanced oxidation states: the closest" in hydroxide


def test_generate_names_a_seed_with_split_hydrogen():
    """A Li4BN3H10 seed's element states hold H+0.2, which no substitution species is: skipped
    with a reason of its own (it was an ``unbalanced_seed`` that named H+0.2 a P+4.3-like loss)."""
    amounts = np.zeros(120)
    for el, n in parse_formula("Li4BN3H10").items():
        amounts[SYMBOL_TO_Z[el]] = n
    skip = seed_maps(0, amounts, 18, SYMBOL_TO_Z["Li"], -5.0, np.array([], dtype=np.int64))
    assert isinstance(skip, SeedSkip) and skip.reason == "split_hydrogen_seed"
    assert "hydrogen both hydridic (4 H- on B/Al) and protic (6 H+ on N/O), H+0.2" in skip.detail
