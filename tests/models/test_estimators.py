"""Every estimator behind CandidatePredictor: documented columns, bad rows, determinism."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.tasks import CONDUCTIVITY, load_task_table

from .conftest import FAST_PARAMS, bad_rows_frame

DESCRIPTOR_ESTIMATORS = ("random_forest", "extra_trees", "gradient_boosting", "mlp")
CONDUCTIVITY_COLUMNS = [*CONDUCTIVITY.output_columns, "pred_log10_sigma_novelty", "pred_status"]


def _predictor(estimator: str, seed: int = 0, **kwargs) -> CandidatePredictor:
    return CandidatePredictor(
        estimator=estimator,
        estimator_params=FAST_PARAMS[estimator],
        random_state=seed,
        device="cpu",
        **kwargs,
    )


@pytest.fixture(scope="module")
def train_rows(conductivity_table):
    return np.flatnonzero(conductivity_table["split"].to_numpy() == "train")


@pytest.fixture(scope="module")
def fitted(conductivity_table, composition_design, train_rows):
    """One fitted predictor per descriptor estimator (official train split)."""
    train = conductivity_table.iloc[train_rows]
    return {
        name: _predictor(name).fit_design(composition_design.take(train_rows), train)
        for name in DESCRIPTOR_ESTIMATORS
    }


@pytest.mark.parametrize("estimator", DESCRIPTOR_ESTIMATORS)
def test_conductivity_columns_and_bad_rows(estimator, fitted, conductivity_table):
    model = fitted[estimator]
    test = conductivity_table[conductivity_table["split"] == "test"].head(20)
    frame = bad_rows_frame(test)
    frame.index = pd.RangeIndex(100, 100 + len(frame))  # the output keeps the caller's index
    out = model.predict_frame(frame)
    assert list(out.columns) == CONDUCTIVITY_COLUMNS
    assert out.index.equals(frame.index)
    good, bad = out.iloc[:20], out.iloc[20:]
    assert (good["pred_status"] == "ok").all()
    assert good[list(CONDUCTIVITY.output_columns)].notna().all().all()
    assert (good["pred_log10_sigma_novelty"] >= 0).all()
    assert (good["pred_log10_sigma_std"] >= 0).all()
    assert (good["pred_log10_sigma_lo"] < good["pred_log10_sigma"]).all()
    assert (good["pred_log10_sigma"] < good["pred_log10_sigma_hi"]).all()
    # predictions are in the range of the training targets (log10 S/cm)
    assert good["pred_log10_sigma"].between(-14, 0).all()
    assert bad[list(CONDUCTIVITY.output_columns)].isna().all().all()
    assert bad["pred_status"].iloc[0] not in {"ok", ""}
    assert bad["pred_status"].iloc[1] == "parse_error"  # an input error is passed through


@pytest.mark.parametrize("estimator", DESCRIPTOR_ESTIMATORS)
def test_same_seed_same_predictions(estimator, fitted, conductivity_table, composition_design):
    train_rows = np.flatnonzero(conductivity_table["split"].to_numpy() == "train")
    test_rows = np.flatnonzero(conductivity_table["split"].to_numpy() == "test")
    again = _predictor(estimator).fit_design(
        composition_design.take(train_rows), conductivity_table.iloc[train_rows]
    )
    first = fitted[estimator].predict_design(composition_design.take(test_rows))
    second = again.predict_design(composition_design.take(test_rows))
    for column in CONDUCTIVITY.output_columns:
        np.testing.assert_array_equal(first[column], second[column])


def test_different_seed_different_forest(conductivity_table, composition_design, train_rows):
    design = composition_design.take(train_rows)
    table = conductivity_table.iloc[train_rows]
    a = _predictor("random_forest", seed=0).fit_design(design, table).predict_design(design)
    b = _predictor("random_forest", seed=1).fit_design(design, table).predict_design(design)
    assert not np.array_equal(a["pred_log10_sigma"], b["pred_log10_sigma"])


def test_censored_rows_never_calibrate(fitted, conductivity_table, train_rows):
    train = conductivity_table.iloc[train_rows]
    evaluable = (~train["censored"].astype(bool)).sum()
    assert train["censored"].astype(bool).sum() > 0
    # tree models calibrate on out-of-fold residuals of every evaluable training row
    assert fitted["random_forest"].estimator_.n_calibration_ == evaluable
    # torch models hold out a split; censored rows are never among the calibration rows
    assert fitted["mlp"].estimator_.n_calibration_ < evaluable


def test_censored_drop_trains_on_fewer_rows(conductivity_table, composition_design, train_rows):
    design = composition_design.take(train_rows)
    table = conductivity_table.iloc[train_rows]
    kept = _predictor("random_forest").fit_design(design, table)
    dropped = _predictor("random_forest", censored="drop").fit_design(design, table)
    assert kept.n_train_ - dropped.n_train_ == table["censored"].astype(bool).sum()


def test_feature_importances_named(fitted):
    forest = fitted["random_forest"].feature_importances()
    assert forest.index.tolist() == list(fitted["random_forest"].feature_names_)
    assert forest.sum() == pytest.approx(1.0)
    assert fitted["mlp"].feature_importances().isna().all()


@pytest.mark.parametrize("estimator", ["random_forest", "gradient_boosting", "mlp", "logistic"])
def test_air_stability_probabilities(estimator, data_dir):
    table = load_task_table("air_stability", data_dir)
    model = CandidatePredictor(
        task="air_stability",
        featurizers=("electrolyte",),
        estimator=estimator,
        estimator_params=FAST_PARAMS[estimator],
        device="cpu",
    ).fit(table)
    trainable = table[table["status"] == "ok"]  # relative_claim rows keep their status
    out = model.predict_frame(bad_rows_frame(trainable.head(10)))
    assert list(out.columns) == ["p_air_stable", "p_air_stable_std", "pred_status"]
    good = out.iloc[:10]
    assert (good["pred_status"] == "ok").all()
    assert good["p_air_stable"].between(0, 1).all() and (good["p_air_stable_std"] >= 0).all()
    assert out.iloc[10:][["p_air_stable", "p_air_stable_std"]].isna().all().all()


def test_invalid_configurations_are_refused(conductivity_table):
    with pytest.raises(ValueError, match="unknown estimator"):
        CandidatePredictor(estimator="svm").fit(conductivity_table)
    with pytest.raises(ValueError, match="featurizers=\\[\\]"):
        CandidatePredictor(estimator="graph").fit(conductivity_table)
    with pytest.raises(ValueError, match="at least one featurizer"):
        CandidatePredictor(featurizers=()).fit(conductivity_table)
    with pytest.raises(ValueError, match="not fitted"):
        CandidatePredictor().predict_frame(pd.DataFrame({"formula": ["Li3PS4"]}))


@pytest.mark.parametrize(
    ("task", "name", "params", "says"),
    [
        ("conductivity", "random_forest", {"n_estimators": 0}, "'n_estimators' parameter"),
        ("conductivity", "extra_trees", {"max_features": 3.3}, "'max_features' parameter"),
        ("conductivity", "gradient_boosting", {"learning_rate": 0}, "'learning_rate' parameter"),
        ("conductivity", "gradient_boosting", {"n_jobs": 0}, "n_jobs == 0"),
        ("conductivity", "random_forest", {"random_state": -1}, "'random_state' parameter"),
        ("air_stability", "logistic", {"C": 0}, "'C' parameter"),
        ("air_stability", "logistic", {"calibration": "sigmod"}, "'calibration' parameter"),
        ("air_stability", "logistic", {"n_members": -1}, "'n_members' parameter"),
        ("conductivity", "gradient_boosting", {"n_members": 0}, "'n_members' parameter"),
        ("air_stability", "gradient_boosting", {"class_weight": "balnced"}, "'class_weight'"),
        ("conductivity", "mlp", {"epochs": 0}, "'epochs' parameter"),
        ("conductivity", "attention", {"batch_size": 0}, "'batch_size' parameter"),
        ("conductivity", "graph", {"n_members": 0}, "'n_members' parameter"),
    ],
)
def test_parameter_values_are_checked_without_fitting(task, name, params, says):
    """scikit-learn's own constraints (and joblib's for n_jobs), for every estimator; they failed
    at the first fit, and epochs=0 trained nothing."""
    from electroscreen.models.estimators import check_estimator
    from electroscreen.models.tasks import get_task

    with pytest.raises(ValueError, match=f"estimator_params of {name}: .*{says}"):
        check_estimator(get_task(task), name, params)
    check_estimator(get_task(task), name, {})  # the defaults pass


@pytest.mark.parametrize(
    ("task", "name", "params", "says"),
    [
        ("conductivity", "extra_trees", {"n_estimator": 150}, "'n_estimator' (did you mean"),
        ("conductivity", "extra_trees", {"criterion": "gini"}, "'criterion'; accepted: n_est"),
        ("air_stability", "logistic", {"c": 2.0}, "(did you mean 'C'?); accepted: C, "),
        ("conductivity", "extra_trees", {"kind": "random_forest"}, "unknown parameter 'kind'"),
        ("conductivity", "extra_trees", {"n_estimators": True}, "n_estimators takes int, not a"),
        ("conductivity", "random_forest", {"max_depth": False}, "max_depth takes int | None"),
        ("conductivity", "mlp", {"hidden": [64, True]}, "hidden takes tuple[int, ...] | list"),
        # text for a number or a flag, a number for a flag, a real for an integer: the torch
        # networks have no scikit-learn constraint on these, and took them
        ("conductivity", "mlp", {"lr": "0.003"}, "lr takes float, not the text '0.003'"),
        ("conductivity", "mlp", {"hidden": ["64"]}, "not the text '64'"),
        ("conductivity", "attention", {"tobit": "yes"}, "tobit takes bool, not the text 'yes'"),
        ("conductivity", "attention", {"tobit": 1}, "tobit takes bool, not 1"),
        ("conductivity", "graph", {"max_neighbors": 12.0}, "max_neighbors takes int, not 12.0"),
    ],
)
def test_parameter_names_and_booleans_are_checked(task, name, params, says):
    """An unknown name said ``_TreeEnsemble.__init__() got an unexpected keyword argument``, with
    neither the accepted names nor the one meant; a YAML ``true`` passed scikit-learn's
    ``Integral`` check as 1 (and one tree crashed the learned conformal scale)."""
    from electroscreen.models.estimators import check_estimator
    from electroscreen.models.tasks import get_task

    with pytest.raises(ValueError, match=f"estimator_params of {name}: .*{re.escape(says)}"):
        check_estimator(get_task(task), name, params)


def test_flags_take_booleans():
    from electroscreen.models.estimators import check_estimator
    from electroscreen.models.tasks import get_task

    check_estimator(get_task("conductivity"), "attention", {"tobit": False})
    check_estimator(get_task("conductivity"), "random_forest", {"n_estimators": 1})
    # a whole number where a real is asked for, and text where text is
    check_estimator(get_task("conductivity"), "mlp", {"lr": 1, "dropout": 0})
    check_estimator(get_task("conductivity"), "random_forest", {"max_features": "sqrt"})


#: A value other than the default for each tree-ensemble parameter.
_OTHER_TREE_VALUES = {
    "n_estimators": 7, "max_features": 0.5, "min_samples_leaf": 3, "max_depth": 4,
    "learning_rate": 0.3, "max_iter": 9, "n_members": 2, "class_weight": "balanced",
    "n_jobs": 2, "random_state": 5, "max_selected_features": 3, "point_estimate": "median_of_trees",
}  # fmt: skip
#: Parameters read by the fit itself (the first forest that selects columns, the quantile forest's
#: leaves; the boosters' count, threads and seeds) or by the prediction (``point_estimate``), not
#: passed on to the scikit-learn estimator a tree ensemble builds.
_FOREST_FIT = {"max_selected_features", "point_estimate"}
_READ_BY_THE_FIT = {
    "random_forest": _FOREST_FIT,
    "extra_trees": _FOREST_FIT,
    "gradient_boosting": {"n_members", "n_jobs", "random_state"},
}


@pytest.mark.parametrize("kind", ["random_forest", "extra_trees", "gradient_boosting"])
@pytest.mark.parametrize("classifier", [False, True])
def test_tree_params_read_are_those_the_scikit_learn_estimator_gets(kind, classifier):
    """``params_read`` (what a config may set) against the code: a parameter outside it leaves the
    forest or booster that the fit builds unchanged, one inside it (other than those the fit
    loop reads itself) changes it. ``extra_trees`` took ``learning_rate: 0.5, max_iter: 3`` and
    gave the default's metrics."""
    from electroscreen.models.sklearn_models import TreeEnsembleClassifier, TreeEnsembleRegressor

    cls = TreeEnsembleClassifier if classifier else TreeEnsembleRegressor

    def built(**params):
        model = cls(kind=kind, **params)
        part = model._booster(0) if kind == "gradient_boosting" else model._forest()
        return part.get_params()

    read = cls(kind=kind).params_read()
    assert set(_OTHER_TREE_VALUES) == set(cls().get_params()) - {"kind"}
    assert ("class_weight" in read) == classifier
    for name, value in _OTHER_TREE_VALUES.items():
        if name not in read:
            assert built(**{name: value}) == built(), name
        elif name not in _READ_BY_THE_FIT[kind]:
            assert built(**{name: value}) != built(), name


