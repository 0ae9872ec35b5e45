"""The candidate card repeats the screen's window: both compute at the carrier-balanced composition.

A user audit found the card recomputing the window and the air reactions from the raw formula:
``Li10.354Ge1.35P1.65S12`` got an oxidation limit of 2.21 V (the run: 2.32 V) and ``0.004 H`` among
its water products; ``Li3Y1.015Cl6`` no window at all (the run: 0.78-4.23 V). The results rows here
are computed by the screen's own objective function on the cell contents a screen reads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from electroscreen.analysis.candidate_card import candidate_card
from electroscreen.analysis.card_thermo import thermo_composition
from electroscreen.data.compositions import pack_compositions
from electroscreen.screening.objective_columns import (
    OBJECTIVE_COLUMNS,
    WINDOW_STATUS_COLUMN,
    objective_values,
)
from electroscreen.screening.screen_config import ObjectivesConfig

#: (candidate_id, formula, cell_formula as a screen reads it, the balanced composition).
ROWS = [
    ("de5:In3+>Y3+", "Li3Y1.015Cl6", "Li6Cl12Y2.03", "Li2.955Y1.015Cl6"),
    ("k4x:Si4+>Ge4+", "Li10.354Ge1.35P1.65S12", "Li20.708P3.3S24Ge2.7", "Li10.35Ge1.35P1.65S12"),
    ("de5", "Li3InCl6", "Li6Cl12In2", "Li3InCl6"),  # balanced: computed at the formula
    ("lgps", "Li10GeP2S12", "Li20P4S24Ge2", "Li10GeP2S12"),
]
#: A product that is a bare element symbol with a coefficient: ``0.004 H``, ``0.015 Y``.
_BARE = re.compile(r"(?:^|\+ )[\d.]+ (H|Y|In|Ge|Li)(?: |$)")
#: A bare elemental gas (``0.4775 O``: the enthalpy table's element, not a species).
_ATOMIC_GAS = re.compile(r"(?<!\S)(?:[\d.]+ )?(H|N|O|F|Cl)(?!\S)")


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    cells = [cell for _, _, cell, _ in ROWS]
    values, status = objective_values(pack_compositions(cells), ObjectivesConfig(), "Li")
    frame = pd.DataFrame(
        {
            "candidate_id": [r[0] for r in ROWS],
            "formula": [r[1] for r in ROWS],
            "cell_formula": cells,
            "status": "ok",
        }
    )
    frame[list(OBJECTIVE_COLUMNS)] = values
    frame[WINDOW_STATUS_COLUMN] = status
    frame.attrs["params"] = {"filters.carrier": "Li", "objectives.cathode": "LiCoO2"}
    return frame


@pytest.mark.parametrize(("candidate_id", "formula", "cell", "balanced"), ROWS)
def test_the_cards_window_is_the_results_window(
    results, data_dir, candidate_id, formula, cell, balanced
):
    row = results.set_index("candidate_id").loc[candidate_id]
    card = candidate_card(results, candidate_id, k=1, bvse=False, data_dir=data_dir)
    electrodes = card.electrodes
    assert row[WINDOW_STATUS_COLUMN] == "ok"  # the screen's window of these rows is defined
    assert electrodes["window_status"] == "ok"
    for column in ("window_red_v", "window_ox_v"):
        assert electrodes[column] == pytest.approx(row[column], abs=1e-9)
    assert electrodes["interface_li_ev_per_atom"] == pytest.approx(
        row["interface_anode_ev_per_atom"], abs=1e-9
    )
    assert electrodes["interface_licoo2_ev_per_atom"] == pytest.approx(
        row["interface_cathode_ev_per_atom"], abs=1e-9
    )
    assert card.thermo_formula == balanced
    # the reactions are those of the balanced composition, with no trace of an element left over
    air = card.air_reactions
    assert air["status"] == "ok"
    for name in ("h2o_products", "o2_products", "co2_products"):
        assert not _BARE.search(str(air[name])), (formula, name, air[name])
    for name in ("red_reaction", "ox_reaction", "interface_li_reaction"):
        text = str(electrodes[name])
        assert text.startswith(balanced) or text == "stable against the metal", text
    for name in electrodes.index[electrodes.index.str.endswith(("_reaction", "_products"))]:
        assert not _ATOMIC_GAS.search(str(electrodes[name])), (formula, name, electrodes[name])
    sections = card.sections()
    if balanced == formula:
        assert card.thermo_note == "" and "computed at" not in sections["Air reactivity"].index
    else:
        note = sections["Window and electrodes"].loc["computed at", "value"]
        assert note.startswith(balanced) and formula in note
        assert f"thermochemistry at {balanced}" in card._repr_html_()


def test_the_raw_formula_would_have_given_another_window(results, data_dir):
    """What the card showed before: the trace of Li in Li10.354Ge1.35P1.65S12 pinned the
    oxidation limit at the reduction limit (the test above would not catch a card that happened
    to agree)."""
    from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

    raw = ElectrochemicalWindow().window(["Li10.354Ge1.35P1.65S12"]).iloc[0]
    row = results.set_index("candidate_id").loc["k4x:Si4+>Ge4+"]
    assert abs(raw["window_ox_v"] - row["window_ox_v"]) > 0.05


def test_thermo_composition_is_per_formula_unit_of_the_formula():
    row = pd.Series({"formula": "Li3Y1.015Cl6", "cell_formula": "Li6Cl12Y2.03"})
    composition = thermo_composition(row, "Li")
    assert composition.text == "Li2.955Y1.015Cl6"
    assert composition.moved == pytest.approx(-0.045)
    np.testing.assert_allclose(sorted(composition.packed.amount), [1.015, 2.955, 6.0])
    # a formula row (no cell content): computed at the formula, balanced by its carrier
    alone = thermo_composition(pd.Series({"formula": "Li3Y1.015Cl6"}), "Li")
    assert alone.text == "Li2.955Y1.015Cl6"
    # a carrier the composition lacks moves nothing
    sodium = thermo_composition(pd.Series({"formula": "Li3Y1.015Cl6"}), "Na")
    assert sodium.text == "Li3Y1.015Cl6" and sodium.moved == 0.0
    with pytest.raises(ValueError, match="cannot read the formula"):
        thermo_composition(pd.Series({"formula": "Xq2O3"}), "Li")


def test_the_card_writes_a_balanced_oxyhalide_as_the_results_write_formulas():
    """The card's balanced composition is written in the order of ``formula``: an oxyhalide's O
    before its Cl (``reduced_formula``'s order), not after it by electronegativity."""
    composition = thermo_composition(pd.Series({"formula": "Li3Y1.015O0.1Cl5.9"}), "Li")
    assert composition.moved == pytest.approx(0.055)
    assert composition.text == "Li3.055Y1.015O0.1Cl5.9"


def test_a_card_of_an_unreadable_formula_says_why(data_dir):
    results = pd.DataFrame(
        {"candidate_id": ["bad"], "formula": ["Xq2O3"], "status": ["unknown_element"]}
    )
    card = candidate_card(results, "bad", k=1, bvse=False, data_dir=data_dir)
    assert "cannot read the formula" in card.air_reactions["status"]
    assert "cannot read the formula" in card.electrodes["window_status"]


def test_released_gases_are_written_as_molecules(results, data_dir):
    """LiCoO2 against Li3Y1.015Cl6 releases oxygen: the card wrote it as the element, 0.4775 O."""
    card = candidate_card(results, "de5:In3+>Y3+", k=1, bvse=False, data_dir=data_dir)
    assert "0.2538 O2" in card.electrodes["interface_licoo2_products"]
    assert "1.477 Cl2 + 1.015 YCl3" in card.electrodes["ox_reaction"]


@pytest.mark.parametrize(
    ("formula", "status", "undefined"),
    [
        ("Li6.5La3Zr1.5Nb0.5O12", "window_reducible_cation", ("li",)),  # Nb5+ reduced at the metal
        ("LiBF4", "window_elemental_hull", ("li", "licoo2")),  # BF3 not tabulated: F2 on the hull
    ],
)
def test_a_reaction_the_screen_leaves_undefined_is_undefined_on_the_card(
    data_dir, formula, status, undefined
):
    """The card showed Nb-LLZO "no reaction" with Li metal (0 eV/atom) beside the window's
    ``window_reducible_cation``, where the screen's ``interface_anode_ev_per_atom`` is NaN."""
    values, statuses = objective_values(pack_compositions([formula]), ObjectivesConfig(), "Li")
    frame = pd.DataFrame({"candidate_id": ["x"], "formula": [formula], "cell_formula": [formula],
                          "status": ["ok"]})  # fmt: skip
    frame[list(OBJECTIVE_COLUMNS)] = values
    frame[WINDOW_STATUS_COLUMN] = statuses
    frame.attrs["params"] = {"filters.carrier": "Li", "objectives.cathode": "LiCoO2"}
    row = frame.iloc[0]
    assert row[WINDOW_STATUS_COLUMN] == status  # the premise
    electrodes = candidate_card(frame, "x", k=1, bvse=False, data_dir=data_dir).electrodes
    for label, column in (("li", "interface_anode_ev_per_atom"),
                          ("licoo2", "interface_cathode_ev_per_atom")):  # fmt: skip
        card_value = electrodes[f"interface_{label}_ev_per_atom"]
        assert np.isnan(card_value) == np.isnan(row[column]) == (label in undefined)
        if label in undefined:
            assert electrodes[f"interface_{label}_reaction"] == f"undefined: {status}"
            assert np.isnan(electrodes[f"interface_{label}_mixing_ratio"])
        else:
            assert card_value == pytest.approx(row[column], abs=1e-9)
    assert electrodes["interface_li_electrode_note"]  # the electrode's own enthalpy note stays
