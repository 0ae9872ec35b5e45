"""Split-conformal and CV+ intervals: the quantile, coverage on held-out data, censored rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from electroscreen.models.evaluation import evaluate
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.sklearn_models import TreeEnsembleRegressor
from electroscreen.models.uncertainty import (
    ConformalRegressor,
    conformal_quantile,
    interval_coverage,
)


def test_conformal_quantile_definition():
    scores = np.arange(1.0, 20.0)  # n = 19
    # rank ceil((19 + 1) * 0.9) = 18 -> the 18th smallest score
    assert conformal_quantile(scores[::-1], 0.1) == 18.0
    assert conformal_quantile(scores, 0.5) == float(math.ceil(20 * 0.5))
    assert conformal_quantile(scores[:5], 0.1) == np.inf  # too few scores for 90 %
    assert conformal_quantile(np.array([]), 0.1) == np.inf


def test_interval_coverage_ignores_missing_targets():
    y = np.array([0.0, 1.0, 2.0, np.nan])
    assert interval_coverage(y, y - 0.5, y + 0.5) == 1.0
    assert interval_coverage(y, np.array([1, 1, 1, 1.0]), np.full(4, 3.0)) == pytest.approx(2 / 3)


def _heteroscedastic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(2 x0) + x1 + noise whose scale grows with |x0| (known, not Gaussian-only)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    noise = (0.2 + 0.4 * np.abs(X[:, 0])) * rng.standard_t(df=5, size=n)
    return X, np.sin(2 * X[:, 0]) + X[:, 1] + noise


@pytest.mark.parametrize("method", ["split", "cv"])
@pytest.mark.parametrize("normalize", [True, False])
def test_nominal_coverage_on_held_out_synthetic_data(method, normalize):
    X, y = _heteroscedastic(600, seed=1)
    X_new, y_new = _heteroscedastic(4000, seed=2)
    model = ConformalRegressor(
        TreeEnsembleRegressor(n_estimators=40, min_samples_leaf=5),
        alpha=0.1,
        method=method,
        normalize=normalize,
        random_state=0,
    ).fit(X, y)
    mu, sd, lo, hi = model.predict_interval(X_new)
    coverage = interval_coverage(y_new, lo, hi)
    assert 0.85 <= coverage <= 0.95, coverage
    # a higher nominal level gives wider intervals and more coverage
    wide = ConformalRegressor(model.estimator, alpha=0.02, method=method, normalize=normalize)
    _, _, lo2, hi2 = wide.fit(X, y).predict_interval(X_new)
    assert np.mean(hi2 - lo2) > np.mean(hi - lo)
    assert interval_coverage(y_new, lo2, hi2) > coverage


def test_normalized_intervals_adapt_to_the_spread():
    X, y = _heteroscedastic(600, seed=1)
    model = ConformalRegressor(TreeEnsembleRegressor(n_estimators=40), method="split").fit(X, y)
    _, sd, lo, hi = model.predict_interval(X[:50])
    np.testing.assert_allclose(hi - lo, 2 * model.quantile_ * (sd + model.spread_floor_))


def test_not_evaluable_rows_never_calibrate():
    X, y = _heteroscedastic(300, seed=3)
    evaluable = np.ones(len(y), dtype=bool)
    evaluable[::4] = False
    base = TreeEnsembleRegressor(n_estimators=20)
    model = ConformalRegressor(base, method="cv", n_splits=3).fit(X, y, evaluable=evaluable)
    assert model.n_calibration_ == evaluable.sum()
    # moving the non-evaluable targets far away changes the model, never the calibration set size
    y_far = np.where(evaluable, y, -50.0)
    far = ConformalRegressor(base, method="cv", n_splits=3).fit(X, y_far, evaluable=evaluable)
    assert far.n_calibration_ == evaluable.sum() and len(far.scores_) == evaluable.sum()


def test_grouped_split_calibration_holds_out_whole_groups():
    X, y = _heteroscedastic(200, seed=4)
    groups = np.repeat(np.arange(20), 10)
    model = ConformalRegressor(TreeEnsembleRegressor(n_estimators=10), method="split")
    model.fit(X, y, groups=groups)
    assert model.n_calibration_ % 10 == 0  # whole groups of 10 rows
    with pytest.raises(ValueError, match="method must be"):
        ConformalRegressor(TreeEnsembleRegressor(), method="jackknife").fit(X, y)
    with pytest.raises(ValueError, match="alpha must be"):
        ConformalRegressor(TreeEnsembleRegressor(), alpha=1.5).fit(X, y)


def test_grouped_split_never_cuts_a_group_of_uneven_size():
    """Groups of 1-13 rows: the cut moves to a group boundary, whatever the seed."""
    sizes = np.random.default_rng(0).integers(1, 14, size=40)
    groups = np.repeat(np.arange(len(sizes)), sizes).astype(str)
    n = len(groups)
    for seed in range(20):
        model = ConformalRegressor(TreeEnsembleRegressor(), method="split", random_state=seed)
        cal, proper = model._split(n, groups, np.random.default_rng(seed))
        assert len(cal) and len(proper) and not set(groups[cal]) & set(groups[proper])
        assert sorted(np.concatenate([cal, proper]).tolist()) == list(range(n))
        assert abs(len(cal) - 0.25 * n) <= sizes.max()
    with pytest.raises(ValueError, match="two groups"):
        ConformalRegressor(TreeEnsembleRegressor(), method="split")._split(
            5, np.zeros(5), np.random.default_rng(0)
        )


def test_obelix_official_test_coverage(conductivity_table, composition_design):
    """Nominal 90 % intervals cover 85-95 % of the exact OBELiX test values (never tuned on test)."""
    model = CandidatePredictor(
        estimator_params={"n_estimators": 60, "max_features": 0.33, "n_jobs": 1}
    )
    result = evaluate(model, conductivity_table, "official", design=composition_design)
    assert result.metrics["n"] == 113  # 121 test rows, 8 censored
    assert 0.85 <= result.metrics["coverage_90"] <= 0.95, result.metrics


def _far_is_noisy(n: int, seed: int):
    """Rows far from the bulk of the data (large |x1|) are much noisier than near ones."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    X[: n // 4, 1] *= 6.0  # a quarter of the rows lie far out along x1
    noise = 0.2 + 0.8 * np.abs(X[:, 1])
    return X, X[:, 0] + noise * rng.normal(size=n)


