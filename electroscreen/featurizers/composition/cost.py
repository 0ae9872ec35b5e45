"""Raw-material cost of a composition from element prices, and a critical-raw-material flag.

Prices are pymatgen's element cost table, read from the installed pymatgen (never copied here):
``pymatgen/analysis/costdb_elements.csv``, USD per kg of the pure element, 77 of its 84 rows from
Wolfram Alpha and Wikipedia's "Prices of chemical elements" as of September 2013, Ba from Wikipedia
(August 2019) and He, H, Ar, Ne, Kr, Tc from Wikipedia (June 2020); each row carries its BibTeX
reference. These are element prices, not precursor prices (Li2S, P2S5, GeO2 ...), and some are
odd for battery chemistry (P 300 USD/kg for the pure element): the cost is a coarse ranking
signal, as in pymatgen's own ``CostAnalyzer``, not a bill of materials.

The two carrier metals are the exception (:data:`CARRIER_PRICE_OVERRIDES`, applied on top of
pymatgen's table): pymatgen prices Li at 3.87 USD/kg (Wolfram Alpha, 2013) and Na at 250 USD/kg
(Wikipedia, 2013), so every Na compound cost far more than its Li analogue
(Na3SbS4 59.6 against Li3SbS4 6.8 USD/kg), the reverse of the reason for sodium batteries. Both are
replaced by Shanghai Metals Market quotes of one day, 14 December 2016, as listed at
http://leonland.de/elements_by_price/list: Li 115.70 USD/kg (800,000 CNY per metric ton), Na 3.04
USD/kg (21,000 CNY per metric ton); Na3SbS4 now costs 6.2 and Li3SbS4 15.4 USD/kg. Market
prices move, lithium's most of all: the two are meant for their ratio and order, not as today's.

The critical flag names elements on the European Union's 2023 list of critical raw materials
(Regulation (EU) 2024/1252, Annex II), lithium excepted (every candidate carries it).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.base import ProblemCodeFeaturizer
from electroscreen.featurizers.elements import MAX_Z, element_property

__all__ = [
    "CARRIER_PRICE_OVERRIDES",
    "COST_TABLE_CITATION",
    "CRITICAL_ELEMENTS",
    "EU_CRM_2023",
    "MaterialCost",
    "PriceQuote",
    "element_prices",
    "material_cost_kernel",
]


class PriceQuote(NamedTuple):
    """One element's price replacing pymatgen's row: USD/kg, the quote as published, source, date."""

    element: str
    usd_per_kg: float
    quote: str
    source: str
    date: str  # ISO 8601


_SMM_2016 = "Shanghai Metals Market (SMM), as listed at http://leonland.de/elements_by_price/list"
#: Carrier-metal prices applied on top of pymatgen's table (which has Li 3.87, Na 250 USD/kg): one
#: list, one market, one day, so that Li and Na compare. USD/kg as the list converts the CNY quote.
CARRIER_PRICE_OVERRIDES: tuple[PriceQuote, ...] = (
    PriceQuote("Li", 115.70, "800,000 CNY per metric ton", _SMM_2016, "2016-12-14"),
    PriceQuote("Na", 3.04, "21,000 CNY per metric ton", _SMM_2016, "2016-12-14"),
)
_PYMATGEN_COST_TABLE = (
    "pymatgen element cost table pymatgen/analysis/costdb_elements.csv (A. Jain, 2013): USD/kg of "
    "the pure elements from Wolfram Alpha and Wikipedia, September 2013 (Ba: August 2019; He, H, Ar, "
    "Ne, Kr, Tc: June 2020)"
)


def _quotes_citation(quotes: Sequence[PriceQuote]) -> str:
    """``"<elements> replaced by <source>, <date>: <El> <USD/kg> USD/kg (<quote>), ..."``."""
    parts = []
    for source, date in dict.fromkeys((q.source, q.date) for q in quotes):
        same = [q for q in quotes if (q.source, q.date) == (source, date)]
        prices = ", ".join(f"{q.element} {q.usd_per_kg:.2f} USD/kg ({q.quote})" for q in same)
        parts.append(f"{', '.join(q.element for q in same)} replaced by {source}, {date}: {prices}")
    return "; ".join(parts)


COST_TABLE_CITATION = f"{_PYMATGEN_COST_TABLE}; {_quotes_citation(CARRIER_PRICE_OVERRIDES)}"
EU_CRM_2023 = (
    "Regulation (EU) 2024/1252 (Critical Raw Materials Act), Annex II: list of critical raw "
    "materials (2023)"
)
#: Elements of the EU 2023 critical raw materials (Annex II; bauxite as Al, phosphate rock and
#: phosphorus as P, fluorspar as F, baryte as Ba, coking coal and natural graphite as C, feldspar
#: omitted, heavy and light rare earths as Sc, Y, La-Lu, platinum-group metals as Ru, Rh, Pd, Os,
#: Ir, Pt), lithium excepted: it is the carrier of every candidate.
CRITICAL_ELEMENTS = (
    "Sb", "As", "Al", "Ba", "Be", "Bi", "B", "Co", "C", "Cu", "F", "Ga", "Ge", "Hf", "He", "Mg",
    "Mn", "Ni", "Nb", "P", "Si", "Sr", "Ta", "Ti", "W", "V",
    "Sc", "Y", "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    "Ru", "Rh", "Pd", "Os", "Ir", "Pt",
)  # fmt: skip

_FEATURES = [
    ("cost_usd_per_kg", "USD/kg", COST_TABLE_CITATION),
    ("cost_usd_per_mol_atoms", "USD/mol of atoms", COST_TABLE_CITATION),
    ("critical_element_fraction", "atomic fraction", EU_CRM_2023),
    ("has_critical_element", "0/1", EU_CRM_2023),
]
_PROBLEMS = ("ok", "no_cost_data")


def _cost_table_path() -> Path:
    return Path(str(files("pymatgen.analysis").joinpath("costdb_elements.csv")))


@cache
def element_prices() -> np.ndarray:
    """USD per kg of each pure element, indexed by Z = 0..103 (NaN where the table has none).

    Returns
    -------
    ndarray of float64, shape (104,)
        Read-only; pymatgen's table with :data:`CARRIER_PRICE_OVERRIDES` on top
        (:data:`COST_TABLE_CITATION`).
    """
    prices = np.full(MAX_Z + 1, np.nan)
    with _cost_table_path().open(encoding="utf-8") as handle:
        for row in csv.reader(handle, quotechar="|"):
            z = SYMBOL_TO_Z.get(row[0].strip())
            if z is not None and z <= MAX_Z:  # the table holds pure elements only
                prices[z] = float(row[1])
    for quote in CARRIER_PRICE_OVERRIDES:
        prices[SYMBOL_TO_Z[quote.element]] = quote.usd_per_kg
    prices.setflags(write=False)
    return prices


def material_cost_kernel(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    price_per_kg: np.ndarray,
    molar_mass: np.ndarray,
    critical: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cost features of CSR-packed compositions (vectorised NumPy; one pass over the entries).

    Parameters
    ----------
    offsets : ndarray of int64, shape (N + 1,)
    z : ndarray of int64, shape (K,)
    amount : ndarray of float64, shape (K,)
    price_per_kg : ndarray, shape (Zmax + 1,)
        USD/kg of each element (NaN: unknown).
    molar_mass : ndarray, shape (Zmax + 1,)
        g/mol.
    critical : ndarray of bool, shape (Zmax + 1,)

    Returns
    -------
    values : ndarray, shape (N, 4)
        ``cost_usd_per_kg, cost_usd_per_mol_atoms, critical_element_fraction,
        has_critical_element``; cost NaN where an element has no price, all NaN for empty rows.
    problem : ndarray of int64, shape (N,)
        0 ok, 1 ``no_cost_data`` (an element without a price).
    """
    n = len(offsets) - 1
    counts = np.diff(offsets)
    row = np.repeat(np.arange(n), counts)
    usd_per_mol = price_per_kg[z] * molar_mass[z] * 1e-3  # USD per mol of the element
    atoms = np.bincount(row, weights=amount, minlength=n)
    mass = np.bincount(row, weights=amount * molar_mass[z], minlength=n)  # g per formula
    usd = np.bincount(row, weights=amount * usd_per_mol, minlength=n)  # NaN propagates
    crit = np.bincount(row, weights=amount * critical[z], minlength=n)
    values = np.full((n, 4), np.nan)
    filled = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        values[filled, 0] = usd[filled] / mass[filled] * 1e3
        values[filled, 1] = usd[filled] / atoms[filled]
        values[filled, 2] = crit[filled] / atoms[filled]
    values[filled, 3] = (crit[filled] > 0).astype(np.float64)
    problem = (filled & np.isnan(usd)).astype(np.int64)
    return values, problem


