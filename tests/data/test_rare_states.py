"""The rare-oxidation-state rule (``data/rare_states.py``): which states it calls rare, and when a
composition needs one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymatgen.core
import pytest
import yaml
from pymatgen.core.periodic_table import Element

from electroscreen.data.formula import parse_formula
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.data.rare_states import (
    RARE_STATE_FREQUENCY,
    RareState,
    is_rare_state,
    rare_state_needed,
    rare_state_table,
    rare_states,
)

#: The elements of OBELiX's seeds that hold a rare state, with those states (the rest of the
#: 52 seed elements, Li, O, Cl, Y, La, Hf ... have none).
EXPECTED_RARE = {
    "Sn": {3},
    "Ge": {3},
    "Ti": {2},
    "Zr": {2},
    "Sc": set(),  # Sc2+ is 7.4 % of Sc entries: not rare
    "Y": set(),
    "In": {2},  # In+ (11 %) is not rare
    "Nb": {2},  # Nb3+ 6.8 %, Nb4+ 14 %
    "Ta": {3},
    "V": {2},
    "P": {4, -1, -2},
    "S": {-1},
    "N": {-1, -2, 1},
    "Cl": set(),  # Cl+1 ... Cl7+ are rare in the ICSD but pymatgen's common states
    "O": set(),
    "Bi": {1, 2},  # Bi5+ 5.3 %: just not rare
    "Cu": {3},
}


def test_the_rule_table_for_electrolyte_elements():
    table = rare_state_table(list(EXPECTED_RARE))
    got = {el: set(rows.loc[rows["rare"], "state"]) for el, rows in table.groupby("element")}
    assert got == EXPECTED_RARE
    row = table.set_index(["element", "state"])
    assert row.loc[("Sn", 3), "frequency"] == pytest.approx(19 / 639)  # 19 of 639 Sn entries
    assert row.loc[("Ti", 3), "penalty"] == pytest.approx(1.93, abs=0.005)  # Li3TiCl6 is real
    assert row.loc[("Zr", 3), "frequency"] > RARE_STATE_FREQUENCY  # 6.6 %: Li3ZrCl6 stays


def test_rare_means_uncommon_and_under_five_percent_of_the_icsd_entries():
    """Every listed state of every element, against the ICSD counts read here independently."""
    path = Path(pymatgen.core.__file__).parent / "icsd_bv.yaml"
    occurrence = yaml.safe_load(path.read_text())["occurrence"]
    counts: dict[str, dict[int, int]] = {}
    for key, n in occurrence.items():
        symbol = key.rstrip("+-0123456789")
        state = int(key[len(symbol) : -1] or 1) * (1 if key.endswith("+") else -1)
        counts.setdefault(symbol, {})[state] = n
    table = rare_state_table([Element.from_Z(z).symbol for z in range(1, 104)])
    checked = 0
    for row in table.itertuples():
        listed = set(table.loc[table["element"] == row.element, "state"])
        element_counts = {s: counts.get(row.element, {}).get(s, 1) for s in listed}
        frequency = element_counts[row.state] / sum(element_counts.values())
        assert row.frequency == pytest.approx(frequency, rel=1e-9), row
        common = row.state in Element(row.element).common_oxidation_states
        assert row.rare == (not common and frequency < RARE_STATE_FREQUENCY), row
        checked += row.rare
    assert checked == len(rare_states()) > 30


def test_the_reason_names_the_element_its_state_and_its_usual_states():
    assert RareState("Sn", 3).message == (
        "needs Sn3+, a state found in under 5 % of Sn compounds in the ICSD statistics (3.0 %);"
        " Sn is +2 or +4"
    )
    assert RareState("V", 2).message.endswith("; V is +3, +4 or +5")
    assert RareState("S", -1).label == "S-" and RareState("S", -1).message.endswith("; S is -2")


@pytest.mark.parametrize(
    ("formula", "needed"),
    [
        ("Li3SnCl6", RareState("Sn", 3)),
        ("Li3GeCl6", RareState("Ge", 3)),
        # a CIF's rounding: without Sn3+ it balances only as Sn2.956 (Sn2+/Sn4+ on one site)
        ("Li3Sn1.015Cl6", RareState("Sn", 3)),
        ("Li2TiCl4", RareState("Ti", 2)),
        ("Li3TiCl6", None),
        ("Li2ZrCl6", None),
        ("Li3ZrCl6", None),  # Zr3+ is 6.6 % of Zr entries
        ("Li3ScCl6", None),
        ("Li3YCl6", None),
        ("LiScCl3", None),  # Sc2+, 7.4 %
        ("Li3InCl6", None),
        ("LiSnCl3", None),
        ("Fe3O4", None),  # a mixed valence between usual states
    ],
)
def test_which_compositions_need_a_rare_state(formula, needed):
    assert rare_state_needed(parse_formula(formula)) == needed


def test_a_balance_with_usual_states_in_another_combination_is_enough():
    """LiSn2PS4's cheapest balance is Sn4+ with a phosphide P-; the search without rare states
    finds Sn2+ with P3+ (a thiophosphite), so the composition does not need P-."""
    amounts = {"Li": 1, "Sn": 2, "P": 1, "S": 4}
    winner = assign_oxidation_states(amounts)
    assert winner.states["P"] == -1 and is_rare_state("P", -1)
    assert rare_state_needed(amounts, winner) is None
    # an allowed rare state (the seed's own) is usual: the winner itself passes
    assert rare_state_needed({"Li": 2, "P": 1, "S": 3}) == RareState("P", 4)
    assert rare_state_needed({"Li": 2, "P": 1, "S": 3}, allowed=[("P", 4)]) is None


def test_a_proposed_assignment_fixes_each_elements_role():
    """LiSn2GeSe5 as Sn3+ Ge3+ (a proposed substitution) has no usual balance with Sn and Ge
    cations; the germanide perselenide (Ge-4, Se-1) a role-free search finds does not count."""
    amounts = {"Li": 1, "Sn": 2, "Ge": 1, "Se": 5}
    proposed = {"Li": 1.0, "Sn": 3.0, "Ge": 3.0, "Se": -2.0}
    free = assign_oxidation_states(amounts, exclude=rare_states())
    assert free.ok and free.states["Ge"] == -4
    assert rare_state_needed(amounts, proposed=proposed) == RareState("Sn", 3)
    # a proposed assignment without a rare state is a chemist's balance as it is
    llto = {"Li": 0.358, "La": 0.642, "Ti": 0.87, "In": 0.129, "O": 3}
    seeds_states = {"Li": 1.0, "La": 2.765, "Ti": 4.0, "In": 3.0, "O": -2.0}
    assert rare_state_needed(llto, proposed=seeds_states) is None


def test_the_search_can_leave_states_out():
    amounts = {"Li": 3, "Sn": 1, "Cl": 6}
    assert assign_oxidation_states(amounts).states["Sn"] == 3
    without = assign_oxidation_states(amounts, exclude=frozenset({("Sn", 3)}))
    assert without.ok and without.mixed_valence == "Sn" and without.states["Sn"] == 3
    only_four = frozenset(("Sn", s) for s in (3, 2, -4))
    assert assign_oxidation_states(amounts, exclude=only_four).status == "unbalanced"
    none_left = frozenset(("Sn", s) for s in (4, 3, 2, -4))
    assert assign_oxidation_states(amounts, exclude=none_left).status == "no_oxidation_state"
    # the default search is untouched by a call that excluded states (separate caches)
    assert assign_oxidation_states(amounts).states["Sn"] == 3
    assert np.isclose(assign_oxidation_states(amounts).residual, 0)
