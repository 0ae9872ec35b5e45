"""Bond-valence sums and the global instability index (GII): Numba kernels.

The valence of a bond between a cation and an anion at distance ``R`` (Angstrom) is
``s = exp((R0 - R) / b)``; the bond-valence sum (BVS) of an ion is the sum of ``s`` over its
counter-ions within ``cutoff``, each weighted by its occupancy, so disordered sites work. The global
instability index (Salinas-Sanchez et al. 1992) is the root-mean-square deviation of the BVS from
the formal valence, here weighted by the occupancy of every occupant of every site:

``GII = sqrt( sum_ij f_ij (BVS_ij - |V_j|)^2 / sum_ij f_ij )``

(``i`` a site, ``j`` an occupant with fraction ``f_ij`` and formal valence ``V_j``). Only pairs of
opposite formal sign bond; neutral occupants take no part. ``R0, b`` of each pair come from
:func:`~electroscreen.featurizers.bvse.bond_valence.pair_tables`.

The lattice scale that minimises the GII is found by evaluating the sums ~35 times per structure,
so the bonds are first listed once (:func:`bond_terms`): for every occupant, the terms of its sum
(distance in the unscaled cell, ``R0``, ``b``, occupancy of the counter-ion) in neighbour-list
order. An evaluation at a scale then runs over these terms only, in the order the sum has always
been taken, so the values do not depend on the listing.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

__all__ = [
    "BondTerms",
    "bond_terms",
    "gii_at_scale",
    "max_site_deviation",
    "minimise_gii",
]


class BondTerms(NamedTuple):
    """Every structure's occupants and the terms of their bond-valence sums (kernel arrays).

    Attributes
    ----------
    site_offsets : ndarray of int64, shape (N + 1,)
        Sites of structure ``s``: ``site_offsets[s]:site_offsets[s + 1]``.
    occ_offsets : ndarray of int64, shape (M + 1,)
        Occupants of site ``i``: ``occ_offsets[i]:occ_offsets[i + 1]``.
    occ_fraction, occ_valence : ndarray of float64, shape (Z,)
        Occupancy and formal valence (0: takes no part) of each occupant.
    term_offsets : ndarray of int64, shape (Z + 1,)
        Terms of occupant ``a``'s sum: ``term_offsets[a]:term_offsets[a + 1]``.
    term_distance : ndarray of float64, shape (K,)
        Distance (Angstrom) to the counter-ion in the unscaled cell.
    term_r0, term_b : ndarray of float64, shape (K,)
        Bond-valence parameters of the pair (NaN ``R0``: no parameters).
    term_fraction : ndarray of float64, shape (K,)
        Occupancy of the counter-ion.
    """

    site_offsets: np.ndarray
    occ_offsets: np.ndarray
    occ_fraction: np.ndarray
    occ_valence: np.ndarray
    term_offsets: np.ndarray
    term_distance: np.ndarray
    term_r0: np.ndarray
    term_b: np.ndarray
    term_fraction: np.ndarray


@njit(cache=True, parallel=True)
def _count_terms(site_pair_offsets, neighbor, occ_offsets, occ_valence, counts):  # fmt: skip
    for i in prange(site_pair_offsets.shape[0] - 1):  # occupants of site i are written by i only
        for p in range(site_pair_offsets[i], site_pair_offsets[i + 1]):
            k = neighbor[p]
            for a in range(occ_offsets[i], occ_offsets[i + 1]):
                for c in range(occ_offsets[k], occ_offsets[k + 1]):
                    if occ_valence[a] * occ_valence[c] < 0.0:
                        counts[a] += 1


@njit(cache=True, parallel=True)
def _fill_terms(site_pair_offsets, neighbor, distance, occ_offsets, occ_type, occ_fraction,
                occ_valence, r0, bb, term_offsets, term_distance, term_r0, term_b,
                term_fraction):  # fmt: skip
    for i in prange(site_pair_offsets.shape[0] - 1):
        for a in range(occ_offsets[i], occ_offsets[i + 1]):
            t = term_offsets[a]
            for p in range(site_pair_offsets[i], site_pair_offsets[i + 1]):
                k = neighbor[p]
                for c in range(occ_offsets[k], occ_offsets[k + 1]):
                    if occ_valence[a] * occ_valence[c] < 0.0:
                        term_distance[t] = distance[p]
                        term_r0[t] = r0[occ_type[a], occ_type[c]]
                        term_b[t] = bb[occ_type[a], occ_type[c]]
                        term_fraction[t] = occ_fraction[c]
                        t += 1


def bond_terms(
    site_offsets: np.ndarray,
    site_pair_offsets: np.ndarray,
    neighbor: np.ndarray,
    distance: np.ndarray,
    occ_offsets: np.ndarray,
    occ_type: np.ndarray,
    occ_fraction: np.ndarray,
    occ_valence: np.ndarray,
    r0: np.ndarray,
    b: np.ndarray,
) -> BondTerms:
    """List the bonds of every occupant once, for the kernels.

    Parameters
    ----------
    site_offsets : ndarray of int64, shape (N + 1,)
    site_pair_offsets : ndarray of int64, shape (M + 1,)
        Neighbour pairs of site ``i`` (``neighbor``, ``distance`` of shape (P,), Angstrom), every
        pair within the largest cutoff the kernels will use in the unscaled cell.
    occ_offsets : ndarray of int64, shape (M + 1,)
    occ_type : ndarray of int64, shape (Z,)
        Ion type of each occupant (row and column of ``r0``, ``b``).
    occ_fraction, occ_valence : ndarray of float64, shape (Z,)
    r0, b : ndarray of float64, shape (T, T)
        :func:`~electroscreen.featurizers.bvse.bond_valence.pair_tables`.

    Returns
    -------
    BondTerms
        One term per occupant and opposite-sign counter-ion of every neighbour pair, in the order
        of the pairs, then of the counter-ion's occupants.
    """
    site_offsets, occ_offsets, occ_type = (
        np.asarray(a, dtype=np.int64).reshape(-1) for a in (site_offsets, occ_offsets, occ_type)
    )
    occ_fraction, occ_valence = (
        np.asarray(a, dtype=np.float64) for a in (occ_fraction, occ_valence)
    )
    counts = np.zeros(len(occ_valence), dtype=np.int64)
    _count_terms(site_pair_offsets, neighbor, occ_offsets, occ_valence, counts)
    term_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=term_offsets[1:])
    n = int(term_offsets[-1])
    term_distance, term_r0, term_b, term_fraction = (np.empty(n) for _ in range(4))
    _fill_terms(site_pair_offsets, neighbor, distance, occ_offsets, occ_type, occ_fraction,
                occ_valence, r0, b, term_offsets, term_distance, term_r0, term_b,
                term_fraction)  # fmt: skip
    return BondTerms(
        site_offsets,
        occ_offsets,
        occ_fraction,
        occ_valence,
        term_offsets,
        term_distance,
        term_r0,
        term_b,
        term_fraction,
    )


@njit(cache=True)
def _occupant_sums(s, scale, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence,
                   term_offsets, term_distance, term_r0, term_b, term_fraction, out):  # fmt: skip
    """BVS of every occupant of structure ``s`` with all distances times ``scale``, into ``out``
    (indexed by global occupant). Returns False when a bond within the cutoff has no R0."""
    complete = True
    for a in range(occ_offsets[site_offsets[s]], occ_offsets[site_offsets[s + 1]]):
        total = 0.0
        for t in range(term_offsets[a], term_offsets[a + 1]):
            r = scale * term_distance[t]
            if r > cutoff:
                continue
            if np.isnan(term_r0[t]):
                complete = False
                continue
            total += term_fraction[t] * math.exp((term_r0[t] - r) / term_b[t])
        out[a] = total
    return complete


@njit(cache=True)
def _gii(s, scale, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence, term_offsets,
         term_distance, term_r0, term_b, term_fraction, work):  # fmt: skip
    """GII of structure ``s`` at lattice scale ``scale`` (NaN: a bond without parameters, or no
    charged occupant)."""
    complete = _occupant_sums(
        s, scale, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence, term_offsets,
        term_distance, term_r0, term_b, term_fraction, work,
    )  # fmt: skip
    if not complete:
        return np.nan
    total = 0.0
    weight = 0.0
    for a in range(occ_offsets[site_offsets[s]], occ_offsets[site_offsets[s + 1]]):
        if occ_valence[a] == 0.0:
            continue
        dev = work[a] - abs(occ_valence[a])
        total += occ_fraction[a] * dev * dev
        weight += occ_fraction[a]
    if weight <= 0.0:
        return np.nan
    return math.sqrt(total / weight)


_GOLDEN = 0.5 * (math.sqrt(5.0) - 1.0)


@njit(cache=True)
def _minimise_one(s, lo, hi, n_grid, tol, cutoff, site_offsets, occ_offsets, occ_fraction,
                  occ_valence, term_offsets, term_distance, term_r0, term_b, term_fraction,
                  work):  # fmt: skip
    """Grid scan of ``[lo, hi]`` then golden-section search between the best point's neighbours."""
    terms = (site_offsets, occ_offsets, occ_fraction, occ_valence, term_offsets, term_distance,
             term_r0, term_b, term_fraction)  # fmt: skip
    best_k = 0
    best = np.inf
    step = (hi - lo) / (n_grid - 1)
    for k in range(n_grid):
        g = _gii(s, lo + k * step, cutoff, *terms, work)
        if np.isnan(g):
            return np.nan, np.nan
        if g < best:
            best, best_k = g, k
    best_x = lo + best_k * step
    a = lo + max(best_k - 1, 0) * step
    c = lo + min(best_k + 1, n_grid - 1) * step
    x1 = c - _GOLDEN * (c - a)
    x2 = a + _GOLDEN * (c - a)
    f1 = _gii(s, x1, cutoff, *terms, work)
    f2 = _gii(s, x2, cutoff, *terms, work)
    while c - a > tol:
        if f1 <= f2:
            c, x2, f2 = x2, x1, f1
            x1 = c - _GOLDEN * (c - a)
            f1 = _gii(s, x1, cutoff, *terms, work)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + _GOLDEN * (c - a)
            f2 = _gii(s, x2, cutoff, *terms, work)
    if f1 < best:
        best, best_x = f1, x1
    if f2 < best:
        best, best_x = f2, x2
    return best, best_x


