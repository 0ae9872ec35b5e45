"""Temperature input of conductivity models: Arrhenius shift, activation-energy output, bad values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.predictor import CandidatePredictor, arrhenius_shift
from electroscreen.models.temperature import KelvinWarning

from .conftest import FAST_PARAMS


@pytest.fixture(scope="module")
def table_with_ea(conductivity_table) -> pd.DataFrame:
    """150 OBELiX train rows; 60 of them carry a synthetic activation energy (0.2-0.6 eV)."""
    table = conductivity_table[conductivity_table["split"] == "train"].head(150).copy()
    rng = np.random.default_rng(0)
    ea = np.full(len(table), np.nan)
    ea[:60] = rng.uniform(0.2, 0.6, 60)
    return table.assign(ea_ev=ea).reset_index(drop=True)


def _model(temperature_model: str) -> CandidatePredictor:
    return CandidatePredictor(
        estimator_params=FAST_PARAMS["random_forest"],
        conformal_groups="none",
        temperature_model=temperature_model,
    )


@pytest.fixture(scope="module")
def arrhenius_model(table_with_ea):
    return _model("arrhenius").fit(table_with_ea)


def test_arrhenius_shift_is_zero_at_25_and_grows_with_temperature():
    assert arrhenius_shift(np.array([0.4]), np.array([25.0]))[0] == pytest.approx(0.0, abs=1e-12)
    # 0.4 eV from 25 to 100 degC: 0.4 / (k ln10) * (1/298.15 - 1/373.15) = 1.36 decades
    assert arrhenius_shift(np.array([0.4]), np.array([100.0]))[0] == pytest.approx(1.357, abs=2e-3)
    shifts = arrhenius_shift(np.full(4, 0.3), np.array([-20.0, 25.0, 80.0, 300.0]))
    assert np.all(np.diff(shifts) > 0)


def test_prediction_follows_the_arrhenius_line(arrhenius_model, table_with_ea):
    formulas = ["Li7La3Zr2O12", "Li10GeP2S12", "Li3InCl6"]
    temps = [-20.0, 25.0, 60.0, 150.0]
    frame = pd.DataFrame(
        {"formula": np.repeat(formulas, len(temps)), "temperature_c": np.tile(temps, len(formulas))}
    )
    out = arrhenius_model.predict_frame(frame)
    assert (out["pred_status"] == "ok").all()
    assert (out["pred_ea_ev"] > 0).all()
    at25 = arrhenius_model.predict_frame(pd.DataFrame({"formula": formulas}))  # default 25 degC
    for i, _ in enumerate(formulas):
        rows = out.iloc[i * len(temps) : (i + 1) * len(temps)]
        assert rows["pred_ea_ev"].nunique() == 1  # Ea does not depend on the temperature
        assert np.all(np.diff(rows["pred_log10_sigma"]) > 0)  # monotone in T
        shift = arrhenius_shift(rows["pred_ea_ev"].to_numpy(), np.asarray(temps))
        base = at25["pred_log10_sigma"].iloc[i]
        np.testing.assert_allclose(rows["pred_log10_sigma"], base + shift)
        below = rows["pred_log10_sigma"] - rows["pred_log10_sigma_lo"]
        # the interval moves with the line, widened by the Ea error: sqrt(h^2 + e(T)^2)
        # (its upper bound up to the ceiling: test_interval_upper_bounds_stop_at_the_ceiling)
        spread = arrhenius_shift(np.full(len(temps), arrhenius_model.ea_error_quantile_), temps)
        np.testing.assert_allclose(below, np.hypot(below.iloc[1], spread))
        assert below.iloc[1] == pytest.approx(
            at25["pred_log10_sigma"].iloc[i] - at25["pred_log10_sigma_lo"].iloc[i], abs=1e-12
        )
    # at 25 degC the main model is the one of a model without temperature (same seed, same rows)
    plain = _model("none").fit(table_with_ea).predict_frame(pd.DataFrame({"formula": formulas}))
    np.testing.assert_allclose(at25["pred_log10_sigma"], plain["pred_log10_sigma"])
    assert "pred_ea_ev" not in plain


def test_interval_25c_is_the_25_degc_interval_at_any_temperature(arrhenius_model):
    """halaudit M1: a 25 degC measurement is compared with the interval the row's own is moved
    from; ``interval_25c=True`` returns it (from the same prediction, not a second one), equal to
    the row's interval at 25 degC, and only when asked."""
    from electroscreen.models.predictor_outputs import INTERVAL_25C_COLUMNS

    formulas = ["Li7La3Zr2O12", "Li10GeP2S12", "Li3InCl6"]
    at25 = arrhenius_model.predict_frame(pd.DataFrame({"formula": formulas}))
    assert not set(INTERVAL_25C_COLUMNS) & set(at25.columns)
    for t in (25.0, 80.0, -20.0):
        frame = pd.DataFrame({"formula": formulas, "temperature_c": t})
        out = arrhenius_model.predict_frame(frame, details=True, interval_25c=True)
        for column, bound in zip(INTERVAL_25C_COLUMNS, ("lo", "hi"), strict=True):
            np.testing.assert_array_equal(out[column], at25[f"pred_log10_sigma_{bound}"])
        moved = (out["pred_log10_sigma_lo"] - out[INTERVAL_25C_COLUMNS[0]]).abs()
        assert (moved > 0.05).all() if t != 25.0 else (moved == 0).all()  # the shown one moves


