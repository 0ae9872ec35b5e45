"""Protic hydrogen (H+1) of a composition, and the protonated oxides it makes.

Hydrogen is read from the charge-balanced states of
:func:`~electroscreen.data.oxidation.oxidation_states_packed`: all of it protic where its state is
+1 (LiOH, Li6.5H0.5La3Zr2O12, LiNH2), none where it is -1 (hydrides, LiBH4, the cage of
Li2B12H12: :mod:`~electroscreen.data.borane`; the hydride oxide Li4H2O), and its protic share where
the assignment split it into H- and H+ (:mod:`~electroscreen.data.hydrogen_split`:
Li2B12H12·7H2O holds 14 H+ in water beside 12 H- on the cage; Li4(BH4)(NH2)3 6 H+ on N). One home
of that count (:func:`protic_hydrogen`) for the hydrate rule (:mod:`~electroscreen.data.hydrates`),
the note below and the stabilisation model's applicability domain
(:mod:`~electroscreen.featurizers.thermo.stabilisation_protons`).

A *protonated oxide* (:func:`protonated_oxides`) holds protons on oxide ions beside its other
cations: a hydroxide or oxyhydroxide (LiOH, Li2OHCl) or a proton-exchanged oxide
(Li6.5H0.5La3Zr2O12, what moisture and CO2 make of LLZO: Li+/H+ exchange, then LiOH and Li2CO3).
Protons N can hold (at most :data:`~electroscreen.data.hydrogen_split.PROTONS_PER_HOST` per N:
NH4+, NH2- of an amide) are counted on N first: LiNH2 and Li4(BH4)(NH2)3 are no protonated
oxides, nor is anything without oxide (O at -2).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.hydrogen_split import PROTONS_PER_HOST, hydrogen_shares
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.segments import segment_any, segment_sum

__all__ = [
    "PROTONATED_OXIDE",
    "protic_hydrogen",
    "protic_hydrogen_of",
    "protonated_oxides",
    "protons_on_oxygen",
]

#: The note (``pred_feature_status``; ``composition: protonated_oxide`` in the row notes) of a
#: screened row that is a protonated oxide (:func:`protonated_oxides`): its conductivity and
#: stability are not those of the carrier's phase; the run's promising count leaves it out.
PROTONATED_OXIDE = "composition:protonated_oxide"
_H, _N, _O = 1, 7, 8
_TOL = 1e-6


def protic_hydrogen(packed: PackedCompositions, states: np.ndarray) -> np.ndarray:
    """Per row: the amount of protic hydrogen (H+1), per formula as written.

    Parameters
    ----------
    packed : PackedCompositions, N rows
    states : ndarray of float64, shape (K,)
        One state per entry (:func:`~electroscreen.data.oxidation.oxidation_states_packed`; a
        split hydrogen at its average state, NaN where none was assigned).

    Returns
    -------
    ndarray of float64, shape (N,)
        The protic share of a split hydrogen; else the row's H whose state is +1; 0 otherwise
        (no hydrogen, hydride, no state).

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> from electroscreen.data.oxidation import oxidation_states_packed
    >>> packed = pack_compositions(["Li6.5H0.5La3Zr2O12", "LiBH4", "Li2B12H12O7H14"])
    >>> protic_hydrogen(packed, oxidation_states_packed(packed).states).tolist()
    [0.5, 0.0, 14.0]
    """
    z, offsets = np.asarray(packed.z), np.asarray(packed.offsets)
    amount = np.asarray(packed.amount, dtype=np.float64)
    states = np.asarray(states, dtype=np.float64)
    plus = (z == _H) & (np.abs(states - 1.0) < _TOL)  # NaN compares False
    protic = segment_sum(np.where(plus, amount, 0.0), offsets)
    _, split = hydrogen_shares(packed, states)
    return np.where(np.isfinite(split), split, protic)


def protic_hydrogen_of(packed: PackedCompositions) -> np.ndarray:
    """:func:`protic_hydrogen` of each row, its states assigned here (each row alone) for the rows
    holding hydrogen only; 0 for the others. Float64, shape (N,)."""
    out = np.zeros(len(packed))
    rows = np.flatnonzero(segment_any(np.asarray(packed.z) == _H, np.asarray(packed.offsets)))
    if len(rows):
        held = packed.take(rows)
        out[rows] = protic_hydrogen(held, oxidation_states_packed(held).states)
    return out


def protons_on_oxygen(packed: PackedCompositions, states: np.ndarray) -> np.ndarray:
    """Per row: its protic hydrogen (:func:`protic_hydrogen`) beyond what its N holds (at most
    :data:`~electroscreen.data.hydrogen_split.PROTONS_PER_HOST` per N), where it holds oxide
    (O at -2); 0 otherwise. Float64, shape (N,)."""
    z, offsets = np.asarray(packed.z), np.asarray(packed.offsets)
    amount = np.asarray(packed.amount, dtype=np.float64)
    states = np.asarray(states, dtype=np.float64)
    oxide = segment_sum(np.where((z == _O) & (np.abs(states + 2.0) < _TOL), amount, 0.0), offsets)
    on_n = PROTONS_PER_HOST["N"] * segment_sum(np.where(z == _N, amount, 0.0), offsets)
    left = np.maximum(protic_hydrogen(packed, states) - on_n, 0.0)
    return np.where(oxide > 0, left, 0.0)


def protonated_oxides(packed: PackedCompositions, states: np.ndarray) -> np.ndarray:
    """Per row: whether protons sit on its oxide ions (:func:`protons_on_oxygen` above a rounding
    tolerance) beside at least one other cation: LiOH, Li2OHCl, Li6.5H0.5La3Zr2O12; not H2O,
    Li4H2O (H-), LiNH2 or LiBH4. Bool, shape (N,)."""
    z, offsets = np.asarray(packed.z), np.asarray(packed.offsets)
    states = np.asarray(states, dtype=np.float64)
    others = segment_sum(((z != _H) & (states > 0)).astype(np.float64), offsets) > 0
    n_h = segment_sum(np.where(z == _H, np.asarray(packed.amount, np.float64), 0.0), offsets)
    return (protons_on_oxygen(packed, states) > _TOL * np.maximum(1.0, n_h)) & others
