"""A new estimator written as docs/architecture.md says ("A model", "Worked example: a model"):
it trains and predicts through the predictor; one without the methods the pipeline calls is
refused when it is built and when a config naming it loads, before any training."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from electroscreen.experiments.config_files import ConfigError
from electroscreen.models import estimators, predictor_params
from electroscreen.models.estimators import (
    ESTIMATORS,
    MissingInterfaceError,
    build_estimator,
    check_estimator,
)
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.sklearn_models import MedianImputer
from electroscreen.models.tasks import AIR_STABILITY, CONDUCTIVITY
from tests.experiments.conftest import write_config


class NearestMean(RegressorMixin, BaseEstimator):
    """The mean of the ``k`` nearest training rows; spread: their standard deviation."""

    def __init__(self, k: int = 5, random_state: int = 0) -> None:
        self.k = k
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> NearestMean:
        self.imputer_ = MedianImputer().fit(np.asarray(X, dtype=np.float64))
        self.X_ = self.imputer_.transform(np.asarray(X, dtype=np.float64))
        self.y_ = np.asarray(y, dtype=np.float64)
        return self

    def predict_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        Z = self.imputer_.transform(np.asarray(X, dtype=np.float64))
        distance = ((Z[:, None, :] - self.X_[None, :, :]) ** 2).sum(axis=2)
        nearest = self.y_[np.argsort(distance, axis=1, kind="stable")[:, : self.k]]
        return nearest.mean(axis=1), nearest.std(axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_dist(X)[0]


class NearestMeanWithoutDist(RegressorMixin, BaseEstimator):
    """Written to the scikit-learn rules alone: ``predict``, no ``predict_dist``."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> NearestMeanWithoutDist:
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.mean_)


class UnweightedClassifier(ClassifierMixin, BaseEstimator):
    """Has ``predict_proba_dist`` but a ``fit`` that takes no ``sample_weight``."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> UnweightedClassifier:
        self.p_ = float(np.mean(y))
        return self

    def predict_proba_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full(len(X), self.p_), np.zeros(len(X))


NEW = {
    "nearest": NearestMean,
    "no_dist": NearestMeanWithoutDist,
    "unweighted": UnweightedClassifier,
}


@pytest.fixture
def registered(monkeypatch):
    """The three classes registered as estimators (``ESTIMATORS`` and a ``build_estimator`` branch)."""
    names = (*ESTIMATORS, *NEW)
    monkeypatch.setattr(estimators, "ESTIMATORS", names)
    monkeypatch.setattr(predictor_params, "ESTIMATORS", names)
    build = estimators._build

    def _build(task, name, params, random_state, device, blocks, feature_names):
        if name in NEW:
            return NEW[name](**{"random_state": random_state, **(params or {})})
        return build(task, name, params, random_state, device, blocks, feature_names)

    monkeypatch.setattr(estimators, "_build", _build)


def test_a_regressor_with_predict_dist_trains_and_predicts(registered, conductivity_table):
    assert build_estimator(CONDUCTIVITY, "nearest", {"k": 3}, 0, "cpu").k == 3
    check_estimator(CONDUCTIVITY, "nearest", {"k": 3})
    table = conductivity_table[conductivity_table["split"] == "train"].head(120)
    model = CandidatePredictor(
        featurizers=["magpie"], estimator="nearest", estimator_params={"k": 3}, device="cpu"
    ).fit(table)
    out = model.predict_frame(conductivity_table[conductivity_table["split"] == "test"].head(10))
    assert (out["pred_status"] == "ok").all()
    assert (out["pred_log10_sigma_lo"] <= out["pred_log10_sigma"]).all()
    assert (out["pred_log10_sigma"] <= out["pred_log10_sigma_hi"]).all()


@pytest.mark.parametrize(
    ("task", "name", "says"),
    [
        (CONDUCTIVITY, "no_dist", r"'no_dist' \(NearestMeanWithoutDist\) has no predict_dist\(X\)"),
        (AIR_STABILITY, "no_dist", r"has no predict_proba_dist\(X\) -> \(p, std\)"),
        (AIR_STABILITY, "unweighted", r"fit\(X, y, sample_weight=...\) must take 'sample_weight'"),
    ],
)
def test_a_missing_method_is_named_when_built_and_checked(registered, task, name, says):
    with pytest.raises(MissingInterfaceError, match=says):
        build_estimator(task, name, {}, 0, "cpu")
    with pytest.raises(MissingInterfaceError, match=says):  # not "estimator_params of ...:"
        check_estimator(task, name, {})


def test_a_config_naming_it_is_refused_when_it_loads(registered, tmp_path):
    from electroscreen.experiments.train_config import load_train_config

    good = write_config(tmp_path, "good.yaml", estimator="nearest", estimator_params={"k": 3})
    assert load_train_config(good).estimator == "nearest"
    bad = write_config(tmp_path, "bad.yaml", estimator="no_dist", estimator_params={})
    with pytest.raises(ConfigError, match=r"field 'estimator_params'.*has no predict_dist\(X\)"):
        load_train_config(bad)


def test_every_shipped_estimator_has_the_interface_of_its_tasks():
    """No shipped estimator is refused by check_interface for a task it serves."""
    built = 0
    for task in (CONDUCTIVITY, AIR_STABILITY):
        for name in ESTIMATORS:
            if name in ("averaged", "gated"):
                continue  # composites: their members are built (and checked) alike
            try:
                build_estimator(task, name, {}, 0, "cpu")
            except MissingInterfaceError:
                raise
            except ValueError:
                continue  # an estimator of the other task ("logistic is a classifier")
            built += 1
    # the trees and the MLP for both tasks; graph, attention (conductivity), logistic (air)
    assert built == 2 * (len(estimators.TREE_ESTIMATORS) + 1) + 3
