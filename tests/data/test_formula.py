import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import Composition

from electroscreen.data.compositions import _pack_items, pack_compositions
from electroscreen.data.formula import (
    ELEMENT_SYMBOLS,
    FormulaError,
    format_formula,
    parse_formula,
)
from electroscreen.data.formula_reduction import reduce_formula_text
from electroscreen.data.formula_text import formula_texts


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
        ("Li3-PS4", "bad_formula"),  # "-" joins compounds only (75Li2S-25P2S5)
        ("", "empty_formula"),
        ("   ", "empty_formula"),
    ],
)
def test_bad_formulas_raise_with_reason(formula, reason):
    with pytest.raises(FormulaError) as info:
        parse_formula(formula)
    assert info.value.reason == reason
    assert repr(formula) in str(info.value)


def test_every_missing_value_is_an_empty_formula():
    """pandas' NA (a ``string`` column's empty cell) was ``bad_formula`` ("cannot read a
    composition from NAType") while None and NaN were ``empty_formula``."""
    import pandas as pd

    missing = [None, np.nan, pd.NA, pd.NaT, np.float32("nan")]
    packed = pack_compositions(["Li3PS4", *missing, 3])
    assert packed.status.tolist() == ["ok", *["empty_formula"] * len(missing), "bad_formula"]
    column = pd.Series(["Li3PS4", None], dtype="string").tolist()  # [..., <NA>]
    assert pack_compositions(column).status.tolist() == ["ok", "empty_formula"]


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


def _both_parsers(formula: str) -> dict[str, float] | tuple[str, str]:
    """``parse_formula``'s amounts (or reason and message), checked equal to what ``screen``'s
    path gives: ``pack_compositions`` (the Numba tokenizer and its fallback) and ``formula_texts``."""
    try:
        expected: dict[str, float] | tuple[str, str] = parse_formula(formula)
    except FormulaError as exc:
        expected = (exc.reason, str(exc))
    packed = pack_compositions(["LiCl", formula, "Li3PS4", formula])
    _, reduced, status, error = formula_texts(["LiCl", formula])
    for row in (1, 3):
        if isinstance(expected, dict):
            assert packed.status[row] == "ok", packed.error[row]
            got = {ELEMENT_SYMBOLS[z]: a for z, a in packed.as_dict(row).items()}
            assert got == pytest.approx(expected) and list(got) == list(expected)
        else:
            assert (packed.status[row], packed.error[row]) == expected
    if isinstance(expected, dict):
        assert (status[1], reduced[1]) == (
            "ok",
            reduce_formula_text(formula_texts([formula])[0][0]),
        )
    else:
        assert (status[1], error[1]) == expected
    return expected


@pytest.mark.parametrize(
    ("formula", "reduced"),
    [
        # glass / oxide notation: the unit after the dot repeats an element of the unit before
        # (not only its first element); they read 3Li2S.2P2S5 as Li6S15.6P6 with status ok
        ("3Li2S.2P2S5", "Li6P4S13"),
        ("Li2O.2B2O3", "Li2B4O7"),
        ("Li2O.2SiO2", "Li2Si2O5"),
        ("Li2O.Al2O3.2SiO2", "LiAlSiO4"),
        ("75Li2S.25P2S5", "Li3PS4"),
        ("3Li2S . 2P2S5", "Li6P4S13"),
        ("Li7P3S11.2LiI", "Li9P3S11I2"),
        ("Li3PS4.2LiI", "Li5PS4I2"),
        ("(Li2S)3.2LiI", "Li8S3I2"),  # after a bracket's amount: the tokenizer read 3.2
        # decimals stay decimals: nothing repeats, an amount starting with 0 before the dot, or
        # digits before it and a bracket after its number (a group's amount)
        ("Li6.4La3Zr1.4Ta0.6O12", "Li6.4La3Zr1.4Ta0.6O12"),
        ("Li0.33La0.557TiO3", "Li0.33La0.557TiO3"),
        ("Li3.25Ge0.25P0.75S4", "Li3.25Ge0.25P0.75S4"),
        ("Li10.35Si1.35P1.65S12", "Li3.45Si0.45P0.55S4"),
        ("Li6PS5Cl0.5Br0.5", "Li6PS5Br0.5Cl0.5"),
        ("Li1.5Al0.5Ti1.5(PO4)2.5(SiO4)0.5", "Li1.5Ti1.5Al0.5Si0.5P2.5O12"),
        ("LiCl0.5H2O", "LiH2OCl0.5"),  # Cl0.5 then H2O, not "LiCl0 + 5 H2O" (O before Cl)
        ("Li.5Cl", "Li0.5Cl"),
    ],
)
def test_ascii_dot_adducts_and_decimals(formula, reduced):
    amounts = _both_parsers(formula)
    assert isinstance(amounts, dict)
    assert reduce_formula_text(formula) == reduced


