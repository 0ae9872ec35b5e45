"""A formula written as a sum of units: the notation of glasses (a mixture of binaries) and of
composites (a sum in which a unit is no binary).

:func:`~electroscreen.data.formula.parse_formula` reads ``75Li2S-25P2S5`` as 75 Li2S + 25 P2S5,
Li3PS4 reduced: the way glasses and glass-ceramics are named. ``screen`` screens the composition,
and the measurements of it that the conductivity model learnt from or recalls are mostly of
crystalline phases (gamma-Li3PS4 10^-6.3 S/cm; the 75Li2S-25P2S5 glass ~10^-3.6), so a row whose
formula is written so is noted :data:`MIXTURE_NOTATION` (audit_sulfide S3). A sum in which a unit
is a ternary or larger compound, ``Li3YCl6 + LiCl``, ``Li3YCl6-LiCl``, ``Li3PS4·2LiI``, is how
halide and sulfide papers write composites and two-phase samples (excess LiCl); ``screen`` reads
it as one compound of the summed composition (Li4YCl7), so it is noted :data:`COMPOSITE_NOTATION`
(halaudit M2).
"""

from __future__ import annotations

import re

from electroscreen.data.formula import FORMULA_TOKEN, FormulaError, parse_formula
from electroscreen.data.formula_notation import adduct_dots, dots_stay_decimal, plain_digits

__all__ = [
    "COMPOSITE_NOTATION",
    "MIXTURE_NOTATION",
    "unit_elements",
    "written_as_composite",
    "written_as_mixture",
    "written_notation",
]


def unit_elements(formula: str) -> list[frozenset[str]]:
    """The element symbols of each unit of a formula written as a sum of units: split at the
    separators ``· * + -`` and adduct dots outside brackets, as :func:`parse_formula` reads them,
    or, in a formula made of bracket groups alone, one unit per group (the Liverpool dataset's
    ``(Li2S)0.75(P2S5)0.25``).

    Parameters
    ----------
    formula : str
        A formula :func:`parse_formula` reads (not checked here).

    Returns
    -------
    list of frozenset of str
        One set per unit, in order; one set for a formula of one unit (``Li3PS4``,
        ``Li1.3Al0.3Ti1.7(PO4)3``), none for a text without symbols. ``75Li2S-25P2S5``:
        ``[{Li, S}, {P, S}]``; ``Li3PS4·2LiI``: ``[{Li, P, S}, {Li, I}]``; ``Li1e-3Cl``: one unit
        (``-`` of an exponent).
    """
    units: list[set[str]] = [set()]
    groups: list[set[str]] = []  # the top-level bracket groups of a formula of one unit
    bare = False  # a symbol outside brackets: the groups are parts of one compound
    depth = 0
    for sym, _num, open_, close, dot, _space, _other in FORMULA_TOKEN.findall(
        adduct_dots(plain_digits(formula))
    ):
        if open_ and depth == 0:
            groups.append(set())
        depth += bool(open_) - bool(close)
        if dot and depth == 0:
            units.append(set())
        elif sym:
            units[-1].add(sym)
            bare |= depth == 0
            if depth:
                groups[-1].add(sym)
    if len(units) == 1 and not bare and len(groups) > 1:
        units = groups
    return [frozenset(u) for u in units if u]


#: The note (``pred_feature_status``; ``input formula: mixture_notation`` in the row notes) of a
#: row whose formula was written as a mixture of binaries (:func:`written_as_mixture`): ``screen``
#: reads its composition, and the measurements of that composition it recalls or learnt from are
#: mostly of crystalline phases, which a glass of it can differ from by orders of magnitude.
MIXTURE_NOTATION = "input:formula:mixture_notation"
#: The note of a row whose formula was written as a sum of compounds, one of them ternary or
#: larger (:func:`written_as_composite`): a composite or two-phase sample, screened as one
#: compound of the summed composition, which need not form.
COMPOSITE_NOTATION = "input:formula:composite_notation"
#: A unit of water (``H2O``, ``D2O``): a hydrate, not a mixture of binaries.
_WATER = {frozenset({"H", "O"}), frozenset({"D", "O"})}


