"""A screening batch is parsed and packed once: the shared packed input gives the same predictions as
each model parsing the rows itself (formulas; structures from a packed pool or from files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.packed import pack_structures
from electroscreen.data.readers import structure_from_text
from electroscreen.screening.batch import PREDICTION_COLUMNS, process_batch
from electroscreen.screening.filters import apply_filters
from electroscreen.screening.inputs import Batch, materialize
from electroscreen.screening.plausibility import apply_bond_valence
from electroscreen.screening.screen_config import FilterConfig, load_screening_config
from tests.tiny_models import train_tiny


@pytest.fixture(scope="module")
def models(tmp_path_factory, data_dir, model_store):
    """A tiny structure-reading conductivity model and the session's composition air-stability
    model (``model_store``: the same tiny config this fixture trained again before)."""
    from electroscreen.experiments.pyfunc import load_predictor

    uri = f"sqlite:///{tmp_path_factory.mktemp('packing') / 'mlflow.db'}"
    conductivity = train_tiny(
        "conductivity", ["magpie", "structure"], uri, data_dir, experiment="packing",
        structures=True, evaluation={"schemes": [], "cv_folds": 2},
    )  # fmt: skip
    stability = load_predictor(model_store.stability, model_store.uri)
    return load_predictor(conductivity, uri), stability


@pytest.fixture(scope="module")
def structures(data_dir):
    from electroscreen.data.obelix import load_obelix_structures

    cifs = load_obelix_structures(data_dir)
    return [structure_from_text(cifs[name], "cif")[0] for name in sorted(cifs)[:12]]


def _reference(table: pd.DataFrame, structures: list, conductivity, stability) -> pd.DataFrame:
    """Each model on its own: formulas parsed and structures packed inside ``predict_frame``."""
    rows = np.flatnonzero(table["status"].to_numpy() == "ok")
    frame = pd.DataFrame({"formula": table["cell_formula"].to_numpy()[rows]})
    frame["structure"] = [structures[r] for r in rows]
    out = pd.DataFrame(np.nan, index=table.index, columns=list(PREDICTION_COLUMNS))
    for model in (conductivity, stability):
        predicted = model.predict_frame(frame)
        columns = [c for c in PREDICTION_COLUMNS if c in predicted]
        out.loc[rows, columns] = predicted[columns].to_numpy(dtype=np.float64)
    return out


def test_packed_pool_predictions_equal_the_per_model_path(models, structures, tmp_path):
    conductivity, stability = models
    packed = pack_structures(structures)
    batch = Batch(0, "packed", tmp_path / "pool.npz", 0, packed=packed)
    filters = load_screening_config().filters
    got = process_batch(batch, filters, conductivity, stability)
    table, structures = materialize(batch)
    assert structures.packed is packed and (structures.positions == np.arange(len(packed))).all()
    table = apply_bond_valence(apply_filters(table, filters), packed, filters)
    assert (got["status"] == table["status"]).all() and (table["status"] == "ok").sum() >= 3
    rebuilt = [packed.to_structure(i) for i in range(len(packed))]  # the old round trip
    expected = _reference(table, rebuilt, conductivity, stability)
    columns = [c for c in PREDICTION_COLUMNS if expected[c].notna().any()]
    assert "pred_log10_sigma" in columns
    # predict_frame reads a row's structure as a file reader writes its cell (pymatgen's formula,
    # 8 significant digits); the packed pool's cell text is written from the packed amounts: the
    # same composition to ~1e-8, so a composition feature may differ there (novelty by 1.4e-7)
    np.testing.assert_allclose(
        got[columns].to_numpy(), expected[columns].to_numpy(), rtol=1e-6, atol=1e-9
    )


def test_file_batch_packs_its_structures_once(models, structures, tmp_path):
    conductivity, stability = models
    folder = tmp_path / "cifs"
    folder.mkdir()
    for k, s in enumerate(structures[:5]):
        s.to(filename=str(folder / f"s{k}.cif"))
    (folder / "broken.cif").write_text("data_x\n_cell_length_a nonsense\n")
    files = sorted(folder.iterdir())
    batch = Batch(0, "files", folder, 0, files=files)
    filters = FilterConfig(require_charge_balance=False)
    got = process_batch(batch, filters, conductivity, stability)
    table, _ = materialize(batch)
    table = apply_bond_valence(apply_filters(table, filters), None, filters)
    expected = _reference(table, list(table["structure"]), conductivity, stability)
    assert len(got) == len(files) and (got["status"] != "ok").sum() >= 1  # the broken file
    np.testing.assert_array_equal(got["pred_log10_sigma"], expected["pred_log10_sigma"])
    np.testing.assert_array_equal(got["p_air_stable"], expected["p_air_stable"])


def test_filters_take_the_shared_packing_or_pack_themselves():
    table = pd.DataFrame(
        {
            "formula": ["Li3PS4", "NaCl", "LiXx2"],
            "status": "ok",
            "error": "",
        }
    )
    config = FilterConfig()
    alone = apply_filters(table, config)
    shared = apply_filters(table, config, compositions=pack_compositions(table["formula"].tolist()))
    pd.testing.assert_frame_equal(alone, shared)
    with pytest.raises(ValueError, match="rows"):
        apply_filters(table, config, compositions=pack_compositions(["Li3PS4"]))


def test_a_file_batch_is_packed_once_for_the_filter_and_both_models(
    models, structures, tmp_path, monkeypatch
):
    from electroscreen.screening import inputs

    conductivity, stability = models
    folder = tmp_path / "cifs"
    folder.mkdir()
    for k, s in enumerate(structures[:4]):
        s.to(filename=str(folder / f"s{k}.cif"))
    calls = []
    real = inputs.pack_structures
    monkeypatch.setattr(inputs, "pack_structures", lambda items: calls.append(1) or real(items))
    batch = Batch(0, "files", folder, 0, files=sorted(folder.iterdir()))
    got = process_batch(batch, FilterConfig(require_charge_balance=False), conductivity, stability)
    assert got["gii"].notna().sum() >= 1 and got["pred_log10_sigma"].notna().sum() >= 1
    assert len(calls) == 1


def test_a_tables_cif_column_is_screened_as_the_same_cif_files(models, structures, tmp_path):
    """A CIF in a table's ``cif`` column is the structure its row screens: the same ``gii``,
    bond-valence filter, formula and structure-model prediction as that CIF given as a file (the
    column's structures were dropped: no GII, so an implausible one ranked first)."""
    from pymatgen.core import Structure

    conductivity, stability = models
    folder = tmp_path / "cifs"
    folder.mkdir()
    implausible = Structure.from_dict(structures[0].as_dict())
    implausible.replace_species({"Li": "Na"})  # Na on Li sites: still ok for the tiny models
    chosen = [*structures[:4], implausible]
    texts = [s.to(fmt="cif") for s in chosen]
    for k, text in enumerate(texts):
        (folder / f"s{k}.cif").write_text(text)
    filters = FilterConfig(require_charge_balance=False, carrier="", max_gii=0.86)
    files = Batch(0, "files", folder, 0, files=sorted(folder.iterdir()))
    frame = pd.DataFrame({"id": [f"s{k}" for k in range(len(texts))], "cif": texts})
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    table = Batch(0, "table", path, 0, frame=pd.read_csv(path))
    a = process_batch(files, filters, conductivity, stability)
    b = process_batch(table, filters, conductivity, stability)
    assert a["gii"].notna().all() and "implausible_bond_valence" in set(a["status"])
    for column in ("formula", "cell_formula", "status", "n_sites"):
        assert a[column].tolist() == b[column].tolist(), column
    for column in ("gii", "pred_log10_sigma", "p_air_stable"):
        np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy())


