"""Hydrogen that is hydridic and protic in one compound: the *split* of its hydrogen.

Mixed borohydride-amides (Li4(BH4)(NH2)3 = Li4BN3H10, Li2(BH4)(NH2)), ammine borohydrides
(LiBH4·NH3, Mg(BH4)2(NH3)2), ammonia borane (NH3BH3) and hydrated or ammoniated closo-borates
(Li2B12H12·7H2O) hold H(-I) bound to boron or aluminium and H(+I) bound to nitrogen or oxygen at
once. One oxidation state per element (:mod:`electroscreen.data.oxidation`) cannot say this, so the
assignment records hydrogen's *average* state ``(p - h) / n_H`` (H+0.2 in Li4BN3H10: 4 H- and 6 H+;
H0 in NH3BH3), names H as its ``mixed_valence`` and this module recovers the two shares
(:func:`split_shares`). The rule, narrow on purpose (an average between -1 and +1 alone would
balance anything):

1. Hydrogen ``n_H = h + p``: ``h`` atoms H-1 and ``p`` atoms H+1, both shares present.
2. The composition holds a hydride host (B, Al) and a proton host (N, O); hydrogen appears once.
3. The protic share sits on N and O: ``p <= 4 n_N + 2 n_O`` (:data:`PROTONS_PER_HOST`: NH4+,
   H2O; NH2-, NH 2-, NH3 and OH- hold fewer).
4. The hydridic share sits on B and Al, read one of two ways:

   a. boron at +3 (BH4-, BH3 adducts such as NH3BH3): ``3 n_B <= h <= 4 n_B + 6 n_Al``
      (:data:`HYDRIDES_PER_HOST`; AlH4-, AlH6 3-); without boron ``h <= 6 n_Al``;
   b. a closo-borane cage (no integer boron state): one hydride per cage vertex, ``h = n_B`` plus
      a carborane's carbon (:data:`~electroscreen.data.borane.CARBORANE_MAX_C_PER_B`), boron's
      state strictly between 0 and +3 (B12H12 2-: +0.83, as
      :mod:`electroscreen.data.borane` reads the anhydrous salts).

5. The other elements take states of their usual list (:func:`~electroscreen.data.oxidation.
   element_oxidation_states`), cations no more electronegative than hydrogen and anions no less
   (Pauling 2.20): B, Al and the metals are cations, N, O, C and the halogens anions.

:func:`split_search` finds the split with the lowest ICSD penalty (reading a before b) when the
ordinary search of :mod:`~electroscreen.data.oxidation` finds no integer balance; the screening's
charge-balance filter accepts hydrogen's average state only when :func:`split_shares` finds a split
in the recorded states (one home for the rule). LiBH4 with an extra Li, LiH2, Li3NH4 (no hydride
host) or Li5BN3H10 (4.5 H- on one boron) have none.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from electroscreen.data.borane import CARBORANE_MAX_C_PER_B
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.segments import segment_any

__all__ = [
    "BORON_MIN_HYDRIDES",
    "HYDRIDES_PER_HOST",
    "PROTONS_PER_HOST",
    "SPLIT_PROBLEMS",
    "expand_split_hydrogen",
    "hydrogen_shares",
    "split_eligible",
    "split_problem",
    "split_rows",
    "split_search",
    "split_shares",
]

_H, _B, _C, _N, _O, _AL = 1, 5, 6, 7, 8, 13
#: Most hydridic H per host atom: B 4 (BH4-), Al 6 (AlH6 3-); boron at +3 holds at least 3
#: (:data:`BORON_MIN_HYDRIDES`).
HYDRIDES_PER_HOST = {"B": 4, "Al": 6}
#: Fewest hydridic H per boron at +3 in a split (BH3 of NH3BH3 and LiNH2BH3; BH4- holds 4): fewer
#: would leave boron bound to N or O, a borate or nitride beside BH4- that the rule does not read.
BORON_MIN_HYDRIDES = 3
#: Most protic H per host atom: N 4 (NH4+), O 2 (H2O).
PROTONS_PER_HOST = {"N": 4, "O": 2}
#: Why a composition's states describe no split (:func:`split_problem`), by the code of
#: :func:`split_shares`.
SPLIT_PROBLEMS = (
    "",
    "a split needs hydrogen beside a hydride host (B, Al) and a proton host (N, O)",
    "hydrogen is all of one kind here",
    "more protic H than N and O hold (at most 4 per N, 2 per O)",
    "fewer hydridic H than boron at +3 holds (at least 3 per B)",
    "more hydridic H than B and Al hold (at most 4 per B, 6 per Al)",
    "boron is neither +3 nor a closo cage's (between 0 and +3 with one hydride per cage vertex)",
)
_TOL = 1e-6
# the numbers above as the kernels read them (Numba freezes module globals at compilation)
_PROTON_N, _PROTON_O = PROTONS_PER_HOST["N"], PROTONS_PER_HOST["O"]
_HYDRIDE_B, _HYDRIDE_AL = HYDRIDES_PER_HOST["B"], HYDRIDES_PER_HOST["Al"]
_BORON_MIN = BORON_MIN_HYDRIDES


@njit(cache=True)
def _counts(z: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Amounts of H, B, C, N, O, Al (summed over repeated entries)."""
    out = np.zeros(6)
    for e in range(len(z)):
        for k, zz in enumerate((_H, _B, _C, _N, _O, _AL)):
            if z[e] == zz:
                out[k] += n[e]
    return out


