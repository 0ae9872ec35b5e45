"""Magpie elemental-property statistics (Ward et al. 2016), equal to matminer's ``magpie`` preset.

For each composition and each elemental property, six statistics over the elements weighted by their
amounts: ``minimum``, ``maximum``, ``range``, ``mean``, ``avg_dev`` (mean absolute deviation from
the mean) and ``mode`` (the property of the most abundant element; the smallest value when several
elements are equally abundant within ``numpy.isclose``). With the 22 Magpie properties that is 132
features, numerically equal to ``matminer.featurizers.composition.ElementProperty.from_preset(
"magpie", impute_nan=...)`` — without importing matminer and about two orders of magnitude faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from numba import njit, prange

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.base import (
    CompositionFeaturizer,
    _blank_rows,
    as_packed_compositions,
)
from electroscreen.featurizers.elements import MAGPIE_PROPERTIES, element_property

__all__ = [
    "MAGPIE_STATS",
    "ElementPropertyStats",
    "magpie_stats_kernel",
    "magpie_stats_serial",
    "pack_formulas_fast",
]

#: The statistics of matminer's magpie preset, in its order.
MAGPIE_STATS: tuple[str, ...] = ("minimum", "maximum", "range", "mean", "avg_dev", "mode")
_STAT_CODE = {name: code for code, name in enumerate(MAGPIE_STATS)}

#: Units of the Magpie properties (from matminer's ``magpie_elementdata/README.txt``).
MAGPIE_UNITS = {
    "AtomicWeight": "amu",
    "MeltingT": "K",
    "CovalentRadius": "pm",
    "Electronegativity": "Pauling",
    "GSvolume_pa": "Angstrom^3/atom",
    "GSbandgap": "eV",
    "GSmagmom": "Bohr magneton",
}
WARD_2016 = (
    "L. Ward, A. Agrawal, A. Choudhary, C. Wolverton, A general-purpose machine learning framework "
    "for predicting properties of inorganic materials, npj Comput. Mater. 2, 16028 (2016), "
    "doi:10.1038/npjcompumats.2016.28"
)
MATMINER_2018 = (
    "L. Ward et al., Matminer: An open source toolkit for materials data mining, Comput. Mater. Sci. "
    "152, 60-69 (2018), doi:10.1016/j.commatsci.2018.05.018"
)


#: Batches smaller than this run single-threaded: a parallel launch costs more than it saves there
#: (milliseconds when the cores are oversubscribed, as on shared CI machines).
PARALLEL_MIN_ROWS = 20_000


@njit(cache=True)
def _magpie_row(offsets, z, amount, table, stats, i, out):
    """Statistics of composition ``i`` into ``out[i]`` (see :func:`magpie_stats_kernel`)."""
    n_prop = table.shape[1]
    n_stat = stats.shape[0]
    lo = offsets[i]
    hi = offsets[i + 1]
    total = 0.0
    w_max = 0.0
    valid = True
    for k in range(lo, hi):
        if z[k] < 0 or z[k] >= table.shape[0]:
            valid = False
        elif amount[k] > 0.0:
            total += amount[k]
            w_max = max(w_max, amount[k])
    if total <= 0.0 or not valid:
        return
    for p in range(n_prop):
        v_min = np.inf
        v_max = -np.inf
        weighted = 0.0
        has_nan = False
        for k in range(lo, hi):
            if amount[k] > 0.0:
                v = table[z[k], p]
                if np.isnan(v):
                    has_nan = True
                v_min = min(v_min, v)
                v_max = max(v_max, v)
                weighted += amount[k] * v
        mean = weighted / total
        dev = 0.0
        mode = np.inf
        mode_nan = False
        for k in range(lo, hi):
            w = amount[k]
            if w > 0.0:
                v = table[z[k], p]
                dev += w * abs(v - mean)
                # numpy.isclose(w, w_max) with its defaults, as matminer's mode uses;
                # like numpy's min, a NaN among the most abundant makes the mode NaN
                if abs(w - w_max) <= 1e-8 + 1e-5 * w_max:
                    if np.isnan(v):
                        mode_nan = True
                    elif v < mode:
                        mode = v
        for s in range(n_stat):
            code = stats[s]
            if code == 0:
                value = np.nan if has_nan else v_min
            elif code == 1:
                value = np.nan if has_nan else v_max
            elif code == 2:
                value = np.nan if has_nan else v_max - v_min
            elif code == 3:
                value = mean
            elif code == 4:
                value = dev / total
            else:
                value = np.nan if mode_nan else mode
            out[i, p * n_stat + s] = value


@njit(cache=True, parallel=True)
def magpie_stats_kernel(
    offsets: np.ndarray, z: np.ndarray, amount: np.ndarray, table: np.ndarray, stats: np.ndarray
) -> np.ndarray:
    """Weighted statistics of element properties for CSR-packed compositions.

    Parameters
    ----------
    offsets : int64 (N + 1,)
        Composition ``i`` is entries ``offsets[i]:offsets[i + 1]``.
    z, amount : int64 (K,), float64 (K,)
        Atomic number and amount of each entry; entries with amount <= 0 are ignored, and a row
        with an atomic number outside the table is all NaN.
    table : float64 (Zmax + 1, P)
        Property ``p`` of element ``Z`` at ``table[Z, p]``; NaN where unknown.
    stats : int64 (S,)
        Codes into :data:`MAGPIE_STATS`.

    Returns
    -------
    float64 (N, P * S)
        Property-major: column ``p * S + s``. A row without elements is all NaN; a statistic that
        touches a NaN property value is NaN.
    """
    n = offsets.shape[0] - 1
    out = np.full((n, table.shape[1] * stats.shape[0]), np.nan)
    for i in prange(n):
        _magpie_row(offsets, z, amount, table, stats, i, out)
    return out


@njit(cache=True)
def magpie_stats_serial(
    offsets: np.ndarray, z: np.ndarray, amount: np.ndarray, table: np.ndarray, stats: np.ndarray
) -> np.ndarray:
    """:func:`magpie_stats_kernel` on one thread, for small batches."""
    n = offsets.shape[0] - 1
    out = np.full((n, table.shape[1] * stats.shape[0]), np.nan)
    for i in range(n):
        _magpie_row(offsets, z, amount, table, stats, i, out)
    return out


# --- Fast formula packing -------------------------------------------------------------------------
# electroscreen.data.formula.parse_formula (a regex parser) costs ~6 us per new formula, four times the
# Magpie kernel. The common case -- element symbols, decimal amounts, nested (), [], {} with
# multipliers -- is parsed here in Numba over the bytes of all formulas at once, with exactly the
# parser's arithmetic and element order. Every other formula (hydrate dots, leading multipliers,
# spaces, non-ASCII, unknown symbols, errors, > 15 digits) is flagged and re-parsed by parse_formula.


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


@njit(cache=True)
def _read_number(buf: np.ndarray, pos: int, end: int) -> tuple[float, int, bool]:
    """A ``\\d*\\.\\d+|\\d+`` amount at ``pos``: (value, new position, exact); 1.0 if none."""
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
def _merge(z_buf, n_buf, lo, count, z, amount) -> int:
    """Add ``amount`` of ``z`` to the level ``z_buf[lo:lo + count]``; returns the new count."""
    for k in range(lo, lo + count):
        if z_buf[k] == z:
            n_buf[k] = n_buf[k] + amount
            return count
    z_buf[lo + count] = z
    n_buf[lo + count] = 0.0 + amount
    return count + 1


@njit(cache=True)
def _parse_one(buf, start, end, symbols, z_buf, n_buf, tmp_z, tmp_n, closers) -> int:
    """Parse one formula into ``z_buf``/``n_buf``; number of elements, or -1 to fall back."""
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
            amount, pos, exact = _read_number(buf, pos, end)
            if not exact:
                return -1
            lo = level_start[depth]
            count = lo + _merge(z_buf, n_buf, lo, count - lo, z, amount)
        elif closers[c] > 0:
            depth += 1
            level_start[depth] = count
            level_close[depth] = closers[c]
            pos += 1
        elif depth > 0 and c == level_close[depth]:
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
    fill = 0
    for i in range(n):
        got = _parse_one(
            buf, bounds[i], bounds[i + 1], symbols, z_buf, n_buf, tmp_z, tmp_n, closers
        )
        if got < 0:
            counts[i] = -1
            continue
        counts[i] = got
        z_out[fill : fill + got] = z_buf[:got]
        n_out[fill : fill + got] = n_buf[:got]
        fill += got
    return counts, z_out[:fill], n_out[:fill]


def pack_formulas_fast(formulas: list[str]) -> PackedCompositions:
    """:func:`electroscreen.data.pack_compositions` for formula strings, ~10x faster.

    Gives the same arrays, statuses and errors: formulas the Numba tokenizer does not handle are
    re-parsed by ``parse_formula``.
    """
    lengths = np.fromiter(map(len, formulas), dtype=np.int64, count=len(formulas))
    # non-ASCII characters become "?" (one byte each), which sends their formula to the fallback
    buf = np.frombuffer("".join(formulas).encode("ascii", "replace"), dtype=np.uint8)
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    counts, z, amount = _parse_all(buf, bounds, _SYMBOLS, _CLOSERS)
    slow_rows = counts < 0
    status = np.full(len(formulas), OK, dtype=object)
    error = np.full(len(formulas), "", dtype=object)
    if slow_rows.any():
        fallback = np.flatnonzero(slow_rows)
        slow = pack_compositions([formulas[i] for i in fallback])
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
    return PackedCompositions(offsets, z, amount, status, error)


def as_packed_compositions_fast(X: object) -> PackedCompositions:
    """:func:`~electroscreen.featurizers.base.as_packed_compositions`, with the fast path for strings."""
    if isinstance(X, list | tuple | np.ndarray | pd.Series) and all(isinstance(f, str) for f in X):
        return pack_formulas_fast(list(X))
    if isinstance(X, pd.DataFrame) and "formula" in X:
        formulas = X["formula"].tolist()
        if all(isinstance(f, str) for f in formulas):
            packed = pack_formulas_fast(formulas)
            bad = (X["status"] != OK).to_numpy() if "status" in X else np.zeros(len(X), bool)
            return _blank_rows(packed, bad, X["status"].to_numpy()) if bad.any() else packed
    return as_packed_compositions(X)


class CodedKernelFeaturizer(CompositionFeaturizer):
    """A composition featurizer whose kernel also returns a problem code per row.

    Subclasses implement ``_run(packed) -> (values, problem)``; code ``problem[i]`` indexes
    :attr:`problem_statuses` (code 0 is ``"ok"``) and becomes the status of every row that was ``ok``
    on input.
    """

    problem_statuses: ClassVar[tuple[str, ...]] = (OK,)

    def _run(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return self._run(packed)[0]

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions_fast(X)
        values, problem = self._run(packed)
        status = packed.status.copy()
        ok = status == OK
        status[ok] = np.asarray(self.problem_statuses, dtype=object)[problem[ok]]
        return values, status


class ElementPropertyStats(CompositionFeaturizer):
    """Weighted statistics of elemental properties: matminer's Magpie ``ElementProperty``, in Numba.

    Parameters
    ----------
    properties : sequence of str
        Element properties (names from
        :func:`~electroscreen.featurizers.elements.element_property_names`); default the 22 Magpie
        properties of matminer's preset.
    stats : sequence of str
        Any of ``"minimum", "maximum", "range", "mean", "avg_dev", "mode"``; default all six.
    impute_nan : bool
        ``False`` (default): an element without a value makes the statistics that use it NaN, and the
        row's status ``missing_element_data``. ``True``: missing values are replaced by the mean over
        all elements, as matminer >= 0.10 does by default.

    Examples
    --------
    >>> featurizer = ElementPropertyStats()
    >>> featurizer.transform(["Li7La3Zr2O12", "Li3PS4"]).shape
    (2, 132)
    >>> featurizer.get_feature_names_out()[0]
    'MagpieData minimum Number'
    """

    def __init__(
        self,
        properties: Sequence[str] = MAGPIE_PROPERTIES,
        stats: Sequence[str] = MAGPIE_STATS,
        impute_nan: bool = False,
    ) -> None:
        self.properties = properties
        self.stats = stats
        self.impute_nan = impute_nan

    @property
    def units(self) -> dict[str, str]:  # type: ignore[override]
        """Unit of each feature: the property's unit (statistics keep it)."""
        return {
            f"MagpieData {stat} {prop}": MAGPIE_UNITS.get(prop, "")
            for prop in self.properties
            for stat in self.stats
        }

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """``"MagpieData <stat> <property>"``, property-major, as matminer labels them."""
        names = [f"MagpieData {stat} {prop}" for prop in self.properties for stat in self.stats]
        return np.asarray(names, dtype=object)

    def _table_and_codes(self) -> tuple[np.ndarray, np.ndarray]:
        unknown = [s for s in self.stats if s not in _STAT_CODE]
        if unknown:
            raise ValueError(f"unknown statistics {unknown}; choose from {MAGPIE_STATS}")
        columns = [element_property(p, bool(self.impute_nan)) for p in self.properties]
        table = np.ascontiguousarray(np.stack(columns, axis=1))
        codes = np.asarray([_STAT_CODE[s] for s in self.stats], dtype=np.int64)
        return table, codes

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        table, codes = self._table_and_codes()
        kernel = magpie_stats_kernel if len(packed) >= PARALLEL_MIN_ROWS else magpie_stats_serial
        return kernel(packed.offsets, packed.z, packed.amount, table, codes)

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions_fast(X)
        values = self._featurize_packed(packed)
        status = packed.status.copy()
        ok = status == OK
        status[ok & np.isnan(values).all(axis=1)] = "empty_composition"
        status[(status == OK) & np.isnan(values).any(axis=1)] = "missing_element_data"
        return values, status

    def citations(self) -> list[str]:
        return [WARD_2016, MATMINER_2018]
