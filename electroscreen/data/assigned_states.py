"""Oxidation states assigned once in a batch and read again by a later step.

:func:`~electroscreen.data.oxidation.oxidation_states_packed` assigns each row's states from that
row alone, so the states one step of a batch assigned to some of its rows are those any later step
would assign to them. :class:`AssignedStates` keeps them with the rows they belong to, and
:meth:`AssignedStates.for_rows` hands them on, assigning only the rows not among them: the
charge-balance filter's states reach the hydrate rule (``screening/batch.py``:
:func:`~electroscreen.screening.filters.filter_batch`, then
:func:`~electroscreen.data.hydrates.find_hydrates`), which assigned them a second time before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.oxidation import PackedOxidation, oxidation_states_packed
from electroscreen.data.packed import _ranges

__all__ = ["AssignedStates"]


@dataclass(frozen=True)
class AssignedStates:
    """The oxidation states of some rows of one packed batch.

    Attributes
    ----------
    rows : ndarray of int64, shape (M,)
        Rows of the batch, distinct.
    oxidation : PackedOxidation
        :func:`~electroscreen.data.oxidation.oxidation_states_packed` of ``packed.take(rows)``.

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> packed = pack_compositions(["Li3YCl6", "LiCl", "Li2O"])
    >>> rows = np.array([0, 2])
    >>> known = AssignedStates(rows, oxidation_states_packed(packed.take(rows)))
    >>> known.for_rows(packed, np.array([2, 1])).states.tolist()  # Li2O's kept, LiCl's assigned
    [1.0, -2.0, 1.0, -1.0]
    """

    rows: np.ndarray
    oxidation: PackedOxidation

    @classmethod
    def none(cls) -> AssignedStates:
        """No row assigned: :meth:`for_rows` assigns every row it is asked for."""
        empty = np.zeros(0)
        return cls(
            np.zeros(0, dtype=np.int64),
            PackedOxidation(empty, empty, np.zeros(0, dtype=object), np.zeros(0, dtype=bool)),
        )

    def for_rows(self, packed: PackedCompositions, rows: np.ndarray) -> PackedOxidation:
        """The states of ``packed.take(rows)``: those kept here for the rows among :attr:`rows`
        (``packed`` must be the batch they were assigned on), the others assigned now, each row
        alone, as :func:`~electroscreen.data.oxidation.oxidation_states_packed` of
        ``packed.take(rows)`` would give them."""
        rows = np.asarray(rows, dtype=np.int64)
        counts = np.diff(np.asarray(packed.offsets))
        position = np.full(len(packed), -1, dtype=np.int64)
        position[self.rows] = np.arange(len(self.rows))
        at = position[rows]
        entries = counts[rows]
        starts = np.concatenate([[0], np.cumsum(entries)])[:-1].astype(np.int64)
        states = np.full(int(entries.sum()), np.nan)
        residual = np.full(len(rows), np.nan)
        status = np.empty(len(rows), dtype=object)
        mixed = np.zeros(len(rows), dtype=bool)
        known = at >= 0
        if known.any():
            own = np.concatenate([[0], np.cumsum(counts[self.rows])]).astype(np.int64)
            source = _ranges(own[at[known]], entries[known])
            states[_ranges(starts[known], entries[known])] = self.oxidation.states[source]
            residual[known] = self.oxidation.residual[at[known]]
            status[known] = self.oxidation.status[at[known]]
            mixed[known] = self.oxidation.mixed_valence[at[known]]
        if (~known).any():
            fresh = oxidation_states_packed(packed.take(rows[~known]))
            states[_ranges(starts[~known], entries[~known])] = fresh.states
            residual[~known] = fresh.residual
            status[~known] = fresh.status
            mixed[~known] = fresh.mixed_valence
        return PackedOxidation(states, residual, status, mixed)
