"""Formula units of a crystal cell read from its sites, and the formula a chemist writes for it.

A composition alone does not say how many formula units a cell holds when its amounts are not round:
the LGPS-type cell ``Li20.708Ge2.7P3.3S24`` could be one, two or six units, and the reduction by
composition (:func:`~electroscreen.data.formula_reduction.formula_units`, which keeps at most two
decimals) leaves it as it is. The structure says more. Symmetry-equivalent sites carry the same
occupancy, so the sites that share one occupancy (species and fractions) come in orbits whose sizes
are usually multiples of the cell's formula units Z, and the greatest common divisor of their
counts, which a substitution leaves in place, is usually Z: 2 for the LGPS cell (S 24, P 2,
(Ge,P) 4, Li 16 + 4 + 4 ...), 6 for a NASICON cell (Li 6, (Ti,Al) 12, P 18, O 72), 8 for a garnet
(La 24, Zr 16, O 96, Li 24 + 96). The formula per unit is then ``Li10.354Ge1.35P1.65S12``.

:func:`structure_formulas` writes each cell's reduced formula: the cell divided by its site units,
unless its amounts reduce to whole numbers by themselves (``Li10GeP2S12``). On the 321 OBELiX
structures this gives the formula the dataset writes (same amounts within 0.2 %) for 206 (196 when
any reduction of the amounts, to decimals too, came first), against 130 for the composition alone;
the site units equal the dataset's Z for 285.

:func:`candidate_formulas` is the one rule for the ``formula`` a candidate row shows (``screen``,
``data info --table``, ``featurize``, the pyfunc model and ``serve``): a structure's
:func:`structure_formulas`, else the formula as written reduced only when integral, else (text
that does not parse) the text as read (:func:`shown_formulas`); :func:`with_candidate_formulas`
writes it into a candidate table (:func:`~electroscreen.data.read_candidates`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numba import njit

from electroscreen.data.borane import boron_and_hydrogen, cage_formula_units
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import join_formula_entries, written_amounts
from electroscreen.data.formula_reduction import REDUCED_DECIMALS, WRITTEN_DECIMALS
from electroscreen.data.formula_text import formula_texts, packed_formula_units
from electroscreen.data.packed import PackedStructures, cell_entries, pack_structures
from electroscreen.data.segments import segment_all, segment_ids, segment_sum

__all__ = [
    "OCCUPANCY_DECIMALS",
    "candidate_formulas",
    "shown_formulas",
    "site_formula_units",
    "structure_formulas",
    "with_candidate_formulas",
    "with_shown_formulas",
]

#: Occupancies are compared to this many decimals (CIFs give 2-4; their P1 expansion repeats them).
OCCUPANCY_DECIMALS = 4


@njit(cache=True)
def _site_units(site_offsets, occ_offsets, occ_species, occ_fraction, scale):
    """Per structure: gcd of the counts of sites with one occupancy (1 for an empty cell)."""
    n = len(site_offsets) - 1
    out = np.ones(n, dtype=np.int64)
    mix = np.uint64(0x9E3779B97F4A7C15)
    for i in range(n):
        first, last = site_offsets[i], site_offsets[i + 1]
        if last == first:
            continue
        keys = np.empty(last - first, dtype=np.uint64)
        for j in range(first, last):
            key = np.uint64(0)
            for k in range(occ_offsets[j], occ_offsets[j + 1]):
                fraction = occ_fraction[k]
                level = np.int64(np.rint(fraction * scale)) if np.isfinite(fraction) else -1
                code = np.uint64(occ_species[k] & 0xFFFF) * np.uint64(1 << 40) + np.uint64(
                    level & 0xFFFFFFFFFF
                )
                code *= mix  # mixed, then summed: the key does not depend on the occupants' order
                code ^= code >> np.uint64(31)
                key += code
            keys[j - first] = key
        keys.sort()
        common, run = 0, 1
        for j in range(1, len(keys)):
            if keys[j] == keys[j - 1]:
                run += 1
            else:
                common = np.gcd(common, run)
                run = 1
        out[i] = np.gcd(common, run)
    return out


def site_formula_units(packed: PackedStructures) -> np.ndarray:
    """Formula units per cell read from the sites: the gcd of the counts of equally occupied sites.

    Two sites are equally occupied when they hold the same species with the same fractions (to
    :data:`OCCUPANCY_DECIMALS` decimals, in any order). Symmetry makes every orbit of sites such a
    group, so the result is usually the crystallographic Z, sometimes a multiple of it (orbits that
    share an occupancy add up) or, rarely, a divisor (an orbit smaller than Z).

    Parameters
    ----------
    packed : PackedStructures
        N structures.

    Returns
    -------
    ndarray of int64, shape (N,)
        ``>= 1``; 1 for a structure without sites.
    """
    return _site_units(
        np.ascontiguousarray(packed.site_offsets, dtype=np.int64),
        np.ascontiguousarray(packed.occ_offsets, dtype=np.int64),
        np.ascontiguousarray(packed.occ_species, dtype=np.int64),
        np.ascontiguousarray(packed.occ_fraction, dtype=np.float64),
        10.0**OCCUPANCY_DECIMALS,
    )


def _whole_cages(units: np.ndarray, cells: PackedCompositions) -> np.ndarray:
    """``units``, each lowered to its largest divisor that leaves whole borane cage anions per
    formula unit (a divisor of :func:`~electroscreen.data.borane.cage_formula_units`; as the
    composition's own reduction does)."""
    carbon = segment_sum(cells.amount * (cells.z == 6), cells.offsets)
    cages = cage_formula_units(*boron_and_hydrogen(cells), carbon)
    return np.where(cages > 0, np.gcd(units, cages), units)


def _reduction(
    cells: PackedCompositions, by_composition: np.ndarray, by_sites: np.ndarray
) -> np.ndarray:
    """Per cell, what divides it: its amounts' own divisor where they reduce to whole numbers
    (``LiTa2PO8``), unless the site units are a multiple of it that leaves at most
    :data:`REDUCED_DECIMALS` decimals (``Li26Sn2P2S20Br4``: ``Li6.5Sn0.5P0.5S5Br``, not
    ``Li13SnPS10Br2``); elsewhere its site units (``Li20.7Ge2.7P3.3S24``:
    ``Li10.35Ge1.35P1.65S12``, not ``Li6.9Ge0.9P1.1S8``, which needs as few decimals), or the
    amounts' divisor for a cell whose sites say one unit."""
    entry_row = segment_ids(cells.offsets)
    reduced = cells.amount / by_composition[entry_row]
    whole = segment_all(np.abs(reduced - np.round(reduced)) < 1e-9, cells.offsets)
    scaled = cells.amount * 10.0**REDUCED_DECIMALS / by_sites[entry_row]
    clean = segment_all(
        np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, scaled), cells.offsets
    )
    multiple = (by_sites % by_composition == 0) & (by_sites > by_composition) & clean
    by_amounts = whole & (by_composition > 1) & ~multiple
    return np.where(by_amounts | (by_sites == 1), by_composition, by_sites)


