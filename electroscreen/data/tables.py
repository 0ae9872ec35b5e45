"""The one reader of formula tables (CSV, Parquet), shared by ``data info`` and ``screen``.

A table is read in chunks of rows (so ``screen`` holds one batch at a time) and each row becomes one
candidate record. Everything that can go wrong with one row -- a bad formula, an overflowing amount, a
control character in the formula or the id, a broken CIF text, a CSV line with more fields than the
header -- becomes that row's status: one bad row never turns the whole table into an error, and a
table without a formula column gives every row the status ``no_formula_column`` (rows in = rows
out). A table with a header and no row is one ``empty_table`` row.

Which columns are what (:func:`table_columns`): the formula, id and CIF columns are found by name
(case and surrounding spaces aside); every other column is kept, under ``input_<name>`` where
electroscreen writes a column of that name (:data:`~electroscreen.data.candidates.RESERVED_COLUMNS`).
A ``cif`` column is CIF text in every non-empty cell; without one, a ``structure`` column is read as
a structure only in the cells that hold CIF text (a ``data_`` line), and its other text (a structure
type such as ``garnet``) is kept as ``input_structure``. A cell is never read as a file: a ``cif``
cell that names one (``structures/a.cif``: ``input_paths.looks_like_path``) is a
``structure_parse_error`` saying so, as is a cell pymatgen cannot read
(:func:`~electroscreen.data.readers.read_cif_cell`, pyfunc's reader too).

A CSV's text cell that starts with apostrophes and then a spreadsheet formula's first character
(``'=...``: how electroscreen's own CSVs keep a spreadsheet from running it,
:mod:`~electroscreen.data.spreadsheet_text`) loses one apostrophe, so a ``results.csv`` screened
again keeps its ids.

A CSV is read as UTF-8, line by line where some lines are not (``table_text.decode_line``): such a
line, a spreadsheet's ``°`` or ``·``, is read as Windows-1252 and a byte neither defines as U+FFFD,
with a warning naming the file and the lines; one stray byte changes no other row.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas._libs.parsers import STR_NA_VALUES

from electroscreen.data.candidates import (
    OK,
    STRUCTURE_PARSE_ERROR,
    id_problem,
    is_reserved_column,
)
from electroscreen.data.formula import FormulaError, format_formula, parse_formula
from electroscreen.data.input_paths import looks_like_path
from electroscreen.data.spreadsheet_text import from_spreadsheet
from electroscreen.data.table_text import (
    RECORD_LINES,
    NulVisible,
    record_problems,
    row_places,
    text_encoding,
)
from electroscreen.notices import NoticeWarning

__all__ = [
    "CIF_COLUMNS",
    "FORMULA_COLUMNS",
    "ID_COLUMNS",
    "INPUT_PREFIX",
    "READ_PROBLEMS",
    "TableColumns",
    "find_column",
    "looks_like_cif",
    "read_parquet",
    "read_problems",
    "row_id",
    "table_chunks",
    "table_columns",
    "table_records",
]

#: Column names recognised as the formula column of a table, in order of preference.
FORMULA_COLUMNS = ("formula", "composition", "reduced composition", "true composition")
ID_COLUMNS = ("candidate_id", "id", "material_id")
#: Columns of CIF text, in order of preference: ``cif`` (every non-empty cell is a CIF), else
#: ``structure`` (the structure of the pyfunc model's input; only its cells that look like CIF text,
#: :func:`looks_like_cif`, are structures: a lab's ``structure`` column often names a structure type).
CIF_COLUMNS = ("cif", "structure")
#: What a table column is kept as when electroscreen writes a column of its name (``rank`` ->
#: ``input_rank``; repeated while the name is still taken: ``input_input_rank``).
INPUT_PREFIX = "input_"
#: ``DataFrame.attrs`` key of a chunk from :func:`table_chunks`: ``{position: (status, message,
#: whole_file)}`` for the rows the reader could not read (a CSV line with more fields than the
#: header; the one row standing for a table without rows, ``whole_file``). The rows are there, so
#: a chunk's rows are the file's records whatever the chunk size; the readers give them the status.
READ_PROBLEMS = "electroscreen_read_problems"


def looks_like_cif(text: object) -> bool:
    """Whether a table cell holds CIF text: a line that starts a data block (``data_...``)."""
    return isinstance(text, str) and _CIF_BLOCK.search(text) is not None


_CIF_BLOCK = re.compile(r"^[ \t]*data_", re.IGNORECASE | re.MULTILINE)


def find_column(columns: object, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` among ``columns``, or None: a column named exactly so, else one
    whose name is so once lower-cased and stripped of surrounding spaces (``Formula ``)."""
    columns = list(columns)
    normal: dict[str, object] = {}
    for c in columns:
        normal.setdefault(str(c).strip().lower(), c)
    for n in names:
        if n in columns:
            return n
        if n in normal:
            return normal[n]
    return None