@njit(cache=True)
def split_eligible(z: np.ndarray) -> bool:
    """Whether a composition (atomic numbers of its entries) may split its hydrogen: one H entry,
    a hydride host (B or Al) and a proton host (N or O)."""
    n_h, host, partner = 0, False, False
    for zz in z:
        n_h += zz == _H
        host = host or zz == _B or zz == _AL
        partner = partner or zz == _N or zz == _O
    return n_h == 1 and host and partner


@njit(cache=True)
def split_shares(z: np.ndarray, n: np.ndarray, states: np.ndarray) -> tuple[float, float, int]:
    """The hydridic and protic hydrogen ``(h, p, 0)`` that a composition's states describe, or
    ``(nan, nan, code)`` when they describe no split (``code`` indexes :data:`SPLIT_PROBLEMS`).

    Parameters
    ----------
    z, n : ndarray
        Atomic numbers and amounts of one composition's entries.
    states : ndarray of float64
        The state of each entry, hydrogen's the average ``(p - h) / n_H``.
    """
    if not split_eligible(z):
        return np.nan, np.nan, 1
    c = _counts(z, n)
    n_h, n_b, n_c, n_n, n_o, n_al = c[0], c[1], c[2], c[3], c[4], c[5]
    q, b = 0.0, np.nan
    for e in range(len(z)):
        if z[e] == _H:
            q = states[e]
        elif z[e] == _B:
            b = states[e]
    tol = _TOL * max(n_h, 1.0)
    h, p = n_h * (1.0 - q) / 2.0, n_h * (1.0 + q) / 2.0
    if not (h > tol and p > tol):
        return np.nan, np.nan, 2
    if p > _PROTON_N * n_n + _PROTON_O * n_o + tol:
        return np.nan, np.nan, 3
    if n_b > 0 and abs(b - 3.0) > _TOL:  # a closo cage: one hydride per vertex
        vertices = n_b
        if 0 < n_c <= CARBORANE_MAX_C_PER_B * n_b * (1 + 1e-9):
            vertices += n_c
        if not (0.0 < b < 3.0 and abs(h - vertices) <= tol):
            return np.nan, np.nan, 6
    elif h < _BORON_MIN * n_b - tol:
        return np.nan, np.nan, 4
    elif h > _HYDRIDE_B * n_b + _HYDRIDE_AL * n_al + tol:
        return np.nan, np.nan, 5
    return h, p, 0


