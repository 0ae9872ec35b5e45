"""Numba kernels of the electrochemical window: the Charnes-Cooper LP of one limit and both limits of
every stacked candidate in parallel (for a trace of pure elements in a plain hull: its compound part).

The method is described in :mod:`electroscreen.featurizers.thermo.window`, whose
:class:`~electroscreen.featurizers.thermo.window.ElectrochemicalWindow` calls these.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from electroscreen.featurizers.thermo.hull import (
    _pivot,
    _simplex,
    hull_decomposition,
    hull_energy,
    system_block,
)

__all__ = ["ELEMENTAL_FRACTION_TOL", "TRACE_FRACTION", "window_lp", "window_packed"]

#: Smallest atom fraction of pure elements in a plain-hull candidate's decomposition that counts;
#: below it the fraction is LP round-off.
ELEMENTAL_FRACTION_TOL = 1e-9
#: Largest atom fraction of pure elements read as composition noise: a composition off charge
#: balance by the rounding of its occupancies (up to 8e-4 in the OBELiX and demo pools) holds a
#: trace of S, Li, ... whose potential would pin both limits; the window is then that of the
#: compound part of the decomposition. Above it the row is ``window_elemental_hull``.
TRACE_FRACTION = 1e-3


@njit(cache=True)
def window_lp(
    matrix: np.ndarray, energy: np.ndarray, comp: np.ndarray, e_comp: float, carrier: int,
    oxidation: bool, out_idx: np.ndarray, out_amt: np.ndarray,
) -> tuple[float, float, bool]:  # fmt: skip
    """One side of the window of ``comp`` (atom fractions) with enthalpy ``e_comp`` (eV/atom).

    ``matrix`` (n, d) starts with the d pure elements; ``carrier`` is the carrier's column.
    Returns ``(voltage, carrier atoms exchanged per atom of comp, converged)`` and fills the
    products' entry indices and atoms per atom of ``comp`` (``out_idx`` -1 padded). At the
    reduction limit with nothing to react (stable against the metal) the exchange is 0.
    """
    n, d = matrix.shape
    tab = np.zeros((d + 1, n + 2))  # entries y, t, right-hand side
    basis = np.empty(d, dtype=np.int64)
    sign = -1.0 if oxidation else 1.0
    for k in range(d):
        row_sign = sign if k == carrier else 1.0
        for j in range(n):
            tab[k, j] = row_sign * matrix[j, k]
        tab[k, n] = -row_sign * comp[k]
        basis[k] = k
    tab[carrier, n + 1] = 1.0
    for j in range(n):
        tab[d, j] = energy[j]
    tab[d, n] = -e_comp
    if oxidation:  # start from the fully delithiated side: t basic in the carrier row
        _pivot(tab, basis, carrier, n)
    ok = _simplex(tab, basis, 50 * (n + d + 1))
    value = -tab[d, n + 1]
    t = 0.0
    for i in range(d):
        if basis[i] == n:
            t = tab[i, n + 1]
    for i in range(d):
        out_idx[i] = -1
        out_amt[i] = 0.0
        if t > 1e-12 and basis[i] < n and tab[i, n + 1] > 1e-12:
            out_idx[i] = basis[i]
            out_amt[i] = tab[i, n + 1] / t
    exchanged = 1.0 / t if t > 1e-12 else 0.0
    voltage = value if oxidation else -value
    return voltage + 0.0, exchanged, ok


@njit(cache=True)
def _both_limits(matrix, energy, comp, e_comp, carrier, volts, exchanged, p_idx, p_amt):
    """Reduction (side 0) and oxidation (side 1) limits of one candidate into ``volts`` (2,),
    ``exchanged`` (2,) and the products ``p_idx``/``p_amt`` (2, d_max); True when both converged."""
    d = matrix.shape[1]
    good = True
    for side in range(2):
        v, n_x, conv = window_lp(
            matrix, energy, comp, e_comp, carrier, side == 1, p_idx[side, :d], p_amt[side, :d]
        )
        volts[side] = v
        exchanged[side] = n_x
        good = good and conv
    return good


@njit(cache=True, parallel=True)
def window_packed(
    matrix: np.ndarray, energy: np.ndarray, entry_offsets: np.ndarray, dims: np.ndarray,
    system_of: np.ndarray, comps: np.ndarray, known_energy: np.ndarray, carrier: np.ndarray,
    shift: np.ndarray,
) -> tuple[np.ndarray, ...]:  # fmt: skip
    """Both limits for every stacked candidate (layout of ``reaction_scan_packed``).

    ``known_energy`` (k,): candidate enthalpy, NaN for the hull energy; it is capped at the hull
    energy (a candidate above its hull is its decomposition). A plain-hull candidate (NaN) whose
    decomposition holds pure elements up to :data:`TRACE_FRACTION` of its atoms is solved for the
    compound part (those element phases taken out, the rest renormalised). ``shift`` (k,): added
    to a plain-hull candidate's hull energy (a partial stabilisation, eV/atom <= 0; 0 for the
    plain hull), after that check, so such a candidate is checked as its plain hull is. ``carrier``
    (n_systems,): the carrier's column in each system. Returns ``v_red, v_ox, n_red, n_ox`` (k,),
    products ``idx (k, 2, d_max)``, ``amt (k, 2, d_max)`` (side 0 reduction, 1 oxidation),
    converged (k,), the enthalpy used (k,) and the atom fraction of pure elements in the hull of
    each plain-hull candidate (k,; 0 for the others).
    """
    k = comps.shape[0]
    d_max = matrix.shape[1]
    volts = np.full((k, 2), np.nan)
    exchanged = np.zeros((k, 2))
    p_idx = np.full((k, 2, d_max), -1, dtype=np.int64)
    p_amt = np.zeros((k, 2, d_max))
    ok = np.zeros(k, dtype=np.bool_)
    e_used = np.empty(k)
    elemental = np.zeros(k)
    for i in prange(k):
        sub, sub_energy, comp, s = system_block(
            matrix, energy, entry_offsets, dims, system_of, comps, i
        )
        d = sub.shape[1]
        idx = np.full(d, -1, dtype=np.int64)
        amt = np.zeros(d)
        e_c = hull_decomposition(sub, sub_energy, comp, idx, amt)
        if np.isnan(known_energy[i]):
            for j in range(d):
                if 0 <= idx[j] < d:  # a pure element: the first d entries are the identity block
                    elemental[i] += amt[j]
            if ELEMENTAL_FRACTION_TOL < elemental[i] <= TRACE_FRACTION:
                for j in range(d):
                    if 0 <= idx[j] < d:
                        comp[idx[j]] -= amt[j]
                comp = np.maximum(comp, 0.0)
                comp /= comp.sum()
                e_c = hull_energy(sub, sub_energy, comp)
            e_c += shift[i]
        elif known_energy[i] < e_c:
            e_c = known_energy[i]
        e_used[i] = e_c
        ok[i] = _both_limits(
            sub, sub_energy, comp, e_c, carrier[s], volts[i], exchanged[i], p_idx[i], p_amt[i]
        )
    return (
        volts[:, 0], volts[:, 1], exchanged[:, 0], exchanged[:, 1], p_idx, p_amt, ok, e_used,
        elemental,
    )  # fmt: skip
