"""Features that never varied in training: a prediction that meets another value is flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.models.constant_features import NOTE, ConstantFeatures
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
