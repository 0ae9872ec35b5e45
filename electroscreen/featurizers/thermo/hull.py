"""Convex-hull energies and mixing-ratio reaction scans as small linear programs, in Numba.

Hull energy of a composition ``c`` (atom fractions over a chemical system's elements) with entries
``A`` (atom fractions, one row per entry) and formation enthalpies ``e`` (eV/atom)::

    E_hull(c) = min  e . lam   subject to  A^T lam = c,  lam >= 0

The most negative reaction energy of a candidate ``c`` (enthalpy ``E_c``) with a reactant ``r``
(``E_r``) over every mixing ratio ``x`` (atom fraction of the candidate), as pymatgen's
``InterfacialReactivity`` scans it kink by kink, is one linear program because the hull is convex::

    min over x in [0, 1], lam >= 0 of  e . lam - x E_c - (1 - x) E_r
    subject to  A^T lam - x (c - r) = r

The pure elements are entries with ``A`` = identity and ``e = 0``, so the elements form a feasible
starting basis (``lam = r``, ``x = 0``) and no phase-1 is needed (an element given a cost, as the
hydrolysis scan prices S or H2, has it taken out of the cost row first: ``_price_out``). The kernels run a dense tableau
simplex with Bland's rule (hull problems are highly degenerate; Bland's rule cannot cycle).
:func:`reaction_scan_linprog` is the SciPy (HiGHS) reference the tests compare against.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "hull_decomposition",
    "hull_energy",
    "hull_energy_linprog",
    "reaction_scan_batch",
    "reaction_scan_linprog",
    "reaction_scan_packed",
    "system_block",
]

#: Smallest pivot element of the ratio test.
_EPS = 1e-11
#: A reduced cost must be below ``-_REDUCED_COST_EPS`` (eV/atom) to enter. Round-off leaves reduced
#: costs of 1e-11 to 1e-10 on these degenerate problems; at a tolerance of 1e-11 their sign flips
#: from pivot to pivot and Bland's rule cycles (30 windows of the demo pool's 3,000 never converged).
_REDUCED_COST_EPS = 1e-9


@njit(cache=True, inline="always")
def _pivot(tab: np.ndarray, basis: np.ndarray, p: int, q: int) -> None:
    """One simplex pivot in place: column ``q`` enters the basis in row ``p``.

    Row ``p`` is divided by ``tab[p, q]`` and column ``q`` is eliminated from every other row of
    ``tab`` (constraint rows and the cost row alike); ``basis[p] = q``. Shared by the hull LPs here
    and the electrochemical-window LP (``window_kernels.window_lp``, whose start basis needs one pivot).
    """
    rows, cols = tab.shape
    pivot = tab[p, q]
    for j in range(cols):
        tab[p, j] /= pivot
    for i in range(rows):
        if i != p:
            f = tab[i, q]
            if f != 0.0:
                for j in range(cols):
                    tab[i, j] -= f * tab[p, j]
    basis[p] = q


@njit(cache=True)
def _simplex(tab: np.ndarray, basis: np.ndarray, max_iter: int) -> bool:
    """Minimise in place; ``tab`` is (m + 1, n + 1) with the reduced costs in the last row.

    Returns False when the iteration limit is hit (never seen on hull problems).
    """
    m = tab.shape[0] - 1
    n = tab.shape[1] - 1
    for _ in range(max_iter):
        q = -1
        for j in range(n):
            if tab[m, j] < -_REDUCED_COST_EPS:
                q = j
                break
        if q < 0:
            return True
        p = -1
        best = np.inf
        for i in range(m):
            a = tab[i, q]
            if a > _EPS:
                ratio = tab[i, n] / a
                if ratio < best - 1e-14 or (ratio <= best + 1e-14 and basis[i] < basis[p]):
                    best = ratio
                    p = i
        if p < 0:
            return False  # unbounded: impossible with x <= 1 and fractions >= 0
        _pivot(tab, basis, p, q)
    return False


@njit(cache=True, inline="always")
def system_block(
    matrix: np.ndarray, energy: np.ndarray, entry_offsets: np.ndarray, dims: np.ndarray,
    system_of: np.ndarray, comps: np.ndarray, i: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:  # fmt: skip
    """Stacked candidate ``i``'s chemical system (layout of :func:`reaction_scan_packed`): the
    entries' atom fractions ``(n, d)`` (contiguous), their energies ``(n,)``, a copy of the
    candidate's composition ``(d,)`` and the system's index."""
    s = system_of[i]
    lo = entry_offsets[s]
    hi = entry_offsets[s + 1]
    d = dims[s]
    return np.ascontiguousarray(matrix[lo:hi, :d]), energy[lo:hi], comps[i, :d].copy(), s


@njit(cache=True, inline="always")
def _price_out(tab: np.ndarray, d: int, cost_row: int, energy: np.ndarray) -> None:
    """Make the cost row reduced for the starting basis, the d pure elements (rows ``0..d-1``).

    Elements are 0 eV/atom and nothing changes; a caller that prices an element (the hydrolysis
    scan of :mod:`~electroscreen.featurizers.thermo.hydrolysis` makes S, Se, H, O ... costly)
    needs its cost taken out of every column, or the simplex optimises a wrong objective.
    """
    for k in range(d):
        c = energy[k]
        if c != 0.0:
            for j in range(tab.shape[1]):
                tab[cost_row, j] -= c * tab[k, j]


@njit(cache=True)
def _hull_tableau(
    matrix: np.ndarray, energy: np.ndarray, comp: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The solved simplex tableau of ``min energy . x`` s.t. ``matrix.T x = comp``, ``x >= 0``.

    Row ``k < d`` holds basic variable ``basis[k]`` with amount ``tab[k, n]``; ``-tab[d, n]`` is the
    hull energy. The pure elements (first d entries) form the starting basis.
    """
    n, d = matrix.shape
    tab = np.zeros((d + 1, n + 1))
    basis = np.empty(d, dtype=np.int64)
    for k in range(d):
        for j in range(n):
            tab[k, j] = matrix[j, k]
        tab[k, n] = comp[k]
        basis[k] = k
    for j in range(n):
        tab[d, j] = energy[j]
    _price_out(tab, d, d, energy)
    _simplex(tab, basis, 50 * (n + d))
    return tab, basis


