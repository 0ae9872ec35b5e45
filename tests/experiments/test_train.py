"""One small ``electroscreen train`` run (session fixture ``trained_run``), checked through MLflow."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from electroscreen.data.obelix import load_obelix_structures
from electroscreen.experiments.model_registry import latest_model_uri
from electroscreen.experiments.pyfunc import load_predictor
from electroscreen.experiments.tracking import fluent_tracking, get_or_create_experiment
from electroscreen.experiments.train import build_predictor, headline_metrics
from electroscreen.experiments.train_config import load_train_config
from electroscreen.models.tasks import load_task_table

PRED_COLUMNS = [
    "pred_log10_sigma",
    "pred_log10_sigma_std",
    "pred_log10_sigma_lo",
    "pred_log10_sigma_hi",
    "pred_log10_sigma_novelty",
    "pred_status",
]
EVALUATION_COLUMNS = {
    "candidate_id", "formula", "family", "anion_class", "system_seen", "y_true", "y_pred", "y_std", "y_lo", "y_hi", "censored",
    "fold",
}  # fmt: skip


@pytest.fixture(scope="module")
def client(trained_run) -> MlflowClient:
    return MlflowClient(
        tracking_uri=trained_run.tracking_uri, registry_uri=trained_run.tracking_uri
    )


@pytest.fixture(scope="module")
def run(trained_run, client):
    version = client.get_model_version("test-conductivity", "1")
    return client.get_run(version.run_id)


@pytest.fixture(scope="module")
def pyfunc_model(trained_run):
    with fluent_tracking(trained_run.tracking_uri):  # MLflow's own loader reads the global URI
        return mlflow.pyfunc.load_model(trained_run.model_uri)


def test_last_line_is_the_registered_model_uri(trained_run, client):
    assert trained_run.model_uri == "models:/test-conductivity/1"
    assert latest_model_uri("test-conductivity", trained_run.tracking_uri) == trained_run.model_uri
    version = client.get_model_version_by_alias("test-conductivity", "champion")
    assert str(version.version) == "1"
    # the registered model says what it predicts, with units (the UI showed "Description: None")
    description = client.get_registered_model("test-conductivity").description
    assert "log10 S/cm" in description and "90 % interval" in description
    # progress went to stderr, and stdout holds nothing but the URI
    assert "evaluating: official" in trained_run.stderr
    assert trained_run.stdout.strip() == trained_run.model_uri


def test_run_params_tags_and_metrics(run, trained_run, data_dir):
    params, tags, metrics = run.data.params, run.data.tags, run.data.metrics
    assert tags["electroscreen.kind"] == "train"
    assert tags["electroscreen.task"] == "conductivity"
    assert tags["electroscreen.model_uri"] == trained_run.model_uri
    # which code trained it: the version says nothing across commits (an ML engineer's audit)
    from electroscreen.code_identity import code_tags

    assert {k: tags.get(k) for k in code_tags()} == code_tags()
    # and which data files: their SHA-256, not MLflow's 8-character digest of the loaded table
    from electroscreen.data.obelix import obelix_dir
    from electroscreen.data.pinned import sha256_file

    for name in ("all.csv", "train.csv", "test.csv"):
        digest = sha256_file(obelix_dir(data_dir) / name)
        assert tags[f"electroscreen.data_sha256.obelix/{name}"] == digest
    assert params["estimator"] == "random_forest"
    assert params["estimator_params.n_estimators"] == "24"
    assert params["featurizers"] == "magpie,electrolyte"
    assert params["evaluation.cv_folds"] == "3"
    for name in ("mae", "rmse", "r2", "spearman", "roc_auc", "coverage_90"):
        assert math.isfinite(metrics[f"test_{name}"]), name
        assert math.isfinite(metrics[f"cv_{name}"]), name
    # a random forest on Magpie features is far better than predicting the mean (OBELiX MAE ~1.2-1.5)
    assert 0.5 < metrics["test_mae"] < 2.0
    assert metrics["test_roc_auc"] > 0.7
    assert metrics["test_n"] > 100
    assert metrics["cv_n_folds"] == 3


def test_logged_metrics_match_the_logged_predictions(run, client, tmp_path):
    path = client.download_artifacts(
        run.info.run_id, "predictions/test_predictions.parquet", tmp_path
    )
    predictions = pd.read_parquet(path)
    assert EVALUATION_COLUMNS <= set(predictions.columns)
    table = load_task_table("conductivity")
    assert len(predictions) == int((table["split"] == "test").sum())
    exact = ~predictions["censored"] & np.isfinite(predictions["y_pred"])
    mae = np.mean(np.abs(predictions["y_true"][exact] - predictions["y_pred"][exact]))
    assert run.data.metrics["test_mae"] == pytest.approx(mae, rel=1e-9)
    inside = (predictions["y_lo"] <= predictions["y_true"]) & (
        predictions["y_true"] <= predictions["y_hi"]
    )
    assert run.data.metrics["test_coverage_90"] == pytest.approx(inside[exact].mean(), rel=1e-9)
    cv = pd.read_parquet(
        client.download_artifacts(run.info.run_id, "predictions/cv_predictions.parquet", tmp_path)
    )
    assert len(cv) == len(table) and set(cv["fold"]) == {0, 1, 2}
    # no family is on both sides: each named family's rows lie in a single fold (rows without a
    # family are groups of their own)
    named = cv[cv["family"] != ""]
    assert named["family"].nunique() > 10
    assert (named.groupby("family")["fold"].nunique() == 1).all()


def test_per_anion_class_table_matches_the_logged_predictions(run, client, tmp_path):
    folder = client.download_artifacts(run.info.run_id, "metrics", tmp_path)
    table = pd.read_csv(f"{folder}/test_per_anion_class.csv", index_col="anion_class")
    predictions = pd.read_parquet(
        client.download_artifacts(run.info.run_id, "predictions/test_predictions.parquet", tmp_path)
    )
    # OBELiX's test split holds oxides, chalcogenides and halides; each row is in one class
    assert {"oxide", "chalcogenide", "halide"} <= set(table.index)
    exact = predictions[~predictions["censored"] & np.isfinite(predictions["y_pred"])]
    for name, rows in exact.groupby("anion_class"):
        inside = (rows["y_lo"] <= rows["y_true"]) & (rows["y_true"] <= rows["y_hi"])
        assert table.loc[name, "coverage"] == pytest.approx(inside.mean(), rel=1e-9)
        if len(rows) >= 2:  # the error metrics need two rows (one row: NaN)
            mae = np.mean(np.abs(rows["y_true"] - rows["y_pred"]))
            assert table.loc[name, "mae"] == pytest.approx(mae, rel=1e-9)
    names = {"cv_per_anion_class.csv", "cv_per_family.csv", "test_per_system_seen.csv"}
    assert names <= {
        f.path.split("/")[-1] for f in client.list_artifacts(run.info.run_id, "metrics")
    }


def test_the_model_keeps_its_family_cv_errors_by_anion_class(run, client, trained_run, tmp_path):
    """What ``screen`` warns from (issue 16): the family-CV figures of each anion class, as
    ``per_group_metrics`` gives them for the run's own held-out predictions."""
    from electroscreen.models.heldout_classes import heldout_record
    from electroscreen.models.metrics import per_group_metrics

    record = heldout_record(load_predictor(trained_run.model_uri, trained_run.tracking_uri))
    assert record["scheme"] == "family_cv" and record["interval"] == 0.9
    cv = pd.read_parquet(
        client.download_artifacts(run.info.run_id, "predictions/cv_predictions.parquet", tmp_path)
    )
    table = per_group_metrics(cv[cv["anion_class"] != ""], "anion_class", classification=False)
    assert set(record["classes"]) == set(table.index) >= {"oxide", "chalcogenide", "halide"}
    for name, figures in record["classes"].items():
        row = table.loc[name]
        assert figures["rows"] == row["n"] > 0
        for key, column in (("coverage", "coverage"), ("mean_error", "mean_error"), ("mae", "mae")):
            assert figures[key] == pytest.approx(row[column], rel=1e-12), (name, key)
    # logged with the run, and said
    folder = client.download_artifacts(run.info.run_id, "metrics", tmp_path)
    assert json.loads(Path(folder, "heldout_by_anion_class.json").read_text()) == record
    assert "held-out errors by anion class (family_cv) kept with the model" in trained_run.stderr


