"""The ``averaged`` ensemble: mean of members on their own columns, in a predictor, saved and loaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.averaged import AveragedRegressor, check_members
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.sklearn_models import TreeEnsembleRegressor

FOREST = {"n_estimators": 12, "max_features": 0.3, "n_jobs": 1}
ATTENTION = {"d_model": 8, "n_heads": 2, "n_layers": 1, "n_members": 1, "epochs": 2}
MEMBERS = [
    {"estimator": "random_forest", "featurizers": ["magpie", "electrolyte"], "params": FOREST},
    {"estimator": "attention", "featurizers": ["element_fractions"], "params": ATTENTION},
]


def _synthetic(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, X[:, 0] - 2.0 * X[:, 3] + 0.1 * rng.normal(size=n)


def _two_forests(**kw) -> AveragedRegressor:
    members = [
        ("a", TreeEnsembleRegressor(n_estimators=10, random_state=0)),
        ("b", TreeEnsembleRegressor(n_estimators=10, random_state=1)),
    ]
    return AveragedRegressor(members, columns=[np.array([0, 1]), np.array([2, 3])], **kw)


def test_mean_and_spread_are_those_of_the_members():
    X, y = _synthetic()
    model = _two_forests(weights=[1.0, 3.0]).fit(X, y)
    mu_k, sd_k = model.predict_members(X[:20])
    mu, sd = model.predict_dist(X[:20])
    np.testing.assert_allclose(mu, 0.25 * mu_k[0] + 0.75 * mu_k[1])
    mixture = 0.25 * (sd_k[0] ** 2 + (mu_k[0] - mu) ** 2) + 0.75 * (
        sd_k[1] ** 2 + (mu_k[1] - mu) ** 2
    )
    np.testing.assert_allclose(sd, np.sqrt(mixture))
    assert (sd >= np.minimum(sd_k[0], sd_k[1]) - 1e-12).all()


def test_each_member_reads_only_its_columns():
    X, y = _synthetic()
    model = _two_forests().fit(X, y)
    moved = X[:20].copy()
    moved[:, 3] += 5.0  # a column of member b only
    before, after = model.predict_members(X[:20])[0], model.predict_members(moved)[0]
    np.testing.assert_array_equal(before[0], after[0])
    assert not np.allclose(before[1], after[1])


def test_fit_is_deterministic_and_importances_cover_member_columns():
    X, y = _synthetic()
    one, two = _two_forests().fit(X, y), _two_forests().fit(X, y)
    np.testing.assert_array_equal(one.predict(X), two.predict(X))
    importances = one.feature_importances_
    assert importances.shape == (4,) and importances.sum() == pytest.approx(1.0)
    assert importances[0] > importances[1] and importances[3] > importances[2]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"members": MEMBERS[:1]}, "at least two"),
        ({"members": [*MEMBERS[:1], {**MEMBERS[1], "featurizers": ["bvse"]}]}, "subset"),
        ({"members": [*MEMBERS[:1], {"estimator": "graph", "featurizers": ["magpie"]}]}, "graph"),
        ({"members": [*MEMBERS[:1], {**MEMBERS[1], "weight": 0}]}, "positive"),
        ({"members": [*MEMBERS[:1], {**MEMBERS[1], "epochs": 3}]}, "unknown keys"),
        ({"members": MEMBERS, "n_jobs": 2}, "only 'members'"),
    ],
)
def test_bad_member_specs_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        check_members(params, ["magpie", "electrolyte", "element_fractions"])


def test_bad_columns_and_weights_raise():
    X, y = _synthetic()
    with pytest.raises(ValueError, match="columns outside"):
        _two_forests().set_params(columns=[np.array([0]), np.array([9])]).fit(X, y)
    with pytest.raises(ValueError, match="positive"):
        _two_forests(weights=[1.0, -1.0]).fit(X, y)


@pytest.fixture(scope="module")
def ensemble(conductivity_table):
    """Forest + attention network averaged, Arrhenius on, fitted on 150 train rows (CPU)."""
    table = conductivity_table[conductivity_table["split"] == "train"].head(150)
    table = table.reset_index(drop=True)
    table["ea_ev"] = np.where(
        np.arange(len(table)) % 3 == 0, 0.3 + 0.002 * np.arange(len(table)), np.nan
    )
    model = CandidatePredictor(
        featurizers=["magpie", "electrolyte", "element_fractions"],
        estimator="averaged",
        estimator_params={"members": MEMBERS},
        conformal_method="cv",
        conformal_novelty_bins=2,
        conformal_scale="learned",
        temperature_model="arrhenius",
        device="cpu",
    )
    return model.fit(table), table


FRAME = pd.DataFrame(
    {
        "formula": ["Li3YCl6", "Xx2O", "Li7La3Zr2O12", "Li6PS5Cl"],
        "temperature_c": [25.0, 25.0, 25.0, 100.0],
    }
)


def test_predictor_predicts_the_mean_of_its_members(ensemble):
    model, _ = ensemble
    averaged = model.estimator_.estimator_
    assert isinstance(averaged, AveragedRegressor)
    assert model.estimator_.method == "cv" and model.ea_model_ is not None
    out = model.predict_frame(FRAME.iloc[:3])
    assert out["pred_status"].tolist() == ["ok", "unknown_element", "ok"]
    design = model.featurize(FRAME.iloc[:3])
    mu_k, _ = averaged.predict_members(design.X)
    np.testing.assert_allclose(out["pred_log10_sigma"].dropna(), mu_k.mean(axis=0))
    blocks = model._feature_blocks()
    np.testing.assert_array_equal(averaged.columns_[1], blocks["element_fractions"])
    ok = out["pred_status"] == "ok"
    assert (out.loc[ok, "pred_log10_sigma_lo"] < out.loc[ok, "pred_log10_sigma"]).all()
    assert (out.loc[ok, "pred_log10_sigma_hi"] > out.loc[ok, "pred_log10_sigma"]).all()


def test_arrhenius_shifts_the_averaged_prediction(ensemble):
    model, _ = ensemble
    at25 = model.predict_frame(FRAME.assign(temperature_c=25.0))
    out = model.predict_frame(FRAME)
    assert out["pred_log10_sigma"].iloc[3] > at25["pred_log10_sigma"].iloc[3]
    np.testing.assert_allclose(out["pred_log10_sigma"].iloc[:3], at25["pred_log10_sigma"].iloc[:3])


def test_refit_is_deterministic(ensemble):
    model, table = ensemble
    from sklearn.base import clone

    again = clone(model).fit(table)
    np.testing.assert_allclose(
        again.predict_frame(FRAME)["pred_log10_sigma"],
        model.predict_frame(FRAME)["pred_log10_sigma"],
    )


def test_mlflow_pyfunc_round_trip(ensemble, tmp_path):
    import mlflow

    from electroscreen.experiments.pyfunc import load_predictor, log_predictor
    from electroscreen.experiments.tracking import fluent_tracking, get_or_create_experiment

    model, _ = ensemble
    expected = model.predict_frame(FRAME)
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    experiment = get_or_create_experiment("round-trip", store)  # artifacts beside the store
    with fluent_tracking(store) as uri, mlflow.start_run(experiment_id=experiment):
        info = log_predictor(
            model, tmp_path, output_columns=model.output_columns(), uses_torch=True
        )
        pyfunc = mlflow.pyfunc.load_model(info.model_uri).predict(FRAME)
        loaded = load_predictor(info.model_uri, uri).to("cpu")
    pd.testing.assert_frame_equal(loaded.predict_frame(FRAME), expected)
    np.testing.assert_allclose(pyfunc["pred_log10_sigma"], expected["pred_log10_sigma"])
    assert pyfunc["pred_status"].tolist() == expected["pred_status"].tolist()


def test_weights_default_to_equal_and_are_normalised():
    X, y = _synthetic()
    plain = _two_forests().fit(X, y)
    np.testing.assert_allclose(plain.weights_, [0.5, 0.5])
    for weights in ([1.0, 1.0], [2.0, 2.0]):  # the plain mean: results do not change
        np.testing.assert_array_equal(
            _two_forests(weights=weights).fit(X, y).predict(X), plain.predict(X)
        )
    heavy = _two_forests(weights=[3.0, 1.0]).fit(X, y)
    np.testing.assert_allclose(heavy.weights_, [0.75, 0.25])
    np.testing.assert_allclose(
        heavy.predict(X), _two_forests(weights=[0.6, 0.2]).fit(X, y).predict(X)
    )
    mu_k, _ = heavy.predict_members(X)
    np.testing.assert_allclose(heavy.predict(X), 0.75 * mu_k[0] + 0.25 * mu_k[1])


def test_bad_weight_shapes_raise():
    X, y = _synthetic()
    for weights in ([1.0], [1.0, 2.0, 3.0], [1.0, np.nan], [0.0, 1.0]):
        with pytest.raises(ValueError, match="weights must be 2 positive numbers"):
            _two_forests(weights=weights).fit(X, y)


def test_member_weights_of_a_config_reach_the_model():
    from electroscreen.models.averaged import build_averaged

    X, y = _synthetic()
    params = {
        "members": [
            {"estimator": "random_forest", "featurizers": ["a"], "weight": 0.7},
            {"estimator": "random_forest", "featurizers": ["b"], "weight": 0.3},
        ]
    }
    blocks = {"a": np.array([0, 1]), "b": np.array([2, 3])}
    model = build_averaged(params, blocks, lambda name, p: TreeEnsembleRegressor(n_estimators=8))
    assert model.get_params()["weights"] == [0.7, 0.3]
    np.testing.assert_allclose(model.fit(X, y).weights_, [0.7, 0.3])
    default = build_averaged(
        {"members": [{**m, "weight": 1.0} for m in params["members"]]},
        blocks,
        lambda name, p: TreeEnsembleRegressor(n_estimators=8),
    )
    assert default.weights == [1.0, 1.0]
