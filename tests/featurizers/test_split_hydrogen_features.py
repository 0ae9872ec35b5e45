"""Descriptors that count ions by the sign of their state read split hydrogen as its two shares
(electroscreen.data.hydrogen_split): Li4(BH4)(NH2)3's 4 H- are anions and its 6 H+ protons, not
10 H at the average +0.2 (all "protons") or Li2(BH4)(NH2)'s 6 H at -0.33 (all "hydride")."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition
from electroscreen.featurizers.thermo.moisture import MoistureChemistry
from electroscreen.featurizers.thermo.stabilisation_anions import anion_amounts, anion_mask

FORMULAS = ["Li4BN3H10", "Li2(BH4)(NH2)", "LiBH4", "LiNH2", "Li2B12H12·7H2O", "Li2B12H12"]


def test_electrolyte_anion_shares_count_the_hydride_share_alone():
    featurizer = ElectrolyteComposition()
    values = featurizer.transform(FORMULAS)
    names = list(featurizer.get_feature_names_out())
    h, n = values[:, names.index("anion_fraction_H")], values[:, names.index("anion_fraction_N")]
    assert h[:4] == pytest.approx([4 / 7, 4 / 5, 1.0, 0.0])
    assert n[:4] == pytest.approx([3 / 7, 1 / 5, 0.0, 1.0])
    assert values[4, names.index("anion_fraction_O")] == pytest.approx(7 / 19)  # 12 H- + 7 O2-


def test_thermochemistry_counts_hydride_among_the_negative_atoms():
    """The stabilisation domain's shares are over every negative atom: Li4BN3H10 holds 3 N3- and
    4 H- (N alone, a whole nitride, before), Li2(BH4)(NH2) 1 N3- and 4 H- (6 before)."""
    masks, _, negative = anion_amounts(pack_compositions(FORMULAS[:4]))
    assert negative == pytest.approx([7.0, 5.0, 4.0, 1.0])
    nitrogen = anion_mask({7})
    assert masks.tolist() == [nitrogen, nitrogen, 0, nitrogen]


def test_a_closo_borate_hydrate_is_still_a_borane_cluster():
    """Its water's 14 H made H/B 26/12 > 1.5: the flag was lost. The BH4- and amide rows are no
    clusters."""
    values = MoistureChemistry(features=["borane_cluster"]).transform(FORMULAS)
    assert values[:, 0].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    assert np.isfinite(values).all()
