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
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.segments import segment_any

__all__ = ["BALANCED", "carrier_balanced", "carrier_shifts"]

#: Residual charge (e per formula unit) below which a composition counts as balanced.
BALANCED = 1e-9


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
        a residual, the carrier is a cation of the composition, and its amount stays positive.
        Every other row (already balanced, no states, no carrier) is unchanged.
    moved : ndarray of bool, shape (N,)
        The rows whose carrier amount was moved.
    """
    oxidation = oxidation_states_packed(packed)
    row = np.repeat(np.arange(len(packed)), np.diff(packed.offsets))
    residual = np.where((oxidation.status == "ok")[row], oxidation.residual[row], 0.0)
    carrier_entry = packed.z == SYMBOL_TO_Z[carrier]
    shift = np.where(carrier_entry, carrier_shifts(residual, oxidation.states, packed.amount), 0.0)
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
