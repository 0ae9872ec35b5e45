"""Formula text of a whole batch at once: each formula as read and its reduced formula.

A screening batch writes two texts per candidate: ``cell_formula`` (the content as read, written
compactly: :func:`~electroscreen.data.formula.format_formula`) and ``formula`` (the reduced formula
a chemist writes: :func:`~electroscreen.data.formula_reduction.reduced_formula`). Calling those per
row costs ~60 us (regex parse, divisor search, sort, string formatting): more than featurizing and
predicting the row. Here the formulas are packed by the Numba tokenizer, the formula units of every
row are found by one Numba kernel, the reduced elements are ordered by one lexsort (the writing
order of :func:`~electroscreen.data.formula_reduction.composition_writing_ranks`), and each
distinct amount is written once. Rows the fast path does not cover (a bad or empty formula, a zero
amount) go through the per-row functions, so both paths give the same texts, statuses and errors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from electroscreen.data.borane import boron_and_hydrogen, cage_formula_units
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import (
    FormulaError,
    format_formula,
    join_formula_entries,
    parse_formula,
    written_amounts,
)
from electroscreen.data.formula_reduction import (
    REDUCED_DECIMALS,
    composition_writing_ranks,
    reduce_formula_text,
)
from electroscreen.data.segments import segment_all, segment_ids, segment_sum

__all__ = ["formula_texts", "packed_formula_units", "packed_texts"]


@njit(cache=True)
def _decimals(value: float, tol: float = 1e-6) -> int:
    """Number of decimals ``value`` needs (up to 6; 7 when more): as
    ``formula_reduction._decimals``."""
    for k in range(7):
        scale = 10.0**k
        scaled = value * scale
        if abs(scaled - np.rint(scaled)) < tol * scale:
            return k
    return 7


@njit(cache=True)
def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


@njit(cache=True)
def _row_units(values: np.ndarray, max_decimals: int, cages: int) -> int:
    """:func:`~electroscreen.data.formula_reduction.formula_units` of one row's positive amounts,
    a divisor of ``cages`` unless it is 0 (a borane's cages:
    :func:`~electroscreen.data.borane.cage_formula_units`)."""
    scale = 10.0**max_decimals
    common = 0
    for v in values:
        scaled = v * scale
        rounded = np.rint(scaled)
        if abs(scaled - rounded) > 1e-6 * max(1.0, scaled):
            return 1
        common = _gcd(common, int(rounded))
    if common <= 1:
        return 1
    best = 1
    best_digits = 0
    for v in values:
        best_digits += _decimals(v)
    largest = values.max()
    divisors = []
    k = 1
    while k * k <= common:
        if common % k == 0:
            divisors.append(k)
            if common // k != k:
                divisors.append(common // k)
        k += 1
    divisors.sort()
    for f in divisors[1:]:
        if largest / f < 1.0 - 1e-9:  # Li0.5Cl0.5 stays
            break
        if cages > 0 and cages % f != 0:  # a unit of split or other cages
            continue
        total = 0
        worst = 0
        for v in values:
            d = _decimals(v / f)
            total += d
            worst = max(worst, d)
        if worst > max_decimals:
            continue
        if total <= best_digits:
            best, best_digits = f, total
    return best


@njit(cache=True)
def _formula_units(
    offsets: np.ndarray, amount: np.ndarray, max_decimals: int, cages: np.ndarray
) -> np.ndarray:
    out = np.ones(len(offsets) - 1, dtype=np.int64)
    for i in range(len(offsets) - 1):
        lo, hi = offsets[i], offsets[i + 1]
        if hi > lo:
            out[i] = _row_units(amount[lo:hi], max_decimals, cages[i])
    return out


def packed_formula_units(
    packed: PackedCompositions, max_decimals: int = REDUCED_DECIMALS
) -> np.ndarray:
    """Formula units of every row (:func:`~electroscreen.data.formula_reduction.formula_units`).

    Parameters
    ----------
    packed : PackedCompositions
        N rows whose amounts are all positive (a cell's content, a formula as written).
    max_decimals : int
        Most decimals an amount may keep after division.

    Returns
    -------
    ndarray of int64, shape (N,)
        ``f >= 1``; 1 for an empty row.
    """
    offsets = np.ascontiguousarray(packed.offsets, dtype=np.int64)
    amount = np.ascontiguousarray(packed.amount, dtype=np.float64)
    carbon = segment_sum(packed.amount * (packed.z == 6), packed.offsets)
    cages = cage_formula_units(*boron_and_hydrogen(packed), carbon)
    return _formula_units(offsets, amount, max_decimals, np.ascontiguousarray(cages, np.int64))


def packed_texts(
    packed: PackedCompositions, max_decimals: int = REDUCED_DECIMALS
) -> tuple[list[str], list[str], np.ndarray]:
    """The formula as read and the reduced formula of every row of ``packed``.

    The reduced formula is that of the written formula (amounts as their text reads back), as
    ``reduced_formula(parse_formula(format_formula(amounts)))`` gives it.

    Parameters
    ----------
    packed : PackedCompositions
        N rows with status ``ok`` and positive amounts, elements in order of first appearance.
    max_decimals : int
        As in :func:`~electroscreen.data.formula_reduction.reduced_formula`: ``REDUCED_DECIMALS``
        for cell contents, ``WRITTEN_DECIMALS`` for formulas as written.

    Returns
    -------
    cell : list of str, length N
        ``format_formula`` of each row (elements as stored).
    reduced : list of str, length N
        ``reduced_formula`` of each row (per formula unit, elements in writing order).
    exact : ndarray of bool, shape (N,)
        False where an amount is written as 0 (rounded to 4 decimals), which a parser of the
        written formula drops: such a row's ``reduced`` must come from the per-row functions.
    """
    offsets = np.asarray(packed.offsets, dtype=np.int64)
    texts, written = written_amounts(packed.amount)
    cell = join_formula_entries(packed.z, texts, offsets)
    exact = segment_all(written > 0, offsets)
    row = segment_ids(offsets)
    ranks = composition_writing_ranks(packed.z, written, offsets)  # as the per-row writer's
    order = np.lexsort((ranks, row))  # by row, then writing order
    by_rank = PackedCompositions(offsets, packed.z[order], written[order], packed.status,
                                 packed.error)  # fmt: skip
    units = packed_formula_units(by_rank, max_decimals)
    reduced_texts, _ = written_amounts(by_rank.amount / units[row])
    return cell, join_formula_entries(by_rank.z, reduced_texts, offsets), exact


def formula_texts(
    formulas: Sequence[object], max_decimals: int = REDUCED_DECIMALS
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Formula texts of a column of formulas, as ``format_formula`` / ``reduced_formula`` give them.

    Parameters
    ----------
    formulas : sequence, length N
        Formula strings (anything else is read as an empty formula).
    max_decimals : int
        As in :func:`~electroscreen.data.formula_reduction.reduced_formula`: ``REDUCED_DECIMALS``
        (the default) for cell contents written as text, ``WRITTEN_DECIMALS`` for formulas as a
        user wrote them (reduced only when integral).

    Returns
    -------
    cell, reduced : list of str, length N
        The formula as read (compact) and its reduced formula; for a row that does not parse, the
        text as read and ``""``.
    status, error : list of str, length N
        ``"ok"`` / ``""``, or the ``FormulaError`` reason and message of
        :func:`~electroscreen.data.formula.parse_formula`.
    """
    text = [f if isinstance(f, str) else "" for f in formulas]
    distinct = list(dict.fromkeys(text))
    packed = pack_compositions(distinct)
    counts = np.diff(packed.offsets)
    fast = (packed.status == "ok") & (counts > 0) & segment_all(packed.amount > 0, packed.offsets)
    cell = list(distinct)
    reduced = [""] * len(distinct)
    status = ["ok"] * len(distinct)
    error = [""] * len(distinct)
    rows = np.flatnonzero(fast)
    fast_cell, fast_reduced, exact = packed_texts(packed.take(rows), max_decimals)
    for i, c, r in zip(rows.tolist(), fast_cell, fast_reduced, strict=True):
        cell[i], reduced[i] = c, r
    fast[rows[~exact]] = False
    for i in np.flatnonzero(~fast).tolist():  # the per-row functions: same texts and messages
        try:
            amounts = parse_formula(distinct[i])
        except FormulaError as exc:
            status[i], error[i] = exc.reason, str(exc)
        except Exception as exc:  # noqa: BLE001 - e.g. OverflowError: still this row only
            status[i] = "bad_amount" if isinstance(exc, OverflowError) else "row_error"
            error[i] = f"{type(exc).__name__}: {exc}"
        else:
            cell[i] = format_formula(amounts)
            reduced[i] = reduce_formula_text(cell[i], max_decimals)
    where = {f: i for i, f in enumerate(distinct)}
    index = [where[f] for f in text]
    return (
        [cell[i] for i in index],
        [reduced[i] for i in index],
        [status[i] for i in index],
        [error[i] for i in index],
    )
