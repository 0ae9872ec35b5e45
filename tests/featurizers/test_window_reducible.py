"""A cation the carrier metal reduces is not hidden by the stabilisation correction (audit F5).

Nb-doped LLZO got a reduction limit of 0 V with status ``ok``, as Ta- and Al-doped LLZO do: the
garnet's estimated stabilisation (0.15-0.18 eV/atom) outweighs the dilute Nb5+'s reduction, which
the plain hull finds (0.89 V, as LiNbO3's). Li metal reduces Nb5+ in the garnet (Kim et al. 2016:
Li6.5La3Zr1.5Nb0.5O12 discolours and fails, the Ta analogue does not), so the window no longer
reports it stable against the metal.
"""

from __future__ import annotations

import numpy as np

from electroscreen.featurizers.thermo.window import REDUCIBLE_CATION, ElectrochemicalWindow

NB_LLZO = ["Li6.4La3Zr1.4Nb0.6O12", "Li6.5La3Zr1.5Nb0.5O12", "Li6.4La3Zr1.4Ti0.6O12"]
#: stay at the metal: undoped, Ta-, Al- and Ga-doped LLZO (Ga is not listed), and a trace of Nb
STABLE = [
    "Li7La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12", "Li6.25Al0.25La3Zr2O12", "Li6.25Ga0.25La3Zr2O12",
    "Li6.999La3Zr1.999Nb0.001O12",
]  # fmt: skip
#: a reduction limit above the metal is the hull's own: LATP, LLTO (Ti), LiNbO3 (tabulated)
KEPT = ["Li1.3Al0.3Ti1.7(PO4)3", "Li0.33La0.56TiO3", "LiNbO3", "Li3PS4"]


def test_nb_llzo_is_not_stable_against_the_metal_and_ta_llzo_still_is():
    featurizer = ElectrochemicalWindow()
    values, status = featurizer.transform_with_status(NB_LLZO + STABLE + KEPT)
    n, m = len(NB_LLZO), len(STABLE)
    assert status.tolist()[:n] == [REDUCIBLE_CATION] * n
    assert np.isnan(values[:n, 0]).all() and (values[:n, 1] > 3.5).all()  # oxidation kept
    assert status.tolist()[n : n + m] == ["ok"] * m and (values[n : n + m, 0] == 0.0).all()
    assert REDUCIBLE_CATION not in status.tolist()[n + m :]
    assert (values[n + m :, 0] > 0.5).all()  # LATP 2.14, LLTO 1.21, LiNbO3 0.89, Li3PS4 2.21 V
    # the plain hull reduces the Nb at LiNbO3's potential: the correction hid it
    plain = ElectrochemicalWindow(stabilisation=False).transform(NB_LLZO[:2] + ["LiNbO3"])
    np.testing.assert_allclose(plain[:, 0], plain[2, 0])
    assert 0.85 < plain[2, 0] < 0.95
    # raw values: the bound at .inf keeps every limit
    raw, raw_status = ElectrochemicalWindow(max_uncertainty_v=np.inf).transform_with_status(NB_LLZO)
    assert (raw[:, 0] == 0.0).all() and raw_status.tolist() == ["ok"] * n
    reactions = featurizer.window(NB_LLZO[:1])
    assert reactions.loc[0, "red_reaction"] == REDUCIBLE_CATION
    assert reactions.loc[0, "ox_reaction"].startswith("Li6.4La3Zr1.4Nb0.6O12 -> ")


def test_the_screen_leaves_the_anode_empty_whichever_objectives_are_on():
    """``interface_anode_ev_per_atom`` 0 ("no reaction") is the same claim: NaN with the status,
    with the window's columns on or off; the cathode column is kept."""
    from electroscreen.screening.objective_columns import objective_values
    from electroscreen.screening.screen_config import ObjectivesConfig

    formulas = ["Li6.4La3Zr1.4Nb0.6O12", "Li6.4La3Zr1.4Ta0.6O12"]
    for config in (ObjectivesConfig(), ObjectivesConfig(window=False)):
        values, status = objective_values(formulas, config, "Li")
        assert status.tolist() == [REDUCIBLE_CATION, "ok"]
        assert np.isnan(values[0, 3]) and values[1, 3] == 0.0  # anode
        assert np.isfinite(values[:, 4]).all()  # cathode
