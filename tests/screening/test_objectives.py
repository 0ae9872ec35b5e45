"""The computed objectives of a batch follow the screening config."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from electroscreen.screening.objective_columns import objective_values
from electroscreen.screening.screen_config import ObjectivesConfig

LATP = "Li1.3Al0.3Ti1.7(PO4)3"  # its oxidation limit rests on the enthalpy model (about 7.8 V raw)
LI3PS4 = "Li3PS4"  # tabulated: never out of domain


def test_window_uncertainty_bound_comes_from_the_config():
    strict, why = objective_values([LATP, LI3PS4, "Li3P"], ObjectivesConfig(), "Li")
    loose, why_loose = objective_values(
        [LATP, LI3PS4, "Li3P"], ObjectivesConfig(window_max_uncertainty_v=np.inf), "Li"
    )
    assert np.isnan(strict[0, 1]) and loose[0, 1] > 6.0  # window_ox_v
    assert why.tolist() == ["window_out_of_domain", "ok", "window_elemental_hull"]
    assert why_loose.tolist() == ["ok"] * 3 and np.isnan(strict[2, :2]).all()
    assert (loose[2, :2] == 0.0).all()  # the phosphide's raw 0-0 V
    np.testing.assert_array_equal(strict[1], loose[1])
    assert np.isfinite(strict[:, 2]).all()  # cost does not depend on the window
    no_window, why_not = objective_values([LATP], ObjectivesConfig(window=False), "Li")
    assert np.isnan(no_window[:, :2]).all() and why_not.tolist() == ["window_out_of_domain"]
    thermo_off = ObjectivesConfig(window=False, interface=False, interface_cathode=False)
    assert objective_values([LATP], thermo_off, "Li")[1].tolist() == [""]
    alone, why_alone = objective_values(
        [LATP, LI3PS4, "Li3P"], ObjectivesConfig(interface=False, interface_cathode=False), "Li"
    )
    assert why_alone.tolist() == why.tolist()
    np.testing.assert_array_equal(alone[:, :2], strict[:, :2])
    with pytest.raises(ValidationError):
        ObjectivesConfig(window_max_uncertainty_v=0)


def test_an_interface_only_screen_blanks_a_window_on_pure_elements_as_a_full_one():
    """Li3YBr6 (no Y-Br compound tabulated) and Li3P (no Li-P compound) rest on pure elements: their
    "reactions" with the electrodes would be the elements' (Br + Li -> LiBr). Their interface
    columns are NaN and their status ``window_elemental_hull`` whether or not the window's columns
    are asked for; the other rows keep the same values and statuses."""
    formulas = [LATP, LI3PS4, "Li3YBr6", "Li3P", "Li7La3Zr2O12"]
    full, why = objective_values(formulas, ObjectivesConfig(), "Li")
    assert why.tolist()[2:4] == ["window_elemental_hull"] * 2
    assert np.isnan(full[2:4, 3:5]).all() and np.isfinite(full[[0, 1, 4], 3:5]).all()
    for config in (
        ObjectivesConfig(window=False),
        ObjectivesConfig(window=False, interface_cathode=False),
        ObjectivesConfig(window=False, interface=False),
    ):
        alone, why_alone = objective_values(formulas, config, "Li")
        assert why_alone.tolist() == why.tolist()
        assert np.isnan(alone[:, :2]).all()  # the window's columns stay off
        for column, on in ((3, config.interface), (4, config.interface_cathode)):
            if on:
                np.testing.assert_array_equal(alone[:, column], full[:, column])
            else:
                assert np.isnan(alone[:, column]).all()


def test_cathode_column_is_the_featurizer_whichever_objectives_are_on():
    from electroscreen.featurizers.thermo.interface import InterfaceReactivity
    from electroscreen.screening.objective_columns import OBJECTIVE_COLUMNS

    formulas = [LATP, LI3PS4, "Li7La3Zr2O12", "Li3YCl6", "Na3SbS4", "Xx2O"]
    cathode = OBJECTIVE_COLUMNS.index("interface_cathode_ev_per_atom")
    anode = OBJECTIVE_COLUMNS.index("interface_anode_ev_per_atom")
    expected = InterfaceReactivity(electrodes=("Li", "LiNiO2")).transform(formulas)[:, ::2]
    for window in (True, False):
        for interface in (True, False):
            config = ObjectivesConfig(window=window, interface=interface, cathode="LiNiO2")
            values, _ = objective_values(formulas, config, "Li")
            np.testing.assert_array_equal(values[:, cathode], expected[:, 1])
            if interface:
                np.testing.assert_array_equal(values[:, anode], expected[:, 0])
            else:
                assert np.isnan(values[:, anode]).all()
    off, _ = objective_values(formulas, ObjectivesConfig(interface_cathode=False), "Li")
    assert np.isnan(off[:, cathode]).all()
    assert ObjectivesConfig().cathode == "LiCoO2"
    with pytest.raises(ValidationError):
        ObjectivesConfig(cathode="Li")  # an element is no cathode here
    with pytest.raises(ValidationError):
        ObjectivesConfig(cathode="LiCo$O2")


def test_a_cathode_without_an_enthalpy_stops_the_screening_before_any_batch():
    from electroscreen.screening.execution import batch_runner
    from electroscreen.screening.screen_config import ScreeningConfig

    config = ScreeningConfig(objectives=ObjectivesConfig(cathode="LiTiS2"))  # sulfide: no estimate
    with pytest.raises(ValueError, match="objectives.cathode: electrode 'LiTiS2'"):
        batch_runner(config, {}, "sqlite:///:memory:", "cpu", None, None)  # no model is loaded
    off = ObjectivesConfig(cathode="LiTiS2", interface_cathode=False)
    batch_runner(ScreeningConfig(objectives=off), {}, "sqlite:///:memory:", "cpu", None, None)


def test_a_borane_cluster_salt_has_no_window_or_interfaces_and_still_ranks():
    """A closo-borate's window and reactions would be those of its hull (LiBH4, boranes, borides):
    NaN with ``window_borane_cluster`` whichever objectives are on, and, as any undefined
    computed objective, unknown on the oxidation objective: it keeps its Pareto rank."""
    import pandas as pd

    from electroscreen.screening.ranking import rank_candidates
    from electroscreen.screening.screen_config import RankingConfig

    formulas = ["Li2B12H12", "LiCB11H12", LI3PS4]
    values, status = objective_values(formulas, ObjectivesConfig(), "Li")
    assert status.tolist() == ["window_borane_cluster"] * 2 + ["ok"]
    assert np.isnan(values[:2, [0, 1, 3, 4]]).all()  # both limits, both interfaces
    assert np.isfinite(values[:, 2]).all() and np.isfinite(values[2]).all()  # cost; Li3PS4
    for config in (ObjectivesConfig(window=False), ObjectivesConfig(interface=False)):
        alone, _ = objective_values(formulas, config, "Li")
        assert np.isnan(alone[:2, [0, 1, 3, 4]]).all()
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": [-3.0, -3.0, -3.0],
            "pred_log10_sigma_std": [0.1] * 3,
            "p_air_stable": [0.9, 0.9, 0.9],
            "window_ox_v": values[:, 1],
            "cost_usd_per_kg": [1.0, 1.0, 1.0],
            "interface_anode_ev_per_atom": values[:, 3],
        }
    )
    ranks = rank_candidates(frame, RankingConfig())
    # ranked; equal to Li3PS4 on everything they have, so not behind it for lacking a window
    assert ranks["pareto_rank"].tolist() == [1, 1, 1]
    assert ranks["rank"].notna().all()
    cheaper = frame.assign(cost_usd_per_kg=[1.0, 1.0, 0.5])
    assert rank_candidates(cheaper, RankingConfig())["pareto_rank"].tolist() == [2, 2, 1]


def test_a_lipon_film_gets_a_window_not_the_nitrogen_gas_of_its_rounding():
    # Bates' Li2.9PO3.3N0.46 is 0.08 e short of neutral with N3-: balanced on its Li (2.98), its
    # hull holds no N2 (it held 0.35 % of its atoms: window_elemental_hull, no interfaces)
    films = ["Li2.9PO3.3N0.46", "Li3.2PO3.1N0.7"]
    strict, why = objective_values(films, ObjectivesConfig(), "Li")
    loose, why_loose = objective_values(
        films, ObjectivesConfig(window_max_uncertainty_v=np.inf), "Li"
    )
    assert why.tolist() == ["window_out_of_domain"] * 2  # the oxidation limit: N3- -> N2
    assert why_loose.tolist() == ["ok"] * 2
    assert (0.25 < strict[:, 0]).all() and (strict[:, 0] < 0.4).all()  # -> Li2O + Li3N + P
    assert (strict[:, 3] < 0).all()  # reacts with Li (a passivating interphase, not modelled)
    assert 2.5 < loose[0, 1] < 3.0  # Zhu, He, Mo 2015 (DFT): 2.63 V
