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

import numpy as np
from numba import njit, prange

from electroscreen.data.candidates import merge_status
from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.base import (
    PARALLEL_MIN_ROWS,
    CompositionFeaturizer,
    as_packed_compositions,
)
from electroscreen.featurizers.elements import MAGPIE_PROPERTIES, element_property

__all__ = [
    "MAGPIE_STATS",
    "ElementPropertyStats",
    "magpie_stats_kernel",
    "magpie_stats_serial",
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
        packed = as_packed_compositions(X)
        values = self._featurize_packed(packed)
        status, _ = merge_status(packed.status, "empty_composition", np.isnan(values).all(axis=1))
        status, _ = merge_status(status, "missing_element_data", np.isnan(values).any(axis=1))
        return values, status

    def citations(self) -> list[str]:
        """References of the Magpie element-property statistics (Ward 2016; matminer 2018)."""
        return [WARD_2016, MATMINER_2018]
