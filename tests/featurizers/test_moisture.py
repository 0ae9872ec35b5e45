"""MoistureChemistry: a chosen few transferable moisture-chemistry descriptors."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.featurizers.registry import make_featurizer
from electroscreen.featurizers.thermo.moisture import (
    DEFAULT_MOISTURE_FEATURES,
    MOISTURE_FEATURES,
    MoistureChemistry,
)


def test_default_and_chosen_columns():
    assert list(make_featurizer("moisture").get_feature_names_out()) == list(
        DEFAULT_MOISTURE_FEATURES
    )
    every = [name for name, _, _ in MOISTURE_FEATURES]
    featurizer = MoistureChemistry(every)
    values, status = featurizer.transform_with_status(["Li3PS4", "Li4SnS4", "LiCl", "Qq2"])
    assert values.shape == (4, len(every))
    assert (status[:3] == "ok").all() and status[3] != "ok"  # a bad formula is a status
    col = dict(zip(every, values.T, strict=True))
    assert col["h2s_per_atom"][0] == pytest.approx(0.5)  # 4 H2S per 8 atoms
    assert col["hydrate_formed"][2] == 1.0 and col["hydrate_formed"][0] == 0.0
    assert col["rxn_h2o_ev_per_atom"][0] < col["rxn_h2o_ev_per_atom"][1] < 0  # P below Sn
    assert col["carrier_fraction"][2] == pytest.approx(0.5)
    assert np.isnan(values[3]).all()
    assert set(featurizer.feature_units()) == set(every)


def test_unknown_feature_names_are_refused():
    with pytest.raises(ValueError, match="subset"):
        MoistureChemistry(["rxn_h2o_ev_per_atom", "colour"]).transform(["Li3PS4"])
    with pytest.raises(ValueError, match="subset"):
        MoistureChemistry([]).get_feature_names_out()


def test_mixed_valence_marks_cluster_borates_not_simple_salts():
    values = MoistureChemistry(["mixed_valence"]).transform(
        ["Li2B12H12", "Na2B10H10", "LiBH4", "Li3PS4", "Li7La3Zr2O12"]
    )
    assert values[:, 0].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_mixed_valence_is_the_electrolyte_column():
    formulas = ["Li2B12H12", "Li6.4La3ZrTaO12", "Li3PS4", "Na3SbP0.16S3.6O0.4", "Qq2", "", "Ar"]
    ours = MoistureChemistry(["mixed_valence"]).transform(formulas)[:, 0]
    elec = make_featurizer("electrolyte")
    theirs = elec.transform(formulas)[:, list(elec.get_feature_names_out()).index("mixed_valence")]
    np.testing.assert_array_equal(ours, theirs)


def test_borane_cluster_marks_polyhedral_boranes_only():
    formulas = ["Li2B12H12", "LiCB11H12", "LiB11H14", "LiBH4", "Li2B2H10Mg", "LiBO2", "Li3.2PS4"]
    values = MoistureChemistry(["borane_cluster"]).transform(formulas)[:, 0]
    assert values.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]


def test_a_batch_without_one_parseable_formula_is_statuses_not_a_crash():
    """Every row bad (one unknown element, alone): the mixed-valence column indexed an empty
    array (IndexError), so the air-stability model failed the whole call."""
    every = [name for name, _, _ in MOISTURE_FEATURES]
    for formulas in (["LiXx2"], ["", "Li(Cl"]):
        values, status = MoistureChemistry(every).transform_with_status(formulas)
        assert values.shape == (len(formulas), len(every)) and np.isnan(values).all()
        assert (status != "ok").all()
