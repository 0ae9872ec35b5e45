"""audit_sulfide S10: messages of formulas that do not parse say what was probably meant.

``Li6Pse5Cl`` was refused as "unknown element symbol 'Ps'" (the typo is ``se``); a vacancy written
in a formula (``Va``, ``Vac``, ``□``) as an unknown element or character, with no word that a
formula lists the occupied sites only.
"""

from __future__ import annotations

import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import FormulaError, parse_formula


def _error(formula: str) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse_formula(formula)
    return info.value


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("Li6Pse5Cl", "Li6PSe5Cl"), ("Li3Ps4", "Li3PS4"), ("Li6PS5cl", "Li6PS5Cl")],
)
def test_a_case_typo_names_the_formula_it_probably_was(typed, meant):
    error = _error(typed)
    assert error.reason == "unknown_element"  # the status is what it was
    assert str(error).endswith(f"; did you mean {meant}?")
    assert parse_formula(meant)  # the suggestion parses


def test_no_suggestion_where_no_case_change_helps():
    error = _error("LiXx2")
    assert str(error) == "formula 'LiXx2': unknown element symbol 'Xx'"  # as before: no guess


@pytest.mark.parametrize(
    ("typed", "symbol", "reason"),
    [
        ("Li5.4Va0.6PS4.4Cl1.6", "Va", "unknown_element"),
        ("Li5.4Vac0.6PS4.4Cl1.6", "Vac", "unknown_element"),
        ("Li5.4\u25a10.6PS4.4Cl1.6", "\u25a1", "bad_formula"),
    ],
)
def test_a_vacancy_in_a_formula_says_to_leave_it_out(typed, symbol, reason):
    error = _error(typed)
    assert error.reason == reason
    assert (
        f"{symbol!r} reads as a vacancy: a formula lists the occupied sites only, leave vacancies "
        "out (Li5.4PS4.4Cl1.6)"
    ) in str(error)


def test_the_batch_status_carries_the_hint():
    """What a screen's ``error`` column shows (the packed path re-parses what its tokenizer
    flags: the same message)."""
    packed = pack_compositions(["Li6Pse5Cl", "Li6PSe5Cl", "Li5.4Va0.6PS4.4Cl1.6"])
    assert packed.status.tolist() == ["unknown_element", "ok", "unknown_element"]
    assert packed.error[0].endswith("did you mean Li6PSe5Cl?")
    assert "leave vacancies out" in packed.error[2]
