"""What a screening shows people: the interval by the model's real coverage, ``p_air_stable`` as a
score.

The conductivity model's conformal intervals aim at ``1 - conformal_alpha`` coverage; the Pareto
plot, the run description and the console table (``tests/test_report.py``) used to say "90 %"
whatever the model, and called the air-stability score a probability, "P(air stable)".
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from mlflow import MlflowClient

from electroscreen.analysis.triage import load_results
from electroscreen.experiments.model_coverage import model_coverage
from electroscreen.screening import run_artifacts
from electroscreen.screening.mlflow_run import (
    finish_screening_run,
    start_screening_run,
)
from electroscreen.screening.plots import pareto_figure, pareto_plot
from electroscreen.screening.run_description import screening_note
from electroscreen.screening.run_summary import review_metrics
from electroscreen.screening.screen_config import ScreeningConfig
from tests.experiments.test_interval_labels import coverage_store
from tests.screening.test_tracking import _results

MODEL = "cond-alpha-0.2"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [
        ax.get_xlabel(),
        ax.get_ylabel(),
        ax.get_title(),
        *(t.get_text() for t in ax.texts),
        *([] if legend is None else [t.get_text() for t in legend.get_texts()]),
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A store holding a conductivity model registered from a run of ``conformal_alpha`` 0.2."""
    return coverage_store(tmp_path_factory.mktemp("labels-store"), MODEL).uri


def test_a_pareto_plot_for_alpha_0_2_says_80_percent_and_an_air_stability_score():
    ax = pareto_plot(_results(60), coverage=0.8)
    texts = _texts(ax)
    assert "bars: 80 % interval" in ax.get_xlabel()
    assert ax.get_ylabel().startswith("air-stability score (p_air_stable)")
    assert not any("90" in t or "P(air" in t for t in texts), texts


def test_a_pareto_plot_without_a_known_coverage_says_the_default_90_percent():
    ax = pareto_plot(_results(30))
    assert "bars: 90 % interval" in ax.get_xlabel()


def test_a_results_table_carries_its_coverage_to_the_plot():
    results = _results(30)
    results.attrs["interval_coverage"] = 0.8
    assert "bars: 80 % interval" in pareto_plot(results).get_xlabel()
    # an explicit coverage wins over the table's
    assert "bars: 95 % interval" in pareto_plot(results, coverage=0.95).get_xlabel()


def test_the_pareto_figure_passes_the_coverage_on():
    ax = pareto_figure(_results(60), coverage=0.8).axes[0]
    assert "80 % interval" in ax.get_xlabel() and "90 %" not in ax.get_xlabel()


def test_the_run_description_calls_p_air_stable_a_score():
    results = _results(40)
    note = screening_note(["pool.csv"], {}, results, review_metrics(results))
    assert "air-stability score ≥ 0.5" in note
    assert "| log10 σ (S/cm) | measured at 25 °C | air-stability score |" in note
    assert "P(air" not in note and "probab" not in note


def test_a_screening_runs_plot_and_loaded_table_name_the_models_coverage(
    store, tmp_path, monkeypatch
):
    """finish_screening_run draws the Pareto plot with the coverage it is given (the screening looks
    it up once: model_coverage), and the table triage loads back finds the model's 80 % itself and
    carries it to the notebook's plot."""
    drawn: list[str] = []

    def spy(*args, **kwargs):
        figure = original(*args, **kwargs)
        drawn.append(figure.axes[0].get_xlabel())
        return figure

    original = run_artifacts.pareto_figure
    monkeypatch.setattr(run_artifacts, "pareto_figure", spy)
    run_id = start_screening_run(
        tracking_uri=store, experiment="screen", run_id=None,
        config=ScreeningConfig(batch_size=7), inputs=["pool.csv"], pool_digest="ab" * 32,
        model_uris={"conductivity": f"models:/{MODEL}/1", "air_stability": "models:/m-abc"},
    )  # fmt: skip
    results = _results(40)
    finish_screening_run(
        run_id, tracking_uri=store, results=results, out=tmp_path, timings={"total": 1.0},
        counts={"ok": 32}, coverage=model_coverage(f"models:/{MODEL}/1", store),
    )  # fmt: skip
    assert len(drawn) == 1 and "80 % interval" in drawn[0]
    note = MlflowClient(tracking_uri=store).get_run(run_id).data.tags["mlflow.note.content"]
    assert "air-stability score ≥ 0.5" in note and "P(air" not in note
    loaded = load_results(run_id, tracking_uri=store)
    assert loaded.attrs["interval_coverage"] == pytest.approx(0.8)
    assert "80 % interval" in pareto_plot(loaded).get_xlabel()


@pytest.fixture(scope="module")
def alpha_store(tmp_path_factory, data_dir) -> str:
    """Tiny default models in their own store, the conductivity one trained with alpha 0.2."""
    from tests.tiny_models import train_tiny

    uri = f"sqlite:///{tmp_path_factory.mktemp('alpha-models') / 'mlflow.db'}"
    no_evaluation = {"schemes": [], "cv_folds": 2}
    train_tiny("conductivity", ["magpie"], uri, data_dir, experiment="labels-train",
               evaluation=no_evaluation, conformal_alpha=0.2)  # fmt: skip
    train_tiny("air_stability", ["electrolyte"], uri, data_dir, experiment="labels-train",
               final_fit="all", evaluation=no_evaluation)  # fmt: skip
    return uri


def test_screen_prints_the_models_80_percent_and_an_air_score(alpha_store, tmp_path):
    """``electroscreen screen`` with a model of ``conformal_alpha`` 0.2: the console table and the
    run's Pareto plot and description follow the model."""
    from typer.testing import CliRunner

    from electroscreen.analysis.triage import screening_runs
    from electroscreen.cli import app

    pool = tmp_path / "pool.csv"
    formulas = ["Li3PS4", "Li6PS5Cl", "Li3InCl6", "Li7La3Zr2O12", "Li10GeP2S12", "Li3YCl6"]
    pd.DataFrame({"id": [f"c{i}" for i in range(6)], "formula": formulas}).to_csv(pool, index=False)
    result = CliRunner().invoke(
        app,
        ["screen", str(pool), "--out", str(tmp_path / "out"), "--tracking-uri", alpha_store,
         "--device", "cpu"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "candidate_id" in line)
    assert "80 % interval" in header and "air score" in header
    assert "90 %" not in result.stdout and "P(air" not in result.stdout
    run_id = screening_runs(alpha_store)["run_id"].iloc[0]
    loaded = load_results(run_id, tracking_uri=alpha_store)
    assert loaded.attrs["interval_coverage"] == pytest.approx(0.8)
    note = MlflowClient(tracking_uri=alpha_store).get_run(run_id).data.tags["mlflow.note.content"]
    assert "air-stability score ≥ 0.5" in note and "P(air" not in note


def test_an_empty_ranking_draws_no_legend_and_warns_nothing():
    """Nothing predicted (every row rejected): the plot is drawn without a legend, and matplotlib's
    "No artists with labels found" warning no longer reaches the screening's log."""
    results = _results(10)
    results["status"] = "rejected_carrier"
    results[["pred_log10_sigma", "p_air_stable"]] = float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = pareto_figure(results).axes[0]
    assert ax.get_legend() is None
    assert ax.get_title() == "0 predicted of 10 screened candidates"
    assert pareto_plot(_results(10)).get_legend() is not None  # a legend when something is drawn
