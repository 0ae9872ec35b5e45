"""A labelled composition's air score beside its own label (audit_halide F3, session 26).

The default air model scored LiI (one label row, ``unstable``) 0.82 and noted it
``far_from_labels``, and the console said "air score far from every labelled composition": a
labelled composition is never that, and a score on the wrong side of 0.5 from its own label is
now noted with the label (``labels:contradicts_label=unstable(1)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.models.predictor_outputs import CONTRADICTS_LABEL, FAR_FROM_LABELS, FAR_WEIGHT
from electroscreen.models.training_labels import TrainingLabels


@pytest.fixture(scope="module")
def labels():
    rows = [
        ("LiI", "unstable"),
        ("Li3AlF6", "stable"),
        ("Li3InCl6", "moderate"),
        ("Li3YBr6", "stable"),
        ("Li3YBr6", "unstable"),
        ("Li3YCl6", "stable"),
        ("Li3YCl6", "moderate"),
        ("Li3YCl6", "unstable"),
        ("Li3YCl6", "unstable"),
        ("Li3YCl6", "unstable"),
    ]
    ids = [f"air-{i:03d}" for i in range(len(rows))]
    return TrainingLabels(ids, [f for f, _ in rows], [v for _, v in rows])


def test_a_score_on_the_other_side_of_its_label_names_the_label_and_its_rows(labels):
    formulas = ["LiI", "Li2I2", "Li3AlF6", "Li3InCl6", "Li3YBr6", "Li3YCl6", "LiBr"]
    found = labels.find(pack_compositions(formulas))
    assert (found[:-1] >= 0).all() and found[-1] == -1  # a cell of LiI is LiI
    high = labels.contradicted(found, np.full(len(formulas), 0.8)).tolist()
    # an evenly split label (Li3YBr6) is contradicted by no score; an unlabelled one neither
    assert high == [
        "unstable(1)",
        "unstable(1)",
        "",
        "",
        "",
        "stable(1)+moderate(1)+unstable(3)",
        "",
    ]
    low = labels.contradicted(found, np.full(len(formulas), 0.2)).tolist()
    assert low == ["", "", "stable(1)", "moderate(1)", "", "", ""]  # moderate counts as stable
    # the threshold is predict's: 0.5 is air-stable
    edge = labels.contradicted(found[:1], np.array([0.5])).tolist()
    assert edge == ["unstable(1)"]
    assert labels.contradicted(found, np.full(len(formulas), np.nan)).tolist() == [""] * 7


def test_labels_pickled_before_the_counts_give_the_same_notes(labels):
    found = labels.find(pack_compositions(["LiI", "Li3YCl6", "Li3AlF6"]))
    p = np.array([0.9, 0.9, 0.1])
    expected = labels.contradicted(found, p).tolist()
    old = TrainingLabels.__new__(TrainingLabels)
    old.__dict__.update({k: v for k, v in labels.__dict__.items() if k != "verdict_counts"})
    np.testing.assert_array_equal(old.counts(), labels.counts())
    assert old.contradicted(found, p).tolist() == expected


def test_a_labelled_composition_is_never_far_from_the_labels_and_a_contradiction_is_noted():
    """LiI labelled once, among sulfides and oxides labelled four times each: the gate gives the
    forest almost no say for it (its 5 nearest labelled rows lie far on average), yet it is
    labelled: no ``far_from_labels``; its score 0.72 contradicts its one ``unstable`` row."""
    from electroscreen.models.predictor import CandidatePredictor

    sulfides = ["Li3PS4", "Li7P3S11", "Li6PS5Cl", "Li10GeP2S12", "Li4P2S6"]
    oxides = ["Li7La3Zr2O12", "Li1.3Al0.3Ti1.7P3O12", "LiNbO3", "Li2SiO3", "Li3PO4"]
    params = {
        "gate_scale": 0.5,
        "near": {"estimator": "random_forest", "params": {"n_estimators": 20}},
        "far": {"estimator": "logistic", "features": ["rxn_h2o_ev_per_atom"]},
    }
    featurizer_params = {"moisture": {"features": ["rxn_h2o_ev_per_atom", "carrier_fraction"]}}
    asked = pd.DataFrame({"formula": ["Li3PS4", "LiI", "Li2I2", "LiBr", "Li3N"]})
    notes = {}
    for verdict in ("unstable", "stable"):
        table = pd.DataFrame(
            {
                "formula": (sulfides + oxides) * 4 + ["LiI"],
                "verdict": (["unstable"] * 5 + ["stable"] * 5) * 4 + [verdict],
                "family": (["sulfide"] * 5 + ["oxide"] * 5) * 4 + ["halide"],
            }
        )
        model = CandidatePredictor(
            task="air_stability", featurizers=("moisture",), featurizer_params=featurizer_params,
            estimator="gated", estimator_params=params,
        ).fit(table)  # fmt: skip
        out = model.predict_frame(asked, details=True)
        weight = model.estimator_.gate_weight(model.featurize(asked).X)
        assert (weight[1:] < FAR_WEIGHT).all() and weight[0] > FAR_WEIGHT
        assert (out["p_air_stable"].iloc[1:4] > 0.5).all()  # the far member's: air-stable
        notes[verdict] = [n.split(";") if n else [] for n in out["pred_feature_status"]]
    # labelled unstable: LiI (and its cell Li2I2) contradicts it, and is not far from the labels
    assert notes["unstable"] == [
        [], [f"{CONTRADICTS_LABEL}=unstable(1)"], [f"{CONTRADICTS_LABEL}=unstable(1)"],
        [FAR_FROM_LABELS], [FAR_FROM_LABELS],
    ]  # fmt: skip
    # labelled stable: the same score agrees with it, no note; LiBr, unlabelled, is still far
    assert notes["stable"] == [[], [], [], [FAR_FROM_LABELS], [FAR_FROM_LABELS]]
