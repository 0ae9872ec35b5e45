"""A training run as the MLflow UI shows it: model-development experiment, descriptions."""

from __future__ import annotations

from mlflow import MlflowClient


def test_training_run_and_experiment_are_described(trained_run):
    client = MlflowClient(tracking_uri=trained_run.tracking_uri)
    experiment = client.get_experiment_by_name("test-train")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert "electroscreen train" in experiment.tags["mlflow.note.content"]
    run = client.search_runs([experiment.experiment_id], "tags.`electroscreen.kind` = 'train'")[0]
    note = run.data.tags["mlflow.note.content"]
    assert trained_run.model_uri in note
    assert "`random_forest` on `magpie`, `electrolyte`" in note
    mae = run.data.metrics["test_mae"]
    assert f"| test_mae | {mae:.3f} |" in note
    fitted = int(run.data.metrics["n_rows_fit"])
    assert f"the final model learned from {fitted} of the official train split" in note


def test_a_training_note_gives_each_metric_its_unit():
    from electroscreen.experiments.notes import training_note

    note = training_note(
        "conductivity", "extra_trees", ["element_fractions"], 1054,
        {"test_mae": 1.116, "test_r2": 0.5, "cv_interval_width": 7.01}, "models:/c/1",
        fit=(681, "the official train split"),
    )  # fmt: skip
    assert "training table: 1054 rows; the final model learned from 681 of the official" in note
    assert "| test_mae | 1.116 | log10 S/cm |" in note
    assert "| test_r2 | 0.500 |  |" in note
    assert "| cv_interval_width | 7.010 | decades |" in note
