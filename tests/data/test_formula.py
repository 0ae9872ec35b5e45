import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymatgen.core import Composition

from electroscreen.data.formula import (
    ELEMENT_SYMBOLS,
    FormulaError,
    format_formula,
    parse_formula,
    reduce_formula_text,
)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Li3PS4", {"Li": 3, "P": 1, "S": 4}),
        ("Li6.4La3Zr1.4Ta0.6O12", {"Li": 6.4, "La": 3, "Zr": 1.4, "Ta": 0.6, "O": 12}),
        ("Li1.3Al0.3Ti1.7(PO4)3", {"Li": 1.3, "Al": 0.3, "Ti": 1.7, "P": 3, "O": 12}),
        ("Ca[Al2(SiO4)2]", {"Ca": 1, "Al": 2, "Si": 2, "O": 8}),
        ("CaSO4·2H2O", {"Ca": 1, "S": 1, "O": 6, "H": 4}),
        ("2LiCl", {"Li": 2, "Cl": 2}),
        (
            "Li3(Mo8S8O8(OH)8(HWO5(H2O)))*(H2O)18",
            {"Li": 3, "Mo": 8, "S": 8, "O": 40, "H": 47, "W": 1},
        ),
    ],
)
def test_parse_known_formulas(formula, expected):
    assert parse_formula(formula) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("formula", "reason"),
    [
        ("Li2XyZ", "unknown_element"),
        ("Li2Qq", "unknown_element"),
        ("li3PS4", "unknown_element"),
        ("Li3(PS4", "bad_formula"),
        ("Li3PS4)", "bad_formula"),
        ("Li3-PS4", "bad_formula"),
        ("", "empty_formula"),
        ("   ", "empty_formula"),
    ],
)
def test_bad_formulas_raise_with_reason(formula, reason):
    with pytest.raises(FormulaError) as info:
        parse_formula(formula)
    assert info.value.reason == reason
    assert repr(formula) in str(info.value)


def test_matches_pymatgen_on_obelix_formulas(obelix_table):
    checked = 0
    for column in ("formula", "true_composition"):
        for text in obelix_table[column]:
            ours = parse_formula(text)
            try:
                ref = Composition(text).get_el_amt_dict()
            except ValueError:  # pymatgen cannot read the adduct "...*(H2O)18"
                continue
            checked += 1
            assert ours.keys() == ref.keys(), text
            for el, amount in ref.items():
                assert ours[el] == pytest.approx(amount, abs=1e-9), text
    assert checked >= 2 * len(obelix_table) - 2


amounts = st.floats(min_value=0.01, max_value=50, allow_nan=False).map(lambda x: round(x, 3))
compositions = st.dictionaries(
    st.sampled_from(ELEMENT_SYMBOLS[1:95]), amounts, min_size=1, max_size=6
)


@given(compositions)
def test_format_then_parse_round_trips(composition):
    parsed = parse_formula(format_formula(composition))
    assert parsed.keys() == composition.keys()
    for el, amount in composition.items():
        assert parsed[el] == pytest.approx(amount, rel=1e-6)


@pytest.mark.parametrize(
    ("cell", "reduced"),
    [
        ("Li20Ge2P4S24", "Li10GeP2S12"),  # LGPS cell, storage order
        ("Li51.2La24Zr11.2Ta4.8O96", "Li6.4La3Zr1.4Ta0.6O12"),  # garnet cell, 8 formula units
        ("Li6Si12P18S72", "LiSi2P3S12"),
        ("Li1.3Al0.3Ti1.7(PO4)3", "Li1.3Ti1.7Al0.3P3O12"),  # electronegativity order
        ("Li20.84P3S24Ge2.4Sn0.6", "Li20.84Sn0.6Ge2.4P3S24"),  # halving adds a decimal
        ("Li0.5Cl0.5", "Li0.5Cl0.5"),  # never below one of the largest amount
        ("Li0.33La0.557TiO3", "Li0.33La0.557TiO3"),  # three decimals: not divided
        ("Cl6Li3Y", "Li3YCl6"),
    ],
)
def test_reduced_formula(cell, reduced):
    assert reduce_formula_text(cell) == reduced
    # same composition, and pymatgen's reduced formula where the amounts are integral
    expected = Composition(cell).fractional_composition
    assert Composition(reduced).fractional_composition.almost_equals(expected, rtol=1e-6)
    if all(float(n).is_integer() for n in Composition(cell).values()):
        assert Composition(reduced).reduced_formula == Composition(cell).reduced_formula


def test_reduced_formula_of_unparseable_text_is_empty():
    assert reduce_formula_text("Li2XyZ") == ""


@pytest.mark.parametrize("cell", ["Li1e-6Cl", "Li0.00001Cl", "Li0.00004Cl"])
def test_a_tiny_amount_is_never_written_as_zero(cell):
    """Amounts down to 1e-6 are accepted; rounding to four decimals wrote them as Li0Cl ("no
    Li"). The text now reads back as the same composition."""
    for text in (reduce_formula_text(cell), format_formula(parse_formula(cell))):
        assert "Li0Cl" not in text and text.startswith("Li")
        assert parse_formula(text)["Li"] == pytest.approx(parse_formula(cell)["Li"], rel=1e-3)