@njit(cache=True, parallel=True)
def _minimise_parallel(structures, lo, hi, n_grid, tol, cutoff, site_offsets, occ_offsets,
                       occ_fraction, occ_valence, term_offsets, term_distance, term_r0, term_b,
                       term_fraction, gii, scale):  # fmt: skip
    work = np.zeros(occ_fraction.shape[0])  # each structure writes only its own occupants
    for q in prange(structures.shape[0]):
        s = structures[q]
        gii[s], scale[s] = _minimise_one(
            s, lo, hi, n_grid, tol, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence,
            term_offsets, term_distance, term_r0, term_b, term_fraction, work,
        )  # fmt: skip


@njit(cache=True)
def _minimise_serial(structures, lo, hi, n_grid, tol, cutoff, site_offsets, occ_offsets,
                     occ_fraction, occ_valence, term_offsets, term_distance, term_r0, term_b,
                     term_fraction, gii, scale):  # fmt: skip
    work = np.zeros(occ_fraction.shape[0])
    for q in range(structures.shape[0]):
        s = structures[q]
        gii[s], scale[s] = _minimise_one(
            s, lo, hi, n_grid, tol, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence,
            term_offsets, term_distance, term_r0, term_b, term_fraction, work,
        )  # fmt: skip


#: Structures per call below which the minimisation runs on one thread.
PARALLEL_MIN_STRUCTURES = 16


