"""The pre-filters' rules on assigned oxidation states (:func:`state_rules`).

``apply_filters`` runs them after the charge balance on the states it assigned, and
``apply_stored_states`` on the states a structure carries (:mod:`electroscreen.screening.filters`):
a d0 cation the balance reduced (:func:`reduced_d0_cations`), a listed redox-active cation off its
inert state (:func:`outside_inert_states`: Ce, Pr or Tb beside oxide or fluoride, or off its 3+), a
cation whose higher state exists only beside oxide or fluoride (:func:`oxidising_cations`), an anion former
made a cation without a more electronegative ligand (:func:`anion_formers_as_cations`), carbon
below C4+ beside anions it cannot bond so, and anion states no solid combines (a pnictide beside a
persulfide, a carbide beside sulfide: :mod:`~electroscreen.screening.anion_state_rules`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.oxidation import PackedOxidation
from electroscreen.data.rare_states import RARE_OXIDATION_STATE
from electroscreen.data.segments import segment_any
from electroscreen.screening.anion_state_rules import carbon_cations, rare_anion_states
from electroscreen.screening.filter_config import FilterConfig

__all__ = [
    "AFTER_BALANCE_REDOX",
    "CATION_LIGANDS",
    "D0_STATES",
    "D0_TOLERANCE",
    "HARD_ANIONS",
    "INERT_STATE",
    "INERT_STATES",
    "OXIDE_FLUORIDE_ONLY_ABOVE",
    "REDUCED_D0",
    "anion_formers_as_cations",
    "oxidising_cations",
    "outside_inert_states",
    "reduced_d0_cations",
    "state_rules",
]

#: How the second ``redox_active`` rule (after the charge balance) starts its message: the first
#: one rejects listed elements before any balance is tried.
REDUCED_D0 = "reduced d-metal cation"
#: How the third ``redox_active`` rule (after the charge balance, on a listed :data:`INERT_STATES`
#: element) starts its message.
INERT_STATE = "cation outside its redox-inert state"
#: ``redox_active`` messages of the rules that run after the charge balance (run summary's order).
AFTER_BALANCE_REDOX = (REDUCED_D0, INERT_STATE)
#: d0 oxidation states of the early transition metals that ``DEFAULT_REDOX_ACTIVE`` leaves in as
#: d0 cations (Ti4+ in LATP and LLTO, Zr4+, Nb5+, Ta5+, W6+; Hf4+ alike; the group-3 cations Sc3+,
#: Y3+, La3+ of halides and garnets): a charge balance that needs them lower (W4+ for Ge4+ in a
#: thiophosphate, Ti3+, Nb4+, Sc2+ on the M2+ site of Li2MCl4) leaves d electrons, which conduct
#: (WS2, Ti2O3; Sc2+ and La2+ exist only in metal-metal bonded cluster halides and metallic LaI2)
#: and are oxidised inside the working window, so such a candidate is ``redox_active``.
D0_STATES = {"Sc": 3, "Y": 3, "La": 3, "Ti": 4, "Zr": 4, "Hf": 4, "Nb": 5, "Ta": 5, "W": 6}
#: How far below its d0 state an element's (average) state must be: compositions whose occupancies
#: were rounded in their seed CIF sit a few 1e-4 e off, a reduced cation a whole unit or a fraction.
D0_TOLERANCE = 0.05

#: Listed redox-active elements (``redox_active_elements``) that are inert in one state beside anions
#: that cannot hold their other state, and that state: Ce3+, Pr3+, Tb3+. Ce4+ exists beside oxide and fluoride
#: only (CeO2, CeF4, Li2CeO3; a Ce(IV) chloride, sulfide or iodide would oxidise its anion), and there
#: the Ce4+/Ce3+ couple lies inside the working window (2 CeO2 + 2 Li -> Ce2O3 + Li2O at 1.1 V vs
#: Li with the enthalpy table's CeO2, Ce2O3, Li2O), so a Ce oxide or fluoride, whatever its state,
#: is ``redox_active``, as is a charge balance that needs Ce above or below 3+ (the Li-deficient
#: refinement Li1.47Ce2B6H24Cl2, Ce+3.27). Ce3+ beside chloride, bromide, iodide, sulfide or a
#: borohydride (LiCe(BH4)3Cl, OBELiX ``ga9``; Li3CeCl6) has no reachable higher state, and
#: Ce3+/Ce2+ lies below Li/Li+ (Ce2+ exists only in metallic CeI2, as La2+ in LaI2): it is as inert
#: as La3+ and passes. Pr and Tb alike (oxaudit O3): Pr4+ and Tb4+ exist beside oxide and fluoride
#: only (PrO2, TbO2, PrF4, TbF4, Li8PrO6) and oxidise more strongly than Ce4+ (PrO2 and TbO2 lose O2
#: on heating; 2 TbO2 + 2 Li -> Tb2O3 + Li2O at 2.7 V vs Li with the table's TbO2, Tb2O3, Li2O),
#: so the couple lies inside the working window, and their oxides in air are the mixed-valent
#: electronic conductors Pr6O11 and Tb4O7; Pr3+ and Tb3+ beside chloride, bromide, iodide or
#: sulfide (Li3TbCl6, Li3PrCl6) are inert. Checked after the charge balance; without it
#: (``require_charge_balance: false``) the states are unknown and the element is rejected as any
#: listed one.
INERT_STATES = {"Ce": 3, "Pr": 3, "Tb": 3}

#: Anion formers that are cations only beside a more electronegative ligand, and those ligands:
#: positive S, Se, Te in sulfites, selenites, tellurites, sulfates ... and halides (SCl2, TeCl4,
#: Cs2TeCl6, TeI4); positive N and halogens in nitrates, iodates, perchlorates ... and fluorides.
#: A charge balance that makes one of them a cation among other anions only (Te4+ for Sn4+ in a
#: thiophosphate: Te(IV) oxidises sulfide, no Te(IV) sulfide is known) gives
#: ``anion_former_as_cation``.
CATION_LIGANDS: dict[str, tuple[str, ...]] = {
    "S": ("O", "F", "Cl", "Br"),
    "Se": ("O", "F", "Cl", "Br"),
    "Te": ("O", "F", "Cl", "Br", "I"),
    "N": ("O", "F"),
    "Cl": ("O", "F"),
    "Br": ("O", "F"),
    "I": ("O", "F"),
}


#: Cations whose higher states exist only beside oxide or fluoride: a charge balance that puts one
#: above the state given here beside any other anion (Bi5+ in Li7BiS6, Tb4+ in Li2TbS3, Ag2+ or
#: Pb4+ with sulfide or a halide) describes a compound that would oxidise its own anion, so it is
#: ``oxidising_cation``. Bi(V), Pr(IV), Tb(IV), Ag(II/III) and Pb(IV) are known as oxides and
#: fluorides (NaBiO3, PrO2, TbO2, AgF2, PbO2), not as sulfides, selenides, tellurides or iodides.
OXIDE_FLUORIDE_ONLY_ABOVE = {"Bi": 3, "Pb": 2, "Pr": 3, "Tb": 3, "Ag": 1}
#: The anions beside which those higher states exist.
HARD_ANIONS = ("O", "F")


def state_rules(config: FilterConfig) -> list:
    """The rules on assigned oxidation states, in order: ``(rule, status)``; each rule maps
    ``(PackedCompositions, PackedOxidation)`` to one message per row (``""``: the row passes)."""
    rules = [
        (anion_formers_as_cations, "anion_former_as_cation"),
        (carbon_cations, "anion_former_as_cation"),
        (oxidising_cations, "oxidising_cation"),
        (rare_anion_states, RARE_OXIDATION_STATE),
    ]
    if not config.allow_redox_active:  # a reduced d0 cation; a listed cation off its inert state
        listed = [s for s in config.redox_active_elements if s in INERT_STATES]
        rules[:0] = [
            (reduced_d0_cations, "redox_active"),
            (partial(outside_inert_states, listed=listed), "redox_active"),
        ]
    return rules


def reduced_d0_cations(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per row: ``""``, or the first :data:`D0_STATES` element that the charge balance puts
    clearly below its d0 state, with that (possibly non-integer) state."""
    out = np.full(len(packed), "", dtype=object)
    d0 = np.full(len(ELEMENT_SYMBOLS), np.nan)
    for symbol, state in D0_STATES.items():
        d0[SYMBOL_TO_Z[symbol]] = state
    below = oxidation.states < d0[packed.z] - D0_TOLERANCE  # NaN compares False
    for row in np.flatnonzero(segment_any(below, packed.offsets)):
        lo, hi = packed.offsets[row], packed.offsets[row + 1]
        k = lo + np.flatnonzero(below[lo:hi])[0]
        el, q = ELEMENT_SYMBOLS[packed.z[k]], oxidation.states[k]
        out[row] = (
            f"{REDUCED_D0} {el}{q:+.2f} (below its d0 state {el}{D0_STATES[el]}+): "
            "its d electrons conduct and it oxidises inside the working window; "
            "allow_redox_active keeps it"
        )
    return out


