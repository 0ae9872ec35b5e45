"""Novelty (distance to the training data) and the novelty-binned conformal intervals."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.models.evaluation import evaluate
from electroscreen.models.metrics import interval_coverage
from electroscreen.models.novelty import FeatureNovelty
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.sklearn_models import TreeEnsembleRegressor
from electroscreen.models.uncertainty import ConformalRegressor


def _reference_novelty(X_train, X_query, k):
    """Plain NumPy: median-impute, standardise with the training statistics, brute-force k-NN."""
    median = np.nanmedian(X_train, axis=0)
    train = np.where(np.isnan(X_train), median, X_train)
    query = np.where(np.isnan(X_query), median, X_query)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std == 0] = std[std > 0].min()  # a feature constant in training: the smallest unit
    train, query = (train - mean) / std, (query - mean) / std
    d = np.sqrt(((query[:, None, :] - train[None, :, :]) ** 2).sum(axis=2))
    return np.sort(d, axis=1)[:, :k].mean(axis=1)


def test_a_value_never_seen_in_training_is_at_least_as_novel_as_the_rarest_seen():
    """Element fractions: an element no training row holds (a constant-zero column) used to move
    the distance by its raw fraction, far less than a rare element seen once."""
    rng = np.random.default_rng(0)
    train = np.zeros((200, 3))
    train[:, 0] = rng.uniform(0.2, 0.6, 200)  # a common element
    train[0, 1] = 0.1  # a rare element, in one training row; column 2: an element never seen
    novelty = FeatureNovelty(n_neighbors=1).fit(train)
    common, rare, unseen = np.array([[0.4, 0.0, 0.0], [0.4, 0.05, 0.0], [0.4, 0.0, 0.1]])
    d_common, d_rare, d_unseen = novelty.distance(np.array([common, rare, unseen]))
    assert d_common < 0.05
    assert d_unseen >= d_rare - 1e-9 and d_unseen > 10 * d_common + 1.0


def test_novelty_matches_a_numpy_reference_on_obelix_features(composition_design):
    X = np.asarray(composition_design.X, dtype=np.float64)
    X = X.copy()
    X[::7, 3] = np.nan  # missing values are imputed with the training median
    train, query = X[:400], X[400:]
    got = FeatureNovelty(n_neighbors=5).fit(train).distance(query)
    np.testing.assert_allclose(got, _reference_novelty(train, query, 5), rtol=1e-12, atol=1e-12)
    # a training row is its own nearest neighbour
    assert FeatureNovelty(n_neighbors=1).fit(train).distance(train[:20]).max() < 1e-6


@pytest.mark.parametrize("n_features", [11, 40, 103])
def test_a_rows_novelty_does_not_depend_on_the_rows_beside_it(n_features):
    """Bit for bit, whatever batch a row comes in (order, size, extreme neighbours): the value a
    screen writes must not move with the batch (it did, in the last bits, with scikit-learn's
    position-blocked NearestNeighbors and then with a BLAS product on padded blocks: a row's
    value depended on its place in the block)."""
    rng = np.random.default_rng(3)
    novelty = FeatureNovelty().fit(rng.normal(size=(700, n_features)))
    query = rng.normal(size=(529, n_features))
    alone = np.concatenate([novelty.distance(query[i : i + 1]) for i in range(len(query))])
    assert novelty.distance(query).tobytes() == alone.tobytes()
    for trial in range(6):
        rows = rng.permutation(len(query))[: rng.integers(1, len(query))]
        extreme = rng.normal(size=(rng.integers(0, 300), n_features)) * 10.0 ** rng.uniform(-3, 3)
        batch = np.vstack([extreme, query[rows]])
        order = rng.permutation(len(batch))
        got = novelty.distance(batch[order])[np.argsort(order)][len(extreme) :]
        assert got.tobytes() == alone[rows].tobytes(), trial
    assert novelty.distance(query[:0]).shape == (0,)


def test_novelty_pickled_before_train_rows_were_kept_still_predicts():
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(4)
    train, query = rng.normal(size=(50, 3)), rng.normal(size=(7, 3))
    new = FeatureNovelty(n_neighbors=4).fit(train)
    old = FeatureNovelty(n_neighbors=4)
    old.scaler_ = new.scaler_
    old.neighbors_ = NearestNeighbors(n_neighbors=4).fit(new.train_)
    np.testing.assert_allclose(old.distance(query), new.distance(query), rtol=1e-12)


def test_novelty_needs_a_feature_matrix():
    with pytest.raises(ValueError, match="feature matrix"):
        FeatureNovelty().fit([[1.0, 2.0]])


def _clusters(
    centers: np.ndarray, per: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tight clusters ("families") around ``centers``; y a smooth non-linear function of X."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(len(centers)), per)
    X = centers[group] + 0.15 * rng.normal(size=(len(group), centers.shape[1]))
    y = np.sin(X[:, 0] * X[:, 1]) + np.cos(2 * X[:, 2]) + 0.5 * X[:, 3]
    return X, y + 0.1 * rng.normal(size=len(group)), group


def test_novelty_bins_narrow_known_families_and_widen_new_ones():
    """Calibrated on new-row and new-family folds, one quantile over-covers known families;
    novelty bins give known families intervals about half as wide at nominal coverage, and
    candidates of unseen families no less coverage."""
    known_cov, known_width, new_cov = {1: [], 3: []}, {1: [], 3: []}, {1: [], 3: []}
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        centers = rng.uniform(-3, 3, size=(30, 4))
        X, y, family = _clusters(centers, 15, seed)
        X_known, y_known, _ = _clusters(centers, 10, seed + 10)
        X_new, y_new, _ = _clusters(rng.uniform(-3, 3, size=(40, 4)), 10, seed + 20)
        groupings = [np.arange(len(y)), family]
        for bins in (1, 3):
            base = TreeEnsembleRegressor(n_estimators=40, random_state=0)
            model = ConformalRegressor(base, novelty_bins=bins).fit(X, y, groups=groupings)
            assert model.n_calibration_ == 2 * len(y)  # one cross-fit per grouping, pooled
            _, _, lo, hi = model.predict_interval(X_known)
            known_cov[bins].append(interval_coverage(y_known, lo, hi))
            known_width[bins].append(np.mean(hi - lo))
            _, _, lo, hi = model.predict_interval(X_new)
            new_cov[bins].append(interval_coverage(y_new, lo, hi))
        assert model.bin_quantiles_[-1] > model.bin_quantiles_[0]  # far rows: larger residuals
    assert np.mean(known_cov[1]) > 0.97  # a single quantile over-covers known families
    assert 0.85 <= np.mean(known_cov[3]) <= 0.96
    assert np.mean(known_width[3]) < 0.6 * np.mean(known_width[1])
    assert np.mean(new_cov[3]) >= np.mean(new_cov[1])


def test_binned_interval_is_the_quantile_of_its_bin():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + 0.3 * rng.normal(size=300)
    model = ConformalRegressor(TreeEnsembleRegressor(n_estimators=20), novelty_bins=4).fit(X, y)
    assert len(model.bin_quantiles_) == 4 and np.all(np.diff(model.novelty_edges_) > 0)
    X_new = rng.normal(scale=2.0, size=(50, 3))
    bins = np.searchsorted(model.novelty_edges_, model.novelty_.distance(X_new))
    _, sd, lo, hi = model.predict_interval(X_new)
    expected = 2 * model.bin_quantiles_[bins] * (sd + model.spread_floor_)
    np.testing.assert_allclose(hi - lo, expected)


def test_novelty_and_grouping_arguments_are_checked():
    X, y = np.random.default_rng(0).normal(size=(60, 2)), np.arange(60.0)
    base = TreeEnsembleRegressor(n_estimators=5)
    two = [np.arange(60) % 6, np.arange(60) % 5]
    with pytest.raises(ValueError, match="method='cv'"):
        ConformalRegressor(base, method="split").fit(X, y, groups=two)
    with pytest.raises(ValueError, match="novelty_bins"):
        ConformalRegressor(base, novelty_bins=0).fit(X, y)
    with pytest.raises(ValueError, match="conformal_groups"):
        CandidatePredictor(conformal_groups=["chemsys", "paper"])._check()
    with pytest.raises(ValueError, match="conformal_novelty_bins=1"):
        CandidatePredictor(featurizers=[], estimator="graph", conformal_novelty_bins=3)._check()


def test_committed_calibration_covers_known_and_unseen_families(
    conductivity_table, composition_design
):
    """The committed calibration (chemsys + family folds, 3 novelty bins) gives 85-95 % coverage of
    nominal 90 % intervals on the official test split and on unseen families (family CV)."""
    model = CandidatePredictor(
        estimator_params={"n_estimators": 60, "max_features": 0.33, "n_jobs": 1},
        conformal_groups=["chemsys", "family"],
        conformal_novelty_bins=3,
    )
    for scheme in ("official", "family_cv"):
        result = evaluate(model, conductivity_table, scheme, design=composition_design)
        assert 0.85 <= result.metrics["coverage_90"] <= 0.95, (scheme, result.metrics)
