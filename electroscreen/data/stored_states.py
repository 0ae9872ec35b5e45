"""The oxidation states a structure carries, per element: what its builder (``generate``, a CIF
with oxidation-state labels) says, beside what a formula's charge balance would find."""

from __future__ import annotations

import numpy as np

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import MAX_Z
from electroscreen.data.oxidation import PackedOxidation
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_any, segment_ids

__all__ = ["stored_states"]


def stored_states(
    structures: PackedStructures,
) -> tuple[PackedCompositions, PackedOxidation, np.ndarray]:
    """Each structure's elements (occupancy sums), their occupancy-weighted mean stored state, and
    whether every occupant of the structure has a state.

    Returns
    -------
    compositions : PackedCompositions
        N rows, elements in ascending Z.
    oxidation : PackedOxidation
        ``states`` aligned with ``compositions.z`` (NaN for a structure without complete states).
    complete : ndarray of bool, shape (N,)
    """
    n = len(structures)
    occ_offsets = np.asarray(structures.occ_offsets, dtype=np.int64)
    per_structure = occ_offsets[np.asarray(structures.site_offsets, dtype=np.int64)]
    owner = segment_ids(per_structure)
    species = np.asarray(structures.occ_species, dtype=np.int64)
    fraction = np.asarray(structures.occ_fraction, dtype=np.float64)
    state = np.asarray(structures.occ_oxidation, dtype=np.float64)
    complete = ~segment_any(np.isnan(state), per_structure)
    keys, inverse = np.unique(owner * _Z_SPAN + species, return_inverse=True)
    amount = np.bincount(inverse, weights=fraction, minlength=len(keys))
    weighted = np.bincount(inverse, weights=fraction * np.nan_to_num(state), minlength=len(keys))
    mean = np.divide(weighted, amount, out=np.full(len(keys), np.nan), where=amount > 0)
    mean[~complete[keys // _Z_SPAN]] = np.nan
    offsets = np.concatenate(([0], np.cumsum(np.bincount(keys // _Z_SPAN, minlength=n))))
    compositions = PackedCompositions(
        offsets=offsets.astype(np.int64), z=keys % _Z_SPAN, amount=amount,
        status=np.full(n, OK, dtype=object), error=np.full(n, "", dtype=object),
    )  # fmt: skip
    oxidation = PackedOxidation(
        states=mean, residual=np.zeros(n), status=np.full(n, OK, dtype=object),
        mixed_valence=segment_any(np.abs(mean - np.round(mean)) > 1e-6, offsets),
    )  # fmt: skip
    return compositions, oxidation, complete


#: Every atomic number is below this: (structure, element) pairs are coded as one integer.
_Z_SPAN = MAX_Z + 1