@njit(cache=True)
def split_search(
    z: np.ndarray,
    n: np.ndarray,
    state_of: np.ndarray,
    penalty_of: np.ndarray,
    sizes: np.ndarray,
    chi: np.ndarray,
    out: np.ndarray,
) -> bool:
    """The lowest-penalty split of a composition's hydrogen (rules in the module docstring).

    Parameters
    ----------
    z, n : ndarray
        Atomic numbers and amounts of the entries (:func:`split_eligible`).
    state_of, penalty_of : ndarray of float64, shape (n_el, width)
        Each entry's option states and ``-ln p`` penalties, ``sizes`` of them in use.
    sizes : ndarray of int64
    chi : ndarray of float64
        Pauling electronegativity of each entry.
    out : ndarray of float64
        Filled with the states (hydrogen's average) when a split is found.

    Returns
    -------
    bool
        Whether a split was found. The boron-at-+3 reading wins over the cage reading; within one,
        the lowest penalty (hydrogen's ``h`` H-1 and ``p`` H+1 counted), then the first combination
        in ``itertools.product`` order over the other entries' options.
    """
    n_el = len(z)
    i_h, i_b = -1, -1
    for e in range(n_el):
        if z[e] == _H:
            i_h = e
        elif z[e] == _B:
            i_b = e
    pen_minus, pen_plus = np.inf, np.inf
    for o in range(sizes[i_h]):
        if state_of[i_h, o] == -1.0:
            pen_minus = penalty_of[i_h, o]
        elif state_of[i_h, o] == 1.0:
            pen_plus = penalty_of[i_h, o]
    if pen_minus == np.inf or pen_plus == np.inf:
        return False
    n_h = n[i_h]
    c = _counts(z, n)
    vertices = c[1] + (c[2] if 0 < c[2] <= CARBORANE_MAX_C_PER_B * c[1] * (1 + 1e-9) else 0.0)
    allowed = np.empty((n_el, state_of.shape[1]), dtype=np.int64)
    n_allowed = np.zeros(n_el, dtype=np.int64)
    position = np.zeros(n_el, dtype=np.int64)
    trial = np.empty(n_el)
    best = np.empty(n_el)
    for cage in (False, True):
        if cage and i_b < 0:
            break
        best_cost = np.inf
        for e in range(n_el):  # cations no more electronegative than H, anions no less
            n_allowed[e] = 0
            if e == i_h or (cage and e == i_b):
                continue
            for o in range(sizes[e]):
                s = state_of[e, o]
                if (s > 0 and chi[e] <= chi[i_h]) or (s < 0 and chi[e] >= chi[i_h]):
                    allowed[e, n_allowed[e]] = o
                    n_allowed[e] += 1
            if n_allowed[e] == 0:
                return False
        position[:] = 0
        while True:
            charge, cost = 0.0, 0.0
            for e in range(n_el):
                if n_allowed[e] > 0:
                    o = allowed[e, position[e]]
                    trial[e] = state_of[e, o]
                    charge += trial[e] * n[e]
                    cost += penalty_of[e, o] * n[e]
            if cage:  # one hydride per vertex, boron takes the rest
                h = vertices
                trial[i_b] = -(charge + n_h - 2.0 * h) / n[i_b]
            else:  # the hydrogen cancels the rest
                h = (n_h + charge) / 2.0
            trial[i_h] = (n_h - 2.0 * h) / n_h
            cost += pen_minus * h + pen_plus * (n_h - h)
            if cost < best_cost and split_shares(z, n, trial)[2] == 0:
                best_cost = cost
                best[:] = trial
            e = n_el - 1  # next combination (odometer over the entries with options)
            while e >= 0:
                if n_allowed[e] > 0:
                    position[e] += 1
                    if position[e] < n_allowed[e]:
                        break
                    position[e] = 0
                e -= 1
            if e < 0:
                break
        if best_cost < np.inf:
            out[:] = best
            return True
    return False


def split_rows(packed: PackedCompositions) -> np.ndarray:
    """Per row of packed compositions: whether it holds hydrogen, a hydride host (B, Al) and a
    proton host (N, O), the rows whose hydrogen may be split (bool, shape (N,))."""
    offsets = np.asarray(packed.offsets)
    z = np.asarray(packed.z, dtype=np.int64)
    hydrogen = segment_any(z == _H, offsets)
    host = segment_any((z == _B) | (z == _AL), offsets)
    return hydrogen & host & segment_any((z == _N) | (z == _O), offsets)


