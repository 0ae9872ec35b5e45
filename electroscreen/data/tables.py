"""The one reader of formula tables (CSV, Parquet), shared by ``data info`` and ``screen``.

A table is read in chunks of rows (so ``screen`` holds one batch at a time) and each row becomes one
candidate record. Everything that can go wrong with one row -- a bad formula, an overflowing amount, a
control character, a broken CIF text -- becomes that row's status: one bad row never turns the whole
table into an error, and a table without a formula column gives every row the status
``no_formula_column`` (rows in = rows out).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas._libs.parsers import STR_NA_VALUES

from electroscreen.data.candidates import OK
from electroscreen.data.formula import FormulaError, format_formula, parse_formula

__all__ = [
    "CIF_COLUMNS",
    "FORMULA_CIF_TOLERANCE",
    "FORMULA_COLUMNS",
    "ID_COLUMNS",
    "find_column",
    "formula_mismatch",
    "looks_binary",
    "read_parquet",
    "row_id",
    "table_chunks",
    "table_records",
]

#: Column names recognised as the formula column of a table, in order of preference.
FORMULA_COLUMNS = ("formula", "composition", "reduced composition", "true composition")
ID_COLUMNS = ("candidate_id", "id", "material_id")
CIF_COLUMNS = ("structure", "cif")
#: Largest atomic-fraction difference between a row's formula and its CIF's composition.
FORMULA_CIF_TOLERANCE = 0.01
#: What a NUL byte in a CSV becomes: pandas' C parser would end the field there (``Li\0Cl`` read
#: as ``Li``); the visible symbol makes the formula fail with status ``bad_character``.
NUL_STAND_IN = "\u2400"


class _NulVisible(io.RawIOBase):
    """A binary file whose NUL bytes read as :data:`NUL_STAND_IN` (UTF-8)."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._fh.read(1 << 16)
            if not chunk:
                return 0
            self._pending = chunk.replace(b"\0", NUL_STAND_IN.encode())
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def looks_binary(path: Path) -> bool:
    """Whether a file's first 8 KiB look binary: not UTF-8, or more than a stray NUL byte.

    A text table with one NUL byte in a field is read (that row gets ``bad_character``); a PNG
    renamed ``.csv`` is one ``binary_file`` row.
    """
    with Path(path).open("rb") as fh:
        head = fh.read(8192)
    if head.count(b"\0") > max(1, len(head) // 100):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3  # not just a character cut at the end of the block
    return False


def find_column(columns: object, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` among ``columns`` (case-insensitive), or None."""
    lowered = {str(c).lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


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
    the other columns get pandas' usual type inference (per chunk).
    """
    path = Path(path)
    if path.suffix.lower() in {".parquet", ".pq"}:
        with pq.ParquetFile(path) as parquet:  # closed here, even if the caller stops early
            for record_batch in parquet.iter_batches(batch_size=chunk_rows):
                yield record_batch.to_pandas()
        return
    with _NulVisible(path) as raw, io.BufferedReader(raw) as fh:
        header = pd.read_csv(fh, nrows=0).columns
    keys = {find_column(header, names) for names in (FORMULA_COLUMNS, ID_COLUMNS, CIF_COLUMNS)}
    keys.discard(None)
    na_values = {c: list(STR_NA_VALUES) for c in header if c not in keys}
    dtype = {c: str for c in keys}
    with _NulVisible(path) as raw, io.BufferedReader(raw) as fh:
        yield from pd.read_csv(
            fh, chunksize=chunk_rows, dtype=dtype, keep_default_na=False, na_values=na_values
        )


def _row_record(
    record: dict, cid: str, source: str, columns: tuple[str | None, ...], structure_args: tuple
) -> dict:
    from electroscreen.data.headers import cif_blocks
    from electroscreen.data.readers import _classify_error, structure_from_text, structure_record

    formula_col, cif_col = columns
    cif_text = record.get(cif_col) if cif_col else None
    if isinstance(cif_text, str) and cif_text.strip():
        # the caps a CIF file gets before pymatgen parses it (a huge cell is refused in ms, not s)
        problem = next(
            (b.problem for b in cif_blocks(cif_text, structure_args[0]) if b.problem), None
        )
        if problem is not None:
            return _failed(cid, source, problem[0], f"structure: {problem[1]}")
        try:
            structure = structure_from_text(cif_text, "cif")[0]
        except Exception as exc:  # noqa: BLE001 - any parser failure is this row's status
            return _failed(cid, source, _classify_error(exc), f"structure: {exc}")
        read = structure_record(cid, source, structure, *structure_args)
        mismatch = formula_mismatch(record.get(formula_col) if formula_col else None, structure)
        if mismatch and read["status"] == OK:
            return _failed(cid, source, "formula_mismatch", mismatch, read["formula"])
        return read
    if formula_col is None:
        return _failed(
            cid, source, "no_formula_column",
            f"no formula column (expected one of {', '.join(FORMULA_COLUMNS)}) "
            f"in columns {[c for c in record]}",
        )  # fmt: skip
    raw = record.get(formula_col)
    text = raw if isinstance(raw, str) else ""
    formula = format_formula(parse_formula(text))
    return {"candidate_id": cid, "formula": formula, "source": source, "status": OK, "error": ""}


def formula_mismatch(text: object, structure) -> str | None:
    """Why a row's formula and its CIF are not one composition, or ``None`` when they agree.

    They agree when they hold the same elements and no atomic fraction differs by more than
    :data:`FORMULA_CIF_TOLERANCE` (a refinement's occupancies may round a nominal formula). A
    formula cell that is empty or does not parse (a label such as ``LLZO``) is not compared.
    """
    from electroscreen.data.composition_match import atomic_fractions

    written = atomic_fractions(text) if isinstance(text, str) and text.strip() else None
    composition = structure.composition.get_el_amt_dict()
    cif_total = sum(composition.values())
    if written is None or not cif_total > 0:
        return None
    gaps = {
        el: abs(written.get(el, 0.0) - composition.get(el, 0.0) / cif_total)
        for el in sorted(set(written) | set(composition))
    }
    worst = max(gaps, key=gaps.get)
    if set(written) == set(composition) and gaps[worst] <= FORMULA_CIF_TOLERANCE:
        return None
    cif_formula = structure.composition.formula.replace(" ", "")
    return (
        f"formula {text!r} is not the CIF's composition {cif_formula} (atomic fraction of "
        f"{worst} differs by {gaps[worst]:.3f}; at most {FORMULA_CIF_TOLERANCE} allowed)"
    )


def _failed(cid: str, source: str, status: str, message: str, formula: str = "") -> dict:
    return {
        "candidate_id": cid,
        "formula": formula,
        "source": source,
        "status": status,
        "error": f"{source}: {message}",
    }


def row_id(value: object, path: Path, row: int) -> str:
    """A table row's candidate id: its id cell as text, or ``<file stem>:<row>`` (the id of a
    table without an id column) where the cell is empty or null."""
    if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
        return f"{Path(path).stem}:{row}"
    return str(value)


def table_records(
    frame: pd.DataFrame, path: Path, start: int, max_sites: int, min_distance: float
) -> list[dict]:
    """One candidate record per row of a table chunk whose first row is row ``start`` of ``path``.

    Records hold ``candidate_id, formula, source, status, error`` (+ ``structure`` for a CIF
    column), then the table's other columns as they are. Any exception raised for one row
    (``FormulaError``, ``OverflowError``, a CIF parser error, ...) becomes that row's status.
    """
    path = Path(path)
    formula_col = find_column(frame.columns, FORMULA_COLUMNS)
    cif_col = find_column(frame.columns, CIF_COLUMNS)
    id_col = find_column(frame.columns, ID_COLUMNS)
    extras = [c for c in frame.columns if c not in {formula_col, cif_col, id_col}]
    records = []
    for offset, values in enumerate(frame.itertuples(index=False, name=None)):
        record = dict(zip(frame.columns, values, strict=True))
        row = start + offset
        cid = row_id(record[id_col] if id_col else None, path, row)
        source = f"{path}:{row}"
        try:
            rec = _row_record(
                record, cid, source, (formula_col, cif_col), (max_sites, min_distance)
            )
        except Exception as exc:  # noqa: BLE001 - one row's failure is that row's status
            raw = record.get(formula_col) if formula_col else None
            if isinstance(exc, FormulaError):
                reason, message = exc.reason, str(exc)
            else:  # e.g. OverflowError: still this row only
                reason = "bad_amount" if isinstance(exc, OverflowError) else "row_error"
                message = f"{type(exc).__name__}: {exc}"
            rec = _failed(cid, source, reason, message, raw if isinstance(raw, str) else "")
        rec.update({c: record[c] for c in extras if c not in rec})
        records.append(rec)
    return records
