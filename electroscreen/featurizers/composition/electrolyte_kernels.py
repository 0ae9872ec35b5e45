"""Numba kernels of :class:`~electroscreen.featurizers.composition.electrolyte.ElectrolyteComposition`.

One row of descriptors per CSR-packed composition with one oxidation state per entry, in parallel
(:func:`electrolyte_kernel`) or on one thread for small batches (:func:`electrolyte_serial`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from electroscreen.featurizers.elements import OXIDATION_OFFSET

__all__ = ["electrolyte_kernel", "electrolyte_serial"]


@njit(cache=True)
def _weighted_mean_std(values: np.ndarray, weights: np.ndarray, count: int) -> tuple[float, float]:
    """Weighted mean and population standard deviation of the first ``count`` entries."""
    total = 0.0
    acc = 0.0
    for j in range(count):
        total += weights[j]
        acc += weights[j] * values[j]
    if total <= 0.0:
        return np.nan, np.nan
    mean = acc / total
    var = 0.0
    for j in range(count):
        var += weights[j] * (values[j] - mean) ** 2
    return mean, np.sqrt(var / total)


@njit(cache=True)
def _electrolyte_row(
    offsets,
    z,
    amount,
    oxidation,
    residual,
    mixed,
    carrier_z,
    anion_z,
    carrier,
    radius,
    hardness,
    chi,
    i,
    out,
    problem,
):
    """Descriptors of composition ``i`` into ``out[i]``, its problem code into ``problem[i]``."""
    n_car = carrier_z.shape[0]
    n_an = anion_z.shape[0]
    lo = offsets[i]
    hi = offsets[i + 1]
    m = hi - lo
    if m == 0:
        return
    total = 0.0
    for k in range(lo, hi):
        total += amount[k]
    # carrier ions: fraction and count, and which one is the carrier
    best = carrier
    best_amount = 0.0
    for c in range(n_car):
        count = 0.0
        for k in range(lo, hi):
            if z[k] == carrier_z[c]:
                count += amount[k]
        out[i, 2 * c] = count / total
        out[i, 2 * c + 1] = count
        if carrier == 0 and count > best_amount:
            best = carrier_z[c]
            best_amount = count
    col = 2 * n_car
    # oxidation-dependent descriptors
    if np.isnan(oxidation[lo]):
        problem[i] = 1
        return
    anion_total = 0.0
    for k in range(lo, hi):
        if oxidation[k] < 0:
            anion_total += amount[k]
    out[i, col + n_an + 8] = residual[i]
    out[i, col + n_an + 9] = mixed[i]
    if anion_total <= 0.0:
        problem[i] = 2
        return
    for a in range(n_an):
        share = 0.0
        for k in range(lo, hi):
            if oxidation[k] < 0 and z[k] == anion_z[a]:
                share += amount[k]
        out[i, col + a] = share / anion_total
    col += n_an
    cat_r = np.empty(m)
    cat_w = np.empty(m)
    an_r = np.empty(m)
    an_w = np.empty(m)
    an_eta = np.empty(m)
    fw_eta = np.empty(m)
    fw_w = np.empty(m)
    n_cat = 0
    n_an_entries = 0
    n_fw = 0
    chi_cat = 0.0
    w_cat = 0.0
    chi_an = 0.0
    for k in range(lo, hi):
        ox = int(np.floor(oxidation[k] + 0.5))
        j = min(max(ox, -OXIDATION_OFFSET), OXIDATION_OFFSET) + OXIDATION_OFFSET
        if oxidation[k] < 0:
            an_r[n_an_entries] = radius[z[k], j]
            an_w[n_an_entries] = amount[k]
            an_eta[n_an_entries] = hardness[z[k], j]
            n_an_entries += 1
            chi_an += amount[k] * chi[z[k]]
        elif oxidation[k] > 0:
            chi_cat += amount[k] * chi[z[k]]
            w_cat += amount[k]
            if z[k] == 1:
                continue  # protons: see the docstring of composition.electrolyte
            cat_r[n_cat] = radius[z[k], j]
            cat_w[n_cat] = amount[k]
            n_cat += 1
            if z[k] != best:
                fw_eta[n_fw] = hardness[z[k], j]
                fw_w[n_fw] = amount[k]
                n_fw += 1
    mean, std = _weighted_mean_std(cat_r, cat_w, n_cat)
    out[i, col] = mean
    out[i, col + 1] = std
    mean, std = _weighted_mean_std(an_r, an_w, n_an_entries)
    out[i, col + 2] = mean
    out[i, col + 3] = std
    if w_cat > 0.0:
        out[i, col + 4] = chi_an / anion_total - chi_cat / w_cat
    eta_an, _ = _weighted_mean_std(an_eta, an_w, n_an_entries)
    eta_fw, _ = _weighted_mean_std(fw_eta, fw_w, n_fw)
    out[i, col + 5] = eta_fw
    out[i, col + 6] = eta_an
    out[i, col + 7] = eta_fw - eta_an
    if np.isnan(out[i, col]) or np.isnan(out[i, col + 2]):
        problem[i] = 3
    elif np.isnan(eta_an) or (n_fw > 0 and np.isnan(eta_fw)):
        problem[i] = 4
    elif n_fw == 0:
        problem[i] = 5


@njit(cache=True, parallel=True)
def electrolyte_kernel(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    oxidation: np.ndarray,
    residual: np.ndarray,
    mixed: np.ndarray,
    carrier_z: np.ndarray,
    anion_z: np.ndarray,
    carrier: int,
    radius: np.ndarray,
    hardness: np.ndarray,
    chi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Electrolyte descriptors for CSR-packed compositions with one oxidation state per entry.

    Parameters
    ----------
    offsets, z, amount : CSR composition arrays (see ``PackedCompositions``).
    oxidation : float64 (K,)
        Oxidation state of each entry; NaN when none could be assigned.
    residual : float64 (N,)
        Net charge per formula unit of the assigned states.
    mixed : float64 (N,)
        1.0 when one element needed a mixed (non-integer) valence, else 0.0.
    carrier_z, anion_z : int64
        Atomic numbers of the carrier ions and of the anion families, in feature order.
    carrier : int
        Atomic number of the carrier ion, or 0 for "the most abundant of ``carrier_z``".
    radius, hardness : float64 (Zmax + 1, 17)
        Ion tables indexed ``[Z, ox + 8]``.
    chi : float64 (Zmax + 1,)
        Electronegativity per element.

    Returns
    -------
    values : float64 (N, F)
    problem : int64 (N,)
        Index into the status codes (0 = ok); the first problem found.
    """
    n = offsets.shape[0] - 1
    out = np.full((n, 2 * carrier_z.shape[0] + anion_z.shape[0] + 10), np.nan)
    problem = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        _electrolyte_row(
            offsets,
            z,
            amount,
            oxidation,
            residual,
            mixed,
            carrier_z,
            anion_z,
            carrier,
            radius,
            hardness,
            chi,
            i,
            out,
            problem,
        )
    return out, problem


@njit(cache=True)
def electrolyte_serial(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    oxidation: np.ndarray,
    residual: np.ndarray,
    mixed: np.ndarray,
    carrier_z: np.ndarray,
    anion_z: np.ndarray,
    carrier: int,
    radius: np.ndarray,
    hardness: np.ndarray,
    chi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`electrolyte_kernel` on one thread, for small batches."""
    n = offsets.shape[0] - 1
    out = np.full((n, 2 * carrier_z.shape[0] + anion_z.shape[0] + 10), np.nan)
    problem = np.zeros(n, dtype=np.int64)
    for i in range(n):
        _electrolyte_row(
            offsets,
            z,
            amount,
            oxidation,
            residual,
            mixed,
            carrier_z,
            anion_z,
            carrier,
            radius,
            hardness,
            chi,
            i,
            out,
            problem,
        )
    return out, problem
