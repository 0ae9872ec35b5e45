"""A fitted model's descriptor fingerprint: unchanged code matches it, a changed descriptor is named,
floating noise is not a change, and a model pickled before it loads and predicts."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition
from electroscreen.models import descriptor_fingerprint as fp
from electroscreen.models.predictor import CandidatePredictor
from tests.models.conftest import FAST_PARAMS, rng_rows, shift_electrolyte_column


@pytest.fixture(scope="module")
def fitted(conductivity_table, composition_design) -> CandidatePredictor:
    """A small magpie + electrolyte forest with its fingerprint, as ``train`` leaves it."""
    rows = rng_rows(len(conductivity_table), 200)
    predictor = CandidatePredictor(
        featurizers=("magpie", "electrolyte"), estimator_params=FAST_PARAMS["random_forest"]
    )
    predictor.fit_design(composition_design.take(rows), conductivity_table.iloc[rows])
    fp.attach_fingerprint(predictor)
    return predictor


def test_the_record_matches_after_a_pickle_round_trip(fitted):
    record = getattr(fitted, fp.ATTRIBUTE)
    names = [str(n) for n in fitted.feature_names()]
    assert list(record["columns"]) == names  # every design column, in order
    assert record["probe"]["formulas"] == list(fp.PROBE_FORMULAS)
    assert record["probe"]["structures"] == []  # a composition model is probed on formulas only
    loaded = pickle.loads(pickle.dumps(fitted))
    check = fp.check_fingerprint(loaded)
    assert check.ok and check.n_columns == len(names)
    assert fp.drift_line(loaded, "conductivity model m") is None


def test_two_computations_are_identical(fitted):
    assert fp.descriptor_fingerprint(fitted) == fp.descriptor_fingerprint(fitted)
    assert fp.probe_values(fitted) == fp.probe_values(pickle.loads(pickle.dumps(fitted)))
    values = fp.probe_values(fitted)
    # rounded text, one per probe row; the unbalanced and the Na row are featurized too
    assert {len(v) for v in values.values()} == {len(fp.PROBE_FORMULAS)}
    assert values["MagpieData mean Number"][fp.PROBE_FORMULAS.index("Li3PS4")] == "11"


def test_a_changed_descriptor_is_named_and_no_other(fitted, monkeypatch):
    column = "charge_residual"  # zero on balanced rows: the unbalanced Li2O3 shows the change
    assert column in fitted.feature_names()
    shift_electrolyte_column(monkeypatch, column, 0.01)
    check = fp.check_fingerprint(fitted)
    assert check.differing == [column]
    kind, text = fp.drift_line(fitted, "conductivity model models:/c/1")
    assert kind == "warning"
    assert f"1 of {check.n_columns} columns differ on the probe compositions ({column})" in text
    assert text.startswith("the conductivity model models:/c/1 was trained with descriptors")
    assert text.endswith("retrain it")


def test_floating_noise_is_not_a_change(fitted, monkeypatch):
    column = str(ElectrolyteComposition().get_feature_names_out()[0])
    shift_electrolyte_column(monkeypatch, column, 1e-12)  # far below 6 significant digits
    assert fp.check_fingerprint(fitted).ok


def test_a_model_pickled_before_the_record_loads_predicts_and_says_so(fitted):
    state = fitted.__getstate__()
    del state[fp.ATTRIBUTE]  # as an older electroscreen pickled it
    old = CandidatePredictor.__new__(CandidatePredictor)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert getattr(loaded, fp.ATTRIBUTE) is None
    frame = pd.DataFrame({"formula": ["Li3PS4", "Li7La3Zr2O12"]})
    out = loaded.predict_frame(frame)
    assert np.isfinite(out["pred_log10_sigma"]).all()
    assert fp.check_fingerprint(loaded) is None
    kind, text = fp.drift_line(loaded, "conductivity model m")
    assert kind == "note" and "cannot be checked" in text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fp.warn_drift(loaded)  # the pyfunc path says nothing of a model without a record


def test_a_structure_model_is_probed_on_a_rock_salt_cell():
    predictor = CandidatePredictor(featurizers=("magpie", "structure"))
    record = fp.descriptor_fingerprint(predictor)
    assert record["probe"]["structures"] == [fp.probe_structure()]
    values = fp.probe_values(predictor, record["probe"])
    structure_columns = [n for n in values if not n.startswith("MagpieData")]
    last = len(fp.PROBE_FORMULAS)  # the cell's row, after the formulas
    assert values["density"][last] == "2.08575"  # LiCl, a = 5.13 A: 4 x 42.394 u / 135.0 A^3
    assert values["carrier_anion_nn_distance_min"][last] == "2.565"  # a / 2
    assert all(values[n][0] == "nan" for n in structure_columns)  # a formula has no structure
    assert values["MagpieData mean Number"][last] == "10"  # LiCl: (3 + 17) / 2