@njit(cache=True)
def hull_energy(matrix: np.ndarray, energy: np.ndarray, comp: np.ndarray) -> float:
    """Hull energy (eV/atom) of ``comp`` (atom fractions, summing to 1) in a chemical system.

    ``matrix`` (n, d) must start with the d pure elements (identity block), ``energy`` (n,) eV/atom.
    """
    n, d = matrix.shape
    tab, _ = _hull_tableau(matrix, energy, comp)
    return -tab[d, n]


@njit(cache=True)
def hull_decomposition(
    matrix: np.ndarray,
    energy: np.ndarray,
    comp: np.ndarray,
    out_idx: np.ndarray,
    out_amt: np.ndarray,
) -> float:
    """:func:`hull_energy`, also filling the phases of the equilibrium decomposition.

    ``out_idx`` (int64, d) receives entry indices (-1 padding) and ``out_amt`` (float64, d) their
    atoms per atom of ``comp``; an index below d is a pure element.
    """
    n, d = matrix.shape
    tab, basis = _hull_tableau(matrix, energy, comp)
    for k in range(d):
        out_idx[k] = -1
        out_amt[k] = 0.0
        if tab[k, n] > 1e-9:
            out_idx[k] = basis[k]
            out_amt[k] = tab[k, n]
    return -tab[d, n]


@njit(cache=True)
def _scan_one(matrix, energy, comp, e_comp, react, e_react, out_idx, out_amt):
    """One reaction scan; fills product indices/amounts; returns (energy, mixing ratio, ok)."""
    n, d = matrix.shape
    cols = n + 2  # entries, x, slack of x <= 1
    tab = np.zeros((d + 2, cols + 1))
    basis = np.empty(d + 1, dtype=np.int64)
    for k in range(d):
        for j in range(n):
            tab[k, j] = matrix[j, k]
        tab[k, n] = react[k] - comp[k]
        tab[k, cols] = react[k]
        basis[k] = k
    tab[d, n] = 1.0
    tab[d, n + 1] = 1.0
    tab[d, cols] = 1.0
    basis[d] = n + 1
    for j in range(n):
        tab[d + 1, j] = energy[j]
    tab[d + 1, n] = e_react - e_comp
    _price_out(tab, d, d + 1, energy)
    ok = _simplex(tab, basis, 50 * (cols + d))
    value = -tab[d + 1, cols] - e_react
    x = 0.0
    for i in range(d + 1):
        out_idx[i] = -1
        out_amt[i] = 0.0
        b = basis[i]
        if b == n:
            x = tab[i, cols]
        elif b < n and tab[i, cols] > 1e-9:
            out_idx[i] = b
            out_amt[i] = tab[i, cols]
    return min(value, 0.0) + 0.0, x, ok


@njit(cache=True)
def _scan_candidate(matrix, energy, comp, known, react, e_react, p_idx, p_amt):
    """Hull energy (when ``known`` is NaN) then the scan; returns (energy, x, e_c, converged)."""
    e_c = known
    if np.isnan(e_c):
        e_c = hull_energy(matrix, energy, comp)
    value, x, good = _scan_one(matrix, energy, comp, e_c, react, e_react, p_idx, p_amt)
    return value, x, e_c, good


