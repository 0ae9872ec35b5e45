"""Trees as arrays (``featurizers/tree_arrays.py``): every tree's output is scikit-learn's, bit for
bit, for forests of both kinds, regressors and weighted classifiers, on features that sit exactly on
thresholds and in float32's rounding."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from electroscreen.featurizers.tree_arrays import LOCKSTEP_ROWS, TreeArrays
from electroscreen.models.rowwise import member_mean_std
from electroscreen.models.sklearn_models import TreeEnsembleClassifier, TreeEnsembleRegressor


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 6)) * 10.0 ** rng.integers(-3, 4, size=6)
    y = X[:, 0] / X[:, 0].std() + np.sin(X[:, 1] / X[:, 1].std()) + rng.normal(size=400)
    # queries: fresh rows, training rows, and values on and next to the trees' thresholds
    query = np.vstack([rng.normal(size=(3 * LOCKSTEP_ROWS + 1, 6)) * X.std(axis=0), X[:50]])
    return X, y, query


def _with_thresholds(query: np.ndarray, forest) -> np.ndarray:
    tree = forest.estimators_[0].tree_
    split = np.flatnonzero(tree.children_left >= 0)[:20]
    rows = np.repeat(query[:1], 3 * len(split), axis=0)
    for n, node in enumerate(split):
        t = tree.threshold[node]
        rows[3 * n : 3 * n + 3, tree.feature[node]] = [t, np.nextafter(t, np.inf), t * (1 + 1e-7)]
    return np.vstack([query, rows])


@pytest.mark.parametrize("cls", [RandomForestRegressor, ExtraTreesRegressor])
def test_regression_trees_match_scikit_learn(cls):
    X, y, query = _data(0)
    forest = cls(n_estimators=15, random_state=0).fit(X, y)
    query = _with_thresholds(query, forest)
    want = np.stack([t.predict(query.astype(np.float32)) for t in forest.estimators_])
    got = TreeArrays.from_sklearn(forest.estimators_).predict_each(query)
    assert got.shape == (15, len(query)) and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("cls", [RandomForestRegressor, ExtraTreesRegressor])
def test_leaves_match_scikit_learn(cls):
    """``apply_each`` is scikit-learn's ``apply``, offset into the concatenated nodes, and the
    values there are ``predict_each``'s."""
    X, y, query = _data(3)
    forest = cls(n_estimators=12, min_samples_leaf=2, random_state=0).fit(X, y)
    query = _with_thresholds(query, forest)
    trees = TreeArrays.from_sklearn(forest.estimators_)
    got = trees.apply_each(query)
    want = forest.apply(query.astype(np.float32)).T + trees.offsets[:-1, None]
    assert got.dtype == np.int64 and np.array_equal(got, want)
    assert trees.value[got].tobytes() == trees.predict_each(query).tobytes()


@pytest.mark.parametrize("cls", [RandomForestClassifier, ExtraTreesClassifier])
def test_classifier_trees_match_scikit_learn(cls):
    X, y, query = _data(1)
    labels = (y > np.quantile(y, 0.7)).astype(int)
    forest = cls(n_estimators=15, class_weight="balanced", min_samples_leaf=2, random_state=0)
    forest.fit(X, labels)
    query = _with_thresholds(query, forest)
    for column in (0, 1):
        want = np.stack([t.predict_proba(query.astype(np.float32))[:, column] for t in forest])
        got = TreeArrays.from_sklearn(forest.estimators_, column).predict_each(query)
        assert got.tobytes() == want.tobytes()


def test_tree_ensembles_predict_through_the_arrays():
    """The ensembles' mean and spread are those of scikit-learn's per-tree outputs (reduced per
    row, ``member_mean_std``)."""
    X, y, query = _data(2)
    model = TreeEnsembleRegressor(kind="extra_trees", n_estimators=10).fit(X, y)
    outputs = np.stack([t.predict(query.astype(np.float32)) for t in model.members_[0]])
    mean, std = model.predict_dist(query)
    want_mean, want_std = member_mean_std(outputs)
    assert mean.tobytes() == want_mean.tobytes() and std.tobytes() == want_std.tobytes()
    np.testing.assert_allclose(mean, outputs.mean(axis=0), rtol=1e-14, atol=1e-14)
    # the arrays are a cache: not pickled, rebuilt after a refit
    assert "_trees" in model.__dict__ and "_trees" not in pickle.loads(pickle.dumps(model)).__dict__
    model.fit(X, -y)
    refit = np.stack([t.predict(query.astype(np.float32)) for t in model.members_[0]])
    assert model.predict(query).tobytes() == member_mean_std(refit)[0].tobytes()
    clf = TreeEnsembleClassifier(n_estimators=10).fit(X, (y > 0).astype(int))
    p = np.stack([t.predict_proba(query.astype(np.float32))[:, 1] for t in clf.members_[0]])
    assert clf.predict_proba_dist(query)[0].tobytes() == member_mean_std(p)[0].tobytes()
