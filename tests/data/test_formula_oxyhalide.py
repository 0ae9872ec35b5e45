"""An oxyhalide's oxygen is written before its Cl, Br or I, as the literature writes it.

A user audit (finding F7) found ``formula`` writing ``LiNbCl4O``, ``Li3ClO``, ``Li3S0.05ClO0.95``
(elements by electronegativity: O follows Cl, Br and I) where papers write ``LiNbOCl4``, the
antiperovskite ``Li3OCl``, ``NbOCl3``, ``BiOCl``. The batch writer (``formula_texts``) and the
per-row one (``reduce_formula_text``, ``reduced_formula``) now write O just before the first of
those halogens; F, N, S and every other element keep their place, and a halogen oxyanion salt
(``LiClO4``, ``LiIO3``) its electronegativity order.
"""

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.formula import parse_formula
from electroscreen.data.formula_reduction import (
    WRITTEN_DECIMALS,
    reduce_formula_text,
    reduced_formula,
)
from electroscreen.data.formula_text import formula_texts
from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs

#: As written (any order) -> as the literature writes the oxyhalide.
OXYHALIDES = {
    "LiNbCl4O": "LiNbOCl4",
    "LiTaCl4O": "LiTaOCl4",
    "Li3ClO": "Li3OCl",
    "Li3S0.05ClO0.95": "Li3S0.05O0.95Cl",
    "NbCl3O": "NbOCl3",
    "BiClO": "BiOCl",
    "Li3BrO": "Li3OBr",
    "Li3Br0.5Cl0.5O": "Li3OBr0.5Cl0.5",  # before the first halogen in writing order
    "Li3I0.125Cl0.875O": "Li3OI0.125Cl0.875",
    "Li3Cl0.9OF0.1": "Li3OCl0.9F0.1",  # F stays last
    "Li6PS4ClO": "Li6PS4OCl",
    "Li6PClO5": "Li6PO5Cl",  # oxide argyrodite: P holds the oxygen
    "Li4B7ClO12": "Li4B7O12Cl",  # boracite
    "Li2HClO": "Li2OHCl",  # a hydroxide: H right after its O
}
#: Oxyfluorides, N and S beside O, halogen oxyanion salts: as before (electronegativity).
UNCHANGED = {
    "LiNbO2F": "LiNbO2F", "Li2PNO2": "Li2PNO2", "Li3PO3S": "Li3PSO3", "LiClO4": "LiClO4",
    "LiIO3": "LiIO3", "NaBrO3": "NaBrO3", "NH4ClO4": "H4NClO4", "Mg(ClO4)2": "MgCl2O8",
    "LiClO4·3H2O": "LiH6ClO7", "Li10GeP2S12": "Li10GeP2S12", "Li6PS5Cl": "Li6PS5Cl",
}  # fmt: skip
CARBORANES = {"LiB11H12C": "LiCB11H12", "Li2CB11H12Cl": "Li2CB11H12Cl", "LiCB9H10": "LiCB9H10"}


@pytest.mark.parametrize("decimals", [WRITTEN_DECIMALS, 2])
def test_an_oxyhalide_is_written_oxygen_before_its_halogen(decimals):
    _, batch, status, _ = formula_texts(list(OXYHALIDES), decimals)
    assert status == ["ok"] * len(OXYHALIDES)
    assert batch == list(OXYHALIDES.values())
    assert [reduce_formula_text(f, decimals) for f in OXYHALIDES] == list(OXYHALIDES.values())
    # a cell's content, per formula unit: Li3OCl's antiperovskite cell, LiNbOCl4 twice
    assert reduced_formula({"Cl": 1, "O": 1, "Li": 3}) == "Li3OCl"
    assert reduced_formula({"Li": 2, "Nb": 2, "Cl": 8, "O": 2}) == "LiNbOCl4"


@pytest.mark.parametrize("decimals", [WRITTEN_DECIMALS, 2])
def test_other_formulas_keep_their_order(decimals):
    _, batch, _, _ = formula_texts(list(UNCHANGED), decimals)
    assert (
        batch == [reduce_formula_text(f, decimals) for f in UNCHANGED] == list(UNCHANGED.values())
    )


def test_the_batch_and_the_per_row_writer_agree_whatever_the_rows_beside():
    """Mixed in one batch, in shuffled element order, the batch writes what the per-row writer
    writes, and each row what it writes alone: an oxyhalide beside a carborane or a perchlorate
    does not change how the other is written."""
    rng = np.random.default_rng(7)
    given = {**OXYHALIDES, **UNCHANGED, **CARBORANES, "LiCB11H12O0.1Cl0.2": "LiCB11H12O0.1Cl0.2"}
    shuffled = []
    for formula in given:
        amounts = list(parse_formula(formula).items())
        order = rng.permutation(len(amounts))
        shuffled.append("".join(f"{amounts[k][0]}{amounts[k][1]:g}" for k in order))
    for decimals in (WRITTEN_DECIMALS, 2):
        _, batch, status, _ = formula_texts(shuffled, decimals)
        assert status == ["ok"] * len(shuffled)
        assert batch == [reduce_formula_text(f, decimals) for f in shuffled]
        assert batch == [formula_texts([f], decimals)[1][0] for f in shuffled]
        for text, written in zip(batch, given.values(), strict=True):
            if written != "LiCB11H12O0.1Cl0.2":
                assert text == written
    # a carborane with an oxyhalide's O and Cl: both exceptions at once
    assert reduce_formula_text("LiB11H12CO0.1Cl0.2") == "LiCB11H12O0.1Cl0.2"


def test_only_a_halogen_names_where_oxygen_goes():
    """Per composition: the first of I, Br, Cl present in an oxyhalide (53, 35, 17), 0 for the
    rest; the batch's ranks put O there in every row of a packed batch."""
    from electroscreen.data.compositions import pack_compositions
    from electroscreen.data.formula_reduction import (
        OXYHALIDE_HALOGENS,
        composition_writing_ranks,
        oxyhalide_halogen,
    )

    assert OXYHALIDE_HALOGENS == ("I", "Br", "Cl")
    rows = ["Li3OCl", "Li3OBr0.5Cl0.5", "BiOI", "LiNbO2F", "LiClO4", "Li6PO5Cl", "Li2O", "LiCl"]
    amounts = [parse_formula(f) for f in rows]
    found = oxyhalide_halogen(
        [a.get("O", 0.0) for a in amounts],
        [[a.get(h, 0.0) for h in OXYHALIDE_HALOGENS] for a in amounts],
        [f == "Li6PO5Cl" for f in rows],
    )
    assert found.tolist() == [17, 35, 53, 0, 0, 17, 0, 0]
    packed = pack_compositions(rows)
    ranks = composition_writing_ranks(packed.z, packed.amount, packed.offsets)
    for i, halogen in enumerate(found.tolist()):
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        written = packed.z[lo:hi][np.argsort(ranks[lo:hi], kind="stable")].tolist()
        if halogen:
            assert written[written.index(8) + 1] == halogen, rows[i]


def test_screen_writes_an_oxyhalide_so(tmp_path):
    path = tmp_path / "oxyhalides.csv"
    pd.DataFrame({"formula": ["LiNbCl4O", "Li3ClO", "Li3S0.05ClO0.95", "LiClO4"]}).to_csv(
        path, index=False
    )
    table = materialize(next(iter_batches(plan_inputs([path]), 100)))[0]
    assert table["formula"].tolist() == ["LiNbOCl4", "Li3OCl", "Li3S0.05O0.95Cl", "LiClO4"]
