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
    assert col["h2s_h2se_per_atom"][0] == pytest.approx(0.5)  # 4 H2S per 8 atoms
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
    # beside the electrolyte descriptors it is taken from their block (one oxidation pass less):
    # the same column as alone
    both = MoistureChemistry(["anion_hardness", "mixed_valence"]).transform(formulas)[:, 1]
    np.testing.assert_array_equal(both, ours)


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


EVERY = [name for name, _, _ in MOISTURE_FEATURES]


def test_a_refined_composition_has_the_descriptors_of_its_carrier_balanced_one():
    """Li7P2.9Sb0.11S10.75O0.25 (0.17 e short with Sb3+; the label's Sb0.1 balances exactly with
    Sb5+, which the oxidation states now take) taken literally puts a trace of pure S on its hull
    (``elemental_hull``); balanced by Li it is Li7.17P2.9Sb0.11S10.75O0.25, a hull of compounds.
    Li3In1.015Cl6 (OBELiX's Li3InCl6) taken literally leaves a trace of In metal, which reacts
    with CO2; balanced it is Li2.955In1.015Cl6, which does not."""
    given = ["Li7P2.9Sb0.11S10.75O0.25", "Li3In1.015Cl6"]
    balanced = ["Li7.17P2.9Sb0.11S10.75O0.25", "Li2.955In1.015Cl6"]
    literal, literal_status = MoistureChemistry(EVERY, carrier=None).transform_with_status(given)
    values, status = MoistureChemistry(EVERY).transform_with_status(given)  # carrier Li
    want, want_status = MoistureChemistry(EVERY).transform_with_status(balanced)
    assert literal_status.tolist() == ["elemental_hull", "ok"]
    assert status.tolist() == want_status.tolist() == ["ok", "ok"]
    np.testing.assert_allclose(values, want, rtol=1e-12, atol=1e-15)
    col = {name: i for i, name in enumerate(EVERY)}
    co2, h2o = col["rxn_co2_ev_per_atom"], col["rxn_h2o_ev_per_atom"]
    assert literal[1, co2] < -1e-3 and values[1, co2] == 0.0  # In + CO2: gone with the In
    assert (np.abs(literal[:, h2o] - want[:, h2o]) > 1e-4).all()  # literal was not the same


def test_a_balanced_composition_is_unchanged_bit_for_bit():
    formulas = ["Li3PS4", "Li3InCl6", "Li7La3Zr2O12", "Li6PS5Cl", "Li2B12H12", "LiCl"]
    balanced = MoistureChemistry(EVERY).transform_with_status(formulas)
    literal = MoistureChemistry(EVERY, carrier=None).transform_with_status(formulas)
    np.testing.assert_array_equal(balanced[0], literal[0])
    assert balanced[1].tolist() == literal[1].tolist()


def test_a_row_that_cannot_be_balanced_keeps_its_literal_descriptors_and_status():
    """No Li to move (Na3Y1.01Br6), or moving it would remove all of it (Li0.001Y1.01Br3.003):
    the composition as given, ``elemental_hull`` (no Y-Br compound is tabulated) included."""
    formulas = ["Na3Y1.01Br6", "Li0.001Y1.01Br3.003", "Qq2"]
    values, status = MoistureChemistry(EVERY).transform_with_status(formulas)
    literal, literal_status = MoistureChemistry(EVERY, carrier=None).transform_with_status(formulas)
    np.testing.assert_array_equal(values, literal)
    assert status.tolist() == literal_status.tolist()
    assert status[:2].tolist() == ["elemental_hull", "elemental_hull"] and status[2] != "ok"


def test_one_row_does_not_change_another_rows_descriptors():
    formulas = ["Li3In1.015Cl6", "Li3InCl6", "Na3Y1.01Br6", "Li7P2.9Sb0.1S10.75O0.25", "", "Li3PS4"]
    featurizer = MoistureChemistry(EVERY)
    together, together_status = featurizer.transform_with_status(formulas)
    for i, formula in enumerate(formulas):
        alone, alone_status = featurizer.transform_with_status([formula])
        np.testing.assert_array_equal(alone[0], together[i], err_msg=formula)
        assert alone_status[0] == together_status[i]


def test_the_carrier_is_checked_and_an_old_pickle_takes_compositions_as_given():
    with pytest.raises(ValueError, match="carrier"):
        MoistureChemistry(carrier="Lx").transform(["Li3PS4"])
    old = MoistureChemistry.__new__(MoistureChemistry)
    old.__setstate__({"features": ("rxn_co2_ev_per_atom",)})  # pickled before ``carrier``
    assert old.carrier is None
    np.testing.assert_array_equal(
        old.transform(["Li3In1.015Cl6"]),
        MoistureChemistry(["rxn_co2_ev_per_atom"], carrier=None).transform(["Li3In1.015Cl6"]),
    )
    assert old.transform(["Li3In1.015Cl6"])[0, 0] < -1e-3


