"""Numba kernel of the per-site environment statistics of :class:`StructureDescriptors`.

For each structure, from its neighbour list (pairs grouped by centre site) and the per-site class
occupancies of :func:`~electroscreen.featurizers.structure.sites.site_classes`, the kernel computes
the occupancy-weighted mean/std/min of the carrier's nearest-anion and nearest-carrier distances,
carrier coordination numbers, carrier-carrier bond counts, carrier and sublattice bond ionicities, and
the anion framework's nearest-distance and coordination statistics (the column order is
:data:`~electroscreen.featurizers.structure.descriptors.ENVIRONMENT_FEATURES`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["SITE_KERNEL_ARRAYS", "N_ENVIRONMENT", "environment", "split_pair"]

#: Keys of ``site_classes`` passed to :func:`environment`, in argument order.
SITE_KERNEL_ARRAYS = ("carrier", "anion", "framework", "anion_chi", "framework_chi")
#: Columns returned by :func:`environment`.
N_ENVIRONMENT = 17


#: A carrier occupancy within this of 1 is a full site (a CIF's 0.9999).
FULL_OCCUPANCY_TOLERANCE = 1e-3


@njit(cache=True)
def split_pair(
    occupancy_i: float | np.ndarray,
    occupancy_j: float | np.ndarray,
    distance: float | np.ndarray,
    exclusive: float,
) -> bool | np.ndarray:
    """Whether two carrier sites are alternative positions, never occupied at once: closer than
    ``exclusive`` (Angstrom) and not both full. Split sites (argyrodite's 48h pairs, 0.5 + 0.5 at
    1.8 A) and overlapping partial sites of a refinement (0.7 and 0.4 at 0.4 A: occupancies that
    say how often each is taken, not that two ions sit 0.4 A apart). Scalars (the kernel) or
    arrays of pairs (element-wise)."""
    full = 1.0 - FULL_OCCUPANCY_TOLERANCE
    return (distance < exclusive) & (np.minimum(occupancy_i, occupancy_j) < full)


@njit(cache=True)
def _weighted_stats(acc: np.ndarray, out: np.ndarray, col: int, with_std: bool) -> None:
    """``acc`` = (sum w, sum w (x - k), sum w (x - k)^2, k) -> mean (and std) into ``out[col:]``.

    The shift ``k`` (the first value seen) keeps the variance exact when all values are equal.
    """
    if acc[0] > 0:
        shifted_mean = acc[1] / acc[0]
        out[col] = acc[3] + shifted_mean
        if with_std:
            out[col + 1] = np.sqrt(max(0.0, acc[2] / acc[0] - shifted_mean * shifted_mean))


@njit(cache=True)
def _ionicity(chi_a: float, chi_b: float) -> float:
    return 1.0 - np.exp(-0.25 * (chi_a - chi_b) ** 2)


@njit(cache=True, parallel=True)
def environment(
    site_offsets: np.ndarray, site_pair_offsets: np.ndarray, neighbor: np.ndarray,
    distance: np.ndarray, carrier: np.ndarray, anion: np.ndarray, framework: np.ndarray,
    anion_chi: np.ndarray, framework_chi: np.ndarray, carrier_chi: float,
    shell_tolerance: float, bond_cutoff: float, exclusive_distance: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Carrier, anion-framework and sublattice features of each structure, shape (N, N_ENVIRONMENT).

    Also returns the nearest carrier-site distance of every site, shape (M,) (inf when none).
    Two carrier sites closer than ``exclusive_distance``, not both full, are alternative positions
    (:func:`split_pair`): neither is the other's nearest carrier or carrier-carrier bond.
    """
    n = len(site_offsets) - 1
    out = np.full((n, N_ENVIRONMENT), np.nan)
    nearest_carrier = np.full(len(carrier), np.inf)
    shell = 1.0 + shell_tolerance
    for s in prange(n):
        acc = np.zeros((8, 4))  # rows: d_ca, d_cc, cn, bonds, lbi, d_aa, afc, sbi
        min_ca, min_cc, min_aa = np.inf, np.inf, np.inf
        for i in range(site_offsets[s], site_offsets[s + 1]):
            lo, hi = site_pair_offsets[i], site_pair_offsets[i + 1]
            d_a, d_c = np.inf, np.inf  # nearest anion / carrier site
            for p in range(lo, hi):
                j = neighbor[p]
                if anion[j] > 0 and distance[p] < d_a:
                    d_a = distance[p]
                if carrier[j] > 0 and distance[p] < d_c:
                    if not split_pair(carrier[i], carrier[j], distance[p], exclusive_distance):
                        d_c = distance[p]
            nearest_carrier[i] = d_c
            site_values = np.full(8, np.nan)
            weights = np.zeros(8)
            if carrier[i] > 0:
                weights[:5] = carrier[i]
                cn, ion, bonds = 0.0, 0.0, 0.0
                for p in range(lo, hi):
                    j = neighbor[p]
                    if anion[j] > 0 and distance[p] <= shell * d_a:
                        cn += anion[j]
                        ion += anion[j] * _ionicity(carrier_chi, anion_chi[j])
                    if carrier[j] > 0 and distance[p] <= bond_cutoff:
                        if not split_pair(carrier[i], carrier[j], distance[p], exclusive_distance):
                            bonds += carrier[j]
                site_values[0], site_values[1] = d_a, d_c
                min_ca, min_cc = min(min_ca, d_a), min(min_cc, d_c)
                site_values[2], site_values[3] = cn, bonds
                site_values[4] = ion / cn if cn > 0 else np.nan
            if anion[i] > 0:
                weights[5:7] = anion[i]
                afc = 0.0
                for p in range(lo, hi):
                    if anion[neighbor[p]] > 0 and distance[p] <= shell * d_a:
                        afc += anion[neighbor[p]]
                site_values[5], site_values[6] = d_a, afc
                min_aa = min(min_aa, d_a)
            if framework[i] > 0:
                weights[7] = framework[i]
                ion, w = 0.0, 0.0
                for p in range(lo, hi):
                    j = neighbor[p]
                    if anion[j] > 0 and distance[p] <= shell * d_a:
                        ion += anion[j] * _ionicity(framework_chi[i], anion_chi[j])
                        w += anion[j]
                site_values[7] = ion / w if w > 0 else np.nan
            for f in range(8):
                x = site_values[f]
                if weights[f] > 0 and np.isfinite(x):
                    if acc[f, 0] == 0:
                        acc[f, 3] = x
                    x -= acc[f, 3]
                    acc[f, 0] += weights[f]
                    acc[f, 1] += weights[f] * x
                    acc[f, 2] += weights[f] * x * x
        row = out[s]
        _weighted_stats(acc[0], row, 0, True)
        _weighted_stats(acc[1], row, 3, True)
        _weighted_stats(acc[2], row, 6, True)
        _weighted_stats(acc[3], row, 8, True)
        _weighted_stats(acc[4], row, 10, True)
        _weighted_stats(acc[5], row, 12, False)
        _weighted_stats(acc[6], row, 14, True)
        _weighted_stats(acc[7], row, 16, False)
        if np.isfinite(min_ca):
            row[2] = min_ca
        if np.isfinite(min_cc):
            row[5] = min_cc
        if np.isfinite(min_aa):
            row[13] = min_aa
    return out, nearest_carrier
