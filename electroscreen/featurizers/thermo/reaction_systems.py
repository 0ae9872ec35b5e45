"""The chemical systems of a batch of candidates with one reactant, stacked for the hull kernels.

:func:`stack_systems` turns a batch of compositions and one reactant (H2O, O2, CO2, ...) into the
arrays :func:`~electroscreen.featurizers.thermo.hull.reaction_scan_packed` solves: every distinct chemical
system (candidate elements plus reactant elements) with its pure elements and tabulated compounds,
and each candidate as atom fractions over its system's elements. It replaces one Python-level
:func:`~electroscreen.featurizers.thermo.enthalpies.chemical_system` build per system by a few Numba passes over
the whole batch: a screening batch meets thousands of new chemical systems, and building them one
by one cost more than solving their linear programs.

Element sets are 128-bit sets (two ``uint64`` words, bit ``Z % 64`` of word ``Z // 64``), as in
:class:`~electroscreen.featurizers.thermo.enthalpies.EnthalpyTable`: an entry belongs to a system when its set
has no bit outside the system's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.thermo.enthalpies import EnthalpyTable, element_bits
from electroscreen.featurizers.thermo.hull import hull_decomposition, system_block

__all__ = ["StackedSystems", "stack_systems", "unique_sets"]


@dataclass(frozen=True)
class StackedSystems:
    """Chemical systems and candidates in the layout of ``reaction_scan_packed``.

    Attributes
    ----------
    elements : int64 (n_systems, d_max)
        Atomic numbers of each system, ascending, zero padded.
    dims : int64 (n_systems,)
        Number of elements of each system.
    matrix : float64 (n_entries, d_max)
        Entry atom fractions; system ``s`` owns rows ``entry_offsets[s]:entry_offsets[s + 1]``,
        its ``dims[s]`` pure elements first (identity block), then its tabulated compounds in table
        order.
    energy : float64 (n_entries,)
        Formation enthalpy of each entry, eV/atom (0 for elements).
    entry_offsets : int64 (n_systems + 1,)
    table_index : int64 (n_entries,)
        Row of each entry in the :class:`~electroscreen.featurizers.thermo.enthalpies.EnthalpyTable`, -1 for
        an element.
    system_of : int64 (n_candidates,)
        System of each candidate.
    comps : float64 (n_candidates, d_max)
        Candidate atom fractions over its system's elements.
    reacts : float64 (n_systems, d_max)
        Reactant atom fractions over each system's elements.
    """

    elements: np.ndarray
    dims: np.ndarray
    matrix: np.ndarray
    energy: np.ndarray
    entry_offsets: np.ndarray
    table_index: np.ndarray
    system_of: np.ndarray
    comps: np.ndarray
    reacts: np.ndarray

    def hull_summary(self, candidates: np.ndarray) -> np.ndarray:
        """Hull decomposition of candidates ``candidates`` (positions in ``system_of``).

        Returns ``(k, 3)``: hull energy (eV/atom), the atom fraction of the decomposition that is
        pure elements, and the number of phases. A candidate's decomposition in its stacked system
        (which also holds the reactant's elements) is the one in its own chemical system: no phase
        with an element the candidate lacks can take part.
        """
        return _hull_summary(
            self.matrix,
            self.energy,
            self.entry_offsets,
            self.dims,
            self.system_of,
            self.comps,
            np.asarray(candidates, dtype=np.int64),
        )

    def tabulated_energy(self) -> np.ndarray:
        """Lowest tabulated enthalpy (eV/atom) with each candidate's composition, NaN when none.

        A candidate matches a compound when all atom fractions agree within 1e-6.
        """
        return _tabulated_energy(
            self.matrix, self.energy, self.entry_offsets, self.dims, self.system_of, self.comps
        )


def stack_systems(
    packed: PackedCompositions,
    rows: np.ndarray,
    reactant: dict[int, float],
    table: EnthalpyTable,
) -> StackedSystems:
    """Stack the chemical systems of ``packed[rows]`` with ``reactant`` (``{Z: amount}``).

    Parameters
    ----------
    packed : PackedCompositions
    rows : int64 array
        Candidates to stack (rows with elements and positive amounts).
    reactant : dict
        Atomic number to amount per formula unit, e.g. ``{1: 2, 8: 1}`` for H2O; ``{}`` stacks
        the candidates' own systems (their hulls: ``StabilisationModel.predict_analogues``).
    table : EnthalpyTable

    Returns
    -------
    StackedSystems
    """
    rows = np.asarray(rows, dtype=np.int64)
    r_z = np.asarray(sorted(reactant), dtype=np.int64)
    r_amount = np.asarray([reactant[z] for z in r_z], dtype=np.float64)
    r_bits = element_bits(np.asarray([0, len(r_z)], dtype=np.int64), r_z)[0]
    row_bits = element_bits(packed.offsets, packed.z)[rows] | r_bits[None, :]
    system_bits, system_of = unique_sets(row_bits)
    elements, dims = _decode(system_bits)
    compound_offsets, compounds = _members(system_bits, table.element_bits)
    matrix, energy, entry_offsets, table_index = _stack(
        elements, dims, compound_offsets, compounds, table.fractions, table.energy
    )
    comps = _fractions(packed.offsets, packed.z, packed.amount, rows, system_of, elements, dims)
    reacts = (
        _fractions(
            np.asarray([0, len(r_z)], dtype=np.int64),
            r_z,
            r_amount,
            np.zeros(len(dims), dtype=np.int64),
            np.arange(len(dims), dtype=np.int64),
            elements,
            dims,
        )
        if len(r_z)
        else np.zeros((len(dims), elements.shape[1]))  # no reactant: the candidates' hulls only
    )
    return StackedSystems(
        elements, dims, matrix, energy, entry_offsets, table_index, system_of, comps, reacts
    )


def unique_sets(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct element sets of ``bits`` in ascending order (word 0, then word 1) and the set
    of each row: ``np.unique(bits, axis=0, return_inverse=True)``, the inverse as int64.

    ``np.unique`` with ``axis=0`` sorts the rows as structured records, one comparison call per
    pair; :func:`numpy.lexsort` of the two words gives the same order about five times faster.

    Parameters
    ----------
    bits : ndarray of uint64, shape (n, 2)

    Returns
    -------
    unique : ndarray of uint64, shape (n_sets, 2)
    inverse : ndarray of int64, shape (n,)
        ``unique[inverse] == bits``.
    """
    order = np.lexsort((bits[:, 1], bits[:, 0]))
    ordered = bits[order]
    first = np.empty(len(bits), dtype=bool)
    first[:1] = True
    np.any(ordered[1:] != ordered[:-1], axis=1, out=first[1:])
    inverse = np.empty(len(bits), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


@njit(cache=True)
def _decode(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Element sets -> ascending atomic numbers (zero padded) and set sizes."""
    n = bits.shape[0]
    dims = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for w in range(2):
            word = bits[i, w]
            while word:
                dims[i] += 1
                word &= word - np.uint64(1)
    d_max = 1
    for i in range(n):
        d_max = max(d_max, dims[i])
    elements = np.zeros((n, d_max), dtype=np.int64)
    for i in range(n):
        k = 0
        for w in range(2):
            for b in range(64):
                if (bits[i, w] >> np.uint64(b)) & np.uint64(1):
                    elements[i, k] = 64 * w + b
                    k += 1
    return elements, dims


@njit(cache=True, parallel=True)
def _members(system_bits: np.ndarray, table_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Table rows made only of each system's elements, as CSR (offsets, rows) in table order."""
    n_sys, n_table = system_bits.shape[0], table_bits.shape[0]
    counts = np.zeros(n_sys, dtype=np.int64)
    for s in prange(n_sys):
        outside0, outside1 = ~system_bits[s, 0], ~system_bits[s, 1]
        for t in range(n_table):
            if (table_bits[t, 0] & outside0) == 0 and (table_bits[t, 1] & outside1) == 0:
                counts[s] += 1
    offsets = np.zeros(n_sys + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    members = np.empty(offsets[-1], dtype=np.int64)
    for s in prange(n_sys):
        outside0, outside1 = ~system_bits[s, 0], ~system_bits[s, 1]
        j = offsets[s]
        for t in range(n_table):
            if (table_bits[t, 0] & outside0) == 0 and (table_bits[t, 1] & outside1) == 0:
                members[j] = t
                j += 1
    return offsets, members


@njit(cache=True)
def _stack(elements, dims, compound_offsets, compounds, fractions, table_energy):
    """Elements then compounds of every system, as one matrix over each system's own columns."""
    n_sys, d_max = elements.shape
    entry_offsets = np.zeros(n_sys + 1, dtype=np.int64)
    for s in range(n_sys):
        n_compounds = compound_offsets[s + 1] - compound_offsets[s]
        entry_offsets[s + 1] = entry_offsets[s] + dims[s] + n_compounds
    matrix = np.zeros((entry_offsets[-1], d_max))
    energy = np.zeros(entry_offsets[-1])
    table_index = np.full(entry_offsets[-1], -1, dtype=np.int64)
    for s in range(n_sys):
        base, d = entry_offsets[s], dims[s]
        for k in range(d):
            matrix[base + k, k] = 1.0
        for j in range(compound_offsets[s], compound_offsets[s + 1]):
            row = base + d + j - compound_offsets[s]
            t = compounds[j]
            for k in range(d):
                matrix[row, k] = fractions[t, elements[s, k]]
            energy[row] = table_energy[t]
            table_index[row] = t
    return matrix, energy, entry_offsets, table_index


@njit(cache=True)
def _fractions(offsets, z, amount, rows, system_of, elements, dims):
    """Atom fractions of compositions ``rows`` over the elements of their systems."""
    out = np.zeros((len(rows), elements.shape[1]))
    for j in range(len(rows)):
        i, s = rows[j], system_of[j]
        total = 0.0
        for p in range(offsets[i], offsets[i + 1]):
            for k in range(dims[s]):
                if elements[s, k] == z[p]:
                    out[j, k] += amount[p]
                    break
        for k in range(dims[s]):
            total += out[j, k]
        for k in range(dims[s]):
            out[j, k] /= total
    return out


@njit(cache=True)
def _tabulated_energy(stack_matrix, stack_energy, entry_offsets, dims, system_of, comps):
    """Lowest enthalpy of a compound with each candidate's composition (NaN when none)."""
    out = np.full(len(system_of), np.nan)
    for j in range(len(system_of)):
        s = system_of[j]
        d = dims[s]
        for r in range(entry_offsets[s] + d, entry_offsets[s + 1]):
            same = True
            for k in range(d):
                if abs(stack_matrix[r, k] - comps[j, k]) > 1e-6:
                    same = False
                    break
            if same and (np.isnan(out[j]) or stack_energy[r] < out[j]):
                out[j] = stack_energy[r]
    return out


@njit(cache=True, parallel=True)
def _hull_summary(matrix, energy, entry_offsets, dims, system_of, comps, candidates):
    out = np.empty((len(candidates), 3))
    for j in prange(len(candidates)):
        sub, sub_energy, comp, _ = system_block(
            matrix, energy, entry_offsets, dims, system_of, comps, candidates[j]
        )
        d = sub.shape[1]
        idx = np.full(d, -1, dtype=np.int64)
        amt = np.zeros(d)
        out[j, 0] = hull_decomposition(sub, sub_energy, comp, idx, amt)
        elemental, phases = 0.0, 0
        for k in range(d):
            if idx[k] >= 0:
                phases += 1
                if idx[k] < d:
                    elemental += amt[k]
        out[j, 1] = elemental
        out[j, 2] = phases
    return out