def test_progress_gives_the_coverage_of_each_group(run, client, trained_run, tmp_path):
    """Pooled coverage can hide a group's: train prints each group's beside it."""
    folder = client.download_artifacts(run.info.run_id, "metrics", tmp_path)
    table = pd.read_csv(f"{folder}/test_per_system_seen.csv", index_col="system_seen")
    line = next(x for x in trained_run.stderr.splitlines() if "coverage by group:" in x)
    for group, row in table.iterrows():
        assert f"{group} system {row['coverage']:.3f} ({int(row['n'])})" in line
    assert "oxide " in line and "chalcogenide " in line


def test_artifacts_and_dataset_inputs(run, client):
    root = {f.path for f in client.list_artifacts(run.info.run_id)}
    assert {"plots", "predictions", "feature_importances.csv", "config"} <= root
    plots = {f.path for f in client.list_artifacts(run.info.run_id, "plots")}
    for name in ("parity_test", "parity_cv", "residuals_by_family_test", "feature_importances"):
        assert f"plots/{name}.png" in plots
    inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
    assert {"obelix-all", "obelix-train", "obelix-test"} <= set(inputs)
    contexts = {name: {t.value for t in d.tags} for name, d in inputs.items()}
    assert "training" in contexts["obelix-train"] and "testing" in contexts["obelix-test"]
    digests = {d.dataset.digest for d in inputs.values()}
    assert len(digests) == 3  # three different tables
    assert '"log10_sigma"' in inputs["obelix-train"].dataset.schema


