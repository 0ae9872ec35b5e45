"""Periodic neighbour lists over packed structures, with cell lists (binning) in Numba.

For every site of every structure, all periodic images of all sites within a cutoff are found, exactly
as :meth:`pymatgen.core.Structure.get_neighbor_list` does (a pair within ``cutoff + tolerance`` counts,
images of a site itself are neighbours, the site itself at zero distance is not), but for a whole batch
at once and without Python objects.

Algorithm
---------
Per structure, fractional coordinates are wrapped into [0, 1) and binned on an ``m1 x m2 x m3`` grid
whose bins are at least ``cutoff / subdivisions`` thick between opposite faces (plane spacing), so any
triclinic cell works. For a centre at wrapped fractional position ``f`` a neighbour within ``r`` has
``|df_k| <= r |b*_k|`` (``b*_k`` the reciprocal vectors without 2 pi), so the centre visits the bin
range ``floor((f_k -+ r |b*_k|) m_k)`` in each direction; bins outside ``[0, m_k)`` are periodic images
of bins inside. Cells thinner than the cutoff simply get ``m_k = 1`` and a wide range of images. A
count pass and a fill pass run in parallel over all sites of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_sum

__all__ = ["NeighborList", "neighbor_list"]

#: Same default as pymatgen's ``numerical_tol``: pairs up to ``cutoff + 1e-8`` are neighbours.
DEFAULT_TOLERANCE = 1e-8


@dataclass(frozen=True)
class NeighborList:
    """All pairs within a cutoff, grouped by structure and then by centre site.

    Attributes
    ----------
    pair_offsets : ndarray of int64, shape (N + 1,)
        Pairs of structure ``i`` are ``pair_offsets[i]:pair_offsets[i+1]``.
    site_pair_offsets : ndarray of int64, shape (M + 1,)
        Pairs whose centre is global site ``j`` are ``site_pair_offsets[j]:site_pair_offsets[j+1]``.
    center, neighbor : ndarray of int64, shape (P,)
        Global site indices into ``packed.frac_coords``.
    image : ndarray of int64, shape (P, 3)
        Lattice translation of the neighbour: it sits at ``frac_coords[neighbor] + image``.
    distance : ndarray of float64, shape (P,)
        In Angstrom.
    weight : ndarray of float64, shape (P,)
        Total occupancy of the centre site times total occupancy of the neighbour site.
    cutoff : float
    """

    pair_offsets: np.ndarray
    site_pair_offsets: np.ndarray
    center: np.ndarray
    neighbor: np.ndarray
    image: np.ndarray
    distance: np.ndarray
    weight: np.ndarray
    cutoff: float

    def __len__(self) -> int:
        return len(self.center)

    @property
    def n_pairs(self) -> np.ndarray:
        """Number of pairs of each structure, shape (N,)."""
        return np.diff(self.pair_offsets)


def neighbor_list(
    packed: PackedStructures,
    cutoff: float,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    subdivisions: int = 2,
) -> NeighborList:
    """Neighbour list of every structure in a batch.

    Parameters
    ----------
    packed : PackedStructures
    cutoff : float
        Radius in Angstrom (> 0).
    tolerance : float, default 1e-8
        Pairs at up to ``cutoff + tolerance`` are included (pymatgen's ``numerical_tol``).
    subdivisions : int, default 2
        Bins are at least ``cutoff / subdivisions`` thick; 2 visits ~5^3 small bins per centre.

    Returns
    -------
    NeighborList
        Structures with a singular or non-finite lattice, or non-finite coordinates, get no pairs.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from electroscreen.data import pack_structures
    >>> nacl = Structure.from_spacegroup(  # rock salt: 8 sites, each with 6 neighbours at a/2
    ...     "Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> nl = neighbor_list(pack_structures([nacl]), 3.0)
    >>> nl.n_pairs.tolist(), round(float(nl.distance.min()), 2), round(float(nl.distance.max()), 2)
    ([48], 2.82, 2.82)
    """
    if not cutoff > 0:
        raise ValueError(f"cutoff must be > 0, got {cutoff}")
    if subdivisions < 1:
        raise ValueError(f"subdivisions must be >= 1, got {subdivisions}")
    lattice = np.ascontiguousarray(packed.lattice, dtype=np.float64).reshape(-1, 3, 3)
    site_offsets = np.ascontiguousarray(packed.site_offsets, dtype=np.int64)
    frac = np.ascontiguousarray(packed.frac_coords, dtype=np.float64).reshape(-1, 3)
    occupancy = site_occupancy(packed)
    radius = float(cutoff) + float(tolerance)

    usable = _usable_structures(lattice, site_offsets, frac)
    wrapped, shift, cart, site_struct = _wrap_sites(lattice, site_offsets, frac, usable)
    grid, reach = _bin_grid(lattice, site_offsets, usable, radius, int(subdivisions))
    bin_struct_offsets = np.zeros(len(lattice) + 1, dtype=np.int64)
    bin_struct_offsets[1:] = np.cumsum(grid.prod(axis=1))
    bin_atoms, bin_offsets = _bin_sites(site_offsets, wrapped, grid, bin_struct_offsets, usable)

    counts = _count_pairs(
        lattice, site_offsets, wrapped, cart, site_struct, usable, grid, reach,
        bin_struct_offsets, bin_offsets, bin_atoms, radius,
    )  # fmt: skip
    site_pair_offsets = np.zeros(len(frac) + 1, dtype=np.int64)
    site_pair_offsets[1:] = np.cumsum(counts)
    center, neighbor, image, distance, weight = _fill_pairs(
        lattice, site_offsets, wrapped, shift, cart, site_struct, usable, grid, reach,
        bin_struct_offsets, bin_offsets, bin_atoms, radius, site_pair_offsets, occupancy,
    )  # fmt: skip
    return NeighborList(
        pair_offsets=site_pair_offsets[site_offsets],
        site_pair_offsets=site_pair_offsets,
        center=center,
        neighbor=neighbor,
        image=image,
        distance=distance,
        weight=weight,
        cutoff=float(cutoff),
    )


def site_occupancy(packed: PackedStructures) -> np.ndarray:
    """Total occupancy of each site (1 for an ordered site, < 1 with vacancies), shape (M,)."""
    fractions = np.asarray(packed.occ_fraction, dtype=np.float64)
    starts = np.asarray(packed.occ_offsets, dtype=np.int64)
    return segment_sum(fractions, starts)


@njit(cache=True)
def _usable_structures(
    lattice: np.ndarray, site_offsets: np.ndarray, frac: np.ndarray
) -> np.ndarray:
    """Structures with a finite, non-singular lattice and finite fractional coordinates."""
    n = lattice.shape[0]
    usable = np.zeros(n, dtype=np.bool_)
    for s in range(n):
        ok = np.isfinite(np.linalg.det(lattice[s])) and abs(np.linalg.det(lattice[s])) > 1e-6
        for j in range(site_offsets[s], site_offsets[s + 1]):
            for k in range(3):
                if not np.isfinite(frac[j, k]):
                    ok = False
        usable[s] = ok
    return usable


@njit(cache=True)
def _wrap_sites(
    lattice: np.ndarray, site_offsets: np.ndarray, frac: np.ndarray, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wrapped fractional coordinates in [0, 1), the integer shift removed, and wrapped Cartesians."""
    m = frac.shape[0]
    wrapped = np.zeros((m, 3))
    shift = np.zeros((m, 3), dtype=np.int64)
    cart = np.zeros((m, 3))
    site_struct = np.zeros(m, dtype=np.int64)
    for s in range(lattice.shape[0]):
        for j in range(site_offsets[s], site_offsets[s + 1]):
            site_struct[j] = s
            if not usable[s]:
                continue
            for k in range(3):
                f = frac[j, k]
                fl = np.floor(f)
                w = f - fl
                if w >= 1.0:  # f - floor(f) rounds to 1 for tiny negative f
                    w = 0.0
                    fl += 1.0
                wrapped[j, k] = w
                shift[j, k] = np.int64(fl)
            for k in range(3):
                cart[j, k] = (
                    wrapped[j, 0] * lattice[s, 0, k]
                    + wrapped[j, 1] * lattice[s, 1, k]
                    + wrapped[j, 2] * lattice[s, 2, k]
                )
    return wrapped, shift, cart, site_struct


@njit(cache=True)
def _bin_grid(
    lattice: np.ndarray,
    site_offsets: np.ndarray,
    usable: np.ndarray,
    radius: float,
    subdivisions: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Bins per direction (plane spacing / (radius / subdivisions), capped) and fractional reach.

    Returns ``grid`` (N, 3) int64 and ``reach`` (N, 3): ``radius * |b*_k|``, the largest fractional
    coordinate difference along direction ``k`` of two points within ``radius``.
    """
    n = lattice.shape[0]
    grid = np.ones((n, 3), dtype=np.int64)
    reach = np.zeros((n, 3))
    for s in range(n):
        if not usable[s]:
            continue
        recip = np.linalg.inv(lattice[s]).T  # rows are reciprocal vectors b*_k (no 2 pi)
        for k in range(3):
            spacing = 1.0 / np.sqrt(np.sum(recip[k] ** 2))
            reach[s, k] = radius / spacing
            grid[s, k] = max(1, min(np.int64(spacing * subdivisions / radius), 1000))
        # no more bins than ~2 per site: empty bins cost time and memory
        limit = max(27, 2 * (site_offsets[s + 1] - site_offsets[s]))
        while grid[s, 0] * grid[s, 1] * grid[s, 2] > limit:
            k = np.argmax(grid[s])
            grid[s, k] = max(1, grid[s, k] // 2)
    return grid, reach


@njit(cache=True)
def _bin_index(f: np.ndarray, m: np.ndarray) -> np.ndarray:
    idx = np.empty(3, dtype=np.int64)
    for k in range(3):
        idx[k] = min(np.int64(f[k] * m[k]), m[k] - 1)
    return idx


@njit(cache=True)
def _bin_sites(
    site_offsets: np.ndarray,
    wrapped: np.ndarray,
    grid: np.ndarray,
    bin_struct_offsets: np.ndarray,
    usable: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sites sorted by bin (CSR): ``bin_atoms[bin_offsets[b]:bin_offsets[b+1]]`` are in global bin b."""
    total_bins = bin_struct_offsets[-1]
    counts = np.zeros(total_bins + 1, dtype=np.int64)
    site_bin = np.full(wrapped.shape[0], -1, dtype=np.int64)
    for s in range(grid.shape[0]):
        if not usable[s]:
            continue
        m = grid[s]
        for j in range(site_offsets[s], site_offsets[s + 1]):
            idx = _bin_index(wrapped[j], m)
            b = bin_struct_offsets[s] + (idx[0] * m[1] + idx[1]) * m[2] + idx[2]
            site_bin[j] = b
            counts[b + 1] += 1
    bin_offsets = np.cumsum(counts)
    fill = bin_offsets[:-1].copy()
    bin_atoms = np.zeros(bin_offsets[-1], dtype=np.int64)
    for j in range(wrapped.shape[0]):
        b = site_bin[j]
        if b >= 0:
            bin_atoms[fill[b]] = j
            fill[b] += 1
    return bin_atoms, bin_offsets


@njit(cache=True)
def _visit_site(
    i, lattice, site_offsets, wrapped, shift, cart, site_struct, grid, reach,
    bin_struct_offsets, bin_offsets, bin_atoms, radius, out_start,
    center, neighbor, image, distance, weight, occupancy, fill,
):  # fmt: skip
    """Count (``fill=False``) or write the pairs of centre ``i``; returns the number of pairs."""
    s = site_struct[i]
    lat = lattice[s]
    m = grid[s]
    lo = np.empty(3, dtype=np.int64)
    hi = np.empty(3, dtype=np.int64)
    for k in range(3):
        lo[k] = np.int64(np.floor((wrapped[i, k] - reach[s, k]) * m[k]))
        hi[k] = np.int64(np.floor((wrapped[i, k] + reach[s, k]) * m[k]))
    r2 = radius * radius
    count = 0
    for e0 in range(lo[0], hi[0] + 1):
        b0 = e0 % m[0]
        t0 = (e0 - b0) // m[0]
        for e1 in range(lo[1], hi[1] + 1):
            b1 = e1 % m[1]
            t1 = (e1 - b1) // m[1]
            for e2 in range(lo[2], hi[2] + 1):
                b2 = e2 % m[2]
                t2 = (e2 - b2) // m[2]
                tx = t0 * lat[0, 0] + t1 * lat[1, 0] + t2 * lat[2, 0] - cart[i, 0]
                ty = t0 * lat[0, 1] + t1 * lat[1, 1] + t2 * lat[2, 1] - cart[i, 1]
                tz = t0 * lat[0, 2] + t1 * lat[1, 2] + t2 * lat[2, 2] - cart[i, 2]
                b = bin_struct_offsets[s] + (b0 * m[1] + b1) * m[2] + b2
                for a in range(bin_offsets[b], bin_offsets[b + 1]):
                    j = bin_atoms[a]
                    dx = cart[j, 0] + tx
                    dy = cart[j, 1] + ty
                    dz = cart[j, 2] + tz
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 > r2:
                        continue
                    if j == i and t0 == 0 and t1 == 0 and t2 == 0:
                        continue
                    if fill:
                        p = out_start + count
                        center[p] = i
                        neighbor[p] = j
                        image[p, 0] = t0 - shift[j, 0] + shift[i, 0]
                        image[p, 1] = t1 - shift[j, 1] + shift[i, 1]
                        image[p, 2] = t2 - shift[j, 2] + shift[i, 2]
                        distance[p] = np.sqrt(d2)
                        weight[p] = occupancy[i] * occupancy[j]
                    count += 1
    return count


@njit(cache=True, parallel=True)
def _count_pairs(
    lattice, site_offsets, wrapped, cart, site_struct, usable, grid, reach,
    bin_struct_offsets, bin_offsets, bin_atoms, radius,
):  # fmt: skip
    m = wrapped.shape[0]
    counts = np.zeros(m, dtype=np.int64)
    shift = np.zeros((1, 3), dtype=np.int64)
    dummy_i = np.zeros(1, dtype=np.int64)
    dummy_im = np.zeros((1, 3), dtype=np.int64)
    dummy_d = np.zeros(1)
    for i in prange(m):
        if usable[site_struct[i]]:
            counts[i] = _visit_site(
                i, lattice, site_offsets, wrapped, shift, cart, site_struct, grid, reach,
                bin_struct_offsets, bin_offsets, bin_atoms, radius, 0,
                dummy_i, dummy_i, dummy_im, dummy_d, dummy_d, dummy_d, False,
            )  # fmt: skip
    return counts


@njit(cache=True, parallel=True)
def _fill_pairs(
    lattice, site_offsets, wrapped, shift, cart, site_struct, usable, grid, reach,
    bin_struct_offsets, bin_offsets, bin_atoms, radius, site_pair_offsets, occupancy,
):  # fmt: skip
    total = site_pair_offsets[-1]
    center = np.empty(total, dtype=np.int64)
    neighbor = np.empty(total, dtype=np.int64)
    image = np.empty((total, 3), dtype=np.int64)
    distance = np.empty(total)
    weight = np.empty(total)
    for i in prange(wrapped.shape[0]):
        if usable[site_struct[i]] and site_pair_offsets[i + 1] > site_pair_offsets[i]:
            _visit_site(
                i, lattice, site_offsets, wrapped, shift, cart, site_struct, grid, reach,
                bin_struct_offsets, bin_offsets, bin_atoms, radius, site_pair_offsets[i],
                center, neighbor, image, distance, weight, occupancy, True,
            )  # fmt: skip
    return center, neighbor, image, distance, weight