def test_learned_scale_covers_and_widens_where_difficulty_follows_novelty():
    X, y = _far_is_noisy(1200, 0)
    Xt, yt = _far_is_noisy(1200, 1)
    base = TreeEnsembleRegressor(n_estimators=40, min_samples_leaf=5, random_state=0)
    model = ConformalRegressor(base, n_splits=4, scale="learned", random_state=0).fit(X, y)
    _, _, lo, hi = model.predict_interval(Xt)
    assert 0.86 <= interval_coverage(yt, lo, hi) <= 0.94
    far = np.abs(Xt[:, 1]) > 3.0
    assert np.mean((hi - lo)[far]) > 2.0 * np.mean((hi - lo)[~far])
    assert model.difficulty_.coef_[2] > 0  # difficulty grows with novelty


def test_learned_scale_is_bounded_far_from_the_calibration_range():
    X, y = _far_is_noisy(400, 2)
    model = ConformalRegressor(
        TreeEnsembleRegressor(n_estimators=20, random_state=0), n_splits=3, scale="learned"
    ).fit(X, y)
    far = np.array([[0.0, 1e6], [0.0, 1e9]])
    _, _, lo, hi = model.predict_interval(far)
    assert np.isfinite(hi - lo).all() and np.allclose(hi - lo, (hi - lo)[0])  # inputs clipped


def test_unknown_scale_is_an_error():
    with pytest.raises(ValueError, match="scale"):
        ConformalRegressor(TreeEnsembleRegressor(n_estimators=5), scale="magic").fit(
            np.zeros((20, 2)), np.zeros(20)
        )


class _RecordsCensored(TreeEnsembleRegressor):
    def fit(self, X, y, sample_weight=None, censored=None):
        self.censored_seen_ = censored
        return super().fit(X, y, sample_weight)


def test_censored_rows_are_passed_to_estimators_that_take_them():
    X = np.random.default_rng(0).normal(size=(40, 2))
    evaluable = np.arange(40) % 5 != 0
    model = ConformalRegressor(_RecordsCensored(n_estimators=5), n_splits=2).fit(
        X, X[:, 0], evaluable=evaluable
    )
    np.testing.assert_array_equal(
        model.estimator_.censored_seen_, ~evaluable
    )  # final fit: all rows


def _unpickled_without(model: ConformalRegressor, *missing: str) -> ConformalRegressor:
    state = dict(model.__getstate__())
    for name in missing:
        del state[name]  # as in a model pickled before these attributes existed
    old = ConformalRegressor.__new__(ConformalRegressor)
    old.__setstate__(state)
    return old


def test_a_pickle_from_before_scale_bins_and_floor_predicts_as_it_did():
    """Legacy values: one quantile, scores normalised by the bare spread, no novelty."""
    import pickle

    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    X, y = _far_is_noisy(300, 3)
    base = TreeEnsembleRegressor(n_estimators=10, random_state=0)
    model = ConformalRegressor(base, method="split", novelty_bins=3, scale="learned").fit(X, y)
    added = ("scale", "novelty_bins", "spread_floor_", "difficulty_", "novelty_")
    old = _unpickled_without(model, *added)
    assert (old.scale, old.novelty_bins, old.spread_floor_) == ("spread", 1, 0.0)
    assert old.difficulty_ is None and old.novelty_ is None
    mu, sd, lo, hi = old.predict_interval(X[:40])
    half = old.quantile_ * np.maximum(sd, 1e-12)
    np.testing.assert_array_equal(hi, mu + half)
    np.testing.assert_array_equal(lo, mu - half)
    _, _, lo_new, hi_new = model.predict_interval(X[:40])
    assert not np.allclose(hi_new - lo_new, hi - lo)  # the attributes matter
    assert clone(old).get_params()["scale"] == "spread"

    # a model whose values equal the legacy ones predicts the same with or without them
    plain = ConformalRegressor(base, method="split").fit(X, y)
    assert plain.difficulty_ is None and plain.novelty_ is None  # always set by fit now
    same = _unpickled_without(plain, "scale", "novelty_bins", "difficulty_", "novelty_")
    for a, b in zip(same.predict_interval(X[:40]), plain.predict_interval(X[:40]), strict=True):
        np.testing.assert_array_equal(a, b)
    assert pickle.loads(pickle.dumps(plain)).__dict__.keys() == plain.__dict__.keys()

    unfitted = _unpickled_without(ConformalRegressor(base), "scale")
    with pytest.raises(NotFittedError):  # fitted attributes are not filled into unfitted pickles
        check_is_fitted(unfitted)