def outside_inert_states(
    packed: PackedCompositions, oxidation: PackedOxidation, listed: list[str]
) -> np.ndarray:
    """Per row: ``""``, or why a ``listed`` :data:`INERT_STATES` element is redox-active here: a
    hard anion (:data:`HARD_ANIONS`) beside it, or a state off its inert one."""
    out = np.full(len(packed), "", dtype=object)
    inert = np.full(len(ELEMENT_SYMBOLS), np.nan)
    for symbol in listed:
        inert[SYMBOL_TO_Z[symbol]] = INERT_STATES[symbol]
    held = np.isfinite(inert[packed.z])
    for row in np.flatnonzero(segment_any(held, packed.offsets)):
        lo, hi = packed.offsets[row], packed.offsets[row + 1]
        k = lo + np.flatnonzero(held[lo:hi])[0]
        el, q = ELEMENT_SYMBOLS[packed.z[k]], oxidation.states[k]
        state = INERT_STATES[el]
        hard = [
            ELEMENT_SYMBOLS[z]
            for z, charge in zip(packed.z[lo:hi], oxidation.states[lo:hi], strict=True)
            if charge < 0 and ELEMENT_SYMBOLS[z] in HARD_ANIONS
        ]
        if hard:
            why = (
                f"beside {', '.join(hard)}, where its higher state exists and the couple lies "
                "inside the working window"
            )
        elif not abs(q - state) <= D0_TOLERANCE:  # NaN: no state either
            why = (
                f"off {el}{state}+, its only state beside anions other than oxide and fluoride "
                "(a refinement that left part of the carrier unlocated balances so)"
            )
        else:
            continue
        out[row] = f"{INERT_STATE}: {el}{q:+.2f} {why}; allow_redox_active keeps it"
    return out


