"""``CandidatePredictor``'s scikit-learn conventions (``predict``, ``score``, ``NotFittedError``)
and the one warning of a frame whose temperatures look like kelvin."""

from __future__ import annotations

import typing
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, r2_score

from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.tasks import air_stability_targets, load_task_table
from electroscreen.models.temperature import KELVIN_LIKE, KelvinWarning

FOREST = {"n_estimators": 10, "n_jobs": 1}


@pytest.fixture(scope="module")
def conductivity_model(conductivity_table) -> CandidatePredictor:
    train = conductivity_table[conductivity_table["split"] == "train"]
    return CandidatePredictor(
        featurizers=("element_fractions",), estimator="extra_trees", estimator_params=FOREST
    ).fit(train)


@pytest.fixture(scope="module")
def air_table(data_dir) -> pd.DataFrame:
    return load_task_table("air_stability", data_dir).reset_index(drop=True)


@pytest.fixture(scope="module")
def air_model(air_table) -> CandidatePredictor:
    return CandidatePredictor(
        task="air_stability", featurizers=("element_fractions",), estimator_params=FOREST
    ).fit(air_table)


def test_an_unfitted_predictor_raises_not_fitted_error(conductivity_table):
    """It raised a plain ValueError; scikit-learn's NotFittedError is one, so old callers that
    caught ValueError still do."""
    model = CandidatePredictor(featurizers=("element_fractions",))
    frame = pd.DataFrame({"formula": ["Li3YCl6"]})
    calls = {
        "predict_frame": lambda: model.predict_frame(frame),
        "predict": lambda: model.predict(frame),
        "score": lambda: model.score(conductivity_table),
        "predict_design": lambda: model.predict_design(model.featurize(frame)),
        "remember_heldout": lambda: model.remember_heldout(conductivity_table),
    }
    for name, call in calls.items():
        with pytest.raises(NotFittedError, match="not fitted: call fit") as raised:
            call()
        assert isinstance(raised.value, ValueError), name


def test_predict_is_the_task_point_prediction_row_by_row(conductivity_model, air_model):
    frame = pd.DataFrame({"formula": ["Li3YCl6", "Li3Xq2(((", "Li6PS5Cl"]}, index=[7, 3, 5])
    for model, column in ((conductivity_model, "pred_log10_sigma"), (air_model, "p_air_stable")):
        pred = model.predict(frame)
        assert isinstance(pred, np.ndarray) and pred.shape == (3,) and pred.dtype == np.float64
        np.testing.assert_array_equal(pred, model.predict_frame(frame)[column].to_numpy())
        assert np.isnan(pred[1]) and np.isfinite(pred[[0, 2]]).all(), column
    p = air_model.predict(frame)
    assert ((p[[0, 2]] > 0) & (p[[0, 2]] < 1)).all()  # a probability, not a 0/1 label


def test_conductivity_score_is_r2_on_the_exact_labels_at_25_degc(
    conductivity_model, conductivity_table
):
    test = conductivity_table[conductivity_table["split"] == "test"].reset_index(drop=True)
    exact = ~test["censored"].fillna(False).to_numpy(dtype=bool)
    assert (~exact).any()  # the test split has censored rows: they must not count
    pred = conductivity_model.predict_frame(test)["pred_log10_sigma"].to_numpy()
    expected = r2_score(test["log10_sigma"][exact], pred[exact])
    assert conductivity_model.score(test) == pytest.approx(expected, abs=1e-12)
    # a censored row's bound, a bad formula and a temperature column change nothing
    moved = test.assign(log10_sigma_upper=np.where(exact, test["log10_sigma_upper"], 5.0))
    bad = pd.DataFrame({"formula": ["Li3Xq2((("], "log10_sigma": [-3.0], "censored": [False]})
    hot = pd.concat([moved, bad], ignore_index=True).assign(temperature_c=150.0)
    assert conductivity_model.score(hot) == pytest.approx(expected, abs=1e-12)
    assert conductivity_model.score(test) < conductivity_model.score(
        conductivity_table[conductivity_table["split"] == "train"]
    )  # higher is better: the rows it was fitted on score higher
    with pytest.raises(ValueError, match="labelled conductivity table.*'log10_sigma'"):
        conductivity_model.score(test[["formula"]])


def test_air_stability_score_is_the_accuracy_each_composition_counted_once(air_model, air_table):
    targets = air_stability_targets(air_table)
    p = air_model.predict(air_table)
    use = np.isfinite(targets.y) & np.isfinite(p)
    expected = accuracy_score(
        targets.y[use].astype(int), p[use] >= 0.5, sample_weight=targets.sample_weight[use]
    )
    assert len(np.unique(targets.sample_weight)) > 1  # some compositions have several rows
    assert air_model.score(air_table) == pytest.approx(expected, abs=1e-12)


def test_kelvin_like_temperatures_are_one_warning_naming_the_rows(conductivity_model):
    """A kelvin-looking temperature was only a note, seen with details=True; a notebook user got
    ``pred_status ok`` and nothing else. Now one warning for the frame, however many rows."""
    frame = pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c", "d", "e"],
            "formula": ["LiCl", "LiCl", "Li3Xq2(((", "LiCl", "LiCl"],
            "temperature_c": [298.15, 25.0, 298.15, 323.15, None],
        }
    )
    with pytest.warns(KelvinWarning) as caught:
        out = conductivity_model.predict_frame(frame)
    assert len(caught) == 1  # one warning, not one per row
    message = str(caught[0].message)
    assert message.startswith("2 row(s)") and "(a, d)" in message  # not the unparsable row c
    assert caught[0].filename == __file__  # points at the caller's line
    assert issubclass(KelvinWarning, UserWarning)
    assert out["pred_status"].tolist()[:2] == ["no_temperature_model", "ok"]
    assert out["pred_status"].iloc[4] == "ok"  # a missing temperature is 25 degC
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # details=True: the notes are the answer, no warning
        notes = conductivity_model.predict_frame(frame, details=True)["pred_feature_status"]
        assert [KELVIN_LIKE in n for n in notes] == [True, False, False, True, False]
        conductivity_model.predict_frame(frame.assign(temperature_c=[25.0, 80, 25, None, 40]))
        conductivity_model.predict(frame[["formula"]])


def test_the_kelvin_warning_names_the_index_without_ids_and_stops_at_five(conductivity_model):
    frame = pd.DataFrame({"formula": ["LiCl"] * 7, "temperature_c": [298.15] * 7})
    frame.index = [f"r{i}" for i in range(7)]
    with pytest.warns(KelvinWarning, match=r"^7 row\(s\) .*\(r0, r1, r2, r3, r4, \.\.\.\)"):
        conductivity_model.predict(frame)


def test_load_predictor_is_annotated_with_the_class_it_returns():
    from electroscreen.experiments.pyfunc import load_predictor

    hints = typing.get_type_hints(
        load_predictor, localns={"CandidatePredictor": CandidatePredictor}
    )
    assert hints["return"] is CandidatePredictor
