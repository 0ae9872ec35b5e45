"""``element_group_fractions``: summed atomic fractions of sets of similar elements, checked against a
plain-Python sum over parsed formulas (OBELiX's and the rare-earth halide series)."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.formula import ELEMENT_SYMBOLS, parse_formula
from electroscreen.experiments.train_config import load_train_config
from electroscreen.featurizers.composition.element_fractions import ElementFractions
from electroscreen.featurizers.composition.element_groups import (
    ELEMENT_GROUPS,
    ElementGroupFractions,
)
from electroscreen.featurizers.registry import featurizer_class

#: The halide audit's M3 series (twenty-eighth session): isostructural Li3MX6 of trivalent rare earths.
SERIES = [f"Li3{m}{x}6" for x in ("Cl", "Br") for m in ("Y", "Er", "Ho", "Dy", "Tb", "Tm", "Yb")]


def _reference(formula: str) -> list[float]:
    """Plain Python: the group's amounts over all amounts of the parsed formula."""
    amounts = parse_formula(formula)
    total = sum(amounts.values())
    return [
        sum(a for e, a in amounts.items() if e in elements) / total
        for elements, _ in ELEMENT_GROUPS.values()
    ]


def test_matches_a_plain_python_sum_on_real_formulas(obelix_table):
    formulas = list(obelix_table["formula"]) + SERIES
    got = ElementGroupFractions().transform(formulas)
    assert got.shape == (len(formulas), len(ELEMENT_GROUPS))
    expected = np.array([_reference(f) for f in formulas])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # every group is met by some OBELiX row, and the rows are not all in one group
    assert (got[: len(obelix_table)] > 0).any(axis=0).all()


def test_siblings_share_their_group_columns_where_element_fractions_differ():
    """Li3ErCl6 and Li3HoCl6 differ only in which rare earth; so do the bromides."""
    groups = ElementGroupFractions().transform(SERIES)
    fractions = ElementFractions().transform(SERIES)
    names = list(ElementGroupFractions().get_feature_names_out())
    chlorides, bromides = groups[:7], groups[7:]
    np.testing.assert_array_equal(chlorides, np.broadcast_to(chlorides[0], chlorides.shape))
    np.testing.assert_array_equal(chlorides, bromides)  # Cl and Br are both heavy halides
    assert not (fractions[1] == fractions[2]).all()  # Er and Ho: different element columns
    assert chlorides[0, names.index("gfrac_rare_earth")] == pytest.approx(0.1)
    assert chlorides[0, names.index("gfrac_heavy_halide")] == pytest.approx(0.6)


def test_sets_are_valid_disjoint_and_leave_the_carrier_apart():
    seen: list[str] = []
    for elements, why in ELEMENT_GROUPS.values():
        assert why and set(elements) <= set(ELEMENT_SYMBOLS[1:])
        seen += elements
    assert len(seen) == len(set(seen))
    assert not {"Li", "O", "F", "P", "N", "H"} & set(seen)
    assert len(ELEMENT_GROUPS["rare_earth"][0]) == 17  # Sc, Y, La..Lu


def test_bad_rows_get_a_status_and_leave_the_others_alone():
    rows = ["Li3YCl6", "Li2XyZ", "Li6PS5Cl", ""]
    values, status = ElementGroupFractions().transform_with_status(rows)
    assert list(status[[0, 2]]) == ["ok", "ok"] and "ok" not in set(status[[1, 3]])
    assert np.isnan(values[[1, 3]]).all()
    for i in (0, 2):
        np.testing.assert_array_equal(values[i], ElementGroupFractions().transform([rows[i]])[0])


def test_a_config_can_name_it(tmp_path, data_dir):
    assert featurizer_class("element_group_fractions") is ElementGroupFractions
    text = (
        "task: conductivity\nfeaturizers: [element_fractions, element_group_fractions]\n"
        "estimator: extra_trees\nregistered_model_name: x\n"
    )
    (tmp_path / "c.yaml").write_text(text)
    config = load_train_config(tmp_path / "c.yaml")
    assert config.featurizers == ["element_fractions", "element_group_fractions"]
