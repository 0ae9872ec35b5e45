"""Fast chemical-formula parsing.

pymatgen's :class:`~pymatgen.core.Composition` costs tens of microseconds per formula; screening pools
hold millions. This parser handles what electrolyte tables contain (fractional amounts, nested
parentheses/brackets, hydrate dots) in a few microseconds, and raises :class:`FormulaError` with the
reason for anything else.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from functools import lru_cache

import numpy as np
from pymatgen.core.periodic_table import Element

from electroscreen.data.formula_notation import (
    CHARGE_AT_END,
    DOUBLE_SEPARATOR,
    OXIDATION_STATE,
    NotationError,
    adduct_dots,
    check_plus,
    skip_spaces,
)

__all__ = [
    "ELEMENT_SYMBOLS",
    "MAX_AMOUNT",
    "MIN_AMOUNT",
    "SYMBOL_TO_Z",
    "amount_problem",
    "amount_text",
    "FormulaError",
    "parse_formula",
    "format_formula",
    "join_formula_entries",
    "written_amounts",
    "formula_units",
    "reduced_formula",
    "reduce_formula_text",
    "REDUCED_DECIMALS",
    "WRITTEN_DECIMALS",
]

#: Element symbols indexed by atomic number (index 0 is a placeholder).
ELEMENT_SYMBOLS: tuple[str, ...] = ("X",) + tuple(Element.from_Z(z).symbol for z in range(1, 104))
#: The largest atomic number read (Lr): element tables, packed arrays and structure checks end here.
MAX_Z = len(ELEMENT_SYMBOLS) - 1
SYMBOL_TO_Z: dict[str, int] = {s: z for z, s in enumerate(ELEMENT_SYMBOLS) if z > 0}
# Deuterium and tritium are hydrogen for every descriptor we compute.
SYMBOL_TO_Z.update({"D": 1, "T": 1})


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
#: Amounts of a reduced formula keep at most this many decimals (``Li6.4La3Zr1.4Ta0.6O12``).
REDUCED_DECIMALS = 2
#: ... and of a formula as a user wrote it, which already is one formula unit: it is reduced only
#: when its amounts are integers, by their gcd, as pymatgen does (``Li20Ge2P4S24`` ->
#: ``Li10GeP2S12``; ``Li9.54Si1.74P1.44S11.7Cl0.3`` stays, not divided by 3 into ``Li3.18...``).
WRITTEN_DECIMALS = 0
#: Sane range of an element's amount per formula unit (after multipliers): outside it a row is
#: rejected with status ``bad_amount`` (1e20 or 1e-30 atoms per formula unit are typos or junk, and
#: would dominate every sum they enter).
MIN_AMOUNT, MAX_AMOUNT = 1e-6, 1e6

_NUMBER = r"\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(rf"([A-Z][a-z]?)|({_NUMBER})|([(\[{{])|([)\]}}])|([·*.+])|(\s+)|(.)", re.S)


def amount_problem(amount: float) -> str | None:
    """Why ``amount`` (atoms of one element per formula unit) is not usable, or None."""
    if not math.isfinite(amount):
        return f"amount {amount} is not finite"
    if amount != 0 and not MIN_AMOUNT <= abs(amount) <= MAX_AMOUNT:
        return f"amount {amount:.3g} is outside [{MIN_AMOUNT:g}, {MAX_AMOUNT:g}]"
    return None


_OPEN_TO_CLOSE = {"(": ")", "[": "]", "{": "}"}


class FormulaError(ValueError):
    """A formula that cannot be parsed; ``reason`` is a short machine-readable code."""

    def __init__(self, formula: str, message: str, reason: str = "bad_formula") -> None:
        shown = formula if len(formula) <= 60 else f"{formula[:57]}..."
        super().__init__(f"formula {shown!r}: {message}")
        self.reason = reason


def _read_amount(tokens: list[tuple[str, ...]], i: int) -> tuple[float, int]:
    if i < len(tokens) and tokens[i][1]:
        return float(tokens[i][1]), i + 1
    return 1.0, i


@lru_cache(maxsize=65536)
def _parse_cached(formula: str) -> tuple[tuple[str, float], ...]:
    try:
        return _parse(formula)
    except NotationError as exc:  # punctuation that does not read one way
        raise FormulaError(formula, str(exc)) from None


def _parse(formula: str) -> tuple[tuple[str, float], ...]:
    text = formula.strip()
    if not text:
        raise FormulaError(formula, "empty formula", "empty_formula")
    bad = next((c for c in text if unicodedata.category(c) == "Cc" or c == "\u2400"), None)
    if bad is not None:
        raise FormulaError(formula, f"control character {bad!r} (e.g. a NUL byte)", "bad_character")
    if DOUBLE_SEPARATOR.search(text):  # "Li3PS4..2LiI": which unit is which is a guess
        raise FormulaError(formula, "two unit separators in a row")
    state = OXIDATION_STATE.search(text)
    if state is not None:  # Li(I)Cl: not LiICl
        raise FormulaError(
            formula,
            f"oxidation-state annotation {state.group(2)!r} after {state.group(1)!r} is not "
            "supported (a Roman numeral in brackets after a symbol is not read as iodine or "
            "vanadium): write the formula without it",
        )
    tokens = [m.groups() for m in _TOKEN.finditer(adduct_dots(text))]
    stack: list[dict[str, float]] = [{}]
    opened: list[str] = []
    # A hydrate/adduct dot starts a new unit with an optional leading multiplier: CaSO4·2H2O.
    unit_multiplier = 1.0
    unit_symbols: set[str] = set()  # element symbols of the current unit (brackets included)
    unit_groups = False  # whether the current unit holds a bracket
    i = 0
    while i < len(tokens):
        sym, num, open_, close, dot, space, other = tokens[i]
        if sym:
            if sym not in SYMBOL_TO_Z:
                raise FormulaError(formula, f"unknown element symbol {sym!r}", "unknown_element")
            unit_symbols.add(sym)
            amount, i = _read_amount(tokens, i + 1)
            z_sym = ELEMENT_SYMBOLS[SYMBOL_TO_Z[sym]]
            stack[-1][z_sym] = stack[-1].get(z_sym, 0.0) + amount * unit_multiplier
            continue
        if open_:
            stack.append({})
            opened.append(open_)
            unit_groups = True
        elif close:
            if not opened or _OPEN_TO_CLOSE[opened.pop()] != close:
                raise FormulaError(formula, f"unbalanced {close!r}")
            group = stack.pop()
            amount, i = _read_amount(tokens, i + 1)
            for el, n in group.items():
                stack[-1][el] = stack[-1].get(el, 0.0) + n * amount
            continue
        elif dot:
            if opened:
                raise FormulaError(formula, f"{dot!r} inside brackets")
            j = skip_spaces(tokens, i + 1)  # "Li3PS4 · 2LiI": spaces beside a separator
            if dot == "+":
                check_plus(tokens, j, unit_symbols, unit_groups)
            unit_multiplier, i = _read_amount(tokens, j)
            if i > j:  # a multiplier: a unit must follow it
                k = skip_spaces(tokens, i)
                if k == len(tokens) or not (tokens[k][0] or tokens[k][2]):
                    raise FormulaError(
                        formula, f"number {tokens[j][1]!r} after {dot!r} without an element"
                    )
            unit_symbols, unit_groups = set(), False
            continue
        elif num:
            if i == 0:  # leading multiplier, e.g. "2LiCl"
                unit_multiplier, i = _read_amount(tokens, i)
                continue
            raise FormulaError(formula, f"number {num!r} without an element")
        elif other:
            if other.isalpha() and other.islower():
                raise FormulaError(formula, f"lower-case symbol {other!r}", "unknown_element")
            at_end = skip_spaces(tokens, i + 1) == len(tokens)
            if other == "-" and at_end and (unit_symbols or unit_groups):  # Li3PS4-
                raise FormulaError(formula, CHARGE_AT_END.format(sign="-"))
            raise FormulaError(formula, f"unexpected character {other!r}")
        i += 1
    if opened:
        raise FormulaError(formula, f"unclosed {opened[-1]!r}")
    amounts = stack[0]
    if not amounts:
        raise FormulaError(formula, "no elements", "empty_formula")
    for el, n in amounts.items():
        problem = amount_problem(n)
        if problem is not None:
            raise FormulaError(formula, f"{el}: {problem}", "bad_amount")
    if any(n < 0 for n in amounts.values()):
        raise FormulaError(formula, "negative amount")
    result = tuple((el, n) for el, n in amounts.items() if n > 0)
    if not result:
        raise FormulaError(formula, "all amounts are zero", "empty_formula")
    return result


def parse_formula(formula: str) -> dict[str, float]:
    """Parse a formula into ``{element: amount}`` in order of first appearance.

    Parameters
    ----------
    formula : str
        E.g. ``"Li6.4La3Zr1.4Ta0.6O12"``, ``"Li7P3S11"``, ``"Li1.3Al0.3Ti1.7(PO4)3"``.

    Returns
    -------
    dict
        Element symbol to amount (per formula unit as written).

    Raises
    ------
    FormulaError
        With ``reason`` in ``{"bad_formula", "unknown_element", "empty_formula", "bad_amount",
        "bad_character"}``. Amounts (after multipliers) must be finite and within
        [:data:`MIN_AMOUNT`, :data:`MAX_AMOUNT`]; exponents (``Li1e30Cl``) are read, then checked.

    Notes
    -----
    Adducts and hydrates are sums of their units: ``CaSO4·2H2O``, ``CaSO4*2H2O`` and
    ``CaSO4.2H2O`` are CaS O6 H4; ``Li3PS4·2LiI`` and ``Li3PS4.2LiI`` are Li5PS4I2; ``LiI.2H2O`` is
    LiI + 2 H2O; ``Li2S+P2S5`` is Li2P2S6. Spaces beside a separator are ignored
    (``0.75Li2S · 0.25P2S5``). An ASCII dot before a number is a decimal point unless a water
    (``H2O``/``D2O``) follows the number or the unit after it repeats any element of the unit
    before (``3Li2S.2P2S5`` is Li6P4S13, ``Li2O.Al2O3.2SiO2`` is Li2Al2Si2O8;
    ``Li6.4La3Zr1.4Ta0.6O12`` and ``Li.5Cl`` are decimals); an amount starting with 0 before the dot
    keeps it a decimal (``Li6PS5Cl0.5Br0.5``), as do digits before it and a bracket after its number
    (``(PO4)2.5(SiO4)0.5``); a symbol or bracket before it and a bracket after its number
    (``Li2O.2(B2O3)``) is ``bad_formula`` (see :func:`adduct_dots`). ``bad_formula`` too: two
    separators in a row (``Li3PS4..2LiI``), a number after a separator without a unit
    (``Li3PS4·2``), and what reads as a charge or an oxidation state: a trailing ``+`` or ``-``
    (``Li+``, ``Li3PS4-``), a ``+`` after a lone element and before a number (``Li+3PS4``; a ``+``
    between compounds is an adduct separator), a bracketed Roman numeral I-IX right after a symbol
    (``Li(I)Cl``, ``Fe(III)Cl3``: read as an oxidation state, never as an iodine or vanadium group;
    ``Li2(I)`` after an amount stays iodine).

    Examples
    --------
    >>> parse_formula("Li1.3Al0.3Ti1.7(PO4)3")
    {'Li': 1.3, 'Al': 0.3, 'Ti': 1.7, 'P': 3.0, 'O': 12.0}
    """
    if not isinstance(formula, str):
        raise FormulaError(str(formula), f"expected a string, got {type(formula).__name__}")
    return dict(_parse_cached(formula))


def amount_text(amount: float, ndigits: int = 4) -> str:
    """How an amount is written after its element symbol: ``""`` for 1, ``"12"``, ``"0.6"``.

    Rounded to ``ndigits`` decimals, then written as an integer where it is one, else with ``:g``
    (six significant digits). An amount that rounding would write as 0 keeps ``ndigits``
    significant digits instead (``1e-06``): a ``0`` after a symbol reads "none of it".
    """
    n = round(float(amount), ndigits)
    if n == 0 and float(amount) != 0:
        return f"{float(amount):.{ndigits}g}"
    if n == 1:
        return ""
    if math.isfinite(n) and n == int(n):
        return str(int(n))
    return f"{n:g}"


def format_formula(amounts: dict[str, float], ndigits: int = 4) -> str:
    """Write ``{element: amount}`` as a compact formula (``Li6.4La3Zr1.4Ta0.6O12``)."""
    return "".join(f"{el}{amount_text(n, ndigits)}" for el, n in amounts.items())


def written_amounts(amount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How each amount is written (:func:`amount_text`) and the value that text reads back as;
    each distinct amount is written once.

    Parameters
    ----------
    amount : ndarray of float64, shape (K,)

    Returns
    -------
    text : ndarray of object, shape (K,)
    value : ndarray of float64, shape (K,)
        ``float(text)``, 1.0 for ``""``: the amount a parser of the written formula sees.
    """
    values, inverse = np.unique(amount, return_inverse=True)
    texts = [amount_text(v) for v in values.tolist()]
    read_back = np.array([float(t) if t else 1.0 for t in texts])
    inverse = inverse.reshape(-1)
    return np.array(texts, dtype=object)[inverse], read_back[inverse]


def join_formula_entries(z: np.ndarray, amount_texts: np.ndarray, offsets: np.ndarray) -> list[str]:
    """:func:`format_formula` of each CSR row: ``symbol + amount`` entries joined.

    Parameters
    ----------
    z : ndarray of int, shape (K,)
        Atomic numbers.
    amount_texts : ndarray of object, shape (K,)
        Each entry's amount as written (:func:`written_amounts`).
    offsets : ndarray of int, shape (N + 1,)
        Row ``i`` is entries ``offsets[i]:offsets[i+1]``.
    """
    entries = (np.array(ELEMENT_SYMBOLS, dtype=object)[z] + amount_texts).tolist()
    bounds = offsets.tolist()
    return ["".join(entries[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


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
    ``Li1.6La0.75...``).

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
    candidates = {
        d for k in range(1, math.isqrt(common) + 1) if common % k == 0 for d in (k, common // k)
    }
    for f in sorted(candidates - {1}):
        if max(values) / f < 1.0 - 1e-9:  # Li0.5Cl0.5 stays, not Li0.1Cl0.1
            break
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
    ordered = sorted(amounts, key=lambda el: _WRITING_ORDER.get(el, (math.inf, el)))
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
