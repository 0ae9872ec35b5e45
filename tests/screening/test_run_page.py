"""What a reviewer sees of a screening run in the MLflow UI (audit of the UI, MLflow 3.17.2).

- The UI looks up a run's input models only in the run's own experiment, so the screening run page
  showed "Logged models (0)": the description links each model's version page and training run.
- The temperature was only one of 39 params: the description, the Pareto plot, ``top.csv`` and
  the run's name say it.
- Runs were named by a hash of the path as typed: the same pool got two names and two dataset
  digests.
- ``top.csv`` opened with bookkeeping columns; the run page listed bookkeeping metrics first.
- The printed address opened the experiments list in the GenAI view, not the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts

from electroscreen.experiments.server_defaults import UI_PORT
from electroscreen.experiments.ui_pages import ML_VIEW
from electroscreen.screening.diversity import DIVERSITY_COLUMNS
from electroscreen.screening.inputs import plan_inputs
from electroscreen.screening.mlflow_run import finish_screening_run, start_screening_run
from electroscreen.screening.model_links import model_link
from electroscreen.screening.plots import pareto_figure
from electroscreen.screening.run_artifacts import TOP_FIRST_COLUMNS
from electroscreen.screening.run_summary import HEADLINE_METRICS
from electroscreen.screening.screen_config import ScreeningConfig
from tests.screening.test_tracking import _results

MODEL = "cond-links"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with a training experiment holding a run named "train-run" whose model is
    registered as ``cond-links`` version 1 (alias ``champion``)."""
    folder = tmp_path_factory.mktemp("run-page")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("train", artifact_location=str(folder / "artifacts"))
    client.create_experiment("decoy")  # the screening's experiment id differs from the training's
    run = client.create_run(experiment, run_name="train-run")
    client.set_terminated(run.info.run_id)
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    client.set_registered_model_alias(MODEL, "champion", "1")
    return uri, client, experiment, run.info.run_id


def _screen(uri: str, results: pd.DataFrame, temperature_c: float = 25.0, **models: str):
    model_uris = {
        "conductivity": f"models:/{MODEL}/1",
        "air_stability": f"models:/{MODEL}@champion",
    }
    run_id = start_screening_run(
        tracking_uri=uri, experiment="screen", run_id=None,
        config=ScreeningConfig(batch_size=7, temperature_c=temperature_c),
        inputs=["pools/pool.npz"], pool_digest="ab" * 32, model_uris={**model_uris, **models},
    )  # fmt: skip
    counts = results["status"].value_counts().to_dict()
    finish_screening_run(
        run_id, tracking_uri=uri, results=results, out="/nonexistent-out",
        timings={"total": 1.0}, counts=counts, top=5,
    )  # fmt: skip
    return MlflowClient(tracking_uri=uri).get_run(run_id)


def test_each_model_uri_links_its_version_page_and_training_run(store):
    uri, client, experiment, train_run = store
    version = f"#/models/{MODEL}/versions/1"
    run_page = f"#/experiments/{experiment}/runs/{train_run}"
    for given in (f"models:/{MODEL}/1", f"models:/{MODEL}@champion", f"runs:/{train_run}/model"):
        text = model_link(given, client)
        assert f"[`{given}`]({version})" in text, text
        assert f"[train-run]({run_page})" in text, text
    assert "(version 1)" in model_link(f"models:/{MODEL}@champion", client)
    # what the store cannot resolve stays plain text, as before
    assert model_link(f"models:/{MODEL}/7", client) == f"`models:/{MODEL}/7`"
    assert model_link("/some/model/folder", client) == "`/some/model/folder`"


def test_a_finished_run_describes_its_models_as_links_and_logs_review_metrics_first(store):
    uri, _, experiment, train_run = store
    run = _screen(uri, _results(40))
    assert run.info.experiment_id != experiment  # the UI would not find the models itself
    note = run.data.tags["mlflow.note.content"]
    assert f"[`models:/{MODEL}/1`](#/models/{MODEL}/versions/1)" in note
    assert f"(#/experiments/{experiment}/runs/{train_run})" in note
    # the run page lists metrics in the order the store returns them: the review ones first
    headline = [k for k in HEADLINE_METRICS if k in run.data.metrics]  # results without the
    first = list(run.data.metrics)[: len(headline)]  # nearest columns: no near count
    assert first == headline, first
    assert list(run.data.metrics).index("passed_read") < list(run.data.metrics).index("n_ok")


def test_the_temperature_is_named_in_the_name_description_plot_and_top_csv(store, tmp_path):
    uri, *_ = store
    results = _results(40)
    run = _screen(uri, results, temperature_c=80.0)
    assert run.info.run_name == "pool · 80 °C"
    note = run.data.tags["mlflow.note.content"]
    assert "conductivity predicted at **80 °C**" in note
    assert "with predicted σ at 80 °C above 1e-4 S/cm" in note
    # the measurements beside an 80 degC prediction are 25 degC values (halaudit M1)
    assert "| log10 σ at 80 °C (S/cm) | measured at 25 °C |" in note
    assert "T (°C)" not in note  # one temperature: no column for it
    top = pd.read_csv(download_artifacts(run_id=run.info.run_id, artifact_path="results/top.csv",
                                         tracking_uri=uri, dst_path=str(tmp_path)))  # fmt: skip
    # those present, in this order (the synthetic table has no train_id and no diversity columns)
    first = [c for c in TOP_FIRST_COLUMNS if c in top.columns]
    assert first == [c for c in TOP_FIRST_COLUMNS if c not in ("train_id", *DIVERSITY_COLUMNS)]
    assert list(top.columns[: len(first)]) == first
    assert (top["temperature_c"] == 80.0).all()
    label = pareto_figure(results, temperature_c=80.0).axes[0].get_xlabel()
    assert label.startswith("predicted log10 sigma at 80 °C (S/cm)")


