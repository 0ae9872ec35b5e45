"""Text cells of a CSV that people open in a spreadsheet: never a live formula (OWASP "CSV injection").

Ids and formulas come from other people's pool tables. Excel and LibreOffice run a cell that starts
with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)`` sends data away, ``=cmd|...``
runs a program on older installations), and a leading tab or carriage return does not stop them.
The rule, in one place for every CSV the package writes for people to read (``results.csv``,
``results/top.csv``, ``export``'s and the triage notebook's ``shortlist.csv``,
``excluded_labels.csv``):

- a *text* cell (or column name) that starts with one of ``= + - @ \\t \\r``, possibly after
  apostrophes, gets one more apostrophe in front; the spreadsheet shows the text as written;
- a text cell that is a plain number (``-3.2``, ``+7e-3``, also after apostrophes) is left alone,
  and so is every numeric column;
- apostrophes already in front count, so that the rule can be undone exactly
  (:func:`undo_spreadsheet_cell`): the readers of these files (:func:`from_spreadsheet`) get the ids
  as screened. ``results.parquet``, the data of record, keeps every value as read.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "from_spreadsheet",
    "spreadsheet_cell",
    "spreadsheet_safe",
    "spreadsheet_safe_arrow",
    "undo_spreadsheet_cell",
]

#: A cell a spreadsheet may read as a formula (after any apostrophes this rule put in front).
FORMULA_START = r"^'*[=+\-@\t\r]"
_NUMBER_TEXT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
#: A plain number, possibly after apostrophes (a spreadsheet reads it as that number or as text,
#: never as a formula); Arrow's RE2 ``$`` is the end of the text, as Python's ``fullmatch``.
PLAIN_NUMBER = f"^'*{_NUMBER_TEXT}$"
_FORMULA, _NUMBER = re.compile(FORMULA_START), re.compile(_NUMBER_TEXT)
#: The first characters of every cell either direction can change (a quick test before the rule).
_FIRST = ("'", "=", "+", "-", "@", "\t", "\r")


def _needs_apostrophe(text: str) -> bool:
    """Whether ``text``, leading apostrophes aside, starts like a formula and is no plain number
    (adding or removing a leading apostrophe never changes the answer: the rule can be undone)."""
    return bool(_FORMULA.match(text)) and not _NUMBER.fullmatch(text.lstrip("'"))


def spreadsheet_cell(text: str) -> str:
    """``text`` as a spreadsheet cell: with one more leading apostrophe where it would be a formula.

    Examples
    --------
    >>> spreadsheet_cell("=cmd|' /C calc'!A0"), spreadsheet_cell("-3.2"), spreadsheet_cell("LiCl")
    ("'=cmd|' /C calc'!A0", '-3.2', 'LiCl')
    """
    return "'" + text if _needs_apostrophe(text) else text


def undo_spreadsheet_cell(text: str) -> str:
    """The text :func:`spreadsheet_cell` made ``text`` from (``text`` itself where it added nothing)."""
    if text.startswith("'") and _needs_apostrophe(text[1:]):
        return text[1:]
    return text


def _map_text(frame: pd.DataFrame, cell) -> pd.DataFrame:
    """``frame`` with ``cell`` applied to its column names and to the text in its non-numeric
    columns (numbers, booleans, dates and missing values as they are): a copy where a cell or name
    changes, ``frame`` itself (not copied: a pool's reader calls this on every chunk) where none
    does."""
    changed: dict[object, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        try:  # a quick test first
            maybe = column.str.startswith(_FIRST, na=False).to_numpy(dtype=bool)
        except AttributeError:  # an object column without text
            continue
        if maybe.any():
            text = column.copy()
            text[maybe] = [cell(v) for v in column[maybe]]
            changed[name] = text
    names = [cell(c) if isinstance(c, str) else c for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame
    out = frame.copy()
    for name, text in changed.items():
        out[name] = text
    out.columns = names
    return out


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready for a CSV people open: :func:`spreadsheet_cell` on its column names and text
    cells, numeric columns untouched. ``frame`` itself is never changed (returned as it is where
    nothing needs an apostrophe)."""
    return _map_text(frame, spreadsheet_cell)


def from_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as read from a CSV :func:`spreadsheet_safe` wrote, with the text as it was."""
    return _map_text(frame, undo_spreadsheet_cell)


def spreadsheet_safe_arrow(table: pa.Table) -> pa.Table:
    """:func:`spreadsheet_safe` for an Arrow table (a batch of ``results.csv``), computed in Arrow."""
    arrays = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type):
            column = column.cast(pa.string())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            formula = pc.fill_null(pc.match_substring_regex(column, FORMULA_START), False)
            if not pc.any(formula).as_py():  # the usual column: no cell to quote
                arrays.append(column)
                continue
            number = pc.fill_null(pc.match_substring_regex(column, PLAIN_NUMBER), False)
            quoted = pc.binary_join_element_wise(pa.scalar("'", column.type), column, "")
            column = pc.if_else(pc.and_(formula, pc.invert(number)), quoted, column)
        arrays.append(column)
    names = [spreadsheet_cell(n) for n in table.column_names]
    return pa.Table.from_arrays(arrays, names=names)
