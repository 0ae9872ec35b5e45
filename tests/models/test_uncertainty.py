"""Split-conformal and CV+ intervals: the quantile, coverage on held-out data, censored rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.difficulty import DifficultyScale
from electroscreen.models.evaluation import evaluate
from electroscreen.models.metrics import interval_coverage
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.row_groups import chemical_systems
from electroscreen.models.sklearn_models import TreeEnsembleRegressor
from electroscreen.models.uncertainty import ConformalRegressor, conformal_quantile


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


def test_learned_scale_of_a_one_tree_forest_learns_from_novelty():
    """One tree: the spread is 0 on every row. Its log was -inf, and the difficulty fit stopped
    ``train`` with ``LinAlgError: SVD did not converge`` (n_estimators: 1 with the default config's
    conformal_scale: learned); the constant spread now gets coefficient 0."""
    X, y = _far_is_noisy(1200, 0)
    Xt, yt = _far_is_noisy(1200, 1)
    base = TreeEnsembleRegressor(kind="extra_trees", n_estimators=1, random_state=0)
    model = ConformalRegressor(base, n_splits=4, scale="learned", random_state=0).fit(X, y)
    assert model.spread_floor_ == 0.0 and model.difficulty_.coef_[1] == 0.0
    assert model.difficulty_.coef_[2] > 0  # difficulty grows with novelty, as with 40 trees
    _, sd, lo, hi = model.predict_interval(Xt)
    assert (sd == 0).all() and np.isfinite(hi - lo).all() and (hi > lo).all()
    assert 0.86 <= interval_coverage(yt, lo, hi) <= 0.94


def test_difficulty_of_a_constant_input_is_the_fit_without_it():
    rng = np.random.default_rng(0)
    novelty = rng.uniform(0, 3, 300)
    residual = np.abs(rng.normal(size=300)) * np.exp(0.3 * novelty)
    zero = DifficultyScale().fit(np.zeros(300), novelty, residual)
    ones = DifficultyScale().fit(np.ones(300), novelty, residual)
    np.testing.assert_allclose(zero.coef_[[0, 2]], ones.coef_[[0, 2]])
    assert zero.coef_[1] == ones.coef_[1] == 0.0
    # any spread is clipped to the one seen: the difficulty follows novelty only
    np.testing.assert_allclose(zero(np.full(3, 5.0), novelty[:3]), ones(np.zeros(3), novelty[:3]))


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
    added = ("scale", "novelty_bins", "spread_floor_", "difficulty_", "novelty_", "seen_systems")
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


def _systems(n_systems: int, per_system: int, seed: int):
    """Rows of chemical systems (codes 1..n): y = the system's own offset + a small term in x.

    The offset is not predictable from the features of another system, so a row of a system the
    model has seen is predicted well and one of a new system badly.
    """
    rng = np.random.default_rng(seed)
    system = np.repeat(np.arange(n_systems), per_system)
    where = rng.normal(size=(n_systems, 2))[system]  # the system's place in feature space
    offset = rng.normal(scale=3.0, size=n_systems)[system]
    x = rng.normal(size=len(system))
    y = offset + 0.3 * x + 0.2 * rng.normal(size=len(system))
    codes = (system + 1).astype(np.uint64)
    return np.column_stack([where, x]), y, codes, system


def test_seen_systems_calibrate_known_and_new_chemistries_apart():
    X, y, codes, system = _systems(60, 12, seed=0)
    # later rows of the first 30 systems (seen), rows of 30 systems never trained on (new)
    Xs, ys, cs, _ = _systems(60, 12, seed=0)
    Xn, yn, cn, _ = _systems(30, 12, seed=1)
    train = system < 30
    Xs, ys, cs = Xs[train] + [0.0, 0.0, 0.5], ys[train], cs[train]  # other x, same systems
    ys = ys + 0.15  # same offset, moved along x by 0.5 -> +0.15
    cn = cn + np.uint64(1000)
    base = TreeEnsembleRegressor(n_estimators=40, min_samples_leaf=2, random_state=0)
    compositions = np.arange(len(y))  # every row its own composition
    groups = [compositions, system]
    kwargs = dict(groups=groups, element_sets=codes)
    # constant widths per cell (normalize=False): the taxonomy alone, not the trees' spread
    model = ConformalRegressor(base, seen_systems=True, normalize=False).fit(X, y, **kwargs)
    assert model.cell_counts_.tolist()[1] > 300 and model.cell_counts_.tolist()[0] > 300
    _, _, lo_s, hi_s = model.predict_interval(Xs, element_sets=cs)
    _, _, lo_n, hi_n = model.predict_interval(Xn, element_sets=cn)
    assert np.mean(hi_s - lo_s) < 0.2 * np.mean(hi_n - lo_n)
    assert 0.85 <= interval_coverage(ys, lo_s, hi_s) <= 0.97
    assert 0.85 <= interval_coverage(yn, lo_n, hi_n) <= 0.97

    # one pooled quantile: too wide for the seen systems, too narrow for the new ones
    pooled = ConformalRegressor(base, normalize=False).fit(X, y, groups=groups)
    _, _, lo_p, hi_p = pooled.predict_interval(Xs)
    assert np.mean(hi_p - lo_p) > 5 * np.mean(hi_s - lo_s)
    _, _, lo_p, hi_p = pooled.predict_interval(Xn)
    assert interval_coverage(yn, lo_p, hi_p) < 0.85


def test_seen_systems_need_element_sets_and_never_count_an_empty_set():
    X, y, codes, system = _systems(20, 6, seed=2)
    base = TreeEnsembleRegressor(n_estimators=10, random_state=0)
    with pytest.raises(ValueError, match="element_sets"):
        ConformalRegressor(base, seen_systems=True).fit(X, y, groups=system)
    model = ConformalRegressor(base, seen_systems=True).fit(X, y, groups=system, element_sets=codes)
    with pytest.raises(ValueError, match="element_sets"):
        model.predict_interval(X[:3])
    # calibrated on new systems only: the seen cell is empty and takes the pooled quantile
    assert model.cell_counts_.tolist() == [len(y), 0]
    assert model.bin_quantiles_.tolist() == [model.quantile_, model.quantile_]
    # code 0 (a row without elements) is never a seen system, even among the training codes
    zero = np.zeros(3, dtype=np.uint64)
    assert model.interval_quantile(X[:3], element_sets=zero).tolist() == [model.quantile_] * 3


def test_predictor_intervals_follow_whether_the_chemical_system_is_known(conductivity_table):
    """The default's taxonomy end to end: the design carries element-set codes, and a new
    composition of a trained system takes the other quantile than an unseen system's."""
    from electroscreen.data.composition_match import element_set_codes
    from electroscreen.data.compositions import pack_compositions

    train = conductivity_table[conductivity_table["split"] == "train"]
    model = CandidatePredictor(
        featurizers=("element_fractions",),
        estimator="extra_trees",
        estimator_params={"n_estimators": 30, "n_jobs": 1},
        conformal_groups=["composition", "chemsys"],
        conformal_seen_systems=True,
    ).fit(train)
    frame = pd.DataFrame({"formula": ["Li6.1P1.1S5Cl", "Li3Sc0.5In0.5Br6", "bad(", "Li7PS6"]})
    design = model.featurize(frame)
    assert design.rows.tolist() == [0, 1, 3]
    codes = element_set_codes(pack_compositions(["LiPSCl", "LiScInBr", "Li2PS"]))
    assert design.element_sets.tolist() == codes.tolist()
    assert design.take(np.array([3, 0])).element_sets.tolist() == [codes[2], codes[0]]
    seen = model.estimator_.interval_quantile(design.X, element_sets=design.element_sets)
    assert "Li-P-S" in set(chemical_systems(train["formula"]))
    assert seen[0] == seen[2] != seen[1]  # Li-P-S-Cl and Li-P-S known, Li-Sc-In-Br not
    quantiles = model.estimator_.bin_quantiles_
    assert quantiles[0] > quantiles[1]  # new chemistries are the harder cell
    out = model.predict_frame(frame)
    width = (out["pred_log10_sigma_hi"] - out["pred_log10_sigma_lo"]).to_numpy()
    assert np.isfinite(width[[0, 1, 3]]).all() and np.isnan(width[2])


