"""Arithmetic whose result for a row depends on that row alone, to the last bit.

A BLAS matrix product rounds a row's dot products differently depending on where the row sits in
the matrix (its micro-kernels tile the rows, and edge tiles and lanes add in other orders): the same
candidate scored in a batch of 1,000 and in one of 5,000 came out up to 1e-12 apart, enough to swap
tied ranks. So the models' per-row linear algebra is written here with a fixed order of operations:

- :func:`row_dot`: ``A @ w`` as an elementwise product summed along each row (NumPy's per-row
  summation depends on the row's length only);
- :func:`member_mean_std`: mean and spread over an ensemble's members, each row's members added
  in order (NumPy reduces the first axis of a one-row ``(members, rows)`` array pairwise and of a
  wider one member by member: a candidate alone in its batch came out otherwise);
- :func:`mean_nearest_distance`: mean Euclidean distance to the ``k`` nearest reference rows, each
  squared distance summed from the differences in a fixed order (four running sums over the
  features, then added pairwise; a reference row is given up on once its partial sum exceeds the
  current ``k``-th smallest, which cannot change the result), the ``k`` smallest added in
  ascending order; :func:`nearest_distances` gives that mean and the distance to the nearest row
  from the same search (the nearest row's sum is never cut short, so it is the ``k = 1`` value to
  the last bit).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["mean_nearest_distance", "member_mean_std", "nearest_distances", "row_dot"]


def row_dot(A: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``A @ w`` row by row, shape (n_rows,), for ``A`` of shape (n_rows, n) and ``w`` of shape (n,)."""
    A = np.ascontiguousarray(A, dtype=np.float64)  # each row one contiguous run, whatever A was
    return (A * np.asarray(w, dtype=np.float64)).sum(axis=1)


def member_mean_std(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation over members, each of shape (n_rows,), of
    ``outputs`` of shape (n_members, n_rows): members added in order, row by row."""
    outputs = np.ascontiguousarray(outputs, dtype=np.float64)
    if outputs.ndim != 2:
        raise ValueError(f"outputs must be (n_members, n_rows), got shape {outputs.shape}")
    return _member_mean_std(outputs)


@njit(cache=True, parallel=True)
def _member_mean_std(outputs):
    n_members, n_rows = outputs.shape
    mean = np.empty(n_rows)
    std = np.empty(n_rows)
    for i in prange(n_rows):
        total = 0.0
        for m in range(n_members):
            total += outputs[m, i]
        mu = total / n_members
        squares = 0.0
        for m in range(n_members):
            d = outputs[m, i] - mu
            squares += d * d
        mean[i] = mu
        std[i] = np.sqrt(squares / n_members)
    return mean, std


def mean_nearest_distance(Z: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """Mean distance of each row of ``Z`` to its ``k`` nearest rows of ``reference``.

    Parameters
    ----------
    Z : ndarray, shape (n_rows, n_features)
    reference : ndarray, shape (n_reference, n_features)
    k : int
        Neighbours averaged, ``1 <= k <= n_reference``.

    Returns
    -------
    ndarray, shape (n_rows,)
        Same units as the features.
    """
    return nearest_distances(Z, reference, k)[0]


def nearest_distances(
    Z: np.ndarray, reference: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean distance of each row of ``Z`` to its ``k`` nearest rows of ``reference``, and its
    distance to the nearest one, from one search.

    Parameters
    ----------
    Z : ndarray, shape (n_rows, n_features)
    reference : ndarray, shape (n_reference, n_features)
    k : int
        Neighbours averaged, ``1 <= k <= n_reference``.

    Returns
    -------
    mean : ndarray, shape (n_rows,)
        :func:`mean_nearest_distance` with ``k``; same units as the features.
    nearest : ndarray, shape (n_rows,)
        :func:`mean_nearest_distance` with ``k = 1``, bit for bit.
    """
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    reference = np.ascontiguousarray(reference, dtype=np.float64)
    if not 1 <= k <= len(reference):
        raise ValueError(f"k must be in 1..{len(reference)}, got {k}")
    if Z.shape[1] != reference.shape[1]:
        raise ValueError(f"{Z.shape[1]} features against {reference.shape[1]} in the reference")
    return _mean_nearest(Z, reference, int(k))


@njit(cache=True)
def _squared_distance(a, b, bound):
    """``sum((a - b) ** 2)``: four running sums over the features (j mod 4), added pairwise; inf as
    soon as the sum so far exceeds ``bound`` (checked every 16 features; the sums only grow, so a
    row given up on could not have been nearer)."""
    n = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    j = 0
    while j + 4 <= n:
        d0 = a[j] - b[j]
        d1 = a[j + 1] - b[j + 1]
        d2 = a[j + 2] - b[j + 2]
        d3 = a[j + 3] - b[j + 3]
        s0 += d0 * d0
        s1 += d1 * d1
        s2 += d2 * d2
        s3 += d3 * d3
        j += 4
        if j % 16 == 0 and (s0 + s1) + (s2 + s3) > bound:
            return np.inf
    while j < n:
        d = a[j] - b[j]
        s0 += d * d
        j += 1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, parallel=True)
def _mean_nearest(Z, reference, k):
    out = np.empty(Z.shape[0])
    first = np.empty(Z.shape[0])
    for i in prange(Z.shape[0]):
        nearest = np.full(k, np.inf)  # ascending
        for r in range(reference.shape[0]):
            d = _squared_distance(Z[i], reference[r], nearest[k - 1])
            if d < nearest[k - 1]:
                pos = k - 1
                while pos > 0 and nearest[pos - 1] > d:
                    nearest[pos] = nearest[pos - 1]
                    pos -= 1
                nearest[pos] = d
        total = 0.0
        for m in range(k):
            total += np.sqrt(nearest[m])
        out[i] = total / k
        first[i] = np.sqrt(nearest[0])
    return out, first
