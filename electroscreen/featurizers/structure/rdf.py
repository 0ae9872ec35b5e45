"""Occupancy-weighted partial radial distribution functions from a neighbour list.

For species classes A and B (e.g. carrier and anion) with per-site occupancies ``w_A`` and ``w_B``,

    g_AB(r_k) = V / (N_A N_B) * sum_{pairs (i, j), r_ij in bin k} w_A(i) w_B(j) / V_shell(k)

where ``N_A = sum_i w_A(i)`` is the number of A in the cell, ``V`` the cell volume and ``V_shell(k)``
the volume of the spherical shell of bin ``k``. Pairs are the ordered pairs of the neighbour list
(periodic images included, a site with itself at zero distance excluded), so ``g -> 1`` at large ``r``
for an ideal gas and disordered sites enter with their expected occupancy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["rdf_bin_edges", "partial_rdfs"]


def rdf_bin_edges(cutoff: float, bin_width: float) -> np.ndarray:
    """Edges ``0, w, 2w, ...`` of the fixed grid; the last edge is ``<= cutoff``."""
    n_bins = int(np.floor(cutoff / bin_width + 1e-9))
    if n_bins < 1:
        raise ValueError(f"bin_width {bin_width} is larger than the cutoff {cutoff}")
    return np.arange(n_bins + 1) * float(bin_width)


@njit(cache=True, parallel=True)
def partial_rdfs(
    volume: np.ndarray,
    site_offsets: np.ndarray,
    site_pair_offsets: np.ndarray,
    neighbor: np.ndarray,
    distance: np.ndarray,
    class_weights: np.ndarray,
    class_pairs: np.ndarray,
    bin_width: float,
    n_bins: int,
) -> np.ndarray:
    """Partial RDFs of every structure.

    Parameters
    ----------
    volume : (N,) cell volumes
    site_offsets : (N + 1,) sites of each structure
    site_pair_offsets, neighbor, distance : the neighbour list (pairs grouped by centre site)
    class_weights : (M, C) occupancy of each site by each species class
    class_pairs : (K, 2) int64, the (A, B) class indices of each partial
    bin_width, n_bins : the grid

    Returns
    -------
    ndarray, shape (N, K, n_bins)
        NaN for a partial whose class is absent from the structure.
    """
    n = len(volume)
    k_pairs = class_pairs.shape[0]
    out = np.full((n, k_pairs, n_bins), np.nan)
    shell = np.empty(n_bins)
    for b in range(n_bins):
        shell[b] = 4.0 / 3.0 * np.pi * (((b + 1) * bin_width) ** 3 - (b * bin_width) ** 3)
    for s in prange(n):
        hist = np.zeros((k_pairs, n_bins))
        totals = np.zeros(class_weights.shape[1])
        for i in range(site_offsets[s], site_offsets[s + 1]):
            for c in range(class_weights.shape[1]):
                totals[c] += class_weights[i, c]
            for p in range(site_pair_offsets[i], site_pair_offsets[i + 1]):
                b = np.int64(distance[p] / bin_width)
                if b >= n_bins:
                    continue
                j = neighbor[p]
                for k in range(k_pairs):
                    hist[k, b] += (
                        class_weights[i, class_pairs[k, 0]] * class_weights[j, class_pairs[k, 1]]
                    )
        for k in range(k_pairs):
            norm = totals[class_pairs[k, 0]] * totals[class_pairs[k, 1]]
            if norm > 0 and volume[s] > 0:
                for b in range(n_bins):
                    out[s, k, b] = hist[k, b] * volume[s] / (norm * shell[b])
    return out
