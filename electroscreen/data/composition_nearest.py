"""How far a composition lies from the nearest of some reference compositions.

The distance of two compositions is the largest difference of any element's atomic fraction, an
element missing from one counting as 0 there: ``max_e |x_e - y_e|`` over the union of their
elements (the L-infinity distance of the atomic-fraction vectors). It is the measure of the leak
guard (:data:`~electroscreen.data.composition_match.MATCH_TOLERANCE`) and of a screened
candidate's recall of a training row (``models.training_rows.TRAINING_MATCH_TOLERANCE``), so the
three read alike: two compositions ``d`` apart differ by at most ``d`` in every element's atomic
fraction. ``Li6.804La3Zr1.8Nb0.2O12`` lies 0.0021 from ``Li6.75La3Zr1.75Nb0.25O12`` (its La and
O, ~0.125 and ~0.5 in both, differ by 1e-4 to 2e-3; Zr by 0.0021); a trace dopant of 0.001 atomic
fraction on an otherwise measured compound lies 0.001 from it, whatever its element.

:func:`nearest_compositions` finds, for each of N query rows, its nearest reference in one Numba
pass. The references are kept as dense fraction vectors (one per reference composition, one entry
per atomic number), sorted by the fraction of one element (the one most references hold: Li in a
Li-ion dataset): that fraction alone differs by at most the distance, so a query reads the
references outwards from its own fraction of that element and stops where that difference alone
exceeds the nearest distance found. Each row's answer depends on that row and the references only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from electroscreen.data.composition_match import comparable_rows
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import MAX_Z

__all__ = ["NearestReferences", "farther", "fraction_vectors", "nearest_compositions"]


@njit(cache=True)
def _fill(out: np.ndarray, z: np.ndarray, amount: np.ndarray, a: int, b: int) -> None:
    """Add the atomic fractions of entries ``a:b`` to ``out`` (indexed by atomic number): one
    arithmetic for queries and references, so one composition written twice is 0 apart."""
    total = 0.0
    for k in range(a, b):
        total += amount[k]
    for k in range(a, b):
        out[z[k]] += amount[k] / total


@njit(cache=True)
def farther(d: float, x: np.ndarray, y: np.ndarray, z: np.ndarray, a: int, b: int) -> float:
    """``max(d, |x[z[k]] - y[z[k]]|)`` over the entries ``a:b``: the distance of two fraction
    vectors ``x`` and ``y`` (indexed by atomic number) over one side's elements ``z[a:b]``, added
    to ``d``. Called once with each side's elements, it is their distance (module docstring): the
    one arithmetic of that distance, here and in :mod:`electroscreen.screening.diversity`."""
    for k in range(a, b):
        d = max(d, abs(x[z[k]] - y[z[k]]))
    return d


@njit(cache=True)
def _dense(offsets: np.ndarray, z: np.ndarray, amount: np.ndarray, width: int) -> np.ndarray:
    """Atomic-fraction vectors of rows, shape (N, width)."""
    n = len(offsets) - 1
    out = np.zeros((n, width))
    for i in range(n):
        _fill(out[i], z, amount, offsets[i], offsets[i + 1])
    return out


@njit(cache=True)
def _nearest(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    usable: np.ndarray,
    fractions: np.ndarray,
    ref_offsets: np.ndarray,
    ref_z: np.ndarray,
    keys: np.ndarray,
    order: np.ndarray,
    key_z: int,
    values: np.ndarray,
    radius: float,
    count: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest reference (its row in ``fractions``; -1: none), distance (NaN: none) and spread
    (NaN: fewer than two) per query.

    ``fractions`` holds the references' fraction vectors, ``ref_z`` (CSR ``ref_offsets``) each
    one's elements, ``keys`` their fractions of element ``key_z`` in ascending order and ``order``
    their rows in that order. The spread is the range (max - min) of ``values`` (one per
    reference; NaN never counts) over the ``count`` nearest references within ``radius`` (ties by
    row); ``count < 2`` asks for none and searches exactly as far as the nearest needs.
    """
    n, m = len(offsets) - 1, len(order)
    found = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    spread = np.full(n, np.nan)
    query = np.zeros(fractions.shape[1])
    reach = radius if count >= 2 else -1.0  # how far the spread's references may lie
    near_d = np.empty(max(count, 1))
    near_j = np.empty(max(count, 1), dtype=np.int64)
    for i in range(n):
        if not usable[i] or m == 0:
            continue
        a, b = offsets[i], offsets[i + 1]
        _fill(query, z, amount, a, b)
        key = query[key_z]
        hi = np.searchsorted(keys, key)
        lo = hi - 1
        best, best_d = -1, np.inf
        held = 0  # references in near_d / near_j, nearest first
        while lo >= 0 or hi < m:
            gap_lo = key - keys[lo] if lo >= 0 else np.inf
            gap_hi = keys[hi] - key if hi < m else np.inf
            if gap_lo <= gap_hi:
                gap, j = gap_lo, order[lo]
                lo -= 1
            else:
                gap, j = gap_hi, order[hi]
                hi += 1
            if gap > max(best_d, reach):  # every reference further out differs more here alone
                break
            ref = fractions[j]
            d = farther(0.0, query, ref, z, a, b)
            if d > max(best_d, reach):  # already further than the nearest found
                continue
            d = farther(d, query, ref, ref_z, ref_offsets[j], ref_offsets[j + 1])
            if d <= reach and np.isfinite(values[j]):
                held = _keep_nearest(near_d, near_j, held, d, j)
            if d < best_d or (d == best_d and j < best):  # the nearest; the first of equals
                best, best_d = j, d
        found[i], distance[i] = best, best_d
        if held >= 2:
            low, high = np.inf, -np.inf
            for h in range(held):
                low, high = min(low, values[near_j[h]]), max(high, values[near_j[h]])
            spread[i] = high - low
        for k in range(a, b):
            query[z[k]] = 0.0
    return found, distance, spread