@pytest.mark.parametrize(
    ("task", "name", "params", "says"),
    [
        ("conductivity", "extra_trees", {"learning_rate": 0.5}, "(gradient_boosting only)"),
        ("conductivity", "extra_trees", {"max_iter": 3}, "(gradient_boosting only)"),
        ("conductivity", "random_forest", {"n_members": 3}, "(gradient_boosting only)"),
        ("conductivity", "extra_trees", {"class_weight": "balanced"}, "a classifier's option"),
        ("conductivity", "gradient_boosting", {"n_estimators": 9}, "(random_forest and extra_"),
        ("air_stability", "gradient_boosting", {"max_features": 0.5}, "(random_forest and ext"),
    ],
)
def test_tree_params_that_do_nothing_are_refused(task, name, params, says):
    """They were taken and ignored; the message names the estimator, where the parameter applies
    and what the estimator reads."""
    from electroscreen.models.estimators import check_estimator
    from electroscreen.models.tasks import get_task

    key = next(iter(params))
    with pytest.raises(ValueError) as caught:
        check_estimator(get_task(task), name, params)
    message = str(caught.value)
    assert message.startswith(f"estimator_params of {name}: {key!r} does not apply to {name} ")
    assert says in message and "; it reads " in message


def test_tree_params_that_apply_are_taken():
    from electroscreen.models.estimators import check_estimator
    from electroscreen.models.tasks import get_task

    check_estimator(get_task("air_stability"), "extra_trees", {"class_weight": "balanced"})
    check_estimator(get_task("conductivity"), "gradient_boosting", {"learning_rate": 0.5})
    check_estimator(get_task("conductivity"), "random_forest", {"max_selected_features": 5})


