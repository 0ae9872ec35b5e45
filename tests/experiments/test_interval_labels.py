"""The conformal interval is named by the model's nominal coverage, not a hard-coded "90 %".

``interval_label`` is the one home of the text; a training run's parity plots take the coverage from
the config's ``conformal_alpha``, and ``model_coverage`` reads it back from the run behind a model.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from electroscreen.experiments import plots, train_logging
from electroscreen.experiments.model_coverage import model_coverage
from electroscreen.experiments.plots import (
    DEFAULT_COVERAGE,
    alpha_coverage,
    interval_label,
    parity_plot,
)
from electroscreen.experiments.tracking import fluent_tracking, get_or_create_experiment
from electroscreen.experiments.train_config import TrainConfig


def _predictions(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    y = rng.uniform(-8, -2, n)
    pred = y + rng.normal(0, 0.5, n)
    return pd.DataFrame(
        {"y_true": y, "y_pred": pred, "y_lo": pred - 1, "y_hi": pred + 1, "censored": False,
         "family": ["garnet"] * n}
    )  # fmt: skip


def _texts(figure) -> list[str]:
    """Every text of a figure: axis labels, title, legend entries, annotations."""
    ax = figure.axes[0]
    legend = ax.get_legend()
    return [
        ax.get_xlabel(),
        ax.get_ylabel(),
        ax.get_title(),
        *(t.get_text() for t in ax.texts),
        *([] if legend is None else [t.get_text() for t in legend.get_texts()]),
    ]


@pytest.mark.parametrize(
    ("coverage", "text"),
    [(0.8, "80 % interval"), (0.9, "90 % interval"), (0.95, "95 % interval"),
     (0.975, "97.5 % interval"), (1 - 0.2, "80 % interval"), (1 - 0.1, "90 % interval")],
)  # fmt: skip
def test_the_label_says_the_nominal_coverage(coverage, text):
    assert interval_label(coverage) == text


@pytest.mark.parametrize("unknown", [None, math.nan, 0.0, 1.0, 1.5, -0.1, "n/a"])
def test_an_unknown_coverage_is_the_default_90_percent(unknown):
    assert DEFAULT_COVERAGE == 0.9
    assert interval_label(unknown) == "90 % interval"


def test_alpha_coverage_reads_numbers_and_params():
    assert alpha_coverage(0.2) == pytest.approx(0.8)
    assert alpha_coverage("0.05") == pytest.approx(0.95)  # an MLflow param is text
    assert alpha_coverage(None) is None and alpha_coverage("") is None
    assert alpha_coverage(0.0) is None and alpha_coverage(1.0) is None


def test_a_parity_plot_for_alpha_0_2_says_80_percent_and_never_90():
    figure = parity_plot(_predictions(), "conductivity: CV", coverage=alpha_coverage(0.2))
    texts = _texts(figure)
    assert any(t.startswith("80 % interval: holds ") for t in texts)
    assert not any("90 % interval" in t for t in texts)


def test_a_training_run_names_its_parity_bars_by_its_conformal_alpha(tmp_path, monkeypatch):
    """log_evaluation draws the parity plot with the config's coverage (alpha 0.2: 80 %)."""
    drawn = []
    original = plots.parity_plot

    def spy(*args, **kwargs):
        figure = original(*args, **kwargs)
        drawn.append(figure)
        return figure

    monkeypatch.setattr(plots, "parity_plot", spy)
    config = TrainConfig(
        task="conductivity", conformal_alpha=0.2, featurizers=["magpie"],
        estimator="random_forest", registered_model_name="test-labels",
    )  # fmt: skip
    result = SimpleNamespace(
        metrics={"mae": 0.5}, predictions=_predictions(), per_group=None, breakdowns={}
    )
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    experiment = get_or_create_experiment("labels", store)  # artifacts beside the store
    with fluent_tracking(store), mlflow.start_run(experiment_id=experiment):
        train_logging.log_evaluation(config, "family_cv", result, tmp_path)
    assert len(drawn) == 1
    texts = _texts(drawn[0])
    assert any(t.startswith("80 % interval: holds ") for t in texts)
    assert not any("90 % interval" in t for t in texts)


def coverage_store(folder, model: str = "cond-alpha-0.2") -> SimpleNamespace:
    """A store in ``folder`` with a "training" run of ``conformal_alpha`` 0.2, its model
    registered (``models:/<model>/1``, alias ``champion``) and a run that logged no alpha."""
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("labels", artifact_location=str(folder / "artifacts"))
    run = client.create_run(experiment)
    client.log_param(run.info.run_id, "conformal_alpha", "0.2")
    client.set_terminated(run.info.run_id)
    client.create_registered_model(model)
    client.create_model_version(model, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    client.set_registered_model_alias(model, "champion", "1")
    bare = client.create_run(experiment)  # a run that logged no conformal_alpha
    return SimpleNamespace(uri=uri, run_id=run.info.run_id, bare_run_id=bare.info.run_id)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> SimpleNamespace:
    return coverage_store(tmp_path_factory.mktemp("coverage-store"))


def test_model_coverage_reads_the_training_runs_conformal_alpha(store):
    for uri in ("models:/cond-alpha-0.2/1", "models:/cond-alpha-0.2@champion",
                f"runs:/{store.run_id}/model"):  # fmt: skip
        assert model_coverage(uri, store.uri) == pytest.approx(0.8), uri


def test_model_coverage_is_none_when_unknown(store, tmp_path):
    assert model_coverage(None, store.uri) is None
    assert model_coverage("models:/no-such-model/3", store.uri) is None
    assert model_coverage(f"runs:/{store.bare_run_id}/model", store.uri) is None
    assert model_coverage(str(tmp_path / "no-model-here"), store.uri) is None
