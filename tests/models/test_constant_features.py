"""Features that never varied in training: a prediction that meets another value is flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.models.constant_features import NOTE, RARE_NOTE, RARE_ROWS, ConstantFeatures
from electroscreen.models.predictor import CandidatePredictor


def test_constant_columns_and_the_rows_that_leave_them():
    names = np.array(["a", "b", "c", "d", "e", "f"], dtype=object)
    train = np.array(
        [
            [0.1, 0.0, 1.0, np.nan, 0.0, 0.0],
            [0.2, 0.0, 1.0, 5.0, 0.0, 0.0],
            [0.3, 0.0, 1.0, 5.0, 0.0, 0.0],
        ]
    )
    constant = ConstantFeatures.of(train, names)
    assert constant.names.tolist() == ["b", "c", "d", "e", "f"]  # NaN ignored in d
    assert constant.values.tolist() == [0.0, 1.0, 5.0, 0.0, 0.0]
    query = np.array(
        [
            [0.9, 0.0, 1.0, 5.0, 0.0, 0.0],  # a varying column moves: fine
            [0.2, 0.1, 1.0, np.nan, 0.0, 0.0],  # b was always 0; NaN is not a new value
            [0.2, 0.1, 2.0, 4.0, 0.3, 0.0],  # four constant columns leave their value
        ]
    )
    assert constant.notes(query).tolist() == [
        "",
        f"{NOTE}=b",
        f"{NOTE}=b+c+d+1_more",
    ]


def test_an_element_no_training_row_holds_is_named_in_pred_feature_status(conductivity_table):
    """The default reads element fractions: Li3HoCl6 is predicted as if Ho were absent, so says so."""
    table = conductivity_table[~conductivity_table["formula"].str.contains("Ho")]
    model = CandidatePredictor(
        featurizers=("element_fractions",),
        estimator="extra_trees",
        estimator_params={"n_estimators": 20},
    ).fit(table)
    out = model.predict_frame(
        pd.DataFrame({"formula": ["Li3HoCl6", "Li7La3Zr2O12", "Li3HoCl6"]}), details=True
    )
    assert out["pred_feature_status"].tolist() == [f"{NOTE}=frac_Ho", "", f"{NOTE}=frac_Ho"]
    assert out["pred_log10_sigma"].notna().all()  # predicted, and flagged


def test_rare_columns_are_those_few_rows_leave_their_median():
    X = np.zeros((20, 4))
    X[:3, 1] = 0.2  # three rows hold this element: rare
    X[:, 2] = np.linspace(0, 1, 20)  # varies everywhere: not rare
    X[:10, 3] = 1.0  # half and half: not rare
    rare = ConstantFeatures.rare(X, np.array(["a", "b", "c", "d"], dtype=object))
    assert rare.columns.tolist() == [1] and rare.values.tolist() == [0.0]
    assert rare.note == RARE_NOTE
    assert (
        ConstantFeatures.rare(X, np.array(list("abcd"), dtype=object), max_rows=2).columns.size == 0
    )
    notes = rare.notes(np.array([[0.0, 0.0, 0.5, 1.0], [0.0, 0.3, 0.5, 1.0]]))
    assert notes.tolist() == ["", f"{RARE_NOTE}=b"]


def test_an_element_few_training_rows_hold_is_named_too(conductivity_table):
    """Lu sits in a few training rows (never in a halide): Li3LuCl6 is predicted as Li3HoCl6 was,
    as if Lu were absent, yet the never-varied rule could not see it."""
    lutetium = conductivity_table["formula"].str.contains("Lu")
    assert 1 <= lutetium.sum() <= RARE_ROWS
    model = CandidatePredictor(
        featurizers=("element_fractions",),
        estimator="extra_trees",
        estimator_params={"n_estimators": 20},
    ).fit(conductivity_table)
    out = model.predict_frame(pd.DataFrame({"formula": ["Li3LuCl6", "Li3YCl6"]}), details=True)
    assert out["pred_feature_status"].tolist() == [f"{RARE_NOTE}=frac_Lu", ""]
    # a pickle from before the rule notes nothing more
    model.rare_features_ = None
    assert model.predict_frame(pd.DataFrame({"formula": ["Li3LuCl6"]}), details=True)[
        "pred_feature_status"
    ].tolist() == [""]
