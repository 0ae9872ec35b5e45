"""A composition's anions, the key of the stabilisation model's applicability domain.

The anions of a composition (:func:`anion_masks`) are the elements of :data:`ANION_ELEMENTS` that its
oxidation-state assignment (:func:`~electroscreen.data.oxidation.oxidation_states_packed`) gives a
negative state. Sulfur is an anion in a sulfide (S-II) but the centre of an oxoanion in a sulfate or
sulfite (S+VI, S+IV), so Li2SO4 counts among the oxides, like Li3PO4, and Li3PS3O (S-II and O-II)
does not. :func:`merged_anions` assigns the states once per batch (:class:`MergedAnions`, taken by
rows); :func:`anion_amounts` gives each anion's amount and the negative atoms a domain share is
counted over (:mod:`~electroscreen.featurizers.thermo.stabilisation_domain`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.hydrogen_split import expand_split_hydrogen
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.packed import _ranges

__all__ = [
    "ANION_BITS",
    "ANION_ELEMENTS",
    "MergedAnions",
    "anion_amounts",
    "anion_mask",
    "anion_masks",
    "mask_anions",
    "merged_anions",
]

#: Elements that can be anions when the applicability domain is decided (see StabilisationModel):
#: those of them with a negative oxidation state in a composition are its anions (:func:`anion_masks`).
ANION_ELEMENTS = frozenset(
    SYMBOL_TO_Z[s] for s in ("O", "S", "Se", "Te", "N", "F", "Cl", "Br", "I")
)
#: Bit of each anion element (atomic number -> 1 << k; 0 for other elements).
ANION_BITS = np.zeros(128, dtype=np.int64)
for _k, _z in enumerate(sorted(ANION_ELEMENTS)):
    ANION_BITS[_z] = 1 << _k


def anion_mask(anions: frozenset[int] | set[int]) -> int:
    """The bit mask (:data:`ANION_BITS`) of a set of anion elements (atomic numbers)."""
    return int(sum(ANION_BITS[z] for z in anions))


def mask_anions(mask: int) -> frozenset[int]:
    """The anion elements (atomic numbers) of a bit mask: the inverse of :func:`anion_mask`."""
    return frozenset(z for z in sorted(ANION_ELEMENTS) if int(mask) & int(ANION_BITS[z]))


def anion_masks(packed: PackedCompositions) -> np.ndarray:
    """The anions of each composition as a bit mask (:data:`ANION_BITS`): the elements of
    :data:`ANION_ELEMENTS` whose assigned oxidation state is negative.

    States come from :func:`~electroscreen.data.oxidation.oxidation_states_packed` on the
    composition with repeated elements merged; an unbalanced composition is read with its closest
    combination (the signs are what matters). Li2SO4 and Li3PO4 give ``{O}`` (S+VI, like P+V, is a
    cation), Li3PS3O ``{O, S}``, Li3PS4 ``{S}``, Li3OCl ``{O, Cl}``, LiNO3 ``{O}``, Li2PO2N ``{N, O}``.

    Returns
    -------
    ndarray of int64, shape (N,)
        The mask; 0 without anions (an intermetallic, a hydride), -1 where an anion element present
        got no state (``no_oxidation_state``: no domain holds the row).
    """
    return anion_amounts(packed)[0]


def anion_amounts(
    packed: PackedCompositions, merged: MergedAnions | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`anion_masks`, the amount of each anion (per formula unit, as written) and of all
    atoms with a negative state (from ``merged``, :func:`merged_anions` of ``packed``, when given).

    Returns
    -------
    masks : ndarray of int64, shape (N,)
        As :func:`anion_masks` gives them.
    amounts : ndarray of float64, shape (N, len(ANION_ELEMENTS))
        Column ``k``: the amount of the element of bit ``1 << k`` where its state is negative (an
        anion of the row), else 0. Li7La3Zr2O11.99S0.01: O 11.99 and S 0.01; Li2SO4: O 4 alone.
    negative : ndarray of float64, shape (N,)
        The amount of every atom with a negative state, those outside :data:`ANION_ELEMENTS`
        included (H- in LiAlH4, P3- in Li3P): the anion atoms a domain share is counted over.
        Hydrogen split into hydridic and protic shares counts its H- alone (4 of Li4(BH4)(NH2)3's
        10 H, whose average state is +0.2: :mod:`~electroscreen.data.hydrogen_split`).
    """
    merged, entry_rows, anion, masks, states = merged_anions(packed) if merged is None else merged
    bits = ANION_BITS[merged.z]
    amounts = np.zeros((len(packed), len(ANION_ELEMENTS)))
    columns = np.log2(np.maximum(bits, 1)).astype(np.int64)
    np.add.at(amounts, (entry_rows[anion], columns[anion]), merged.amount[anion])
    # hydrogen split into H- and H+ (Li4(BH4)(NH2)3: H+0.2 on average) counts its hydridic share
    signed, signs = expand_split_hydrogen(merged, states)
    negative = np.bincount(
        np.repeat(np.arange(len(packed)), np.diff(signed.offsets)),
        weights=np.where(signs < 0, signed.amount, 0.0),
        minlength=len(packed),
    )
    return masks, amounts, negative


