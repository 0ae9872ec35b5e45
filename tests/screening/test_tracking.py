"""The MLflow run of a screening, against a temporary SQLite store and a synthetic results table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts
from mlflow.exceptions import MlflowException

from electroscreen.analysis.triage import load_results, screening_runs
from electroscreen.screening import run_artifacts
from electroscreen.screening.mlflow_run import (
    fail_screening_run,
    finish_screening_run,
    start_screening_run,
)
from electroscreen.screening.plots import pareto_figure
from electroscreen.screening.ranking import rank_candidates
from electroscreen.screening.screen_config import RankingConfig, ScreeningConfig

MODELS = {"conductivity": "models:/electroscreen-conductivity/3", "air_stability": "models:/m-abc"}
POOL_DIGEST = "ab" * 32  # a SHA-256 hex digest, 64 characters


def _results(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` candidates, every fifth one rejected (NaN predictions), ranked by the real ranking."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(-9, -2, n)
    std = rng.uniform(0.1, 1.0, n)
    p = rng.uniform(0, 1, n)
    status = np.where(np.arange(n) % 5 == 4, "rejected_carrier", "ok")
    bad = status != "ok"
    mu[bad] = std[bad] = p[bad] = np.nan
    frame = pd.DataFrame(
        {
            "candidate_id": [f"c{i:05d}" for i in range(n)],
            "formula": [f"Li{1 + i % 7}PS4" for i in range(n)],
            "status": status,
            "error": np.where(bad, "no Li", ""),
            "pred_log10_sigma": mu,
            "pred_log10_sigma_std": std,
            "pred_log10_sigma_lo": mu - 1.6 * std,
            "pred_log10_sigma_hi": mu + 1.6 * std,
            "p_air_stable": p,
            "p_air_stable_std": np.where(bad, np.nan, 0.05),
        }
    )
    return pd.concat([frame, rank_candidates(frame, RankingConfig())], axis=1)


@pytest.fixture(scope="module")
def uri(tmp_path_factory) -> str:
    """One store for the module (creating a SQLite store's tables takes seconds); runs are separate."""
    return f"sqlite:///{tmp_path_factory.mktemp('tracking') / 'mlflow.db'}"


def _start(
    uri: str,
    run_id: str | None = None,
    config: ScreeningConfig | None = None,
    experiment: str = "test-screen",
    log: list[str] | None = None,
) -> str:
    return start_screening_run(
        tracking_uri=uri,
        experiment=experiment,
        run_id=run_id,
        config=config or ScreeningConfig(batch_size=7),
        inputs=["pool/a.parquet", "pool/b.npz"],
        pool_digest=POOL_DIGEST,
        model_uris=MODELS,
        log=None if log is None else log.append,
    )


def test_a_large_run_logs_the_parquet_table_and_leaves_the_csv_in_out(uri, tmp_path, monkeypatch):
    """Above ``CSV_ARTIFACT_MAX_ROWS`` rows the store gets no second, CSV copy of the results (157 MB
    for 400,000 candidates); the tables triage and the UI read are still there."""
    monkeypatch.setattr(run_artifacts, "CSV_ARTIFACT_MAX_ROWS", 39)
    results = _results(40)
    run_id = _start(uri)
    counts = results["status"].value_counts().to_dict()
    finish_screening_run(
        run_id, tracking_uri=uri, results=results, out=tmp_path / "out",
        timings={"total": 1.0}, counts=counts, top=5,
    )  # fmt: skip
    client = MlflowClient(tracking_uri=uri)
    listed = {a.path for d in ("results", "plots") for a in client.list_artifacts(run_id, d)}
    assert listed == {"results/results.parquet", "results/top.csv", "plots/pareto.png"}
    tag = client.get_run(run_id).data.tags["electroscreen.results_csv"]
    assert "40 rows > 39" in tag and str((tmp_path / "out" / "results.csv").resolve()) in tag
    pd.testing.assert_frame_equal(
        load_results(run_id, tracking_uri=uri), results, check_dtype=False
    )


def test_start_logs_config_models_and_pool_digest(uri):
    config = ScreeningConfig(batch_size=7)
    run_id = _start(uri, config=config)
    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    assert run.info.status == "RUNNING"
    assert run.data.tags["electroscreen.kind"] == "screen"
    assert run.data.tags["electroscreen.conductivity_model_uri"] == MODELS["conductivity"]
    assert run.data.tags["electroscreen.air_stability_model_uri"] == MODELS["air_stability"]
    from electroscreen.code_identity import code_tags

    assert {k: run.data.tags.get(k) for k in code_tags()} == code_tags()
    params = run.data.params
    assert params["conductivity_model_uri"] == MODELS["conductivity"]
    assert params["stability_model_uri"] == MODELS["air_stability"]
    assert params["inputs"] == "pool/a.parquet,pool/b.npz"
    assert params["batch_size"] == "7"
    assert params["ranking.kappa"] == "1.0"
    assert params["filters.carrier"] == "Li"
    assert params["filters.forbidden_elements"].startswith("Be,As,Cd")
    assert params["pool_digest"] == POOL_DIGEST
    assert params["config_digest"] == config.digest()
    [dataset_input] = run.inputs.dataset_inputs
    assert dataset_input.dataset.name == "candidate-pool"
    assert dataset_input.dataset.digest == POOL_DIGEST[:36]
    assert json.loads(dataset_input.dataset.source)["uri"].endswith("/pool")  # common folder
    assert MlflowClient(tracking_uri=uri).get_experiment(run.info.experiment_id).name == (
        "test-screen"
    )


def test_finish_logs_counts_timings_tables_and_plot(uri, tmp_path):
    results = _results(40)
    run_id = _start(uri)
    counts = results["status"].value_counts().to_dict()
    finish_screening_run(
        run_id,
        tracking_uri=uri,
        results=results,
        out=tmp_path / "not-written-yet",
        timings={"predict": 1.5, "total": 4.0},
        counts=counts,
        top=5,
    )
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    assert metrics["n_ok"] == 32 and metrics["n_rejected_carrier"] == 8
    assert metrics["n_candidates"] == 40
    assert metrics["time_predict_s"] == 1.5 and metrics["time_total_s"] == 4.0
    assert metrics["candidates_per_s"] == pytest.approx(10.0)
    # what a reviewer compares, recomputed from the table
    ok = results[results["status"] == "ok"]
    promising = (ok["pred_log10_sigma"] > -4) & (ok["p_air_stable"] >= 0.5)
    assert metrics["n_sigma_gt_1e-4_air_stable"] == promising.sum() > 0
    assert metrics["best_pred_log10_sigma"] == pytest.approx(ok["pred_log10_sigma"].max())
    assert metrics["pareto_front_size"] == (results["pareto_rank"] == 1).sum() > 0
    assert metrics["n_predicted"] == 32
    note = run.data.tags["mlflow.note.content"]
    assert f"Promising: {int(promising.sum())} with predicted σ at 25 °C above 1e-4 S/cm" in note
    best = results[results["rank"] == 1].iloc[0]
    assert f"| 1 | {best.candidate_id} | {best.formula} |" in note
    assert MODELS["conductivity"] in note
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert "n_sigma_gt_1e-4_air_stable" in experiment.tags["mlflow.note.content"]
    artifacts = {
        a.path for folder in ("results", "plots") for a in client.list_artifacts(run_id, folder)
    }
    assert artifacts == {
        "results/results.parquet",
        "results/results.csv",
        "results/top.csv",
        "plots/pareto.png",
    }
    assert "electroscreen.results_csv" not in run.data.tags
    loaded = load_results(run_id, tracking_uri=uri)  # what the triage notebook reads
    pd.testing.assert_frame_equal(loaded, results, check_dtype=False)
    top = pd.read_csv(
        download_artifacts(run_id=run_id, artifact_path="results/top.csv", tracking_uri=uri)
    )
    assert top["rank"].tolist() == [1, 2, 3, 4, 5]
    png = imread(
        download_artifacts(run_id=run_id, artifact_path="plots/pareto.png", tracking_uri=uri)
    )
    assert png.shape[0] > 200 and png.std() > 0  # a drawn image, not a blank one
    runs = screening_runs(uri).set_index("run_id")
    row = runs.loc[run_id]
    assert row["n_ok"] == 32
    assert row["conductivity_model_uri"] == MODELS["conductivity"]


def test_a_locked_store_at_the_finish_is_retried(uri, tmp_path, monkeypatch):
    """One "database is locked" while logging the final metrics left the run RUNNING with none."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient as Client

    results = _results(10)
    run_id = _start(uri)
    original = Client.log_batch
    failures = []

    def locked_once(self, *args, **kwargs):
        if kwargs.get("metrics") and not failures:
            failures.append(1)
            raise MlflowException("(sqlite3.OperationalError) database is locked")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Client, "log_batch", locked_once)
    finish_screening_run(
        run_id, tracking_uri=uri, results=results, out=tmp_path, timings={"total": 1.0}, counts={}
    )
    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    assert failures and run.info.status == "FINISHED" and run.data.metrics["n_candidates"] == 10


def test_finish_logs_the_tables_already_in_the_output_folder(uri, tmp_path):
    results = _results(10)
    out = tmp_path / "out"
    out.mkdir()
    marked = results.assign(written_by="runner")
    marked.to_parquet(out / "results.parquet", index=False)
    marked.to_csv(out / "results.csv", index=False)
    run_id = _start(uri)
    finish_screening_run(
        run_id, tracking_uri=uri, results=results, out=out, timings={"total": 1.0}, counts={}
    )
    loaded = load_results(run_id, tracking_uri=uri)
    assert (loaded["written_by"] == "runner").all()


def test_resume_reopens_the_same_run_without_relogging(uri):
    run_id = _start(uri, experiment="test-resume")
    fail_screening_run(run_id, tracking_uri=uri, error="worker lost")
    client = MlflowClient(tracking_uri=uri)
    failed = client.get_run(run_id)
    assert failed.info.status == "FAILED"
    assert failed.data.tags["electroscreen.error"] == "worker lost"

    assert _start(uri, run_id=run_id, experiment="ignored on resume") == run_id
    resumed = client.get_run(run_id)
    assert resumed.info.status == "RUNNING"
    assert "electroscreen.error" not in resumed.data.tags
    assert resumed.data.params == failed.data.params
    assert len(resumed.inputs.dataset_inputs) == 1  # the pool is not logged twice
    assert len(client.search_runs([resumed.info.experiment_id])) == 1


def test_resume_of_a_run_gone_from_the_store_starts_a_new_one_and_names_it(uri, monkeypatch):
    """A run no longer in the store (``mlflow gc`` removed it) is replaced, as a deleted one is;
    a run that cannot be read for another reason is refused with what to do."""
    lines: list[str] = []
    run_id = _start(uri, run_id="nope", log=lines)
    assert run_id != "nope"
    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    assert run.info.lifecycle_stage == "active" and run.info.status == "RUNNING"
    assert run.data.tags["electroscreen.kind"] == "screen"
    assert len(lines) == 1 and "MLflow run nope" in lines[0] and "is not in" in lines[0]
    assert f"new run {run_id}" in lines[0]

    def unreachable(self, run_id):
        raise MlflowException("connection refused")  # not RESOURCE_DOES_NOT_EXIST

    monkeypatch.setattr(MlflowClient, "get_run", unreachable)
    with pytest.raises(ValueError, match="cannot resume MLflow run 'x'.*remove state.json"):
        _start(uri, run_id="x")


def test_a_screening_resumed_after_its_run_was_deleted_records_a_new_run(
    model_store, formula_pool, tmp_path
):
    """The run state.json names was deleted (in the MLflow UI): the resume set it RUNNING, then
    failed on its tags ("must be in the 'active' state"), and so did every later rerun."""
    from electroscreen.screening.runner import screen
    from electroscreen.screening.screen_config import load_screening_config

    out, config = tmp_path / "out", load_screening_config(batch_size=20)
    client = MlflowClient(tracking_uri=model_store.uri)

    def run_screen(lines: list[str]):
        return screen([formula_pool], out, config=config, tracking_uri=model_store.uri,
                      progress=False, log=lines.append)  # fmt: skip

    first = run_screen([])
    client.delete_run(first.run_id)  # what the UI's "Delete" does: lifecycle_stage 'deleted'
    deleted = client.get_run(first.run_id)
    lines: list[str] = []
    resumed = run_screen(lines)

    assert resumed.tracking_error is None
    assert resumed.run_id != first.run_id
    assert json.loads((out / "state.json").read_text())["run_id"] == resumed.run_id
    new = client.get_run(resumed.run_id)
    assert new.info.lifecycle_stage == "active" and new.info.status == "FINISHED"
    for tag in ("electroscreen.kind", "electroscreen.pool_digest", "electroscreen.config_digest"):
        assert new.data.tags[tag] == deleted.data.tags[tag]
    assert new.data.params == deleted.data.params
    invocation = ("time_", "candidates_per_s", "n_from_checkpoints")
    found = {k: v for k, v in deleted.data.metrics.items() if not k.startswith(invocation)}
    assert found and {k: new.data.metrics[k] for k in found} == found
    assert new.data.metrics["n_candidates"] == len(resumed.results)
    # every row came from the first invocation's checkpoints: no rate for work not done now
    assert deleted.data.metrics["n_from_checkpoints"] == 0
    assert new.data.metrics["n_from_checkpoints"] == len(resumed.results)
    assert "candidates_per_s" in deleted.data.metrics
    assert "candidates_per_s" not in new.data.metrics
    assert "results/results.parquet" in {
        f.path for f in client.list_artifacts(new.info.run_id, "results")
    }

    untouched = client.get_run(first.run_id)
    assert untouched.info.lifecycle_stage == "deleted"
    assert untouched.info.status == deleted.info.status == "FINISHED"
    assert untouched.info.end_time == deleted.info.end_time
    assert untouched.data.tags == deleted.data.tags
    assert untouched.data.metrics == deleted.data.metrics

    said = [line for line in lines if first.run_id in line]
    assert len(said) == 1 and "deleted" in said[0] and f"new run {resumed.run_id}" in said[0]
    assert not any("tracking failed" in line or "could not" in line for line in lines)

    again = run_screen([])  # state.json names the new run: later reruns resume it
    assert again.run_id == resumed.run_id and again.tracking_error is None


def test_fail_cuts_a_long_error_to_the_tag_limit(uri):
    run_id = _start(uri)
    fail_screening_run(run_id, tracking_uri=uri, error="x" * 20_000)
    tag = MlflowClient(tracking_uri=uri).get_run(run_id).data.tags["electroscreen.error"]
    assert len(tag) <= 8000 and tag.endswith("more characters)")


def test_review_metrics_count_who_passed_each_filter():
    from electroscreen.screening.run_summary import review_metrics

    statuses = ["ok", "ok", "parse_error", "no_carrier", "forbidden_element", "not_charge_balanced",
                "no_structure"]  # fmt: skip
    errors = ["", "", "bad", "no Li", "Pb", "unbalanced", "conductivity model could not predict: x"]
    frame = pd.DataFrame(
        {"status": statuses, "error": errors, "pred_log10_sigma": [-3.0, -5.0] + [np.nan] * 5,
         "p_air_stable": [0.7, 0.9] + [np.nan] * 5, "pareto_rank": [1, 1, 0, 0, 0, 0, 0]}
    )  # fmt: skip
    metrics = review_metrics(frame)
    assert metrics["passed_read"] == 6  # all but the parse error reached the filters
    assert metrics["passed_carrier"] == 5
    assert metrics["passed_max_elements"] == 5
    assert metrics["passed_forbidden_elements"] == 4
    assert metrics["passed_charge_balance"] == 3  # two ok and one that a model failed later
    assert metrics["passed_max_gii"] == 3  # the bond-valence filter runs last, on structures
    assert metrics["n_predicted"] == 2
    assert metrics["n_sigma_gt_1e-4_air_stable"] == 1
    assert metrics["best_pred_log10_sigma"] == -3.0
    assert metrics["pareto_front_size"] == 2
    assert metrics["n_promising_measured"] == 0  # results without the measurement columns


def test_promising_candidates_that_were_measured_are_counted_and_shown():
    """The demo's promising list was mostly training compositions handed back, with nothing in the
    run's metrics or description saying so (found by a visual audit)."""
    from electroscreen.screening.run_description import screening_note
    from electroscreen.screening.run_summary import review_metrics

    frame = pd.DataFrame(
        {"candidate_id": ["a", "b", "c", "d"], "formula": ["Li10GeP2S12", "Li3InCl6", "LiX", "LiY"],
         "status": ["ok"] * 4, "error": [""] * 4, "pred_log10_sigma": [-2.0, -3.0, -3.5, -9.0],
         "p_air_stable": [0.6, 0.7, 0.8, 0.9], "pareto_rank": [1, 1, 1, 2],
         "rank": pd.array([1, 2, 3, 4], dtype="Int64"),
         "train_log10_sigma": [-2.1, np.nan, np.nan, np.nan], "train_id": ["824", "", "", ""],
         "heldout_log10_sigma": [np.nan, -2.69, np.nan, np.nan], "heldout_id": ["", "de5", "", ""]}
    )  # fmt: skip
    metrics = review_metrics(frame)
    assert metrics["n_sigma_gt_1e-4_air_stable"] == 3 and metrics["n_promising_measured"] == 2
    note = screening_note(["pool.csv"], {}, frame, metrics)
    assert "of which 2 already measured" in note
    assert "| 1 | a | Li10GeP2S12 | -2.00 | -2.10 (trained on) | 0.60 |" in note
    assert "| 2 | b | Li3InCl6 | -3.00 | -2.69 (held out) | 0.70 |" in note
    assert "| 3 | c | LiX | -3.50 |  | 0.80 |" in note


def test_promising_candidates_next_to_a_measured_composition_are_counted_and_named():
    """A member of a measured solid solution a doping step away is no find either (a triage audit:
    Nb-LLZO 0.0021 from OBELiX 66a was reported among "0 already measured")."""
    from electroscreen.screening.near_measured import NEAR_MEASURED
    from electroscreen.screening.run_description import screening_note
    from electroscreen.screening.run_summary import promising_line, review_metrics

    frame = pd.DataFrame(
        {"candidate_id": ["o5q", "lgps", "new", "far"],
         "formula": ["Li6.804La3Zr1.8Nb0.2O12", "Li10GeP2S12", "Li3YBr6", "Li9S"],
         "status": ["ok"] * 4, "error": [""] * 4, "pred_log10_sigma": [-3.3, -2.0, -3.5, -9.0],
         "p_air_stable": [0.98, 0.6, 0.8, 0.9], "pareto_rank": [1, 1, 1, 2],
         "rank": pd.array([1, 2, 3, 4], dtype="Int64"),
         "train_log10_sigma": [np.nan, -2.1, np.nan, np.nan], "train_id": ["", "824", "", ""],
         "train_nearest_formula": ["Li27La12Zr7NbO48", "Li10GeP2S12", "Li3YCl6", "Li2S"],
         "train_nearest_id": ["66a", "824", "y1", "s"],
         "train_nearest_distance": [0.0021, 0.0, NEAR_MEASURED * 1.01, 0.0021],
         "heldout_nearest_formula": ["Li7La3Zr2O12", "", "Li3YBr6", ""],
         "heldout_nearest_id": ["h1", "", "h2", ""],
         "heldout_nearest_distance": [0.03, np.nan, NEAR_MEASURED, np.nan]}
    )  # fmt: skip
    metrics = review_metrics(frame)
    # promising: the first three; measured: lgps; within 0.005: o5q, lgps (a recall) and "new"
    # (held out, at the bound); "far" is near but not promising
    assert metrics["n_sigma_gt_1e-4_air_stable"] == 3 and metrics["n_promising_measured"] == 1
    assert metrics["n_promising_near_measured"] == 3
    line = promising_line(metrics)
    assert "1 of them already measured" in line and "3 of them within 0.005 atomic fraction" in line
    note = screening_note(["pool.csv"], {}, frame, metrics)
    assert "3 of them within 0.005 atomic fraction of a measured composition" in note
    # the table names the measured neighbour, written per the candidate's formula unit
    assert (
        "| 1 | o5q | Li6.804La3Zr1.8Nb0.2O12 | -3.30 | near Li6.75La3Zr1.75Nb0.25O12 "
        "\\(66a, trained on\\) at 0.0021 | 0.98 |" in note
    )
    assert "| 2 | lgps | Li10GeP2S12 | -2.00 | -2.10 (trained on) | 0.60 |" in note  # a recall
    assert "near Li3YBr6 \\(h2, held out\\) at 0.0050" in note  # the held-out one is nearer


def test_a_d0_cation_reduced_by_the_charge_balance_fails_after_the_balance():
    """redox_active has two rules: a listed element (before the balance) and a d0 cation the
    balance reduced (after it); the second passed the balance and must count as having passed it."""
    from electroscreen.screening.filters import REDUCED_D0
    from electroscreen.screening.run_summary import review_metrics

    frame = pd.DataFrame(
        {
            "status": ["ok", "redox_active", "redox_active"],
            "error": ["", "Fe is redox active", f"{REDUCED_D0} Ti+3.50 (below its d0 state Ti4+)"],
            "pred_log10_sigma": [-3.0, np.nan, np.nan],
            "p_air_stable": [0.5, np.nan, np.nan],
            "pareto_rank": [1, 0, 0],
        }
    )
    metrics = review_metrics(frame)
    assert metrics["passed_redox_active"] == 2  # the listed-element rule rejected one row
    assert metrics["passed_charge_balance"] == 2  # the reduced Ti row was balanced
    assert metrics["passed_anion_formers"] == 1
    # a structure's own states are checked after every formula rule
    from electroscreen.screening.filters import STORED_STATES

    stored = frame.assign(
        status=["ok", "oxidising_cation", "redox_active"],
        error=["", f"{STORED_STATES}Bi+5.00 ...", f"{STORED_STATES}{REDUCED_D0} Nb+4.00"],
    )
    metrics = review_metrics(stored)
    assert metrics["passed_anion_formers"] == metrics["passed_oxidising_cations"] == 3
    assert metrics["passed_max_gii"] == 1


def test_pareto_figure_thins_a_large_pool_but_keeps_front_and_top():
    results = _results(3000, seed=1)
    figure = pareto_figure(results, top=15, max_points=500)
    ax = figure.axes[0]
    assert ax.get_title().startswith("500 of 3000 screened candidates drawn")
    # the plot draws bars for the best 25: a smaller top (screen's 15) still keeps all 25
    assert "top 25" in ax.get_title()
    predicted = int(results["pred_log10_sigma"].notna().sum())
    assert predicted < 3000 and f"({predicted} predicted;" in ax.get_title()
    assert "+-1 std" in ax.get_ylabel() and "90 % interval" in ax.get_xlabel()
    # the five best-ranked labels: integer ranks, no two overlapping, the title inside the figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    labels = [t for t in ax.texts if t.get_text()[:1].isdigit()]
    # in the order of their points' heights (their lines never cross), not of their ranks
    assert sorted(t.get_text().split(".")[0] for t in labels) == ["1", "2", "3", "4", "5"]
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the text, not its arrow
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(b.x1 <= figure.bbox.x1 and b.x0 >= ax.bbox.x1 for b in boxes)  # right of the axes
    title = ax.title.get_window_extent(renderer)
    assert title.x0 >= 0 and title.x1 <= figure.bbox.x1
    small = pareto_figure(results.head(100)).axes[0].get_title()
    assert (
        small
        == f"{int(results.head(100)['p_air_stable'].notna().sum())} predicted of 100 screened candidates"
    )
    from electroscreen.screening.plots import _plot_subset

    shown = _plot_subset(results, 500, 20, seed=0)
    assert len(shown) == 500
    assert shown["pareto_rank"].eq(1).sum() == results["pareto_rank"].eq(1).sum()
    assert set(range(1, 21)) <= set(shown["rank"])


def test_pareto_figure_needs_both_predictions():
    with pytest.raises(ValueError, match="p_air_stable"):
        pareto_figure(_results(5).drop(columns=["p_air_stable"]))
