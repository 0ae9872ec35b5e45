"""Library code leaves MLflow's global tracking state as it found it (training, model loading)."""

from __future__ import annotations

import os

import mlflow
import pytest

from electroscreen.experiments.pyfunc import load_predictor
from electroscreen.experiments.tracking import fluent_tracking, tracking_client
from tests.tiny_models import train_tiny

_ENV = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
    "MLFLOW_EXPERIMENT_ID",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR",  # decided by the CLI, never by library code
    "OMP_WAIT_POLICY",  # likewise
    "MIMALLOC_ALLOW_THP",  # likewise
)


def _state() -> tuple:
    """What MLflow's fluent API would use now: URIs, active experiment and the mirrored env vars."""
    from mlflow.tracking import _model_registry, _tracking_service, fluent

    return (
        _tracking_service.utils._tracking_uri,
        _model_registry.utils._registry_uri,
        fluent._active_experiment_id,
        tuple(os.environ.get(name) for name in _ENV),
    )


@pytest.fixture
def caller_store(tmp_path, monkeypatch):
    """A caller that set its own MLflow store (sentinel URIs, env vars restored after the test)."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    mine = f"sqlite:///{tmp_path / 'caller.db'}"
    mlflow.set_tracking_uri(mine)
    mlflow.set_registry_uri(mine)
    yield mine
    mlflow.set_tracking_uri(None)
    from mlflow.tracking import _model_registry

    _model_registry.utils._registry_uri = None


def test_fluent_tracking_restores_unset_and_set_state(tmp_path, monkeypatch):
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    mlflow.set_tracking_uri(None)
    before = _state()
    store = f"sqlite:///{tmp_path / 'a.db'}"
    with fluent_tracking(store) as uri:
        assert uri == store and mlflow.get_tracking_uri() == store
        assert mlflow.get_registry_uri() == store
    assert _state() == before  # unset stays unset, env vars included
    with pytest.raises(RuntimeError), fluent_tracking(store):
        raise RuntimeError("a failed training")
    assert _state() == before


def test_training_and_loading_leave_the_global_uri_alone(caller_store, tmp_path, data_dir):
    before = _state()
    store = f"sqlite:///{tmp_path / 'models.db'}"
    model_uri = train_tiny(
        "conductivity", ["electrolyte"], store, data_dir, experiment="globals-test",
        evaluation={"schemes": [], "cv_folds": 2},
    )  # fmt: skip
    assert _state() == before
    assert mlflow.get_tracking_uri() == caller_store
    # the model went to the store named, not to the caller's
    assert tracking_client(store).get_registered_model("electroscreen-conductivity")
    predictor = load_predictor(model_uri, store)
    assert _state() == before
    assert type(predictor).__name__ == "CandidatePredictor"