class MergedAnions(NamedTuple):
    """:func:`merged_anions` of a batch: each composition with repeated elements merged, and which
    of its entries are anions, by their assigned oxidation states.

    Attributes
    ----------
    merged : PackedCompositions
        One entry per (row, element), elements ascending.
    entry_rows : ndarray of int64
        The row of each entry of ``merged``.
    anion : ndarray of bool
        Per entry: an element of :data:`ANION_ELEMENTS` with a negative assigned state.
    masks : ndarray of int64, shape (N,)
        :func:`anion_masks`.
    states : ndarray of float64
        The assigned oxidation state of each entry (NaN where none).
    """

    merged: PackedCompositions
    entry_rows: np.ndarray
    anion: np.ndarray
    masks: np.ndarray
    states: np.ndarray

    @classmethod
    def from_states(cls, merged: PackedCompositions, states: np.ndarray) -> MergedAnions:
        """From compositions already merged (one entry per element per row, elements ascending)
        and the oxidation state of each entry."""
        n = len(merged)
        entry_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(merged.offsets))
        bits = ANION_BITS[merged.z]
        anion = (states < 0) & (bits > 0)
        masks = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(masks, entry_rows, np.where(anion, bits, 0))
        # an amount that rounds to 0 carries no charge and gets no state: as if absent
        undecided = (bits > 0) & np.isnan(states) & (np.round(merged.amount, 8) > 0)
        masks[entry_rows[undecided]] = -1
        return cls(merged, entry_rows, anion, masks, states)

    def take(self, rows: np.ndarray) -> MergedAnions:
        """The same for the compositions ``rows`` (in that order), as :func:`merged_anions` of
        them would give it: each row's states are assigned from that row alone."""
        rows = np.asarray(rows, dtype=np.int64)
        counts = np.diff(self.merged.offsets)[rows]
        entries = _ranges(self.merged.offsets[rows], counts)
        return MergedAnions(
            self.merged.take(rows),
            np.repeat(np.arange(len(rows), dtype=np.int64), counts),
            self.anion[entries],
            self.masks[rows],
            self.states[entries],
        )


def merged_anions(packed: PackedCompositions) -> MergedAnions:
    """Each composition with repeated elements merged, and which of its entries are anions
    (:class:`MergedAnions`, unpacked as ``merged, entry_rows, anion, masks, states``)."""
    n = len(packed)
    rows = np.repeat(np.arange(n), np.diff(packed.offsets))
    key, inverse = np.unique(rows * 256 + np.asarray(packed.z, dtype=np.int64), return_inverse=True)
    entry_rows, z = key // 256, key % 256
    # float64 also for an empty batch (bincount gives int64 there): an int64 amount made Numba
    # compile the oxidation-state and host kernels a second time for a batch with nothing to merge
    amount = np.bincount(inverse.ravel(), weights=packed.amount, minlength=len(key)).astype(
        np.float64, copy=False
    )
    merged = PackedCompositions(
        offsets=np.concatenate([[0], np.cumsum(np.bincount(entry_rows, minlength=n))]),
        z=z,
        amount=amount,
        status=packed.status,
        error=packed.error,
    )
    return MergedAnions.from_states(merged, oxidation_states_packed(merged).states)