def test_the_activation_energy_is_tied_to_the_predicted_conductivity(arrhenius_model):
    """A chemist's audit found Ea 0.27-0.61 eV across 12 decades of conductivity (Li3PO4 at
    10^-15 S/cm: 0.53 eV, measured ~1.2): Ea is now the mean of the forest's and of the Ea that
    the predicted 25 degC conductivity implies with the training rows' median prefactor, 0.059 eV
    per decade below it (k_B T ln10); a pickle from before has no prefactor: the forest alone."""
    import pickle

    from electroscreen.models.temperature import (
        EA_RULE_WEIGHT,
        log10_prefactor,
        prefactor_activation_energy,
    )

    kt_ln10 = 8.617333262e-5 * 298.15 * np.log(10.0)
    assert prefactor_activation_energy(np.array([-2.0, -12.0, 5.0]), 3.0) == pytest.approx(
        [5 * kt_ln10, 15 * kt_ln10, 0.0]
    )
    assert log10_prefactor(np.array([-3.0, -5.0, -2.0]), np.array([0.3, 0.5, 0.1])) == (
        pytest.approx(-3.0 + 0.3 / kt_ln10)  # the median row
    )
    model = arrhenius_model
    assert model.ea_log10_prefactor_ is not None
    frame = pd.DataFrame({"formula": ["Li10GeP2S12", "Li3PO4", "Li3InCl6", "LiTaO3"]})
    out = model.predict_frame(frame)
    design = model.featurize(frame)  # the rows' features, as predict_frame builds them
    forest = model.ea_model_.predict(design.X)
    tied = prefactor_activation_energy(
        out["pred_log10_sigma"].to_numpy(), model.ea_log10_prefactor_
    )
    expected = (1 - EA_RULE_WEIGHT) * forest + EA_RULE_WEIGHT * tied
    np.testing.assert_allclose(out["pred_ea_ev"], expected, rtol=1e-12)
    old = pickle.loads(pickle.dumps(model))
    state = dict(old.__dict__)
    del state["ea_log10_prefactor_"]
    before = CandidatePredictor.__new__(CandidatePredictor)
    before.__setstate__(state)
    np.testing.assert_allclose(before.predict_frame(frame)["pred_ea_ev"], forest, rtol=1e-12)


def test_interval_upper_bounds_stop_at_the_ceiling(arrhenius_model):
    """Up the Arrhenius line an interval's upper bound stops at LOG10_SIGMA_CEILING (1 S/cm, above
    every measurement); the lower bound and the prediction move on, and a prediction above the
    ceiling is never cut (its upper bound is then the prediction)."""
    from electroscreen.models.side_models import LOG10_SIGMA_CEILING

    temps = np.array([25.0, 150.0, 300.0, 450.0, 600.0])
    frame = pd.DataFrame({"formula": ["Li3InCl6"] * len(temps), "temperature_c": temps})
    out = arrhenius_model.predict_frame(frame)
    mu, lo, hi = (out[f"pred_log10_sigma{s}"].to_numpy() for s in ("", "_lo", "_hi"))
    spread = arrhenius_shift(np.full(len(temps), arrhenius_model.ea_error_quantile_), temps)
    half = np.hypot((mu - lo)[0], spread)  # the 25 degC half-width with the Ea error
    np.testing.assert_allclose(mu - lo, half)  # the lower bound moves with the line
    raw_hi = mu + half  # where the upper bound would be without the ceiling
    assert raw_hi[0] < LOG10_SIGMA_CEILING < raw_hi[-1]  # the line crosses it in this range
    np.testing.assert_allclose(hi, np.minimum(raw_hi, np.maximum(mu, LOG10_SIGMA_CEILING)))
    assert (hi <= np.maximum(mu, LOG10_SIGMA_CEILING)).all() and (hi >= mu).all()