def test_rows_at_several_temperatures_are_said_everywhere(store, tmp_path):
    """An input table's own temperature_c cells (blank: the config's 25 degC)."""
    uri, *_ = store
    results = _results(40)
    results["temperature_c"] = np.where(np.arange(40) % 2 == 0, "80", "")
    run = _screen(uri, results)
    assert run.info.run_name == "pool · 25–80 °C"
    note = run.data.tags["mlflow.note.content"]
    assert "σ at 25–80 °C (each row's temperature_c)" in note
    assert "| log10 σ (S/cm) | T (°C) | measured at 25 °C |" in note
    best = results.loc[results["rank"] == 1].iloc[0]
    shown = 80 if best["temperature_c"] == "80" else 25
    assert (
        f"| 1 | {best.candidate_id} | {best.formula} | {best.pred_log10_sigma:.2f} | {shown} |"
        in note
    )
    top = pd.read_csv(download_artifacts(run_id=run.info.run_id, artifact_path="results/top.csv",
                                         tracking_uri=uri, dst_path=str(tmp_path)))  # fmt: skip
    expected = results.set_index("candidate_id").loc[top["candidate_id"], "temperature_c"]
    assert top["temperature_c"].tolist() == [80.0 if t == "80" else 25.0 for t in expected]
    label = pareto_figure(results).axes[0].get_xlabel()
    assert "at 25–80 °C (each row's temperature_c)" in label


def test_the_pool_digest_is_the_files_content_not_the_path_typed(tmp_path, monkeypatch):
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": ["LiCl", "Li3PS4"]}).to_csv(pool, index=False)
    copy = tmp_path / "other" / "copy.csv"
    copy.parent.mkdir()
    copy.write_bytes(pool.read_bytes())
    monkeypatch.chdir(tmp_path)
    absolute, relative, copied = plan_inputs([pool]), plan_inputs(["pool.csv"]), plan_inputs([copy])
    assert absolute.digest == relative.digest == copied.digest
    # the checkpoints still tell the paths apart: their rows' source names the path as given
    assert (
        len({absolute.checkpoint_digest, relative.checkpoint_digest, copied.checkpoint_digest}) == 3
    )
    pd.DataFrame({"formula": ["LiCl", "Li3PS5"]}).to_csv(copy, index=False)
    assert plan_inputs([copy]).digest != absolute.digest
    # the boundary between files counts: a+b is not ab
    (tmp_path / "a.csv").write_bytes(b"formula\nLiCl\n")
    (tmp_path / "b.csv").write_bytes(b"LiBr\n")
    (tmp_path / "ab.csv").write_bytes(b"formula\nLiCl\nLiBr\n")
    assert plan_inputs(["a.csv", "b.csv"]).digest != plan_inputs(["ab.csv"]).digest


def test_a_screening_of_one_pool_by_two_paths_is_one_pool_in_mlflow(
    model_store, formula_pool, tmp_path, monkeypatch
):
    """The audit's two screenings of one pool.npz (absolute and ``demo/pool.npz``) got two names and
    two candidate-pool digests; their description links the registered models."""
    from electroscreen.experiments.tracking import tracking_client
    from electroscreen.report import ui_hint
    from electroscreen.screening.runner import screen
    from electroscreen.screening.screen_config import load_screening_config

    config = load_screening_config(batch_size=50)
    monkeypatch.chdir(formula_pool.parent)
    runs = [
        screen([path], tmp_path / name, config=config, tracking_uri=model_store.uri, progress=False)
        for name, path in (("absolute", formula_pool), ("relative", formula_pool.name))
    ]
    client = tracking_client(model_store.uri)  # its registry too, not MLflow's global one
    first, second = (client.get_run(r.run_id) for r in runs)
    assert first.info.run_name == second.info.run_name == "pool · 25 °C"
    assert first.data.params["pool_digest"] == second.data.params["pool_digest"]
    digests = {r.inputs.dataset_inputs[0].dataset.digest for r in (first, second)}
    assert len(digests) == 1
    recorded = first.data.params["conductivity_model_uri"]  # models:/<name>/<version>
    name, version = recorded.removeprefix("models:/").split("/")
    trained = client.get_run(client.get_model_version(name, version).run_id)
    note = first.data.tags["mlflow.note.content"]
    assert f"(#/models/{name}/versions/{version})" in note
    assert f"(#/experiments/{trained.info.experiment_id}/runs/{trained.info.run_id})" in note
    # the printed address opens this run, in the machine-learning view, at `ui`'s port
    hint = ui_hint(first.info.run_id, model_store.uri)
    page = f"#/experiments/{first.info.experiment_id}/runs/{first.info.run_id}"
    assert f"http://127.0.0.1:{UI_PORT}/{page}?{ML_VIEW}" in hint