def _citations(client, run_id, folder) -> str:
    folder.mkdir()
    with open(client.download_artifacts(run_id, "citations.txt", str(folder))) as fh:
        return fh.read()


def test_citations_name_the_datasets_the_run_read(run, client, tmp_path, model_store):
    """citations.txt cites the data first (OBELiX; Liverpool only when read), then the features."""
    from electroscreen.data import liverpool, obelix

    text = _citations(client, run.info.run_id, tmp_path / "small")
    assert text.startswith(f"[data] OBELiX\n  - {obelix.CITATION}\n[magpie] ")
    assert "Liverpool" not in text and "Hargreaves" not in text  # SMALL_CONFIG reads no Liverpool
    assert "[electrolyte] ElectrolyteComposition\n  - " in text
    store = MlflowClient(tracking_uri=model_store.uri, registry_uri=model_store.uri)
    both = store.get_model_version("electroscreen-conductivity", "1").run_id  # liverpool: true
    text = _citations(store, both, tmp_path / "both")
    assert f"[data] Liverpool Ionics Dataset\n  - {liverpool.CITATION}\n" in text
    assert obelix.CITATION in text
    air = store.get_model_version("electroscreen-air-stability", "1").run_id
    assert "[data]" not in _citations(store, air, tmp_path / "air")  # labels cite row by row


def test_feature_importances_name_real_features(run, client, tmp_path):
    path = client.download_artifacts(run.info.run_id, "feature_importances.csv", tmp_path)
    importances = pd.read_csv(path)
    predictor = build_predictor(load_train_config(_config_path(run)))
    assert list(importances["feature"]) == list(predictor.feature_names())
    assert importances["importance"].sum() == pytest.approx(1.0)


def _config_path(run):
    return run.data.tags["electroscreen.config_file"]


