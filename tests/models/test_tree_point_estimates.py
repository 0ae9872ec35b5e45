"""The point a forest regressor predicts (``models/tree_point_estimates.py``): the median of its
trees on real rows, the quantile regression forest's median against a plain NumPy reference built
from scikit-learn's own leaves, and the ``point_estimate`` option where it does not apply."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import yaml

from electroscreen.experiments.train_config import TrainConfig
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.rowwise import member_mean_std
from electroscreen.models.sklearn_models import TreeEnsembleClassifier, TreeEnsembleRegressor
from electroscreen.models.uncertainty import ConformalRegressor
from tests.conftest import REPO


def _trees_each(model: TreeEnsembleRegressor, X: np.ndarray) -> np.ndarray:
    """scikit-learn's own prediction of every tree, shape (n_trees, n_rows)."""
    return np.stack([t.predict(X.astype(np.float32)) for t in model.members_[0].estimators_])


@pytest.fixture(scope="module")
def fractions(conductivity_table):
    """Element fractions of the OBELiX rows: official train rows (exact values) and test rows."""
    design = CandidatePredictor(featurizers=("element_fractions",)).featurize(conductivity_table)
    table = conductivity_table.iloc[design.rows]
    y = table["log10_sigma"].to_numpy(dtype=float)
    train = (table["split"] == "train").to_numpy() & np.isfinite(y)
    test = (table["split"] == "test").to_numpy()
    return design.X[train], y[train], design.X[test]


def test_median_of_trees_is_the_median_of_the_tree_predictions_on_real_rows(fractions):
    X, y, query = fractions
    params = dict(kind="extra_trees", n_estimators=24, max_features=0.33, random_state=0)
    model = TreeEnsembleRegressor(point_estimate="median_of_trees", **params).fit(X, y)
    each = _trees_each(model, query)
    point, spread = model.predict_dist(query)
    np.testing.assert_array_equal(point, np.median(each, axis=0))
    assert spread.tobytes() == member_mean_std(each)[1].tobytes()  # the spread stays the trees'
    mean = TreeEnsembleRegressor(**params).fit(X, y).predict(query)  # the same trees, their mean
    np.testing.assert_allclose(mean, each.mean(axis=0), rtol=1e-12, atol=1e-12)
    assert np.abs(point - mean).max() > 0.5  # the median is not the mean on these rows


def _reference_qrf_median(model: TreeEnsembleRegressor, X, y, weight, query) -> np.ndarray:
    """Meinshausen's median in plain NumPy from scikit-learn's ``apply``: per tree, the training
    rows in the query's leaf, each weighing its weight over the leaf's (summed in row order);
    pooled tree by tree, sorted stably, the mean of the first value whose running weight reaches
    half the total and the first that passes it."""
    forest = model.members_[0]
    train_leaf = forest.apply(X.astype(np.float32))
    query_leaf = forest.apply(query.astype(np.float32))
    out = np.empty(len(query))
    for q in range(len(query)):
        values, weights = [], []
        for t in range(train_leaf.shape[1]):
            same = np.flatnonzero(train_leaf[:, t] == query_leaf[q, t])
            total = 0.0
            for w in weight[same]:
                total += w
            values.append(y[same])
            weights.append(weight[same] / total)
        values, weights = np.concatenate(values), np.concatenate(weights)
        order = np.argsort(values, kind="stable")
        running = np.cumsum(weights[order])
        half = 0.5 * running[-1]
        lower = values[order][np.argmax(running >= half)]
        upper = values[order][np.argmax(running > half)]
        out[q] = 0.5 * (lower + upper)
    return out


@pytest.mark.parametrize(
    "kind, leaf", [("extra_trees", 1), ("extra_trees", 4), ("random_forest", 3)]
)
def test_quantile_forest_median_matches_a_numpy_reference(kind, leaf):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(150, 4))
    X = np.vstack([X, X[:40], X[:20]])  # repeated rows share every leaf
    y = X[:, 0] + rng.standard_t(2, size=len(X))  # heavy tails
    weight = rng.uniform(0.2, 3.0, size=len(X))
    query = np.vstack([rng.normal(size=(37, 4)), X[:25]])
    model = TreeEnsembleRegressor(
        kind=kind, n_estimators=20, min_samples_leaf=leaf, max_features=0.5, random_state=3,
        point_estimate="quantile_forest",
    ).fit(X, y, sample_weight=weight)  # fmt: skip
    point, spread = model.predict_dist(query)
    want = _reference_qrf_median(model, X, y, weight, query)
    assert point.tobytes() == want.tobytes()
    assert spread.tobytes() == member_mean_std(_trees_each(model, query))[1].tobytes()
    # a row's value depends on that row alone, and survives a pickle
    alone = np.concatenate([model.predict(query[i : i + 1]) for i in range(len(query))])
    assert alone.tobytes() == point.tobytes()
    assert pickle.loads(pickle.dumps(model)).predict(query).tobytes() == point.tobytes()


