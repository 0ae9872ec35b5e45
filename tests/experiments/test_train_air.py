"""An air-stability ``electroscreen train`` run: LOFO beside composition CV, Brier, reliability plot,
per-family table and the count of label rows left out."""

from __future__ import annotations

import logging

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.data.air_stability import (
    excluded_label_rows,
    label_counts,
    load_air_stability,
)
from electroscreen.experiments.plots import reliability_plot

#: More folds than the labels have families (8), fewer than their compositions.
CV_FOLDS = 10
AIR_CONFIG = {
    "task": "air_stability",
    "featurizers": ["electrolyte"],
    "estimator": "logistic",
    "estimator_params": {"n_members": 2},
    "seed": 0,
    "final_fit": "all",
    # 10 folds asked for, 8 families: family_cv says it made 8 (logistic fits are cheap)
    "evaluation": {"schemes": ["composition_cv", "family_cv", "family_lofo"], "cv_folds": CV_FOLDS},
    "experiment": "test-train-air",
    "registered_model_name": "test-air-stability",
}


@pytest.fixture(scope="module")
def air_run(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("train_air")
    path = folder / "air.yaml"
    path.write_text(yaml.safe_dump({**AIR_CONFIG, "data_dir": str(data_dir)}, sort_keys=False))
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    # the label loader's warnings: on stderr in a terminal (logging's last-resort handler), not
    # in CliRunner's stderr under pytest (whose handlers take them)
    loader = _Collect()
    logging.getLogger("electroscreen.data.air_stability").addHandler(loader)
    try:
        result = CliRunner().invoke(
            app, ["train", "--config", str(path), "--tracking-uri", uri], catch_exceptions=False
        )
    finally:
        logging.getLogger("electroscreen.data.air_stability").removeHandler(loader)
    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    version = client.get_model_version("test-air-stability", "1")
    stderr = result.stderr + "".join(f"{line}\n" for line in loader.lines)
    return client, client.get_run(version.run_id), stderr, folder


class _Collect(logging.Handler):
    """The messages of the records it is handed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_lofo_and_composition_metrics_are_logged(air_run):
    _, run, stderr, _ = air_run
    metrics = run.data.metrics
    for prefix in ("compcv_", "lofo_"):
        for key in ("roc_auc", "brier", "accuracy"):
            assert 0.0 <= metrics[prefix + key] <= 1.0
    assert metrics["lofo_n_families"] == metrics["lofo_n_folds"] >= 5
    # the label rows whose formula is not a composition (named phases) are counted and named
    n_bad = len(excluded_label_rows(load_air_stability()))
    assert metrics["n_label_rows_excluded"] == n_bad >= 2
    counts = label_counts(load_air_stability())
    assert metrics["n_label_rows"] == counts["rows"] > metrics["n_label_compositions"]
    assert metrics["n_label_compositions_stable"] == counts["compositions_stable"] >= 30
    assert f"{n_bad} rows excluded from training: air_stability.csv lines 8, 22, 31, 46, " in stderr
    assert stderr.count(" rows excluded from training: ") == 1  # the loader said it a second time


def test_fewer_folds_than_asked_are_said(air_run):
    """cv_folds 10 with 8 labelled families: the family CV makes 8 folds, and says so once, naming
    the scheme, before its first fit (it was only the logged n_folds, then a note after the
    scheme: cv_folds 1000 ran for minutes without a word); the composition CV has its 10."""
    _, run, stderr, _ = air_run
    families = load_air_stability()["family"].nunique()
    assert run.data.metrics["cv_n_folds"] == families < CV_FOLDS
    assert run.data.metrics["compcv_n_folds"] == CV_FOLDS
    note = f"{families} folds, not cv_folds={CV_FOLDS}: only {families} groups"
    assert run.data.tags["electroscreen.folds_family_cv"] == note
    assert "electroscreen.folds_composition_cv" not in run.data.tags
    lines = stderr.splitlines()
    start = lines.index("evaluating: family_cv")
    assert lines[start + 1] == f"  warning: family_cv: {note}, each held out once"
    assert lines[start + 2].startswith("  cv_accuracy=")  # the scheme's scores come after it
    assert stderr.count(note) == 1


def test_reliability_plots_and_per_family_table(air_run, tmp_path):
    client, run, _, _ = air_run
    plots = {f.path for f in client.list_artifacts(run.info.run_id, "plots")}
    assert {"plots/reliability_compcv.png", "plots/reliability_lofo.png"} <= plots
    path = client.download_artifacts(run.info.run_id, "metrics/lofo_per_family.csv", tmp_path)
    table = pd.read_csv(path, index_col=0)
    assert {"sulfide", "oxide", "halide"} <= set(table.index)
    assert {"n", "n_positive", "n_negative", "brier", "roc_auc"} <= set(table.columns)
    # the per-family scores weight each composition once, and say over how many compositions
    lofo = pd.read_parquet(
        client.download_artifacts(run.info.run_id, "predictions/lofo_predictions.parquet", tmp_path)
    )
    sulfide = lofo[lofo["family"] == "sulfide"]
    weighted = np.average((sulfide["y_pred"] - sulfide["y_true"]) ** 2, weights=sulfide["weight"])
    assert table.loc["sulfide", "brier"] == pytest.approx(weighted)
    assert table.loc["sulfide", "n_compositions"] == pytest.approx(sulfide["weight"].sum())
    assert table.loc["sulfide", "n_compositions"] < table.loc["sulfide", "n"]
    # the reliability plot's Brier is the logged one (weighted), and says so
    legend = reliability_plot(lofo, "lofo").legends[0].get_texts()
    brier = run.data.metrics["lofo_brier"]
    assert any(f"Brier {brier:.3f}, each composition once" in t.get_text() for t in legend)
    excluded = client.download_artifacts(run.info.run_id, "excluded_labels.csv", tmp_path)
    assert set(pd.read_csv(excluded)["status"]) == {
        "unparsed_formula",
        "modified_sample",
        "relative_claim",
    }


def test_no_importances_no_csv(tmp_path):
    """An estimator without importances (``gated``) logged a CSV of empty cells beside the tag
    saying it has none."""
    from electroscreen.experiments.tracking import fluent_tracking
    from electroscreen.experiments.train_config import TrainConfig
    from electroscreen.experiments.train_logging import log_importances

    class NoImportances:
        def feature_importances(self) -> pd.Series:
            return pd.Series([float("nan")] * 3, index=["a", "b", "c"], name="importance")

    config = TrainConfig(**AIR_CONFIG)
    with fluent_tracking(f"sqlite:///{tmp_path / 'mlflow.db'}"), mlflow.start_run() as run:
        log_importances(NoImportances(), config, tmp_path)
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert client.list_artifacts(run.info.run_id) == []
    tag = client.get_run(run.info.run_id).data.tags["electroscreen.feature_importances"]
    assert tag == "the estimator has no importances"


def test_air_run_names_its_model_and_label_file(air_run):
    """The logged model was `model`, like the conductivity one; `data_dir` was the folder given,
    not the label file read (the package copy)."""
    from electroscreen.data.air_stability import AIR_STABILITY_LABELS

    client, run, _, _ = air_run
    model_id = run.data.tags["electroscreen.logged_model_uri"].removeprefix("models:/")
    assert client.get_logged_model(model_id).name == "air-stability-model"
    assert run.info.run_name == "logistic · test-air-stability"
    assert run.data.params["data_dir"] == str(AIR_STABILITY_LABELS)
    assert run.data.params["structures"] == "False"
    note = run.data.tags["mlflow.note.content"]
    assert "`compcv_` CV grouped by composition" in note and "chemical class" in note
    assert f"| compcv_brier_skill | {run.data.metrics['compcv_brier_skill']:.3f} |" in note


def test_the_label_file_read_is_tagged_by_its_sha256(air_run):
    """A data folder means the package's label file: its SHA-256 is the run's tag."""
    from electroscreen.data.air_stability import AIR_STABILITY_LABELS
    from electroscreen.data.pinned import sha256_file

    _, run, _, _ = air_run
    key = f"electroscreen.data_sha256.air_stability/{AIR_STABILITY_LABELS.name}"
    assert run.data.tags[key] == sha256_file(AIR_STABILITY_LABELS)