def test_pyfunc_predicts_formulas_cif_text_and_bad_rows(pyfunc_model, trained_run):
    cifs = load_obelix_structures()
    cif_id = sorted(cifs)[0]
    frame = pd.DataFrame(
        {
            "formula": ["Li7La3Zr2O12", "Li2XyZ", "Li6PS5Cl", "", "Li3PS4"],
            "structure": [None, None, np.nan, cifs[cif_id], "not a cif"],
        }
    )
    out = pyfunc_model.predict(frame)
    assert list(out.columns) == ["formula", *PRED_COLUMNS, "pred_feature_status"]
    # what screen writes: an unknown element's text as read, a structure's formula per unit
    assert cif_id == "00x"  # Li4Gd4P16O48
    assert list(out["formula"]) == ["Li7La3Zr2O12", "Li2XyZ", "Li6PS5Cl", "LiGdP4O12", "Li3PS4"]
    assert len(out) == len(frame)
    assert list(out["pred_status"]) == [
        "ok",
        "unknown_element",
        "ok",
        "ok",
        "structure_parse_error",
    ]
    good = out["pred_status"] == "ok"
    values = out.loc[good, PRED_COLUMNS[:-1]].to_numpy()
    assert np.isfinite(values).all()
    assert (out.loc[good, "pred_log10_sigma_lo"] < out.loc[good, "pred_log10_sigma"]).all()
    assert (out.loc[good, "pred_log10_sigma"] < out.loc[good, "pred_log10_sigma_hi"]).all()
    assert out.loc[~good, PRED_COLUMNS[:-1]].isna().all().all()
    # a formula-less row with a CIF is predicted from the structure's composition
    predictor = load_predictor(trained_run.model_uri, trained_run.tracking_uri)
    from pymatgen.core import Structure

    composition = Structure.from_str(cifs[cif_id], fmt="cif").composition.formula.replace(" ", "")
    by_formula = predictor.predict_frame(pd.DataFrame({"formula": [composition]}))
    assert out.loc[3, "pred_log10_sigma"] == pytest.approx(by_formula["pred_log10_sigma"].iloc[0])


def test_pyfunc_says_which_predictions_rest_on_unseen_features(pyfunc_model, trained_run):
    """pyfunc and serve returned no pred_feature_status: a REST user could not tell that a
    prediction met a feature the model never saw vary (an element no training row holds)."""
    frame = pd.DataFrame({"formula": ["Li3HoCl6", "Li3YbBr6", "Li7La3Zr2O12", "LiXx2"]})
    out = pyfunc_model.predict(frame)
    predictor = load_predictor(trained_run.model_uri, trained_run.tracking_uri)
    expected = predictor.predict_frame(frame, details=True)["pred_feature_status"]
    assert out["pred_feature_status"].tolist() == expected.tolist()
    assert out["pred_feature_status"].iat[3] == ""  # not predicted: its status says why


def test_registered_model_is_the_train_split_fit(pyfunc_model, trained_run):
    config = load_train_config(trained_run.config_path)
    table = load_task_table("conductivity", config.data_dir)
    refit = build_predictor(config).fit(table[table["split"] == "train"].reset_index(drop=True))
    frame = pd.DataFrame({"formula": ["Li7La3Zr2O12", "Li10GeP2S12", "LiZr2(PO4)3", "Li3YCl6"]})
    logged = pyfunc_model.predict(frame)
    expected = refit.predict_frame(frame)
    np.testing.assert_allclose(
        logged[PRED_COLUMNS[:-1]].to_numpy(), expected[PRED_COLUMNS[:-1]].to_numpy(), rtol=1e-10
    )
    unwrapped = load_predictor(trained_run.model_uri, trained_run.tracking_uri)
    assert type(unwrapped).__name__ == "CandidatePredictor"
    pd.testing.assert_frame_equal(
        unwrapped.predict_frame(frame, details=True), logged.drop(columns="formula")
    )


