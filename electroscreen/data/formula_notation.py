"""What a formula's punctuation means: adduct separators, decimal dots, fractions, charges.

:func:`~electroscreen.data.formula.parse_formula` reads ``CaSO4·2H2O`` and ``3Li2S.2P2S5`` as sums of
units, ``Li6.4La3Zr1.4Ta0.6O12`` as decimals and ``Li2Sc2/3Cl4`` as a fraction; the rules that tell
them apart, and those that refuse what reads as an ionic charge (``Li+``) or an oxidation state
(``Li(I)Cl``) or a ``/`` that makes no fraction (``Li/3Cl``), live here. A refusal raises
:class:`NotationError` with the reason, which the parser reports as the formula's ``bad_formula``.
"""

from __future__ import annotations

import re

__all__ = [
    "CHARGE_AT_END",
    "DOUBLE_SEPARATOR",
    "FRACTION",
    "OXIDATION_STATE",
    "NotationError",
    "adduct_dots",
    "amount_value",
    "check_dash_unit",
    "dots_stay_decimal",
    "check_plus",
    "plain_digits",
    "skip_spaces",
    "slash_problem",
]


class NotationError(ValueError):
    """A formula's punctuation that cannot be read unambiguously; the message says why."""


_PLAIN_NUMBER = r"\d*\.\d+|\d+"
#: An amount written as a fraction ``a/b`` of two plain numbers (digits, an optional decimal point;
#: no sign, no exponent): ``Sc2/3``, ``Li3/8``, ``1.5/2``; the parser reads it as one number.
FRACTION = rf"(?:{_PLAIN_NUMBER})/(?:{_PLAIN_NUMBER})"

#: A candidate adduct dot: an ASCII "." right after an amount, a symbol or a bracket, then a number
#: (or the numerator of a fraction: ``3Li2S.2/3P2S5``) and (spaces allowed) a unit that starts with
#: an element or a bracket; :func:`adduct_dots` decides whether it separates units
#: (``CaSO4.2H2O``, ``3Li2S.2P2S5``) or is a decimal point (``Li6.4La3``, ``Li.5Cl``,
#: ``Li6.4/2La3``). A dot in a fraction's denominator (``Li1/2.5Cl``) is a decimal point.
_ASCII_DOT = re.compile(rf"(?<=[\dA-Za-z)\]}}])\.(?=(\d+(?:/(?:{_PLAIN_NUMBER}))?)\s*([A-Z(\[{{]))")
#: A dot right after an element or bracket and before a decimal number is a separator: LiCl.0.5H2O
#: (``Li.5Cl`` stays Li0.5Cl).
_LETTER_DOT = re.compile(r"(?<=[A-Za-z)\]}])\.(?=\d+\.\d)")
_WATER = re.compile(r"[HD]2O(?![a-z\d])")
#: Where the unit after an adduct dot ends: the next separator, space or dot.
_UNIT_END = re.compile(r"[·*+.\s]")
#: Two unit separators in a row (``..``, ``·+``, ``.*``, ``--``); ``+.5P2S5`` is a separator and a
#: decimal.
DOUBLE_SEPARATOR = re.compile(r"\.\s*[.·*+-]|[·*+-]\s*[·*+-]|[·*+-]\s*\.(?!\d)")
#: A Roman numeral in brackets right after an element symbol: an oxidation state, ``Li(I)Cl``,
#: ``Fe(III)Cl3``, not an iodine or vanadium group (nobody brackets a lone I or V after a symbol).
OXIDATION_STATE = re.compile(r"([A-Z][a-z]?)([(\[{](?:VI{0,3}|I[VX]|I{1,3})[)\]}])")
_ELEMENT = re.compile(r"[A-Z][a-z]?")
#: Unicode subscript digits (``Li₃YCl₆``, as formulas are pasted from papers) to ASCII digits.
_SUBSCRIPT_DIGITS = str.maketrans(
    "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089", "0123456789"
)


def plain_digits(text: str) -> str:
    """``text`` with every Unicode subscript digit (U+2080-U+2089) written as its ASCII digit:
    ``Li3YCl₆`` reads ``Li3YCl6``. A subscript digit means nothing else in a formula, so the
    parser reads it so without a note.

    >>> plain_digits("Li\u2083InCl\u2086\u00b72H\u2082O")
    'Li3InCl6\u00b72H2O'
    """
    return text if text.isascii() else text.translate(_SUBSCRIPT_DIGITS)  # ASCII: none to read


