"""The screening pipeline end to end, in-process: rows, statuses, predictions, ranking, resume."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from pandas.testing import assert_frame_equal

from electroscreen.experiments.pyfunc import load_predictor
from electroscreen.screening.checkpoint import ManifestMismatchError
from electroscreen.screening.class_warnings import WARNINGS_FILE
from electroscreen.screening.diversity import DIVERSE_RANK
from electroscreen.screening.ranking import RANK_COLUMNS, rank_candidates
from electroscreen.screening.results import read_results
from electroscreen.screening.runner import ScreeningError, screen
from electroscreen.screening.screen_config import RankingConfig, load_screening_config

REQUIRED = [
    "candidate_id", "formula", "cell_formula", "source", "status", "error", "pred_log10_sigma",
    "pred_log10_sigma_std", "pred_log10_sigma_lo", "pred_log10_sigma_hi", "p_air_stable",
    "pareto_rank", "score", "rank",
]  # fmt: skip
EXPECTED_STATUS = {
    "NaCl": "no_carrier",
    "LiPbCl3": "forbidden_element",
    "LiXx2": "unknown_element",
    "Li2O3": "not_charge_balanced",
    "LiCoO2": "redox_active",
    "": "empty_formula",
}


@pytest.fixture
def screened(model_store, formula_pool, tmp_path):
    config = load_screening_config(batch_size=10)
    result = screen(
        [formula_pool], tmp_path / "out", config=config, tracking_uri=model_store.uri,
        track=False, progress=False,
    )  # fmt: skip
    return result, config


def test_every_input_row_comes_back_in_order_with_its_status(screened, formula_pool):
    result, _ = screened
    results = result.results
    assert set(REQUIRED) <= set(results.columns)
    assert list(results.columns[:6]) == REQUIRED[:6]
    source = pd.read_csv(formula_pool, keep_default_na=False)
    assert results["candidate_id"].tolist() == source["id"].tolist()
    assert results["source"].tolist() == [f"{formula_pool}:{i}" for i in range(len(source))]
    for formula, status in zip(source["formula"], results["status"], strict=True):
        assert status == EXPECTED_STATUS.get(formula, "ok"), formula
    rejected = results["status"] != "ok"
    assert (results.loc[rejected, "error"].str.len() > 0).all()
    assert results.loc[rejected, ["pred_log10_sigma", "p_air_stable"]].isna().all().all()
    assert results.loc[rejected, list(RANK_COLUMNS)].isna().all().all()  # empty, never 0
    assert (results.loc[rejected, "pred_feature_status"] == "").all()
    notes = results.loc[~rejected, "pred_feature_status"]
    # "ok", or "<model>:<featurizer>:<status>[;...]" per model, comma-separated (or "input:" for
    # the formula as typed; a value may be a signed decimal: heldout_outside_interval=+0.46 decades)
    assert notes.str.len().gt(0).all() and (notes == "ok").any()
    flagged = notes[notes != "ok"].str.split(",").explode()
    assert flagged.str.match(
        r"^(conductivity|air-stability|input):[a-z_]+:[a-z_]+(=[A-Za-z0-9_+. -]+)?"
        r"(;[a-z_]+:[a-z_]+(=[A-Za-z0-9_+. -]+)?)*$"
    ).all()
    assert results["rank"].dtype == "Int64"
    assert not rejected[results.sort_values("rank").index[: int((~rejected).sum())]].any()
    assert results.loc[~rejected, ["pred_log10_sigma", "p_air_stable"]].notna().all().all()
    assert sorted(results.loc[~rejected, "rank"]) == list(range(1, int((~rejected).sum()) + 1))
    assert result.counts == results["status"].value_counts().to_dict()
    assert result.run_id is None and result.timings["total"] > 0


def test_predictions_match_the_models_and_ranking_is_global(screened, model_store):
    result, config = screened
    results = result.results
    ok = results[results["status"] == "ok"]
    conductivity = load_predictor(model_store.conductivity, model_store.uri)
    cells = ok[["cell_formula"]].rename(columns={"cell_formula": "formula"}).reset_index(drop=True)
    expected = conductivity.predict_frame(cells)
    np.testing.assert_allclose(
        ok["pred_log10_sigma"].to_numpy(), expected["pred_log10_sigma"].to_numpy()
    )
    stability = load_predictor(model_store.stability, model_store.uri)
    expected = stability.predict_frame(cells)
    np.testing.assert_allclose(ok["p_air_stable"].to_numpy(), expected["p_air_stable"].to_numpy())
    ranking = rank_candidates(ok.reset_index(drop=True), config.ranking)
    for column in ("pareto_rank", "score", "acquisition", "rank", "acquisition_rank"):
        np.testing.assert_array_equal(ok[column].to_numpy(), ranking[column].to_numpy())
    # Duplicated formulas (the pool repeats 3 times) get identical predictions and scores.
    first = ok[ok["formula"] == "Li3PS4"]
    assert len(first) == 3 and first["score"].nunique() == 1


def test_temperature_novelty_and_activation_energy(model_store, formula_pool, tmp_path):
    config = load_screening_config(batch_size=50, temperature_c=80.0)
    result = screen(
        [formula_pool], tmp_path / "hot", config=config, tracking_uri=model_store.uri,
        track=False, progress=False,
    )  # fmt: skip
    ok = result.results[result.results["status"] == "ok"].reset_index(drop=True)
    conductivity = load_predictor(model_store.conductivity, model_store.uri)
    frame = ok[["formula"]].assign(temperature_c=80.0)
    expected = conductivity.predict_frame(frame)
    for column in ("pred_log10_sigma", "pred_log10_sigma_novelty", "pred_ea_ev"):
        # the written formula is the screened one rounded: a training composition's novelty is
        # then ~5e-15 instead of 0
        np.testing.assert_allclose(
            ok[column].to_numpy(), expected[column].to_numpy(), rtol=1e-7, atol=1e-12
        )
    at25 = conductivity.predict_frame(ok[["formula"]])
    assert (ok["pred_log10_sigma"] > at25["pred_log10_sigma"]).all()  # hotter conducts better
    assert (ok["pred_ea_ev"] > 0).all() and (ok["pred_log10_sigma_novelty"] >= 0).all()


def test_a_tables_temperature_column_is_each_rows_temperature(model_store, tmp_path):
    """screen predicted at the config's temperature while writing the table's temperature_c (300)
    beside it; pyfunc and serve read that column per row. Now screen does too: a blank cell
    takes the config's temperature, a bad one is that row's bad_temperature."""
    path = tmp_path / "temps.csv"
    temps = ["300", "", "25", "hot", "-273"]
    pd.DataFrame(
        {"id": list("abcde"), "formula": ["Li7La3Zr2O12"] * 5, "temperature_c": temps}
    ).to_csv(path, index=False)
    config = load_screening_config(temperature_c=80.0)
    result = screen(
        [path], tmp_path / "out", config=config, tracking_uri=model_store.uri, track=False,
        progress=False,
    )  # fmt: skip
    got = result.results.set_index("candidate_id")
    conductivity = load_predictor(model_store.conductivity, model_store.uri)
    expected = conductivity.predict_frame(
        pd.DataFrame({"formula": ["Li7La3Zr2O12"] * 3, "temperature_c": [300.0, 80.0, 25.0]})
    )["pred_log10_sigma"].to_numpy()
    np.testing.assert_allclose(got.loc[["a", "b", "c"], "pred_log10_sigma"], expected, rtol=1e-12)
    assert got.loc["d", "status"] == "bad_temperature"
    assert got.loc["e", "status"] == "temperature_out_of_range"
    with pytest.raises(ValueError, match="temperature_c"):
        load_screening_config(temperature_c=float("inf"))
    with pytest.raises(ValueError, match="temperature_c"):
        load_screening_config(temperature_c=-273.0)


def test_a_carrier_the_conductivity_data_lack_is_said_on_every_prediction(model_store, tmp_path):
    """A chemist's audit screened Na conductors with carrier Na: NaCl ranked above NZSP with
    Li-model numbers and no word that OBELiX and Liverpool hold Li-ion conductors only. The run
    now warns once and every conductivity prediction carries the note; the air-stability model
    (whose labels hold Na compounds) gets none, and a Li screening gets neither."""
    path = tmp_path / "na.csv"
    pd.DataFrame({"formula": ["Na3PS4", "Na3Zr2Si2PO12", "Li3PS4"]}).to_csv(path, index=False)
    config = load_screening_config()
    na = config.model_copy(update={"filters": config.filters.model_copy(update={"carrier": "Na"})})
    said: list[str] = []
    result = screen(
        [path], tmp_path / "na", config=na, tracking_uri=model_store.uri, track=False,
        progress=False, log=said.append,
    )  # fmt: skip
    got = result.results.set_index("formula")
    assert got.loc["Li3PS4", "status"] == "no_carrier"
    for formula in ("Na3PS4", "Na3Zr2Si2PO12"):
        notes = got.loc[formula, "pred_feature_status"].split(",")
        assert got.loc[formula, "status"] == "ok"
        assert "conductivity:training_data:carrier_not_in_training=Na" in notes
        assert not any(n.startswith("air-stability:training_data:carrier") for n in notes)
    carrier = [line for line in said if "filters.carrier is Na" in line and "Li-ion" in line]
    assert len(carrier) == 2  # before the batches, and as the model's warning after them
    # ... which replaces the held-out figures of Li-ion conductors (a Na auditor read them as
    # claims about the Na rows) in the run's warnings file, tag and description
    assert result.class_warnings == [carrier[0].removeprefix("warning: ")]
    assert (tmp_path / "na" / WARNINGS_FILE).read_text() == carrier[0] + "\n"
    said.clear()
    li = screen(
        [path], tmp_path / "li", config=config, tracking_uri=model_store.uri, track=False,
        progress=False, log=said.append,
    ).results.set_index("formula")  # fmt: skip
    assert li.loc["Li3PS4", "status"] == "ok"
    assert "carrier_not_in_training" not in li.loc["Li3PS4", "pred_feature_status"]
    assert not any("filters.carrier" in line for line in said)
    assert not (tmp_path / "li" / WARNINGS_FILE).exists()  # the tiny model keeps no figures


def test_ids_repeated_across_inputs_are_made_unique_as_data_info_does(model_store, tmp_path):
    """Two files with the id x1 (and one file with it twice): screen kept three rows named x1 while
    read_candidates named them x1, x1~2, x1~3; a notebook's card found only the first."""
    from electroscreen.data import read_candidates

    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame({"id": ["x1", "x2", "x1"], "formula": ["Li3PS4", "LiCl", "Li6PS5Cl"]}).to_csv(
        first, index=False
    )
    pd.DataFrame({"id": ["x1"], "formula": ["Li7La3Zr2O12"]}).to_csv(second, index=False)
    config = load_screening_config(batch_size=2)  # the repeats fall in other batches
    result = screen(
        [first, second], tmp_path / "out", config=config, tracking_uri=model_store.uri,
        track=False, progress=False,
    )  # fmt: skip
    expected = read_candidates([first, second])["candidate_id"].tolist()
    assert expected == ["x1", "x2", "x1~2", "x1~3"]
    assert result.results["candidate_id"].tolist() == expected
    assert read_results(tmp_path / "out" / "results.csv")["candidate_id"].tolist() == expected


