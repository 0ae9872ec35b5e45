"""The shipped default stabilisation models: arrays that predict as the fit does, never stale."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingRegressor

from electroscreen.featurizers.thermo import stabilisation_frozen
from electroscreen.featurizers.thermo.stabilisation import (
    StabilisationModel,
)
from electroscreen.featurizers.thermo.stabilisation_frozen import (
    FrozenBoosting,
    default_stabilisation_model,
    load_frozen_model,
    write_frozen_models,
)


@pytest.mark.parametrize("loss", ["huber", "squared_error"])
def test_frozen_boosting_predicts_as_scikit_learn(loss):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 12)) * rng.choice([1e-3, 1.0, 1e3], size=12)  # float32-sensitive
    y = X[:, 0] / 1e3 + np.sin(X[:, 3]) + rng.normal(scale=0.1, size=400)
    model = GradientBoostingRegressor(
        loss=loss, n_estimators=60, max_depth=4, subsample=0.8, max_features=0.5, random_state=0
    ).fit(X[:300], y[:300])
    frozen = FrozenBoosting.from_sklearn(model)
    for rows in (X[:300], X[300:], X[300:] * 1.0001):
        np.testing.assert_array_equal(frozen.predict(rows), model.predict(rows))


@pytest.mark.parametrize("water", ["liquid", "gas"])
def test_the_shipped_model_is_the_fit_of_the_current_table(water):
    frozen = load_frozen_model(water)
    assert frozen is not None, (
        "the shipped stabilisation models were fitted on other data or parameters: regenerate "
        "with python -m electroscreen.featurizers.thermo.stabilisation_frozen"
    )
    fitted = StabilisationModel(water=water).fit()
    features, _, _ = fitted.training_data()
    rng = np.random.default_rng(0)
    shaken = features[rng.integers(0, len(features), 3000)]
    shaken = shaken * rng.normal(1.0, 0.1, size=shaken.shape)
    for rows in (features, shaken):
        np.testing.assert_array_equal(
            frozen.regressor_.predict(rows), fitted.regressor_.predict(rows)
        )
    assert frozen.domain_ == fitted.domain_ and frozen.get_params() == fitted.get_params()
    assert frozen.excluded_ == fitted.excluded_  # and the held-out errors that decided them
    np.testing.assert_array_equal(frozen.domain_scores_, fitted.domain_scores_)
    formulas = ["Li7La3Zr2O12", "Li1.3Al0.3Ti1.7(PO4)3", "LiNbO3", "Li3PS4"]
    np.testing.assert_array_equal(frozen.predict(formulas), fitted.predict(formulas))
    assert type(default_stabilisation_model(water).regressor_) is FrozenBoosting


def test_stale_arrays_are_not_used(tmp_path, monkeypatch):
    path = write_frozen_models(tmp_path / "models.npz")
    with np.load(path, allow_pickle=False) as stored:
        arrays = dict(stored)
    arrays["gas__fingerprint"] = np.array("0" * 64)  # as if fitted on another table
    np.savez(path, **arrays)
    monkeypatch.setattr(stabilisation_frozen, "_frozen_path", lambda: path)
    assert load_frozen_model("gas") is None
    assert load_frozen_model("liquid") is not None
    monkeypatch.setattr(stabilisation_frozen, "_frozen_path", lambda: tmp_path / "missing.npz")
    assert load_frozen_model("liquid") is None
