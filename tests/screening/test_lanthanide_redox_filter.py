"""Pr and Tb are redox-active as Ce is: beside oxide or fluoride, or off 3+ (oxaudit O3).

Li7La3Ce2O12 and Li8CeO6 were ``redox_active`` but their Pr4+ and Tb4+ analogues passed, although
Pr4+/Pr3+ and Tb4+/Tb3+ oxidise more strongly than Ce4+/Ce3+ (PrO2 and TbO2 lose O2 on heating;
2 TbO2 + 2 Li -> Tb2O3 + Li2O at 2.7 V with the enthalpy table) and their oxides in air are the
mixed-valent electronic conductors Pr6O11 and Tb4O7: the generated garnet Li7La3Tb2O12 ranked 2
of 9. Their 3+ halides (Li3TbCl6, Li3PrCl6) have no reachable higher state and pass.
"""

from __future__ import annotations

import pandas as pd

from electroscreen.screening.filter_config import DEFAULT_REDOX_ACTIVE
from electroscreen.screening.filters import INERT_STATE, apply_filters
from electroscreen.screening.screen_config import FilterConfig

#: 3+ beside chloride, bromide, sulfide: inert, as Ce3+ there
KEPT = ["Li3TbCl6", "Li3PrCl6", "Li3TbBr6", "LiPrS2"]
#: Tb4+ and Pr4+ oxides (the garnet, the antifluorite-type Li8MO6, Li2PrO3), a Pr3+ garnet and a
#: Tb3+ fluoride (oxidised inside the window, as Li0.33La0.28Ce0.28TiO3 is), and Tb4+ beside
#: sulfide (off Tb3+)
REJECTED = [
    "Li7La3Tb2O12",
    "Li8PrO6",
    "Li2PrO3",
    "Li7La3Pr2O12",
    "Li7Pr3Zr2O12",
    "LiTbF4",
    "Li2TbS3",
]


def _batch(formulas: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"formula": formulas, "status": "ok", "error": ""})


def test_pr4_and_tb4_oxides_are_redox_active_and_their_3plus_halides_pass():
    assert {"Ce", "Pr", "Tb"} <= set(DEFAULT_REDOX_ACTIVE)
    out = apply_filters(_batch(KEPT + REJECTED), FilterConfig())
    assert out["status"].tolist() == ["ok"] * len(KEPT) + ["redox_active"] * len(REJECTED)
    errors = dict(zip(out["formula"], out["error"], strict=True))
    assert errors["Li7La3Tb2O12"].startswith(f"{INERT_STATE}: Tb+4.00 beside O")
    assert errors["Li8PrO6"].startswith(f"{INERT_STATE}: Pr+4.00 beside O")
    assert errors["Li2PrO3"].startswith(f"{INERT_STATE}: Pr+4.00 beside O")
    assert errors["Li7Pr3Zr2O12"].startswith(f"{INERT_STATE}: Pr+3.00 beside O")
    assert errors["LiTbF4"].startswith(f"{INERT_STATE}: Tb+3.00 beside F")
    assert errors["Li2TbS3"].startswith(f"{INERT_STATE}: Tb+4.00 off Tb3+")
    assert all("allow_redox_active" in errors[f] for f in REJECTED)


def test_allowed_the_oxidising_rule_still_rejects_tb4_beside_sulfide():
    out = apply_filters(_batch(KEPT + REJECTED), FilterConfig(allow_redox_active=True))
    status = dict(zip(out["formula"], out["status"], strict=True))
    assert status.pop("Li2TbS3") == "oxidising_cation"
    assert set(status.values()) == {"ok"}
