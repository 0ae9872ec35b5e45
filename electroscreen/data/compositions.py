"""Packed compositions: a batch of formulas as flat (element number, amount) arrays in CSR form."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.formula import (
    ELEMENT_SYMBOLS,
    MAX_AMOUNT,
    MIN_AMOUNT,
    SYMBOL_TO_Z,
    FormulaError,
    amount_problem,
    parse_formula,
)
from electroscreen.data.formula_tokenizer import tokenize_formulas
from electroscreen.data.packed import _ranges
from electroscreen.data.segments import segment_any, segment_sum

__all__ = ["PackedCompositions", "pack_compositions"]


@dataclass(frozen=True)
class PackedCompositions:
    """N compositions as CSR arrays; composition ``i`` is ``z[offsets[i]:offsets[i+1]]``.

    Attributes
    ----------
    offsets : ndarray of int64, shape (N + 1,)
    z : ndarray of int64, shape (K,)
        Atomic numbers.
    amount : ndarray of float64, shape (K,)
        Amount of each element per formula unit as written.
    status : ndarray of object, shape (N,)
        ``"ok"`` or the reason the formula could not be parsed (then the row is empty).
    error : ndarray of object, shape (N,)
        Human-readable message, ``""`` when ok.
    """

    offsets: np.ndarray
    z: np.ndarray
    amount: np.ndarray
    status: np.ndarray
    error: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def take(self, indices: Sequence[int]) -> PackedCompositions:
        """A new batch holding the compositions at ``indices``, in that order."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        counts = np.diff(self.offsets)[idx]
        entries = _ranges(self.offsets[idx], counts)
        return PackedCompositions(
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            z=self.z[entries],
            amount=self.amount[entries],
            status=self.status[idx],
            error=self.error[idx],
        )

    def usable_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows a reaction or hull scan can take, and each row's number of atoms.

        Returns
        -------
        usable : ndarray of bool, shape (N,)
            Status ``ok``, at least one element, a positive total and no negative amount.
        total : ndarray of float64, shape (N,)
            Sum of the row's amounts (atoms per formula unit), computed per row.
        """
        total = segment_sum(self.amount, self.offsets)
        negative = segment_any(self.amount < 0, self.offsets)
        usable = (self.status == OK) & (np.diff(self.offsets) > 0) & (total > 0) & ~negative
        return usable, total

    def as_dict(self, i: int) -> dict[int, float]:
        """Composition ``i`` as ``{Z: amount}``."""
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return dict(zip(self.z[lo:hi].tolist(), self.amount[lo:hi].tolist(), strict=True))


def _missing(item: object) -> bool:
    """Whether ``item`` is a missing value: None, a NaN of any float type, or pandas' ``NA`` /
    ``NaT`` (a ``string`` column's empty cell is ``pd.NA``: ``empty_formula`` as None is, not
    ``bad_formula``)."""
    return item is None or (np.ndim(item) == 0 and bool(pd.isna(item)))


def _as_amounts(item: object) -> dict[str, float]:
    if isinstance(item, str):
        return parse_formula(item)
    if isinstance(item, dict):
        return {str(k): float(v) for k, v in item.items()}
    # pymatgen Composition (or anything with a get_el_amt_dict)
    if hasattr(item, "get_el_amt_dict"):
        return dict(item.get_el_amt_dict())
    if _missing(item):
        raise FormulaError("", "missing formula", "empty_formula")
    raise FormulaError(str(item), f"cannot read a composition from {type(item).__name__}")


def pack_compositions(items: Iterable[object] | Sequence[object]) -> PackedCompositions:
    """Pack formulas, ``{element: amount}`` dicts or pymatgen Compositions.

    A bad item never raises: its row is empty and its ``status`` says why. Formula strings go through
    the Numba tokenizer (:mod:`electroscreen.data.formula_tokenizer`), with ``parse_formula`` for the
    rows it does not handle; both give the same arrays, statuses and errors.

    Examples
    --------
    >>> packed = pack_compositions(["Li3PS4", "Li2XyZ"])
    >>> packed.status.tolist()
    ['ok', 'unknown_element']
    """
    items = list(items)
    if items and all(isinstance(item, str) for item in items):
        return _pack_formulas(items)
    return _pack_items(items)


def _pack_formulas(formulas: list[str]) -> PackedCompositions:
    counts, z, amount = tokenize_formulas(formulas)
    slow_rows = counts < 0
    status = np.full(len(formulas), "ok", dtype=object)
    error = np.full(len(formulas), "", dtype=object)
    if slow_rows.any():
        fallback = np.flatnonzero(slow_rows)
        slow = _pack_items([formulas[i] for i in fallback])
        counts[fallback] = np.diff(slow.offsets)
        status[fallback] = slow.status
        error[fallback] = slow.error
        slow_entry = np.repeat(slow_rows, counts)
        z_all = np.empty(len(slow_entry), dtype=np.int64)
        n_all = np.empty(len(slow_entry))
        z_all[~slow_entry], n_all[~slow_entry] = z, amount
        z_all[slow_entry], n_all[slow_entry] = slow.z, slow.amount
        z, amount = z_all, n_all
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return _reject_bad_amounts(PackedCompositions(offsets, z, amount, status, error))


def _reject_bad_amounts(packed: PackedCompositions) -> PackedCompositions:
    """Rows with an amount that is not finite or whose size is outside [MIN_AMOUNT, MAX_AMOUNT]
    (zero is allowed), or an atomic number outside 1..103, become empty with status ``bad_amount``
    / ``unknown_element``: such a row must not reach a kernel, where it would dominate every sum."""
    amount, z = packed.amount, packed.z
    size = np.abs(amount)
    bad_entry = ~np.isfinite(amount) | ((size > 0) & ((size < MIN_AMOUNT) | (size > MAX_AMOUNT)))
    bad_z = (z < 1) | (z > 103)
    bad_amount_row = segment_any(bad_entry, packed.offsets) & (packed.status == "ok")
    bad_z_row = segment_any(bad_z, packed.offsets) & (packed.status == "ok") & ~bad_amount_row
    bad = bad_amount_row | bad_z_row
    if not bad.any():
        return packed
    status, error = packed.status.copy(), packed.error.copy()
    for row in np.flatnonzero(bad):
        lo, hi = packed.offsets[row], packed.offsets[row + 1]
        if bad_amount_row[row]:
            k = lo + int(np.argmax(bad_entry[lo:hi]))
            status[row] = "bad_amount"
            problem = amount_problem(float(amount[k]))
            error[row] = f"{ELEMENT_SYMBOLS[z[k]]}: {problem}"
        else:
            k = lo + int(np.argmax(bad_z[lo:hi]))
            status[row] = "unknown_element"
            error[row] = f"atomic number {z[k]} is not an element (1..103)"
    counts = np.diff(packed.offsets).copy()
    keep = np.repeat(~bad, counts)
    counts[bad] = 0
    return PackedCompositions(
        offsets=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        z=z[keep],
        amount=amount[keep],
        status=status,
        error=error,
    )


def _pack_items(items: list[object]) -> PackedCompositions:
    offsets = [0]
    zs: list[int] = []
    amounts: list[float] = []
    status: list[str] = []
    error: list[str] = []
    for item in items:
        try:
            parsed = _as_amounts(item)
            row_z = [SYMBOL_TO_Z[el] for el in parsed]
        except FormulaError as exc:
            status.append(exc.reason)
            error.append(str(exc))
        except KeyError as exc:
            status.append("unknown_element")
            error.append(f"unknown element symbol {exc.args[0]!r}")
        else:
            zs.extend(row_z)
            amounts.extend(parsed.values())
            status.append("ok")
            error.append("")
        offsets.append(len(zs))
    return _reject_bad_amounts(
        PackedCompositions(
            offsets=np.asarray(offsets, dtype=np.int64),
            z=np.asarray(zs, dtype=np.int64),
            amount=np.asarray(amounts, dtype=np.float64),
            status=np.asarray(status, dtype=object),
            error=np.asarray(error, dtype=object),
        )
    )
