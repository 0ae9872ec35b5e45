"""The oxidation states a structure carries, per element: what its builder (``generate``, a CIF
with oxidation-state labels) says, beside what a formula's charge balance would find; and the
labels no compound has (``Li2+``), which are not used (:func:`without_impossible_states`)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
from pymatgen.core.periodic_table import Element

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, MAX_Z
from electroscreen.data.oxidation import PackedOxidation
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_any, segment_ids

__all__ = ["IGNORED_LABELS", "impossible_state", "stored_states", "without_impossible_states"]

#: The note (``pred_feature_status``) of a structure whose labels were dropped:
#: ``structure:oxidation_labels:ignored_impossible=Li2+``.
IGNORED_LABELS = "structure:oxidation_labels:ignored_impossible"


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


@cache
def _known_states(z: int) -> tuple[int, ...]:
    return tuple(Element(ELEMENT_SYMBOLS[z]).oxidation_states)


def impossible_state(z: int, state: float) -> bool:
    """Whether no compound of element ``z`` has oxidation state ``state``: an integer state that is
    not among the element's known states (pymatgen's ``Element.oxidation_states``: ``Li2+``; O-1 of
    a peroxide and O+2 of OF2 are known), or a non-integer one of a sign that none of them has
    (``Li-0.5``; Fe+2.67 and a closo-borane's B+0.83 are not impossible)."""
    known = _known_states(int(z))
    if abs(state - round(state)) <= 1e-6:
        return round(state) not in known
    return not any(np.sign(k) == np.sign(state) for k in known)


def without_impossible_states(structures: PackedStructures) -> tuple[PackedStructures, np.ndarray]:
    """``structures`` without the stored states of each structure that holds an impossible one
    (:func:`impossible_state`), and which labels those were.

    A label no compound has (a CIF's ``Li2+``) says the file's labels are wrong: all of that
    structure's states are dropped (NaN), so it is read as a structure without labels (its states
    from its formula's charge balance) by the filters, the bond-valence check and the featurizers.

    Returns
    -------
    structures : PackedStructures
        The input itself when no structure holds an impossible state.
    ignored : ndarray of object, shape (N,)
        ``""``, or the impossible labels of that structure, ``/``-joined (``Li2+``, ``Li2+/Cl2-``).
    """
    n = len(structures)
    ignored = np.full(n, "", dtype=object)
    state = np.asarray(structures.occ_oxidation, dtype=np.float64)
    labelled = np.flatnonzero(~np.isnan(state))
    if not len(labelled):
        return structures, ignored
    species = np.asarray(structures.occ_species, dtype=np.int64)
    # each distinct (element, state) once: a generated pool labels every occupant
    pairs, inverse = np.unique(
        np.column_stack([species[labelled], state[labelled]]), axis=0, return_inverse=True
    )
    bad = np.array([impossible_state(int(z), q) for z, q in pairs], dtype=bool)[inverse.ravel()]
    if not bad.any():
        return structures, ignored
    occ_offsets = np.asarray(structures.occ_offsets, dtype=np.int64)
    per_structure = occ_offsets[np.asarray(structures.site_offsets, dtype=np.int64)]
    owner = segment_ids(per_structure)
    cleared = state.copy()
    for i in np.unique(owner[labelled[bad]]):
        lo, hi = per_structure[i], per_structure[i + 1]
        labels = [_label(species[k], state[k]) for k in labelled[bad] if lo <= k < hi]
        ignored[i] = "/".join(dict.fromkeys(labels))
        cleared[lo:hi] = np.nan
    return replace(structures, occ_oxidation=cleared), ignored


def _label(z: int, state: float) -> str:
    """``Li2+``, ``Cl2-``, ``Li0.5-`` as a CIF writes a species."""
    amount = abs(state)
    text = f"{amount:g}" if abs(amount - 1) > 1e-6 else ""
    return f"{ELEMENT_SYMBOLS[z]}{text}{'+' if state > 0 else '-'}"


#: Every atomic number is below this: (structure, element) pairs are coded as one integer.
_Z_SPAN = MAX_Z + 1