@njit(cache=True, parallel=True)
def reaction_scan_packed(
    matrix: np.ndarray,
    energy: np.ndarray,
    entry_offsets: np.ndarray,
    dims: np.ndarray,
    system_of: np.ndarray,
    comps: np.ndarray,
    known_energy: np.ndarray,
    reacts: np.ndarray,
    e_reacts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`reaction_scan_batch` over many chemical systems at once (one thread pool launch).

    Parameters
    ----------
    matrix : float64 (total_entries, d_max)
        Entry atom fractions of all systems stacked; system ``s`` is rows
        ``entry_offsets[s]:entry_offsets[s + 1]``, columns ``:dims[s]`` (elements first).
    energy : float64 (total_entries,)
    entry_offsets : int64 (n_systems + 1,)
    dims : int64 (n_systems,)
    system_of : int64 (k,)
        System of each candidate.
    comps : float64 (k, d_max)
        Candidate atom fractions over its system's elements (zero padded).
    known_energy : float64 (k,)
    reacts : float64 (n_systems, d_max)
        Reactant atom fractions in each system.
    e_reacts : float64 (n_systems,)

    Returns
    -------
    Same as :func:`reaction_scan_batch`, with ``d_max + 1`` product slots.
    """
    k = comps.shape[0]
    d_max = matrix.shape[1]
    rxn = np.empty(k)
    mixing = np.empty(k)
    e_cand = np.empty(k)
    p_idx = np.full((k, d_max + 1), -1, dtype=np.int64)
    p_amt = np.zeros((k, d_max + 1))
    ok = np.zeros(k, dtype=np.bool_)
    for i in prange(k):
        sub, sub_energy, comp, s = system_block(
            matrix, energy, entry_offsets, dims, system_of, comps, i
        )
        d = sub.shape[1]
        rxn[i], mixing[i], e_cand[i], ok[i] = _scan_candidate(
            sub,
            sub_energy,
            comp,
            known_energy[i],
            reacts[s, :d].copy(),
            e_reacts[s],
            p_idx[i, : d + 1],
            p_amt[i, : d + 1],
        )
    return rxn, mixing, e_cand, p_idx, p_amt, ok


@njit(cache=True)
def reaction_scan_batch(
    matrix: np.ndarray,
    energy: np.ndarray,
    comps: np.ndarray,
    known_energy: np.ndarray,
    react: np.ndarray,
    e_react: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Most negative reaction energy of each candidate with one reactant, in one chemical system.

    Parameters
    ----------
    matrix : float64 (n, d)
        Entry atom fractions; the first d rows are the pure elements (identity).
    energy : float64 (n,)
        Entry formation enthalpies, eV/atom.
    comps : float64 (k, d)
        Candidate atom fractions (rows sum to 1).
    known_energy : float64 (k,)
        Candidate formation enthalpy (eV/atom) when tabulated; NaN: use its hull energy.
    react : float64 (d,)
        Reactant atom fractions.
    e_react : float
        Reactant formation enthalpy, eV/atom (it must be an entry or an element).

    Returns
    -------
    rxn_energy : float64 (k,)
        eV per atom of the reacting mixture (<= 0; 0 = no reaction).
    mixing : float64 (k,)
        Atom fraction of the candidate in the most reactive mixture.
    e_candidate : float64 (k,)
        The candidate enthalpy used (eV/atom).
    product_index, product_amount : int64 / float64 (k, d + 1)
        Entries formed (index into the system, -1 padding) and their atoms per atom of mixture.
    converged : bool (k,)
    """
    k = comps.shape[0]
    d = matrix.shape[1]
    rxn = np.empty(k)
    mixing = np.empty(k)
    e_cand = np.empty(k)
    p_idx = np.full((k, d + 1), -1, dtype=np.int64)
    p_amt = np.zeros((k, d + 1))
    ok = np.zeros(k, dtype=np.bool_)
    for i in range(k):
        rxn[i], mixing[i], e_cand[i], ok[i] = _scan_candidate(
            matrix, energy, comps[i], known_energy[i], react, e_react, p_idx[i], p_amt[i]
        )
    return rxn, mixing, e_cand, p_idx, p_amt, ok


def hull_energy_linprog(matrix: np.ndarray, energy: np.ndarray, comp: np.ndarray) -> float:
    """Reference :func:`hull_energy` with ``scipy.optimize.linprog`` (HiGHS)."""
    from scipy.optimize import linprog

    res = linprog(energy, A_eq=matrix.T, b_eq=comp, bounds=(0, None), method="highs")
    return float(res.fun)


def reaction_scan_linprog(
    matrix: np.ndarray,
    energy: np.ndarray,
    comp: np.ndarray,
    e_comp: float,
    react: np.ndarray,
    e_react: float,
) -> tuple[float, float]:
    """Reference reaction scan with ``scipy.optimize.linprog``: (eV/atom of mixture, mixing ratio)."""
    from scipy.optimize import linprog

    n = matrix.shape[0]
    cost = np.concatenate([energy, [e_react - e_comp]])
    a_eq = np.hstack([matrix.T, (react - comp)[:, None]])
    bounds = [(0, None)] * n + [(0, 1)]
    res = linprog(cost, A_eq=a_eq, b_eq=react, bounds=bounds, method="highs")
    return min(float(res.fun) - e_react, 0.0), float(res.x[-1])
