"""The gated classifier: the near member near the training rows, the far member far from them."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.gated import GatedClassifier, check_gated
from electroscreen.models.linear_models import LogisticEnsembleClassifier
from electroscreen.models.sklearn_models import TreeEnsembleClassifier


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + 0.3 * X[:, 2] > 0).astype(int)
    return X, y


def _model(**kw):
    return GatedClassifier(
        TreeEnsembleClassifier(n_estimators=30, random_state=0),
        LogisticEnsembleClassifier(n_members=3),
        **kw,
    )


def test_mixture_by_hand(data):
    """p = w p_near + (1 - w) p_far with w = exp(-(d / scale)^2), d the near columns' novelty."""
    X, y = data
    model = _model(near_columns=np.array([0, 1, 2]), far_columns=np.array([0]), gate_scale=0.7)
    model.fit(X, y)
    Xt = np.vstack([X[:5], X[:5] * 4.0])
    d = model.novelty_.distance(Xt)
    w = np.exp(-((d / 0.7) ** 2))
    np.testing.assert_allclose(model.gate_weight(Xt), w)
    p_near, sd_near = model.near_.predict_proba_dist(Xt)
    p_far, sd_far = model.far_.predict_proba_dist(Xt[:, [0]])
    p, sd = model.predict_proba_dist(Xt)
    np.testing.assert_allclose(p, w * p_near + (1 - w) * p_far)
    var = w * sd_near**2 + (1 - w) * sd_far**2 + w * (1 - w) * (p_near - p_far) ** 2
    np.testing.assert_allclose(sd, np.sqrt(var))
    np.testing.assert_allclose(model.predict_proba(Xt)[:, 1], p)
    np.testing.assert_array_equal(model.predict(Xt), (p >= 0.5).astype(int))


def test_far_rows_take_the_far_member_and_training_rows_the_near_one(data):
    X, y = data
    model = _model(gate_scale=0.5).fit(X, y)
    far = X[:10] + 50.0
    np.testing.assert_allclose(
        model.predict_proba_dist(far)[0], model.far_.predict_proba_dist(far)[0], atol=1e-12
    )
    assert np.median(model.gate_weight(X[:10])) > 0.3  # a training row is among its own 5 nearest
    assert model.gate_weight(far).max() < 1e-12


def test_seeded_and_picklable(data):
    X, y = data
    a, b = _model().fit(X, y), _model().fit(X, y)
    np.testing.assert_array_equal(a.predict_proba_dist(X)[0], b.predict_proba_dist(X)[0])
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.predict_proba_dist(X)[1], c.predict_proba_dist(X)[1])


def test_bad_parameters_are_named(data):
    X, y = data
    with pytest.raises(ValueError, match="gate_scale"):
        _model(gate_scale=0.0).fit(X, y)
    with pytest.raises(ValueError, match="columns"):
        _model(far_columns=np.array([3])).fit(X, y)
    names = ["a", "b"]
    with pytest.raises(ValueError, match="'near' and 'far'"):
        check_gated({"near": {"estimator": "logistic"}}, names)
    with pytest.raises(ValueError, match="estimator must be one of"):
        check_gated({"near": {"estimator": "attention"}, "far": {"estimator": "logistic"}}, names)
    with pytest.raises(ValueError, match=r"features \['c'\]"):
        check_gated(
            {
                "near": {"estimator": "logistic"},
                "far": {"estimator": "logistic", "features": ["c"]},
            },
            names,
        )
    spec = check_gated(
        {
            "near": {"estimator": "random_forest"},
            "far": {"estimator": "logistic", "features": ["b"]},
        },
        names,
    )
    np.testing.assert_array_equal(spec["near"]["columns"], [0, 1])
    np.testing.assert_array_equal(spec["far"]["columns"], [1])


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"far": {"estimator": "logistic", "features": []}}, "far: features must be a non-empty"),
        ({"far": {"estimator": "logistic", "features": "b"}}, "far: features must be a non-empty"),
        ({"near": {"estimator": "logistic", "params": [1]}}, "near: params must be a mapping"),
        ({"gate_scale": "big"}, "gate_scale must be a positive number, got 'big'"),
        ({"gate_scale": float("inf")}, "gate_scale must be a positive number"),
        ({"gate_scale": True}, "gate_scale must be a positive number"),
        ({"recall_scale": "near"}, "recall_scale must be a positive number or null, got 'near'"),
        ({"recall_scale": 0}, "recall_scale must be a positive number or null"),
        ({"recall_scale": -0.03}, "recall_scale must be a positive number or null"),
        ({"recall_scale": True}, "recall_scale must be a positive number or null"),
    ],
)
def test_empty_features_and_bad_scales_are_named(change, says):
    """``features: []`` read every column (a member on 11 columns instead of 4); a text scale
    failed as 'could not convert string to float', naming no parameter."""
    spec = {"near": {"estimator": "random_forest"}, "far": {"estimator": "logistic"}}
    with pytest.raises(ValueError, match=says):
        check_gated({**spec, **change}, ["a", "b"])