def test_torch_fit_refuses_zero_epochs():
    from electroscreen.models.torch_mlp import MLPEnsembleRegressor

    X, y = np.zeros((8, 2)), np.zeros(8)
    with pytest.raises(ValueError, match="'epochs' parameter"):
        MLPEnsembleRegressor(epochs=0, device="cpu").fit(X, y)


@pytest.mark.parametrize("kind", ["random_forest", "extra_trees"])
def test_forest_members_average_to_the_forest_prediction(kind):
    """The per-tree loop behind the spread (validation skipped) gives scikit-learn's own numbers."""
    from electroscreen.models.sklearn_models import TreeEnsembleClassifier, TreeEnsembleRegressor

    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 6))
    y = X[:, 0] * 2 + X[:, 1] + rng.normal(scale=0.1, size=300)
    X[rng.random(X.shape) < 0.05] = np.nan  # imputed before the trees see it
    regressor = TreeEnsembleRegressor(kind=kind, n_estimators=25).fit(X[:200], y[:200])
    mean, _ = regressor.predict_dist(X[200:])
    forest = regressor.members_[0]
    expected = forest.predict(regressor.imputer_.transform(X[200:]))
    np.testing.assert_allclose(mean, expected, rtol=0, atol=1e-12)

    classifier = TreeEnsembleClassifier(kind=kind, n_estimators=25).fit(X[:200], (y[:200] > 0) * 1)
    p, _ = classifier.predict_proba_dist(X[200:])
    forest = classifier.members_[0]
    expected = forest.predict_proba(classifier.imputer_.transform(X[200:]))[:, 1]
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-12)