def _depth(text: str, end: int) -> int:
    """Brackets open at ``text[end]``."""
    return sum(text.count(c, 0, end) for c in "([{") - sum(text.count(c, 0, end) for c in ")]}")


def adduct_dots(text: str) -> str:
    """``text`` with every adduct-separating ASCII dot written as ``·``.

    A dot outside brackets that :data:`_ASCII_DOT` finds (``X.<n>Y``), with ``X`` an amount, a
    symbol or a bracket, is

    * a decimal point when an amount starting with 0 is before it (``Cl0.5Br0.5``: a unit never
      ends with a zero amount), or when digits are before it and a bracket after its number
      (``(PO4)2.5(SiO4)0.5``: a group's amount);
    * ``bad_formula`` when a symbol or bracket is right before it and a bracket after its number
      (``Li2O.2(B2O3)``: ``O0.2`` or ``Li2O + 2 B2O3``, the text does not say);
    * otherwise a separator when a water (``H2O``/``D2O``) follows the number, or when any element of
      the unit after the number (up to the next separator, space or dot) repeats an element of the
      unit before the dot, which a decimal reading would not: ``Li3PS4.2LiI``, ``3Li2S.2P2S5``,
      ``Li2O.2SiO2``, ``Li2O.Al2O3.2SiO2``;
    * else a decimal point: ``Li6.4La3Zr1.4Ta0.6O12``, ``Li.5Cl``.
    """
    if "." not in text:
        return text
    text = _LETTER_DOT.sub("·", text)
    out, last = [], 0
    for m in _ASCII_DOT.finditer(text):
        dot = m.start()
        digits_start = dot
        while digits_start > 0 and text[digits_start - 1].isdigit():
            digits_start -= 1
        if digits_start == 0 or not (
            text[digits_start - 1].isalpha() or text[digits_start - 1] in ")]}"
        ):
            continue  # the number before the dot is a unit multiplier (·0.5H2O): a decimal point
        if _depth(text, dot) != 0:
            continue
        bracket_after = m.group(2) in "([{"
        if digits_start < dot and (text[digits_start] == "0" or bracket_after):
            continue  # Cl0.5Br0.5, (PO4)2.5(SiO4)0.5: decimals
        if bracket_after:
            raise NotationError(
                f"ambiguous '.' before {m.group(1)!r} and a bracket: a decimal amount or an adduct? "
                f"write '·' between adduct units or a leading 0 in a decimal",
            )
        unit_start = max(text.rfind(c, 0, dot) for c in "·*+ ")
        before = set(_ELEMENT.findall(text[unit_start + 1 : dot]))
        start = m.start(2)
        end = _UNIT_END.search(text, start)
        after = set(_ELEMENT.findall(text[start : end.start() if end else len(text)]))
        if _WATER.match(text, start) or before & after:
            out.append(text[last:dot] + "·")
            last = dot + 1
    return "".join(out) + text[last:]


def dots_stay_decimal(text: str) -> bool:
    """Whether :func:`adduct_dots` surely leaves ``text`` as it is (no dot becomes ``·``), read
    without its rules: no dot before a decimal number right after a symbol or bracket
    (:data:`_LETTER_DOT`), no water (``H2O``/``D2O``) anywhere, and no element symbol written
    twice: a dot :data:`_ASCII_DOT` finds is a separator only before a water or when an element of
    the unit after it repeats one of the unit before it (two places of the text). False says
    nothing: the rules decide (a fast test before them, never a substitute).

    >>> dots_stay_decimal("Li6.4La3Zr1.4Ta0.6O12"), dots_stay_decimal("Li3PS4.2LiI")
    (True, False)
    """
    if _LETTER_DOT.search(text) or _WATER.search(text):
        return False
    symbols = _ELEMENT.findall(text)
    return len(set(symbols)) == len(symbols)


def amount_value(text: str) -> float:
    """The number an amount token stands for: ``float(text)``, or ``a / b`` for a fraction
    (``"2/3"``, ``"1.5/2"``; :data:`FRACTION`).

    Raises
    ------
    NotationError
        A fraction whose denominator is zero (``Sc2/0``).

    Examples
    --------
    >>> amount_value("2/3") == 2 / 3, amount_value("1.5/2"), amount_value("0.25")
    (True, 0.75, 0.25)
    """
    numerator, slash, denominator = text.partition("/")
    if not slash:
        return float(text)
    if float(denominator) == 0:
        raise NotationError(f"the fraction {text!r} divides by zero")
    return float(numerator) / float(denominator)