def test_a_member_without_features_reads_every_column():
    spec = {"near": {"estimator": "random_forest"}, "far": {"estimator": "logistic"}}
    checked = check_gated({**spec, "gate_scale": 2}, ["a", "b"])
    np.testing.assert_array_equal(checked["far"]["columns"], [0, 1])
    assert checked["gate_scale"] == 2.0
    assert checked["recall_scale"] is None  # off unless asked for
    assert check_gated({**spec, "recall_scale": 0.05}, ["a", "b"])["recall_scale"] == 0.05
    assert check_gated({**spec, "recall_scale": None}, ["a", "b"])["recall_scale"] is None


@pytest.fixture(scope="module")
def lone_row(data):
    """The training rows of ``data`` and one row unlike all of them, labelled 0 (LiI among
    sulfides and oxides); the gate without and with ``recall_scale=0.05`` (the default's), and
    ``lone``."""
    X, y = data
    lone = np.array([[6.0, -6.0, 6.0]])
    Xl, yl = np.vstack([X, lone]), np.append(y, 0)
    plain = _model(gate_scale=0.5).fit(Xl, yl)
    recall = _model(gate_scale=0.5, recall_scale=0.05).fit(Xl, yl)
    return plain, recall, lone


def test_a_training_row_alone_in_its_region_is_recalled(lone_row, data):
    """audit_halide F3: LiI, labelled once and with no close labelled neighbour, was scored by
    the far member (the mean distance to its 5 nearest training rows is large). With
    ``recall_scale`` a row at a training row's own features gets the near member's weight 1:
    its probability and spread are the near member's."""
    plain, recall, lone = lone_row
    assert plain.gate_weight(lone)[0] < 1e-6  # without it: the far member's score
    assert recall.gate_weight(lone).tolist() == [1.0]
    p_near, sd_near = recall.near_.predict_proba_dist(lone)
    np.testing.assert_array_equal(recall.predict_proba_dist(lone)[0], p_near)
    np.testing.assert_array_equal(recall.predict_proba_dist(lone)[1], sd_near)
    assert (recall.gate_weight(data[0][:10]) == 1.0).all()  # a training row among many: 1 too


def test_the_recall_is_continuous_a_dopant_step_from_the_row(lone_row, data):
    """A weight of 1 at distance 0 alone (the 5 nearest's weight beyond) left a step: a
    composition a dopant step from LiI (LiI0.99Br0.01, 0.008 standardised units) got the far
    member's 0.82 against LiI's 0.09. Now the weight is ``max(w5, exp(-(d1 / recall_scale)^2))``:
    near 1 a fraction of ``recall_scale`` away, so its score is the labelled row's, and falling
    continuously to the 5 nearest's weight a few ``recall_scale`` away (a real family step)."""
    plain, recall, lone = lone_row
    unit = recall.novelty_.scaler_[-1].scale_  # a raw step of `unit` is 1 standardised unit
    direction = unit / np.linalg.norm(np.ones(3))  # along the diagonal, standardised
    steps = np.array([0.0, 1e-6, 0.001, 0.008, 0.03, 0.08, 0.87])
    rows = lone + steps[:, None] * direction
    np.testing.assert_allclose(recall.novelty_.distance(rows, k=1), steps, atol=1e-9)
    w = recall.gate_weight(rows)
    w5 = plain.gate_weight(rows)
    np.testing.assert_allclose(w, np.maximum(w5, np.exp(-((steps / 0.05) ** 2))), rtol=1e-9)
    assert w[1] > 1 - 1e-8 and w[3] > 0.97  # a dopant step: scored as the labelled row ...
    p = recall.predict_proba_dist(rows)[0]
    p_far = recall.far_.predict_proba_dist(rows)[0]
    assert abs(p[3] - p[0]) < 0.1 * abs(p_far[3] - p[0])  # ... not as the far member
    assert np.all(np.diff(w) < 0)  # falling with distance, no step
    assert w[5] < 0.1 and w[6] == w5[6]  # a ten-per-cent step; a family step (LiI to LiBr)
    off = data[0][:10] + 50.0  # rows off every training row: as without it
    np.testing.assert_array_equal(recall.gate_weight(off), plain.gate_weight(off))