class MaterialCost(ProblemCodeFeaturizer):
    """Raw-material cost from element prices and a critical-raw-material flag (4 features).

    * ``cost_usd_per_kg``: ``sum_i n_i M_i p_i / sum_i n_i M_i`` (``p_i`` USD/kg of element ``i``,
      ``M_i`` molar mass): the cost of a kilogram of the compound bought as its elements.
    * ``cost_usd_per_mol_atoms``: ``sum_i n_i M_i p_i / sum_i n_i`` (USD per mole of atoms; per
      atom so that a cell and its reduced formula agree).
    * ``critical_element_fraction``: atomic fraction of ``critical_elements``.
    * ``has_critical_element``: 1 when any is present.

    Parameters
    ----------
    critical_elements : sequence of str, optional
        Elements flagged as critical or scarce (default :data:`CRITICAL_ELEMENTS`).

    Status per row: ``ok`` or ``no_cost_data`` (an element the price table lacks; the cost is NaN,
    the critical features are kept).

    Examples
    --------
    >>> values = MaterialCost().transform(["Li10GeP2S12", "Li3PS4"])
    >>> bool(values[0, 0] > values[1, 0])  # germanium is dear
    True
    """

    feature_table = _FEATURES
    problem_statuses = _PROBLEMS

    def __init__(self, critical_elements: Sequence[str] | None = None) -> None:
        self.critical_elements = critical_elements

    def citations(self) -> list[str]:
        """References of the element prices (pymatgen's table, the Li and Na quotes) and the EU
        critical raw materials list (2023)."""
        return [COST_TABLE_CITATION, EU_CRM_2023]

    def _critical_mask(self) -> np.ndarray:
        symbols = CRITICAL_ELEMENTS if self.critical_elements is None else self.critical_elements
        unknown = [s for s in symbols if s not in SYMBOL_TO_Z]
        if unknown:
            raise ValueError(f"unknown element symbols in critical_elements: {unknown}")
        mask = np.zeros(MAX_Z + 1, dtype=np.float64)
        mask[[SYMBOL_TO_Z[s] for s in symbols]] = 1.0
        return mask

    def _run(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        return material_cost_kernel(
            packed.offsets,
            packed.z,
            packed.amount,
            element_prices(),
            element_property("atomic_mass"),
            self._critical_mask(),
        )
