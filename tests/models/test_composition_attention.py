"""The composition-attention network: shapes, seeds, the Tobit loss by hand, weights-only round trip."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from electroscreen.featurizers.composition.element_fractions import ElementFractions
from electroscreen.models.composition_attention import (
    CompositionAttentionRegressor,
    pack_fractions,
    tobit_nll,
)

FORMULAS = ["Li2O", "Li3PS4", "Li7La3Zr2O12", "Li3YCl6", "LiCl", "Li6PS5Cl", "Li3InCl6", "Na3PS4"]


def _data(n: int = 48, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = ElementFractions().transform([FORMULAS[i % len(FORMULAS)] for i in range(n)])
    y = -4.0 + 3.0 * X[:, 2] - 2.0 * X[:, 7] + 0.1 * rng.normal(size=n)  # Li up, O down
    return X, y


def _small(**kw) -> CompositionAttentionRegressor:
    params = dict(d_model=16, n_heads=2, n_layers=1, n_members=2, epochs=8, device="cpu")
    return CompositionAttentionRegressor(**{**params, **kw})


def test_tobit_loss_by_hand():
    mu = torch.tensor([0.0, 1.0, 0.5])
    y = torch.tensor([1.0, 0.0, 0.5])
    censored = torch.tensor([False, True, True])
    log_sigma = torch.tensor(math.log(2.0))
    got = tobit_nll(mu, log_sigma, y, censored).numpy()
    phi = lambda z: 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))  # noqa: E731
    want = [
        math.log(2.0) + 0.5 * (0.5**2),  # exact: log sigma + z^2 / 2, z = (1 - 0) / 2
        -math.log(phi(-0.5)),  # bound 0 below a mean of 1: P(value < 0) = Phi(-1 / 2)
        -math.log(0.5),  # bound at the mean
    ]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_pack_fractions_tokens():
    X = ElementFractions().transform(["Li3PS4", "LiCl"])
    index, fraction, pad = pack_fractions(X)
    assert index.shape == (2, 3) and pad.tolist() == [[False] * 3, [False, False, True]]
    np.testing.assert_allclose(fraction.sum(axis=1), 1.0)
    assert sorted(index[0].tolist()) == [2, 14, 15]  # Li, P, S (Z - 1)


def test_fit_predict_shapes_and_seed_determinism():
    X, y = _data()
    a = _small(random_state=3).fit(X, y)
    b = _small(random_state=3).fit(X, y)
    mu, sd = a.predict_dist(X[:5])
    assert mu.shape == (5,) and sd.shape == (5,) and (sd >= 0).all()
    np.testing.assert_array_equal(mu, b.predict_dist(X[:5])[0])
    assert not np.array_equal(mu, _small(random_state=4).fit(X, y).predict(X[:5]))


def test_tobit_pushes_censored_rows_down_only_while_above_bound():
    X, y = _data()
    censored = np.zeros(len(y), bool)
    censored[::4] = True
    y_bound = np.where(censored, 5.0, y)  # bounds far above every value: no information
    with_tobit = _small(epochs=30).fit(X, y_bound, censored=censored)
    plain = _small(epochs=30, tobit=False).fit(X, y_bound)
    # squared error pulls the predictions of bound rows up towards 5; the Tobit loss does not
    assert with_tobit.predict(X[censored]).mean() < plain.predict(X[censored]).mean()


def test_weights_only_round_trip(tmp_path):
    X, y = _data()
    model = _small().fit(X, y)
    path = model.save_checkpoint(tmp_path / "attention.pt")
    state = torch.load(path, map_location="cpu", weights_only=True)
    loaded = CompositionAttentionRegressor.from_checkpoint(state)
    np.testing.assert_allclose(loaded.predict_dist(X)[0], model.predict_dist(X)[0], atol=1e-6)


def test_bad_shape_is_an_error():
    with pytest.raises(ValueError, match="fraction matrix"):
        _small().fit(np.zeros((4, 5)), np.zeros(4))


def test_in_a_predictor_with_censored_rows_and_bad_formulas(conductivity_table):
    from electroscreen.models.predictor import CandidatePredictor

    table = conductivity_table[conductivity_table["split"] == "train"].head(120)
    assert table["censored"].any()  # the Tobit branch is exercised
    params = dict(d_model=16, n_heads=2, n_layers=1, n_members=2, epochs=3)
    model = CandidatePredictor(
        featurizers=["element_fractions"],
        estimator="attention",
        estimator_params=params,
        conformal_groups="chemsys",
        device="cpu",
    ).fit(table.reset_index(drop=True))
    out = model.predict_frame(pd.DataFrame({"formula": ["Li3YCl6", "Xx2O", "Li7La3Zr2O12"]}))
    assert out["pred_status"].tolist()[0] == "ok" and out["pred_status"].tolist()[1] != "ok"
    ok = out["pred_status"] == "ok"
    assert (out.loc[ok, "pred_log10_sigma_lo"] < out.loc[ok, "pred_log10_sigma"]).all()
    assert out.loc[~ok, "pred_log10_sigma"].isna().all()