def test_a_cluster_screen_refuses_other_temperatures_before_any_worker(monkeypatch):
    """With --workers the check ran nowhere: every row came back no_temperature_model."""
    import electroscreen.screening.batch as batch
    from electroscreen.screening.execution import batch_runner

    class Plain:
        temperature_model = "none"

    monkeypatch.setattr(batch, "cached_predictor", lambda *args, **kwargs: Plain())
    config = load_screening_config(temperature_c=80.0)
    uris = {"conductivity": "models:/c/1", "air_stability": "models:/a/1"}
    with pytest.raises(ValueError, match="temperature_model: arrhenius"):
        batch_runner(config, uris, "sqlite:///unused.db", "cpu", 2, None)


def test_a_model_without_temperature_refuses_other_temperatures():
    from electroscreen.screening.batch import check_temperature

    class Plain:
        temperature_model = "none"

    check_temperature(Plain(), 25.0)
    with pytest.raises(ValueError, match="temperature_model: arrhenius"):
        check_temperature(Plain(), 80.0)


def test_csv_matches_parquet(screened):
    result, _ = screened
    csv = pd.read_csv(result.out / "results.csv", keep_default_na=False, na_values=[""])
    parquet = pd.read_parquet(result.out / "results.parquet")
    assert list(csv.columns) == list(parquet.columns)
    assert csv["candidate_id"].tolist() == parquet["candidate_id"].tolist()
    np.testing.assert_allclose(csv["score"], parquet["score"], equal_nan=True)
    assert csv["rank"].isna().tolist() == parquet["rank"].isna().tolist()
    assert (csv["rank"].dropna() == parquet["rank"].dropna()).all()
    for path in (result.out / "results.csv", result.out / "results.parquet"):
        back = read_results(path)
        for column in (*RANK_COLUMNS, DIVERSE_RANK):
            assert back[column].dtype == "Int64"
            assert back[column].isna().tolist() == result.results[column].isna().tolist()
    raw = pd.read_csv(result.out / "results.csv", dtype=str, keep_default_na=False)
    assert raw["rank"].str.fullmatch(r"\d*").all()  # integers or empty, never "1.0" or "0"
    assert (raw["rank"] != "0").all()
    assert not raw.isin(["nan", "NaN", "None", "<NA>"]).any().any()  # missing values are empty
    # every value reads back as the Parquet holds it (floats to the last bit, text as text)
    from_csv = read_results(result.out / "results.csv")
    from_parquet = read_results(result.out / "results.parquet")
    for column in from_parquet:
        expected, got = from_parquet[column], from_csv[column]
        if pd.api.types.is_float_dtype(expected):
            np.testing.assert_array_equal(got.to_numpy(float), expected.to_numpy(float))
        elif column in (*RANK_COLUMNS, DIVERSE_RANK):
            pd.testing.assert_series_equal(got, expected)
        else:
            assert got.fillna("").astype(str).tolist() == expected.fillna("").astype(str).tolist()


