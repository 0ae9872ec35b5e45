"""Tasks: censored conductivities as bounds, verdict collapse, targets and the task tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.models.row_groups import chemical_systems, family_groups
from electroscreen.models.tasks import (
    FAST_ION_LOG10_SIGMA,
    air_stability_targets,
    collapse_verdict,
    conductivity_targets,
    get_task,
    load_task_table,
)


def _toy_conductivity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c", "d"],
            "formula": ["Li3PS4", "Li2O", "LiCl", "Li7La3Zr2O12"],
            "log10_sigma": [-3.0, np.nan, -5.5, np.nan],
            "censored": [False, True, False, True],
            "log10_sigma_upper": [np.nan, -10.0, np.nan, -8.0],
            "family": ["thio", "oxide", None, "garnet"],
        }
    )


def test_censored_rows_train_at_their_bound_and_are_not_evaluable():
    targets = conductivity_targets(_toy_conductivity(), censored="bound")
    np.testing.assert_array_equal(targets.y, [-3.0, -10.0, -5.5, -8.0])
    np.testing.assert_array_equal(targets.evaluable, [True, False, True, False])
    np.testing.assert_array_equal(np.isfinite(targets.censored_bound), [False, True, False, True])
    assert targets.trainable.all()


def test_censored_drop_leaves_them_out_of_training():
    targets = conductivity_targets(_toy_conductivity(), censored="drop")
    np.testing.assert_array_equal(targets.trainable, [True, False, True, False])
    np.testing.assert_array_equal(targets.evaluable, [True, False, True, False])
    with pytest.raises(ValueError, match="censored must be"):
        conductivity_targets(_toy_conductivity(), censored="impute")


def test_rows_without_family_get_their_own_group():
    groups = family_groups(_toy_conductivity())
    assert groups[0] == "thio" and groups[3] == "garnet"
    assert groups[2] not in {"thio", "oxide", "garnet"}
    assert len(set(groups)) == 4


def test_obelix_conductivity_table(conductivity_table):
    table = conductivity_table
    assert len(table) == 599
    assert (table["split"] == "train").sum() == 478 and (table["split"] == "test").sum() == 121
    targets = conductivity_targets(table)
    censored = np.isfinite(targets.censored_bound)
    assert censored.sum() == 37
    # every censored bound lies below the fast-ion threshold, so they are valid ROC negatives
    assert (targets.censored_bound[censored] < FAST_ION_LOG10_SIGMA).all()
    assert not targets.evaluable[censored].any()
    assert targets.evaluable[~censored].all()


def test_verdict_collapse():
    labels = collapse_verdict(pd.Series(["stable", " Moderate", "unstable", "unknown", None]))
    np.testing.assert_array_equal(labels[:3], [1.0, 1.0, 0.0])
    assert np.isnan(labels[3]) and np.isnan(labels[4])


def test_air_stability_targets_weight_each_composition_once():
    table = pd.DataFrame(
        {
            "formula": ["Li3PS4", "Li3 PS4", "Li2O", "LiCl"],
            "verdict": ["unstable", "moderate", "stable", "unstable"],
        }
    )
    targets = air_stability_targets(table)
    np.testing.assert_array_equal(targets.y, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(targets.sample_weight, [0.5, 0.5, 1.0, 1.0])
    assert targets.sample_weight.sum() == pytest.approx(3.0)  # three distinct compositions


def test_air_stability_table_collapses(data_dir):
    table = load_task_table("air_stability", data_dir)
    targets = air_stability_targets(table)
    verdict = table["verdict"].str.lower().str.strip()
    ok = (table["status"] == "ok").to_numpy()
    np.testing.assert_array_equal(targets.y == 1, verdict.isin(["stable", "moderate"]) & ok)
    assert np.isnan(targets.y[~ok]).all()  # unparsed formulas are not trained on
    assert {0.0, 1.0} == set(targets.y[np.isfinite(targets.y)])


def test_chemical_systems_and_unknown_task():
    systems = chemical_systems(["Li3PS4", "Li6PS5Cl", "Li3Xq2((("])
    assert systems[0] == "Li-P-S" and systems[1] == "Cl-Li-P-S"
    assert systems[2].startswith("__unparsed__")
    with pytest.raises(ValueError, match="unknown task"):
        get_task("band_gap")
