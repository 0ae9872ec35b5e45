"""Bond-valence site energy (BVSE) of a mobile ion on a periodic grid: parameters and Numba kernel.

The site energy of a test cation A (Li+, Na+) at position r is the occupancy-weighted sum over framework
ions X within ``r_cut``:

* X an anion (opposite charge): softBV Morse-type bond energy (Chen, Wong & Adams 2019)
  ``E = D0/2 * [(exp(alpha (R_min - R)) - 1)^2 - 1]`` with ``alpha = 1/b``; the factor 1/2 follows
  bvlain 0.25.1 (the shipped CSV's ``d0`` is softBV's, the kernel uses ``d0 / 2``).
* X a cation (same sign): screened Coulomb repulsion
  ``E = 14.4 * q_A q_X / sqrt(n_A n_X) / R * erfc(R / (f (r_A + r_X)))`` (eV, Angstrom), with ``n`` the
  principal quantum number, ``r`` the covalent radius and ``f = 0.74`` the screening factor.

Each framework occupant contributes with its occupancy, so partially occupied (disordered) structures
work; the mobile ion's own occupants are not part of the framework.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
from numba import njit, prange

from electroscreen.data.formula import SYMBOL_TO_Z

__all__ = [
    "BVParameters",
    "COULOMB",
    "COULOMB_EV_A",
    "MORSE",
    "PARALLEL_MIN_POINTS",
    "bvse_grid",
    "bvse_grid_reference",
    "load_bv_parameters",
]

MORSE = 0
COULOMB = 1
#: e^2 / (4 pi eps0) in eV Angstrom, as used by softBV and bvlain.
COULOMB_EV_A = 14.4


@dataclass(frozen=True)
class BVParameters:
    """softBV parameters of one mobile ion.

    Attributes
    ----------
    mobile_z : int
        Atomic number of the mobile ion.
    mobile_charge : int
    morse : dict
        ``(Z, charge) -> (r_min, alpha, d0)`` for every counter-ion with published parameters.
    quantum_number, covalent_radius : dict
        Per atomic number: principal quantum number and covalent radius (Angstrom).
    """

    mobile_z: int
    mobile_charge: int
    morse: dict[tuple[int, int], tuple[float, float, float]]
    quantum_number: dict[int, int]
    covalent_radius: dict[int, float]


@cache
def _parameter_table() -> pd.DataFrame:
    path = resources.files("electroscreen.featurizers") / "data" / "softbv_params.csv"
    with path.open() as fh:
        return pd.read_csv(fh)


@cache
def load_bv_parameters(mobile_ion: str) -> BVParameters:
    """softBV parameters for ``mobile_ion`` (``"Li"`` or ``"Na"``, always +1) from the shipped CSV.

    Raises
    ------
    ValueError
        No parameters for this mobile ion.
    """
    table = _parameter_table()
    morse_rows = table[(table["table"] == "morse") & (table["mobile_ion"] == mobile_ion)]
    if morse_rows.empty:
        known = sorted(table.loc[table["table"] == "morse", "mobile_ion"].unique())
        raise ValueError(f"no softBV parameters for mobile ion {mobile_ion!r}; known: {known}")
    morse = {
        (SYMBOL_TO_Z[row.element], int(row.charge)): (
            float(row.r_min),
            1.0 / float(row.b),
            float(row.d0),
        )
        for row in morse_rows.itertuples(index=False)
    }
    ions = table[table["table"] == "ion"]
    zs = [SYMBOL_TO_Z[s] for s in ions["element"]]
    return BVParameters(
        mobile_z=SYMBOL_TO_Z[mobile_ion],
        mobile_charge=int(morse_rows["mobile_charge"].iloc[0]),
        morse=morse,
        quantum_number=dict(zip(zs, ions["principal_quantum_number"].astype(int), strict=True)),
        covalent_radius=dict(zip(zs, ions["covalent_radius"].astype(float), strict=True)),
    )


@njit(cache=True)
def _images(lattice: np.ndarray, frac: np.ndarray, r_cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian positions of all periodic images that can lie within ``r_cut`` of the unit cell.

    Returns the positions (P, 3) and, for each, the index of its framework entry.
    """
    inv = np.linalg.inv(lattice)
    reach = np.empty(3)
    for a in range(3):
        # |df_a| <= r |b*_a| for a displacement of length r (b* = rows of inv(lattice).T).
        reach[a] = r_cut * math.sqrt(inv[0, a] ** 2 + inv[1, a] ** 2 + inv[2, a] ** 2)
    n = np.empty(3, dtype=np.int64)
    for a in range(3):
        n[a] = int(math.ceil(reach[a])) + 1
    total = frac.shape[0] * (2 * n[0] + 1) * (2 * n[1] + 1) * (2 * n[2] + 1)
    pos = np.empty((total, 3))
    owner = np.empty(total, dtype=np.int64)
    count = 0
    for e in range(frac.shape[0]):
        f0 = frac[e, 0] - math.floor(frac[e, 0])
        f1 = frac[e, 1] - math.floor(frac[e, 1])
        f2 = frac[e, 2] - math.floor(frac[e, 2])
        for ta in range(-n[0], n[0] + 1):
            g0 = f0 + ta
            if g0 < -reach[0] or g0 > 1.0 + reach[0]:
                continue
            for tb in range(-n[1], n[1] + 1):
                g1 = f1 + tb
                if g1 < -reach[1] or g1 > 1.0 + reach[1]:
                    continue
                for tc in range(-n[2], n[2] + 1):
                    g2 = f2 + tc
                    if g2 < -reach[2] or g2 > 1.0 + reach[2]:
                        continue
                    for c in range(3):
                        pos[count, c] = g0 * lattice[0, c] + g1 * lattice[1, c] + g2 * lattice[2, c]
                    owner[count] = e
                    count += 1
    return pos[:count], owner[:count]