def test_a_model_pickled_before_recall_scale_keeps_its_gate(lone_row):
    """Before ``recall_scale`` and ``calibration``: a model without them is without them
    (``get_params``, ``repr`` and the gate as the plain model's)."""
    plain, recall, lone = lone_row
    rows = np.vstack([lone, lone + 1e-3])
    state = dict(recall.__getstate__())  # a copy: the model's own __dict__ otherwise
    del state["recall_scale"], state["calibration"]
    legacy = GatedClassifier.__new__(GatedClassifier)
    legacy.__setstate__(state)
    assert repr(legacy)
    assert legacy.get_params()["recall_scale"] is None
    assert legacy.get_params()["calibration"] == "none"
    np.testing.assert_array_equal(legacy.gate_weight(rows), plain.gate_weight(rows))


def test_the_default_config_recalls_a_labelled_composition():
    """The shipped default asks for ``recall_scale`` (both copies are identical:
    tests/test_configs.py)."""
    from electroscreen.configs import config_path
    from electroscreen.experiments.train_config import load_train_config

    config = load_train_config(config_path("air_stability.yaml"))
    assert config.estimator == "gated" and config.estimator_params["recall_scale"] == 0.05


def test_prior_calibration_shifts_each_member_to_the_class_frequency():
    """Balanced members estimate the odds of equal classes; ``calibration="prior"`` adds
    ln(n1 / n0) to each member's logit before the blend, and its spread scales by the map's slope.
    On 85 % positives with an uninformative feature, the balanced model's mean is about 0.5 and the
    calibrated one's about 0.85."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    y = (rng.random(400) < 0.85).astype(int)
    columns = {"near_columns": np.array([0, 1]), "far_columns": np.array([0]), "gate_scale": 0.5}
    plain = _model(**columns).fit(X, y)
    prior = _model(**columns, calibration="prior").fit(X, y)
    shift = np.log(y.sum() / (len(y) - y.sum()))
    assert prior.prior_log_odds_ == pytest.approx(shift)
    Xt = np.vstack([X[:20], X[:20] + 30.0])
    w = prior.gate_weight(Xt)
    expected_p, expected_var = np.zeros(len(Xt)), np.zeros(len(Xt))
    members = []
    for member, columns in ((prior.near_, prior.near_columns_), (prior.far_, prior.far_columns_)):
        p, sd = member.predict_proba_dist(Xt[:, columns])
        inside = (p > 0) & (p < 1)
        q = np.where(inside, 1 / (1 + (1 - p) / np.where(inside, p, 0.5) * np.exp(-shift)), p)
        slope = np.where(inside, q * (1 - q) / np.where(inside, p * (1 - p), 1.0), 1.0)
        members.append((q, sd * slope))
    (qn, sn), (qf, sf) = members
    expected_p = w * qn + (1 - w) * qf
    expected_var = w * sn**2 + (1 - w) * sf**2 + w * (1 - w) * (qn - qf) ** 2
    p, sd = prior.predict_proba_dist(Xt)
    np.testing.assert_allclose(p, expected_p, rtol=1e-12)
    np.testing.assert_allclose(sd, np.sqrt(expected_var), rtol=1e-10)
    far = X[:100] + [0.0, 30.0]  # the far member alone, on its column as in training
    assert abs(plain.predict_proba_dist(far)[0].mean() - 0.5) < 0.1
    assert abs(prior.predict_proba_dist(far)[0].mean() - y.mean()) < 0.05
    state = dict(plain.__getstate__())
    del state["prior_log_odds_"]  # a model fitted before the parameter existed
    legacy = GatedClassifier.__new__(GatedClassifier)
    legacy.__setstate__(state)
    assert legacy.prior_log_odds_ == 0.0
    np.testing.assert_array_equal(legacy.predict_proba_dist(Xt)[0], plain.predict_proba_dist(Xt)[0])
    with pytest.raises(ValueError, match="calibration must be one of"):
        _model(calibration="isotonic").fit(X, y)
    spec = {"near": {"estimator": "random_forest"}, "far": {"estimator": "logistic"}}
    with pytest.raises(ValueError, match="calibration must be one of"):
        check_gated({**spec, "calibration": "platt"}, ["a", "b"])
    assert check_gated({**spec, "calibration": "prior"}, ["a", "b"])["calibration"] == "prior"


def test_predictor_builds_it_from_feature_names_and_refuses_it_for_conductivity():
    from electroscreen.models.predictor import CandidatePredictor

    sulfides = ["Li3PS4", "Li7P3S11", "Li6PS5Cl", "Li10GeP2S12", "Li4P2S6"]
    oxides = ["Li7La3Zr2O12", "Li1.3Al0.3Ti1.7P3O12", "LiNbO3", "Li2SiO3", "Li3PO4"]
    table = pd.DataFrame(
        {
            "formula": (sulfides + oxides) * 4,
            "verdict": (["unstable"] * 5 + ["stable"] * 5) * 4,
            "family": (["sulfide"] * 5 + ["oxide"] * 5) * 4,
        }
    )
    params = {
        "gate_scale": 0.5,
        "near": {"estimator": "random_forest", "params": {"n_estimators": 20}},
        "far": {"estimator": "logistic", "features": ["rxn_h2o_ev_per_atom"]},
    }
    featurizer_params = {"moisture": {"features": ["rxn_h2o_ev_per_atom", "carrier_fraction"]}}
    model = CandidatePredictor(
        task="air_stability", featurizers=("moisture",), featurizer_params=featurizer_params,
        estimator="gated", estimator_params=params,
    ).fit(table)  # fmt: skip
    np.testing.assert_array_equal(model.estimator_.far_columns_, [0])
    out = model.predict_frame(pd.DataFrame({"formula": ["Li3PS4", "Li7La3Zr2O12"]}))
    assert out["pred_status"].tolist() == ["ok", "ok"]
    assert out["p_air_stable"].iloc[0] < 0.5 < out["p_air_stable"].iloc[1]
    # a composition unlike every labelled one is scored by the far member alone, and says so
    asked = pd.DataFrame({"formula": ["Li3PS4", "LiI", "Li3N"]})
    notes = model.predict_frame(asked, details=True)["pred_feature_status"]
    weight = model.estimator_.gate_weight(model.featurize(asked).X)
    from electroscreen.models.predictor_outputs import FAR_FROM_LABELS, FAR_WEIGHT

    assert weight[0] > FAR_WEIGHT and (weight[1:] < FAR_WEIGHT).all()
    assert FAR_FROM_LABELS not in notes.iloc[0]
    assert all(FAR_FROM_LABELS in note.split(";") for note in notes.iloc[1:])
    with pytest.raises(ValueError, match="gated is a classifier pair"):
        CandidatePredictor(task="conductivity", featurizers=("magpie",), estimator="gated").fit(
            pd.DataFrame({"formula": ["Li3PS4"] * 6, "log10_sigma": [-3.0] * 6})
        )


def test_gate_weight_searches_the_training_rows_once(data, monkeypatch):
    """With ``recall_scale`` the weight needs the 5-nearest mean and the nearest distance: one
    search of the training rows gives both (``FeatureNovelty.distances``), not one search each;
    the weight is the one both searches give."""
    import electroscreen.models.rowwise as rowwise

    X, y = data
    model = _model(gate_scale=0.5, recall_scale=0.05).fit(X, y)
    Xt = np.vstack([X[:20], X[:20] + 0.01, X[:20] * 3.0])
    want = np.maximum(
        np.exp(-((model.novelty_.distance(Xt) / 0.5) ** 2)),
        np.exp(-((model.novelty_.distance(Xt, k=1) / 0.05) ** 2)),
    )
    searches = []
    kernel = rowwise._mean_nearest

    def counted(*args):
        searches.append(args[2])
        return kernel(*args)

    monkeypatch.setattr(rowwise, "_mean_nearest", counted)
    got = model.gate_weight(Xt)
    assert searches == [5]
    assert got.tobytes() == want.tobytes()
