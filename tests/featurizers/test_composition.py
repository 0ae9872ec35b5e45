"""ElementPropertyStats against matminer's magpie ElementProperty on OBELiX and random formulas."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matminer.featurizers.composition import ElementProperty
from pymatgen.core import Composition
from sklearn.base import clone

from electroscreen.data import pack_compositions
from electroscreen.data.compositions import _pack_items
from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.featurizers.composition.magpie import (
    ElementPropertyStats,
    magpie_stats_kernel,
    magpie_stats_serial,
)


def _matminer(formulas: list[str], impute_nan: bool) -> tuple[np.ndarray, list[str]]:
    reference = ElementProperty.from_preset("magpie", impute_nan=impute_nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [reference.featurize(Composition(f)) for f in formulas]
    return np.asarray(rows, dtype=float), reference.feature_labels()


def _assert_matches(ours: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    scale = np.maximum(1.0, np.abs(np.nan_to_num(expected)))
    diff = np.abs(np.nan_to_num(ours) - np.nan_to_num(expected)) / scale
    assert diff.max() <= 1e-6


@pytest.fixture(scope="module")
def obelix_formulas(obelix_table) -> list[str]:
    formulas = obelix_table["true_composition"].tolist()
    assert len(formulas) == 599
    return formulas


@pytest.mark.parametrize("impute_nan", [False, True])
def test_equals_matminer_magpie_on_all_obelix(obelix_formulas, impute_nan):
    expected, labels = _matminer(obelix_formulas, impute_nan)
    featurizer = ElementPropertyStats(impute_nan=impute_nan)
    values, status = featurizer.transform_with_status(obelix_formulas)
    assert values.shape == (599, 132)
    assert featurizer.get_feature_names_out().tolist() == labels
    _assert_matches(values, expected)
    assert (status == "ok").all()


def _random_formulas(n: int, seed: int) -> list[str]:
    """Formulas over Z = 1..103 (including elements with missing Magpie data) with tied amounts."""
    rng = np.random.default_rng(seed)
    formulas = []
    for _ in range(n):
        k = int(rng.integers(1, 6))
        zs = rng.choice(np.arange(1, 104), size=k, replace=False)
        amounts = rng.choice([1, 2, 3, 0.5, 1.25, 7.1, 12], size=k)
        formulas.append(
            "".join(f"{ELEMENT_SYMBOLS[z]}{a}" for z, a in zip(zs, amounts, strict=True))
        )
    return formulas


@pytest.mark.parametrize("impute_nan", [False, True])
def test_equals_matminer_on_random_formulas_with_missing_data_and_ties(impute_nan):
    formulas = _random_formulas(300, seed=7)
    expected, _ = _matminer(formulas, impute_nan)
    values, status = ElementPropertyStats(impute_nan=impute_nan).transform_with_status(formulas)
    _assert_matches(values, expected)
    has_nan = np.isnan(values).any(axis=1)
    if impute_nan:
        assert not has_nan.any() and (status == "ok").all()
    else:
        assert has_nan.sum() > 10  # the pool does exercise elements without data
        np.testing.assert_array_equal(status == "missing_element_data", has_nan)


def test_kernel_equals_its_python_version():
    packed = pack_compositions(_random_formulas(40, seed=3) + ["NaCl", "Li7La3Zr2O12"])
    featurizer = ElementPropertyStats()
    table, codes = featurizer._table_and_codes()
    args = (packed.offsets, packed.z, packed.amount, table, codes)
    expected = magpie_stats_kernel.py_func(*args)
    np.testing.assert_array_equal(magpie_stats_kernel(*args), expected)
    np.testing.assert_array_equal(magpie_stats_serial(*args), expected)


def test_input_kinds_agree_and_bad_rows_are_nan_with_status():
    formulas = ["Li7La3Zr2O12", "Li6PS5Cl", "Li3YCl6"]
    featurizer = ElementPropertyStats()
    reference = featurizer.transform(formulas)
    np.testing.assert_array_equal(
        featurizer.transform([Composition(f) for f in formulas]), reference
    )
    np.testing.assert_array_equal(featurizer.transform(pd.Series(formulas)), reference)
    table = pd.DataFrame(
        {"formula": formulas + ["Li2Qq", "Li3PS4"], "status": ["ok"] * 4 + ["read_error"]}
    )
    values, status = featurizer.transform_with_status(table)
    np.testing.assert_array_equal(values[:3], reference)
    assert status.tolist() == ["ok", "ok", "ok", "unknown_element", "read_error"]
    assert np.isnan(values[3:]).all()


def test_sklearn_contract_and_subsets():
    featurizer = ElementPropertyStats(
        properties=("Electronegativity", "Row"), stats=("mean", "mode")
    )
    copy = clone(featurizer)
    assert copy.get_params() == featurizer.get_params()
    assert copy.fit(["LiCl"]) is copy and copy.n_features_out_ == 4
    values = copy.transform(["LiCl", "Li2O"])
    # LiCl: mean of 0.98 and 3.16; mode of equal amounts is the smaller value
    np.testing.assert_allclose(values[0], [(0.98 + 3.16) / 2, 0.98, 2.5, 2.0])
    np.testing.assert_allclose(values[1, 1], 0.98)  # Li is the most abundant in Li2O
    assert copy.get_feature_names_out()[1] == "MagpieData mode Electronegativity"
    units = ElementPropertyStats().feature_units()
    assert units["MagpieData mean GSvolume_pa"] == "Angstrom^3/atom" and len(units) == 132
    assert ElementPropertyStats().citations()
    with pytest.raises(ValueError, match="unknown statistics"):
        ElementPropertyStats(stats=("median",)).transform(["LiCl"])


EDGE_FORMULAS = [
    "Li.5Cl", "Li(PO4)3Li", "O2(PO4)3", "Li0Cl", "Co", "CO", "Li2 O", "Li[Al(OH)4]", "Li{Cl}2",
    "Li3(PO4)0", " LiCl", "Li1.0e5", "2LiCl", "CaSO4·2H2O", "Li2.", "Li(PO4", "Li]", "", "Xx2",
    "Li1234567890123456", "Li0.1234567890123", "LiDT", "Li(Cl]", "((Li))2.5", "Li2.5.3", "Li0",
    "Li6.4La3Zr1.4Ta0.6O12", "é", "Li7La3Zr2O12",
]  # fmt: skip


def _assert_same_packing(formulas: list[str]) -> None:
    fast, slow = pack_compositions(formulas), _pack_items(formulas)  # tokenizer vs parse_formula
    for field in ("offsets", "z", "amount", "status", "error"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field), err_msg=field)
    assert fast.z.dtype == slow.z.dtype and fast.offsets.dtype == slow.offsets.dtype


def test_fast_packing_equals_pack_compositions(obelix_table):
    _assert_same_packing(EDGE_FORMULAS)
    _assert_same_packing(obelix_table["true_composition"].tolist())
    _assert_same_packing(obelix_table["formula"].tolist())
    _assert_same_packing(_random_formulas(500, seed=11))
    _assert_same_packing([])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Li", "O", "Co", "C", "D", "Xx", "e", "(", ")", "[", "]", "{", "}", "2"]
            + ["0", "1.5", ".25", ".", " ", "·", "12345678901234567"]
        ),
        max_size=12,
    ).map("".join)
)
def test_fast_packing_equals_pack_compositions_on_random_strings(text):
    _assert_same_packing([text, "LiCl", text + "O2"])
