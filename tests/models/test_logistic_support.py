"""The logistic member's ``min_support``: a feature few training rows vary gets no weight."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.linear_models import LogisticEnsembleClassifier


@pytest.fixture
def rare_column_data():
    """An informative column, and a second one that only two (negative) rows move off 0."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = (x + 0.5 * rng.normal(size=200) > 0).astype(int)
    rare = np.zeros(200)
    rare[np.flatnonzero(y == 0)[:2]] = 1.0
    return np.column_stack([x, rare]), y


def test_a_feature_moved_by_few_rows_gets_no_weight(rare_column_data):
    X, y = rare_column_data
    supported = LogisticEnsembleClassifier(C=100.0, n_members=3, min_support=4).fit(X, y)
    alone = LogisticEnsembleClassifier(C=100.0, n_members=3).fit(X[:, :1], y)
    query = np.array([[0.3, 0.0], [0.3, 1.0], [-1.0, 1.0]])
    p, s = supported.predict_proba_dist(query)
    q, t = alone.predict_proba_dist(query[:, :1])
    np.testing.assert_allclose(p, q, atol=1e-9)  # as if the rare column were not there
    np.testing.assert_allclose(s, t, atol=1e-9)
    assert supported.coef_[1] == 0.0 and supported.unsupported_.tolist() == [1]
    # without the rule the two rows teach the column a weight that moves every row it meets
    plain = LogisticEnsembleClassifier(C=100.0, n_members=0).fit(X, y)
    p_plain = plain.predict_proba_dist(query)[0]
    assert plain.coef_[1] < -0.5 and p_plain[1] < p_plain[0] - 0.05


def test_a_feature_moved_by_more_rows_than_min_support_keeps_its_weight(rare_column_data):
    X, y = rare_column_data
    X = X.copy()
    X[np.flatnonzero(y == 0)[:5], 1] = 1.0  # five rows: supported at min_support=4
    model = LogisticEnsembleClassifier(C=100.0, n_members=0, min_support=4).fit(X, y)
    assert model.unsupported_.size == 0 and model.coef_[1] != 0.0
    same = LogisticEnsembleClassifier(C=100.0, n_members=0).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X), same.predict_proba(X))


def test_a_model_pickled_before_min_support_predicts_as_before(rare_column_data):
    X, y = rare_column_data
    model = LogisticEnsembleClassifier(C=100.0, n_members=2).fit(X, y)
    before = model.predict_proba(X)
    state = {k: v for k, v in model.__dict__.items() if k not in ("min_support", "unsupported_")}
    old = LogisticEnsembleClassifier.__new__(LogisticEnsembleClassifier)
    old.__setstate__(state)  # as unpickled from a store written before the parameter
    assert old.min_support == 0 and old.unsupported_.size == 0
    np.testing.assert_array_equal(old.predict_proba(X), before)
    assert pickle.loads(pickle.dumps(model)).unsupported_.size == 0


def test_a_negative_min_support_is_refused(rare_column_data):
    X, y = rare_column_data
    with pytest.raises(ValueError, match="'min_support' parameter"):
        LogisticEnsembleClassifier(min_support=-1).fit(X, y)


def test_held_out_halides_are_not_scored_by_two_anti_perovskite_rows():
    """Leave-one-family-out with the halides out (twenty-ninth session: every held-out halide
    scored about 0.004): the halide anion class is then 1 only in the two ``unstable`` Li3OCl
    rows, so the default's far member gives it no weight, and the halides are scored by their
    chemistry, not by those two rows."""
    from electroscreen.configs import config_path
    from electroscreen.experiments.train import build_predictor
    from electroscreen.experiments.train_config import load_train_config
    from electroscreen.models.tasks import air_stability_targets, load_task_table

    table = load_task_table("air_stability").reset_index(drop=True)
    config = load_train_config(config_path("air_stability.yaml"))
    assert config.estimator_params["far"]["params"]["min_support"] == 4
    halide = (table["family"] == "halide").to_numpy()
    trained = table[~halide].reset_index(drop=True)
    model = build_predictor(config).fit(trained)
    far = model.estimator_.far_
    names = model.feature_names_[model.estimator_.far_columns_]
    assert "halide_anion_class" in names[far.unsupported_]
    held_out = table[halide & np.isfinite(air_stability_targets(table).y)]
    p = model.predict_frame(held_out[["formula"]].reset_index(drop=True))["p_air_stable"]
    assert p.median() > 0.1  # 0.004 with the term learnt from the two rows
    # trained on every label the term is supported and kept
    full = build_predictor(config).fit(table)
    assert full.estimator_.far_.unsupported_.size == 0
    halides = full.predict_frame(pd.DataFrame({"formula": ["Li3InCl6", "Li3YCl6"]}))
    assert halides["p_air_stable"].iloc[0] > halides["p_air_stable"].iloc[1]  # the labels' order