def test_run_counts_the_rows_the_registered_model_was_fitted_on(run, trained_run):
    """``n_rows`` and ``n_rows_featurized`` count the whole table; the rows of the final fit (the
    train split here) were nowhere in the run."""
    metrics = run.data.metrics
    n_train = int((load_task_table("conductivity")["split"] == "train").sum())
    predictor = load_predictor(trained_run.model_uri, trained_run.tracking_uri)
    assert metrics["n_rows_fit"] == predictor.n_train_
    assert 0.9 * n_train < metrics["n_rows_fit"] <= n_train < metrics["n_rows_featurized"]
    assert int(run.data.params["n_rows"]) >= metrics["n_rows_featurized"]
    assert "n_rows_fit_ea" not in metrics  # no temperature model
    n_fit = int(metrics["n_rows_fit"])
    assert f"the model learns from {n_fit} of them, featurized with a label\n" in trained_run.stderr


def test_arrhenius_run_counts_the_rows_of_its_activation_energy_model(model_store):
    """Liverpool rows with an Arrhenius fit but no 25 degC value train the Ea model alone."""
    client = MlflowClient(tracking_uri=model_store.uri, registry_uri=model_store.uri)
    run = client.get_run(client.get_model_version("electroscreen-conductivity", "1").run_id)
    predictor = load_predictor(model_store.conductivity, model_store.uri)
    assert run.data.metrics["n_rows_fit"] == predictor.n_train_
    assert run.data.metrics["n_rows_fit_ea"] == predictor.n_ea_train_ > 100


def test_run_counts_and_lists_the_liverpool_rows_left_out(model_store, tmp_path):
    """A run with Liverpool rows logs how many measurement rows it left out, and why."""
    from electroscreen.data.liverpool_errata import NOT_THE_MATERIAL_ROWS

    client = MlflowClient(tracking_uri=model_store.uri, registry_uri=model_store.uri)
    run = client.get_run(client.get_model_version("electroscreen-conductivity", "1").run_id)
    assert run.data.metrics["n_liverpool_rows_not_the_material"] == 18
    assert run.data.metrics["n_liverpool_rows_excluded"] == 18
    path = client.download_artifacts(run.info.run_id, "excluded_liverpool.csv", str(tmp_path))
    listed = pd.read_csv(path, dtype=str)
    assert set(listed["ID"]) == set(NOT_THE_MATERIAL_ROWS)
    assert (listed["status"] == "not_the_material").all()
    row = listed.set_index("ID").loc["431"]
    assert row["composition"] == "Li1.05Al0.05Ti1.95(PO4)" and "multiplier" in row["error"]


def test_closing_summary_aligns_long_metric_names(run, trained_run):
    """The names were right-aligned to 18 characters, which test_mae_obelix_protocol overflowed."""
    headline = headline_metrics(run.data.metrics)
    assert max(map(len, headline)) > 18
    stderr = trained_run.stderr.splitlines()
    lines = [line for line in stderr if len(line.split()) == 2 and line.split()[0] in headline]
    assert len(lines) == len(headline)
    assert len({line.rindex(" ") for line in lines}) == 1  # one column of values


def test_pyfunc_takes_an_optional_temperature(pyfunc_model):
    # the small config has no temperature model: it predicts at 25 degC and refuses 80 degC
    frame = pd.DataFrame({"formula": ["Li7La3Zr2O12"] * 3, "temperature_c": [25.0, np.nan, 80.0]})
    out = pyfunc_model.predict(frame)
    assert list(out["pred_status"]) == ["ok", "ok", "no_temperature_model"]
    assert out["pred_log10_sigma"].iloc[0] == pytest.approx(out["pred_log10_sigma"].iloc[1])
    assert np.isnan(out["pred_log10_sigma"].iloc[2])


