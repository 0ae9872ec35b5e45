"""Fitting weights of air-stability labels (``label_weights``): the factors, their reach into the
estimator's ``fit``, and the default (no ``label_weights``) weighing every row as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import electroscreen.models.predictor as predictor_module
from electroscreen.data.composition_match import composition_groups
from electroscreen.experiments.train import build_predictor
from electroscreen.experiments.train_config import ConfigError, load_train_config
from electroscreen.models.evaluation import evaluate
from electroscreen.models.label_weights import check_label_weights, label_fit_weights
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.tasks import air_stability_targets, load_task_table
from tests.test_configs import REPO_CONFIGS as CONFIGS

BOTH = {"weak_evidence": 0.5, "exposure": 1.5}


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return load_task_table("air_stability").reset_index(drop=True)


def _toy() -> pd.DataFrame:
    """Two rows of one composition (a weak review, a harsh measurement) and two of others."""
    return pd.DataFrame(
        {
            "formula": ["Li3PS4", "Li3PS4", "Li7La3Zr2O12", "Li3InCl6"],
            "verdict": ["unstable", "unstable", "moderate", "moderate"],
            "evidence": ["review statement", "H2S sensor", "XRD after storage", "XRD"],
            "condition": ["humid air", "100% RH", "distilled water immersion", "dry room"],
            "rh_percent": [np.nan, 100.0, np.nan, np.nan],
            "dew_point_c": [np.nan, np.nan, np.nan, -40.0],
            "duration_h": [np.nan, 1.0, 100.0, np.nan],
        }
    )


def test_factors_of_each_kind_of_row():
    toy = _toy()
    y = air_stability_targets(toy).y
    # weak 0.5; unstable after a harsh test 1/1.5; not unstable after a harsh test 1.5; after a
    # mild one 1/1.5; Li3PS4's two rows over its 2 rows
    np.testing.assert_allclose(
        label_fit_weights(toy, y, BOTH), [0.5 / 2, (1 / 1.5) / 2, 1.5, 1 / 1.5]
    )
    share = label_fit_weights(toy, y, BOTH | {"per_composition": "share"})
    np.testing.assert_allclose(share, [0.5 / (0.5 + 1 / 1.5), (1 / 1.5) / (0.5 + 1 / 1.5), 1, 1])


def test_all_factors_one_are_the_tasks_weights(labels):
    targets = air_stability_targets(labels)
    for spec in ({}, {"per_composition": "share"}):
        np.testing.assert_allclose(
            label_fit_weights(labels, targets.y, spec), targets.sample_weight, rtol=0, atol=1e-15
        )


def test_share_keeps_each_composition_at_one(labels):
    targets = air_stability_targets(labels)
    weight = label_fit_weights(labels, targets.y, BOTH | {"per_composition": "share"})
    group = composition_groups(labels["formula"].astype(str).tolist())
    np.testing.assert_allclose(np.bincount(group, weights=weight), 1.0)
    # and the weak rows of the package labels do weigh less under "rows"
    rows = label_fit_weights(labels, targets.y, {"weak_evidence": 0.5})
    assert (rows < targets.sample_weight).sum() >= 90


def test_bad_label_weights_are_named():
    with pytest.raises(ValueError, match="unknown key"):
        check_label_weights({"weak": 0.5})
    with pytest.raises(ValueError, match="label_weights.exposure"):
        check_label_weights({"exposure": 0})
    with pytest.raises(ValueError, match="per_composition"):
        check_label_weights({"per_composition": "sum"})
    with pytest.raises(ValueError, match="air stability"):
        CandidatePredictor(task="conductivity", label_weights=BOTH).fit(pd.DataFrame())


class _Recorder:
    """Wraps an estimator and keeps the ``sample_weight`` its ``fit`` was handed."""

    seen: list[np.ndarray] = []

    def __init__(self, inner):
        self.inner = inner

    def fit(self, X, y, sample_weight=None):
        _Recorder.seen.append(np.asarray(sample_weight, dtype=float))
        self.inner.fit(X, y, sample_weight=sample_weight)
        return self


@pytest.fixture
def recorded(monkeypatch):
    real = predictor_module.build_estimator
    monkeypatch.setattr(
        predictor_module, "build_estimator", lambda *a, **k: _Recorder(real(*a, **k))
    )
    _Recorder.seen = []
    return _Recorder.seen


@pytest.mark.parametrize("spec", [None, BOTH, BOTH | {"per_composition": "share"}])
def test_the_weights_reach_the_estimators_fit(labels, recorded, spec):
    model = CandidatePredictor(
        task="air_stability",
        featurizers=("electrolyte",),
        estimator="logistic",
        estimator_params={"n_members": 2},
        label_weights=spec,
    )
    design = model.featurize(labels)
    model.fit_design(design, labels)
    targets = air_stability_targets(labels)
    rows = design.rows[np.isfinite(targets.y[design.rows])]
    (weight,) = recorded
    if spec is None:  # the default: the task's 1 / rows of the composition, as before
        np.testing.assert_array_equal(weight, targets.sample_weight[rows])
    else:
        np.testing.assert_allclose(weight, label_fit_weights(labels, targets.y, spec)[rows])
        assert not np.allclose(weight, targets.sample_weight[rows])


def test_evaluation_keeps_the_tasks_weights(labels):
    """Weights act in fitting only: the scored rows keep 1 / rows of the composition."""
    model = CandidatePredictor(
        task="air_stability",
        featurizers=("electrolyte",),
        estimator="logistic",
        estimator_params={"n_members": 2},
        label_weights=BOTH,
    )
    result = evaluate(model, labels, scheme="composition_cv", n_splits=3)
    expected = air_stability_targets(labels).sample_weight
    by_id = dict(zip(labels["candidate_id"], expected, strict=True))
    np.testing.assert_array_equal(
        result.predictions["weight"], result.predictions["candidate_id"].map(by_id)
    )


def test_the_default_config_has_no_label_weights():
    """The shipped air configs weigh rows as before and log no ``label_weights`` params."""
    for name in ("air_stability.yaml", "air_stability_logistic.yaml"):
        config = load_train_config(CONFIGS / name)
        assert config.label_weights is None
        assert build_predictor(config).label_weights is None
        assert not any(key.startswith("label_weights") for key in config.flat_params())


def test_label_weights_in_a_config():
    config = load_train_config(
        CONFIGS / "air_stability_logistic.yaml", label_weights={"weak_evidence": 0.5}
    )
    assert config.label_weights == {
        "weak_evidence": 0.5,
        "exposure": 1.0,
        "per_composition": "rows",
    }
    assert config.flat_params()["label_weights.weak_evidence"] == "0.5"
    assert build_predictor(config).label_weights == config.label_weights
    with pytest.raises(ConfigError, match="air_stability only"):
        load_train_config(CONFIGS / "conductivity.yaml", label_weights={"weak_evidence": 0.5})