def minimise_gii(
    structures: np.ndarray,
    bounds: tuple[float, float],
    cutoff: float,
    terms: BondTerms,
    *,
    n_grid: int = 13,
    tol: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray]:
    """Lattice scale in ``bounds`` minimising each structure's GII, and that GII.

    Parameters
    ----------
    structures : ndarray of int64
        Structures to evaluate (indices into ``terms.site_offsets``).
    bounds : (float, float)
        Isotropic scale factors of the lattice tried (``lo < hi``; ``terms`` must hold every bond
        within ``cutoff / lo``).
    cutoff : float
        Bond cutoff (Angstrom) in the *scaled* cell.
    terms : BondTerms
    n_grid : int
        Points of the first, uniform scan of ``bounds`` (the GII of a cell can have several local
        minima); the golden-section search then refines between the best point's neighbours to
        ``tol``.

    Returns
    -------
    gii, scale : ndarray of float64, shape (N,)
        NaN for structures not in ``structures`` or with a bond lacking parameters.
    """
    n = len(terms.site_offsets) - 1
    gii = np.full(n, np.nan)
    scale = np.full(n, np.nan)
    run = _minimise_parallel if len(structures) >= PARALLEL_MIN_STRUCTURES else _minimise_serial
    run(np.asarray(structures, dtype=np.int64), float(bounds[0]), float(bounds[1]), int(n_grid),
        float(tol), float(cutoff), *terms, gii, scale)  # fmt: skip
    return gii, scale