#: How a fraction is written, for the messages of :func:`slash_problem`.
_FRACTION_HINT = "a fraction is written a/b with two plain numbers, e.g. Li2Sc2/3Cl4"


def slash_problem(tokens: list[tuple[str, ...]], i: int) -> str:
    """Why the ``/`` at ``tokens[i]`` (token field 6, a character no other token takes) makes no
    fraction: a fraction ``a/b`` is one number token (field 1), so this one lacks a number on a
    side (``Li/3Cl``, ``Li2/Cl``), doubles a ``/`` (``Li2//3Cl``, ``Li1/2/3Cl``) or joins a number
    with an exponent (``Li1e1/2Cl``)."""
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if (before is not None and before[6] == "/") or (after is not None and after[6] == "/"):
        return f"'//': {_FRACTION_HINT}"
    if before is None or not before[1]:
        return f"'/' without a number right before it (no numerator): {_FRACTION_HINT}"
    if "/" in before[1]:
        return f"a second '/' after the fraction {before[1]!r}: {_FRACTION_HINT}"
    if after is None or not after[1]:
        return f"'/' without a number right after it (no denominator): {_FRACTION_HINT}"
    return f"'/' between {before[1]!r} and {after[1]!r}: {_FRACTION_HINT} (no exponent)"


def skip_spaces(tokens: list[tuple[str, ...]], i: int) -> int:
    """Index of the first token at or after ``i`` that is not whitespace (token field 5);
    ``len(tokens)`` when none is."""
    while i < len(tokens) and tokens[i][5]:
        i += 1
    return i


CHARGE_AT_END = (
    "a {sign!r} at the end reads as an ionic charge, which a formula does not carry: write the "
    "neutral formula"
)


def check_plus(
    tokens: list[tuple[str, ...]], j: int, unit_symbols: set[str], groups: bool, sign: str = "+"
) -> None:
    """Refuse a ``+`` or ``-`` (``sign``; ``tokens[j]`` the first token after it) that reads as a
    charge.

    A ``+`` is an adduct separator (``Li2S+P2S5``, ``Li2S+.5P2S5``, ``Li3PS4+2LiI``), and so is a
    ``-`` in the glass notation ``75Li2S-25P2S5`` (mole parts of each unit; ``Li2S-P2S5`` is one of
    each), unless it ends the formula (``Li+``, ``Li3PS4-``) or follows a lone element and precedes
    a number (``Li+3PS4``, ``Ca2+3S``, ``Li-1``): an ion's charge, not a unit of an adduct.
    """
    if j == len(tokens):
        if unit_symbols or groups:
            raise NotationError(CHARGE_AT_END.format(sign=sign))
        if sign == "-":  # "Li2S-": a charge; "-" alone or after a separator: no unit at all
            raise NotationError("'-' without a unit after it")
        return
    if tokens[j][1] and len(unit_symbols) == 1 and not groups:
        (symbol,) = unit_symbols
        raise NotationError(
            f"'{sign}' after the lone element {symbol!r} and before the number {tokens[j][1]!r} "
            f"reads as a charge ({symbol}{sign}{tokens[j][1]}), which a formula does not carry; "
            f"an adduct's units are compounds (Li2S{sign}P2S5) or written with '·'",
        )
    if sign == "-" and not (unit_symbols or groups):  # "-Li2S", "Li2S·-P2S5": no unit before it
        raise NotationError("'-' without a unit before it")
    if sign == "-":  # "Li3-PS4": a unit "Li3"?
        check_dash_unit(unit_symbols, groups, "after")


def check_dash_unit(unit_symbols: set[str], groups: bool, side: str) -> None:
    """Refuse a lone element beside a ``-`` (``side``: the ``-`` comes ``"after"`` or
    ``"before"`` it): the glass notation joins compounds (``75Li2S-25P2S5``); ``Li3-PS4`` or
    ``LiCo-1O2`` (a negative amount, not LiCo + O2) do not read one way."""
    if len(unit_symbols) == 1 and not groups:
        (symbol,) = unit_symbols
        raise NotationError(
            f"'-' {side} the lone element {symbol!r}: the glass notation joins compounds "
            "(75Li2S-25P2S5)"
        )
