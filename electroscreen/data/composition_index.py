"""Which reference composition a query is, for whole screening batches.

:func:`~electroscreen.data.composition_match.match_compositions` parses and compares one formula at a
time (~20 us each): fine for a label table, too slow for 200,000 candidates. Here both sides are
packed (:class:`~electroscreen.data.compositions.PackedCompositions`); each row's element set gets
a 64-bit code (the sum of one fixed random code per element, modulo 2**64), so only the few query
rows whose element set occurs among the references are compared, element by element, with the
same rule: every atomic fraction within ``tol`` (the leak guard's 2e-4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from electroscreen.data.composition_match import MATCH_TOLERANCE
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS

__all__ = ["CompositionIndex"]

#: One fixed random code per atomic number (a row's element set is the sum of its elements' codes).
_ELEMENT_CODES = (
    np.random.default_rng(20261205)
    .integers(1, 2**63, size=len(ELEMENT_SYMBOLS), dtype=np.int64)
    .astype(np.uint64)
)


def _usable(packed: PackedCompositions) -> np.ndarray:
    """Rows that parsed, hold an element and only positive, finite amounts."""
    n = np.diff(packed.offsets)
    good = np.isfinite(packed.amount) & (packed.amount > 0)
    bad_rows = np.bincount(np.repeat(np.arange(len(n)), n)[~good], minlength=len(n)) > 0
    return (packed.status == "ok") & (n > 0) & ~bad_rows


def _system_codes(packed: PackedCompositions) -> np.ndarray:
    """Per row, the code of its element set, shape (N,) uint64 (exact: modular integer sums)."""
    codes = _ELEMENT_CODES[np.asarray(packed.z, dtype=np.int64)]
    running = np.concatenate(([np.uint64(0)], np.cumsum(codes, dtype=np.uint64)))
    offsets = np.asarray(packed.offsets, dtype=np.int64)
    return running[offsets[1:]] - running[offsets[:-1]]


def _fractions(packed: PackedCompositions, row: int) -> dict[int, float]:
    a, b = packed.offsets[row], packed.offsets[row + 1]
    amounts = packed.amount[a:b]
    return dict(zip(packed.z[a:b].tolist(), (amounts / amounts.sum()).tolist(), strict=True))


class CompositionIndex:
    """Reference compositions, looked up by element set.

    Parameters
    ----------
    formulas : sequence of str
        The references (rows that do not parse are never found).

    Examples
    --------
    >>> index = CompositionIndex(["Li10GeP2S12", "Li3PS4"])
    >>> index.find(pack_compositions(["Li20Ge2P4S24", "Li3PS4.0001", "Li2S"])).tolist()
    [0, 1, -1]
    """

    def __init__(self, formulas: Sequence[str]) -> None:
        packed = pack_compositions([str(f) for f in formulas])
        usable = _usable(packed)
        codes = _system_codes(packed)
        self._by_code: dict[int, list[tuple[int, dict[int, float]]]] = defaultdict(list)
        for row in np.flatnonzero(usable).tolist():
            self._by_code[int(codes[row])].append((row, _fractions(packed, row)))
        self._codes = np.array(sorted(self._by_code), dtype=np.uint64)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._by_code.values())

    def find(self, packed: PackedCompositions, tol: float = MATCH_TOLERANCE) -> np.ndarray:
        """For each query row, the reference row it matches (the closest), or -1.

        Parameters
        ----------
        packed : PackedCompositions
            N query rows.
        tol : float
            Largest difference of any element's atomic fraction.

        Returns
        -------
        ndarray of int64, shape (N,)
        """
        out = np.full(len(packed), -1, dtype=np.int64)
        codes = _system_codes(packed)
        candidates = np.flatnonzero(_usable(packed) & np.isin(codes, self._codes))
        for row in candidates.tolist():
            query = _fractions(packed, row)
            best, best_gap = -1, np.inf
            for ref, fractions in self._by_code[int(codes[row])]:
                if fractions.keys() != query.keys():  # a code collision, never a match
                    continue
                gap = max(abs(fractions[z] - x) for z, x in query.items())
                if gap <= tol and gap < best_gap:  # the closest; the first of equals
                    best, best_gap = ref, gap
            out[row] = best
        return out
