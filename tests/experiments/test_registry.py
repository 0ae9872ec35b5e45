import pytest

from electroscreen.experiments.model_registry import ModelNotFoundError, latest_model_uri


def test_latest_model_uri_without_a_model_says_how_to_train_one(tmp_path):
    uri = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ModelNotFoundError) as info:
        latest_model_uri("electroscreen-air-stability", tracking_uri=uri)
    assert "electroscreen train --config configs/air_stability.yaml" in str(info.value)
    with pytest.raises(ModelNotFoundError, match="configs/conductivity.yaml"):
        latest_model_uri("electroscreen-conductivity", tracking_uri=uri)