def test_quantile_forest_gives_the_median_of_a_repeated_measurement():
    """A composition measured three times (1e-6, 1e-5 and 1e-1 S/cm) shares every leaf: the trees'
    mean and median give the mean of its measurements, the quantile forest their median."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.uniform(1.0, 2.0, size=(60, 3)), np.zeros((3, 3))])
    y = np.concatenate([rng.normal(-4.0, 0.5, size=60), [-6.0, -5.0, -1.0]])
    point = {
        estimate: TreeEnsembleRegressor(
            kind="extra_trees", n_estimators=30, point_estimate=estimate
        )
        .fit(X, y)
        .predict(np.zeros((1, 3)))[0]
        for estimate in ("mean", "median_of_trees", "quantile_forest")
    }
    assert point["mean"] == pytest.approx(-4.0) and point["median_of_trees"] == pytest.approx(-4.0)
    assert point["quantile_forest"] == -5.0


def test_intervals_are_centred_on_the_median():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + rng.standard_t(2, size=300)
    for estimate in ("median_of_trees", "quantile_forest"):
        base = TreeEnsembleRegressor(kind="extra_trees", n_estimators=20, point_estimate=estimate)
        model = ConformalRegressor(base, n_splits=3).fit(X, y)
        mu, _, lo, hi = model.predict_interval(X[:30])
        np.testing.assert_array_equal(mu, model.estimator_.predict(X[:30]))
        np.testing.assert_allclose(0.5 * (lo + hi), mu, atol=1e-12)


def test_a_pickle_from_before_the_option_predicts_the_mean():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(80, 3)), rng.normal(size=80)
    model = TreeEnsembleRegressor(kind="extra_trees", n_estimators=10).fit(X, y)
    state = model.__getstate__()
    state.pop("point_estimate"), state.pop("leaf_members_")
    old = TreeEnsembleRegressor.__new__(TreeEnsembleRegressor)
    old.__setstate__(state)
    assert old.point_estimate == "mean"
    assert old.predict(X).tobytes() == model.predict(X).tobytes()


def test_point_estimate_needs_a_forest_regressor():
    X, y = np.random.default_rng(3).normal(size=(40, 2)), np.arange(40) % 2
    with pytest.raises(ValueError, match="needs a forest regressor"):
        TreeEnsembleClassifier(n_estimators=5, point_estimate="median_of_trees").fit(X, y)
    with pytest.raises(ValueError, match="needs a forest regressor"):
        TreeEnsembleRegressor(kind="gradient_boosting", point_estimate="quantile_forest").fit(X, y)


def _config(name: str, **params) -> dict:
    config = yaml.safe_load((REPO / "configs" / name).read_text())
    if config["estimator"] == "gated":
        config["estimator_params"]["near"]["params"].update(params)
    else:
        config["estimator_params"].update(params)
    return config


@pytest.mark.parametrize("estimate", ["mean", "median_of_trees", "quantile_forest"])
def test_config_takes_each_point_estimate(estimate):
    config = TrainConfig(**_config("conductivity.yaml", point_estimate=estimate))
    assert config.estimator_params["point_estimate"] == estimate


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("conductivity.yaml", {"point_estimate": "median"}, "point_estimate.*must be a str among"),
        ("conductivity.yaml", {"point_estimate": 1}, "point_estimate.*must be a str among"),
        (
            "conductivity_gradient_boosting.yaml",
            {"point_estimate": "median_of_trees"},
            "'point_estimate' does not apply to gradient_boosting",
        ),
        (
            "air_stability.yaml",
            {"point_estimate": "median_of_trees"},
            "a regressor's option: not read by a air_stability model",
        ),
    ],
)
def test_config_refuses_a_point_estimate_that_cannot_apply(name, params, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**_config(name, **params))
