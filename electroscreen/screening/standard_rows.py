"""Candidate rows in the columns every screening batch writes.

:data:`BASE_COLUMNS` + ``structure``, then a table's other columns: :func:`standardize` puts any
batch's rows in them (:mod:`electroscreen.screening.inputs` builds the batches);
:func:`formula_table_rows` builds a formula table's chunk column by column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.candidates import id_problem
from electroscreen.data.cell_units import with_shown_formulas
from electroscreen.data.formula_reduction import WRITTEN_DECIMALS
from electroscreen.data.formula_text import formula_texts
from electroscreen.data.table_text import row_places
from electroscreen.data.tables import TableColumns, read_problems, row_id

__all__ = ["BASE_COLUMNS", "formula_table_rows", "standardize"]

#: The columns of a batch's rows before the ``structure`` column and a table's other columns.
BASE_COLUMNS = ("candidate_id", "formula", "cell_formula", "source", "status", "error", "n_sites")


def formula_table_rows(
    frame: pd.DataFrame, path: str | Path, start: int, named: TableColumns
) -> pd.DataFrame:
    """Candidate rows of a formula-table chunk, column by column: the same rows as the record
    reader (:func:`~electroscreen.data.tables.table_records`), with every formula's texts written
    for the whole chunk at once (:func:`~electroscreen.data.formula_text.formula_texts`), the
    table's other columns under the names :func:`~electroscreen.data.tables.table_columns` keeps
    them as, and the rows the reader could not read (:func:`~electroscreen.data.tables.read_problems`)
    or whose id it refuses (:func:`~electroscreen.data.candidates.id_problem`) with their status.

    Parameters
    ----------
    frame : DataFrame
        The chunk as read; its first row is row ``start`` of the table at ``path``.
    path : path
        The table, as given (rows name it in ``candidate_id`` and ``source``).
    start : int
        Row number of the chunk's first row in the table.
    named : TableColumns
        The table's columns (:func:`~electroscreen.data.tables.table_columns`).
    """
    path = Path(path)
    rows = range(start, start + len(frame))
    ids = frame[named.id] if named.id is not None else [None] * len(rows)
    candidate_id = [row_id(v, path, row) for v, row in zip(ids, rows, strict=True)]
    source = [f"{path}:{row}" for row in rows]
    where = row_places(frame, path, start)
    cell, reduced, status, error = formula_texts(frame[named.formula].tolist(), WRITTEN_DECIMALS)
    for position, cid in enumerate(candidate_id if named.id is not None else ()):
        if bad_id := id_problem(cid):  # an id with a line break or NUL: as table_records says
            status[position], error[position] = "bad_character", bad_id
    for position, (problem, message, whole_file) in read_problems(frame).items():
        if whole_file:
            candidate_id[position], source[position] = path.stem, str(path)
            where[position] = str(path)
        status[position], error[position] = problem, message
    table = pd.DataFrame(
        {
            "candidate_id": candidate_id,
            "formula": cell,
            "source": source,
            "status": status,
            "error": [f"{w}: {e}" if e else "" for w, e in zip(where, error, strict=True)],
        }
    )
    extras = frame[list(named.kept)].set_axis(list(named.kept.values()), axis=1)
    return standardize(table, extras.reset_index(drop=True), reduced=reduced)


def standardize(
    table: pd.DataFrame, extras: pd.DataFrame | None, reduced: list[str]
) -> pd.DataFrame:
    """``table`` in the standard columns (:data:`BASE_COLUMNS`, ``structure``), ``formula`` =
    ``reduced`` (:func:`~electroscreen.data.cell_units.with_shown_formulas`), ``n_sites`` from ``structure``, then the columns
    of ``extras`` not among them."""
    for col in ("formula", "error"):
        table[col] = table[col].fillna("").astype(str) if col in table else ""
    table = with_shown_formulas(table, reduced)
    if "structure" not in table:
        table["structure"] = None
    table["structure"] = table["structure"].astype(object).where(table["structure"].notna(), None)
    table["n_sites"] = [np.nan if s is None else float(len(s)) for s in table["structure"]]
    table = table[[*BASE_COLUMNS, "structure"]]
    if extras is not None and len(extras.columns):
        extras = extras.drop(columns=[c for c in extras.columns if c in table.columns])
        table = pd.concat([table, extras.set_axis(table.index)], axis=1)
    return table
