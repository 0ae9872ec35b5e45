"""Numba kernels of non-dominated sorting, behind :func:`~electroscreen.screening.ranking.pareto_ranks`.

Both take distinct points sorted lexicographically in descending order (every objective maximised;
with two objectives only the second one's column is needed) and return each point's 1-based front.
:func:`front_numbers_nd` also takes which values are known: an unknown one (``-inf`` in the
points) never lets its point dominate another on that objective, and never lets it be dominated.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["front_numbers_2d", "front_numbers_nd"]


@njit(cache=True)
def front_numbers_2d(y_sorted: np.ndarray) -> np.ndarray:
    """Front number (1-based) of each point, points sorted by x descending then y descending.

    With that order a point is dominated by an earlier point of front ``k`` iff that front's last
    (smallest-x, largest-y) member has ``y >= y_point``; the fronts' last ``y`` values never increase
    with ``k``, so the first front that does not dominate the point is found by bisection.
    """
    n = len(y_sorted)
    last_y = np.empty(n)
    n_fronts = 0
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        y = y_sorted[i]
        lo, hi = 0, n_fronts
        while lo < hi:  # first front with last_y < y
            mid = (lo + hi) // 2
            if last_y[mid] < y:
                hi = mid
            else:
                lo = mid + 1
        if lo == n_fronts:
            n_fronts += 1
        last_y[lo] = y
        out[i] = lo + 1
    return out


@njit(cache=True)
def front_numbers_nd(points: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Front number (1-based) of distinct points sorted lexicographically in descending order.

    Efficient non-dominated sort with binary search over fronts (Zhang et al., IEEE Trans. Evol.
    Comput. 19, 201 (2015)): in that order only an earlier point can dominate a later one, and an
    earlier point is >= in the first objective, so dominance is a check of the other objectives.
    Fronts are kept as linked member lists; a point joins the first front none of whose members
    dominates it.

    ``known`` (bool, the shape of ``points``) is False where a value is unknown; there ``points``
    holds ``-inf``. Point ``j`` dominates point ``i`` when it is >= on every objective ``i``
    knows (so it must know them too: ``-inf`` is below every known value) and > on one of them:
    an objective ``i`` does not know neither lets ``j`` beat it nor lets ``i`` beat ``j``. That
    relation is transitive, so the fronts are those of peeling non-dominated sets, and the bisection
    holds: a front with a member dominating a point follows fronts that each have one.
    """
    n, k = points.shape
    front_of = np.empty(n, dtype=np.int64)
    head = np.full(n, -1, dtype=np.int64)  # last member added to each front
    prev = np.full(n, -1, dtype=np.int64)  # previous member of the same front
    n_fronts = 0
    for i in range(n):
        lo, hi = 0, n_fronts
        while lo < hi:  # first front that does not dominate point i
            mid = (lo + hi) // 2
            dominated = False
            j = head[mid]
            while j >= 0:
                if _dominates(points, known, j, i):
                    dominated = True
                    break
                j = prev[j]
            if dominated:
                lo = mid + 1
            else:
                hi = mid
        if lo == n_fronts:
            n_fronts += 1
        prev[i] = head[lo]
        head[lo] = i
        front_of[i] = lo + 1
    return front_of


@njit(cache=True)
def _dominates(points: np.ndarray, known: np.ndarray, j: int, i: int) -> bool:
    """Whether the earlier point ``j`` dominates point ``i`` (:func:`front_numbers_nd`)."""
    k = points.shape[1]
    for c in range(1, k):
        if points[j, c] < points[i, c]:
            return False
    for c in range(k):  # better on an objective i knows (distinct points may differ elsewhere only)
        if known[i, c] and points[j, c] > points[i, c]:
            return True
    return False
