"""A conductivity model's held-out errors by anion class: taken from the family scheme's table,
kept as plain data on the fitted predictor, judged by one pair of thresholds (issue 16)."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.evaluation import per_group_metrics
from electroscreen.models.heldout_classes import (
    ATTRIBUTE,
    WARN_WHEN,
    attach_heldout_record,
    describe_class,
    heldout_record,
    poor_classes,
)
from electroscreen.models.predictor import CandidatePredictor


def _predictions(seed: int = 0) -> pd.DataFrame:
    """Held-out predictions of three classes: halides predicted 2 decades too low with narrow
    intervals, oxides well, one chalcogenide row (no MAE of one row); one row not predicted."""
    rng = np.random.default_rng(seed)
    classes = ["halide"] * 10 + ["oxide"] * 30 + ["chalcogenide"] + [""]
    y = rng.uniform(-9, -2, len(classes))
    offset = np.where(np.array(classes) == "halide", -2.0, rng.normal(0, 0.3, len(classes)))
    pred = y + offset
    pred[-1] = np.nan
    return pd.DataFrame(
        {
            "anion_class": classes,
            "y_true": y,
            "y_pred": pred,
            "y_lo": pred - 1.0,
            "y_hi": pred + 1.0,
            "censored": False,
        }
    )


def _result(predictions: pd.DataFrame) -> SimpleNamespace:
    """What ``evaluate`` returns, as far as the record reads it."""
    table = per_group_metrics(predictions, "anion_class", classification=False)
    return SimpleNamespace(breakdowns={"anion_class": table.rename(index={"": "(not predicted)"})})


def test_the_record_holds_the_family_schemes_figures_per_class():
    predictor = SimpleNamespace(conformal_alpha=0.1)
    family, lofo = _predictions(0), _predictions(1)
    record = attach_heldout_record(
        predictor,
        {"official": _result(lofo), "family_lofo": _result(lofo), "family_cv": _result(family)},
    )
    assert getattr(predictor, ATTRIBUTE) is record
    assert record["scheme"] == "family_cv" and record["interval"] == 0.9  # preferred to lofo
    assert set(record["classes"]) == {"halide", "oxide", "chalcogenide"}  # not "(not predicted)"
    for name, rows in family[family["anion_class"] != ""].groupby("anion_class"):
        figures = record["classes"][name]
        error = rows["y_pred"] - rows["y_true"]
        inside = (rows["y_lo"] <= rows["y_true"]) & (rows["y_true"] <= rows["y_hi"])
        assert figures["rows"] == len(rows)
        assert figures["mean_error"] == pytest.approx(error.mean(), rel=1e-12)
        assert figures["coverage"] == pytest.approx(inside.mean(), rel=1e-12)
        if len(rows) > 1:
            assert figures["mae"] == pytest.approx(error.abs().mean(), rel=1e-12)
    assert record["classes"]["halide"]["mean_error"] == pytest.approx(-2.0)
    assert record["classes"]["halide"]["coverage"] == 0.0
    assert record["classes"]["chalcogenide"]["mae"] is None  # one row: undefined, not NaN
    # plain data: it survives a pickle without this module's classes
    assert pickle.loads(pickle.dumps(record)) == record


def test_no_family_scheme_no_record():
    predictor = SimpleNamespace(conformal_alpha=0.2)
    setattr(predictor, ATTRIBUTE, {"scheme": "stale", "classes": {}})
    assert attach_heldout_record(predictor, {"official": _result(_predictions())}) is None
    assert getattr(predictor, ATTRIBUTE) is None and heldout_record(predictor) is None


def test_a_model_pickled_before_the_record_has_none():
    assert heldout_record(SimpleNamespace()) is None  # no attribute at all
    assert heldout_record(SimpleNamespace(**{ATTRIBUTE: "not a record"})) is None


@pytest.mark.parametrize(
    ("coverage", "mean_error", "poor"),
    [
        (0.85, -1.49, False),  # at the coverage threshold, under the error one
        (0.849, 0.0, True),
        (0.95, -1.5, True),  # 1.5 decades too low
        (0.95, 1.5, True),  # or too high
        (None, 0.5, False),  # no interval figure: the error alone decides
    ],
)
def test_one_pair_of_thresholds_decides(coverage, mean_error, poor):
    assert WARN_WHEN.coverage_below == 0.85 and WARN_WHEN.abs_mean_error_from == 1.5
    record = {
        "scheme": "family_cv",
        "classes": {"halide": {"rows": 23, "coverage": coverage, "mean_error": mean_error}},
    }
    assert poor_classes(record) == (["halide"] if poor else [])


def test_coverage_from_a_few_rows_says_nothing_but_their_mean_error_does():
    """3 of 4 rows covered is what 90 % intervals give a third of the time: no warning; a mean
    error of 2 decades on the same 4 rows still warns."""
    assert WARN_WHEN.coverage_min_rows == 10
    few = {"rows": 4, "coverage": 0.75, "mean_error": -0.45}
    biased = {"rows": 4, "coverage": 1.0, "mean_error": -1.99}
    enough = {"rows": 10, "coverage": 0.8, "mean_error": 0.0}
    record = {"scheme": "family_cv", "classes": {"hydride": few, "other": biased, "halide": enough}}
    assert poor_classes(record) == ["halide", "other"]


def test_the_figures_in_words():
    record = {
        "scheme": "family_cv",
        "interval": 0.9,
        "classes": {
            "halide": {"rows": 23, "coverage": 0.696, "mean_error": -1.69, "mae": 2.78},
            "oxide": {"rows": 80, "coverage": 0.8, "mean_error": 1.24, "mae": None},
        },
    }
    assert describe_class("halide", record) == (
        "on held-out families the conductivity model covered 70 % of halide rows with its 90 % "
        "intervals and predicted 1.7 decades too low on average (mean absolute error 2.8 decades; "
        "23 rows, family_cv)"
    )
    assert "predicted 1.2 decades too high on average (80 rows, family_cv)" in describe_class(
        "oxide", record
    )
    # a mean error near zero is not called unbiased: a sulfide auditor found held-out superionic
    # sulfides 0.86 decades too low and the poorest 2.17 too high behind a mean of -0.01
    record["classes"]["chalcogenide"] = {"rows": 148, "coverage": 0.764, "mean_error": -0.01}
    assert describe_class("chalcogenide", record) == (
        "on held-out families the conductivity model covered 76 % of chalcogenide rows with its "
        "90 % intervals and its errors, too high for some rows and too low for others, averaged "
        "out (148 rows, family_cv)"
    )


def test_refitting_drops_the_record_of_the_earlier_fit(conductivity_table, composition_design):
    """The figures describe the fit ``train`` evaluated: a model fitted again has none."""
    predictor = CandidatePredictor(estimator_params={"n_estimators": 4, "n_jobs": 1})
    rows = np.arange(0, len(conductivity_table), 3)
    predictor.fit_design(composition_design.take(rows), conductivity_table.iloc[rows])
    assert heldout_record(predictor) is None
    record = {"scheme": "family_cv", "interval": 0.9, "classes": {}}
    setattr(predictor, ATTRIBUTE, record)
    assert heldout_record(pickle.loads(pickle.dumps(predictor))) == record
    predictor.fit_design(composition_design.take(rows), conductivity_table.iloc[rows])
    assert heldout_record(predictor) is None
