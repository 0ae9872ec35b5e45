"""The carrier takes up a refined composition's residual charge (``data.carrier_balance``)."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.carrier_balance import carrier_balanced
from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, parse_formula
from electroscreen.data.oxidation import oxidation_states_packed

#: The usual states, written out here (not the package's assignment): the reference charge sum.
STATES = {"Li": 1, "Na": 1, "In": 3, "Y": 3, "Zr": 4, "Cl": -1, "Ge": 4, "P": 5, "S": -2, "O": -2}


def _charge(amounts: dict[str, float]) -> float:
    return sum(STATES[element] * n for element, n in amounts.items())


def _amounts(packed, row: int) -> dict[str, float]:
    part = slice(packed.offsets[row], packed.offsets[row + 1])
    return {ELEMENT_SYMBOLS[z]: a for z, a in zip(packed.z[part], packed.amount[part], strict=True)}


def test_refined_compositions_are_balanced_by_the_carrier_alone():
    # OBELiX's Li3InCl6 (2.03 In per cell), LGPS j8q, cation- and anion-rich roundings
    formulas = ["Li3In1.015Cl6", "Li10.028GeP2S12", "Li3In0.985Cl6", "Li2Zr1.01Cl6"]
    packed = pack_compositions(formulas)
    balanced, moved = carrier_balanced(packed, "Li")
    assert moved.all()
    for row, formula in enumerate(formulas):
        given = parse_formula(formula)
        got = _amounts(balanced, row)
        assert abs(_charge(got)) < 1e-12, (formula, got)
        for element, amount in given.items():  # only the carrier moved, by -residual / (+1)
            expected = amount - _charge(given) if element == "Li" else amount
            np.testing.assert_allclose(got[element], expected, rtol=0, atol=1e-12)
    assert np.array_equal(balanced.offsets, packed.offsets)
    assert np.array_equal(balanced.z, packed.z)


def test_what_is_balanced_or_has_no_carrier_is_left_as_given():
    formulas = [
        "Li3InCl6",  # balanced
        "Na3In1.015Cl6",  # off balance, but the carrier asked for (Li) is not in it
        "Li0.02InCl3",  # balanced only without its Li (residual +0.02): left alone
        "Li6.4La3Zr1.4Ta0.6O12",  # balanced by its dopants
        "LiXx",  # no composition
    ]
    packed = pack_compositions(formulas)
    states = oxidation_states_packed(packed)
    assert states.status[2] == "ok" and states.residual[2] == pytest.approx(0.02)
    balanced, moved = carrier_balanced(packed, "Li")
    assert not moved.any()
    np.testing.assert_array_equal(balanced.amount, packed.amount)
    np.testing.assert_array_equal(balanced.status, packed.status)
