"""The search of :mod:`~electroscreen.data.oxidation`: the best combination of one oxidation state
per element of a composition (a Numba kernel, called from the per-row kernel ``_assign_row``).

Only the sign patterns that are admissible (every anion at least as electronegative as every cation)
are visited; ties are broken by the combination's place in ``itertools.product`` order, so the
result does not depend on the enumeration.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BALANCED", "COMPARABLE", "EXACT", "MIXED", "UNBALANCED", "search_states"]

#: What :func:`search_states` found: a balanced combination, a mixed valence, or neither.
BALANCED, MIXED, UNBALANCED = 0, 1, 2
#: A residual charge at most this fraction of the positive charge is an *exact* balance (the
#: amounts are rounded to 8 decimals).
EXACT = 1e-6
#: An exact balance beats a cheaper one within ``tol`` when each element it gives another state
#: takes one at least this fraction as frequent in the ICSD (penalties at most ``-ln COMPARABLE``
#: higher): Sb5+ / Sb3+ 0.82, Sn2+ / Sn4+ 0.60 pass; Ce4+ / Ce3+ 0.23, Nb4+ / Nb5+ 0.19, W4+ / W6+
#: 0.044 do not (a nominal formula that leaves out a vacancy keeps its common state).
COMPARABLE = 0.5


@njit(cache=True)
def search_states(
    state_of: np.ndarray,
    penalty_of: np.ndarray,
    sizes: np.ndarray,
    n: np.ndarray,
    chi: np.ndarray,
    tol: float,
) -> tuple[int, np.ndarray, int, float]:
    """Best combination of one state per element.

    Only *admissible* combinations count (every anion at least as electronegative as every cation,
    at least one of each), unless there is none. Among them, in order of preference:

    1. balanced (``|residual| <= tol * positive charge``): lowest cost, then smallest residual;
       but the lowest-cost exact balance (``|residual| <=`` :data:`EXACT` ``* positive charge``)
       when its states are about as common as the winner's (:data:`COMPARABLE`), as a chemist
       reads a formula written for its states (Sb5+ in Li7P2.9Sb0.1S10.75O0.25, where Sb3+, the
       state a little commoner in the ICSD, leaves 0.2 of 22 charges over);
    2. mixed valence: the lowest-cost (then smallest-residual) combination in which one element can
       take the non-integer state ``target`` that cancels the residual, within its range of states
       and of the same sign; the element with the smallest amount (first on ties) does so;
    3. otherwise the smallest residual, then lowest cost (``unbalanced``).

    Remaining ties go to the combination that comes first in ``itertools.product`` order (its
    index ``c``), so the result does not depend on the enumeration. Combinations are enumerated by
    sign pattern (which elements are cations): only admissible patterns are visited, a small part
    of the whole product for compositions with many multivalent elements. Returns ``(kind, option
    index per element, mixed element, target state)``.
    """
    n_el = len(sizes)
    stride = np.ones(n_el, dtype=np.int64)
    for e in range(n_el - 2, -1, -1):
        stride[e] = stride[e + 1] * sizes[e + 1]
    low = np.empty(n_el)
    high = np.empty(n_el)
    for e in range(n_el):
        low[e] = state_of[e, : sizes[e]].min()
        high[e] = state_of[e, : sizes[e]].max()
    allowed = np.empty((n_el, state_of.shape[1]), dtype=np.int64)
    n_allowed = np.zeros(n_el, dtype=np.int64)
    position = np.zeros(n_el, dtype=np.int64)
    choice = np.zeros(n_el, dtype=np.int64)
    best = np.zeros((4, n_el), dtype=np.int64)
    # (primary, secondary, product index) of: balanced, mixed valence, unbalanced, exact balance
    key = np.full((4, 3), np.inf)
    mixed_e, mixed_target = -1, 0.0
    admissible_seen = False
    for only_admissible in (True, False):
        for pattern in range(1 << n_el):  # bit e set: element e is a cation
            if only_admissible:
                max_pos, min_neg, n_pos = -np.inf, np.inf, 0
                for e in range(n_el):
                    if (pattern >> e) & 1:
                        n_pos += 1
                        max_pos = max(max_pos, chi[e])
                    else:
                        min_neg = min(min_neg, chi[e])
                if not (max_pos <= min_neg and 0 < n_pos < n_el):
                    continue
            empty = False
            for e in range(n_el):
                cation = (pattern >> e) & 1 == 1
                n_allowed[e] = 0
                for o in range(sizes[e]):
                    if (state_of[e, o] > 0) == cation:
                        allowed[e, n_allowed[e]] = o
                        n_allowed[e] += 1
                empty = empty or n_allowed[e] == 0
            if empty:
                continue
            admissible_seen = admissible_seen or only_admissible
            position[:] = 0
            while True:
                c = 0
                residual, positive, cost = 0.0, 0.0, 0.0
                for e in range(n_el):
                    choice[e] = allowed[e, position[e]]
                    c += choice[e] * stride[e]
                    charge = state_of[e, choice[e]] * n[e]
                    residual += charge
                    if charge > 0:
                        positive += charge
                    cost += penalty_of[e, choice[e]] * n[e]
                size = abs(residual)
                if size <= tol * max(positive, 1e-12):
                    if _before(cost, size, c, key[0]):
                        key[0, 0], key[0, 1], key[0, 2] = cost, size, c
                        best[0] = choice
                    if size <= EXACT * max(positive, 1e-12) and _before(cost, size, c, key[3]):
                        key[3, 0], key[3, 1], key[3, 2] = cost, size, c
                        best[3] = choice
                elif key[0, 0] == np.inf:
                    if _before(cost, size, c, key[1]):
                        fit_e, fit_target = -1, 0.0
                        for e in range(n_el):
                            state = state_of[e, choice[e]]
                            target = state - residual / n[e]
                            fits = low[e] <= target <= high[e] and np.sign(target) == np.sign(state)
                            if fits and (fit_e < 0 or n[e] < n[fit_e]):
                                fit_e, fit_target = e, target
                        if fit_e >= 0:
                            key[1, 0], key[1, 1], key[1, 2] = cost, size, c
                            best[1] = choice
                            mixed_e, mixed_target = fit_e, fit_target
                    if _before(size, cost, c, key[2]):
                        key[2, 0], key[2, 1], key[2, 2] = size, cost, c
                        best[2] = choice
                e = n_el - 1  # next combination of this pattern (odometer)
                while e >= 0:
                    position[e] += 1
                    if position[e] < n_allowed[e]:
                        break
                    position[e] = 0
                    e -= 1
                if e < 0:
                    break
        if admissible_seen:
            break  # otherwise every combination counts
    if key[3, 2] != np.inf and key[3, 2] != key[0, 2]:
        comparable = True  # every element the exact balance changes: a state nearly as common
        for e in range(n_el):
            extra = penalty_of[e, best[3, e]] - penalty_of[e, best[0, e]]
            comparable = comparable and extra <= -np.log(COMPARABLE) + 1e-12
        if comparable:
            return BALANCED, best[3], mixed_e, mixed_target
    for kind in range(3):
        if key[kind, 2] != np.inf:
            return kind, best[kind], mixed_e, mixed_target
    return UNBALANCED, best[2], -1, 0.0


@njit(cache=True)
def _before(primary: float, secondary: float, index: int, key: np.ndarray) -> bool:
    """Whether ``(primary, secondary, index)`` sorts before ``key`` (lexicographic)."""
    if primary != key[0]:
        return primary < key[0]
    if secondary != key[1]:
        return secondary < key[1]
    return index < key[2]
