"""Polyhedral borane anions (closo B12H12 2-, nido B11H14 -, carba-closo CB11H12 -) by composition.

Their boron has no integer oxidation state: with hydride H (-1) and the cage's charge, B12H12 2-
puts boron at +0.83 and CB11H12 - (C at -4) at +1.36. The charge-balance filter accepts such a
fractional boron state in a borane cluster (:mod:`electroscreen.screening.filters`), and the
moisture descriptors flag the cluster (``borane_cluster``, slow to hydrolyse although the hull says
it reacts; :mod:`electroscreen.featurizers.thermo.moisture`). Tetrahydroborates (BH4 -, 4 H per B,
boron +3) are not clusters.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.segments import segment_sum

__all__ = ["BORANE_MAX_H_PER_B", "borane_cluster"]

#: Most hydrogen per boron atom of a polyhedral borane anion (closo B12H12 2-: 1, nido B11H14 -:
#: 1.27, carba-closo CB11H12 -: 1.09); tetrahydroborates (BH4 -) have 4.
BORANE_MAX_H_PER_B = 1.5


def borane_cluster(packed: object) -> np.ndarray:
    """Per row of packed compositions: 1.0 when it holds boron and hydrogen with at most
    :data:`BORANE_MAX_H_PER_B` H per B (a polyhedral borane anion), 0.0 otherwise, NaN when empty.

    Parameters
    ----------
    packed : PackedCompositions
        ``offsets`` (N + 1,), ``z`` and ``amount`` (K,).

    Returns
    -------
    ndarray of float64, shape (N,)
    """
    offsets = np.asarray(packed.offsets)
    z = np.asarray(packed.z)
    amount = np.asarray(packed.amount, dtype=np.float64)
    boron = segment_sum(amount * (z == 5), offsets)
    hydrogen = segment_sum(amount * (z == 1), offsets)
    flag = ((boron > 0) & (hydrogen > 0) & (hydrogen <= BORANE_MAX_H_PER_B * boron)).astype(float)
    flag[np.diff(offsets) == 0] = np.nan
    return flag