def test_the_activation_energy_error_widens_intervals_away_from_25(arrhenius_model):
    """The interval at T is the 25 degC one moved along the line, each half-width h widened to
    sqrt(h^2 + e^2) by the out-of-fold Ea error quantile q (e = q |1/T - 1/T25| / (k ln10)); a
    predictor pickled before has no q and moves the interval only."""
    import pickle

    q = arrhenius_model.ea_error_quantile_
    assert 0.0 < q < 0.5  # synthetic Ea uniform in 0.2-0.6 eV, unrelated to the features
    frame = pd.DataFrame({"formula": ["Li3PS4"] * 3, "temperature_c": [-40.0, 25.0, 200.0]})
    out = arrhenius_model.predict_frame(frame)
    below = (out["pred_log10_sigma"] - out["pred_log10_sigma_lo"]).to_numpy()
    assert below[0] > below[1] < below[2]
    state = dict(pickle.loads(pickle.dumps(arrhenius_model)).__dict__)
    del state["ea_error_quantile_"]
    before = CandidatePredictor.__new__(CandidatePredictor)
    before.__setstate__(state)
    old = before.predict_frame(frame)
    np.testing.assert_allclose(old["pred_log10_sigma"], out["pred_log10_sigma"], rtol=1e-12)
    np.testing.assert_allclose(old["pred_log10_sigma"] - old["pred_log10_sigma_lo"], below[1])


def test_ea_error_quantile_measures_the_out_of_fold_error():
    """Constant activation energies are predicted exactly (quantile 0); unlearnable noise of
    +-0.1 eV gives about its 90 % absolute deviation, and never from the row's own value."""
    from electroscreen.models.side_models import ea_error_quantile

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    systems = np.arange(200, dtype=np.uint64) % 20
    kwargs = {"alpha": 0.1, "rule": False, "n_jobs": 1, "random_state": 0}
    sigma = np.full(200, np.nan)
    assert ea_error_quantile(X, np.full(200, 0.4), sigma, systems, **kwargs) < 1e-12
    noisy = 0.4 + rng.uniform(-0.1, 0.1, 200)
    q = ea_error_quantile(X, noisy, sigma, systems, **kwargs)
    assert 0.08 < q < 0.16
    assert ea_error_quantile(X, noisy, sigma, systems[:200] % 3, **kwargs) is None  # 3 systems


def test_bad_and_missing_temperatures(arrhenius_model):
    frame = pd.DataFrame({"formula": ["Li3PS4"] * 4, "temperature_c": [np.nan, "hot", True, 25.0]})
    out = arrhenius_model.predict_frame(frame)
    assert out["pred_status"].tolist() == ["ok", "bad_temperature", "bad_temperature", "ok"]
    assert out["pred_log10_sigma"].iloc[[1, 2]].isna().all()
    assert out["pred_log10_sigma"].iloc[0] == pytest.approx(out["pred_log10_sigma"].iloc[3])


def test_temperatures_outside_the_arrhenius_range_are_not_predicted(arrhenius_model):
    """-273 degC gave log10 sigma = -9619 and 298.15 (Kelvin typed as degC) 200x the 25 degC
    value, both ``ok``; the line is now used only inside TEMPERATURE_RANGE_C."""
    temps = [-273.0, -101.0, -100.0, "80", 600.0, 298.15 + 400, 1e308]
    out = arrhenius_model.predict_frame(
        pd.DataFrame({"formula": ["Li3PS4"] * 7, "temperature_c": temps})
    )
    outside = "temperature_out_of_range"
    assert out["pred_status"].tolist() == [outside, outside, "ok", "ok", "ok", outside, outside]
    assert out["pred_log10_sigma"].isna().tolist() == [True, True, False, False, False, True, True]


def test_a_rows_own_problem_comes_before_its_temperature(arrhenius_model):
    """An unknown element or an empty formula was reported as bad_temperature when the
    temperature was bad too: the input's own problem wins."""
    frame = pd.DataFrame({"formula": ["LiXx2", "", "Li3PS4"], "temperature_c": ["abc"] * 3})
    out = arrhenius_model.predict_frame(frame)
    assert out["pred_status"].tolist() == ["unknown_element", "empty_formula", "bad_temperature"]


def test_air_stability_ignores_the_temperature_column(conductivity_table):
    """The air model dropped rows whose temperature_c it never reads (bad_temperature)."""
    from electroscreen.models.tasks import load_task_table

    labels = load_task_table("air_stability")
    model = CandidatePredictor(
        task="air_stability",
        featurizers=["electrolyte"],
        estimator_params=FAST_PARAMS["random_forest"],
    ).fit(labels)
    frame = pd.DataFrame(
        {"formula": ["Li6PS5Cl"] * 5, "temperature_c": ["abc", 80, -300, True, 298.15], "T_C": 80}
    )
    out = model.predict_frame(frame, details=True)
    assert (out["pred_status"] == "ok").all()
    assert out["p_air_stable"].nunique() == 1
    assert not out["pred_feature_status"].str.contains("temperature").any()  # no kelvin, T_C