@dataclass(frozen=True)
class TableColumns:
    """What each column of a table is (:func:`table_columns`).

    Attributes
    ----------
    formula, id, cif : str or None
        The formula, id and CIF columns (None where the table has none).
    cif_everywhere : bool
        Every non-empty cell of ``cif`` is CIF text (a ``cif`` column); else only the cells that
        look like it (a ``structure`` column, :func:`looks_like_cif`).
    kept : dict
        Every other column, and the ``structure`` column read for its CIF cells, -> its name in the
        candidate table (the name as it is, or ``input_<name>`` where electroscreen writes that name).
    """

    formula: object
    id: object
    cif: object
    cif_everywhere: bool
    kept: dict


def table_columns(columns: Iterable[object]) -> TableColumns:
    """The formula, id and CIF columns of a table and the names its other columns are kept under.

    A column whose name (surrounding spaces aside) electroscreen writes itself
    (:func:`~electroscreen.data.candidates.is_reserved_column`: ``status``, ``rank``,
    ``pred_log10_sigma``, ``batch``, ...) is kept as ``input_<name>`` (``input_input_<name>`` if the
    table has an ``input_<name>`` too), so it neither overwrites nor duplicates the tool's column,
    in ``data info``, ``featurize`` and ``screen`` alike.
    """
    columns = list(columns)
    formula = find_column(columns, FORMULA_COLUMNS)
    id_col = find_column(columns, ID_COLUMNS)
    cif = find_column(columns, CIF_COLUMNS)
    everywhere = cif is not None and str(cif).strip().lower() == "cif"
    others = [c for c in columns if c not in {formula, id_col} and (c != cif or not everywhere)]
    taken = {str(c) for c in others if not is_reserved_column(c)}
    kept: dict = {}
    for c in others:
        name = str(c)
        if is_reserved_column(c):
            name = INPUT_PREFIX + name.strip()
            while name in taken or is_reserved_column(name):
                name = INPUT_PREFIX + name
            taken.add(name)
        kept[c] = c if name == str(c) else name
    return TableColumns(formula, id_col, cif, everywhere, kept)


