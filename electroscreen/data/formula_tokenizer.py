"""Numba tokenizer of formula strings: the fast path of :func:`~electroscreen.data.pack_compositions`.

:func:`~electroscreen.data.formula.parse_formula` (a regex parser) costs ~6 us per new formula, four
times the Magpie kernel. The common case -- element symbols, decimal amounts and fractions
(``Sc2/3``), nested (), [], {} with multipliers -- is parsed here in Numba over the bytes of all
formulas at once, with exactly the parser's arithmetic and element order. Every other formula
(hydrate dots, including the ASCII ones ``CaSO4.2H2O``, ``Li3PS4.2LiI`` and ``3Li2S.2P2S5``: any
decimal amount followed by a water or by an element seen before it; ``Li2O.2(B2O3)``; a bracket
opening on ``I`` or ``V`` right after a symbol, ``Li(I)Cl``; separators ``+ · *``, leading
multipliers, exponents, spaces, non-ASCII, unknown symbols, a ``/`` that makes no fraction,
errors, more than 15 digits) is flagged (count -1) and re-parsed by ``parse_formula``, so both paths
give the same arrays, statuses and errors.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from electroscreen.data.formula import SYMBOL_TO_Z

__all__ = ["tokenize_formulas"]


def _symbol_table() -> np.ndarray:
    """Atomic number of each one- or two-letter symbol: ``[upper - 65, lower - 97 + 1]``."""
    table = np.zeros((26, 27), dtype=np.int64)
    for symbol, z in SYMBOL_TO_Z.items():
        second = ord(symbol[1]) - 96 if len(symbol) == 2 else 0
        table[ord(symbol[0]) - 65, second] = z
    return table


_SYMBOLS = _symbol_table()
_CLOSERS = np.zeros(256, dtype=np.int64)  # closing byte of each opening bracket byte
for _open, _close in ("()", "[]", "{}"):
    _CLOSERS[ord(_open)] = ord(_close)
_POW10 = np.array([float(10**k) for k in range(16)])  # exact doubles


@njit(cache=True, inline="always")
def _read_plain(buf: np.ndarray, pos: int, end: int) -> tuple[float, int, bool]:
    """A ``\\d*\\.\\d+|\\d+`` number at ``pos``: (value, new position, exact); 1.0 if none
    (the position unchanged)."""
    mantissa = 0
    digits = 0
    decimals = 0
    seen_dot = False
    start = pos
    while pos < end:
        c = buf[pos]
        if 48 <= c <= 57:
            mantissa = mantissa * 10 + (c - 48)
            digits += 1
            if seen_dot:
                decimals += 1
        elif c == 46 and not seen_dot and pos + 1 < end and 48 <= buf[pos + 1] <= 57:
            seen_dot = True
        else:
            break
        pos += 1
    if pos == start:
        return 1.0, pos, True
    if digits > 15:  # the integer mantissa and 10**decimals must both be exact doubles
        return 1.0, pos, False
    return mantissa / _POW10[decimals], pos, True


@njit(cache=True)
def _read_number(buf: np.ndarray, pos: int, end: int) -> tuple[float, int, bool]:
    """An amount at ``pos``: a ``\\d*\\.\\d+|\\d+`` number or a fraction ``a/b`` of two (``2/3``,
    ``1.5/2``, divided as ``parse_formula`` divides): (value, new position, exact); 1.0 if none.
    Not exact (the row falls back, and ``parse_formula`` says why): > 15 digits, or a ``/``
    without a denominator (``Li2/Cl``) or with a zero one (``Sc2/0``)."""
    value, after, exact = _read_plain(buf, pos, end)
    if after == pos or not exact or after == end or buf[after] != 47:  # no "/": no fraction
        return value, after, exact
    denominator, past, exact = _read_plain(buf, after + 1, end)
    if past == after + 1 or not exact or denominator == 0.0:
        return 1.0, past, False
    return value / denominator, past, True


@njit(cache=True)
def _merge(z_buf, n_buf, lo, count, z, amount) -> int:
    """Add ``amount`` of ``z`` to the level ``z_buf[lo:lo + count]``; returns the new count."""
    for k in range(lo, lo + count):
        if z_buf[k] == z:
            n_buf[k] = n_buf[k] + amount
            return count
    z_buf[lo + count] = z
    n_buf[lo + count] = 0.0 + amount
    return count + 1


@njit(cache=True, inline="always")
def _adduct_dot(buf, pos, end, symbols, z_buf, count, current, repeats) -> bool:
    """Whether ``parse_formula`` might read the dot of an amount ``<digits>.<digits>`` followed by
    an element at ``pos`` as an adduct separator: a water ``H2O``/``D2O`` at ``pos``, or an element
    anywhere in ``buf[pos:end]`` that is already seen (``z_buf[:count]``, or ``current``, the
    element the amount belongs to). A superset of ``parse_formula``'s rule (which looks at the next
    unit only and keeps ``Cl0.5...`` a decimal): such rows fall back to it. ``repeats``: whether
    any symbol occurs twice in the formula (:func:`_repeats`); without one only a water can."""
    c = buf[pos]
    if (c == 72 or c == 68) and pos + 2 < end and buf[pos + 1] == 50 and buf[pos + 2] == 79:
        if pos + 3 == end or not (97 <= buf[pos + 3] <= 122 or 48 <= buf[pos + 3] <= 57):
            return True
    if not repeats:
        return False  # no symbol occurs twice in the formula: none after pos was seen before it
    while pos < end:
        c = buf[pos]
        if 65 <= c <= 90:
            second = 0
            if pos + 1 < end and 97 <= buf[pos + 1] <= 122:
                second = buf[pos + 1] - 96
            z = symbols[c - 65, second]
            if z == current:
                return True
            for k in range(count):
                if z_buf[k] == z:
                    return True
        pos += 1
    return False


@njit(cache=True)
def _repeats(buf, start, end, marks, stamp) -> bool:
    """Whether an element symbol occurs twice in ``buf[start:end]``; ``marks`` (length 26 * 27)
    holds, per symbol, the ``stamp`` of the last formula it was seen in (a new one per formula)."""
    found = False
    for pos in range(start, end):
        c = buf[pos]
        if 65 <= c <= 90:
            second = 0
            if pos + 1 < end and 97 <= buf[pos + 1] <= 122:
                second = buf[pos + 1] - 96
            key = (c - 65) * 27 + second
            if marks[key] == stamp:
                found = True
            marks[key] = stamp
    return found


@njit(cache=True, inline="always")
def _dot_falls_back(
    buf, number_start, pos, end, symbols, z_buf, count, current, closers, repeats
) -> bool:
    """Whether an amount ``buf[number_start:pos]`` outside brackets leaves the row to
    ``parse_formula``: its dot may be an adduct separator (:func:`_adduct_dot`), or it has no digit
    before its dot and a bracket follows (``Li2O.2(B2O3)``, which ``parse_formula`` refuses)."""
    if pos >= end:
        return False
    has_dot = False
    for k in range(number_start, pos):
        if buf[k] == 46:
            has_dot = True
    if not has_dot:
        return False
    if 65 <= buf[pos] <= 90:
        return _adduct_dot(buf, pos, end, symbols, z_buf, count, current, repeats)
    return buf[number_start] == 46 and closers[buf[pos]] > 0


@njit(cache=True)
def _parse_one(buf, start, end, symbols, z_buf, n_buf, tmp_z, tmp_n, closers, marks, stamp) -> int:
    """Parse one formula into ``z_buf``/``n_buf``; number of elements, or -1 to fall back."""
    repeats = _repeats(buf, start, end, marks, stamp)
    level_start = np.zeros(end - start + 2, dtype=np.int64)
    level_close = np.zeros(end - start + 2, dtype=np.int64)
    depth = 0
    count = 0  # entries in z_buf over all open levels
    pos = start
    while pos < end:
        c = buf[pos]
        if 65 <= c <= 90:
            second = 0
            if pos + 1 < end and 97 <= buf[pos + 1] <= 122:
                second = buf[pos + 1] - 96
            z = symbols[c - 65, second]
            if z == 0:
                return -1
            pos += 2 if second else 1
            number_start = pos
            amount, pos, exact = _read_number(buf, pos, end)
            if not exact:
                return -1
            has_dot = False  # looked for inline: a call for every element costs ~15 % more
            if depth == 0 and pos < end:
                for k in range(number_start, pos):
                    if buf[k] == 46:
                        has_dot = True
            if has_dot and _dot_falls_back(
                buf, number_start, pos, end, symbols, z_buf, count, z, closers, repeats
            ):
                return -1  # CaSO4.2H2O, Li3PS4.2LiI: parse_formula reads the adduct
            lo = level_start[depth]
            count = lo + _merge(z_buf, n_buf, lo, count - lo, z, amount)
        elif closers[c] > 0:
            if pos > start and (65 <= buf[pos - 1] <= 90 or 97 <= buf[pos - 1] <= 122):
                if pos + 1 < end and (buf[pos + 1] == 73 or buf[pos + 1] == 86):
                    return -1  # Li(I)Cl: maybe an oxidation state, which parse_formula refuses
            depth += 1
            level_start[depth] = count
            level_close[depth] = closers[c]
            pos += 1
        elif depth > 0 and c == level_close[depth]:
            number_start = pos + 1
            multiplier, pos, exact = _read_number(buf, pos + 1, end)
            if not exact:
                return -1
            lo = level_start[depth]
            m = count - lo
            for k in range(m):
                tmp_z[k] = z_buf[lo + k]
                tmp_n[k] = n_buf[lo + k]
            depth -= 1
            parent = level_start[depth]
            count = lo
            for k in range(m):
                count = parent + _merge(
                    z_buf, n_buf, parent, count - parent, tmp_z[k], tmp_n[k] * multiplier
                )
            if depth == 0 and _dot_falls_back(
                buf, number_start, pos, end, symbols, z_buf, count, 0, closers, repeats
            ):
                return -1  # (Li2S)3.2LiI: parse_formula reads the adduct
        else:
            return -1  # anything else: let parse_formula decide
    if depth != 0:
        return -1
    kept = 0
    for k in range(count):
        if n_buf[k] > 0:
            z_buf[kept] = z_buf[k]
            n_buf[kept] = n_buf[k]
            kept += 1
    return kept if kept > 0 else -1


@njit(cache=True)
def _parse_all(buf, bounds, symbols, closers):
    n = bounds.shape[0] - 1
    counts = np.zeros(n, dtype=np.int64)
    width = 1
    for i in range(n):
        width = max(width, bounds[i + 1] - bounds[i])
    z_out = np.empty(buf.shape[0] + 1, dtype=np.int64)
    n_out = np.empty(buf.shape[0] + 1)
    z_buf = np.empty(width + 1, dtype=np.int64)
    n_buf = np.empty(width + 1)
    tmp_z = np.empty(width + 1, dtype=np.int64)
    tmp_n = np.empty(width + 1)
    marks = np.zeros(26 * 27, dtype=np.int64)  # stamps i + 1 of _repeats
    fill = 0
    for i in range(n):
        got = _parse_one(
            buf,
            bounds[i],
            bounds[i + 1],
            symbols,
            z_buf,
            n_buf,
            tmp_z,
            tmp_n,
            closers,
            marks,
            i + 1,
        )
        if got < 0:
            counts[i] = -1
            continue
        counts[i] = got
        z_out[fill : fill + got] = z_buf[:got]
        n_out[fill : fill + got] = n_buf[:got]
        fill += got
    return counts, z_out[:fill], n_out[:fill]


def tokenize_formulas(formulas: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse formula strings at once; rows the tokenizer does not handle get count -1.

    Returns
    -------
    counts : ndarray of int64, shape (N,)
        Elements per formula, -1 where the formula must go to ``parse_formula``.
    z, amount : ndarrays, shape (K,)
        Atomic numbers and amounts of the handled rows, concatenated in row order.
    """
    lengths = np.fromiter(map(len, formulas), dtype=np.int64, count=len(formulas))
    # non-ASCII characters become "?" (one byte each), which sends their formula to the fallback
    buf = np.frombuffer("".join(formulas).encode("ascii", "replace"), dtype=np.uint8)
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    return _parse_all(buf, bounds, _SYMBOLS, _CLOSERS)
