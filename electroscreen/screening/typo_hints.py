"""``did you mean ...?``: hints on rows whose formula text holds a look-alike of ``Cl``
(:func:`cl_typo_hints`) or is typed in the wrong case (:func:`case_typo_hints`).

Chlorine pasted from a PDF often arrives as ``CI`` (capital i), and a typed ``C1`` (digit one) or
``C|`` looks the same: ``Li6PS5CI`` parses as carbon plus iodine, ``Li6PS5C1`` as carbon. The
state rules reject what those balance into (C2+ beside sulfide, a carbide beside sulfide:
:mod:`~electroscreen.screening.anion_state_rules`); this step tells the user what was probably
meant. A formula-table row (a structure's cell is written by pymatgen, not typed) whose text as
written holds a look-alike (:data:`LOOK_ALIKE`) gets the hint in ``error`` when its text with
every look-alike replaced by ``Cl`` passes the pre-filters and

- the row failed (any status: a parse error of ``C|``, a rejected balance), or
- its text holds ``CI`` and its carbon is not C4+ (``Li5CI`` balances as a carbide beside iodide:
  a valid-looking formula, so the hint is given though the row stays ``ok``).

A formula typed in one case (``li3ycl6``, ``LI3YCL6``; halaudit L1) fails as ``unknown_element``;
:func:`case_typo_hints` reads its letters as element symbols whatever their case
(:func:`~electroscreen.data.formula_hints.case_folded_readings`: ``Li3YCl6``) and names the readings
that pass the pre-filters (``li2co3``: ``Li2CO3``, not the unbalanced ``Li2Co3``), unless the
parser's own hint already says ``did you mean`` (``Nacl``: one letter's case).

A cell that is a whole acronym of the field (``LLZO``, ``LATP``: :mod:`~electroscreen.data.
formula_acronyms`) does not parse, and the parser's message names the composition it usually
means. The one acronym that parses, ``LiPON`` (as Li1P1O1N1), is never screened as that:
:func:`acronym_rows` gives it status ``bad_formula`` and the same message.

Apart from that, the composition, status and ranking are never changed: the user decides. Each row is judged on
its own text (its corrected text filtered alone), so no row changes another's result.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.formula import ELEMENT_SYMBOLS, FormulaError, parse_formula
from electroscreen.data.formula_acronyms import acronym_hint
from electroscreen.data.formula_hints import case_folded_readings
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.filters import apply_filters

__all__ = [
    "LOOK_ALIKE",
    "TYPO_HINT",
    "acronym_rows",
    "case_typo_hints",
    "cl_typo_hints",
    "corrected_text",
]

#: ``C`` followed by the digit one, by a capital i that starts no two-letter symbol (``CIn`` is
#: C and In) or by a vertical bar: what ``Cl`` turns into when pasted or typed.
LOOK_ALIKE = re.compile(r"C(?:1|I(?![a-z])|\|)")
#: ``CI`` alone: the look-alike that is also a valid formula of C and I.
_CAPITAL_I = re.compile(r"CI(?![a-z])")
#: How the hint starts (after the row's own message, if any).
TYPO_HINT = "did you mean"
#: Readings of a formula typed in the wrong case named at most.
_SHOWN = 3
#: The symbols a case-folded reading is spelt with: the elements (not D and T, hydrogen's
#: isotopes, which would read ``ti`` as tritium iodide).
_SYMBOLS = frozenset(ELEMENT_SYMBOLS[1:])


def corrected_text(text: str) -> str:
    """``text`` with every :data:`LOOK_ALIKE` replaced by ``Cl`` (``Li6PS5CI`` -> ``Li6PS5Cl``,
    ``Li5.5PS4.5C11.5`` -> ``Li5.5PS4.5Cl1.5``); ``text`` itself when it holds none."""
    return LOOK_ALIKE.sub("Cl", text)


def cl_typo_hints(
    table: pd.DataFrame, written: list[object] | None, config: FilterConfig
) -> pd.DataFrame:
    """``table`` with ``did you mean <text>?`` added to the ``error`` of the rows the module
    describes.

    Parameters
    ----------
    table : DataFrame, N rows
        Filtered candidate rows (``status``, ``error``, ``cell_formula``; ``n_sites``, NaN for a
        formula row).
    written : list, length N, or None
        The formula cells as written (:func:`~electroscreen.screening.hydrate_filter.
        written_formulas`); None (structure files, packed pools): ``table`` is returned as is.
    config : FilterConfig
        The pre-filters the corrected text must pass.

    Returns
    -------
    DataFrame
        A copy, or ``table`` itself when no row gets a hint.
    """
    if written is None or not len(table):
        return table
    formula_row = _formula_rows(table)
    status = table["status"].to_numpy(dtype=object)
    rows, texts = [], []
    for r, text in enumerate(written):
        if not isinstance(text, str) or not formula_row[r] or not LOOK_ALIKE.search(text):
            continue
        if status[r] == OK and not (_CAPITAL_I.search(text) and _carbon_below_c4(text)):
            continue
        rows.append(r)
        texts.append(corrected_text(text))
    return _add_hints(table, written, rows, [[t] for t in texts], config)


def case_typo_hints(
    table: pd.DataFrame, written: list[object] | None, config: FilterConfig
) -> pd.DataFrame:
    """``table`` with ``did you mean Li3YCl6?`` added to the ``error`` of the formula-table rows
    that failed as ``unknown_element`` without a ``did you mean`` and whose text read with its
    letters as element symbols whatever their case (``li3ycl6``, ``LI3YCL6``:
    :func:`~electroscreen.data.formula_hints.case_folded_readings`) passes the pre-filters;
    at most three readings named.

    Parameters
    ----------
    table : DataFrame, N rows
        Filtered candidate rows (``status``, ``error``; ``n_sites``, NaN for a formula row).
    written : list, length N, or None
        The formula cells as written; None: ``table`` is returned as is.
    config : FilterConfig
        The pre-filters a reading must pass.

    Returns
    -------
    DataFrame
        A copy, or ``table`` itself when no row gets a hint.
    """
    if written is None or not len(table):
        return table
    formula_row = _formula_rows(table)
    status = table["status"].to_numpy(dtype=object)
    error = table["error"].fillna("").astype(str).to_numpy(dtype=object)
    rows, readings = [], []
    for r, text in enumerate(written):
        if (
            isinstance(text, str)
            and formula_row[r]
            and status[r] == "unknown_element"
            and TYPO_HINT not in error[r]
        ):
            found = case_folded_readings(text.strip(), _SYMBOLS)
            if found:
                rows.append(r)
                readings.append(found)
    return _add_hints(table, written, rows, readings, config)


def acronym_rows(table: pd.DataFrame, written: list[object] | None) -> pd.DataFrame:
    """``table`` with status ``bad_formula`` and the acronym's hint in ``error`` for each
    formula-table row whose cell as written is an acronym spelt as the field spells it and that
    parsed (``LiPON``, read as Li1P1O1N1:
    :func:`~electroscreen.data.formula_acronyms.acronym_hint` with ``exact``); an acronym that does
    not parse (``LLZO``) already says so in the parser's message.

    Parameters
    ----------
    table : DataFrame, N rows
        Filtered candidate rows (``status``, ``error``; ``n_sites``, NaN for a formula row).
    written : list, length N, or None
        The formula cells as written; None: ``table`` is returned as is.

    Returns
    -------
    DataFrame
        A copy, or ``table`` itself when no row is an acronym.
    """
    if written is None or not len(table):
        return table
    formula_row = _formula_rows(table)
    error = table["error"].fillna("").astype(str).to_numpy(dtype=object)
    hints = {
        r: hint
        for r, text in enumerate(written)
        if isinstance(text, str)
        and formula_row[r]
        and (hint := acronym_hint(text, exact=True))
        and hint not in error[r]  # LLZO: the parser's message says it
    }
    if not hints:
        return table
    out = table.copy()
    status = out["status"].to_numpy(dtype=object).copy()
    for r, hint in hints.items():
        status[r] = "bad_formula"
        error[r] = f"formula {written[r]!r}: an acronym, not read as a composition{hint}"
    out["status"], out["error"] = status, error
    return out


def _formula_rows(table: pd.DataFrame) -> np.ndarray:
    """Whether each row is a formula-table row (``n_sites`` NaN or absent), not a structure."""
    sites = table["n_sites"] if "n_sites" in table else pd.Series(np.nan, index=table.index)
    return ~np.isfinite(pd.to_numeric(sites, errors="coerce").to_numpy(dtype=float))


def _add_hints(
    table: pd.DataFrame,
    written: list[object],
    rows: list[int],
    readings: list[list[str]],
    config: FilterConfig,
) -> pd.DataFrame:
    """``table`` with ``did you mean <a> or <b>?`` added to the ``error`` of each of ``rows``
    whose ``readings`` (texts) pass the pre-filters, each filtered on its own; ``table`` itself
    when none does."""
    texts = [t for found in readings for t in found]
    if not texts:
        return table
    trial = pd.DataFrame({"formula": texts, "status": OK, "error": ""})
    passes = iter(apply_filters(trial, config)["status"].to_numpy(dtype=object) == OK)
    out = table.copy()
    error = out["error"].fillna("").astype(str).to_numpy(dtype=object)
    for r, found in zip(rows, readings, strict=True):
        meant = [t for t in found if next(passes)][:_SHOWN]
        if meant:
            hint = f"{TYPO_HINT} {' or '.join(meant)}? (formula written {written[r]!r})"
            error[r] = f"{error[r]}; {hint}" if error[r] else hint
    out["error"] = error
    return out


def _carbon_below_c4(text: str) -> bool:
    """Whether the text parses with carbon that its charge balance does not make C4+."""
    try:
        amounts = parse_formula(text)
    except (FormulaError, ValueError):
        return False
    state = assign_oxidation_states(amounts).states.get("C")
    return state is not None and abs(state - 4) > 1e-6
