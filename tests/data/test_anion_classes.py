"""The anion class of a composition, against the classes chemists give these electrolytes."""

from __future__ import annotations

import numpy as np

from electroscreen.data.anion_classes import ANION_CLASSES, anion_classes
from electroscreen.data.compositions import pack_compositions


def _classes(formulas: list[str]) -> list[str]:
    return [ANION_CLASSES[c] for c in anion_classes(pack_compositions(formulas))]


def test_named_electrolytes_get_their_textbook_class():
    assert _classes(["Li10GeP2S12", "Li7P3S11", "Na3SbSe4", "Li3PO3S"]) == ["chalcogenide"] * 4
    assert _classes(["Li3YCl6", "Li3InBr6", "Li2ZrF6", "Li3OCl", "LiI"]) == ["halide"] * 5
    assert _classes(["Li7La3Zr2O12", "Li1.3Al0.3Ti1.7(PO4)3", "Li3BO3"]) == ["oxide"] * 3
    assert _classes(["Li3N", "LiBH4", "Li2B12H12"]) == ["other"] * 3


def test_mixed_anions_take_the_first_class_of_the_rule():
    # an argyrodite holds S and Cl: chalcogenide; an oxysulfide glass: chalcogenide; LiPON-like
    # oxynitride: oxide; an oxyhalide: halide
    assert _classes(["Li6PS5Cl", "Li3PO2S2", "Li2.9PO3.3N0.46", "Li3OBr"]) == [
        "chalcogenide",
        "chalcogenide",
        "oxide",
        "halide",
    ]


def test_rows_that_do_not_parse_are_other_and_leave_their_neighbours_alone():
    packed = pack_compositions(["Li3PS4", "not a formula", "Li3InCl6"])
    assert [ANION_CLASSES[c] for c in anion_classes(packed)] == ["chalcogenide", "other", "halide"]
    alone = [anion_classes(pack_compositions([f]))[0] for f in ["Li3PS4", "Li3InCl6"]]
    assert alone == [0, 1]


def test_every_obelix_row_gets_a_class_and_oxides_are_the_most(obelix_table):
    table = obelix_table
    codes = anion_classes(pack_compositions(table["formula"].astype(str).tolist()))
    counts = np.bincount(codes, minlength=len(ANION_CLASSES))
    assert counts.sum() == len(table)
    assert counts[2] == counts.max() and counts[0] > 100 and counts[1] > 20
