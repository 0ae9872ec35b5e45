"""The pre-filters' settings (``filters`` of a screening config) and their defaults.

:class:`FilterConfig` is the ``filters`` section of
:class:`~electroscreen.screening.screen_config.ScreeningConfig`: which carrier, elements and
cations a candidate may hold, charge balance, hydrates, sites and the bond-valence limit; the
defaults (:data:`DEFAULT_FORBIDDEN`, :data:`DEFAULT_REDOX_ACTIVE`, :data:`DEFAULT_MAX_GII`) say
why each is there. The filters themselves: :mod:`~electroscreen.screening.filters`.
"""

from __future__ import annotations

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
)

from electroscreen.data.formula import SYMBOL_TO_Z

__all__ = ["DEFAULT_FORBIDDEN", "DEFAULT_MAX_GII", "DEFAULT_REDOX_ACTIVE", "FilterConfig"]

#: Elements rejected by default: toxic (Cd, Hg, Pb, Tl, As, Be), radioactive (every element without a
#: stable isotope: Tc, Pm and Po on; the transplutonium actinides too, which ionic-radius substitution
#: otherwise offers for Bi3+, Y3+ or Gd3+), and scarce platinum-group or precious metals that no
#: battery at scale can use.
DEFAULT_FORBIDDEN = (
    "Be", "As", "Cd", "Hg", "Tl", "Pb",
    "Tc", "Pm", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu",
    "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
    "Ru", "Rh", "Pd", "Re", "Os", "Ir", "Pt", "Au",
)  # fmt: skip


#: Cations rejected by default as redox active: each has two or more oxidation states whose
#: couples lie between ~1.5 and ~4.5 V vs Li/Li+, i.e. inside an electrolyte's working window, so the
#: cation is reduced or oxidised in operation and the mixed valence makes an electronic conductor
#: (these are the cathode chemistries: Fe2+/3+ 3.45 V in LiFePO4, Co3+/4+ ~3.9 V in LiCoO2, Ni2+/3+/4+
#: in NMC, Mn3+/4+ ~4.0 V in LiMn2O4, V3+/4+ ~3.8-4.1 V in Li3V2(PO4)3, Cr3+/4+ and Cu+/2+,
#: Mo4+/5+/6+ ~2-3 V, Ce3+/4+, Pr3+/4+ and Tb3+/4+ (beside oxide or fluoride only: a Ce3+, Pr3+ or
#: Tb3+ halide or borohydride passes, ``state_rules.INERT_STATES``; Tb4+/Tb3+ ~2.7 V in oxides, Pr6O11
#: and Tb4O7 are mixed-valent electronic conductors); and Eu3+/2+, ~2.7 V vs Li (-0.35 V vs SHE; Eu2O3 is reduced by Li),
#: which a chemist's audit found passing as Li3EuCl6 with a 0.99 V reduction limit because EuCl2 is
#: not tabulated. Yb3+/2+ (~2.0 V) and Sm3+/2+ (~1.5 V) are left to the window: YbCl2 and SmCl2
#: are tabulated, and Li does not reduce their oxides (Yb2O3, Sm2O3 are more stable per O than
#: Li2O)). Ti4+, Nb5+, Ta5+, Zr4+ and W6+ (d0 cations reduced only near or below
#: ~2.4 V, e.g. Ti4+ in LATP/LLTO) are left in: they bound the window's reduction side, which
#: ``ElectrochemicalWindow`` computes, and are standard in working electrolytes.
DEFAULT_REDOX_ACTIVE = ("V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Mo", "Ce", "Pr", "Tb", "Eu")

#: Global instability index (v.u.) above which a structure candidate is rejected: the value that keeps
#: 95 % of OBELiX's known structures (benchmarks/gii_threshold.py; benchmarks/README.md, "Bond-valence
#: plausibility").
DEFAULT_MAX_GII = 0.86


def _check_symbols(symbols: list[str] | None) -> list[str] | None:
    if not isinstance(symbols, list | tuple):
        return symbols  # None, or not a list: pydantic's type check speaks
    if any(isinstance(s, bool) for s in symbols):  # YAML 1.1 reads a bare No as false
        raise ValueError('an element list holds true/false: write nobelium quoted, "No"')
    unknown = [s for s in symbols if s not in SYMBOL_TO_Z]
    if unknown:
        raise ValueError(f"unknown element symbols {unknown}")
    return list(symbols)


class FilterConfig(BaseModel):
    """Pre-filters applied before any featurization; a rejected candidate keeps its row and reason."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field("Li", description="Mobile ion that must be present (empty: no check).")
    require_charge_balance: StrictBool = Field(
        True,
        description="Reject compositions without a charge-balanced oxidation-state assignment.",
    )
    allowed_elements: list[str] | None = Field(
        None, description="If given, only these elements may occur."
    )
    forbidden_elements: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FORBIDDEN),
        description="Elements that reject a candidate (toxic, radioactive, scarce).",
    )
    redox_active_elements: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REDOX_ACTIVE),
        description="Transition-metal cations that change valence inside the working window.",
    )
    allow_redox_active: StrictBool = Field(
        False, description="Keep candidates with redox-active cations (default: reject them)."
    )
    allow_hydrates: StrictBool = Field(
        False,
        description=(
            "Rank hydrates (water of crystallisation written, Li3YCl6·H2O, or protic H and O that "
            "are exactly water beside a dry rest; screening/hydrate_filter.py) beside the dry "
            "compounds (default: status hydrate, not ranked; hydrate_formula names them either way)."
        ),
    )
    max_sites: StrictInt = Field(
        400, ge=1, description="Structures with more sites are rejected (composition rows pass)."
    )
    max_elements: StrictInt = Field(
        8, ge=1, description="Compositions with more elements are rejected."
    )
    max_gii: StrictFloat | None = Field(
        DEFAULT_MAX_GII,
        gt=0,
        description=(
            "Structures whose global instability index (v.u., at the best lattice scale) exceeds "
            "this are rejected as implausible_bond_valence (null: no filter; gii still computed)."
        ),
    )
    gii_cutoff: StrictFloat = Field(5.0, gt=0, description="Bond cutoff (Angstrom) of the GII.")
    gii_scale_bounds: tuple[StrictFloat, StrictFloat] = Field(
        (0.85, 1.15), description="Isotropic lattice scales searched for the lowest GII."
    )

    _symbols = field_validator(
        "allowed_elements", "forbidden_elements", "redox_active_elements", mode="before"
    )(_check_symbols)

    @field_validator("gii_scale_bounds")
    @classmethod
    def _bounds(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 < value[0] <= 1 <= value[1]:
            raise ValueError("gii_scale_bounds must be (low, high) with 0 < low <= 1 <= high")
        return value

    @field_validator("carrier")
    @classmethod
    def _carrier_known(cls, value: str) -> str:
        if value and value not in SYMBOL_TO_Z:
            raise ValueError(f"unknown carrier element {value!r}")
        return value