def oxidising_cations(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per row: ``""``, or why a :data:`OXIDE_FLUORIDE_ONLY_ABOVE` cation's state cannot sit beside
    the composition's other anions."""
    out = np.full(len(packed), "", dtype=object)
    limit = np.full(len(ELEMENT_SYMBOLS), np.inf)
    for symbol, state in OXIDE_FLUORIDE_ONLY_ABOVE.items():
        limit[SYMBOL_TO_Z[symbol]] = state
    high = oxidation.states > limit[packed.z] + D0_TOLERANCE  # NaN compares False
    for row in np.flatnonzero(segment_any(high, packed.offsets)):
        lo, hi = packed.offsets[row], packed.offsets[row + 1]
        soft = sorted(
            ELEMENT_SYMBOLS[z]
            for z, q in zip(packed.z[lo:hi], oxidation.states[lo:hi], strict=True)
            if q < 0 and ELEMENT_SYMBOLS[z] not in HARD_ANIONS
        )
        if not soft:
            continue
        k = lo + np.flatnonzero(high[lo:hi])[0]
        symbol = ELEMENT_SYMBOLS[packed.z[k]]
        out[row] = (
            f"{symbol}{oxidation.states[k]:+.2f} exists only beside oxide or fluoride (above "
            f"{symbol}{OXIDE_FLUORIDE_ONLY_ABOVE[symbol]}+ it would oxidise {', '.join(soft)})"
        )
    return out


def anion_formers_as_cations(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per row: ``""``, or why a :data:`CATION_LIGANDS` element's positive state is implausible
    (none of its ligands is an anion of the composition)."""
    out = np.full(len(packed), "", dtype=object)
    z_former = np.array([SYMBOL_TO_Z[s] for s in CATION_LIGANDS])
    positive = np.isin(packed.z, z_former) & (oxidation.states > 0)  # NaN compares False
    for row in np.flatnonzero(segment_any(positive, packed.offsets)):
        lo, hi = packed.offsets[row], packed.offsets[row + 1]
        anions = {
            ELEMENT_SYMBOLS[z]
            for z, q in zip(packed.z[lo:hi], oxidation.states[lo:hi], strict=True)
            if q < 0
        }
        for k in range(lo, hi):
            symbol = ELEMENT_SYMBOLS[packed.z[k]]
            if positive[k] and not anions & set(CATION_LIGANDS[symbol]):
                out[row] = (
                    f"{symbol}{oxidation.states[k]:+.2f} is a cation only beside "
                    f"{', '.join(CATION_LIGANDS[symbol])}; the anions here are "
                    f"{', '.join(sorted(anions))}"
                )
                break
    return out