def _anion_rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows whose class 1 (halide) is four times as noisy as class 2 (oxide), same features."""
    rng = np.random.default_rng(seed)
    classes = rng.choice(np.array([1, 2], dtype=np.int8), size=n)
    X = rng.normal(size=(n, 3))
    noise = np.where(classes == 1, 1.2, 0.3)
    return X, X[:, 0] + noise * rng.normal(size=n), classes


def test_learned_anion_scale_widens_the_noisy_class_and_covers_each():
    X, y, classes = _anion_rows(1200, seed=0)
    Xt, yt, ct = _anion_rows(3000, seed=1)
    base = TreeEnsembleRegressor(n_estimators=40, min_samples_leaf=3, random_state=0)
    model = ConformalRegressor(base, scale="learned_anion").fit(X, y, anion_classes=classes)
    # the halide indicator (second of chalcogenide, halide, other) is learned: below log 4 ~ 1.4,
    # as the residuals also hold the trees' own error and the fit is of log(|r| + 0.1)
    assert 0.5 < model.difficulty_.coef_[4] < 1.4
    assert model.difficulty_.coef_[3] == 0.0 and model.difficulty_.coef_[5] == 0.0  # absent
    _, _, lo, hi = model.predict_interval(Xt, anion_classes=ct)
    halide, oxide = ct == 1, ct == 2
    assert np.mean((hi - lo)[halide]) > 2 * np.mean((hi - lo)[oxide])
    assert 0.86 <= interval_coverage(yt, lo, hi) <= 0.94
    with_class = [interval_coverage(yt[r], lo[r], hi[r]) for r in (halide, oxide)]
    # without the class one scale serves both: the oxides over-covered, the halides under-covered
    plain = ConformalRegressor(base, scale="learned").fit(X, y)
    _, _, lo, hi = plain.predict_interval(Xt)
    without = [interval_coverage(yt[r], lo[r], hi[r]) for r in (halide, oxide)]
    assert without[0] < 0.85 and without[1] > 0.95
    # with it each class is nearer the nominal 90 % (not exactly: a scale, not a cell per class)
    assert all(abs(w - 0.9) < abs(o - 0.9) for w, o in zip(with_class, without, strict=True))
    assert 0.82 <= with_class[0] <= 0.96 and 0.82 <= with_class[1] <= 0.96


def test_learned_anion_scale_needs_the_classes():
    X, y, classes = _anion_rows(200, seed=2)
    base = TreeEnsembleRegressor(n_estimators=10, random_state=0)
    with pytest.raises(ValueError, match="anion_classes"):
        ConformalRegressor(base, scale="learned_anion").fit(X, y)
    model = ConformalRegressor(base, scale="learned_anion").fit(X, y, anion_classes=classes)
    with pytest.raises(ValueError, match="anion_classes"):
        model.predict_interval(X[:3])


def test_nitrides_and_hydrides_share_the_other_indicator():
    """The older rules' codes 0-3 give the columns they always gave (a pickled model's difficulty
    reads three); nitride (4) and hydride (5) join "other" (3), the class they were before."""
    model = ConformalRegressor(TreeEnsembleRegressor(n_estimators=2), scale="learned_anion")
    extra = model._extra(np.array([0, 1, 2, 3, 4, 5], dtype=np.int8))
    expected = [[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]]
    np.testing.assert_array_equal(extra, expected)
    assert model._extra(np.array([], dtype=np.int8)).shape == (0, 3)
