"""Bond-valence sums and the global instability index (GII): parameters and Numba kernels.

The valence of a bond between a cation and an anion at distance ``R`` (Angstrom) is
``s = exp((R0 - R) / b)``; the bond-valence sum (BVS) of an ion is the sum of ``s`` over its
counter-ions within ``cutoff``, each weighted by its occupancy, so disordered sites work. The global
instability index (Salinas-Sanchez et al. 1992) is the root-mean-square deviation of the BVS from
the formal valence, here weighted by the occupancy of every occupant of every site:

``GII = sqrt( sum_ij f_ij (BVS_ij - |V_j|)^2 / sum_ij f_ij )``

(``i`` a site, ``j`` an occupant with fraction ``f_ij`` and formal valence ``V_j``). Only pairs of
opposite formal sign bond; neutral occupants take no part.

Parameters (``R0, b``) of a cation-anion pair come from the first of these that has it:

1. ``"softbv"`` only (the default): the carrier pairs (Li+ and Na+ with each anion) take the softBV
   ``R0, b`` already shipped in ``featurizers/data/softbv_params.csv`` (H. Chen, L. L. Wong,
   S. Adams, *Acta Cryst.* B75, 18 (2019)), the set the BVSE barriers use.
2. ``"softbv"`` and ``"tabulated"``: the tabulated pair for the two ions' valences in
   ``featurizers/data/bv_params.csv`` (Brown & Altermatt 1985 and Brese & O'Keeffe 1991, b = 0.37 A,
   from I. D. Brown's ``bvparm2020.cif``; ``scripts/build_bv_table.py``).
3. All sets (``"brese1991"`` uses only this, as :func:`pymatgen.analysis.bond_valence.calculate_bv_sum`
   does): ``R0`` estimated from Brese & O'Keeffe's element constants ``r, c`` (*Acta Cryst.* B47, 192
   (1991)) as ``R0 = r1 + r2 - r1 r2 (sqrt(c1) - sqrt(c2))^2 / (c1 r1 + c2 r2)``, with ``b`` = 0.37 A;
   the constants are read at run time from the copy pymatgen ships
   (``pymatgen/core/bvparam_1991.yaml``), not copied here.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml
from numba import njit, prange

from electroscreen.data.formula import SYMBOL_TO_Z

__all__ = [
    "BRESE_OKEEFFE_B",
    "PARAMETER_SETS",
    "brese_okeeffe_r0",
    "gii_at_scale",
    "minimise_gii",
    "pair_tables",
]

#: Softness of the Brese-O'Keeffe parameters (Angstrom), the value their R0 were fitted with.
BRESE_OKEEFFE_B = 0.37
PARAMETER_SETS = ("softbv", "tabulated", "brese1991")
BRESE_OKEEFFE_CITATION = (
    "N. E. Brese, M. O'Keeffe, Bond-valence parameters for solids, Acta Cryst. B47, 192-197 "
    "(1991), doi:10.1107/S0108768190011041 (element constants r, c as shipped with pymatgen)"
)
SOFTBV_CITATION = (
    "H. Chen, L. L. Wong, S. Adams, SoftBV - a software tool for screening the materials genome "
    "of inorganic fast ion conductors, Acta Cryst. B75, 18-33 (2019), doi:10.1107/S2052520618015718"
)
TABULATED_CITATION = (
    "I. D. Brown, accumulated table of bond valence parameters bvparm2020.cif (IUCr); entries of "
    "I. D. Brown, D. Altermatt, Acta Cryst. B41, 244-247 (1985) and N. E. Brese, M. O'Keeffe, "
    "Acta Cryst. B47, 192-197 (1991)"
)
GII_CITATION = (
    "A. Salinas-Sanchez, J. L. Garcia-Munoz, J. Rodriguez-Carvajal, R. Saez-Puche, J. L. Martinez, "
    "Structural characterization of R2BaCuO5 (R = Y, Lu, Yb, Tm, Er, Ho, Dy, Gd, Eu and Sm) oxides "
    "by X-ray and neutron diffraction, J. Solid State Chem. 100, 201-211 (1992) (global "
    "instability index)"
)


@cache
def _brese_okeeffe_constants() -> dict[int, tuple[float, float]]:
    """Atomic number -> ``(r, c)`` of Brese & O'Keeffe (1991), from pymatgen's copy."""
    path = resources.files("pymatgen.core") / "bvparam_1991.yaml"
    with path.open() as fh:
        table = yaml.safe_load(fh)
    return {SYMBOL_TO_Z[symbol]: (float(v["r"]), float(v["c"])) for symbol, v in table.items()}


def brese_okeeffe_r0(z1: int, z2: int) -> float:
    """Brese-O'Keeffe ``R0`` (Angstrom) of the element pair, NaN where an element has no constants."""
    constants = _brese_okeeffe_constants()
    if z1 not in constants or z2 not in constants:
        return math.nan
    r1, c1 = constants[z1]
    r2, c2 = constants[z2]
    return r1 + r2 - r1 * r2 * (math.sqrt(c1) - math.sqrt(c2)) ** 2 / (c1 * r1 + c2 * r2)


