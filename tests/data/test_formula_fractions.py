"""Amounts written as fractions ``a/b`` (``Li2Sc2/3Cl4``): read as the number a/b by the parser and
the Numba tokenizer alike, and a ``/`` that makes no fraction is ``bad_formula`` saying why."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from electroscreen.data import read_candidates
from electroscreen.data.compositions import _pack_items, pack_compositions
from electroscreen.data.formula_tokenizer import tokenize_formulas
from electroscreen.featurizers.registry import featurize_table
from tests.data.test_formula import _both_parsers


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Li2Sc2/3Cl4", {"Li": 2, "Sc": 2 / 3, "Cl": 4}),  # spinel halide electrolyte
        ("Li3/8Sr7/16Ta3/4Hf1/4O3", {"Li": 3 / 8, "Sr": 7 / 16, "Ta": 3 / 4, "Hf": 1 / 4, "O": 3}),
        ("Li1/3La1/3NbO3", {"Li": 1 / 3, "La": 1 / 3, "Nb": 1, "O": 3}),
        ("Li2Sc1.5/2Cl4", {"Li": 2, "Sc": 0.75, "Cl": 4}),  # a decimal numerator
        ("Li2Sc.5/.25Cl4", {"Li": 2, "Sc": 2, "Cl": 4}),
        ("Li1/2.5Cl", {"Li": 0.4, "Cl": 1}),  # a dot in a denominator is a decimal point
        ("Li3Y(Cl6)1/2Br3", {"Li": 3, "Y": 1, "Cl": 3, "Br": 3}),  # a group's multiplier
        ("Li12/4Cl3", {"Li": 3, "Cl": 3}),
        # an amount after a separator or a leading one may be a fraction too
        ("2/3Li2S-1/3P2S5", {"Li": 4 / 3, "S": 2 / 3 + 5 / 3, "P": 2 / 3}),
        ("Li3PS4·1/2LiI", {"Li": 3.5, "P": 1, "S": 4, "I": 0.5}),
        # an ASCII dot before a fraction follows the dot rule of a number there: an adduct when
        # the unit after it repeats an element before, else a decimal point (Li6.4/2 is 3.2)
        ("Li3PS4.2/3LiI", {"Li": 3 + 2 / 3, "P": 1, "S": 4, "I": 2 / 3}),
        ("3Li2S.2/3P2S5", {"Li": 6, "S": 3 + 10 / 3, "P": 4 / 3}),
        ("Li6.4/2La3Zr2O12", {"Li": 3.2, "La": 3, "Zr": 2, "O": 12}),
    ],
)
def test_a_fraction_is_read_as_its_number(formula, expected):
    """Both paths (``parse_formula``, and ``pack_compositions`` / ``formula_texts``) agree:
    ``_both_parsers`` checks it."""
    assert _both_parsers(formula) == pytest.approx(expected, rel=1e-15)


def test_the_tokenizer_reads_plain_fractions_itself():
    """The Numba path takes a fraction (count >= 0) instead of sending every such row to the
    Python parser, and its numbers are the parser's to the last bit."""
    rows = ["Li2Sc2/3Cl4", "Li3/8Sr7/16Ta3/4Hf1/4O3", "Li1/3La1/3NbO3", "Li(PO4)1/2"]
    counts, _, _ = tokenize_formulas(rows)
    assert (counts >= 0).all()
    fast, slow = pack_compositions(rows), _pack_items(rows)
    np.testing.assert_array_equal(fast.amount, slow.amount)


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("Li2Sc2/0Cl4", "'2/0' divides by zero"),
        ("Li2Sc0/0Cl4", "'0/0' divides by zero"),
        ("Li2Sc2/0.0Cl4", "'2/0.0' divides by zero"),
        ("Li/3Cl", "no numerator"),
        ("/3Li", "no numerator"),
        ("Li2 / 3Cl", "no numerator"),
        ("Li2/Cl", "no denominator"),
        ("LiCl2/", "no denominator"),
        ("Li3PS4/LiI", "no denominator"),
        ("Li2//3Cl", "'//'"),
        ("Li1/2/3Cl", "a second '/' after the fraction '1/2'"),
        ("Li1e1/2Cl", "no exponent"),
    ],
)
def test_a_slash_that_makes_no_fraction_is_refused_saying_why(formula, words):
    reason, message = _both_parsers(formula)
    assert reason == "bad_formula"
    assert words in message and repr(formula) in message


SAME = [
    ("Li2Sc2/3Cl4", "Li2Sc0.6666666666666666Cl4"),
    ("Li1/3La1/3NbO3", "Li0.3333333333333333La0.3333333333333333NbO3"),
    ("Li3/8Sr7/16Ta3/4Hf1/4O3", "Li0.375Sr0.4375Ta0.75Hf0.25O3"),
]


@pytest.mark.parametrize(("fraction", "decimal"), SAME)
def test_a_fraction_packs_as_its_decimal(fraction, decimal):
    """``2/3`` is the double ``0.6666666666666666``: the same arrays, bit for bit."""
    a, b = pack_compositions([fraction]), pack_compositions([decimal])
    for field in ("offsets", "z", "amount", "status"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def test_a_fraction_reads_and_featurizes_as_its_decimal(tmp_path):
    """Through ``read_candidates`` (what ``data info`` and ``screen`` read) and the composition
    featurizers, a table row ``Li2Sc2/3Cl4`` gives exactly what ``Li2Sc0.6666666666666666Cl4``
    gives; before, it was ``bad_formula``."""
    formulas = [f for pair in SAME for f in pair]
    path = tmp_path / "fractions.csv"
    pd.DataFrame({"formula": formulas}).to_csv(path, index=False)
    table = read_candidates(path)
    assert table["status"].tolist() == ["ok"] * len(formulas)
    features = featurize_table(table, ["magpie", "electrolyte", "element_fractions"])
    assert features["featurize_status"][0] == "ok"  # Li2Sc2/3Cl4: every feature computed
    numeric = features.select_dtypes("number").to_numpy()
    assert numeric.shape[1] > 100
    statuses = features.filter(like="status").astype(str).to_numpy()
    for k in range(len(SAME)):
        np.testing.assert_array_equal(numeric[2 * k], numeric[2 * k + 1])
        np.testing.assert_array_equal(statuses[2 * k], statuses[2 * k + 1])
        assert table["formula"][2 * k] == table["formula"][2 * k + 1]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Li", "Sc", "Cl", "O", "La", "(", ")", "2", "3", "0", "/", "1.5", ".5", "12"]
            + ["2/3", "1/4", "/0", "//", ".", "·", "-", " ", "H2O", "e1", "Li2S", "P2S5"]
        ),
        max_size=10,
    ).map("".join)
)
def test_the_tokenizer_agrees_with_parse_formula_on_slashes(text):
    """The Numba tokenizer and ``parse_formula`` give the same arrays, statuses and errors on
    formulas with and without slashes."""
    rows = [text, "Li2Sc2/3Cl4", text + "O2", "Li3/8" + text, "3Li2S." + text, "LiCl"]
    fast, slow = pack_compositions(rows), _pack_items(rows)
    for field in ("offsets", "z", "amount", "status"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field), err_msg=field)

    # the same reason; the parser's message names the formula first (``formula 'Li3/8121212': Li:
    # amount 3.69e-07 is outside ...``), the packed rows' amount check does not (as for decimals)
    def reason(errors):
        return [re.sub(r"^formula '.*?': ", "", e, flags=re.S) for e in errors]

    np.testing.assert_array_equal(reason(fast.error), reason(slow.error), err_msg="error")