def structure_formulas(packed: PackedStructures) -> list[str]:
    """The reduced formula of each packed structure, per formula unit of its cell.

    A cell is divided by its :func:`site_formula_units` (``Li20.708Ge2.7P3.3S24``:
    ``Li10.354Ge1.35P1.65S12``; ``Li51.2La24Zr11.2Ta4.8O96``: ``Li6.4La3Zr1.4Ta0.6O12``), unless its
    amounts reduce to whole numbers by themselves
    (:func:`~electroscreen.data.formula_reduction.formula_units`: ``Li10GeP2S12``, ``LiTa2PO8``),
    where the site units replace that divisor only when they are a multiple of it that leaves at
    most two decimals (``Li26Sn2P2S20Br4``: ``Li6.5Sn0.5P0.5S5Br``, not ``Li13SnPS10Br2``), or its
    sites say one unit (``La1.28Ti2O6``: ``La0.64TiO3``). A doped cell that reduces to decimals by
    its amounts is written per its sites as well: ``Li20.7Ge2.7P3.3S24``, which ``generate`` makes
    neutral (:mod:`~electroscreen.screening.seed_charge`), is ``Li10.35Ge1.35P1.65S12``, not
    ``Li6.9Ge0.9P1.1S8``. Neither reduction splits a borane cage (``Li2B12H12``, not ``LiB6H6``;
    ``Na4B22H22``, not ``Na2B11H11``: :func:`~electroscreen.data.borane.cage_formula_units`).

    Parameters
    ----------
    packed : PackedStructures
        N structures.

    Returns
    -------
    list of str, length N
        Elements by electronegativity; ``""`` where the cell holds no valid element.
    """
    z, amount, offsets = cell_entries(packed)
    n = len(packed)
    divisor = np.ones(n, dtype=np.int64)
    rows = np.flatnonzero(segment_all(amount > 0, offsets) & (np.diff(offsets) > 0))
    if len(rows):
        written = written_amounts(amount)[1]  # the amounts as the cell's text reads back
        cells = PackedCompositions(offsets, z, written, np.full(n, "ok", dtype=object),
                                   np.full(n, "", dtype=object)).take(rows)  # fmt: skip
        by_composition = packed_formula_units(cells)
        by_sites = _whole_cages(site_formula_units(packed.take(rows)), cells)
        divisor[rows] = _reduction(cells, by_composition, by_sites)
    per_unit = amount / divisor[segment_ids(offsets)]
    # written per that unit, in the writing order, and not reduced again (Li10.35Ge1.35P1.65S12
    # would reduce to Li3.45Ge0.45P0.55S4, as few decimals): only a whole formula is
    texts = join_formula_entries(z, written_amounts(per_unit)[0], offsets)
    return formula_texts(texts, WRITTEN_DECIMALS)[1]


