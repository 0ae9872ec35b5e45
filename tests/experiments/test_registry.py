import pytest

from electroscreen.experiments.model_registry import ModelNotFoundError, latest_model_uri


def test_latest_model_uri_without_a_model_says_how_to_train_one(tmp_path):
    uri = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ModelNotFoundError) as info:
        latest_model_uri("electroscreen-air-stability", tracking_uri=uri)
    assert "electroscreen train --config configs/air_stability.yaml" in str(info.value)
    with pytest.raises(ModelNotFoundError, match="configs/conductivity.yaml"):
        latest_model_uri("electroscreen-conductivity", tracking_uri=uri)


def test_a_version_from_a_run_that_did_not_finish_is_not_the_newest(tmp_path):
    """A run that registered its model and then failed (a bad alias rejected by MLflow after
    registration) left the version `screen` took by default."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'm.db'}"
    client = MlflowClient(uri, uri)
    experiment = client.create_experiment("e", artifact_location=str(tmp_path / "a"))
    client.create_registered_model("m")
    statuses = ["FINISHED", "FINISHED", "FAILED", "KILLED"]
    for status in statuses:
        run = client.create_run(experiment)
        client.create_model_version("m", str(tmp_path / "model"), run_id=run.info.run_id)
        client.set_terminated(run.info.run_id, status=status)
    assert latest_model_uri("m", tracking_uri=uri) == "models:/m/2"
    client.create_model_version("m", str(tmp_path / "model"))  # no run: stands on its own
    assert latest_model_uri("m", tracking_uri=uri) == "models:/m/5"
    client.create_registered_model("only_failed")
    run = client.create_run(experiment)
    client.create_model_version("only_failed", str(tmp_path / "model"), run_id=run.info.run_id)
    client.set_terminated(run.info.run_id, status="FAILED")
    with pytest.raises(ModelNotFoundError, match="did not finish"):
        latest_model_uri("only_failed", tracking_uri=uri)