def test_rerun_reuses_checkpoints_and_mismatch_needs_fresh(screened, model_store, formula_pool):
    result, config = screened
    batch_files = sorted((result.out / "batches").glob("batch-*.parquet"))
    assert len(batch_files) == 5  # 42 rows in batches of 10
    stamps = [p.stat().st_mtime_ns for p in batch_files]
    again = screen(
        [formula_pool], result.out, config=config, tracking_uri=model_store.uri,
        track=False, progress=False,
    )  # fmt: skip
    assert [p.stat().st_mtime_ns for p in batch_files] == stamps  # nothing recomputed
    assert_frame_equal(again.results, result.results)
    reweighted = config.model_copy(update={"ranking": RankingConfig(weight_air_stability=0.9)})
    with pytest.raises(ManifestMismatchError, match=r"differs in: the screening config \(--config"):
        screen(
            [formula_pool], result.out, config=reweighted, tracking_uri=model_store.uri,
            track=False, progress=False,
        )  # fmt: skip
    fresh = screen(
        [formula_pool], result.out, config=reweighted, tracking_uri=model_store.uri,
        track=False, progress=False, fresh=True,
    )  # fmt: skip
    assert fresh.results["candidate_id"].tolist() == result.results["candidate_id"].tolist()
    assert not np.allclose(fresh.results["score"].fillna(0), result.results["score"].fillna(0))


def test_tampered_batches_are_recomputed_and_foreign_out_refused(
    screened, model_store, formula_pool
):
    """A batch replaced by another valid batch (duplicated and missing ids) or truncated is
    recomputed on resume, said so, and the results equal the untouched run's."""
    result, config = screened
    batches = result.out / "batches"
    shutil.copy(batches / "batch-000000.parquet", batches / "batch-000001.parquet")
    data = (batches / "batch-000003.parquet").read_bytes()
    (batches / "batch-000003.parquet").write_bytes(data[:100])
    (batches / "batch-abc.parquet").write_bytes(b"stray")
    lines: list[str] = []
    again = screen(
        [formula_pool], result.out, config=config, tracking_uri=model_store.uri,
        track=False, progress=False, log=lines.append,
    )  # fmt: skip
    assert_frame_equal(again.results, result.results)
    said = "\n".join(lines)
    assert "batch 1 " in said and "batch 3 " in said and "recomputing" in said
    assert said.count("batch-abc.parquet: not a batch file") == 1  # through the log, once
    foreign = result.out.parent / "mine"
    foreign.mkdir()
    (foreign / "results.csv").write_text("precious\n")
    with pytest.raises(ManifestMismatchError, match="no manifest"):
        screen(
            [formula_pool], foreign, config=config, tracking_uri=model_store.uri,
            track=False, progress=False, fresh=True,
        )  # fmt: skip
    assert [p.name for p in foreign.iterdir()] == ["results.csv"]
    assert (foreign / "results.csv").read_text() == "precious\n"


