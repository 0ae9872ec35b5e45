"""Model-review helpers against a real `electroscreen train` run (the shared ``trained_run`` fixture)."""

from __future__ import annotations

import matplotlib
import pandas as pd

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

from electroscreen.analysis import model_review  # noqa: E402


@pytest.fixture(scope="module")
def runs(trained_run):
    return model_review.training_runs("conductivity", trained_run.tracking_uri)


def test_training_runs_reads_tags_params_and_metrics(trained_run, runs):
    assert len(runs) == 1
    row = runs.iloc[0]
    client = MlflowClient(tracking_uri=trained_run.tracking_uri)
    logged = client.get_run(row["run_id"]).data
    assert row["task"] == "conductivity"
    assert row["estimator"] == "random_forest"
    assert row["model_uri"] == trained_run.model_uri
    assert row["conformal_alpha"] == pytest.approx(0.1)
    for name in ("test_mae", "cv_mae", "test_coverage_90"):
        assert row[name] == pytest.approx(logged.metrics[name])
    assert model_review.training_runs("air_stability", trained_run.tracking_uri).empty


def test_leaderboard_sorts_best_first(trained_run, runs):
    client = MlflowClient(tracking_uri=trained_run.tracking_uri)
    experiment = client.get_experiment_by_name("test-train").experiment_id
    tags = {"electroscreen.kind": "train", "electroscreen.task": "conductivity"}
    better = client.create_run(experiment, tags={**tags, "electroscreen.estimator": "better"})
    client.log_metric(better.info.run_id, "test_mae", runs.loc[0, "test_mae"] - 0.5)
    client.log_metric(better.info.run_id, "cv_mae", runs.loc[0, "cv_mae"] + 0.5)
    client.set_terminated(better.info.run_id)
    both = model_review.training_runs("conductivity", trained_run.tracking_uri)
    board = model_review.leaderboard(both)  # by family CV, not by the test split
    assert board["estimator"].tolist() == ["random_forest", "better"]
    board = model_review.leaderboard(both, metric="test_mae")
    assert board["estimator"].tolist() == ["better", "random_forest"]
    # the registered model tells two configs of one estimator apart (it was not shown)
    assert board["model"].tolist() == ["", "test-conductivity"]
    assert board.index.tolist() == [1, 2]

    assert {"test_mae", "test_r2", "cv_mae", "test_coverage_90"} <= set(board.columns)
    # the level of the widths, which their names do not carry (an 80 % run sat among 90 % ones)
    assert board["nominal"].iloc[1] == pytest.approx(0.9) and np.isnan(board["nominal"].iloc[0])
    assert board.columns.get_loc("nominal") < board.columns.get_loc("test_mae")
    by_r2 = model_review.leaderboard(both, metric="test_r2")  # larger is better, NaN last
    assert by_r2["estimator"].tolist() == ["random_forest", "better"]
    # a metric outside the headline list sorts and is shown (it raised KeyError)
    by_n = model_review.leaderboard(both, metric="test_n")
    assert "test_n" in by_n.columns and by_n["estimator"].tolist() == ["random_forest", "better"]
    with pytest.raises(KeyError, match="no metric"):
        model_review.leaderboard(both, metric="test_nothing")
    client.delete_run(better.info.run_id)


def test_coverage_table_recomputes_the_logged_coverage(trained_run, runs):
    table = model_review.coverage_table(runs, tracking_uri=trained_run.tracking_uri)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["nominal"] == pytest.approx(0.9)
    # recomputed from the predictions artifact; evaluate() computed the logged metric on its own
    assert row["coverage"] == pytest.approx(runs.loc[0, "test_coverage_90"], abs=1e-12)
    assert row["interval_width"] == pytest.approx(runs.loc[0, "test_interval_width"], rel=1e-9)
    assert row["n"] == runs.loc[0, "test_n"]
    cv = model_review.coverage_table(runs, scheme="cv", tracking_uri=trained_run.tracking_uri)
    assert cv.loc[0, "coverage"] == pytest.approx(runs.loc[0, "cv_coverage_90"], abs=1e-12)


def test_parity_plot_shows_every_exact_test_row(trained_run, runs):
    run_id = runs.loc[0, "run_id"]
    predictions = model_review.load_predictions(run_id, "test", trained_run.tracking_uri)
    figure = model_review.run_parity_plot(run_id, tracking_uri=trained_run.tracking_uri)
    points = figure.axes[0].collections
    measured = [c for c in points if c.get_label() == "measured"][0]
    exact = ~predictions["censored"].to_numpy(bool) & np.isfinite(predictions["y_pred"])
    np.testing.assert_allclose(
        np.sort(measured.get_offsets()[:, 0]), np.sort(predictions.loc[exact, "y_true"])
    )
    # the bars are named by the run's own conformal_alpha (0.1 here)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert any(t.startswith("90 % interval: holds ") for t in legend)
    matplotlib.pyplot.close("all")


def test_leaderboard_shows_the_coverage_of_any_alpha():
    """A run trained with conformal_alpha 0.2 logs coverage_80: shown, as coverage_90 is."""
    runs = pd.DataFrame({"run_id": ["a", "b"], "cv_mae": [1.0, 1.2], "cv_coverage_90": [0.9, None],
                         "cv_coverage_80": [None, 0.81], "cv_coverage_9x": [1.0, 1.0]})  # fmt: skip
    board = model_review.leaderboard(runs)
    assert {"cv_coverage_80", "cv_coverage_90"} <= set(board.columns)
    assert "cv_coverage_9x" not in board.columns


def test_a_misspelt_task_is_an_error_naming_the_tasks(tmp_path):
    """``training_runs("condutivity")`` returned an empty table, as if nothing were trained."""
    with pytest.raises(ValueError, match=r"unknown task 'condutivity'.*'conductivity'"):
        model_review.training_runs("condutivity", tracking_uri=f"sqlite:///{tmp_path}/m.db")