@cache
def _softbv_pairs() -> dict[tuple[int, int], tuple[float, float]]:
    """``(carrier Z, anion Z) -> (R0, b)`` of the shipped softBV table (Li+, Na+)."""
    from electroscreen.featurizers.bvse.energy import _parameter_table

    table = _parameter_table()
    rows = table[table["table"] == "morse"]
    return {
        (SYMBOL_TO_Z[r.mobile_ion], SYMBOL_TO_Z[r.element]): (float(r.r0), float(r.b))
        for r in rows.itertuples(index=False)
    }


@cache
def _tabulated_pairs() -> dict[tuple[int, int, int, int], tuple[float, float]]:
    """``(cation Z, valence, anion Z, valence) -> (R0, b)`` of the shipped ``bv_params.csv``."""
    path = resources.files("electroscreen.featurizers") / "data" / "bv_params.csv"
    with path.open() as fh:
        table = pd.read_csv(fh)
    return {
        (
            SYMBOL_TO_Z[r.cation],
            int(r.cation_valence),
            SYMBOL_TO_Z[r.anion],
            int(r.anion_valence),
        ): (
            float(r.r0),
            float(r.b),
        )
        for r in table.itertuples(index=False)
    }


def pair_tables(
    z: np.ndarray,
    valence: np.ndarray,
    parameters: str = "softbv",
    b: float = BRESE_OKEEFFE_B,
) -> tuple[np.ndarray, np.ndarray]:
    """``R0`` and ``b`` of every pair of ion types, for the kernels.

    Parameters
    ----------
    z, valence : ndarray of int64, shape (T,)
        Atomic number and (rounded) formal valence of each ion type; the kernels index the tables
        by position.
    parameters : {"softbv", "tabulated", "brese1991"}
        Parameter set (see the module docstring).
    b : float
        Softness (Angstrom) of the pairs estimated from Brese-O'Keeffe constants (0.37 as
        published; pymatgen's ``calculate_bv_sum`` uses 0.31).

    Returns
    -------
    r0, b : ndarray of float64, shape (T, T)
        Symmetric; NaN where a cation-anion pair has no parameters (pairs of the same sign are not
        bonds and are filled as if they were, harmlessly).
    """
    if parameters not in PARAMETER_SETS:
        raise ValueError(f"parameters must be one of {PARAMETER_SETS}, got {parameters!r}")
    n = len(z)
    r0 = np.full((n, n), np.nan)
    bb = np.full((n, n), float(b))
    softbv = _softbv_pairs() if parameters == "softbv" else {}
    tabulated = _tabulated_pairs() if parameters != "brese1991" else {}
    for i in range(n):
        for j in range(i, n):
            (zc, qc), (za, qa) = sorted(
                [(int(z[i]), int(valence[i])), (int(z[j]), int(valence[j]))], key=lambda t: -t[1]
            )
            pair = softbv.get((zc, za)) if qc == 1 else None
            pair = pair or tabulated.get((zc, qc, za, qa))
            value, softness = pair if pair else (brese_okeeffe_r0(zc, za), float(b))
            r0[i, j] = r0[j, i] = value
            bb[i, j] = bb[j, i] = softness
    return r0, bb


@njit(cache=True)
def _occupant_sums(
    s, scale, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
    occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, out,
):  # fmt: skip
    """BVS of every occupant of structure ``s`` with all distances times ``scale``, into ``out``
    (indexed by global occupant). Returns False when a bonded pair within the cutoff has no R0."""
    complete = True
    for i in range(site_offsets[s], site_offsets[s + 1]):
        for a in range(occ_offsets[i], occ_offsets[i + 1]):
            out[a] = 0.0
        for p in range(site_pair_offsets[i], site_pair_offsets[i + 1]):
            r = scale * distance[p]
            if r > cutoff:
                continue
            k = neighbor[p]
            for a in range(occ_offsets[i], occ_offsets[i + 1]):
                va = occ_valence[a]
                ta = occ_type[a]
                for c in range(occ_offsets[k], occ_offsets[k + 1]):
                    if va * occ_valence[c] >= 0.0:
                        continue
                    rr = r0[ta, occ_type[c]]
                    if np.isnan(rr):
                        complete = False
                        continue
                    out[a] += occ_fraction[c] * math.exp((rr - r) / bb[ta, occ_type[c]])
    return complete