def test_oxide_anion_fraction_is_the_oxide_share_of_the_anion_atoms():
    """O2- among the anions (elements with a negative state), by atoms: a sulfate's or a
    nitrate's S and N are cations, a thiophosphate's S and a LiPON's N are anions."""
    formulas = {
        "Li3PS4": 0.0,
        "Li3PO4": 1.0,
        "Li3PS3O": 0.25,
        "Li2SO4": 1.0,  # S+VI
        "LiNO3": 1.0,  # N+V
        "Li2PO2N": 2 / 3,  # LiPON-type: N3- beside O2-
        "Li3OCl": 0.5,  # antiperovskite oxyhalide
        "LiNbOCl4": 0.2,
        "Li10GeP2S11.5O0.5": 0.5 / 12,
        "Li3InCl6": 0.0,
        "Li2B12H12": 0.0,  # hydride H is the anion
    }
    values, status = MoistureChemistry(["oxide_anion_fraction"]).transform_with_status(
        [*formulas, "LiAl", "Qq2"]
    )
    np.testing.assert_allclose(values[: len(formulas), 0], list(formulas.values()), atol=1e-12)
    assert np.isnan(values[-2:, 0]).all()  # no anion (an alloy); a bad formula
    assert status[-2] == "ok" and status[-1] != "ok"  # as anion_hardness: NaN, not a problem
    units = MoistureChemistry(["oxide_anion_fraction"]).feature_units()
    assert units == {"oxide_anion_fraction": "fraction of anion atoms"}


def test_halide_anion_class_is_the_anion_class_of_the_composition():
    """1 for a halide by ``data.anion_classes`` (the anion group of largest amount: oxychlorides
    and Li3OCl too), 0 otherwise: an argyrodite is a chalcogenide, Li3N a nitride."""
    formulas = {
        "LiGaCl4": 1.0,
        "Li3InCl6": 1.0,
        "LiNbOCl4": 1.0,
        "Li3OCl": 1.0,  # one O, one Cl: ties go to the halogen
        "Li3YBr3Cl3": 1.0,
        "Li6PS5Cl": 0.0,
        "Li7La3Zr2O12": 0.0,
        "Li3N": 0.0,
        "Li4(BH4)3I": 0.0,  # 12 H- per I-: a hydride
    }
    values = MoistureChemistry(["halide_anion_class"]).transform(list(formulas))
    np.testing.assert_array_equal(values[:, 0], list(formulas.values()))
    units = MoistureChemistry(["halide_anion_class"]).feature_units()
    assert units == {"halide_anion_class": "0/1"}


def test_oxide_anion_fraction_is_the_electrolyte_anion_fraction_O():
    """One home for the fact: the electrolyte block's ``anion_fraction_O`` of the carrier-balanced
    composition (Li7P2.9Sb0.1S10.75O0.25 balanced by Li keeps its anions)."""
    formulas = ["Li7P2.9Sb0.1S10.75O0.25", "Li6.4La3Zr1.4Ta0.6O12", "Li6PS5Cl", "", "Ar"]
    ours = MoistureChemistry(["oxide_anion_fraction"]).transform(formulas)[:, 0]
    elec = make_featurizer("electrolyte")
    theirs = elec.transform(formulas)[
        :, list(elec.get_feature_names_out()).index("anion_fraction_O")
    ]
    np.testing.assert_array_equal(ours, theirs)
    assert ours[0] == pytest.approx(0.25 / 11)


def test_a_model_chosen_before_the_new_descriptor_keeps_its_columns():
    """A featurizer pickled with the eleven descriptors of the air-stability default before
    ``oxide_anion_fraction`` existed gives the same eleven columns, values unchanged by the new
    one being available (it is appended, never selected unless named)."""
    eleven = EVERY[: EVERY.index("oxide_anion_fraction")]
    assert len(eleven) == 11 and EVERY[-2:] == ["oxide_anion_fraction", "halide_anion_class"]
    old = MoistureChemistry.__new__(MoistureChemistry)
    old.__setstate__({"features": tuple(eleven), "carrier": "Li"})
    formulas = ["Li3PS3O", "Li3PS4", "Li2SO4", "Li7La3Zr2O12"]
    assert list(old.get_feature_names_out()) == eleven
    np.testing.assert_array_equal(
        old.transform(formulas), MoistureChemistry(EVERY).transform(formulas)[:, :11]
    )
