"""Per-segment reductions over CSR arrays: each segment's result depends on that segment only.

A difference of running sums (``cumsum[end] - cumsum[start]``) lets one huge or non-finite value
anywhere in a batch change every later segment (``1e20 + 1 - 1e20 == 0``; ``inf - inf`` is NaN).
These helpers reduce each segment on its own, like :func:`numpy.add.reduceat`, and give the
identity for empty segments (``reduceat`` would return the next element there).
"""

from __future__ import annotations

import numpy as np

__all__ = ["segment_all", "segment_any", "segment_ids", "segment_sum"]


def segment_ids(offsets: np.ndarray) -> np.ndarray:
    """Segment number of every element, shape (offsets[-1],).

    Parameters
    ----------
    offsets : ndarray of int, shape (N + 1,)
        Non-decreasing CSR offsets; segment ``i`` is ``[offsets[i], offsets[i+1])``.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


def segment_sum(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of each segment of ``values``, shape (N,); 0 for an empty segment.

    Parameters
    ----------
    values : ndarray, shape (K,)
        Flat values (bool counts as 0/1, summed as int64).
    offsets : ndarray of int, shape (N + 1,)
        CSR offsets, ``offsets[0] == 0`` and ``offsets[-1] == K``.

    Returns
    -------
    ndarray, shape (N,)
        Float64 for float input, int64 for integer or bool input.

    Examples
    --------
    >>> segment_sum(np.array([1.0, 2.0, 1e300, 4.0]), np.array([0, 2, 2, 3, 4])).tolist()
    [3.0, 0.0, 1e+300, 4.0]
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    values = np.asarray(values)[: offsets[-1] if len(offsets) else 0]
    if values.dtype == bool:
        values = values.astype(np.int64)
    n = len(offsets) - 1
    out = np.zeros(n, dtype=values.dtype if values.dtype.kind in "iu" else np.float64)
    if n == 0 or len(values) == 0:
        return out
    counts = np.diff(offsets)
    nonempty = counts > 0
    out[nonempty] = np.add.reduceat(values, offsets[:-1][nonempty])
    return out


def segment_any(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Whether any element of each segment of ``mask`` is true, shape (N,); False when empty."""
    return segment_sum(np.asarray(mask, dtype=bool), offsets) > 0


def segment_all(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Whether every element of each segment of ``mask`` is true, shape (N,); True when empty."""
    return ~segment_any(~np.asarray(mask, dtype=bool), offsets)