def read_problems(frame: pd.DataFrame) -> dict[int, tuple[str, str, bool]]:
    """The rows of a chunk from :func:`table_chunks` that the reader could not read:
    ``{position: (status, message, whole_file)}`` (:data:`READ_PROBLEMS`)."""
    return frame.attrs.get(READ_PROBLEMS, {})


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file (``columns`` of it, or all), read whole in the calling thread.

    ``pq.read_table`` goes through the dataset scanner, which can leave the file's close pending
    on Arrow's I/O threads after it returns; a process that exits right then can abort in Arrow's
    teardown ("terminate called without an active exception", apache/arrow#33975, #39862) after
    its work is done, which a batch scheduler reads as a failed job. ``ParquetFile`` reads and
    closes the file before returning.
    """
    with pq.ParquetFile(path) as parquet:
        return parquet.read(columns=columns)


def table_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunk_rows`` rows of a CSV or Parquet table, in order.

    The formula, id and CIF columns of a CSV are read as text as written (``NA`` stays ``NA``);
    the other columns get pandas' usual type inference (per chunk). A CSV line with more fields
    than the header is a row too (its first fields, as pandas reads them), marked as a
    ``parse_error`` naming the line in the chunk's :func:`read_problems`, so every chunk size gives
    the same rows. A quoted field that is never closed (it would run to the end of the file) ends
    the table: the records before it are read, and one last empty row stands for the rest, a
    ``parse_error`` naming the line. A table with a header and no rows gives one chunk of one
    empty row marked ``empty_table``. A CSV some of whose lines are not UTF-8 is read line
    by line (:func:`~electroscreen.data.table_text.text_encoding`), with a warning naming them.
    """
    path = Path(path)
    if path.suffix.lower() in {".parquet", ".pq"}:
        with pq.ParquetFile(path) as parquet:  # closed here, even if the caller stops early
            if parquet.metadata.num_rows == 0:
                yield _status_row(
                    parquet.schema_arrow.empty_table().to_pandas().columns, *_EMPTY_TABLE
                )
            for record_batch in parquet.iter_batches(batch_size=chunk_rows):
                yield record_batch.to_pandas()
        return
    encoding, note = text_encoding(path)
    if note is not None:
        warnings.warn(note, NoticeWarning, stacklevel=2)
    with NulVisible(path, encoding) as raw, io.BufferedReader(raw) as fh:
        header = pd.read_csv(fh, nrows=0).columns
    named = table_columns(header)
    keys = {named.formula, named.id, named.cif}
    keys.discard(None)
    na_values = {c: list(STR_NA_VALUES) for c in header if c not in keys}
    dtype = {c: str for c in keys}
    overlong, unclosed, lines = record_problems(path, encoding, len(header))
    start = 0
    with NulVisible(path, encoding) as raw, io.BufferedReader(raw) as fh:
        # usecols: a line with more fields than the header is read as its first fields (pandas
        # would otherwise stop at it, or, in chunks, drop its extra field silently); nrows: the
        # records before a quote that is never closed (pandas would raise at the chunk holding it)
        for chunk in pd.read_csv(
            fh, chunksize=chunk_rows, dtype=dtype, keep_default_na=False, na_values=na_values,
            usecols=range(len(header)), index_col=False,
            nrows=None if unclosed is None else unclosed[0],
        ):  # fmt: skip
            if chunk.empty:
                continue
            chunk = from_spreadsheet(chunk)  # a results.csv screened again: its ids as screened
            problems = {
                row - start: ("parse_error", message, False)
                for row, message in overlong.items()
                if start <= row < start + len(chunk)
            }
            if problems:
                chunk.attrs[READ_PROBLEMS] = problems
            chunk.attrs[RECORD_LINES] = lines.of(np.arange(start, start + len(chunk)))
            start += len(chunk)
            yield chunk
    if unclosed is not None:  # the rest of the file: one row, empty, saying why
        start += 1
        rest = _status_row(header, "parse_error", unclosed[1], False)
        rest.attrs[RECORD_LINES] = lines.of(np.array([unclosed[0]]))
        yield rest
    if start == 0:
        yield _status_row(header, *_EMPTY_TABLE)


#: The one row standing for a table with a header and no rows: a problem of the whole file.
_EMPTY_TABLE = ("empty_table", "the table has a header but no rows", True)


def _status_row(
    columns: Iterable[object], status: str, message: str, whole_file: bool
) -> pd.DataFrame:
    """One row with every cell empty that stands for what the reader could not read
    (:func:`read_problems`: ``status``, ``message``, ``whole_file``)."""
    columns = list(columns)
    frame = pd.DataFrame({c: [None] for c in columns}, columns=columns)
    frame.attrs[READ_PROBLEMS] = {0: (status, message, whole_file)}
    return frame


def _row_record(
    record: dict, cid: str, source: str, where: str, named: TableColumns, structure_args: tuple
) -> dict:
    from electroscreen.data.composition_match import formula_mismatch  # imports tables
    from electroscreen.data.readers import read_cif_cell, structure_record

    formula_col = named.formula
    raw = record.get(formula_col) if formula_col is not None else None
    written = raw if isinstance(raw, str) else ""  # a CIF that is not read leaves the formula
    cif_text = record.get(named.cif) if named.cif is not None else None
    is_cif = isinstance(cif_text, str) and bool(cif_text.strip())
    path_like = is_cif and not looks_like_cif(cif_text) and looks_like_path(cif_text)
    if path_like and named.cif_everywhere:  # a cell is text: a file it names is never opened
        message = _PATH_CELL.format(cif_text.strip())
        return _failed(cid, source, where, STRUCTURE_PARSE_ERROR, message, written)
    if is_cif and (named.cif_everywhere or looks_like_cif(cif_text)):
        structure, problem = read_cif_cell(cif_text, structure_args[0])
        if structure is None:
            return _failed(cid, source, where, *problem, written)
        read = structure_record(cid, source, structure, *structure_args, where=where)
        mismatch = formula_mismatch(raw, structure)
        if mismatch and read["status"] == OK:
            return _failed(cid, source, where, "formula_mismatch", mismatch, read["formula"])
        return read
    if formula_col is None:
        return _failed(
            cid, source, where, "no_formula_column",
            f"no formula column (expected one of {', '.join(FORMULA_COLUMNS)}) "
            f"in columns {[c for c in record]}",
        )  # fmt: skip
    formula = format_formula(parse_formula(written))
    return {"candidate_id": cid, "formula": formula, "source": source, "status": OK, "error": ""}


#: Why a ``cif`` cell that names a file is not read.
_PATH_CELL = (
    "structure: the cif column holds CIF text; {!r} looks like a file path, which is not read "
    "(give the file itself as an input, or its text in the cell)"
)


def _failed(
    cid: str, source: str, where: str, status: str, message: str, formula: str = ""
) -> dict:
    """A failed row: ``error`` names the row as ``where`` does (:func:`row_place`)."""
    return {
        "candidate_id": cid,
        "formula": formula,
        "source": source,
        "status": status,
        "error": f"{where}: {message}",
    }


def row_id(value: object, path: Path, row: int) -> str:
    """A table row's candidate id: its id cell as text, or ``<file stem>:<row>`` (the id of a
    table without an id column) where the cell is empty or null (``None``, NaN, a nullable
    column's ``pd.NA``). A whole float is written as an integer: a Parquet integer column with a
    null reads as floats (``1.0``), and its ids stay ``1``."""
    if type(value) is str and not value.isspace() and value:  # most ids: themselves, at once
        return value
    blank = value is None or (pd.api.types.is_scalar(value) and pd.isna(value))
    if blank or not str(value).strip():
        return f"{Path(path).stem}:{row}"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def table_records(
    frame: pd.DataFrame, path: Path, start: int, max_sites: int, min_distance: float
) -> list[dict]:
    """One candidate record per row of a table chunk whose first row is row ``start`` of ``path``.

    Records hold ``candidate_id, formula, source, status, error`` (+ ``structure`` for a CIF
    cell), then the table's other columns under the names :func:`table_columns` keeps them as
    (``input_<name>`` where electroscreen writes ``<name>``; a ``structure`` column's CIF cells
    are left empty there). Any exception raised for one row (``FormulaError``,
    ``OverflowError``, a CIF parser error, ...) becomes that row's status, as does a row the
    reader could not read (:func:`read_problems`) and an id cell holding a control character or a
    line break (``bad_character``, the id kept as written:
    :func:`~electroscreen.data.candidates.id_problem`).
    """
    path = Path(path)
    named = table_columns(frame.columns)
    problems = read_problems(frame)
    places = row_places(frame, path, start)
    records = []
    for offset, values in enumerate(frame.itertuples(index=False, name=None)):
        record = dict(zip(frame.columns, values, strict=True))
        row = start + offset
        cid = row_id(record[named.id] if named.id is not None else None, path, row)
        source, where = f"{path}:{row}", places[offset]
        raw = record.get(named.formula) if named.formula is not None else None
        if offset in problems:
            status, message, whole_file = problems[offset]
            if whole_file:
                cid, source = path.stem, str(path)
                where = source
            rec = _failed(cid, source, where, status, message, raw if isinstance(raw, str) else "")
        elif named.id is not None and (bad_id := id_problem(cid)):
            rec = _failed(
                cid, source, where, "bad_character", bad_id, raw if isinstance(raw, str) else ""
            )
        else:
            try:
                rec = _row_record(record, cid, source, where, named, (max_sites, min_distance))
            except Exception as exc:  # noqa: BLE001 - one row's failure is that row's status
                if isinstance(exc, FormulaError):
                    reason, message = exc.reason, str(exc)
                else:  # e.g. OverflowError: still this row only
                    reason = "bad_amount" if isinstance(exc, OverflowError) else "row_error"
                    message = f"{type(exc).__name__}: {exc}"
                rec = _failed(
                    cid, source, where, reason, message, raw if isinstance(raw, str) else ""
                )
        for column, name in named.kept.items():
            value = record[column]
            if column == named.cif and looks_like_cif(value):
                value = None  # read as the row's structure, not kept as text
            rec[name] = value
        records.append(rec)
    return records