def test_feature_selection_keeps_the_most_important_columns():
    """``max_selected_features``: the first forest's top-k columns, by hand; the second forest sees
    only them (equal to a forest fitted on those columns); old pickles use every column."""
    import pickle

    from electroscreen.models.sklearn_models import TreeEnsembleRegressor

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 8))
    y = 3 * X[:, 2] - 2 * X[:, 6] + rng.normal(scale=0.1, size=300)
    X[rng.random(X.shape) < 0.05] = np.nan
    first = TreeEnsembleRegressor(n_estimators=30, max_features=0.5).fit(X[:200], y[:200])
    top2 = np.sort(np.argsort(-first.feature_importances_)[:2])
    assert top2.tolist() == [2, 6]  # the two informative columns
    model = TreeEnsembleRegressor(n_estimators=30, max_features=0.5, max_selected_features=2)
    model.fit(X[:200], y[:200])
    assert model.support_.tolist() == [2, 6]
    on_columns = TreeEnsembleRegressor(n_estimators=30, max_features=0.5).fit(
        X[:200, [2, 6]], y[:200]
    )
    np.testing.assert_array_equal(model.predict(X[200:]), on_columns.predict(X[200:, [2, 6]]))
    importance = model.feature_importances_
    assert importance.shape == (8,) and (importance[[0, 1, 3, 4, 5, 7]] == 0).all()
    state = dict(pickle.loads(pickle.dumps(first)).__getstate__())
    del state["support_"], state["max_selected_features"]  # a pickle from before the option
    old = TreeEnsembleRegressor.__new__(TreeEnsembleRegressor)
    old.__setstate__(state)
    assert old.support_ is None and old.max_selected_features is None
    np.testing.assert_array_equal(old.predict(X[200:]), first.predict(X[200:]))
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="max_selected_features"):
            TreeEnsembleRegressor(n_estimators=5, max_selected_features=bad).fit(X, y)
    with pytest.raises(ValueError, match="impurity importances"):
        TreeEnsembleRegressor(kind="gradient_boosting", max_selected_features=2).fit(X, y)