@pytest.mark.parametrize("step", ["start_screening_run", "finish_screening_run"])
def test_a_tracking_failure_never_kills_the_screening(
    step, model_store, formula_pool, tmp_path, monkeypatch
):
    from mlflow.exceptions import MlflowException

    from electroscreen.screening import mlflow_run

    def broken(*args, **kwargs):
        raise MlflowException("(sqlite3.OperationalError) disk I/O error")

    monkeypatch.setattr(mlflow_run, step, broken)
    lines: list[str] = []
    result = screen(
        [formula_pool], tmp_path / "out", config=load_screening_config(batch_size=20),
        tracking_uri=model_store.uri, track=True, progress=False, log=lines.append,
    )  # fmt: skip
    assert len(result.results) == 42 and (tmp_path / "out" / "results.csv").is_file()
    assert "disk I/O error" in result.tracking_error
    assert any("warning" in line and "disk I/O error" in line for line in lines)
    assert (result.run_id is None) == (step == "start_screening_run")


def test_both_models_predict_each_row_from_that_row_only(model_store):
    """Extreme but valid rows (amounts at the ends of the accepted range, many elements) beside
    normal ones leave the normal rows' predictions bit-identical."""
    normal = ["Li3PS4", "Li10GeP2S12", "Li7La3Zr2O12", "Li6PS5Cl"]
    extreme = ["Li999999Cl", "Li0.000001Cl", "Li1000000S999999", "LiNaKRbCsMgCaSrBaAlGaInO12S3"]
    mixed = [extreme[0]]
    for k, formula in enumerate(normal):
        mixed += [formula, extreme[(k + 1) % len(extreme)]]
    where = [1, 3, 5, 7]
    for uri in (model_store.conductivity, model_store.stability):
        predictor = load_predictor(uri, model_store.uri)
        alone = predictor.predict_frame(pd.DataFrame({"formula": normal}))
        beside = predictor.predict_frame(pd.DataFrame({"formula": mixed})).iloc[where]
        for column in alone.columns:
            a, b = alone[column].to_numpy(), beside[column].to_numpy()
            if a.dtype.kind == "f":
                assert a.tobytes() == b.tobytes(), (uri, column)
            else:
                assert a.tolist() == b.tolist(), (uri, column)


def test_missing_models_say_how_to_train_them(tmp_path, formula_pool):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ScreeningError, match="electroscreen train --config configs/conductivity"):
        screen([formula_pool], tmp_path / "out", tracking_uri=empty, track=False, progress=False)


def test_structures_and_bad_files_keep_their_rows(model_store, data_dir, tmp_path):
    from electroscreen.data.obelix import load_obelix_structures

    cifs = load_obelix_structures(data_dir)
    folder = tmp_path / "cifs"
    folder.mkdir()
    names = sorted(cifs)[:4]
    for name in names:
        (folder / f"{name}.cif").write_text(cifs[name])
    (folder / "broken.cif").write_text("data_x\n_cell_length_a nonsense\n")
    result = screen(
        [folder], tmp_path / "out", config=load_screening_config(batch_size=2),
        tracking_uri=model_store.uri, track=False, progress=False,
    )  # fmt: skip
    results = result.results
    assert len(results) == 5
    broken = results[results["source"].str.contains("broken.cif")]
    assert len(broken) == 1 and broken["status"].iat[0] != "ok"
    assert (results["n_sites"].notna().sum()) == 4


def test_an_input_without_rows_is_a_status_row_and_a_missing_one_an_error(model_store, tmp_path):
    """A header without rows is one empty_table row, as an empty file is one empty_file row (it
    vanished from a folder's screening); a missing input stops the screening."""
    empty = tmp_path / "empty.csv"
    empty.write_text("formula\n")
    result = screen(
        [empty], tmp_path / "out", tracking_uri=model_store.uri, track=False, progress=False
    )
    assert result.results["status"].tolist() == ["empty_table"]
    assert result.results["candidate_id"].tolist() == ["empty"]
    with pytest.raises(ScreeningError, match="no candidate file found at .*missing.csv"):
        screen(
            [empty, tmp_path / "missing.csv"], tmp_path / "out2", tracking_uri=model_store.uri,
            track=False, progress=False,
        )  # fmt: skip