def test_pyfunc_reads_each_temperature_row_by_row(pyfunc_model):
    """MLflow's double column refused a whole call over integer degrees (in-process) or one text
    cell; each row is now read by predict_frame, a bad one is that row's bad_temperature."""
    ints = pyfunc_model.predict(
        pd.DataFrame({"formula": ["LiCl", "LiCl"], "temperature_c": [25, 80]})
    )
    assert list(ints["pred_status"]) == ["ok", "no_temperature_model"]
    mixed = pd.DataFrame(
        {"formula": ["Li6PS5Cl", "LiCl", "LiCl"], "temperature_c": [25.0, "hot", True]}
    )
    out = pyfunc_model.predict(mixed)
    assert list(out["pred_status"]) == ["ok", "bad_temperature", "bad_temperature"]
    alone = pyfunc_model.predict(mixed.iloc[:1])
    assert out["pred_log10_sigma"].iloc[0] == alone["pred_log10_sigma"].iloc[0]


def test_pyfunc_call_without_one_good_row(pyfunc_model):
    out = pyfunc_model.predict(pd.DataFrame({"formula": ["LiXx2", "Li(Cl", ""]}))
    assert list(out["pred_status"]) == ["unknown_element", "bad_formula", "empty_formula"]
    assert out[PRED_COLUMNS[:-1]].isna().all().all()


def test_pyfunc_missing_formula_is_empty_formula_whatever_its_dtype(pyfunc_model):
    """A ``string`` column's missing cell (pd.NA) was ``bad_formula``, None and NaN
    ``empty_formula``."""
    text = pd.DataFrame({"formula": pd.Series(["LiCl", None], dtype="string")})
    plain = pd.DataFrame({"formula": ["LiCl", None]})
    for frame in (text, plain):
        out = pyfunc_model.predict(frame)
        assert list(out["pred_status"]) == ["ok", "empty_formula"]
        assert out["formula"].tolist() == ["LiCl", ""]


def test_pyfunc_names_the_formula_column_it_expects(pyfunc_model):
    """An input file's ``Formula`` column is read whatever its case; MLflow's schema matches names
    exactly, so the model refuses one alike in process and over REST, naming ``formula``."""
    from mlflow.exceptions import MlflowException

    frame = pd.DataFrame({"Formula": ["LiCl"]})
    with pytest.raises(MlflowException, match=r"missing inputs \['formula'\]"):
        pyfunc_model.predict(frame)
    with pytest.raises(ValueError, match="needs a 'formula' column .*rename 'Formula'"):
        pyfunc_model.unwrap_python_model().predict(None, frame)
    with pytest.raises(ValueError, match=r"needs a 'formula' column; got columns \['x'\]"):
        pyfunc_model.unwrap_python_model().predict(None, pd.DataFrame({"x": ["LiCl"]}))


def test_dataset_names_and_sources_say_where_the_rows_came_from(data_dir):
    """The Liverpool rows were logged as 'obelix-extra' with the OBELiX folder as source, and
    the air labels with $ELECTROSCREEN_DATA/air_stability, which the loader never reads."""
    from electroscreen.data.air_stability import AIR_STABILITY_LABELS
    from electroscreen.experiments.train_config import TrainConfig
    from electroscreen.experiments.train_logging import _dataset_name, dataset_source

    conductivity = TrainConfig(
        task="conductivity", featurizers=["magpie"], data_dir=data_dir, registered_model_name="c"
    )
    assert _dataset_name(conductivity, "extra", True) == "liverpool-extra"
    assert _dataset_name(conductivity, "all", True) == "obelix+liverpool-all"
    assert _dataset_name(conductivity, "all", False) == "obelix-all"
    assert dataset_source(conductivity, "extra").endswith("liverpool")
    assert dataset_source(conductivity, "train").endswith("obelix")
    air = TrainConfig(
        task="air_stability", featurizers=["moisture"], data_dir=data_dir, registered_model_name="a"
    )
    assert dataset_source(air) == str(AIR_STABILITY_LABELS)
    assert _dataset_name(air, "all", False) == "air_stability-all"


