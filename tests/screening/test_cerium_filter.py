"""Ce is redox-active only where Ce4+ exists (beside oxide or fluoride) or off Ce3+.

LiCe(BH4)3Cl (OBELiX ``ga9``, 1e-4 S/cm, a training compound) was rejected as ``redox_active`` by
the listed-element rule written for Ce3+/Ce4+ in oxides (2 CeO2 + 2 Li -> Ce2O3 + Li2O at 1.1 V).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.screening.filters import INERT_STATE, apply_filters
from electroscreen.screening.screen_config import FilterConfig

CE3_SOFT = ["LiCe(BH4)3Cl", "Li8Ce8B24H96Cl8", "Li3CeCl6", "LiCeI4", "Li3CeS3"]
#: Ce4+ oxide; Ce3+ oxide and fluoride (oxidised inside the window); the Li-deficient refinement of
#: LiCe(BH4)3Cl (its CIF's Li5.88Ce8, Ce+3.27)
REDOX = ["Li2CeO3", "Li0.33La0.28Ce0.28TiO3", "Li2Zr0.95Ce0.05F6", "Li1.47Ce2B6H24Cl2"]


def _batch(formulas: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"formula": formulas, "status": "ok", "error": ""})


def test_ce3_beside_soft_anions_passes_and_the_oxide_case_still_fails():
    out = apply_filters(_batch(CE3_SOFT + REDOX), FilterConfig())
    assert out["status"].tolist() == ["ok"] * len(CE3_SOFT) + ["redox_active"] * len(REDOX)
    errors = out["error"].tolist()[len(CE3_SOFT) :]
    assert all(e.startswith(f"{INERT_STATE}: Ce+") for e in errors)
    assert "Ce+4.00 beside O" in errors[0] and "Ce+3.00 beside O" in errors[1]
    assert "Ce+3.00 beside F" in errors[2] and "Ce+3.27 off Ce3+" in errors[3]
    assert "allow_redox_active" in errors[0]
    # allowed, or not listed: no Ce rule at all
    for config in (
        FilterConfig(allow_redox_active=True),
        FilterConfig(redox_active_elements=["Fe"]),
    ):
        assert (apply_filters(_batch(CE3_SOFT + REDOX), config)["status"] == "ok").all()
    # without the charge balance the state is unknown: every Ce row is rejected as listed
    blind = apply_filters(_batch(CE3_SOFT + REDOX), FilterConfig(require_charge_balance=False))
    assert (blind["status"] == "redox_active").all()
    assert blind.loc[0, "error"].startswith("redox-active cation Ce changes valence")
    # another listed element still rejects before the balance
    fe = apply_filters(_batch(["LiCeFeCl6"]), FilterConfig())
    assert fe["status"].tolist() == ["redox_active"] and "cation Fe" in fe.loc[0, "error"]


def test_a_structures_stored_ce4_beside_chloride_is_redox_active():
    """A structure labelled Ce4+ in a chloride (a Ce(IV) chloride would oxidise its anion) fails
    the same rule with its own states; Ce3+ labels pass."""
    from pymatgen.core import Lattice, Species, Structure

    from electroscreen.data import pack_structures
    from electroscreen.screening.filters import STORED_STATES, apply_stored_states

    def cell(ce: int, cl: int) -> Structure:
        labels = [Species("Li", 1)] * 2 + [Species("Ce", ce)] + [Species("Cl", -1)] * cl
        grid = np.indices((3, 3, 3)).reshape(3, -1).T[: len(labels)] / 3
        return Structure(Lattice.cubic(9.0), labels, grid)

    packed = pack_structures([cell(4, 6), cell(3, 5)], ["ce4", "ce3"])
    table = _batch(["Li2CeCl6", "Li2CeCl5"])
    out = apply_stored_states(table, FilterConfig(), packed, np.arange(2))
    assert out["status"].tolist() == ["redox_active", "ok"]
    assert out.loc[0, "error"].startswith(f"{STORED_STATES}{INERT_STATE}: Ce+4.00 off Ce3+")


def test_the_ce_rule_counts_as_run_after_the_charge_balance():
    from electroscreen.screening.run_summary import review_metrics

    out = apply_filters(_batch(["Li2CeO3", "LiFePO4", "Li3CeCl6"]), FilterConfig())
    frame = out.assign(
        pred_log10_sigma=[np.nan, np.nan, -3.0], p_air_stable=[np.nan, np.nan, 0.5], pareto_rank=0
    )
    metrics = review_metrics(frame)
    assert metrics["passed_redox_active"] == 2  # only Fe fails the listed-element rule
    assert metrics["passed_charge_balance"] == 2  # Li2CeO3 balanced, then failed on Ce
    assert metrics["passed_anion_formers"] == 1
