"""``CandidatePredictor.predict_frame`` on rows a caller passes one by one (pyfunc, ``serve``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.experiments.pyfunc import input_example
from electroscreen.models.predictor import CandidatePredictor


def test_a_formula_that_is_not_its_structure_is_formula_mismatch(conductivity_table):
    """A pyfunc row with formula Li3PS4 and the CIF of LiCl was predicted from whichever input each
    featurizer read; the table readers refuse such a row, and now so does ``predict_frame``."""
    licl = input_example()["structure"].iloc[1]
    train = conductivity_table[conductivity_table["split"] == "train"]
    model = CandidatePredictor(
        featurizers=("element_fractions",),
        estimator="extra_trees",
        estimator_params={"n_estimators": 10, "n_jobs": 1},
    ).fit(train)
    frame = pd.DataFrame(
        {
            "formula": ["LiCl", "Li3PS4", None, "Li2Cl2", "Li3PS4"],
            "structure": [licl, licl, licl, licl, None],
        }
    )
    out = model.predict_frame(frame)
    assert out["pred_status"].tolist() == ["ok", "formula_mismatch", "ok", "ok", "ok"]
    assert np.isnan(out["pred_log10_sigma"].iloc[1])
    assert out["pred_log10_sigma"].iloc[0] == out["pred_log10_sigma"].iloc[2]
    # training reads its own table as it is (OBELiX's CIFs are often of a parent compound)
    assert model.featurize(frame).status.tolist()[1] == "ok"
