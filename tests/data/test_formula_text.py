"""Batch formula texts (``data/formula_text.py``) against the per-row functions they replace."""

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import (
    FormulaError,
    format_formula,
    formula_units,
    parse_formula,
    reduce_formula_text,
)
from electroscreen.data.formula_text import formula_texts, packed_formula_units
from electroscreen.data.packed import pack_structures, packed_formulas
from electroscreen.screening.inputs import iter_batches, materialize, plan_inputs
from electroscreen.screening.synthetic import synthetic_formula_chunks

#: Rows the Numba path does not take or that a per-row detail decides: zero and vanishing
#: amounts, rounding at the fourth decimal, six significant digits, exponents, bad input.
EDGE_CASES = [
    "Li6PS5Cl", "Li0Cl", "Li0.00001Cl", "Li2.00004Cl2", "Li0.99996Cl", "H1.000049O", "",
    "   ", "Xx", "li3ps4", "Li((Cl", "Li-1Cl", "Li1e30Cl", "Li1e+06Cl", "Li\u2400Cl",
    "Li3PS4.2LiI", "CaSO4·2H2O", "LiCl·H2O", "Li4Cl4.2H2O", "D2O", "Li123.45678Cl",
    "Li12.345678Cl", "(LiCl)2", "Li20Ge2P4S24", "Li51.2La24Zr11.2Ta4.8O96", "Li0.5Cl0.5",
    "Li0.33333La0.55556TiO3", "LiClLi", "Ne2Li2", "2LiCl", "Li999999Cl", "Li0.000001Cl",
]  # fmt: skip


def _reference(value):
    """``format_formula(parse_formula(.))`` then ``reduce_formula_text`` of that text, per row."""
    text = value if isinstance(value, str) else ""
    try:
        cell = format_formula(parse_formula(text))
    except FormulaError as exc:
        return text, "", exc.reason, str(exc)
    return cell, reduce_formula_text(cell), "ok", ""


@pytest.fixture(scope="module")
def formulas(obelix_table):
    base = obelix_table["formula"].tolist()
    synthetic = next(synthetic_formula_chunks(base, 5000, seed=3))["formula"].tolist()
    return [*obelix_table["formula"].tolist(), *synthetic, *EDGE_CASES, None, np.nan, 3.5]


def test_formula_texts_equal_the_per_row_functions(formulas):
    cell, reduced, status, error = formula_texts(formulas)
    expected = [_reference(f) for f in formulas]
    assert list(zip(cell, reduced, status, error, strict=True)) == expected
    assert {"ok", "unknown_element", "empty_formula", "bad_amount"} <= set(status)


def test_formula_units_kernel_equals_the_reference(formulas):
    amounts = []
    for f in formulas:
        try:
            amounts.append(parse_formula(f))
        except (FormulaError, TypeError):
            continue
    cells = [{el: n * k for el, n in a.items()} for a in amounts[:2000] for k in (2, 8)]
    rows = amounts + cells + [{"Li": 0.5, "Cl": 0.5}, {"Li": 51.2, "La": 24, "O": 96}]
    packed = pack_compositions(rows)
    assert (packed.status == "ok").all()
    expected = [formula_units(a) for a in rows]
    assert packed_formula_units(packed).tolist() == expected
    assert max(expected) > 1  # the divisor search ran, not only the fast exits


def test_packed_formulas_equal_format_formula(obelix_structures):
    structures = obelix_structures["structure"].tolist()[:60]
    packed = pack_structures(structures)
    contents = [
        sorted(s.composition.element_composition.items(), key=lambda kv: kv[0].Z)
        for s in structures
    ]
    expected = [format_formula({el.symbol: n for el, n in content}) for content in contents]
    assert packed_formulas(packed) == expected


def test_formula_table_rows_equal_the_record_reader(tmp_path, formulas):
    """A formula table's rows, built column by column, equal those of the row-by-row record reader
    (the path a table with a CIF column takes) on the same chunk."""
    from electroscreen.screening import inputs

    n = len(formulas)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "composition": [f if isinstance(f, str) else None for f in formulas],
            "note": [f"n{i}" for i in range(n)],
            "score": np.arange(n) * 1.5,
            "status": "from the file",  # a column named like ours: ours wins
        }
    )
    path = tmp_path / "pool.parquet"
    frame.to_parquet(path)
    for batch in iter_batches(plan_inputs([path]), 700):
        fast = materialize(batch)[0]
        slow = inputs._record_rows(batch, max_sites=5000)[0]
        pd.testing.assert_frame_equal(fast, slow)


def test_integral_compositions_reduce_as_pymatgen_does(formulas):
    """On integral amounts the formula-unit count is pymatgen's reduction factor (the gcd), and the
    reduced text is pymatgen's reduced composition, whatever the element order; the kernel agrees."""
    from pymatgen.core import Composition

    rng = np.random.default_rng(0)
    integral = []
    for f in formulas:
        try:
            a = parse_formula(f)
        except (FormulaError, TypeError):
            continue
        if all(float(n).is_integer() for n in a.values()):
            integral.append(a)
    symbols = ("Li", "P", "S", "Cl")
    integral += [dict(zip(symbols, map(float, rng.integers(1, 60, 4)), strict=True))
                 for _ in range(500)]  # fmt: skip
    integral += [{el: n * k for el, n in a.items()} for a in integral[:300] for k in (2, 6, 24)]
    assert len(integral) > 1500
    packed = pack_compositions(integral)
    kernel = packed_formula_units(packed).tolist()
    molecules = 0
    for amounts, f in zip(integral, kernel, strict=True):
        reference, factor = Composition(amounts).get_reduced_composition_and_factor()
        if not float(factor).is_integer():  # pymatgen writes Cl as Cl2, Li2O2 as LiO: molecules
            molecules += 1
            continue
        assert formula_units(amounts) == f == factor, amounts
        assert Composition(reduce_formula_text(format_formula(amounts))) == reference
    assert molecules < 10