def test_a_pickle_from_before_a_parameter_existed_loads_with_its_default(
    fitted, conductivity_table
):
    import pickle

    model = fitted["random_forest"]
    test = conductivity_table[conductivity_table["split"] == "test"].head(10)
    state = dict(model.__getstate__())
    for added in ("featurizer_params", "conformal_scale", "temperature_model"):
        del state[added]  # as in a model trained before these parameters were added
    old = CandidatePredictor.__new__(CandidatePredictor)
    old.__setstate__(state)
    assert old.featurizer_params is None and old.conformal_scale == "spread"
    pd.testing.assert_frame_equal(old.predict_frame(test), model.predict_frame(test))
    again = pickle.loads(pickle.dumps(old))
    assert again.get_params() == model.get_params()


def test_a_pickle_from_before_the_novelty_output_predicts_without_it(fitted, conductivity_table):
    """Legacy ``novelty_ = None``: no novelty column values, the same intervals."""
    from electroscreen.models.predictor_outputs import NOVELTY_COLUMN

    model = fitted["random_forest"]
    test = conductivity_table[conductivity_table["split"] == "test"].head(10)
    state = dict(model.__getstate__())
    del state["novelty_"]
    old = CandidatePredictor.__new__(CandidatePredictor)
    old.__setstate__(state)
    assert old.novelty_ is None
    got, expected = old.predict_frame(test), model.predict_frame(test)
    assert got[NOVELTY_COLUMN].isna().all() and expected[NOVELTY_COLUMN].notna().all()
    pd.testing.assert_frame_equal(
        got.drop(columns=NOVELTY_COLUMN), expected.drop(columns=NOVELTY_COLUMN)
    )

    unfitted = CandidatePredictor.__new__(CandidatePredictor)
    unfitted.__setstate__({"task": "conductivity"})  # fitted attributes only into fitted pickles
    assert (
        not hasattr(unfitted, "novelty_")
        and unfitted.get_params() == CandidatePredictor().get_params()
    )