def test_params_say_which_data_and_structures_the_run_used(run, data_dir, monkeypatch):
    """A config without data_dir or structures logged `data_dir=''` and `structures=''` (the
    config's unset value): the run's param is what it read."""
    from electroscreen.data.air_stability import AIR_STABILITY_LABELS
    from electroscreen.data.liverpool import liverpool_dir
    from electroscreen.data.obelix import obelix_dir
    from electroscreen.experiments.train_config import TrainConfig
    from electroscreen.experiments.train_logging import run_params

    assert run.data.params["data_dir"] == str(obelix_dir(data_dir))
    assert run.data.params["structures"] == "False"  # Magpie + electrolyte: compositions only
    monkeypatch.setenv("ELECTROSCREEN_DATA", str(data_dir))
    blank = TrainConfig(task="conductivity", featurizers=["magpie"], registered_model_name="c")
    assert blank.flat_params()["data_dir"] == ""  # the config as written keeps its blank
    assert run_params(blank)["data_dir"] == str(obelix_dir(data_dir))
    both = blank.model_copy(update={"liverpool": True})
    assert run_params(both)["data_dir"] == f"{obelix_dir(data_dir)},{liverpool_dir(data_dir)}"
    graph = TrainConfig(task="conductivity", estimator="graph", registered_model_name="g")
    assert graph.structures is None and run_params(graph)["structures"] == "True"
    air = TrainConfig(task="air_stability", featurizers=["moisture"], registered_model_name="a")
    assert run_params(air)["data_dir"] == str(AIR_STABILITY_LABELS)
    # every other param is the config's
    params = run_params(blank)
    assert {k: v for k, v in params.items() if k not in ("data_dir", "structures")} == {
        k: v for k, v in blank.flat_params().items() if k not in ("data_dir", "structures")
    }


def test_logged_model_and_run_are_named_by_what_tells_them_apart(run, client, trained_run):
    """Both logged models were named `model` (the Models tab listed "model" twice), and run names
    began with the registered model's name, cut before the estimator in the runs list."""
    model_id = run.data.tags["electroscreen.logged_model_uri"].removeprefix("models:/")
    assert client.get_logged_model(model_id).name == "conductivity-model"
    assert run.info.run_name == "random_forest · test-conductivity"
    from electroscreen.experiments.pyfunc import logged_model_name

    assert logged_model_name("air_stability") == "air-stability-model"


def test_a_model_loads_by_its_run_and_name_before_and_after_the_rename(run, trained_run, tmp_path):
    """`runs:/<id>/<name>` takes the logged model's name: the new name for a new run, `model` for
    a run logged before the rename; by id or registered version whatever the name."""
    from electroscreen.experiments.pyfunc import log_predictor

    frame = pd.DataFrame({"formula": ["Li7La3Zr2O12", "Li6PS5Cl"]})
    predictor = load_predictor(trained_run.model_uri, trained_run.tracking_uri)
    expected = predictor.predict_frame(frame)["pred_log10_sigma"].to_numpy()
    with fluent_tracking(trained_run.tracking_uri):  # MLflow resolves runs:/ on the global store
        new = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/conductivity-model")
        np.testing.assert_array_equal(new.predict(frame)["pred_log10_sigma"], expected)
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    old_experiment = get_or_create_experiment("old", store)  # artifacts beside the store
    with fluent_tracking(store), mlflow.start_run(experiment_id=old_experiment) as old_run:
        # logged as electroscreen logged it before
        info = log_predictor(predictor, tmp_path, output_columns=predictor.output_columns(),
                             name="model")  # fmt: skip
        old = mlflow.pyfunc.load_model(f"runs:/{old_run.info.run_id}/model")
        np.testing.assert_array_equal(old.predict(frame)["pred_log10_sigma"], expected)
    loaded = load_predictor(info.model_uri, store).predict_frame(frame)["pred_log10_sigma"]
    np.testing.assert_array_equal(loaded.to_numpy(), expected)