@njit(cache=True)
def _gii(s, scale, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
         occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work):  # fmt: skip
    """GII of structure ``s`` at lattice scale ``scale`` (NaN: a pair without parameters, or no
    charged occupant)."""
    complete = _occupant_sums(
        s, scale, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
        occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work,
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
def _minimise_one(s, lo, hi, n_grid, tol, cutoff, site_offsets, site_pair_offsets, neighbor,
                  distance, occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work):  # fmt: skip
    """Grid scan of ``[lo, hi]`` then golden-section search between the best point's neighbours."""
    best_k = 0
    best = np.inf
    step = (hi - lo) / (n_grid - 1)
    for k in range(n_grid):
        g = _gii(s, lo + k * step, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
                 occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work)  # fmt: skip
        if np.isnan(g):
            return np.nan, np.nan
        if g < best:
            best, best_k = g, k
    best_x = lo + best_k * step
    a = lo + max(best_k - 1, 0) * step
    c = lo + min(best_k + 1, n_grid - 1) * step
    x1 = c - _GOLDEN * (c - a)
    x2 = a + _GOLDEN * (c - a)
    f1 = _gii(s, x1, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
              occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work)  # fmt: skip
    f2 = _gii(s, x2, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
              occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work)  # fmt: skip
    while c - a > tol:
        if f1 <= f2:
            c, x2, f2 = x2, x1, f1
            x1 = c - _GOLDEN * (c - a)
            f1 = _gii(s, x1, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
                      occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work)  # fmt: skip
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + _GOLDEN * (c - a)
            f2 = _gii(s, x2, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
                      occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work)  # fmt: skip
    if f1 < best:
        best, best_x = f1, x1
    if f2 < best:
        best, best_x = f2, x2
    return best, best_x


@njit(cache=True, parallel=True)
def _minimise_parallel(structures, lo, hi, n_grid, tol, cutoff, site_offsets, site_pair_offsets,
                       neighbor, distance, occ_offsets, occ_type, occ_fraction, occ_valence, r0,
                       bb, gii, scale):  # fmt: skip
    work = np.zeros(occ_type.shape[0])  # each structure writes only its own occupants
    for q in prange(structures.shape[0]):
        s = structures[q]
        gii[s], scale[s] = _minimise_one(
            s, lo, hi, n_grid, tol, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
            occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work,
        )  # fmt: skip


@njit(cache=True)
def _minimise_serial(structures, lo, hi, n_grid, tol, cutoff, site_offsets, site_pair_offsets,
                     neighbor, distance, occ_offsets, occ_type, occ_fraction, occ_valence, r0,
                     bb, gii, scale):  # fmt: skip
    work = np.zeros(occ_type.shape[0])
    for q in range(structures.shape[0]):
        s = structures[q]
        gii[s], scale[s] = _minimise_one(
            s, lo, hi, n_grid, tol, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
            occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, work,
        )  # fmt: skip


#: Structures per call below which the minimisation runs on one thread.
PARALLEL_MIN_STRUCTURES = 16


def minimise_gii(
    structures: np.ndarray,
    bounds: tuple[float, float],
    cutoff: float,
    arrays: tuple[np.ndarray, ...],
    *,
    n_grid: int = 13,
    tol: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray]:
    """Lattice scale in ``bounds`` minimising each structure's GII, and that GII.

    Parameters
    ----------
    structures : ndarray of int64
        Structures to evaluate (indices into ``site_offsets``).
    bounds : (float, float)
        Isotropic scale factors of the lattice tried (``lo < hi``; the neighbour list must hold
        every pair within ``cutoff / lo``).
    cutoff : float
        Bond cutoff (Angstrom) in the *scaled* cell.
    arrays : tuple
        ``(site_offsets (N+1), site_pair_offsets (M+1), neighbor (P), distance (P), occ_offsets
        (M+1), occ_type (Z), occ_fraction (Z), occ_valence (Z), r0 (T, T), b (T, T))``.
    n_grid : int
        Points of the first, uniform scan of ``bounds`` (the GII of a cell can have several local
        minima); the golden-section search then refines between the best point's neighbours to
        ``tol``.

    Returns
    -------
    gii, scale : ndarray of float64, shape (N,)
        NaN for structures not in ``structures`` or with a bonded pair lacking parameters.
    """
    n = len(arrays[0]) - 1
    gii = np.full(n, np.nan)
    scale = np.full(n, np.nan)
    run = _minimise_parallel if len(structures) >= PARALLEL_MIN_STRUCTURES else _minimise_serial
    run(np.asarray(structures, dtype=np.int64), float(bounds[0]), float(bounds[1]), int(n_grid),
        float(tol), float(cutoff), *arrays, gii, scale)  # fmt: skip
    return gii, scale


@njit(cache=True)
def _gii_each(structures, scale, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
              occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, gii, sums):  # fmt: skip
    for q in range(structures.shape[0]):
        s = structures[q]
        gii[s] = _gii(s, scale, cutoff, site_offsets, site_pair_offsets, neighbor, distance,
                      occ_offsets, occ_type, occ_fraction, occ_valence, r0, bb, sums)  # fmt: skip


def gii_at_scale(
    structures: np.ndarray, scale: float, cutoff: float, arrays: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """GII of each structure at one lattice scale, and the BVS of every occupant (shape (Z,)).

    ``arrays`` as in :func:`minimise_gii`; NaN for structures not evaluated.
    """
    n = len(arrays[0]) - 1
    gii = np.full(n, np.nan)
    sums = np.full(len(arrays[5]), np.nan)
    _gii_each(np.asarray(structures, dtype=np.int64), float(scale), float(cutoff), *arrays, gii,
              sums)  # fmt: skip
    return gii, sums