def test_one_path_as_a_str_is_one_input(model_store, tmp_path, monkeypatch):
    """``screen("pool.csv", ...)`` read the string character by character ("no candidate file
    found at p, o, o, l, ..."); one str or Path is one input, as ``read_candidates`` reads it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pool.csv").write_text("formula\nLi3YCl6\nLiCl\n")
    run = dict(tracking_uri=model_store.uri, track=False, progress=False)
    result = screen("pool.csv", tmp_path / "out", **run)
    assert result.results["formula"].tolist() == ["Li3YCl6", "LiCl"]
    with pytest.raises(ScreeningError, match=r"no candidate file found at nope\.csv \("):
        screen("nope.csv", tmp_path / "out2", **run)


def test_cuda_device_runs_or_says_why_not(model_store, formula_pool, tmp_path):
    """``--device cuda`` predicts on the GPU where there is one, else stops with a clear message."""
    import torch

    config = load_screening_config(batch_size=50)
    run = dict(config=config, tracking_uri=model_store.uri, track=False, progress=False)
    if torch.cuda.is_available():
        on_gpu = screen([formula_pool], tmp_path / "gpu", device="cuda", **run).results
        on_cpu = screen([formula_pool], tmp_path / "cpu", device="cpu", **run).results
        assert_frame_equal(on_gpu, on_cpu, check_exact=False, atol=1e-5)
    else:
        with pytest.raises(ValueError, match="no CUDA device.*--device auto"):
            screen([formula_pool], tmp_path / "gpu", device="cuda", **run)


def test_window_and_cost_columns_are_the_featurizers_on_the_cell_formula(screened):
    """The cost of the cell as given; window and interfaces of the cell balanced by its carrier
    (tests/data/test_carrier_balance.py)."""
    from electroscreen.data.carrier_balance import carrier_balanced
    from electroscreen.data.compositions import pack_compositions
    from electroscreen.featurizers.composition.cost import MaterialCost
    from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

    results = screened[0].results
    ok = results[results["status"] == "ok"]
    given = ok["cell_formula"].tolist()
    cells, _ = carrier_balanced(pack_compositions(given), "Li")
    window = ElectrochemicalWindow().transform(cells)
    np.testing.assert_allclose(ok[["window_red_v", "window_ox_v"]].to_numpy(), window[:, :2])
    cost = MaterialCost().transform(given)[:, 0]
    np.testing.assert_allclose(ok["cost_usd_per_kg"].to_numpy(), cost)
    from electroscreen.featurizers.thermo.interface import InterfaceReactivity

    # a hull with pure elements leaves the reactions with the electrodes undefined, as the window
    # (test_a_hull_of_pure_elements_leaves_the_interfaces_undefined)
    elemental = (ok["window_status"] == "window_elemental_hull").to_numpy()
    anode = InterfaceReactivity().transform(cells)[:, 0]
    np.testing.assert_allclose(ok["interface_anode_ev_per_atom"].to_numpy()[~elemental],
                               anode[~elemental])  # fmt: skip
    assert (ok.loc[~elemental, "interface_anode_ev_per_atom"] <= 0).all()
    cathode = InterfaceReactivity(electrodes=("LiCoO2",)).transform(cells)[:, 0]  # the default
    np.testing.assert_allclose(ok["interface_cathode_ev_per_atom"].to_numpy()[~elemental],
                               cathode[~elemental])  # fmt: skip
    assert (ok.loc[~elemental, "interface_cathode_ev_per_atom"] <= 0).all()
    rejected = results[results["status"] != "ok"]
    assert len(
        rejected
    )  # the pool has rows the filters reject: the NaN check below means something
    computed = [
        "window_red_v", "window_ox_v", "cost_usd_per_kg", "interface_anode_ev_per_atom",
        "interface_cathode_ev_per_atom",
    ]  # fmt: skip
    assert rejected[computed].isna().all().all()
    # the default weights leave the score on conductivity and air stability alone
    config = RankingConfig()
    assert config.weight_oxidation == 0.0 and config.weight_cost == 0.0
    assert config.weight_interface == 0.0


def test_a_refined_cell_has_the_objectives_of_its_carrier_balanced_composition():
    """OBELiX's Li3InCl6 CIF holds 2.03 In per cell: taken literally, a trace of In metal set its
    oxidation limit at 2.4 V, and the Er analogue generated from it had no window at all."""
    from electroscreen.featurizers.composition.cost import MaterialCost
    from electroscreen.screening.objective_columns import objective_values
    from electroscreen.screening.screen_config import ObjectivesConfig

    formulas = ["Li3InCl6", "Li3In1.015Cl6", "Li2.955In1.015Cl6", "Li3Er1.015Cl6", "Li3ErCl6"]
    values, status = objective_values(formulas, ObjectivesConfig(), "Li")
    assert (status == "ok").all()
    thermo = [0, 1, 3, 4]  # window, anode, cathode: cost (2) is the composition's as given
    np.testing.assert_array_equal(values[1, thermo], values[2, thermo])
    assert values[1, 1] == pytest.approx(values[0, 1], abs=0.01) and values[0, 1] > 4.0
    assert values[3, 1] == pytest.approx(values[4, 1], abs=0.01)
    np.testing.assert_allclose(values[:, 2], MaterialCost().transform(formulas)[:, 0])


def test_a_hull_of_pure_elements_leaves_the_interfaces_undefined():
    from electroscreen.featurizers.thermo.interface import InterfaceReactivity
    from electroscreen.screening.objective_columns import objective_values
    from electroscreen.screening.screen_config import ObjectivesConfig

    formulas = ["Li3YBr6", "Li3PS4", "Li8SnP4", "Li7La3Zr2O12"]  # no Y-Br, no Li-P compound
    values, status = objective_values(formulas, ObjectivesConfig(), "Li")
    elemental = status == "window_elemental_hull"
    assert elemental.tolist() == [True, False, True, False]
    assert np.isnan(values[elemental]).sum() == 2 * 4  # both limits, both interfaces
    assert np.isfinite(values[elemental, 2]).all()  # the cost stays
    featurized = InterfaceReactivity(electrodes=("Li", "LiCoO2")).transform(formulas)[:, ::2]
    # what the elements would have said: Br + Li -> LiBr; P "inert" to Li (no Li-P compound)
    assert featurized[0, 0] < -0.5 and featurized[2, 0] == 0.0
    np.testing.assert_allclose(values[~elemental, 3:], featurized[~elemental])


def test_a_candidate_that_is_a_training_row_shows_its_measurement(
    model_store, tmp_path, monkeypatch
):
    from electroscreen.data.composition_match import atomic_fractions
    from electroscreen.models.training_rows import CENSORED_ID
    from electroscreen.screening.batch import cached_predictor

    training = cached_predictor(model_store.conductivity, model_store.uri).training_rows_
    exact = int(np.flatnonzero(training.formulas == "Li20.0Ge2.0P4.0S24.0")[0])  # LGPS
    censored = int(np.flatnonzero(training.formulas == "Li7.0Zn1.0Ga1.0P4.0O16.0")[0])  # < 1e-10
    assert training.ids[exact].count(";") >= 1  # measured more than once: one entry, the median
    pool = tmp_path / "pool.csv"
    # LGPS as a cell, the censored phosphate per formula unit, a new composition, a bad formula
    # and LGPS as a substitution into a seed CIF rounds it (Li20.056: 9.6e-4 off in Li's fraction)
    formulas = [
        "Li20Ge2P4S24", "Li3.5Zn0.5Ga0.5P2O8", "Li10.3GeP2S12", "Li10GeP2S12Xx", "Li10.04GeP2S12",
        "Li3InCl6",
    ]  # fmt: skip
    pd.DataFrame({"id": list("abcdef"), "formula": formulas}).to_csv(pool, index=False)
    run = dict(tracking_uri=model_store.uri, track=False, progress=False)
    results = screen([pool], tmp_path / "out", **run).results.set_index("candidate_id")
    assert (results.loc[["a", "b", "c"], "status"] == "ok").all()
    assert results.loc["d", "status"] != "ok"
    assert results.loc["a", "train_log10_sigma"] == training.log10_sigma[exact]
    assert results.loc["a", "train_id"] == training.ids[exact]
    assert results.loc["e", "train_id"] == training.ids[exact]
    assert np.isnan(
        results.loc["b", "train_log10_sigma"]
    )  # censored: no value, its bound in the id
    assert results.loc["b", "train_id"] == f"{training.ids[censored]} (< 1e-10 S/cm)"
    assert CENSORED_ID.search(results.loc["b", "train_id"]).group(1) == "-10"  # the table reads it
    assert results.loc[["c", "d"], "train_log10_sigma"].isna().all()
    assert (results.loc[["c", "d"], "train_id"].fillna("") == "").all()
    # a composition measured only in the OBELiX test split: its measurement, as held out
    assert results.loc["f", "heldout_id"] == "de5" and results.loc["f", "train_id"] == ""
    assert results.loc["f", "heldout_log10_sigma"] == pytest.approx(np.log10(2.04e-3), abs=1e-3)
    assert results.loc[list("abcde"), "heldout_log10_sigma"].isna().all()
    # the nearest training composition of every predicted row, whether or not it is a recall
    assert results.loc["a", "train_nearest_id"] == training.ids[exact]
    assert results.loc["a", "train_nearest_distance"] == 0.0
    new = atomic_fractions("Li10.3GeP2S12")
    gaps = [
        max(abs(new.get(e, 0.0) - x.get(e, 0.0)) for e in set(new) | set(x))
        for x in (atomic_fractions(f) or {"": 1.0} for f in training.formulas)
    ]  # the definition, over every training composition
    nearest = int(np.argmin(gaps))
    assert results.loc["c", "train_nearest_distance"] == pytest.approx(gaps[nearest], abs=1e-12)
    assert results.loc["c", "train_nearest_id"] == training.ids[nearest]
    assert results.loc["f", "heldout_nearest_id"] == "de5"
    assert results.loc["f", "heldout_nearest_distance"] == pytest.approx(0.0, abs=1e-12)
    assert results.loc["d", "train_nearest_id"] == "" and np.isnan(
        results.loc["d", "train_nearest_distance"]
    )  # not predicted: none
    # a model saved before it kept its training rows: the columns are there, empty
    from electroscreen.screening import batch

    for predictor in list(batch._CACHE.values()):  # as the legacy state of an old pickle sets it
        monkeypatch.setattr(predictor, "training_rows_", None)
        monkeypatch.setattr(predictor, "heldout_rows_", None)
    legacy = screen([pool], tmp_path / "legacy", **run).results
    assert legacy["train_log10_sigma"].isna().all() and legacy["heldout_log10_sigma"].isna().all()
    assert (legacy["train_id"].fillna("") == "").all()
    assert legacy["train_nearest_distance"].isna().all()
    assert (legacy["heldout_nearest_id"].fillna("") == "").all()
    from electroscreen.screening.run_summary import NEAR_METRIC, promising_line, review_metrics

    metrics = review_metrics(legacy)
    assert NEAR_METRIC not in metrics  # not checked, and the summary says so
    assert "nearness to measured compositions not checked" in promising_line(metrics)


def test_a_labelled_composition_shows_its_air_stability_verdict(model_store, tmp_path, monkeypatch):
    """Li2S (one label row, unstable) may be scored as stable by a model that does not recall it:
    its verdict stands beside the score. Expected values come from the label file itself."""
    from pymatgen.core import Composition

    from electroscreen.data.air_stability import load_air_stability

    labels = load_air_stability()
    labels = labels[labels["status"] == "ok"]

    def rows_of(formula: str) -> pd.DataFrame:  # pymatgen's compositions, not ours
        target = Composition(formula).fractional_composition
        same = [
            Composition(f).fractional_composition.almost_equals(target, rtol=0, atol=1e-3)
            for f in labels["formula"]
        ]
        return labels[same]

    li2s, lps = rows_of("Li2S"), rows_of("Li3PS4")
    assert len(li2s) == 1 and lps["verdict"].nunique() > 1
    pool = tmp_path / "pool.csv"
    # Li2S as a cell (Li8S4); Li3PS4 with disagreeing rows; a composition no label row holds
    formulas = ["Li8S4", "Li3PS4", "Li3.1P0.9Si0.1S4"]
    pd.DataFrame({"id": list("abc"), "formula": formulas}).to_csv(pool, index=False)
    run = dict(tracking_uri=model_store.uri, track=False, progress=False)
    results = screen([pool], tmp_path / "out", **run).results.set_index("candidate_id")
    assert (results["status"] == "ok").all()
    assert results.loc["a", "train_air_verdict"] == li2s["verdict"].iloc[0] == "unstable"
    assert results.loc["a", "train_air_id"] == li2s["candidate_id"].iloc[0]
    counts = lps["verdict"].value_counts()
    expected = ", ".join(
        f"{v} ({counts[v]})" for v in ("stable", "moderate", "unstable") if v in counts
    )
    assert results.loc["b", "train_air_verdict"] == expected
    assert sorted(results.loc["b", "train_air_id"].split(";")) == sorted(lps["candidate_id"])
    assert results.loc["c", ["train_air_verdict", "train_air_id"]].tolist() == ["", ""]
    # a model saved before it kept its labels: the columns are there, empty
    from electroscreen.screening import batch

    for predictor in list(batch._CACHE.values()):  # as the legacy state of an old pickle sets it
        monkeypatch.setattr(predictor, "training_labels_", None)
    legacy = screen([pool], tmp_path / "legacy", **run).results
    assert (legacy["train_air_verdict"].fillna("") == "").all()


def test_oxidation_and_cost_weights_move_the_score():
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": [-3.0, -3.0],
            "pred_log10_sigma_std": [0.1, 0.1],
            "p_air_stable": [0.5, 0.5],
            "window_ox_v": [2.3, 4.5],
            "cost_usd_per_kg": [500.0, 5.0],
        }
    )
    plain = rank_candidates(frame, RankingConfig())
    assert plain["score"].iloc[0] == plain["score"].iloc[1]
    weighted = rank_candidates(frame, RankingConfig(weight_oxidation=0.2, weight_cost=0.2))
    assert weighted["score"].iloc[1] > weighted["score"].iloc[0]
    assert list(weighted["rank"]) == [2, 1]


def test_manifest_and_run_record_each_models_version_and_file_digest(
    model_store, formula_pool, tmp_path
):
    result = screen(
        [formula_pool], tmp_path / "out", conductivity_model="models:/electroscreen-conductivity@champion",
        tracking_uri=model_store.uri, progress=False,
    )  # fmt: skip
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    client = MlflowClient(tracking_uri=model_store.uri, registry_uri=model_store.uri)
    version = client.get_model_version_by_alias("electroscreen-conductivity", "champion").version
    # the alias is recorded as the version it pointed to (it may move later)
    assert manifest["conductivity_model_uri"] == f"models:/electroscreen-conductivity/{version}"
    location = client.get_model_version_download_uri("electroscreen-conductivity", version)
    folder = Path(unquote(urlparse(location).path))
    expected = hashlib.sha256()
    # every file of the model but MLflow's own note of the registration, which loading adds
    for path in sorted(p for p in folder.rglob("*") if p.name != "registered_model_meta"):
        if path.is_dir():
            continue
        expected.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    assert manifest["conductivity_model_digest"] == expected.hexdigest()
    assert len(manifest["stability_model_digest"]) == 64
    tags = client.get_run(result.run_id).data.tags
    assert tags["electroscreen.conductivity_model_sha256"] == expected.hexdigest()
    assert tags["electroscreen.air_stability_model_sha256"] == manifest["stability_model_digest"]
    # loading the models wrote nothing that counts: the same screening resumes (no mismatch)
    again = screen(
        [formula_pool], tmp_path / "out", conductivity_model="models:/electroscreen-conductivity@champion",
        tracking_uri=model_store.uri, progress=False, track=False,
    )  # fmt: skip
    assert_frame_equal(again.results, result.results)


def test_a_model_whose_files_changed_since_they_were_recorded_is_not_unpickled(
    model_store, tmp_path, monkeypatch
):
    """A model is pickled code: what a screening loads must be the files whose digest it recorded
    (a shared store can change between the start and a worker's load)."""
    import mlflow.pyfunc

    from electroscreen.experiments.model_registry import model_fingerprint, model_location
    from electroscreen.experiments.pyfunc import load_predictor
    from electroscreen.experiments.tracking import tracking_client
    from electroscreen.screening.batch import cached_predictor

    _, location = model_location(model_store.conductivity, tracking_client(model_store.uri))
    folder = shutil.copytree(Path(unquote(urlparse(location).path)), tmp_path / "model")
    _, digest = model_fingerprint(str(folder), model_store.uri)
    assert load_predictor(str(folder), model_store.uri, digest).task == "conductivity"
    pickled = next(p for p in Path(folder).rglob("*.pkl"))
    pickled.write_bytes(pickled.read_bytes() + b"\0")  # tampered after the digest was recorded

    def unpickle(*args, **kwargs):
        raise AssertionError("the tampered model was unpickled")

    monkeypatch.setattr(mlflow.pyfunc, "load_model", unpickle)
    with pytest.raises(ValueError, match="not the ones recorded"):
        load_predictor(str(folder), model_store.uri, digest)
    with pytest.raises(ValueError, match="not the ones recorded"):  # a worker's load
        cached_predictor(str(folder), model_store.uri, "cpu", digest)


def test_tree_and_logistic_models_screen_without_importing_torch(
    model_store, formula_pool, tmp_path
):
    """``--device auto`` (the default) is resolved where a model loads, so a screening whose models
    hold no torch network never imports torch (~2 s of start-up) and gives the CPU's results."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from electroscreen.screening.runner import screen\n"
        "from electroscreen.screening.screen_config import load_screening_config\n"
        f"screen([{str(formula_pool)!r}], {str(tmp_path / 'auto')!r}, tracking_uri={model_store.uri!r},"
        " config=load_screening_config(batch_size=50), track=False, progress=False, device='auto')\n"
        "print('torch imported:', 'torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "torch imported: False" in done.stdout
    on_cpu = screen(
        [formula_pool], tmp_path / "cpu", config=load_screening_config(batch_size=50),
        tracking_uri=model_store.uri, track=False, progress=False, device="cpu",
    ).results  # fmt: skip
    assert_frame_equal(read_results(tmp_path / "auto" / "results.parquet"), on_cpu)


def test_the_same_pool_under_another_path_is_another_screening(
    screened, model_store, formula_pool, monkeypatch
):
    """The input digest hashed the file's name and bytes only: resuming with a relative path
    mixed rows whose source said /abs/pool.csv:N with rows saying pool.csv:N."""
    result, config = screened
    monkeypatch.chdir(formula_pool.parent)
    with pytest.raises(ManifestMismatchError, match=r"differs in: the inputs \(their files"):
        screen(
            [formula_pool.name], result.out, config=config, tracking_uri=model_store.uri,
            track=False, progress=False,
        )  # fmt: skip


def test_an_out_folder_inside_an_input_folder_is_refused(model_store, formula_pool, tmp_path):
    """Its batches and results were read as candidates by the next run (a resume could never
    match, --fresh failed on duplicate columns)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(formula_pool, folder / "pool.csv")
    for out in (folder / "out", folder):
        with pytest.raises(ScreeningError, match="inside the input folder"):
            screen(
                [folder], out, tracking_uri=model_store.uri, track=False, progress=False
            )  # fmt: skip
    assert not (folder / "out").exists()
    with pytest.raises(ScreeningError, match="inside the input folder"):
        screen([str(tmp_path / "i*")], folder / "out", tracking_uri=model_store.uri, track=False)


def test_a_first_start_killed_before_its_manifest_leaves_a_folder_of_ours(
    model_store, formula_pool, tmp_path
):
    """A kill between creating batches/ and renaming the manifest into place left a folder that
    every later run refused as foreign, --fresh included; stale temporary files stayed forever."""
    out = tmp_path / "out"
    (out / "batches").mkdir(parents=True)
    (out / ".manifest.json.tmp-123-abcdef01").write_text("{")
    result = screen(
        [formula_pool], out, config=load_screening_config(batch_size=10),
        tracking_uri=model_store.uri, track=False, progress=False,
    )  # fmt: skip
    assert len(result.results) == len(pd.read_csv(formula_pool))
    (out / ".results.parquet.tmp-9-00000000").write_bytes(b"partial")
    (out / "batches" / ".batch-000000.parquet.tmp-9-00000000").write_bytes(b"partial")
    screen(
        [formula_pool], out, config=load_screening_config(batch_size=10),
        tracking_uri=model_store.uri, track=False, progress=False,
    )  # fmt: skip
    assert not list(out.glob(".*.tmp-*")) and not list((out / "batches").glob(".*.tmp-*"))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["batches"] = [1, 2]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestMismatchError, match="not a readable manifest"):
        screen(
            [formula_pool], out, config=load_screening_config(batch_size=10),
            tracking_uri=model_store.uri, track=False, progress=False,
        )  # fmt: skip


