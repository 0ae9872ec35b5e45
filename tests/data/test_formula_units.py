"""The screen's fast reading of a formula's units (issue 14, twenty-ninth session): a text that is
surely one unit skips the parser and the adduct-dot rules, and gets the notes the full reading
gives (:func:`~electroscreen.data.formula_units.written_notation`)."""

from __future__ import annotations

import pytest

from electroscreen.data.formula import FormulaError, parse_formula
from electroscreen.data.formula_notation import (
    NotationError,
    adduct_dots,
    dots_stay_decimal,
    plain_digits,
)
from electroscreen.data.formula_units import (
    _SEPARATOR,
    _SEPARATORS,
    COMPOSITE_NOTATION,
    MIXTURE_NOTATION,
    _one_unit,
    unit_elements,
    written_as_composite,
    written_as_mixture,
    written_notation,
)
from electroscreen.data.liverpool import load_liverpool
from electroscreen.data.obelix import load_obelix

#: Dots, brackets and separators the fast reading must not misread: decimals beside a repeated
#: element, adduct dots (water, a repeated element, a dot after a letter), a bare dot, bracket
#: groups, exponents, subscripts, spaces.
EDGES = [
    "Li6.4La3Zr1.4Ta0.6O12", "Li1.3Al0.3Ti1.7(PO4)3", "Li.5Cl", "Li0.5Cl0.5Li0.5",
    "Li6PS5Cl0.5Br0.5", "(PO4)2.5(SiO4)0.5", "Li3PS4.2LiI", "3Li2S.2P2S5", "Li2O.Al2O3.2SiO2",
    "Li2O.2SiO2", "Li2O.2(B2O3)", "LiCl.H2O", "LiCl.0.5H2O", "LiCl.0.5D2O", "LiI.2H2O",
    "CaSO4.2H2O", "Li3YCl6.H2O", "Li2S.P2S5", "Li2S. P2S5", "Li2S .2P2S5", "Li3PS4.2LiI.",
    "(Li2S)0.75(P2S5)0.25", "[Li2S]3[P2S5]", "{Li2S}3(P2S5)", "(Li2S)0.75", "Li1e-3YCl6",
    "Li1E3YCl6", "Li3YCl₆", "Li₃InCl₆·2H₂O", "Li3YCl6 + LiCl", "Li2S*P2S5", "Li2S·P2S5",
    "75Li2S-25P2S5", "0.75Li2S·0.25P2S5", "Li3InCl6-2H2O", "Li2Sc2/3Cl4", "Li1/2.5Cl",
    "Li6.4/2La3", "LiCl LiBr", " Li3PS4.2LiI ", "Li3P S4", "Li7P3S11", "li3ycl6", "", "Li+",
]  # fmt: skip


@pytest.fixture(scope="module")
def formulas(data_dir) -> list[object]:
    """Every formula cell of the measured tables as written (Liverpool's compositions with their
    glass notation, OBELiX's formulas and true compositions), then :data:`EDGES`."""
    liverpool = load_liverpool(data_dir)
    obelix = load_obelix(data_dir)
    cells = [*liverpool["composition"], *liverpool["formula"], *obelix["formula"]]
    return [*cells, *obelix["true_composition"], *EDGES]


def _full(formula: object) -> str:
    if written_as_mixture(formula):
        return MIXTURE_NOTATION
    return COMPOSITE_NOTATION if written_as_composite(formula) else ""


def test_a_text_read_as_one_unit_is_one_unit_and_gets_the_full_readings_note(formulas):
    fast = [f for f in formulas if isinstance(f, str) and _one_unit(plain_digits(f))]
    assert len(fast) > len(formulas) / 2  # most rows skip the rules
    for formula in fast:
        try:
            parse_formula(formula)
        except FormulaError:
            continue  # not noted either way
        assert len(unit_elements(formula)) <= 1, formula
    notes = [written_notation(f) for f in formulas]
    assert notes == [_full(f) for f in formulas]
    assert notes.count(MIXTURE_NOTATION) > 5 and notes.count(COMPOSITE_NOTATION) > 5


def test_dots_read_as_decimal_are_left_as_they_are_by_the_rules(formulas):
    kept = 0
    for formula in formulas:
        text = plain_digits(formula) if isinstance(formula, str) else ""
        if "." in text and dots_stay_decimal(text):
            try:
                assert adduct_dots(text) == text, formula
            except NotationError:
                pass  # the rules refuse it: so does the parser, and no note is written
            kept += 1
    assert kept > 100
    assert not dots_stay_decimal("Li3PS4.2LiI") and not dots_stay_decimal("LiCl.0.5H2O")


def test_the_one_separator_search_finds_a_separator_where_any_of_them_is_in_the_text(formulas):
    texts = [plain_digits(f) for f in formulas if isinstance(f, str)]
    texts += ["Li·Cl", "a*b", "x+y", "p-q", "Li3YCl6", "Li\\\\-", "[]-", "^+", ""]
    for text in texts:
        assert bool(_SEPARATOR.search(text)) == any(c in text for c in _SEPARATORS), text