def test_liverpool_formulas_read_as_pymatgen_reads_them(data_dir):
    """Every Liverpool composition (decimal amounts, glass mixtures in brackets, spaces) reads as
    pymatgen reads it, in both parsers: the adduct-dot rule turns none of their decimals into a
    separator. (OBELiX: ``test_matches_pymatgen_on_obelix_formulas`` and the featurizer tests.)"""
    from electroscreen.data.liverpool import load_liverpool, normalise_mixture

    texts = sorted({normalise_mixture(t)[0] for t in load_liverpool(data_dir)["composition"]})
    texts = [t for t in texts if t]
    packed = pack_compositions(texts)
    checked = 0
    for row, text in enumerate(texts):
        try:
            ref = Composition(text).get_el_amt_dict()
        except ValueError:
            continue
        checked += 1
        got = {ELEMENT_SYMBOLS[z]: a for z, a in packed.as_dict(row).items()}
        for ours in (parse_formula(text), got):
            assert ours.keys() == ref.keys(), text
            assert all(ours[el] == pytest.approx(n, abs=1e-9) for el, n in ref.items()), text
    assert checked >= 470  # 478 distinct texts, all read by pymatgen


@pytest.mark.parametrize("formula", ["Li2O.2(B2O3)", "Li.5(PO4)", "(Li2O).2[B2O3]", "LiI.2(H2O)"])
def test_an_ascii_dot_between_a_symbol_and_a_bracket_is_refused(formula):
    """``O.2(B2O3)``: a decimal written without its 0 or an adduct, the text does not say (it read
    Li2O3.2B2 with status ok)."""
    reason, message = _both_parsers(formula)
    assert reason == "bad_formula" and "ambiguous '.'" in message


@pytest.mark.parametrize(
    "formula",
    [
        "Li3PS4 · 2LiI", "Li3PS4· 2LiI", "Li3PS4 ·2LiI", "Li3PS4 ·  2 LiI", "Li3PS4 * 2LiI",
        "Li3PS4 + 2LiI", "Li3PS4 . 2LiI", "Li3PS4. 2LiI",
    ],
)  # fmt: skip
def test_spaces_beside_a_separator_are_ignored(formula):
    """They gave ``number '2' without an element`` unless the space came before the separator."""
    assert _both_parsers(formula) == pytest.approx({"Li": 5, "P": 1, "S": 4, "I": 2})


