"""Hydrogen that is hydridic and protic at once (electroscreen.data.hydrogen_split): the states
recorded for mixed borohydride-amides, ammine borohydrides and closo-borate hydrates, and the
compositions that still have no split."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.data.hydrogen_split import (
    expand_split_hydrogen,
    hydrogen_shares,
    split_problem,
    split_shares,
)
from electroscreen.data.oxidation import assign_oxidation_states, oxidation_states_packed


def _assign(formula: str):
    return assign_oxidation_states(dict(parse_formula(formula)))


def _shares(formula: str) -> tuple[float, float]:
    packed = pack_compositions([formula])
    hydridic, protic = hydrogen_shares(packed, oxidation_states_packed(packed).states)
    return float(hydridic[0]), float(protic[0])


#: formula, states (hydrogen's the average), hydridic and protic H per formula unit as written
SPLITS = [
    ("Li4(BH4)(NH2)3", {"Li": 1, "B": 3, "N": -3, "H": 0.2}, 4, 6),
    ("Li4BN3H10", {"Li": 1, "B": 3, "N": -3, "H": 0.2}, 4, 6),
    ("LiBH4·3LiNH2", {"Li": 1, "B": 3, "N": -3, "H": 0.2}, 4, 6),
    ("Li(BH4)0.25(NH2)0.75", {"Li": 1, "B": 3, "N": -3, "H": 0.2}, 1, 1.5),
    ("Li2(BH4)(NH2)", {"Li": 1, "B": 3, "N": -3, "H": -1 / 3}, 4, 2),
    ("LiBH4·NH3", {"Li": 1, "B": 3, "N": -3, "H": -1 / 7}, 4, 3),
    ("Li2B12H12·7H2O", {"Li": 1, "B": 10 / 12, "O": -2, "H": 1 / 13}, 12, 14),
    ("LiCB11H12·H2O", {"Li": 1, "C": -4, "B": 15 / 11, "O": -2, "H": -10 / 14}, 12, 2),
    ("NH3BH3", {"N": -3, "B": 3, "H": 0.0}, 3, 3),
    ("NaBH4·2H2O", {"Na": 1, "B": 3, "O": -2, "H": 0.0}, 4, 4),
    ("Mg(BH4)2(NH3)2", {"Mg": 2, "B": 3, "N": -3, "H": -2 / 14}, 8, 6),
    ("LiAlH4·NH3", {"Li": 1, "Al": 3, "N": -3, "H": -1 / 7}, 4, 3),
]


@pytest.mark.parametrize(("formula", "states", "hydridic", "protic"), SPLITS)
def test_a_split_hydrogen_is_recorded_at_its_average_with_the_other_states_usual(
    formula, states, hydridic, protic
):
    """Li4(BH4)(NH2)3 (a conductivity training row) balanced as H+0.2 with B+3 and N-3; before,
    the same average was recorded but the filter refused it. NH3BH3 and NaBH4·2H2O (average H0)
    found no balance or N-1; the hydrate read its cage boron as B+3 with 25 H-."""
    result = _assign(formula)
    assert result.ok and result.mixed_valence == "H", result
    assert result.states == pytest.approx(states, abs=1e-6)
    assert abs(result.residual) < 1e-9
    assert _shares(formula) == pytest.approx((hydridic, protic))


def test_the_batch_kernel_records_the_same_split():
    formulas = [f for f, *_ in SPLITS]
    packed = pack_compositions(formulas)
    batch = oxidation_states_packed(packed)
    assert (batch.status == "ok").all() and batch.mixed_valence.all()
    for i, formula in enumerate(formulas):
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        single = _assign(formula).states
        for z, state in zip(packed.z[lo:hi], batch.states[lo:hi], strict=True):
            symbol = next(s for s, k in SYMBOL_TO_Z.items() if k == z)
            assert state == pytest.approx(single[symbol], abs=1e-6), formula


@pytest.mark.parametrize(
    ("formula", "why"),
    [
        ("Li5BN3H10", "more hydridic H than B and Al hold"),  # Li4BN3H10 with an extra Li: 4.5 H-
        ("Li2BH4·NH3", "more hydridic H than B and Al hold"),  # LiBH4·NH3 with an extra Li
        ("Li3NH4", "needs hydrogen beside a hydride host"),  # no B or Al
        ("LiH2", "needs hydrogen beside a hydride host"),
        ("Li2OH2", "needs hydrogen beside a hydride host"),  # LiH + LiOH: H- on Li alone
    ],
)
def test_compositions_without_a_split_keep_no_split(formula, why):
    """States that balance only with a share no host holds describe no split, and say why."""
    result = _assign(formula)
    symbols = list(result.states)
    amounts = np.array([parse_formula(formula)[el] for el in symbols])
    states = np.array([result.states[el] for el in symbols])
    problem = split_problem(symbols, amounts, states)
    assert why in problem, problem
    assert np.isnan(_shares(formula)).all()


@pytest.mark.parametrize(
    ("formula", "hydrogen"),
    [("LiBH4", -1), ("LiAlH4", -1), ("Li3AlH6", -1), ("Li3OBH4", -1), ("Li4NH", -1),
     ("LiNH2", 1), ("Li2NH", 1), ("Li2OHCl", 1), ("LiB(OH)4", 1), ("Li3(NH2)2I", 1)],
)  # fmt: skip
def test_hydrogen_of_one_kind_is_assigned_as_before(formula, hydrogen):
    """All-hydridic or all-protic hydrogen keeps one integer state and no mixed valence."""
    result = _assign(formula)
    assert result.ok and result.mixed_valence == "" and result.states["H"] == hydrogen
    assert np.isnan(_shares(formula)).all()


def test_each_host_limit_of_the_rule_is_checked():
    """The cage reading of the hydrate: 12 H- on 12 B (B+0.83); 14 H- (B+1.0) or boron at +3 with
    25 H- (2.1 per B, neither BH4- nor a cage) describe no split. NH3BH3 with 5 H+ on its one N
    (NH5) and 1 H- on B+3 has too many protons; with 5 H- on B too many hydrides."""
    z = np.array([3, 5, 1, 8])
    n = np.array([2.0, 12.0, 26.0, 7.0])
    assert split_shares(z, n, np.array([1, 10 / 12, 1 / 13, -2]))[:2] == pytest.approx((12, 14))
    assert split_shares(z, n, np.array([1, 1.0, -2 / 26, -2]))[2] == 6
    assert split_shares(z, n, np.array([1, 3.0, -24 / 26, -2]))[2] == 4
    z, n = np.array([7, 1, 5]), np.array([1.0, 6.0, 1.0])
    assert split_shares(z, n, np.array([-3, 4 / 6, 3]))[2] == 3
    assert split_shares(z, n, np.array([-3, -4 / 6, 3]))[2] == 5
    assert split_shares(z, n, np.array([-3, 0.0, 3]))[:2] == pytest.approx((3, 3))


def test_expanded_entries_give_each_share_its_own_sign():
    """Consumers that count ions by sign see 4 H-1 and 6 H+1 in Li4BN3H10, not 10 H+0.2; rows
    without a split (LiBH4) are unchanged."""
    packed = pack_compositions(["LiBH4", "Li4BN3H10"])
    states = oxidation_states_packed(packed).states
    ions, signs = expand_split_hydrogen(packed, states)
    assert ions.offsets.tolist() == [0, 3, 8]
    assert ions.z[:3].tolist() == packed.z[:3].tolist() and signs[:3].tolist() == [1, 3, -1]
    second = {
        (int(z), float(q)): float(a)
        for z, q, a in zip(ions.z[3:], signs[3:], ions.amount[3:], strict=True)
    }
    assert second == {(3, 1.0): 4.0, (5, 3.0): 1.0, (7, -3.0): 3.0, (1, -1.0): 4.0, (1, 1.0): 6.0}
    alone, same = expand_split_hydrogen(packed.take([0]), states[:3])
    assert alone.offsets.tolist() == [0, 3] and same.tolist() == [1, 3, -1]