def test_model_without_temperature_refuses_other_temperatures(table_with_ea):
    model = _model("none").fit(table_with_ea)
    out = model.predict_frame(pd.DataFrame({"formula": ["Li3PS4"] * 2, "temperature_c": [25, 80]}))
    assert out["pred_status"].tolist() == ["ok", "no_temperature_model"]
    assert np.isnan(out["pred_log10_sigma"].iloc[1])


def test_novelty_column_grows_away_from_the_training_data(arrhenius_model, table_with_ea):
    near = arrhenius_model.predict_frame(table_with_ea.head(20))["pred_log10_sigma_novelty"]
    far = arrhenius_model.predict_frame(pd.DataFrame({"formula": ["LiUPu", "LiHgTlAu"]}))
    assert near.notna().all() and far["pred_log10_sigma_novelty"].min() > near.median()


def test_kelvin_like_values_are_those_a_conversion_leaves():
    """An ML audit typed 298.15 as temperature_c: accepted as degC, 2.6 decades up. The rule:
    ``T - 273.15`` a whole number of degrees from -50 to 200 (223.15 ... 473.15 ending in .15),
    or the whole kelvin values written for 0, 25 and 100 degC."""
    from electroscreen.models.temperature import looks_like_kelvin

    kelvin = [298.15, 223.15, 473.15, 353.15, 25 + 273.15, 298.0, 273.0, 373.0, 298.1500000004]
    degc = [25.0, 80.0, 300.0, 298.2, 298.1, 573.15, 223.14, 473.16, 0.15, -0.15, 299.0, 600.0]
    assert looks_like_kelvin(np.array(kelvin)).all()
    assert not looks_like_kelvin(np.array(degc)).any()


def test_a_kelvin_like_temperature_is_predicted_as_given_with_a_note(arrhenius_model):
    """Not refused, not converted (298.15 degC can be meant): the row says so."""
    temps = [298.15, 25.0, "323.15", None, 300.0, 298]
    out = arrhenius_model.predict_frame(
        pd.DataFrame({"formula": ["Li3PS4"] * len(temps), "temperature_c": temps}), details=True
    )
    assert (out["pred_status"] == "ok").all()
    kelvin = ["temperature:looks_like_kelvin" in n.split(";") for n in out["pred_feature_status"]]
    assert kelvin == [True, False, True, False, False, True]
    with pytest.warns(KelvinWarning, match=r"^1 row\(s\) .*looks like kelvin \(0\)"):
        alone = arrhenius_model.predict_frame(  # no note returned: one warning says it
            pd.DataFrame({"formula": ["Li3PS4"], "temperature_c": [298.15]})
        )
    assert out["pred_log10_sigma"].iloc[0] == alone["pred_log10_sigma"].iloc[0]
    assert out["pred_log10_sigma"].iloc[0] > out["pred_log10_sigma"].iloc[1] + 1  # at 298.15 degC


def test_a_temperature_column_under_another_name_is_noted_not_read(arrhenius_model):
    """pyfunc and serve dropped a ``Temperature_C`` column (MLflow's schema) and predicted at
    25 degC without a word in the answer: a look-alike column is still not read (its unit and
    spelling are guesses), but each row with a value in one says so."""
    frame = pd.DataFrame(
        {
            "formula": ["Li3PS4"] * 4,
            "temperature_c": [None, 80.0, None, None],
            "Temperature_C": [80.0, None, None, " "],
            "T (K)": [None, 353.15, None, None],
            "t": [0.9, 0.9, 0.9, 0.9],  # a perovskite table's tolerance factor: no temperature
        }
    )
    out = arrhenius_model.predict_frame(frame, details=True)
    notes = [n.split(";") for n in out["pred_feature_status"]]
    assert ["temperature:unread_column=Temperature_C" in n for n in notes] == [1, 0, 0, 0]
    assert ["temperature:unread_column=T (K)" in n for n in notes] == [0, 1, 0, 0]
    assert not any(p.startswith("temperature:") for p in notes[2] + notes[3])
    at = arrhenius_model.predict_frame(
        pd.DataFrame({"formula": ["Li3PS4"] * 2, "temperature_c": [25.0, 80.0]})
    )
    np.testing.assert_array_equal(out["pred_log10_sigma"].iloc[:2], at["pred_log10_sigma"])
