"""Reduced formulas: the formula a chemist writes, per formula unit, elements by electronegativity.

:func:`reduced_formula` divides a composition (a cell's content, a formula as written) by its
number of formula units (:func:`formula_units`: the divisor that leaves the fewest decimals) and
writes its elements in the order of pymatgen's ``Composition.formula``, with two exceptions, both
as the literature writes them (:func:`writing_ranks`, found from a composition's amounts by
:func:`composition_writing_ranks`): a carborane's carbon, written before its boron (``LiCB11H12``,
not ``LiB11H12C``), and an oxyhalide's oxygen, written just before its first Cl, Br or I
(:func:`oxyhalide_halogen`: ``LiNbOCl4``, ``Li3OCl``, ``Li6PO5Cl``, not ``LiNbCl4O``,
``Li3ClO``, ``Li6PClO5``; a halogen oxyanion salt keeps its order: ``LiClO4``, ``LiIO3``), and a
hydroxide's hydrogen, written right after its oxygen (:func:`hydroxide`: ``LiOH``, ``Li2OHCl``,
not ``LiHO``, ``Li2HOCl``). Formulas
are read with
:func:`~electroscreen.data.formula.parse_formula` and written with
:func:`~electroscreen.data.formula.format_formula`; the batch version of all this is
:mod:`electroscreen.data.formula_text`.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np
from pymatgen.core.periodic_table import Element

from electroscreen.data.borane import cage_formula_units, carborane
from electroscreen.data.formula import (
    ELEMENT_SYMBOLS,
    FormulaError,
    format_formula,
    parse_formula,
)
from electroscreen.data.segments import segment_any, segment_ids, segment_sum

__all__ = [
    "HALATE_O_PER_HALOGEN",
    "OXYHALIDE_HALOGENS",
    "REDUCED_DECIMALS",
    "WRITING_RANK",
    "WRITTEN_DECIMALS",
    "composition_writing_ranks",
    "formula_units",
    "hydroxide",
    "oxyhalide_halogen",
    "reduce_formula_text",
    "reduced_formula",
    "writing_ranks",
]


def _electronegativity_order() -> dict[str, tuple[float, str]]:
    """Sort key of each symbol in a written formula: Pauling electronegativity, then symbol (as
    pymatgen's ``Composition.formula``); elements without one (noble gases) go last."""
    keys = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No Pauling electronegativity for Ne"
        for z, symbol in enumerate(ELEMENT_SYMBOLS[1:], start=1):
            x = float(Element.from_Z(z).X)
            keys[symbol] = (x if math.isfinite(x) else math.inf, symbol)
    return keys


_WRITING_ORDER = _electronegativity_order()
_WRITING_POSITION = {
    s: r for r, s in enumerate(sorted(_WRITING_ORDER, key=_WRITING_ORDER.__getitem__))
}
#: Position of each element (by atomic number) in a written formula, the order of
#: :func:`reduced_formula`; index 0 (no element) last.
WRITING_RANK: tuple[int, ...] = (len(ELEMENT_SYMBOLS),) + tuple(
    _WRITING_POSITION[s] for s in ELEMENT_SYMBOLS[1:]
)
_WRITING_RANKS = np.asarray(WRITING_RANK, dtype=np.float64)
_CARBON, _BORON = ELEMENT_SYMBOLS.index("C"), ELEMENT_SYMBOLS.index("B")
_HYDROGEN, _OXYGEN = ELEMENT_SYMBOLS.index("H"), ELEMENT_SYMBOLS.index("O")
_NITROGEN = ELEMENT_SYMBOLS.index("N")
_Z = {symbol: z for z, symbol in enumerate(ELEMENT_SYMBOLS) if z}

#: The halogens an oxyhalide writes after its oxygen (``LiNbOCl4``, ``Li3OBr``, ``BiOI``), in
#: writing order (by electronegativity); F is not one: it already follows O (``LiNbO2F``).
OXYHALIDE_HALOGENS: tuple[str, ...] = tuple(
    sorted(("Cl", "Br", "I"), key=lambda s: WRITING_RANK[_Z[s]])
)  # ("I", "Br", "Cl")
#: Least O per Cl, Br or I of a halate (ClO3-, BrO3-, IO3-; perchlorates and periodates hold more):
#: a composition with this much oxygen per such halogen and no other non-metal to hold it
#: (:func:`oxyhalide_halogen`) may be a halogen oxyanion salt, written by electronegativity like
#: any other (``LiClO4``, ``LiIO3``, ``NH4ClO4``), not ``LiO4Cl``.
HALATE_O_PER_HALOGEN = 3.0
_HALOGEN_Z = np.array([_Z[s] for s in OXYHALIDE_HALOGENS], dtype=np.int64)


def _oxyanion_formers() -> np.ndarray:
    """Per atomic number: whether the element is a non-metal that holds oxygen in an oxyanion of
    its own beside a halide (B, C, Si, P, S, Ge, As, Se, ...: ``Li6PO5Cl``, ``Li4B7O12Cl``);
    H and N (water, ammonium), O, the halogens and the noble gases are not."""
    formers = np.zeros(len(ELEMENT_SYMBOLS), dtype=bool)
    skip = {"H", "N", "O", "F", *OXYHALIDE_HALOGENS}
    for z, symbol in enumerate(ELEMENT_SYMBOLS[1:], start=1):
        element = Element.from_Z(z)
        formers[z] = not (element.is_metal or element.is_noble_gas or symbol in skip)
    return formers


_OXYANION_FORMER = _oxyanion_formers()


def oxyhalide_halogen(
    oxygen: np.ndarray | float, halogens: np.ndarray, former: np.ndarray | bool
) -> np.ndarray:
    """The halogen each composition's oxygen is written just before, as chemists write an
    oxyhalide: ``LiNbOCl4``, ``Li3OCl``, ``Li3OBr0.5Cl0.5``, ``NbOCl3``, ``Li6PO5Cl`` (by
    electronegativity O would follow Cl, Br and I: ``LiNbCl4O``).

    A composition is an oxyhalide when it holds O and at least one of
    :data:`OXYHALIDE_HALOGENS`, unless it may be a halogen oxyanion salt: at least
    :data:`HALATE_O_PER_HALOGEN` O per such halogen and no other non-metal (B, C, Si, P, S, ...)
    to hold that oxygen (``LiClO4``, ``LiIO3``, ``Mg(ClO4)2``, ``NH4ClO4`` keep their order; so do
    oxygen-rich bismuth oxyhalides such as ``Bi3ClO4``: only amounts are read, no oxidation
    states).

    Parameters
    ----------
    oxygen : float or ndarray of float64, shape (N,)
        Amount of O of each composition.
    halogens : ndarray of float64, shape (3,) or (N, 3)
        Amounts of I, Br and Cl (:data:`OXYHALIDE_HALOGENS`) of each composition.
    former : bool or ndarray of bool, shape (N,)
        Whether each composition holds another non-metal that may hold oxygen (B, C, Si, P, S,
        Ge, As, Se, Sb, Te, ...).

    Returns
    -------
    ndarray of int64, shape (N,) (or 0-d)
        Atomic number of the first of I, Br, Cl present in an oxyhalide; 0 for any other
        composition.
    """
    oxygen = np.asarray(oxygen, dtype=np.float64)
    halogens = np.asarray(halogens, dtype=np.float64)
    present = halogens > 0
    total = halogens.sum(axis=-1)
    first = np.where(present.any(axis=-1), _HALOGEN_Z[np.argmax(present, axis=-1)], 0)
    halate = oxygen >= HALATE_O_PER_HALOGEN * total * (1 - 1e-9)
    oxyhalide = (oxygen > 0) & (total > 0) & (np.asarray(former, dtype=bool) | ~halate)
    return np.where(oxyhalide, first, 0)


def hydroxide(
    oxygen: np.ndarray | float,
    hydrogen: np.ndarray | float,
    former: np.ndarray | bool,
    nitrogen: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Whether each composition is a hydroxide whose H a chemist writes right after its O
    (``LiOH``, ``NaOH``, ``Li2OHCl``, ``Ca(OH)2`` as ``CaO2H2``): as much H as O, and no N and no
    other non-metal that holds H or O (an acid salt, ``LiH2PO4``, ``NaHCO3``, boric acid; an
    ammonium salt). A protonated oxide (``Li6.5H0.5La3Zr2O12``: less H than O) and a hydrate
    (``LiOH·H2O``: more) keep the electronegativity order.

    Parameters
    ----------
    oxygen, hydrogen : float or ndarray of float64, shape (N,)
        Amounts of O and H of each composition.
    former : bool or ndarray of bool, shape (N,)
        Whether each composition holds a non-metal that holds oxygen (B, C, Si, P, S, ...).
    nitrogen : float or ndarray of float64, shape (N,)
        Amount of N.

    Returns
    -------
    ndarray of bool, shape (N,) (or 0-d)
    """
    oxygen = np.asarray(oxygen, dtype=np.float64)
    hydrogen = np.asarray(hydrogen, dtype=np.float64)
    equal = np.abs(hydrogen - oxygen) <= 1e-9 * np.maximum(oxygen, 1.0)
    plain = ~np.asarray(former, dtype=bool) & (np.asarray(nitrogen, dtype=np.float64) <= 0)
    return (hydrogen > 0) & equal & plain


def writing_ranks(
    z: np.ndarray,
    in_carborane: np.ndarray | bool,
    halogen: np.ndarray | int = 0,
    in_hydroxide: np.ndarray | bool = False,
) -> np.ndarray:
    """Position in a written formula of each element: :data:`WRITING_RANK` (electronegativity),
    with two exceptions, as chemists write them: the carbon of a carborane
    (:func:`~electroscreen.data.borane.carborane`), written just before boron (``LiCB11H12``,
    ``LiCB9H10``, not ``LiB11H12C``), and the oxygen of an oxyhalide, written just before the
    halogen :func:`oxyhalide_halogen` names (``LiNbOCl4``, ``Li3OCl``, not ``LiNbCl4O``), and the
    hydrogen of a hydroxide (:func:`hydroxide`), written right after its oxygen (``LiOH``,
    ``Li2OHCl``, not ``LiHO``, ``Li2HOCl``).

    Parameters
    ----------
    z : ndarray of int, shape (K,)
        Atomic numbers (0: no element, last).
    in_carborane : ndarray of bool, shape (K,), or bool
        Whether each entry belongs to a carborane's composition.
    halogen : ndarray of int, shape (K,), or int
        Atomic number of the halogen the oxygen of each entry's composition is written before
        (:func:`oxyhalide_halogen`), 0 for none.
    in_hydroxide : ndarray of bool, shape (K,), or bool
        Whether each entry belongs to a hydroxide's composition (:func:`hydroxide`).

    Returns
    -------
    ndarray of float64, shape (K,)
        Sort keys: ascending is writing order.
    """
    z = np.asarray(z, dtype=np.int64)
    ranks = _WRITING_RANKS[z]
    ranks[(z == _CARBON) & np.asarray(in_carborane, dtype=bool)] = _WRITING_RANKS[_BORON] - 0.5
    before = np.broadcast_to(np.asarray(halogen, dtype=np.int64), z.shape)
    moved = (z == _OXYGEN) & (before > 0)
    ranks[moved] = _WRITING_RANKS[before[moved]] - 0.5
    oxygen_rank = np.where(before > 0, _WRITING_RANKS[before] - 0.5, _WRITING_RANKS[_OXYGEN])
    after = (z == _HYDROGEN) & np.broadcast_to(np.asarray(in_hydroxide, dtype=bool), z.shape)
    ranks[after] = oxygen_rank[after] + 0.25  # between O and the element written after it
    return ranks


def composition_writing_ranks(z: np.ndarray, amount: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """:func:`writing_ranks` of packed compositions, each row's exceptions found from its own
    amounts (:func:`~electroscreen.data.borane.carborane`, :func:`oxyhalide_halogen`), as
    :func:`reduced_formula` finds them for one: the order of the batch writer
    (:func:`~electroscreen.data.formula_text.packed_texts`) and of the card's balanced composition
    (:mod:`electroscreen.analysis.card_thermo`).

    Parameters
    ----------
    z : ndarray of int, shape (K,)
        Atomic numbers, row after row (0: no element).
    amount : ndarray of float64, shape (K,)
        Their amounts (as written: the row's formula text reads them back).
    offsets : ndarray of int, shape (N + 1,)
        Row ``i`` holds entries ``offsets[i]:offsets[i + 1]``.

    Returns
    -------
    ndarray of float64, shape (K,)
        Sort keys: within a row, ascending is writing order.
    """
    z = np.asarray(z, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    row = segment_ids(offsets)

    def total(element: int) -> np.ndarray:
        return segment_sum(np.where(z == element, amount, 0.0), offsets)

    in_carborane = carborane(total(_BORON), total(_HYDROGEN), total(_CARBON))[row]
    halogens = np.column_stack([total(h) for h in _HALOGEN_Z])
    former = segment_any((amount > 0) & _OXYANION_FORMER[z], offsets)
    rows_hydroxide = hydroxide(total(_OXYGEN), total(_HYDROGEN), former, total(_NITROGEN))
    # a hydroxide's O is OH, no halate's: Li4(OH)3Cl is an oxyhalide (Li4O3H3Cl)
    halogen = oxyhalide_halogen(total(_OXYGEN), halogens, former | rows_hydroxide)[row]
    return writing_ranks(z, in_carborane, halogen, rows_hydroxide[row])


#: Amounts of a reduced formula keep at most this many decimals (``Li6.4La3Zr1.4Ta0.6O12``).
REDUCED_DECIMALS = 2
#: ... and of a formula as a user wrote it, which already is one formula unit: it is reduced only
#: when its amounts are integers, by their gcd, as pymatgen does (``Li20Ge2P4S24`` ->
#: ``Li10GeP2S12``; ``Li9.54Si1.74P1.44S11.7Cl0.3`` stays, not divided by 3 into ``Li3.18...``).
WRITTEN_DECIMALS = 0


def _decimals(value: float, tol: float = 1e-6) -> int:
    """Number of decimals ``value`` needs (up to 6)."""
    for k in range(7):
        scaled = value * 10**k
        if abs(scaled - round(scaled)) < tol * 10**k:
            return k
    return 7


def formula_units(amounts: dict[str, float], max_decimals: int = REDUCED_DECIMALS) -> int:
    """Number of formula units in ``amounts`` (e.g. a cell's occupancy-weighted content).

    The divisor ``f`` is chosen among the integers that leave every amount with at most
    ``max_decimals`` decimals (the divisors of the amounts times ``10**max_decimals``); among those, the one that needs the fewest decimal digits in
    total, the largest on a tie. Integral amounts thus reduce by their greatest common divisor
    (``Li20Ge2P4S24`` -> 2) and a garnet cell ``Li51.2La24Zr11.2Ta4.8O96`` by 8
    (``Li6.4La3Zr1.4Ta0.6O12``, one decimal per amount, rather than ``Li3.2La1.5...`` or
    ``Li1.6La0.75...``). A polyhedral borane keeps whole cage anions per formula unit: ``f``
    divides its :func:`~electroscreen.data.borane.cage_formula_units`, so ``Li2B12H12`` stays,
    where pymatgen writes ``LiB6H6``, and ``Na4(B12H12)(B10H10)`` reads ``Na4B22H22``, not
    ``Na2B11H11``.

    Parameters
    ----------
    amounts : dict
        Element symbol to amount (> 0).
    max_decimals : int
        Most decimals an amount may keep after division.

    Returns
    -------
    int
        ``f >= 1``.
    """
    values = [float(v) for v in amounts.values() if v > 0]
    if not values:
        return 1
    # amount / f keeps <= max_decimals decimals only if f divides amount * 10**max_decimals, so
    # f = 1 when an amount has more decimals or those scaled amounts share no factor (fast path)
    scaled = [v * 10**max_decimals for v in values]
    rounded = [round(v) for v in scaled]
    if any(abs(a - b) > 1e-6 * max(1.0, a) for a, b in zip(scaled, rounded, strict=True)):
        return 1
    common = math.gcd(*rounded)
    if common <= 1:
        return 1
    best, best_digits = 1, sum(_decimals(v) for v in values)
    cages = int(cage_formula_units(*(amounts.get(el, 0.0) for el in ("B", "H", "C"))))
    candidates = {
        d for k in range(1, math.isqrt(common) + 1) if common % k == 0 for d in (k, common // k)
    }
    for f in sorted(candidates - {1}):
        if max(values) / f < 1.0 - 1e-9:  # Li0.5Cl0.5 stays
            break
        if cages and cages % f:  # a unit of split or other cages
            continue
        digits = [_decimals(v / f) for v in values]
        if max(digits) > max_decimals:
            continue
        total = sum(digits)
        if total <= best_digits:
            best, best_digits = f, total
    return best


def reduced_formula(amounts: dict[str, float], max_decimals: int = REDUCED_DECIMALS) -> str:
    """The formula a chemist writes: per formula unit, elements by electronegativity.

    Parameters
    ----------
    amounts : dict
        Element symbol to amount, e.g. a cell's content ``{"Li": 20, "P": 4, "S": 24, "Ge": 2}``.
    max_decimals : int
        Amounts keep at most this many decimals (after division by :func:`formula_units`; an
        amount that needs more is rounded to 4 decimals).

    Returns
    -------
    str
        ``Li10GeP2S12``, ``Li6.4La3Zr1.4Ta0.6O12``, ``Li1.3Ti1.7Al0.3P3O12``.

    Examples
    --------
    >>> reduced_formula({"Li": 20, "P": 4, "S": 24, "Ge": 2})
    'Li10GeP2S12'
    """
    return _reduced_cached(tuple(sorted(amounts.items())), max_decimals)


@lru_cache(maxsize=65536)
def _reduced_cached(items: tuple[tuple[str, float], ...], max_decimals: int) -> str:
    amounts = {el: n for el, n in items if n > 0}
    f = formula_units(amounts, max_decimals)
    symbols = list(amounts)
    z = np.array([_Z.get(el, 0) for el in symbols], dtype=np.int64)
    in_carborane = carborane(*(amounts.get(el, 0.0) for el in ("B", "H", "C")))
    halogens = [amounts.get(el, 0.0) for el in OXYHALIDE_HALOGENS]
    former = bool(_OXYANION_FORMER[z].any())
    in_hydroxide = False  # without H or without O (most formulas) no hydroxide: no call
    if "H" in amounts and "O" in amounts:
        in_hydroxide = bool(hydroxide(amounts["O"], amounts["H"], former, amounts.get("N", 0.0)))
    halogen = 0  # without O or without Cl, Br and I (most formulas) no oxyhalide: no call
    if "O" in amounts and any(halogens):
        halogen = oxyhalide_halogen(amounts["O"], halogens, former or in_hydroxide)
    ranks = writing_ranks(z, in_carborane, halogen, in_hydroxide)
    ordered = [symbols[k] for k in np.argsort(ranks, kind="stable")]
    return format_formula({el: amounts[el] / f for el in ordered})


def reduce_formula_text(formula: str, max_decimals: int = REDUCED_DECIMALS) -> str:
    """:func:`reduced_formula` of a formula string (``""`` where it cannot be parsed).

    ``max_decimals``: :data:`REDUCED_DECIMALS` for a cell's content written as text,
    :data:`WRITTEN_DECIMALS` for a formula as a user wrote it.
    """
    try:
        return reduced_formula(parse_formula(formula), max_decimals)
    except FormulaError:
        return ""