@njit(cache=True)
def _keep_nearest(near_d: np.ndarray, near_j: np.ndarray, held: int, d: float, j: int) -> int:
    """Insert reference ``j`` at distance ``d`` into the ``held`` nearest (sorted by distance, then
    row; at most ``len(near_d)`` kept) and return how many are held: the same set whatever order
    the references were read in."""
    size = len(near_d)
    at = held
    while at > 0 and (near_d[at - 1] > d or (near_d[at - 1] == d and near_j[at - 1] > j)):
        at -= 1
    if at >= size:
        return held
    for h in range(min(held, size - 1), at, -1):
        near_d[h], near_j[h] = near_d[h - 1], near_j[h - 1]
    near_d[at], near_j[at] = d, j
    return min(held + 1, size)


def fraction_vectors(packed: PackedCompositions) -> np.ndarray:
    """Each row's atomic fractions indexed by atomic number, as :func:`farther` compares them.

    Parameters
    ----------
    packed : PackedCompositions
        N rows; a row that is not comparable (``composition_match.comparable_rows``) gets a vector
        that means nothing: callers leave such rows out.

    Returns
    -------
    ndarray of float64, shape (N, W)
        ``W`` is one more than the largest atomic number held, at least ``MAX_Z + 1``.
    """
    z = packed.z.astype(np.int64)
    width = int(max(MAX_Z, int(z.max()) if len(z) else 0)) + 1
    return _dense(packed.offsets.astype(np.int64), z, packed.amount.astype(np.float64), width)