def test_a_run_killed_while_logging_is_resumed_and_fresh_ends_the_discarded_one(
    model_store, formula_pool, tmp_path, monkeypatch
):
    """state.json was written after the params and inputs were logged: a kill in between left a
    RUNNING run beside the one the resume created. --fresh left the discarded run RUNNING."""
    from mlflow import MlflowClient

    from electroscreen.screening import mlflow_run

    out, config = tmp_path / "out", load_screening_config(batch_size=20)
    client = MlflowClient(model_store.uri)

    def killed(*args, **kwargs):
        raise SystemExit(137)  # as if the process died while logging the inputs

    with monkeypatch.context() as patch:
        patch.setattr(mlflow_run, "_pool_input", killed)
        with pytest.raises(SystemExit):
            screen([formula_pool], out, config=config, tracking_uri=model_store.uri,
                   progress=False)  # fmt: skip
    first = json.loads((out / "state.json").read_text())["run_id"]
    resumed = screen([formula_pool], out, config=config, tracking_uri=model_store.uri,
                     progress=False)  # fmt: skip
    assert resumed.run_id == first
    assert client.get_run(first).info.status == "FINISHED"
    client.update_run(first, status="RUNNING")  # as a screening killed later leaves it
    fresh = screen([formula_pool], out, config=config, tracking_uri=model_store.uri,
                   progress=False, fresh=True)  # fmt: skip
    assert fresh.run_id != first
    ended = client.get_run(first)
    assert ended.info.status == "KILLED" and "--fresh" in ended.data.tags["electroscreen.error"]
    (out / "state.json").write_text("{")  # unreadable: --fresh discards it without a word
    screen([formula_pool], out, config=config, tracking_uri=model_store.uri, progress=False,
           fresh=True)  # fmt: skip


def test_a_screening_run_links_the_models_it_used_and_names_its_user(
    model_store, formula_pool, tmp_path
):
    """The UI showed "Registered models: None" and no user or source on a screening run: the
    model URIs were text only."""
    from electroscreen.experiments.model_registry import logged_model_id
    from electroscreen.experiments.tracking import tracking_client

    client = tracking_client(model_store.uri)  # its registry too, not MLflow's global one
    config = load_screening_config(batch_size=20)
    first = screen([formula_pool], tmp_path / "out", config=config,
                   tracking_uri=model_store.uri, progress=False)  # fmt: skip
    expected = {
        logged_model_id(uri, client) for uri in (model_store.conductivity, model_store.stability)
    }
    assert None not in expected and len(expected) == 2
    run = client.get_run(first.run_id)
    assert {m.model_id for m in run.inputs.model_inputs} == expected
    assert run.data.tags["mlflow.user"] and run.data.tags["mlflow.source.type"] == "LOCAL"
    again = screen([formula_pool], tmp_path / "out", config=config,
                   tracking_uri=model_store.uri, progress=False)  # fmt: skip
    assert again.run_id == first.run_id
    assert len(client.get_run(first.run_id).inputs.model_inputs) == 2  # not linked twice