def written_as_mixture(formula: object) -> bool:
    """Whether a formula is written as a sum of two or more binary compounds, none of them water
    (:func:`unit_elements`), the way glasses and glass-ceramics are named.

    >>> [written_as_mixture(f) for f in ("75Li2S-25P2S5", "70Li2S·30P2S5", "(Li2S)0.75(P2S5)0.25")]
    [True, True, True]
    >>> [written_as_mixture(f) for f in ("Li3PS4", "Li3PS4·2LiI", "LiCl·H2O", "Li2S-")]
    [False, False, False, False]
    """
    return _mixture(_units(formula))


def written_as_composite(formula: object) -> bool:
    """Whether a formula is written as a sum of two or more compounds besides water, one of them
    of three or more elements (:func:`unit_elements`): a composite or two-phase sample
    (``Li3YCl6 + LiCl``, ``0.9Li3YCl6-0.1LiCl``, ``Li3PS4·2LiI``). A sum of binaries alone is
    :func:`written_as_mixture`; a compound with water alone (``Li3InCl6·2H2O``) is a hydrate.

    >>> [written_as_composite(f) for f in ("Li3YCl6 + LiCl", "Li3InCl6-LiCl", "Li3PS4·2LiI")]
    [True, True, True]
    >>> [written_as_composite(f) for f in ("3LiCl-YCl3", "Li3InCl6·2H2O", "Li3YCl6", "Li1e-3YCl6")]
    [False, False, False, False]
    """
    return _composite(_units(formula))


def written_notation(formula: object) -> str:
    """:data:`MIXTURE_NOTATION` where a formula is :func:`written_as_mixture`,
    :data:`COMPOSITE_NOTATION` where it is :func:`written_as_composite`, ``""`` elsewhere: both
    read from one :func:`unit_elements`, and none for a text that is surely one unit
    (:func:`_one_unit`, most formulas: ``Li6.4La3Zr1.4Ta0.6O12``), which neither can be.

    >>> [written_notation(f) for f in ("75Li2S-25P2S5", "Li3YCl6 + LiCl", "Li6.4La3Zr1.4Ta0.6O12")]
    ['input:formula:mixture_notation', 'input:formula:composite_notation', '']
    """
    if not isinstance(formula, str) or _one_unit(plain_digits(formula)):
        return ""
    units = _units(formula)
    if _mixture(units):
        return MIXTURE_NOTATION
    return COMPOSITE_NOTATION if _composite(units) else ""


#: What separates units besides an ASCII dot, as the parser's tokens read them.
_SEPARATORS = ("·", "*", "+", "-")
#: Any of :data:`_SEPARATORS`: one search per text (a screening asks every ``ok`` row).
_SEPARATOR = re.compile("[" + re.escape("".join(_SEPARATORS)) + "]")
#: An ASCII dot that no number token can hold (none before a digit).
_BARE_DOT = re.compile(r"\.(?!\d)")


def _one_unit(text: str) -> bool:
    """Whether :func:`unit_elements` of ``text`` (subscript digits already plain) surely gives at
    most one unit, without running it: no separator ``· * + -``, fewer than two brackets opened
    (the units of a formula of bracket groups alone), every ASCII dot before a digit (so inside a
    number token) and one that :func:`~electroscreen.data.formula_notation.adduct_dots` leaves
    as it is (:func:`~electroscreen.data.formula_notation.dots_stay_decimal`). False: the rules
    decide."""
    if _SEPARATOR.search(text):
        return False
    if text.count("(") + text.count("[") + text.count("{") > 1:
        return False
    if "." in text and (_BARE_DOT.search(text) or not dots_stay_decimal(text)):
        return False
    return True


def _mixture(units: list[frozenset[str]]) -> bool:
    return len(units) > 1 and all(len(u) == 2 and u not in _WATER for u in units)


def _composite(units: list[frozenset[str]]) -> bool:
    units = [u for u in units if u not in _WATER]
    return len(units) > 1 and any(len(u) > 2 for u in units)


def _units(formula: object) -> list[frozenset[str]]:
    """:func:`unit_elements` of a formula that parses; none for one that does not."""
    if not isinstance(formula, str):
        return []
    try:
        parse_formula(formula)
    except FormulaError:
        return []
    return unit_elements(formula)
