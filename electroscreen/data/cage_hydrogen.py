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
    packed: PackedCompositions, states: np.ndarray | None = None
) -> np.ndarray:
    """:func:`~electroscreen.data.borane.borane_cluster` of each row, its split hydrogen counted
    by the hydridic share alone.

    Parameters
    ----------
    packed : PackedCompositions, N rows
    states : ndarray of float64, shape (K,), optional
        One oxidation state per entry, when already assigned
        (:func:`~electroscreen.data.oxidation.oxidation_states_packed`); assigned here otherwise,
        and only when some row may split its hydrogen.

    Returns
    -------
    ndarray of float64, shape (N,)
        1.0 for a borane-cluster composition, 0.0 otherwise, NaN for an empty row.
    """
    if states is None:
        if not split_rows(packed).any():
            return borane_cluster(packed)
        states = oxidation_states_packed(packed).states
    hydridic, _ = hydrogen_shares(packed, states)
    return borane_cluster(packed, hydridic)