#: Grids with at least this many points are filled in parallel (smaller ones are not worth the
#: thread start-up, and suffer most when the cores are shared).
PARALLEL_MIN_POINTS = 32_768


@njit(cache=True)
def _fill_block(
    blk: int,
    energy: np.ndarray,
    lattice: np.ndarray,
    pos: np.ndarray,
    owner: np.ndarray,
    kind: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    block: int,
    r_cut: float,
) -> None:
    """Energies of the grid points in block ``blk`` (a ``block``-sided brick of the grid)."""
    ma, mb, mc = energy.shape
    nb = (mb + block - 1) // block
    nc = (mc + block - 1) // block
    r_cut2 = r_cut * r_cut
    i0 = (blk // (nb * nc)) * block
    j0 = ((blk // nc) % nb) * block
    k0 = (blk % nc) * block
    i1, j1, k1 = min(i0 + block, ma), min(j0 + block, mb), min(k0 + block, mc)
    # Bounding sphere of the block's points.
    lo = np.array([i0 / ma, j0 / mb, k0 / mc])
    hi = np.array([(i1 - 1) / ma, (j1 - 1) / mb, (k1 - 1) / mc])
    centre = np.empty(3)
    for c in range(3):
        centre[c] = 0.0
        for a in range(3):
            centre[c] += 0.5 * (lo[a] + hi[a]) * lattice[a, c]
    radius = 0.0
    for corner in range(8):
        d2 = 0.0
        for c in range(3):
            x = -centre[c]
            for a in range(3):
                f = hi[a] if (corner >> a) & 1 else lo[a]
                x += f * lattice[a, c]
            d2 += x * x
        radius = max(radius, math.sqrt(d2))
    reach2 = (r_cut + radius) ** 2
    # Gather the images near this block into contiguous arrays, one set per interaction kind.
    near = np.empty((pos.shape[0], 6))
    n_morse = 0
    n_coul = pos.shape[0]
    for p in range(pos.shape[0]):
        d2 = 0.0
        for c in range(3):
            x = pos[p, c] - centre[c]
            d2 += x * x
        if d2 > reach2:
            continue
        e = owner[p]
        if kind[e] == MORSE:
            slot = n_morse
            n_morse += 1
        else:
            n_coul -= 1
            slot = n_coul
        near[slot, 0] = pos[p, 0]
        near[slot, 1] = pos[p, 1]
        near[slot, 2] = pos[p, 2]
        near[slot, 3] = p0[e]
        near[slot, 4] = p1[e]
        near[slot, 5] = p2[e]
    for i in range(i0, i1):
        for j in range(j0, j1):
            for k in range(k0, k1):
                fi, fj, fk = i / ma, j / mb, k / mc
                x0 = fi * lattice[0, 0] + fj * lattice[1, 0] + fk * lattice[2, 0]
                x1 = fi * lattice[0, 1] + fj * lattice[1, 1] + fk * lattice[2, 1]
                x2 = fi * lattice[0, 2] + fj * lattice[1, 2] + fk * lattice[2, 2]
                total = 0.0
                for q in range(n_morse):  # p0 = r_min, p1 = alpha, p2 = weight * d0 / 2
                    d0 = near[q, 0] - x0
                    d1 = near[q, 1] - x1
                    d2 = near[q, 2] - x2
                    r2 = d0 * d0 + d1 * d1 + d2 * d2
                    if r2 < r_cut2:
                        x = math.exp(near[q, 4] * (near[q, 3] - math.sqrt(r2)))
                        total += near[q, 5] * (x * x - 2.0 * x)
                for q in range(n_coul, pos.shape[0]):  # p0 = prefactor, p1 = 1 / screening
                    d0 = near[q, 0] - x0
                    d1 = near[q, 1] - x1
                    d2 = near[q, 2] - x2
                    r2 = d0 * d0 + d1 * d1 + d2 * d2
                    if r2 < r_cut2:
                        r = max(math.sqrt(r2), 1e-6)
                        total += near[q, 3] / r * math.erfc(r * near[q, 4])
                energy[i, j, k] = total


@njit(cache=True)
def _n_blocks(shape: np.ndarray, block: int) -> int:
    return (
        ((shape[0] + block - 1) // block)
        * ((shape[1] + block - 1) // block)
        * ((shape[2] + block - 1) // block)
    )


@njit(cache=True)
def _grid_serial(lattice, frac, kind, p0, p1, p2, shape, r_cut, block):  # noqa: ANN001, ANN202
    energy = np.zeros((shape[0], shape[1], shape[2]))
    pos, owner = _images(lattice, frac, r_cut)
    for blk in range(_n_blocks(shape, block)):
        _fill_block(blk, energy, lattice, pos, owner, kind, p0, p1, p2, block, r_cut)
    return energy


@njit(cache=True, parallel=True)
def _grid_parallel(lattice, frac, kind, p0, p1, p2, shape, r_cut, block):  # noqa: ANN001, ANN202
    energy = np.zeros((shape[0], shape[1], shape[2]))
    pos, owner = _images(lattice, frac, r_cut)
    for blk in prange(_n_blocks(shape, block)):
        _fill_block(blk, energy, lattice, pos, owner, kind, p0, p1, p2, block, r_cut)
    return energy


def bvse_grid(
    lattice: np.ndarray,
    frac: np.ndarray,
    kind: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    shape: np.ndarray,
    r_cut: float,
    block: int = 6,
) -> np.ndarray:
    """Site energy of the mobile ion at every point of a periodic grid.

    Parameters
    ----------
    lattice : ndarray, shape (3, 3)
        Row vectors in Angstrom.
    frac : ndarray, shape (K, 3)
        Fractional positions of the framework entries (one per occupant).
    kind : ndarray of int64, shape (K,)
        ``MORSE`` or ``COULOMB``.
    p0, p1, p2 : ndarray, shape (K,)
        Pair parameters with the occupancy folded in: Morse ``(r_min, alpha, w d0 / 2)``,
        Coulomb ``(w 14.4 q_A q_X / sqrt(n_A n_X), 1 / (f (r_A + r_X)), unused)``.
    shape : ndarray of int64, shape (3,)
        Grid points along a, b, c; point ``(i, j, k)`` sits at ``(i/ma, j/mb, k/mc)``.
    r_cut : float
        Interaction cutoff in Angstrom.
    block : int
        Grid points per block edge; each block gathers the images near it once (a cell list),
        and blocks are filled in parallel on grids of ``PARALLEL_MIN_POINTS`` points or more.

    Returns
    -------
    ndarray, shape (ma, mb, mc)
        Energies in eV.
    """
    shape = np.asarray(shape, dtype=np.int64)
    args = (
        np.ascontiguousarray(lattice, dtype=np.float64),
        np.ascontiguousarray(frac, dtype=np.float64),
        np.asarray(kind, dtype=np.int64),
        np.asarray(p0, dtype=np.float64),
        np.asarray(p1, dtype=np.float64),
        np.asarray(p2, dtype=np.float64),
        shape,
        float(r_cut),
        int(block),
    )
    if int(np.prod(shape)) >= PARALLEL_MIN_POINTS:
        return _grid_parallel(*args)
    return _grid_serial(*args)


def bvse_grid_reference(
    lattice: np.ndarray,
    frac: np.ndarray,
    kind: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    points: np.ndarray,
    r_cut: float,
) -> np.ndarray:
    """Plain NumPy energies at fractional ``points`` (P, 3): brute force over a large supercell.

    Independent of the kernel's image search and blocking; for tests.
    """
    from scipy.special import erfc

    heights = abs(np.linalg.det(lattice)) / np.linalg.norm(
        np.cross(lattice[[1, 2, 0]], lattice[[2, 0, 1]]), axis=1
    )
    n = np.ceil(r_cut / heights).astype(int) + 1
    shifts = np.stack(
        np.meshgrid(*[np.arange(-k, k + 1) for k in n], indexing="ij"), axis=-1
    ).reshape(-1, 3)
    wrapped = np.mod(frac, 1.0)
    images = (wrapped[None, :, :] + shifts[:, None, :]).reshape(-1, 3) @ lattice  # (S*K, 3)
    entry = np.tile(np.arange(len(frac)), len(shifts))
    out = np.zeros(len(points))
    for i, point in enumerate(np.mod(points, 1.0) @ lattice):
        r = np.linalg.norm(images - point, axis=1)
        inside = r < r_cut
        r, e = np.maximum(r[inside], 1e-6), entry[inside]
        morse = kind[e] == MORSE
        x = np.exp(p1[e][morse] * (p0[e][morse] - r[morse]))
        coulomb = ~morse
        rc = r[coulomb]
        out[i] = (p2[e][morse] * (x * x - 2 * x)).sum() + (
            p0[e][coulomb] / rc * erfc(rc * p1[e][coulomb])
        ).sum()
    return out