def hydrogen_shares(
    packed: PackedCompositions, states: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of packed compositions: the hydridic and the protic hydrogen of its split, NaN for a
    row whose states describe none (:func:`split_shares`).

    Parameters
    ----------
    packed : PackedCompositions, N rows
    states : ndarray of float64, shape (K,)
        One state per entry (:func:`~electroscreen.data.oxidation.oxidation_states_packed`).

    Returns
    -------
    hydridic, protic : ndarray of float64, shape (N,)
    """
    offsets = np.asarray(packed.offsets)
    z = np.asarray(packed.z, dtype=np.int64)
    hydridic = np.full(len(offsets) - 1, np.nan)
    protic = hydridic.copy()
    amount = np.asarray(packed.amount, dtype=np.float64)
    states = np.asarray(states, dtype=np.float64)
    for row in np.flatnonzero(split_rows(packed)):
        lo, hi = offsets[row], offsets[row + 1]
        h, p, _ = split_shares(z[lo:hi], amount[lo:hi], states[lo:hi])
        hydridic[row], protic[row] = h, p
    return hydridic, protic


def expand_split_hydrogen(
    packed: PackedCompositions, states: np.ndarray
) -> tuple[PackedCompositions, np.ndarray]:
    """``packed`` and ``states`` with the hydrogen of each split row written as two entries, ``h``
    of H-1 and ``p`` of H+1, for consumers that count ions by the sign of their state (the
    electrolyte and HSAB descriptors, the anion shares of the thermochemistry). Rows without a
    split are unchanged; the input is returned as it is when no row has one.

    Returns
    -------
    packed : PackedCompositions
        Same rows, status and error; a split row holds one more entry (hydrogen twice).
    states : ndarray of float64
    """
    hydridic, protic = hydrogen_shares(packed, states)
    split = np.isfinite(hydridic)
    if not split.any():
        return packed, np.asarray(states, dtype=np.float64)
    offsets = np.asarray(packed.offsets)
    rows = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    z = np.asarray(packed.z, dtype=np.int64)
    amount = np.asarray(packed.amount, dtype=np.float64).copy()
    states = np.asarray(states, dtype=np.float64).copy()
    twin = np.flatnonzero((z == _H) & split[rows])  # the H entries of split rows
    amount[twin], states[twin] = hydridic[rows[twin]], -1.0
    position = np.insert(np.arange(len(z)), twin + 1, twin)  # each twin repeated after itself
    is_copy = np.zeros(len(position), dtype=bool)
    is_copy[twin + 1 + np.arange(len(twin))] = True
    new_amount = amount[position]
    new_states = states[position]
    new_amount[is_copy] = protic[rows[twin]]
    new_states[is_copy] = 1.0
    counts = np.diff(offsets) + split.astype(np.int64)
    expanded = PackedCompositions(
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        z=z[position],
        amount=new_amount,
        status=packed.status,
        error=packed.error,
    )
    return expanded, new_states


def split_problem(symbols: list[str], amounts: np.ndarray, states: np.ndarray) -> str:
    """Why a composition's states describe no split of its hydrogen (``""`` when they do), with the
    shares they imply: ``4.5 H- and 5.5 H+: more hydridic H than B and Al hold (at most 4 per B, 6
    per Al)``.

    Parameters
    ----------
    symbols, amounts, states : list of str, ndarray, ndarray
        One composition's elements, amounts and states (hydrogen's the average).
    """
    z = np.array([SYMBOL_TO_Z[s] for s in symbols], dtype=np.int64)
    n = np.asarray(amounts, dtype=np.float64)
    q = np.asarray(states, dtype=np.float64)
    _, _, code = split_shares(z, n, q)
    if code in (0, 1):
        return SPLIT_PROBLEMS[code]
    n_h = float(n[z == _H].sum())
    q_h = float(q[z == _H][0])
    h, p = n_h * (1 - q_h) / 2, n_h * (1 + q_h) / 2
    return f"{h:.3g} H- and {p:.3g} H+: {SPLIT_PROBLEMS[code]}"
