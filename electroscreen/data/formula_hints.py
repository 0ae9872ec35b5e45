"""What a formula that does not parse probably meant: the hints after ``bad_formula`` /
``unknown_element`` messages.

:func:`~electroscreen.data.formula.parse_formula` names the first thing it cannot read; that
is not always the typo. ``Li6Pse5Cl`` reads ``P``, ``se`` as ``Ps`` + ``e``: unknown symbol
``Ps``, where a chemist typed ``se`` for ``Se``. :func:`case_hint` tries every one-letter case
change of the formula and names those that parse (``did you mean Li6PSe5Cl?``). A vacancy written
in the formula (``Li5.4Va0.6PS4.4Cl1.6``, ``Li5.4□0.6PS4.4Cl1.6``, ``Vac``) is no element:
:func:`vacancy_hint` says that a formula lists the occupied sites only, and what it reads without
the vacancy.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["VACANCY_SYMBOLS", "case_hint", "vacancy_hint"]

#: How vacancies are written in defect notation: ``Va`` (``Vac``), ``□``/``☐`` (an empty box).
VACANCY_SYMBOLS = ("Va", "Vac", "\u25a1", "\u2610")
#: A vacancy with its amount (plain number or fraction), as :func:`vacancy_hint` removes it.
_VACANCY = re.compile(r"(?:Vac?|[\u25a1\u2610])(?:\d*\.\d+|\d+)?(?:/(?:\d*\.\d+|\d+))?")
#: Suggestions named at most.
_SHOWN = 3


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
