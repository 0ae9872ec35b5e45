"""featurize_table and ``electroscreen featurize``: every input row out, with its statuses."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pymatgen.io.cif import CifWriter
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.data import read_candidates
from electroscreen.featurizers.bvse.barriers import BVSE
from electroscreen.featurizers.composition.magpie import ElementPropertyStats
from electroscreen.featurizers.registry import featurize_table
from electroscreen.featurizers.structure.descriptors import StructureDescriptors

#: Li3N, Li3ClO (ordered), Li6PS5Cl argyrodite (disordered), LiAlH4 (no Li-H BV parameters).
IDS = ("gvd", "4p7", "122", "883")


@pytest.fixture(scope="module")
def pool(tmp_path_factory, obelix_structures):
    """A folder with four OBELiX CIFs, an empty CIF and a formula table with one bad formula."""
    folder = tmp_path_factory.mktemp("pool")
    structures = obelix_structures.set_index("candidate_id")["structure"]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Site labels are not unique")
        for cid in IDS:
            CifWriter(structures[cid]).write_file(folder / f"{cid}.cif")
    (folder / "empty.cif").write_text("")
    (folder / "formulas.csv").write_text("formula\nLi3PS4\nLi2XyZ\n")
    return folder


def test_featurize_table_keeps_every_row_with_statuses(pool):
    table = read_candidates([pool])
    assert len(table) == 7
    frame = featurize_table(table, ["magpie", "structure", "bvse"])
    assert len(frame) == len(table) and "structure" not in frame
    pd.testing.assert_series_equal(frame["candidate_id"], table["candidate_id"])
    pd.testing.assert_series_equal(frame["status"], table["status"])

    by_source = frame.set_index(frame["source"].str.extract(r"([^/]+)$")[0])
    rows = {
        "gvd.cif": ("ok", "ok", "ok"),
        "122.cif": ("ok", "ok", "ok"),
        "883.cif": ("ok", "ok", "no_bv_parameters"),
    }
    for source, expected in rows.items():
        got = by_source.loc[source, ["status_magpie", "status_structure", "status_bvse"]]
        assert tuple(got) == expected, source
    assert by_source.loc["883.cif", "featurize_status"] == "bvse:no_bv_parameters"
    assert by_source.loc["gvd.cif", "featurize_status"] == "ok"
    empty = by_source.loc["empty.cif"]
    assert empty["status"] == empty["status_magpie"] == empty["status_bvse"] != "ok"
    formula_rows = frame[frame["source"].str.contains("formulas.csv")]
    assert formula_rows["status_structure"].tolist() == ["no_structure", "unknown_element"]
    assert formula_rows["status_magpie"].tolist() == ["ok", "unknown_element"]

    # the same numbers as the featurizers run on their own
    for featurizer in (ElementPropertyStats(), StructureDescriptors(), BVSE()):
        columns = list(featurizer.get_feature_names_out())
        np.testing.assert_array_equal(frame[columns].to_numpy(), featurizer.transform(table))
    ok = frame["featurize_status"] == "ok"
    assert ok.sum() == 3 and np.isfinite(frame.loc[ok, "bvse_barrier_3d"]).all()


def test_name_clashes_unknown_and_repeated_names(pool):
    table = read_candidates([pool / "formulas.csv"])
    feature = str(ElementPropertyStats().get_feature_names_out()[0])
    table[feature] = 1.0  # an input column with a feature's name
    frame = featurize_table(table, ["magpie"])
    assert (frame[feature] == 1.0).all() and f"magpie__{feature}" in frame
    with pytest.raises(ValueError, match="unknown featurizer"):
        featurize_table(table, ["magpie", "nope"])
    with pytest.raises(ValueError, match="repeat"):
        featurize_table(table, ["magpie", "magpie"])


def test_cli_featurize_writes_every_row(pool, tmp_path):
    out = tmp_path / "features.parquet"
    args = [
        "featurize",
        str(pool),
        "--featurizers",
        "electrolyte,structure,bvse",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "7 rows" in result.output and "no_bv_parameters" in result.output
    frame = pd.read_parquet(out)
    assert len(frame) == 7
    assert {"featurize_status", "status_electrolyte", "status_structure", "status_bvse"} <= set(
        frame
    )
    names = ("electrolyte", "structure", "bvse")
    for row in frame.itertuples():
        expected = [f"{n}:{getattr(row, f'status_{n}')}" for n in names]
        expected = ",".join(e for e in expected if not e.endswith(":ok")) or "ok"
        assert row.featurize_status == expected
    # Li3N and Li3ClO have no framework cation: ElectrolyteComposition says so; the argyrodite is ok
    argyrodite = frame["source"].str.endswith("122.cif")
    assert frame.loc[argyrodite, "featurize_status"].tolist() == ["ok"]
    assert (frame["status_structure"] == "ok").sum() == 4

    csv = tmp_path / "features.csv"
    bad = CliRunner().invoke(
        app, ["featurize", str(pool), "--featurizers", "nope", "--out", str(csv)]
    )
    assert bad.exit_code != 0 and not csv.exists()


def test_cli_featurize_checks_its_options_before_reading_any_input(tmp_path, monkeypatch):
    """A misspelt featurizer printed a traceback after every input was read; ``--out x.txt``
    got Parquet bytes under a text name."""
    import electroscreen.data.readers as readers

    def never(*args, **kwargs):
        raise AssertionError("inputs read before the options were checked")

    monkeypatch.setattr(readers, "read_candidates", never)
    table = tmp_path / "formulas.csv"
    table.write_text("formula\nLi3PS4\n")
    runs = {
        "misspelt": ["--featurizers", "magpie,elemnt_fractions", "--out", "f.parquet"],
        "text out": ["--featurizers", "magpie", "--out", "f.txt"],
        "none": ["--featurizers", " , ", "--out", "f.csv"],
    }
    said = {}
    for name, options in runs.items():
        options = [str(tmp_path / o) if o.startswith("f.") else o for o in options]
        result = CliRunner().invoke(app, ["featurize", str(table), *options])
        assert result.exit_code == 2, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        said[name] = " ".join(result.output.split())
    assert said["misspelt"].startswith(
        "error: unknown featurizer 'elemnt_fractions' (did you mean 'element_fractions'?); "
        "choose from air_reactivity, bvse,"
    )
    assert said["text out"] == (
        f"error: --out {tmp_path / 'f.txt'}: a table is written to .csv, .parquet or .pq, "
        "not '.txt'"
    )
    assert said["none"] == "error: --featurizers names no featurizer"
    assert not list(tmp_path.glob("f.*"))


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".pq"])
def test_cli_featurize_writes_the_format_its_suffix_names(tmp_path, suffix):
    table = tmp_path / "formulas.csv"
    table.write_text("formula\nLi3PS4\n")
    out = tmp_path / "sub" / f"features{suffix}"
    args = ["featurize", str(table), "--featurizers", "magpie", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    is_parquet = out.read_bytes()[:4] == b"PAR1"
    assert is_parquet == (suffix != ".csv")
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert len(frame) == 1 and frame["status_magpie"].tolist() == ["ok"]


def test_cli_featurize_writes_formula_as_data_info_and_screen_do(pool, tmp_path):
    """featurize wrote the cell formula as read under ``formula`` (``Li6In2.03Cl12``) and no
    ``cell_formula``, so a join with screening results on ``formula`` missed rows."""
    features, info = tmp_path / "features.parquet", tmp_path / "info.parquet"
    args = ["featurize", str(pool), "--featurizers", "magpie", "--out", str(features)]
    assert CliRunner().invoke(app, args).exit_code == 0
    args = ["data", "info", str(pool), "--table", str(info)]
    assert CliRunner().invoke(app, args).exit_code == 0
    frame, rows = pd.read_parquet(features), pd.read_parquet(info)
    assert list(frame.columns[: len(rows.columns)]) == list(rows.columns)
    pd.testing.assert_frame_equal(frame[rows.columns], rows)
    read = read_candidates([pool])
    cells = frame["formula"] != frame["cell_formula"]
    assert cells.any()  # a cell of several formula units: reduced under formula, as screen writes
    # read_candidates writes both as they do (audit 2026-12-06 M2: its formula was the cell)
    pd.testing.assert_frame_equal(
        read[["formula", "cell_formula"]], rows[["formula", "cell_formula"]]
    )
    # the features are those of the content as read, as before
    columns = [str(c) for c in ElementPropertyStats().get_feature_names_out()]
    expected = featurize_table(read, ["magpie"])[columns]
    pd.testing.assert_frame_equal(frame[columns], expected)


def test_composition_featurizers_read_a_structure_as_its_composition():
    """A pymatgen Structure was an all-NaN ``bad_formula`` row, though ``transform`` is documented
    to accept Structures; it is read as its cell's composition (fractional where partially
    occupied) and gives the features of that formula."""
    from pymatgen.core import Composition, Lattice, Structure

    nacl = Structure(Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    partial = Structure(
        Lattice.cubic(5.0), [{"Li": 0.5}, "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )  # Li0.5Cl1
    featurizer = ElementPropertyStats()
    values, status = featurizer.transform_with_status(
        [nacl, Composition("NaCl"), "NaCl", partial, "Li0.5Cl"]
    )
    assert status.tolist() == ["ok"] * 5
    np.testing.assert_array_equal(values[0], values[2])
    np.testing.assert_array_equal(values[1], values[2])
    np.testing.assert_array_equal(values[3], values[4])
    assert not np.array_equal(values[3], values[0], equal_nan=True)


def test_featurize_table_needs_a_table_and_gives_formula_rows_no_structure():
    """A list was an AttributeError (``'list' object has no attribute 'drop'``); a formula-only
    table with a structure featurizer was a ValueError for the whole table. A list is a clear
    TypeError, and each formula row gets ``no_structure``, as ``screen`` gives it."""
    with pytest.raises(TypeError, match="expects a candidate table"):
        featurize_table(["Li3YCl6"], ["magpie"])
    out = featurize_table(pd.DataFrame({"formula": ["Li3YCl6", "LiCl"]}), ["magpie", "structure"])
    assert out["status_magpie"].tolist() == ["ok", "ok"]
    assert out["status_structure"].tolist() == ["no_structure", "no_structure"]
    assert out["featurize_status"].tolist() == ["structure:no_structure"] * 2
    names = StructureDescriptors().get_feature_names_out()
    assert out[names].isna().all().all() and out["MagpieData mean Number"].notna().all()
