"""What a formula that does not parse probably meant: the hints after ``bad_formula`` /
``unknown_element`` messages.

:func:`~electroscreen.data.formula.parse_formula` names the first thing it cannot read; that
is not always the typo. ``Li6Pse5Cl`` reads ``P``, ``se`` as ``Ps`` + ``e``: unknown symbol
``Ps``, where a chemist typed ``se`` for ``Se``. :func:`case_hint` tries every one-letter case
change of the formula and names those that parse (``did you mean Li6PSe5Cl?``). A vacancy written
in the formula (``Li5.4Va0.6PS4.4Cl1.6``, ``Li5.4□0.6PS4.4Cl1.6``, ``Vac``) is no element:
:func:`vacancy_hint` says that a formula lists the occupied sites only, and what it reads without
the vacancy. A formula followed by words (``Li3InCl6 (annealed)``) is named as such by
:func:`trailing_text_hint`, a variable amount (``Li3YCl6-xBrx``) by :func:`variable_hint`, a
percentage (``Li7La3Zr2O12+2wt%Al2O3``) by :func:`percent_hint` (the parser names a whole-cell
acronym, ``LLZO``, first: :mod:`~electroscreen.data.formula_acronyms`), and a
formula typed in one case (``li3ycl6``, ``LI3YCL6``) has its readings with element symbols
capitalised, :func:`case_folded_readings`, which the screen offers as ``did you mean Li3YCl6?`` when
one passes its pre-filters (:mod:`~electroscreen.screening.typo_hints`). No hint changes the
composition read: the row keeps its status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from itertools import product

__all__ = [
    "VACANCY_SYMBOLS",
    "case_folded_readings",
    "case_hint",
    "percent_hint",
    "trailing_text_hint",
    "vacancy_hint",
    "variable_hint",
]

#: How vacancies are written in defect notation: ``Va`` (``Vac``), ``□``/``☐`` (an empty box).
VACANCY_SYMBOLS = ("Va", "Vac", "\u25a1", "\u2610")
#: A vacancy with its amount (plain number or fraction), as :func:`vacancy_hint` removes it.
_VACANCY = re.compile(r"(?:Vac?|[\u25a1\u2610])(?:\d*\.\d+|\d+)?(?:/(?:\d*\.\d+|\d+))?")
#: Suggestions named at most.
_SHOWN = 3
#: Where text after a formula may start: a space, an opening bracket, a comma or semicolon.
_TEXT_START = re.compile(r"\s|[(\[{,;]")
#: A word: two lower-case letters in a row, which no element symbol writes.
_WORD = re.compile(r"[a-z]{2}")
#: A variable amount: a lower-case x, y, z or a delta (``O12-δ``) not followed by a lower-case
#: letter (``li3ycl6`` is a case error); :func:`variable_hint` checks the letter before it.
_VARIABLE = re.compile(r"[xyz\u03b4](?![a-z])")
#: A weight, mole, atomic or volume percentage: ``%`` (never in a formula), or a number followed by
#: ``wt``, ``mol``, ``at`` or ``vol`` (``2wt%``, ``5 mol.%``, ``2 wt``).
_PERCENT = re.compile(r"%|\d\s*(?:wt|mol|at|vol)\b")
#: Readings of a formula typed in one case tried at most (``li3ycl6``: one).
MAX_READINGS = 64


def case_hint(formula: str, parses: Callable[[str], bool]) -> str:
    """``"; did you mean Li6PSe5Cl?"`` for a formula that parses once one letter's case is
    changed, ``""`` when none does.

    Parameters
    ----------
    formula : str
        A formula that does not parse (an unknown symbol, a lone lower-case letter).
    parses : callable
        Whether a text parses (without hints: this is called once per letter).

    Examples
    --------
    >>> from electroscreen.data.formula import parse_formula
    >>> def parses(text):
    ...     try:
    ...         return bool(parse_formula(text))
    ...     except ValueError:
    ...         return False
    >>> case_hint("Li6Pse5Cl", parses), case_hint("Nacl", parses), case_hint("LiXx", parses)
    ('; did you mean Li6PSe5Cl?', '; did you mean NaCl?', '')
    """
    found = []
    for i, c in enumerate(formula):
        if c.isascii() and c.isalpha():
            changed = formula[:i] + c.swapcase() + formula[i + 1 :]
            if parses(changed):
                found.append(changed)
    if not found:
        return ""
    return f"; did you mean {' or '.join(found[:_SHOWN])}?"


def vacancy_hint(formula: str, parses: Callable[[str], bool]) -> str:
    """``"; 'Va' reads as a vacancy: ..."`` for a formula that holds one (:data:`VACANCY_SYMBOLS`),
    naming the formula without it where that parses; ``""`` for none.

    Parameters
    ----------
    formula : str
    parses : callable
        Whether a text parses.
    """
    found = _VACANCY.search(formula)
    if found is None:
        return ""
    rest = _VACANCY.sub("", formula)
    without = f" ({rest})" if rest and parses(rest) else ""
    symbol = re.match(r"Vac?|.", found.group(0)).group(0)
    return (
        f"; {symbol!r} reads as a vacancy: a formula lists the occupied sites only, leave "
        f"vacancies out{without}"
    )


def trailing_text_hint(formula: str, parses: Callable[[str], bool]) -> str:
    """``"; text after the formula: '(annealed)' ..."`` for a formula followed by words
    (``Li3InCl6 (annealed)``, ``Li3YCl6, ball-milled``): the first split at a space, an opening
    bracket, a comma or a semicolon whose part before parses and whose part after holds a word
    (two lower-case letters in a row); ``""`` for none.

    >>> from electroscreen.data.formula import parse_formula
    >>> def parses(text):
    ...     try:
    ...         return bool(parse_formula(text))
    ...     except ValueError:
    ...         return False
    >>> trailing_text_hint("Li3InCl6 (annealed)", parses)
    "; text after the formula: '(annealed)' (Li3InCl6 reads without it: notes belong in a column of their own)"
    >>> trailing_text_hint("Li3YCl6-xBrx", parses)
    ''
    """
    for start in _TEXT_START.finditer(formula):
        before, after = formula[: start.start()].strip(), formula[start.start() :].strip()
        if before and _WORD.search(after) and parses(before):
            return (
                f"; text after the formula: {after!r} ({before} reads without it: notes belong in "
                "a column of their own)"
            )
    return ""


def percent_hint(formula: str, parses: Callable[[str], bool]) -> str:
    """``"; weight or mole percentages are not read: ..."`` for a formula with a percentage
    (``Li7La3Zr2O12+2wt%Al2O3``, ``Li7La3Zr2O12 + 2 mol% Al2O3``), ``""`` for none.

    Parameters
    ----------
    formula : str
    parses : callable
        Whether a text parses (unused: the signature of the other hints).

    Examples
    --------
    >>> percent_hint("Li7La3Zr2O12+2wt%Al2O3", bool)
    '; weight or mole percentages are not read: write the composition in formula units (as a sum in moles, e.g. Li7La3Zr2O12 + 0.1Al2O3)'
    >>> percent_hint("Li7La3Zr2O12", bool)
    ''
    """
    if not _PERCENT.search(formula):
        return ""
    return (
        "; weight or mole percentages are not read: write the composition in formula units (as a "
        "sum in moles, e.g. Li7La3Zr2O12 + 0.1Al2O3)"
    )


def variable_hint(formula: str, parses: Callable[[str], bool]) -> str:
    """``"; 'x' reads as a variable: ..."`` for a formula with a variable amount
    (``Li3YCl6-xBrx``, ``Li3-xY1-xZrxCl6``, ``Li3+xP1-xSixS4``, ``Li7La3Zr2O12-δ``), ``""`` for
    none. A letter right after a capital is a variable only where the capital alone is an element
    and the two are no symbol (``Px``, not ``Dy`` nor the unknown ``Xx``).

    Parameters
    ----------
    formula : str
    parses : callable
        Whether a text parses (asked of a lone capital).

    Examples
    --------
    >>> from electroscreen.data.formula import parse_formula
    >>> def parses(text):
    ...     try:
    ...         return bool(parse_formula(text))
    ...     except ValueError:
    ...         return False
    >>> variable_hint("Li3YCl6-xBrx", parses)
    "; 'x' reads as a variable: variables must be given numbers, one row per value (x = 1.5: write the formula with 1.5 in place of x)"
    >>> variable_hint("Li3DyCl6", parses), variable_hint("li3ycl6", parses), variable_hint("LiXx2", parses)
    ('', '', '')
    """
    for found in _VARIABLE.finditer(formula):
        at = found.start()
        before = formula[at - 1] if at else ""
        if before.isupper() and (parses(before + found.group(0)) or not parses(before)):
            continue  # Dy; Xx, an unknown symbol
        name = found.group(0)
        return (
            f"; {name!r} reads as a variable: variables must be given numbers, one row per "
            f"value ({name} = 1.5: write the formula with 1.5 in place of {name})"
        )
    return ""


def case_folded_readings(formula: str, symbols: Collection[str]) -> list[str]:
    """The formula with each run of letters rewritten as element symbols, in every way the run's
    letters spell symbols when case is ignored (``li3ycl6`` and ``LI3YCL6``: ``Li3YCl6``;
    ``li2co3``: ``Li2Co3`` and ``Li2CO3``), the formula itself left out; none when a run spells
    no symbols or there are more than :data:`MAX_READINGS` readings.

    Parameters
    ----------
    formula : str
    symbols : collection of str
        The element symbols to read (``Li``, ``Cl``, ...).

    Returns
    -------
    list of str
        In order of the symbols' lengths tried (two letters first), at most :data:`MAX_READINGS`.

    Examples
    --------
    >>> case_folded_readings("LI3YCL6", {"Li", "Y", "Cl", "I"})
    ['Li3YCl6']
    >>> case_folded_readings("li2co3", {"Li", "C", "Co", "O"})
    ['Li2Co3', 'Li2CO3']
    """
    by_letters = {s.lower(): s for s in symbols}
    parts = re.split(r"([A-Za-z]+)", formula)
    options: list[list[str]] = []
    total = 1
    for k, part in enumerate(parts):
        if k % 2 == 0:  # the text between letter runs
            options.append([part])
            continue
        spelled = _spellings(part.lower(), by_letters, {})
        total *= len(spelled)
        if not spelled or total > MAX_READINGS:
            return []
        options.append(spelled)
    return [r for r in ("".join(p) for p in product(*options)) if r != formula]


def _spellings(letters: str, by_letters: dict[str, str], known: dict[str, list[str]]) -> list[str]:
    """Every way ``letters`` (lower case) is a run of symbols, two-letter symbols tried first;
    more than :data:`MAX_READINGS` are cut there. ``known``: the spellings of the suffixes met so
    far (a long run is spelt once per suffix, not once per path)."""
    if not letters:
        return [""]
    if letters not in known:
        found: list[str] = []
        for width in (2, 1):
            symbol = by_letters.get(letters[:width]) if len(letters) >= width else None
            if symbol is not None:
                found += [symbol + rest for rest in _spellings(letters[width:], by_letters, known)]
        known[letters] = found[: MAX_READINGS + 1]
    return known[letters]