def shown_formulas(reduced: Sequence[str], as_read: Sequence[str]) -> list[str]:
    """The ``formula`` of each candidate row: its reduced formula, or where it has none (a text
    that does not parse: ``LiXx2``, ``Li-1Cl``) the text as read, never ``""`` for a text given."""
    return [r or c for r, c in zip(reduced, as_read, strict=True)]


def candidate_formulas(
    formulas: Sequence[object],
    structures: PackedStructures | None = None,
    structure_rows: np.ndarray | None = None,
) -> list[str]:
    """The ``formula`` a screening writes for each candidate row.

    Parameters
    ----------
    formulas : sequence, length N
        Each row's formula as read: a table's formula as written, a structure's cell (anything
        that is not text is an empty formula).
    structures : PackedStructures, optional
        The structures of the rows ``structure_rows``: their formula is
        :func:`structure_formulas`' (per formula unit of the cell).
    structure_rows : ndarray of int, optional
        Ascending positions in ``formulas``; required with ``structures``.

    Returns
    -------
    list of str, length N
        A structure's formula; else the formula reduced only when its amounts are integral
        (:data:`~electroscreen.data.formula_reduction.WRITTEN_DECIMALS`: ``Li20Ge2P4S24`` ->
        ``Li10GeP2S12``); else, for a text that does not parse, the text as read
        (:func:`shown_formulas`); ``""`` for an empty or missing formula.
    """
    cell, reduced, _, _ = formula_texts(formulas, WRITTEN_DECIMALS)
    if structures is not None and len(structures):
        rows = np.asarray(structure_rows, dtype=np.int64).tolist()
        for row, text in zip(rows, structure_formulas(structures), strict=True):
            reduced[row] = text
    return shown_formulas(reduced, cell)


def with_shown_formulas(table: pd.DataFrame, reduced: Sequence[str]) -> pd.DataFrame:
    """``table`` (a new frame) with ``formula`` = :func:`shown_formulas` of ``reduced`` and, just
    after it, ``cell_formula`` = the content as read: ``table``'s ``cell_formula`` where it has one
    (so applying this twice changes nothing), else its ``formula`` (a structure's cell, a table's
    formula as written).

    Parameters
    ----------
    table : DataFrame
        A candidate table, N rows.
    reduced : sequence of str, length N
        Each row's reduced formula (``""`` where it has none: the text as read is shown).
    """
    cell = table["cell_formula" if "cell_formula" in table else "formula"].fillna("").astype(str)
    table = table.drop(columns=["cell_formula"], errors="ignore")
    table.insert(table.columns.get_loc("formula") + 1, "cell_formula", cell.to_numpy())
    table["formula"] = shown_formulas(reduced, cell)
    return table


def with_candidate_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``formula`` = :func:`candidate_formulas` and, just after it, ``cell_formula``
    = the content as read (a structure's cell, a table's formula as written).

    Parameters
    ----------
    table : DataFrame
        A candidate table whose ``formula`` is the content as read, or that already has
        ``cell_formula`` (then that is the content read: applying this twice changes nothing).
        Rows with a pymatgen Structure in ``structure`` get the structure's formula.

    Returns
    -------
    DataFrame
        A new frame, same rows and order (:func:`with_shown_formulas`).

    Examples
    --------
    >>> t = with_candidate_formulas(pd.DataFrame({"formula": ["Li20Ge2P4S24", "LiXx"]}))
    >>> t[["formula", "cell_formula"]].values.tolist()
    [['Li10GeP2S12', 'Li20Ge2P4S24'], ['LiXx', 'LiXx']]
    """
    from pymatgen.core import Structure

    column = "cell_formula" if "cell_formula" in table else "formula"
    cell = table[column].fillna("").astype(str).tolist()
    found = table["structure"] if "structure" in table else pd.Series([None] * len(table))
    rows = np.flatnonzero([isinstance(s, Structure) for s in found])
    packed = pack_structures([found.iloc[i] for i in rows]) if len(rows) else None
    return with_shown_formulas(table, candidate_formulas(cell, packed, rows))