@njit(cache=True)
def _gii_each(structures, scale, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence,
              term_offsets, term_distance, term_r0, term_b, term_fraction, gii, sums):  # fmt: skip
    for q in range(structures.shape[0]):
        s = structures[q]
        gii[s] = _gii(s, scale, cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence,
                      term_offsets, term_distance, term_r0, term_b, term_fraction, sums)  # fmt: skip


def gii_at_scale(
    structures: np.ndarray, scale: float, cutoff: float, terms: BondTerms
) -> tuple[np.ndarray, np.ndarray]:
    """GII of each structure at one lattice scale, and the BVS of every occupant (shape (Z,)).

    NaN for structures not evaluated.
    """
    n = len(terms.site_offsets) - 1
    gii = np.full(n, np.nan)
    sums = np.full(len(terms.occ_fraction), np.nan)
    _gii_each(np.asarray(structures, dtype=np.int64), float(scale), float(cutoff), *terms, gii,
              sums)  # fmt: skip
    return gii, sums


@njit(cache=True)
def _max_site_each(structures, scales, cutoff, site_offsets, occ_offsets, occ_fraction,
                   occ_valence, term_offsets, term_distance, term_r0, term_b, term_fraction, out,
                   work):  # fmt: skip
    for q in range(structures.shape[0]):
        s = structures[q]
        if np.isnan(scales[s]):
            continue
        complete = _occupant_sums(
            s, scales[s], cutoff, site_offsets, occ_offsets, occ_fraction, occ_valence,
            term_offsets, term_distance, term_r0, term_b, term_fraction, work,
        )  # fmt: skip
        if not complete:
            continue
        worst = -1.0
        for i in range(site_offsets[s], site_offsets[s + 1]):
            dev = 0.0
            for a in range(occ_offsets[i], occ_offsets[i + 1]):
                if occ_valence[a] != 0.0:
                    dev += occ_fraction[a] * abs(work[a] - abs(occ_valence[a]))
            worst = max(worst, dev)
        if worst >= 0.0:
            out[s] = worst


def max_site_deviation(
    structures: np.ndarray, scales: np.ndarray, cutoff: float, terms: BondTerms
) -> np.ndarray:
    """Largest occupancy-weighted bond-valence deviation of any site, at each structure's scale.

    For site ``i`` with occupants ``j`` (fraction ``f_ij``, formal valence ``V_j``) the deviation is
    ``sum_j f_ij |BVS_ij - |V_j||`` (v.u.): a fully occupied site counts in full, a site half
    vacant counts half, so split and partially occupied positions of a disordered cell weigh what
    they hold. The GII averages such deviations over every ion; this is their maximum, which one
    misfit ion on a minority site cannot dilute.

    Parameters
    ----------
    structures : ndarray of int64
        Structures to evaluate (indices into ``terms.site_offsets``).
    scales : ndarray of float64, shape (N,)
        Lattice scale of every structure (e.g. the one :func:`minimise_gii` returns); NaN skips.
    cutoff : float
        Bond cutoff (Angstrom) in the scaled cell.
    terms : BondTerms

    Returns
    -------
    ndarray of float64, shape (N,)
        NaN for structures not evaluated, with a NaN scale, or with a bond lacking ``R0``.
    """
    n = len(terms.site_offsets) - 1
    out = np.full(n, np.nan)
    work = np.zeros(len(terms.occ_fraction))
    _max_site_each(np.asarray(structures, dtype=np.int64),
                   np.asarray(scales, dtype=np.float64), float(cutoff), *terms, out, work)  # fmt: skip
    return out
