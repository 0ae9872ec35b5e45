"""Model outputs of the formulas a screening has already predicted, kept for its later batches.

A synthetic pool repeats its formulas: of the 102,840 ``ok`` rows of the 200,000-formula pool of
``electroscreen generate --obelix --pool-size 200000 --seed 0``, 47,666 are distinct, most repeats
in other batches. A model's outputs for a row depend on the row alone (its formula and the columns
asked with it, e.g. the temperature; ``tests/screening/test_batch_independence.py``), so a row
asked again with the same values gets the outputs computed the first time, bit for bit, and only
the rows not seen yet are featurized and predicted.

:class:`PredictionMemo` keeps one computation's outputs per row key (at most :data:`MAX_ROWS`
keys; later rows are computed, not kept); :class:`ScreeningMemos` holds one screening's memos, one
per request, for the batches it runs in this process (``execution.batch_runner``; a Dask worker
computes every row of its batches). The models' predictions are keyed by the rows asked (formula
as read, temperature), the computed objectives and the known-composition columns by the formula
as read, which fixes the batch's composition of the row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd

__all__ = ["MAX_ROWS", "PredictionMemo", "ScreeningMemos", "row_keys"]

#: Distinct rows one memo keeps (about 0.2 kB each).
MAX_ROWS = 1_000_000

#: Outputs of some rows: arrays whose first axis is the rows.
Outputs = tuple[np.ndarray, ...]


class PredictionMemo:
    """The outputs of one computation for the rows it has been asked, by row key.

    Parameters
    ----------
    max_rows : int
        Keys kept at most; rows beyond them are computed each time they come.
    """

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.max_rows = max_rows
        self._where: dict[Hashable, int] = {}
        self._kept: list[np.ndarray] = []  # per output, the rows kept in order, then spare room
        self._size = 0  # rows kept
        self._lock = threading.Lock()

    def outputs(self, keys: list[Hashable], compute: Callable[[np.ndarray], Outputs]) -> Outputs:
        """The outputs of the rows with ``keys``: the kept ones, and ``compute(positions)`` for
        the first row of each key not kept yet.

        Parameters
        ----------
        keys : list of hashable
            One key per row asked, in order; rows with equal keys have equal outputs.
        compute : callable
            Outputs of the rows at the given positions of ``keys`` (int64, ascending): arrays
            whose first axis is those rows.

        Returns
        -------
        tuple of ndarray
            ``compute``'s arrays for every row asked, in order.
        """
        every = np.arange(len(keys), dtype=np.int64)
        if not len(keys):
            return compute(every)
        with self._lock:
            found = [self._where.get(k, -1) for k in keys]
        first: dict[Hashable, int] = {}
        for position, (key, at) in enumerate(zip(keys, found, strict=True)):
            if at < 0 and key not in first:
                first[key] = position
        if first:
            new = np.fromiter(first.values(), dtype=np.int64, count=len(first))
            self._keep([keys[p] for p in new], compute(new))
            missing = [p for p, at in enumerate(found) if at < 0]
            with self._lock:
                for p in missing:
                    found[p] = self._where.get(keys[p], -1)
            if min(found) < 0:  # the memo is full: every row computed, as without it
                return compute(every)
        return self._gather(np.asarray(found, dtype=np.int64))

    def _keep(self, keys: list[Hashable], computed: Outputs) -> None:
        """Append the first rows of ``computed`` (as many as :attr:`max_rows` leaves room for) to
        the kept arrays, which grow by doubling: a batch copies its own rows, not the memo."""
        with self._lock:
            kept = min(max(0, self.max_rows - len(self._where)), len(keys))
            if not kept:
                return
            base, end = self._size, self._size + kept
            rows = [np.asarray(a)[:kept] for a in computed]
            if not self._kept:
                self._kept = [np.empty((0, *a.shape[1:]), dtype=a.dtype) for a in rows]
            for i, a in enumerate(rows):
                room = self._kept[i]
                dtype = np.promote_types(room.dtype, a.dtype)  # what np.concatenate gives
                if end > len(room) or dtype != room.dtype:
                    grown = np.empty((max(end, 2 * len(room)), *a.shape[1:]), dtype=dtype)
                    grown[:base] = room[:base]
                    room = self._kept[i] = grown
                room[base:end] = a
            self._size = end
            for i, key in enumerate(keys[:kept]):
                self._where[key] = base + i

    def _gather(self, found: np.ndarray) -> Outputs:
        with self._lock:
            return tuple(a[found] for a in self._kept)


def row_keys(frame: pd.DataFrame) -> list[tuple]:
    """One key per row of ``frame``: the tuple of its values."""
    return list(zip(*(frame[c].tolist() for c in frame.columns), strict=True))


class ScreeningMemos:
    """The memos of one screening's batches in this process, one per request (what is computed
    and its options, e.g. ``("conductivity", columns, ...)``): created by the screening, so none
    outlives it or sees another screening's models."""

    def __init__(self) -> None:
        self._memos: dict[Hashable, PredictionMemo] = {}
        self._lock = threading.Lock()

    def get(self, request: Hashable) -> PredictionMemo:
        """The memo of ``request``, created empty at first use."""
        with self._lock:
            return self._memos.setdefault(request, PredictionMemo())
