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
    wider = training_note("conductivity", "x", ["y"], 1, {"cv_coverage_80": 0.8}, "models:/c/1")
    assert "| cv_coverage_80 | 0.800 | share of rows |" in wider  # any level has its unit


def test_a_training_run_explains_its_metric_names(trained_run):
    """The description showed `test_mae` beside `test_mae_obelix_protocol`, `cv_` and the ROC-AUC
    of a regression with no word of what they mean, and coverage without the interval's width."""
    client = MlflowClient(tracking_uri=trained_run.tracking_uri)
    experiment = client.get_experiment_by_name("test-train")
    run = client.search_runs([experiment.experiment_id], "tags.`electroscreen.kind` = 'train'")[0]
    note, metrics = run.data.tags["mlflow.note.content"], run.data.metrics
    assert f"| test_interval_width | {metrics['test_interval_width']:.3f} | decades |" in note
    assert f"| cv_interval_width | {metrics['cv_interval_width']:.3f} | decades |" in note
    key = note[note.index("**Key.**") :]  # under the table
    assert note.index("| test_mae |") < note.index("**Key.**")
    # the run's two schemes, and no other
    assert "`test_` OBELiX official test split" in key
    assert "`cv_` CV grouped by family" in key and "`compcv_`" not in key
    n_all, n_exact = int(metrics["test_n_obelix_protocol"]), int(metrics["test_n"])
    assert n_all > n_exact  # the censored test rows count only in the paper's protocol
    assert (
        f"`test_mae_obelix_protocol` is the MAE comparable with the OBELiX paper: all {n_all} "
        "test rows, censored entries counted as 1e-15 S/cm" in key
    )
    assert f"censored ones left out (`test_mae`: {n_exact} test rows)" in key
    assert "`*_roc_auc`: how well the prediction ranks σ ≥ 1e-4 S/cm" in key
    assert "share of σ ≥ 1e-3 S/cm among the 5 % of rows predicted highest" in key
    rates = f"test {metrics['test_top5_base_rate']:.3f}, cv {metrics['cv_top5_base_rate']:.3f}"
    assert f"(a random pick: {rates}, `*_top5_base_rate`)" in key
    assert "`*_interval_width`: its mean width (decades)" in key


def test_the_air_stability_key_names_its_schemes_and_scores():
    from electroscreen.experiments.metric_key import metric_key

    metrics = {"compcv_roc_auc": 0.84, "lofo_brier": 0.2, "n_label_rows": 300.0}
    key = "\n".join(metric_key("air_stability", metrics))
    assert "`compcv_` CV grouped by composition; `lofo_` leave one family out." in key
    assert "`cv_`" not in key and "`test_`" not in key
    assert "A family here is the label's chemical class." in key
    assert "`*_brier_skill`: 1 - brier / the Brier score" in key and "σ" not in key
    assert metric_key("air_stability", {"n_label_rows": 300.0}) == []  # no scheme, no key


def test_experiment_notes_open_with_plain_text_and_say_what_to_compare():
    """The experiment list showed the notes' first words raw: `Models of **electroscr…`."""
    from electroscreen.experiments.notes import EXPERIMENT_NOTES

    for note in EXPERIMENT_NOTES.values():
        first = note[: note.index(":")]
        assert not set("*`_[#") & set(first), first
    assert "`test_mae_obelix_protocol`" in EXPERIMENT_NOTES["train"]
    assert "`cv_mae`" in EXPERIMENT_NOTES["train"]
    assert "Compare runs by `test_mae`" not in EXPERIMENT_NOTES["train"]
    # the promising count rises with the screening temperature (50 at 25 degC, 127 at 80 degC)
    assert "only between screenings at the same temperature" in EXPERIMENT_NOTES["screen"]


def test_an_earlier_experiment_note_is_updated_and_a_users_kept(tmp_path):
    from electroscreen.experiments.notes import EXPERIMENT_NOTES, NOTE_TAG, describe_experiment

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    old = client.create_experiment("old", tags={NOTE_TAG: "Models of **electroscreen train**: x"})
    mine = client.create_experiment("mine", tags={NOTE_TAG: "My **own** words"})
    for experiment in (old, mine):
        describe_experiment(client, experiment, "train")
    assert client.get_experiment(old).tags[NOTE_TAG] == EXPERIMENT_NOTES["train"]
    assert client.get_experiment(mine).tags[NOTE_TAG] == "My **own** words"
