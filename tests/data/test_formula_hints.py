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


#: halaudit L1 (twenty-eighth session): formulas as a halide chemist types or pastes them.
def test_unicode_subscript_digits_read_as_digits_in_both_parsers():
    pasted = ["Li3YCl\u2086", "Li\u2083InCl\u2086", "Li\u2086PS\u2085Cl"]
    assert [parse_formula(f) for f in pasted] == [
        parse_formula(f) for f in ("Li3YCl6", "Li3InCl6", "Li6PS5Cl")
    ]
    packed = pack_compositions(pasted)  # the tokenizer's fallback
    assert packed.status.tolist() == ["ok"] * 3


def test_text_after_a_formula_is_named_as_such():
    for written, text, formula in (
        ("Li3InCl6 (annealed)", "'(annealed)'", "Li3InCl6"),
        ("Li3InCl6(annealed)", "'(annealed)'", "Li3InCl6"),
        ("Li3YCl6, ball-milled", "', ball-milled'", "Li3YCl6"),
    ):
        message = str(_error(written))
        assert f"text after the formula: {text} ({formula} reads without it" in message, message


def test_a_variable_amount_must_be_given_a_number():
    for written in ("Li3YCl6-xBrx", "Li3-xY1-xZrxCl6", "Li3+xP1-xSixS4", "Li7La3Zr2O12-\u03b4"):
        assert "variables must be given numbers" in str(_error(written)), written
    for written in ("LiXx2", "li3ycl6", "Li3InCl6 (annealed)"):
        assert "variable" not in str(_error(written)), written


def test_case_folded_readings_spell_every_run_of_letters_as_symbols():
    from electroscreen.data.formula import ELEMENT_SYMBOLS
    from electroscreen.data.formula_hints import MAX_READINGS, case_folded_readings

    symbols = set(ELEMENT_SYMBOLS[1:])
    assert case_folded_readings("li3ycl6", symbols) == ["Li3YCl6"]
    assert case_folded_readings("LI3YCL6", symbols) == ["Li3YCl6"]
    assert sorted(case_folded_readings("li2co3", symbols)) == ["Li2CO3", "Li2Co3"]
    assert case_folded_readings("Li3YCl6", symbols) == []  # the text itself is no reading
    assert case_folded_readings("lq3", symbols) == []  # q spells no symbol
    many = case_folded_readings("os" * 40, symbols)  # 2^40 spellings: cut, quickly
    assert many == []
    assert len(case_folded_readings("os" * 6, symbols)) == MAX_READINGS == 2**6
    assert case_folded_readings("os" * 7, symbols) == []  # 2^7 readings: more than the cap
