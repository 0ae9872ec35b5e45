"""Percolation thresholds of a scalar field on a periodic grid (union-find that tracks image offsets).

A mobile ion can cross a crystal in ``d`` dimensions once the set of grid points with energy below a
threshold contains a connected cluster that *wraps* around the periodic cell along ``d`` independent
lattice directions. The thresholds for ``d = 1, 2, 3`` are found in one sweep ("flooding"): grid points
are switched on in order of increasing energy and merged with their 26 switched-on neighbours in a
union-find structure. Every node stores the lattice translation (image offset) from itself to its
parent, so when an edge joins two nodes that already share a root, ``offset(u) + shift - offset(v)`` is
the lattice vector the cluster winds by. The rank of a cluster's winding vectors is its percolation
dimension; the energy of the point that first raises the largest rank to ``d`` is the ``d``-dimensional
percolation energy. This is exact at the grid resolution (no bisection).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["percolation_energies", "percolation_rank"]


@njit(cache=True)
def _find(parent: np.ndarray, offset: np.ndarray, i: int) -> tuple[int, int, int, int]:
    """Root of ``i`` and the image offset of ``i`` relative to it, compressing the path."""
    root = i
    ox = 0
    oy = 0
    oz = 0
    while parent[root] != root:
        ox += offset[root, 0]
        oy += offset[root, 1]
        oz += offset[root, 2]
        root = parent[root]
    # Second pass: point every node on the path straight at the root with its total offset.
    node = i
    cx, cy, cz = ox, oy, oz
    while parent[node] != node:
        nxt = parent[node]
        nx_, ny_, nz_ = cx - offset[node, 0], cy - offset[node, 1], cz - offset[node, 2]
        parent[node] = root
        offset[node, 0] = cx
        offset[node, 1] = cy
        offset[node, 2] = cz
        node = nxt
        cx, cy, cz = nx_, ny_, nz_
    return root, ox, oy, oz


@njit(cache=True)
def _add_winding(wind: np.ndarray, rank: np.ndarray, root: int, wx: int, wy: int, wz: int) -> None:
    """Add a winding vector to ``root``'s basis if it is linearly independent of the basis."""
    r = rank[root]
    if r >= 3 or (wx == 0 and wy == 0 and wz == 0):
        return
    if r == 1:
        ax, ay, az = wind[root, 0, 0], wind[root, 0, 1], wind[root, 0, 2]
        if ay * wz - az * wy == 0 and az * wx - ax * wz == 0 and ax * wy - ay * wx == 0:
            return
    elif r == 2:
        ax, ay, az = wind[root, 0, 0], wind[root, 0, 1], wind[root, 0, 2]
        bx, by, bz = wind[root, 1, 0], wind[root, 1, 1], wind[root, 1, 2]
        cx, cy, cz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        if cx * wx + cy * wy + cz * wz == 0:
            return
    wind[root, r, 0] = wx
    wind[root, r, 1] = wy
    wind[root, r, 2] = wz
    rank[root] = r + 1


@njit(cache=True)
def _union(
    parent: np.ndarray,
    offset: np.ndarray,
    size: np.ndarray,
    wind: np.ndarray,
    rank: np.ndarray,
    u: int,
    v: int,
    sx: int,
    sy: int,
    sz: int,
) -> int:
    """Join ``u`` and ``v``, where the image of ``v`` adjacent to ``u`` is shifted by ``s`` cells.

    Returns the root of the merged cluster.
    """
    ru, ux, uy, uz = _find(parent, offset, u)
    rv, vx, vy, vz = _find(parent, offset, v)
    dx, dy, dz = ux + sx - vx, uy + sy - vy, uz + sz - vz  # lift(rv) - lift(ru)
    if ru == rv:
        _add_winding(wind, rank, ru, dx, dy, dz)
        return ru
    if size[ru] < size[rv]:
        ru, rv = rv, ru
        dx, dy, dz = -dx, -dy, -dz
    parent[rv] = ru
    offset[rv, 0] = dx
    offset[rv, 1] = dy
    offset[rv, 2] = dz
    size[ru] += size[rv]
    for w in range(rank[rv]):
        _add_winding(wind, rank, ru, wind[rv, w, 0], wind[rv, w, 1], wind[rv, w, 2])
    return ru


@njit(cache=True)
def _flood(energy: np.ndarray, threshold: float, stop_at_threshold: bool) -> tuple[np.ndarray, int]:
    ma, mb, mc = energy.shape
    n = ma * mb * mc
    flat = energy.ravel()
    order = np.argsort(flat, kind="mergesort")
    active = np.zeros(n, dtype=np.bool_)
    parent = np.arange(n)
    offset = np.zeros((n, 3), dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    wind = np.zeros((n, 3, 3), dtype=np.int32)
    rank = np.zeros(n, dtype=np.int8)
    result = np.full(3, np.nan)
    emin = flat[order[0]]
    max_rank = 0
    for idx in order:
        if stop_at_threshold and not flat[idx] < threshold:
            break
        active[idx] = True
        i = idx // (mb * mc)
        j = (idx // mc) % mb
        k = idx % mc
        for di in range(-1, 2):
            ni, sx = i + di, 0
            if ni < 0:
                ni, sx = ni + ma, -1
            elif ni >= ma:
                ni, sx = ni - ma, 1
            for dj in range(-1, 2):
                nj, sy = j + dj, 0
                if nj < 0:
                    nj, sy = nj + mb, -1
                elif nj >= mb:
                    nj, sy = nj - mb, 1
                for dk in range(-1, 2):
                    if di == 0 and dj == 0 and dk == 0:
                        continue
                    nk, sz = k + dk, 0
                    if nk < 0:
                        nk, sz = nk + mc, -1
                    elif nk >= mc:
                        nk, sz = nk - mc, 1
                    nb = (ni * mb + nj) * mc + nk
                    if not active[nb]:
                        continue
                    root = _union(parent, offset, size, wind, rank, idx, nb, sx, sy, sz)
                    if rank[root] > max_rank:
                        for d in range(max_rank, rank[root]):
                            result[d] = flat[idx] - emin
                        max_rank = rank[root]
        if max_rank == 3 and not stop_at_threshold:
            break
    return result, max_rank


@njit(cache=True)
def percolation_energies(energy: np.ndarray) -> np.ndarray:
    """Energies (relative to the minimum) at which the field first percolates in 1, 2 and 3 D.

    Parameters
    ----------
    energy : ndarray of float64, shape (ma, mb, mc)
        Values on a periodic grid; point ``(i, j, k)`` sits at fractional ``(i/ma, j/mb, k/mc)``.
        Neighbours are the 26 points of the surrounding 3x3x3 block (periodic).

    Returns
    -------
    ndarray of float64, shape (3,)
        ``E_d - min(energy)`` for d = 1, 2, 3: the lowest level such that the points at or below it
        contain a cluster wrapping in ``d`` independent lattice directions.
    """
    return _flood(energy, 0.0, False)[0]


@njit(cache=True)
def percolation_rank(energy: np.ndarray, threshold: float) -> int:
    """Largest percolation dimension (0-3) among clusters of points with ``energy < threshold``."""
    return _flood(energy, threshold, True)[1]
