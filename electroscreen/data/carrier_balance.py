"""A composition balanced exactly by its carrier: the refinement rounding of a CIF taken out.

A refined structure is rarely charge-neutral to the last digit: OBELiX's Li3InCl6 (``de5``) holds
2.03 In per cell, ``Li3In1.015Cl6`` per formula unit, 0.045 e in excess, and every substitution
generated from it inherits that. The charge-balance filter accepts such a composition (its
residual is within the tolerance of :func:`~electroscreen.data.oxidation.oxidation_states_packed`),
but a phase diagram takes it literally: a trace of In metal beside Li3InCl6 sets the oxidation
limit at 2.4 V instead of 4.2 V, and a trace of Cl2 leaves no window at all. The carrier is the
element a refinement locates least well and the one doping moves, so :func:`carrier_balanced`
moves the carrier's amount by ``-residual / state`` (``Li2.955In1.015Cl6``), and the
thermochemical objectives and the moisture descriptors
(:class:`~electroscreen.featurizers.thermo.moisture.MoistureChemistry`) are computed on that, and
``generate`` closes a seed's residual the same way in its structure
(:mod:`~electroscreen.screening.seed_charge`), so that its candidates are neutral as written.
:func:`carrier_shifts` is the rule itself, for states assigned elsewhere.

A residual the oxidation-state search hid in a non-metal's non-integer state is composition noise
too, where it is small: Bates' LiPON film ``Li2.9PO3.3N0.46`` is 0.08 e short of neutral with N3-
(1.0 % of its positive charge, just over the search's 1 %), so the search balanced it with N-2.83,
a mixed valence no nitride has (:data:`~electroscreen.data.oxidation.NO_MIXED_VALENCE`), and the
phase diagram, which knows only whole compounds, put the 0.08 e into N2 gas (0.35 % of its atoms):
no window. :func:`noise_residuals` reads such a state at its element's commonest state of that
sign where the residual this leaves is at most :data:`NOISE_MIXED_VALENCE` of the positive charge
(N-3: -0.08 e), and :func:`carrier_balanced` closes that residual on the carrier
(``Li2.98PO3.3N0.46``); ``screen``'s ``charge_residual`` column shows the same residual
(:mod:`~electroscreen.screening.charge_residual`).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.oxidation import (
    NO_MIXED_VALENCE,
    PackedOxidation,
    element_oxidation_states,
    oxidation_states_packed,
)
from electroscreen.data.segments import segment_any, segment_ids, segment_sum

__all__ = [
    "BALANCED",
    "NOISE_MIXED_VALENCE",
    "carrier_balanced",
    "carrier_shifts",
    "commonest_state",
    "noise_residuals",
]

#: Residual charge (e per formula unit) below which a composition counts as balanced.
BALANCED = 1e-9
#: The largest residual (a fraction of the positive charge, in integer states) that a non-metal's
#: non-integer state may stand for and still be read as composition noise: LiPON films as measured
#: (``Li2.9PO3.3N0.46`` 1.0 %, Liverpool's ``Li3.2PO3.1N0.7`` 1.2 %), OBELiX's ``Li9.6P3S12``
#: (P+4.8: 2.4 %) and ``Li6.1P0.95Si0.1S5Br`` (Si+1.5: 2.2 %) are; a closo-borate's cage boron
#: (B+0.83 in Li2B12H12: 68 %, its real bonding), a polyselenide (Se-1.76 in Li7La3Zr1.5Se12.5:
#: 14 %) or Liverpool's ``Li4.275Ge0.61Ga0.25S4`` (S-1.87: 7 %) are not, and keep their states.
NOISE_MIXED_VALENCE = 0.05
#: Elements whose non-integer state :func:`noise_residuals` may read as noise: the non-metals and
#: metalloids, hydrogen aside (its non-integer average is a split into H- and H+,
#: :mod:`~electroscreen.data.hydrogen_split`, no residual).
_NOISE_ELEMENTS = np.zeros(len(ELEMENT_SYMBOLS), dtype=bool)
_NOISE_ELEMENTS[[SYMBOL_TO_Z[s] for s in NO_MIXED_VALENCE if s != "H"]] = True


@cache
def commonest_state(symbol: str, sign: int) -> int:
    """The element's most frequent oxidation state of that sign (``N``, -1: -3; ``P``, +1: +5).

    Raises
    ------
    StopIteration
        When the element has no state of that sign.
    """
    return next(s for s, _ in element_oxidation_states(symbol) if np.sign(s) == np.sign(sign))


def noise_residuals(
    packed: PackedCompositions, oxidation: PackedOxidation
) -> tuple[np.ndarray, np.ndarray]:
    """The states and residuals with a small non-metal mixed valence read as composition noise.

    Parameters
    ----------
    packed : PackedCompositions, N rows (K entries)
    oxidation : PackedOxidation
        Its states (:func:`~electroscreen.data.oxidation.oxidation_states_packed`).

    Returns
    -------
    states : ndarray of float64, shape (K,)
        ``oxidation.states``, except in rows (status ``ok``) where an element of
        :data:`~electroscreen.data.oxidation.NO_MIXED_VALENCE` but H has a non-integer state and
        putting it at :func:`commonest_state` of its sign leaves a net charge of at most
        :data:`NOISE_MIXED_VALENCE` of the positive charge: there, that state (N-2.83 -> N-3).
    residual : ndarray of float64, shape (N,)
        Net charge of each row in those states (e per the amounts' unit): ``oxidation.residual``
        elsewhere.
    """
    states = np.array(oxidation.states, dtype=np.float64)
    residual = np.array(oxidation.residual, dtype=np.float64)
    row = segment_ids(packed.offsets)
    ok = np.asarray(oxidation.status == "ok", dtype=bool)
    odd = (
        _NOISE_ELEMENTS[packed.z]
        & ok[row]
        & np.isfinite(states)
        & (np.abs(states - np.round(states)) > 1e-6)
    )
    if not odd.any():
        return states, residual
    integer = states.copy()
    for k in np.flatnonzero(odd):
        integer[k] = commonest_state(ELEMENT_SYMBOLS[packed.z[k]], int(np.sign(states[k])))
    charge = integer * packed.amount
    net = segment_sum(charge, packed.offsets)
    positive = segment_sum(np.where(charge > 0, charge, 0.0), packed.offsets)
    noise = segment_any(odd, packed.offsets) & (np.abs(net) <= NOISE_MIXED_VALENCE * positive)
    states = np.where(noise[row], integer, states)
    residual = np.where(noise, net, residual)
    return states, residual


def carrier_balanced(
    packed: PackedCompositions, carrier: str
) -> tuple[PackedCompositions, np.ndarray]:
    """Each composition with its ``carrier`` amount moved so that its oxidation states balance.

    Parameters
    ----------
    packed : PackedCompositions, N rows
    carrier : str
        Element symbol of the mobile ion (``"Li"``).

    Returns
    -------
    balanced : PackedCompositions, N rows
        The same elements; the carrier's amount moved by ``-residual / state`` where the states
        assigned by :func:`~electroscreen.data.oxidation.oxidation_states_packed` are ``ok`` with
        a residual (a small non-metal mixed valence read at its integer state:
        :func:`noise_residuals`), the carrier is a cation of the composition, and its amount stays
        positive.
        Every other row (already balanced, no states, no carrier) is unchanged.
    moved : ndarray of bool, shape (N,)
        The rows whose carrier amount was moved.
    """
    oxidation = oxidation_states_packed(packed)
    states, residual = noise_residuals(packed, oxidation)
    row = segment_ids(packed.offsets)
    residual = np.where((oxidation.status == "ok")[row], residual[row], 0.0)
    carrier_entry = packed.z == SYMBOL_TO_Z[carrier]
    shift = np.where(carrier_entry, carrier_shifts(residual, states, packed.amount), 0.0)
    balanced = PackedCompositions(
        packed.offsets, packed.z, packed.amount - shift, packed.status, packed.error
    )
    return balanced, segment_any(shift != 0, packed.offsets)


def carrier_shifts(residual: np.ndarray, state: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """What each carrier entry's amount gives up so that its composition balances: the rule.

    Parameters
    ----------
    residual : ndarray of float64, shape (K,)
        Net charge of the entry's composition with its assigned states (e per the amounts' unit).
    state : ndarray of float64, shape (K,)
        The carrier's assigned state.
    amount : ndarray of float64, shape (K,)
        The carrier's amount.

    Returns
    -------
    ndarray of float64, shape (K,)
        ``residual / state`` (the new amount is ``amount - shift``) where the carrier is a cation
        and ``|residual|`` exceeds :data:`BALANCED`; 0 elsewhere, and where the shift would leave
        no carrier.
    """
    residual = np.asarray(residual, dtype=np.float64)
    state = np.asarray(state, dtype=np.float64)
    amount = np.asarray(amount, dtype=np.float64)
    usable = (state > 0) & (np.abs(residual) > BALANCED)
    shift = np.zeros(np.broadcast(residual, state, amount).shape)
    shift[usable] = residual[usable] / state[usable]
    shift[amount - shift <= 0] = 0.0  # never remove the carrier
    return shift