class NearestReferences:
    """Reference compositions, ready for :meth:`nearest` (a screening's batches reuse them).

    Parameters
    ----------
    references : PackedCompositions
        M references; a row that did not parse, or holds no element or a non-positive amount, is
        never nearest.
    """

    def __init__(self, references: PackedCompositions) -> None:
        usable = np.flatnonzero(comparable_rows(references))
        kept = references.take(usable)
        self._rows = usable  # reference row of each kept one
        self._width = int(max(MAX_Z, int(kept.z.max()) if len(kept.z) else 0)) + 1
        self._fractions = _dense(
            kept.offsets, kept.z.astype(np.int64), kept.amount.astype(np.float64), self._width
        )
        holds = self._fractions > 0
        counts = holds.sum(axis=1)
        self._ref_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._ref_z = np.nonzero(holds)[1].astype(np.int64)  # row-major: each row's elements
        held_by = holds.sum(axis=0)
        self._key_z = int(np.argmax(held_by)) if len(kept) else 0  # the first of the most held
        key_values = self._fractions[:, self._key_z]
        self._order = np.argsort(key_values, kind="stable").astype(np.int64)
        self._keys = np.ascontiguousarray(key_values[self._order])

    def __len__(self) -> int:
        return len(self._rows)

    def nearest(self, queries: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        """Each query row's nearest reference and its distance (module docstring).

        Parameters
        ----------
        queries : PackedCompositions
            N rows; one that is not comparable (as a reference that is never nearest) gets none.

        Returns
        -------
        rows : ndarray of int64, shape (N,)
            The nearest reference's row in ``references`` (the first of equally near ones); -1:
            none (no comparable reference, or the query is not comparable).
        distance : ndarray of float64, shape (N,)
            The largest difference of any element's atomic fraction from it, 0 to 1; NaN: none.
        """
        rows, distance, _ = self.nearest_with_spread(queries)
        return rows, distance

    def nearest_with_spread(
        self,
        queries: PackedCompositions,
        values: np.ndarray | None = None,
        radius: float = 0.0,
        k: int = 0,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`nearest`, and in the same pass how far apart the ``values`` of each query's
        ``k`` nearest references within ``radius`` lie.

        Parameters
        ----------
        queries : PackedCompositions
            N rows.
        values : ndarray of float, shape (M,), optional
            One per reference (a measurement, log10 S/cm); NaN never counts. None: no spread.
        radius : float
            The largest distance (as :meth:`nearest`'s) of a reference counted.
        k : int
            How many of the nearest references within ``radius`` count (below 2: no spread).

        Returns
        -------
        rows, distance : ndarray, shape (N,)
            As :meth:`nearest`.
        spread : ndarray of float64, shape (N,)
            The largest minus the smallest of those values; NaN where fewer than two count.
        """
        z = queries.z.astype(np.int64)
        usable = comparable_rows(queries)
        if len(z) and int(z.max()) >= self._width:  # beyond every reference's elements
            usable = usable & ~_holds_beyond(queries.offsets, z, self._width)
        if values is None:
            values, k = np.full(len(self._rows), np.nan), 0
        else:
            values = np.asarray(values, dtype=np.float64)[self._rows]  # the kept references'
        found, distance, spread = _nearest(
            queries.offsets.astype(np.int64), z, queries.amount.astype(np.float64),
            usable, self._fractions, self._ref_offsets, self._ref_z, self._keys, self._order,
            self._key_z, values, float(radius), int(k),
        )  # fmt: skip
        rows = np.full(len(found), -1, dtype=np.int64)
        rows[found >= 0] = self._rows[found[found >= 0]]
        return rows, distance, spread


def _holds_beyond(offsets: np.ndarray, z: np.ndarray, width: int) -> np.ndarray:
    """Rows holding an atomic number outside ``0:width`` (never from this package's readers)."""
    beyond = (z >= width).astype(np.int64)
    running = np.concatenate([[0], np.cumsum(beyond)])
    return running[offsets[1:]] > running[offsets[:-1]]


def nearest_compositions(
    queries: PackedCompositions, references: PackedCompositions
) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the nearest reference row and its distance
    (:meth:`NearestReferences.nearest`; build :class:`NearestReferences` once to reuse it).

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> rows, d = nearest_compositions(
    ...     pack_compositions(["Li20Ge2P4S24", "Li3.27Ge0.27P0.73S4", "Li2S", "?"]),
    ...     pack_compositions(["Li3PS4", "Li10GeP2S12", "Li3.25Ge0.25P0.75S4"]),
    ... )
    >>> rows.tolist(), [round(x, 4) for x in d.tolist()]
    ([1, 2, 1, -1], [0.0, 0.0026, 0.2667, nan])
    """
    return NearestReferences(references).nearest(queries)