def test_a_cif_column_with_empty_and_broken_cells_screens_every_row(models, structures, tmp_path):
    """A table whose ``cif`` column is empty on a formula row and garbage on another crashed
    ``screen`` (a NaN cell was packed as a structure); now the formula row is predicted from its
    formula, the broken CIF is that row's ``structure_parse_error`` (pyfunc's name for it), and
    the CIF row is a structure."""
    conductivity, stability = models
    frame = pd.DataFrame(
        {
            "id": ["cif", "formula", "broken"],
            "formula": ["", "Li3PS4", "LiCl"],
            "cif": [structures[0].to(fmt="cif"), "", "not a cif"],
        }
    )
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    table = Batch(0, "table", path, 0, frame=pd.read_csv(path))
    got = process_batch(table, FilterConfig(require_charge_balance=False), conductivity, stability)
    assert got["candidate_id"].tolist() == ["cif", "formula", "broken"]
    assert (
        got["status"].tolist()[:2] == ["ok", "ok"]
        and got["status"].iat[2] == "structure_parse_error"
    )
    assert "pool.csv row 2: " in got["error"].iat[2]  # a frame not read by table_chunks: no line
    assert got["n_sites"].notna().tolist() == [True, False, False]
    assert got["pred_log10_sigma"].notna().tolist() == [True, True, False]