def test_spaces_beside_a_separator_in_a_molar_notation():
    assert _both_parsers("0.75Li2S · 0.25P2S5") == pytest.approx({"Li": 1.5, "S": 2, "P": 0.5})
    assert _both_parsers("Li2S + P2S5") == pytest.approx({"Li": 2, "S": 6, "P": 2})


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("Li+", "'+' at the end reads as an ionic charge"),  # it read Li
        ("Ca2+", "'+' at the end reads as an ionic charge"),
        ("Li3PS4+", "'+' at the end reads as an ionic charge"),
        ("Li3PS4-", "'-' at the end reads as an ionic charge"),
        ("Li3PS4 - ", "'-' at the end reads as an ionic charge"),
        ("Li-1", "reads as a charge (Li-1)"),
        ("Li2S--P2S5", "two unit separators in a row"),
        ("-Li2S", "'-' without a unit before it"),
        ("Li2S·-P2S5", "two unit separators in a row"),
        ("LiCo-1O2", "'-' before the lone element 'O'"),  # a negative amount, not LiCo + O2
        ("Li2S-S", "'-' before the lone element 'S'"),
        ("Li+3PS4", "reads as a charge (Li+3)"),  # it read LiP3S12
        ("Li2+3PS4", "reads as a charge (Li+3)"),
        ("Li3PS4+3", "number '3' after '+' without an element"),  # it read Li3PS4
        ("Li3PS4·2", "number '2' after '·' without an element"),
        ("Li(I)Cl", "oxidation-state annotation '(I)' after 'Li'"),  # it read LiICl (iodine)
        ("Fe(II)Cl2", "oxidation-state annotation '(II)' after 'Fe'"),
        ("Fe(III)Cl3", "oxidation-state annotation '(III)' after 'Fe'"),
        ("Ti(IV)O2", "oxidation-state annotation '(IV)' after 'Ti'"),
        ("Cu[I]Cl", "oxidation-state annotation '[I]' after 'Cu'"),
        ("Li(V)O3", "oxidation-state annotation '(V)' after 'Li'"),
    ],
)
def test_charges_and_oxidation_states_are_refused(formula, words):
    reason, message = _both_parsers(formula)
    assert reason == "bad_formula" and words in message, message


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Li2S+P2S5", {"Li": 2, "S": 6, "P": 2}),  # '+' between compounds: an adduct
        ("Li2S+.5P2S5", {"Li": 2, "S": 3.5, "P": 1}),
        ("Li3PS4+2LiI", {"Li": 5, "P": 1, "S": 4, "I": 2}),
        ("LiCl+KCl", {"Li": 1, "Cl": 2, "K": 1}),
        ("(Li2S)+2(P2S5)", {"Li": 2, "S": 11, "P": 4}),
        ("Li2(I)", {"Li": 2, "I": 1}),  # a bracket after an amount: iodine
        ("(PO4)(V)", {"P": 1, "O": 4, "V": 1}),  # ... or after a bracket: vanadium
        ("LiV(PO4)", {"Li": 1, "V": 1, "P": 1, "O": 4}),
        ("Li3PS4·", {"Li": 3, "P": 1, "S": 4}),  # a trailing '·' is not a charge
        # the glass notation (a chemist's audit: refused as "unexpected character '-'")
        ("75Li2S-25P2S5", {"Li": 150, "S": 200, "P": 50}),
        ("0.75Li2S-0.25P2S5", {"Li": 1.5, "S": 2, "P": 0.5}),
        ("Li2S-P2S5", {"Li": 2, "S": 6, "P": 2}),
        ("70Li2S - 30P2S5", {"Li": 140, "S": 220, "P": 60}),
        ("(Li2S)-2(P2S5)", {"Li": 2, "S": 11, "P": 4}),
        ("60Li2S-20P2S5-20LiI", {"Li": 140, "S": 160, "P": 40, "I": 20}),
    ],
)
def test_adducts_and_groups_that_are_not_charges_still_parse(formula, expected):
    assert _both_parsers(formula) == pytest.approx(expected)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Li", "S", "O", "P", "Cl", "I", "V", "H2O", "(", ")", "(I)", "[II]", "(V)", "2", "0"]
            + [".", ".2", "0.5", "1.5", "+", "-", "·", " ", "Li2S", "P2S5"]
        ),
        max_size=10,
    ).map("".join)
)
def test_the_tokenizer_agrees_with_parse_formula_on_adduct_notations(text):
    """The Numba tokenizer takes a row only where ``parse_formula`` would read it the same way:
    dots, ``+``, spaces and bracketed Roman numerals included."""
    rows = [text, "LiCl", text + "O2", "3Li2S." + text]
    fast, slow = pack_compositions(rows), _pack_items(rows)
    for field in ("offsets", "z", "amount", "status", "error"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field), err_msg=field)