def test_load_predictor_reads_a_runs_uri_from_the_store_it_is_given(
    run, trained_run, tmp_path, monkeypatch
):
    """`screen --conductivity-model runs:/<id>/<name> --tracking-uri X` failed ("Failed to download
    artifacts from path") and made a new store in the working directory: MLflow resolves runs:/
    on its global tracking URI, not on X."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    frame = pd.DataFrame({"formula": ["Li7La3Zr2O12", "Li6PS5Cl"]})
    expected = load_predictor(trained_run.model_uri, trained_run.tracking_uri).predict_frame(frame)
    by_run = load_predictor(f"runs:/{run.info.run_id}/conductivity-model", trained_run.tracking_uri)
    np.testing.assert_array_equal(
        by_run.predict_frame(frame)["pred_log10_sigma"], expected["pred_log10_sigma"]
    )
    assert not list(tmp_path.iterdir())  # no store made where the command ran


def test_pyfunc_takes_a_column_dict(pyfunc_model):
    """MLflow turns {"formula": [...]} into one row holding the list: it came back as a single
    bad_formula row instead of one prediction per formula."""
    formulas = ["Li7La3Zr2O12", "Li6PS5Cl", "LiXx2"]
    from_dict = pyfunc_model.predict({"formula": formulas})
    from_frame = pyfunc_model.predict(pd.DataFrame({"formula": formulas}))
    pd.testing.assert_frame_equal(
        from_dict.reset_index(drop=True), from_frame.reset_index(drop=True)
    )


def test_a_model_trained_without_evaluation_says_so(tmp_path, data_dir):
    """An ML engineer's audit: `schemes: []` trained, registered and moved `champion` without a
    metric or a word, and `screen` would use that model by default."""
    from electroscreen.experiments.train import run_training
    from electroscreen.experiments.train_config import TrainConfig

    config = TrainConfig(
        task="conductivity", featurizers=["element_fractions"], estimator="extra_trees",
        estimator_params={"n_estimators": 5, "n_jobs": 1}, experiment="no-evaluation",
        registered_model_name="no-evaluation", data_dir=data_dir,
        evaluation={"schemes": [], "cv_folds": 2},
    )  # fmt: skip
    said: list[str] = []
    run_training(config, tracking_uri=f"sqlite:///{tmp_path / 'm.db'}", progress=said.append)
    warned = [line for line in said if line.startswith("warning: evaluation.schemes is empty")]
    assert len(warned) == 1 and "newest registered version" in warned[0]
    # nor figures by anion class for screen to warn from, and train says so
    assert any(line.strip().startswith("no family-grouped scheme evaluated") for line in said)


def test_pyfunc_notes_a_misspelt_temperature_column(pyfunc_model, caplog):
    """MLflow's schema dropped ``Temperature_C``/``T_C``/``temp_c``/``temperature`` before the
    model ran (a log warning only; over REST, in the server's log): the rows came back at
    25 degC, ``ok``, with nothing in the answer. The signature now declares the common
    misspellings, so the model sees them and each row says the column was not read; a spelling
    outside that list is still dropped by MLflow before the model runs (docs/serve.md)."""
    from electroscreen.models.temperature import LOOKALIKE_TEMPERATURE_COLUMNS

    inputs = pyfunc_model.metadata.get_input_schema().input_names()
    assert set(LOOKALIKE_TEMPERATURE_COLUMNS) <= set(inputs)
    plain = pyfunc_model.predict(pd.DataFrame({"formula": ["LiCl"]}))
    for name in ("Temperature_C", "T_C", "temp_c", "temperature"):
        out = pyfunc_model.predict(pd.DataFrame({"formula": ["LiCl", "LiCl"], name: [80, None]}))
        assert out["pred_status"].tolist() == ["ok", "ok"]  # predicted at 25 degC
        assert out["pred_log10_sigma"].iloc[0] == plain["pred_log10_sigma"].iloc[0]
        assert f"temperature:unread_column={name}" in out["pred_feature_status"].iloc[0]
        assert "temperature" not in out["pred_feature_status"].iloc[1]
    caplog.clear()
    unlisted = pyfunc_model.predict(pd.DataFrame({"formula": ["LiCl"], "TeMp_C": [80]}))
    assert "temperature" not in unlisted["pred_feature_status"].iloc[0]
    assert "TeMp_C" in caplog.text  # MLflow's own warning: "These inputs will be ignored"
