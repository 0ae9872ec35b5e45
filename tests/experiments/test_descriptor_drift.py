"""``train`` logs the model's descriptor fingerprint; the pyfunc model warns once per load when this
code computes the model's descriptors differently (``models/descriptor_fingerprint.py``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient

from electroscreen.experiments.pyfunc import load_predictor
from electroscreen.experiments.tracking import fluent_tracking
from electroscreen.models import descriptor_fingerprint as fp
from tests.models.conftest import shift_electrolyte_column

FRAME = pd.DataFrame({"formula": ["Li3PS4", "Li7La3Zr2O12"]})


def _drift_warnings(model) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(FRAME)
    return [str(w.message) for w in caught if issubclass(w.category, fp.DescriptorDriftWarning)]


def _load(trained_run):
    with fluent_tracking(trained_run.tracking_uri):
        return mlflow.pyfunc.load_model(trained_run.model_uri)


def test_the_run_logs_the_fingerprint_the_registered_model_carries(trained_run, tmp_path):
    predictor = load_predictor(trained_run.model_uri, trained_run.tracking_uri)
    record = getattr(predictor, fp.ATTRIBUTE)
    assert list(record["columns"]) == [str(n) for n in predictor.feature_names()]
    assert fp.check_fingerprint(predictor).ok  # reloaded, same code: every column matches
    client = MlflowClient(tracking_uri=trained_run.tracking_uri)
    run_id = client.get_model_version("test-conductivity", "1").run_id
    assert client.get_run(run_id).data.tags[fp.TAG] == record["digest"]
    logged = json.loads(Path(client.download_artifacts(run_id, fp.ARTIFACT, tmp_path)).read_text())
    assert {k: logged[k] for k in record} == record
    assert logged["values"] == fp.probe_values(predictor)  # the rows behind each hash


def test_pyfunc_warns_once_per_load_naming_the_changed_column(trained_run, monkeypatch):
    assert _drift_warnings(_load(trained_run)) == []  # unchanged code: silent
    shift_electrolyte_column(monkeypatch, "charge_residual", 0.01)
    model = _load(trained_run)
    first = _drift_warnings(model)
    assert len(first) == 1
    assert "conductivity model was trained with descriptors this code now computes" in first[0]
    assert "columns differ on the probe compositions (charge_residual)" in first[0]
    assert first[0].endswith("retrain it")
    assert _drift_warnings(model) == []  # once per load
    assert len(_drift_warnings(_load(trained_run))) == 1  # a new load checks again
