"""Per-row arithmetic of the models (``models/rowwise.py``) and the estimators built on it: each row's
value is the reference value, and does not move with the rows batched beside it."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.models.difficulty import DifficultyScale
from electroscreen.models.linear_models import LogisticEnsembleClassifier
from electroscreen.models.rowwise import (
    mean_nearest_distance,
    member_mean_std,
    nearest_distances,
    row_dot,
)


def _splits(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Row subsets of several sizes, shuffled: batches the same rows could arrive in."""
    return [rng.permutation(n)[: rng.integers(1, n)] for _ in range(5)] + [np.arange(n)]


def _assert_row_independent(function, X: np.ndarray, rng: np.random.Generator) -> None:
    alone = np.concatenate([function(X[i : i + 1]) for i in range(len(X))])
    for rows in _splits(len(X), rng):
        assert function(X[rows]).tobytes() == alone[rows].tobytes()


@pytest.mark.parametrize("n_features", [1, 3, 4, 11, 103])
def test_mean_nearest_distance_matches_a_brute_force_reference(n_features):
    rng = np.random.default_rng(n_features)
    reference = rng.normal(size=(300, n_features))
    query = np.vstack([rng.normal(size=(200, n_features)), reference[:5]])  # exact matches too
    for k in (1, 5, 300):
        d = np.sqrt(((query[:, None, :] - reference[None, :, :]) ** 2).sum(axis=2))
        want = np.sort(d, axis=1)[:, :k].mean(axis=1)
        got = mean_nearest_distance(query, reference, k)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    assert (mean_nearest_distance(reference[:5], reference, 1) == 0.0).all()
    _assert_row_independent(lambda Z: mean_nearest_distance(Z, reference, 5), query, rng)


@pytest.mark.parametrize("n_features", [1, 5, 16, 103])
def test_nearest_distances_are_both_searches_to_the_last_bit(n_features):
    """One search gives the k-mean and the nearest distance, each bit for bit what its own search
    (``k`` and ``k = 1``) gives: the nearest row's sum is never cut short by the k-th bound."""
    rng = np.random.default_rng(n_features)
    reference = rng.normal(size=(400, n_features))
    query = np.vstack([rng.normal(size=(300, n_features)), reference[:3], reference[:3] + 1e-9])
    for k in (1, 2, 5):
        mean, nearest = nearest_distances(query, reference, k)
        assert mean.tobytes() == mean_nearest_distance(query, reference, k).tobytes()
        assert nearest.tobytes() == mean_nearest_distance(query, reference, 1).tobytes()


def test_mean_nearest_distance_refuses_bad_arguments():
    reference = np.zeros((3, 2))
    with pytest.raises(ValueError, match="k must be in 1..3"):
        mean_nearest_distance(np.zeros((1, 2)), reference, 4)
    with pytest.raises(ValueError, match="features"):
        mean_nearest_distance(np.zeros((1, 3)), reference, 1)


def test_row_dot_is_the_matrix_product_row_by_row():
    rng = np.random.default_rng(0)
    A, w = rng.normal(size=(1000, 7)), rng.normal(size=7)
    np.testing.assert_allclose(row_dot(A, w), A @ w, rtol=1e-12, atol=1e-12)
    _assert_row_independent(lambda B: row_dot(B, w), A, rng)


@pytest.mark.parametrize("n_members", [3, 12, 150])
def test_member_mean_std_is_per_row(n_members):
    """A row alone in its batch: NumPy reduces a one-column (members, rows) array pairwise and a
    wider one member by member, so the same row's mean came out otherwise (1e-15)."""
    rng = np.random.default_rng(n_members)
    outputs = rng.normal(size=(n_members, 400)) * 10.0 ** rng.uniform(-3, 3, size=(n_members, 1))
    mean, std = member_mean_std(outputs)
    np.testing.assert_allclose(mean, outputs.mean(axis=0), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(std, outputs.std(axis=0), rtol=1e-12, atol=1e-13)
    _assert_row_independent(lambda X: np.column_stack(member_mean_std(X.T)), outputs.T, rng)


def test_row_dot_is_per_row_for_transposed_inputs():
    rng = np.random.default_rng(5)
    members = rng.normal(size=(12, 300))  # (members, rows), as an ensemble stacks its outputs
    w = rng.uniform(size=12)
    _assert_row_independent(lambda X: row_dot(X.T.T, w), members.T, rng)
    for rows in _splits(300, rng):
        assert row_dot(members[:, rows].T, w).tobytes() == row_dot(members.T, w)[rows].tobytes()


def test_difficulty_scale_is_per_row():
    rng = np.random.default_rng(1)
    s, n = rng.uniform(0.5, 2, 500), rng.uniform(0, 3, 500)
    d = DifficultyScale().fit(s, n, np.abs(rng.normal(size=500)) * s)
    both = np.column_stack([s, n])
    _assert_row_independent(lambda X: d(X[:, 0], X[:, 1]), both, rng)


@pytest.mark.parametrize("calibration", ["none", "sigmoid", "isotonic"])
def test_logistic_probabilities_are_scikit_learns_and_per_row(calibration):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    model = LogisticEnsembleClassifier(calibration=calibration, n_members=3).fit(X, y)
    query = rng.normal(size=(400, 4))
    p, spread = model.predict_proba_dist(query)
    Z = model._standardise(query)
    np.testing.assert_allclose(p, model.model_.predict_proba(Z)[:, 1], rtol=0, atol=1e-14)
    members = np.stack([m.predict_proba(Z)[:, 1] for m in model.members_])
    np.testing.assert_allclose(spread, members.std(axis=0), rtol=0, atol=1e-14)
    _assert_row_independent(lambda Q: np.column_stack(model.predict_proba_dist(Q)), query, rng)
