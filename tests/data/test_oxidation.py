import math

import pytest
from pymatgen.core import Composition

from electroscreen.data import assign_oxidation_states, parse_formula


def _charge(amounts, states):
    return sum(amounts[el] * states[el] for el in amounts)


def test_obelix_coverage_and_every_ok_result_is_balanced(obelix_table):
    results = [
        (parse_formula(f), assign_oxidation_states(parse_formula(f)))
        for f in obelix_table["true_composition"]
    ]
    ok = [(amounts, r) for amounts, r in results if r.ok]
    assert len(ok) / len(results) >= 0.95
    for amounts, r in ok:
        positive = sum(
            n * s for n, s in zip(amounts.values(), r.states.values(), strict=True) if s > 0
        )
        assert abs(_charge(amounts, r.states)) <= 0.01 * positive
        assert list(r.states) == list(amounts)  # keeps the input order


def test_impossible_composition_is_reported_unbalanced():
    """Li5La3Nb1.75Y0.25O12 (OBELiX): even Nb5+ leaves 23.5 positive charges for 24 negative ones."""
    r = assign_oxidation_states(parse_formula("Li5La3Nb1.75Y0.25O12"))
    assert r.status == "unbalanced"
    assert r.residual == pytest.approx(-0.5)
    assert r.states == {"Li": 1, "La": 3, "Nb": 5, "Y": 3, "O": -2}


def test_agrees_with_pymatgen_on_integer_compositions(obelix_table):
    """Where pymatgen's ICSD-probability search finds an assignment, ours is the same."""
    compared = agreed = 0
    for f in obelix_table["formula"]:
        amounts = parse_formula(f)
        if not all(float(n).is_integer() for n in amounts.values()) or sum(amounts.values()) > 30:
            continue
        guesses = Composition(f).oxi_state_guesses()
        if not guesses:
            continue
        compared += 1
        ours = assign_oxidation_states(amounts).states
        agreed += all(abs(ours[el] - guesses[0][el]) < 1e-6 for el in amounts)
    assert compared >= 50
    assert agreed / compared >= 0.9


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Li3PS4", {"Li": 1, "P": 5, "S": -2}),
        ("Li10GeP2S12", {"Li": 1, "Ge": 4, "P": 5, "S": -2}),
        ("Li6PS5Cl", {"Li": 1, "P": 5, "S": -2, "Cl": -1}),
        ("Li6.4La3Zr1.4Ta0.6O12", {"Li": 1, "La": 3, "Zr": 4, "Ta": 5, "O": -2}),
        ("Li1.3Al0.3Ti1.7(PO4)3", {"Li": 1, "Al": 3, "Ti": 4, "P": 5, "O": -2}),
        ("Li3InCl6", {"Li": 1, "In": 3, "Cl": -1}),
        ("Li2SO4", {"Li": 1, "S": 6, "O": -2}),
        ("LiBH4", {"Li": 1, "B": 3, "H": -1}),
        ("Li3N", {"Li": 1, "N": -3}),
        ("Na3SbS4", {"Na": 1, "Sb": 5, "S": -2}),
    ],
)
def test_textbook_electrolytes(formula, expected):
    r = assign_oxidation_states(parse_formula(formula))
    assert r.ok and not r.mixed_valence
    assert r.states == pytest.approx(expected)


def test_mixed_valence_absorbs_the_residual():
    r = assign_oxidation_states({"Fe": 3, "O": 4})
    assert r.ok and r.mixed_valence == "Fe"
    assert r.states["Fe"] == pytest.approx(8 / 3, abs=1e-6)


def test_statuses_for_impossible_cases():
    assert assign_oxidation_states({"Li": 2, "Cl": 1}).status == "unbalanced"
    assert assign_oxidation_states({"Li": 1, "Ar": 1}).status == "no_oxidation_state"
    single = assign_oxidation_states({"Li": 1})
    assert single.ok and single.states == {"Li": 0.0}


def test_deterministic_and_independent_of_element_order():
    a = assign_oxidation_states({"Li": 7, "La": 3, "Zr": 2, "O": 12})
    b = assign_oxidation_states({"O": 12, "Zr": 2, "La": 3, "Li": 7})
    assert a.states == b.states and a.status == b.status
    assert not math.isnan(a.residual)
