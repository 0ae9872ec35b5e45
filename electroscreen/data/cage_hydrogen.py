"""Which compositions hold a polyhedral borane anion, counting only hydridic hydrogen.

:func:`~electroscreen.data.borane.borane_cluster` counts every hydrogen atom against boron. A
hydrate or ammoniate of a cage salt also holds protic hydrogen on O or N (Li2B12H12·7H2O: 12 H- on
12 B and 14 H+ in water), which is no cage's; where the oxidation-state assignment splits
hydrogen (:mod:`~electroscreen.data.hydrogen_split`), only its hydridic share counts. The one
home of that rule for the charge-balance filter, the moisture descriptor ``borane_cluster`` and
the thermochemistry's untabulated-cluster status.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.borane import borane_cluster
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.hydrogen_split import hydrogen_shares, split_rows
from electroscreen.data.oxidation import oxidation_states_packed

__all__ = ["hydridic_borane_cluster"]


def hydridic_borane_cluster(
    packed: PackedCompositions, hydridic: np.ndarray | None = None
) -> np.ndarray:
    """:func:`~electroscreen.data.borane.borane_cluster` of each row, its split hydrogen counted
    by the hydridic share alone.

    Parameters
    ----------
    packed : PackedCompositions, N rows
    hydridic : ndarray of float64, shape (N,), optional
        Each row's hydridic hydrogen when its caller has it already
        (:func:`~electroscreen.data.hydrogen_split.hydrogen_shares`, NaN for a row not split);
        else the states are assigned here, to the rows that may split their hydrogen only
        (:func:`~electroscreen.data.hydrogen_split.split_rows`; each row alone, as in a batch).

    Returns
    -------
    ndarray of float64, shape (N,)
        1.0 for a borane-cluster composition, 0.0 otherwise, NaN for an empty row.
    """
    if hydridic is None:
        rows = np.flatnonzero(split_rows(packed))
        if not len(rows):
            return borane_cluster(packed)
        may_split = packed.take(rows)
        hydridic = np.full(len(packed), np.nan)
        hydridic[rows] = hydrogen_shares(may_split, oxidation_states_packed(may_split).states)[0]
    return borane_cluster(packed, hydridic)
