"""Batch formula texts (``data/formula_text.py``) against the per-row functions they replace."""

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import (
    FormulaError,
    amount_text,
    format_formula,
    parse_formula,
    written_amounts,
)
from electroscreen.data.formula_reduction import (
    WRITTEN_DECIMALS,
    formula_units,
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


def test_formulas_as_written_reduce_only_when_integral_as_pymatgen_does(formulas):
    """A formula as a user wrote it is one formula unit: reduced by the gcd when its amounts are
    integers, kept as written otherwise (pymatgen's rule), not divided into fewer decimals."""
    from pymatgen.core import Composition

    cell, reduced, status, _ = formula_texts(formulas, WRITTEN_DECIMALS)
    per_row = [
        reduce_formula_text(c, WRITTEN_DECIMALS) if s == "ok" else ""
        for c, s in zip(cell, status, strict=True)
    ]
    assert reduced == per_row  # the Numba path and the per-row function agree
    compared = 0
    for c, r, s in zip(cell, reduced, status, strict=True):
        if s != "ok" or not r:
            continue
        reference, factor = Composition(c).get_reduced_composition_and_factor()
        if not float(factor).is_integer():  # pymatgen's molecules (Cl2, Li2O2 -> LiO2)
            continue
        assert Composition(r) == reference, c
        compared += 1
    assert compared > 4000
    kato = "Li9.54Si1.74P1.44S11.7Cl0.3"
    assert formula_texts([kato], WRITTEN_DECIMALS)[1] == [kato]  # not Li3.18Si0.58P0.48S3.9Cl0.1
    assert formula_texts([kato])[1] == [
        "Li3.18Si0.58P0.48S3.9Cl0.1"
    ]  # a cell's content: fewest digits
    assert formula_texts(["Li20Ge2P4S24", "Li12.8La6Zr2.8Ta1.2O24"], WRITTEN_DECIMALS)[1] == [
        "Li10GeP2S12",
        "Li12.8La6Zr2.8Ta1.2O24",
    ]


def test_data_info_table_writes_the_formula_screen_writes(obelix_structures, tmp_path):
    """``data info --table`` (:func:`~electroscreen.screening.inputs.candidate_rows`) and a
    screening batch give every row the same ``formula`` and ``cell_formula``: written formulas,
    and structures written to CIF files."""
    from electroscreen.data import read_candidates
    from electroscreen.screening.inputs import candidate_rows

    pd.DataFrame({"id": ["kato", "lgps", "borane"],
                  "formula": ["Li9.54Si1.74P1.44S11.7Cl0.3", "Li20Ge2P4S24", "Li2B12H12"]}
                 ).to_csv(tmp_path / "formulas.csv", index=False)  # fmt: skip
    for cid, structure in (
        obelix_structures[["candidate_id", "structure"]].head(12).itertuples(index=False)
    ):
        structure.to(filename=str(tmp_path / f"{cid}.cif"))
    info = candidate_rows(read_candidates([tmp_path], max_sites=5000))
    screened = pd.concat(
        [materialize(b)[0] for b in iter_batches(plan_inputs([tmp_path]), 5)], ignore_index=True
    )
    columns = ["candidate_id", "formula", "cell_formula", "status"]
    by_id = info[columns].sort_values("candidate_id", ignore_index=True)
    pd.testing.assert_frame_equal(
        by_id, screened[columns].sort_values("candidate_id", ignore_index=True)
    )
    written = dict(zip(info["candidate_id"], info["formula"], strict=True))
    assert written["kato"] == "Li9.54Si1.74P1.44S11.7Cl0.3"
    assert written["lgps"] == "Li10GeP2S12"
    assert len(info) == 15


def test_a_formula_that_cannot_be_read_stays_as_read_and_others_are_reduced(tmp_path):
    """The ``formula`` of a rejected row is its reduced formula when the text parses (an overlap:
    ``Li4OCl`` from the cell's ``Li4Cl1O1``); when it does not (an ``Xx`` site of a CIF, ``LiXx2``
    or ``Li-1Cl`` in a table) it is the text as read, the same as ``cell_formula`` (docs/results-columns.md)."""
    from electroscreen.data import read_candidates
    from electroscreen.screening.inputs import candidate_rows
    from tests.data.test_readers import GOOD_CIF_BLOCK

    head = GOOD_CIF_BLOCK.format(name="x").split("  Li1  Li")[0]
    sites = "Li1 Li 0 0 0 1\nLi2 Li 0.5 0.5 0 1\nLi3 Li 0.5 0 0.5 1\nCl1 Cl 0.5 0.5 0.5 1\n"
    (tmp_path / "xx.cif").write_text(head + sites + "Xx1 Xx 0.25 0.25 0.25 1\nO1 O 0 0.5 0.5 1\n")
    (tmp_path / "overlap.cif").write_text(
        head + sites + "Li4 Li 0.02 0.5 0.5 1\nO1 O 0 0.5 0.5 1\n"
    )
    pd.DataFrame({"id": ["t_xx", "bad", "li2o"], "formula": ["LiXx2", "Li-1Cl", "Li4O2"]}).to_csv(
        tmp_path / "t.csv", index=False
    )
    info = candidate_rows(read_candidates([tmp_path])).set_index("candidate_id")
    assert info["status"].to_dict() == {
        "overlap": "overlapping_atoms", "t_xx": "unknown_element", "bad": "bad_formula",
        "li2o": "ok", "xx": "unknown_element",
    }  # fmt: skip
    rows = info.loc[["overlap", "li2o"], "formula"].tolist()
    assert rows == ["Li4OCl", "Li2O"]
    unread = info[info["status"].isin(["unknown_element", "bad_formula"])]
    assert len(unread) == 3
    assert (unread["formula"] == unread["cell_formula"]).all()
    assert set(unread["formula"]) == {"Xx1Li3Cl1O1", "LiXx2", "Li-1Cl"}


CARBORANES = {  # as written in any order -> as the literature writes the salt
    "LiB11H12C": "LiCB11H12",
    "LiCB9H10": "LiCB9H10",
    "Na2C2B22H24": "NaCB11H12",
    "Li2CB11H12Cl": "Li2CB11H12Cl",
    "Li2C2B10H10": "Li2C2B10H10",
}
#: Formulas with carbon that are no carborane: written by electronegativity, as before.
NOT_CARBORANES = {"LiC6": "LiC6", "CO3Li2": "Li2CO3", "LiBH4": "LiBH4", "Li2B12H12": "Li2B12H12",
                  "LiB3H12C": "LiB3H12C", "LiC3B9H10": "LiB9H10C3"}  # fmt: skip


@pytest.mark.parametrize("decimals", [WRITTEN_DECIMALS, 2])
def test_a_carborane_is_written_carbon_first_as_chemists_write_it(decimals, tmp_path):
    """``LiCB11H12`` was written ``LiB11H12C`` (carbon by its electronegativity, after H): no paper
    writes the carba-closo anions so. A carborane's carbon now comes before its boron, in the
    batch writer and the per-row one alike; other formulas keep their order."""
    given = {**CARBORANES, **NOT_CARBORANES}
    _, reduced, status, _ = formula_texts(list(given), decimals)
    assert status == ["ok"] * len(given)
    assert reduced == [reduce_formula_text(f, decimals) for f in given] == list(given.values())
    # screen writes a table row's formula so
    path = tmp_path / "salts.csv"
    pd.DataFrame({"formula": list(CARBORANES)}).to_csv(path, index=False)
    table = materialize(next(iter_batches(plan_inputs([path]), 100)))[0]
    assert table["formula"].tolist() == list(CARBORANES.values())


def test_written_amounts_equal_amount_text_of_each_amount():
    """The amounts found distinct by hash (``pd.factorize``) are written as :func:`amount_text`
    writes each one; equal amounts (``0.0``, ``-0.0``; NaNs) share a text either way."""
    rng = np.random.default_rng(0)
    drawn = zip(rng.uniform(0, 12, 3000), rng.integers(0, 6, 3000), strict=True)
    amounts = np.concatenate(
        [
            [round(a, int(d)) for a, d in drawn],
            [0.0, -0.0, 1.0, 1.00004, 0.99996, 1e-6, 2.5e-7, 1e9, 0.00005, 0.00015, 12.00005],
            [np.nan, np.inf, -np.inf, -1.5, 3.0, 3.0, 0.1 + 0.2, 0.3],
        ]
    )
    for given in (amounts, amounts[:0], amounts[:1], amounts.astype(np.float32)):
        texts, values = written_amounts(given)
        expected = [amount_text(a) for a in np.asarray(given).tolist()]
        assert texts.dtype == object and texts.tolist() == expected
        read = np.array([float(t) if t else 1.0 for t in expected])
        np.testing.assert_array_equal(values, read)
        assert values.dtype == np.float64 and values.shape == (len(given),)
