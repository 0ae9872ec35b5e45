"""``did you mean ...Cl...?``: a hint on rows whose formula text holds a look-alike of ``Cl``.

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

The composition, status and ranking are never changed: the user decides. Each row is judged on
its own text (its corrected text filtered alone), so no row changes another's result.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.formula import FormulaError, parse_formula
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.filters import apply_filters

__all__ = ["LOOK_ALIKE", "TYPO_HINT", "cl_typo_hints", "corrected_text"]

#: ``C`` followed by the digit one, by a capital i that starts no two-letter symbol (``CIn`` is
#: C and In) or by a vertical bar: what ``Cl`` turns into when pasted or typed.
LOOK_ALIKE = re.compile(r"C(?:1|I(?![a-z])|\|)")
#: ``CI`` alone: the look-alike that is also a valid formula of C and I.
_CAPITAL_I = re.compile(r"CI(?![a-z])")
#: How the hint starts (after the row's own message, if any).
TYPO_HINT = "did you mean"


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
    sites = table["n_sites"] if "n_sites" in table else pd.Series(np.nan, index=table.index)
    formula_row = ~np.isfinite(pd.to_numeric(sites, errors="coerce").to_numpy(dtype=float))
    status = table["status"].to_numpy(dtype=object)
    rows, texts = [], []
    for r, text in enumerate(written):
        if not isinstance(text, str) or not formula_row[r] or not LOOK_ALIKE.search(text):
            continue
        if status[r] == OK and not (_CAPITAL_I.search(text) and _carbon_below_c4(text)):
            continue
        rows.append(r)
        texts.append(corrected_text(text))
    if not rows:
        return table
    trial = pd.DataFrame({"formula": texts, "status": OK, "error": ""})
    passes = apply_filters(trial, config)["status"].to_numpy(dtype=object) == OK
    out = table.copy()
    error = out["error"].fillna("").astype(str).to_numpy(dtype=object)
    for r, text, ok in zip(rows, texts, passes, strict=True):
        if ok:
            hint = f"{TYPO_HINT} {text}? (formula written {written[r]!r})"
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
