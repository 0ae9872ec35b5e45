"""``screen`` checks, before its batches, that this code computes each model's descriptors as when
the model was trained (``models/descriptor_fingerprint.py``): a model fed other descriptors is a
``warning:`` line, in ``OUT/model_warnings.txt`` and on the MLflow run; a model without a fingerprint
is one ``note:`` line; unchanged code says nothing, in well under a second."""

from __future__ import annotations

from mlflow import MlflowClient

from electroscreen.models import descriptor_fingerprint as fp
from electroscreen.screening import batch
from electroscreen.screening.class_warnings import WARNINGS_FILE, WARNINGS_TAG
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import load_screening_config
from tests.models.conftest import shift_electrolyte_column


def test_screen_names_the_model_whose_descriptors_changed(
    model_store, formula_pool, tmp_path, monkeypatch
):
    run = dict(config=load_screening_config(batch_size=10), tracking_uri=model_store.uri)
    said: list[str] = []
    plain = screen([formula_pool], tmp_path / "plain", track=False, progress=False, log=said.append, **run)  # fmt: skip
    assert plain.descriptor_warnings == []  # the tiny models, reloaded by unchanged code
    assert not any("descriptor" in s for s in said)
    assert not (tmp_path / "plain" / WARNINGS_FILE).exists()
    # both models, after the featurizers' warm-up: milliseconds (7-17 ms for the default air
    # model); the bound leaves room for a loaded 2-core CI machine
    assert plain.timings["descriptor_check"] < 5.0

    shift_electrolyte_column(monkeypatch, "charge_residual", 0.01)  # the air model's featurizer
    said = []
    result = screen([formula_pool], tmp_path / "out", progress=False, log=said.append, **run)
    air = next(  # this store's air model (other tests leave theirs in the cache)
        p
        for key, p in batch._CACHE.items()
        if key[1] == model_store.uri and p.task == "air_stability"
    )
    n_columns = len(getattr(air, fp.ATTRIBUTE)["columns"])
    line = (
        f"the air_stability model {model_store.stability} was trained with descriptors this code "
        f"now computes differently: 1 of {n_columns} columns differ on the probe compositions "
        "(charge_residual); its predictions are made on descriptors it did not learn from: "
        "retrain it"
    )
    assert result.descriptor_warnings == [line]  # the conductivity model (magpie) is unchanged
    summary = next(i for i, s in enumerate(said) if "ranked, in" in s)
    assert said.index(f"warning: {line}") < summary  # said at the start, before the batches end
    assert (tmp_path / "out" / WARNINGS_FILE).read_text() == f"warning: {line}\n"
    tags = MlflowClient(tracking_uri=model_store.uri).get_run(result.run_id).data.tags
    assert tags[WARNINGS_TAG] == f"warning: {line}"
    assert line in tags["mlflow.note.content"]

    for predictor in list(batch._CACHE.values()):  # as models pickled before the fingerprint
        monkeypatch.setattr(predictor, fp.ATTRIBUTE, None)
    said = []
    again = screen([formula_pool], tmp_path / "out", track=False, progress=False, fresh=True, log=said.append, **run)  # fmt: skip
    assert again.descriptor_warnings == [] and not (tmp_path / "out" / WARNINGS_FILE).exists()
    notes = [s for s in said if s.startswith("note:") and "descriptor fingerprint" in s]
    assert len(notes) == 2 and "cannot be checked" in notes[0]
    assert model_store.conductivity in notes[0] and model_store.stability in notes[1]
