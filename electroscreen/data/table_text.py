"""A table file's bytes before pandas reads them: binary or text, its encoding, its records.

:func:`looks_binary` tells a text table from a binary file named ``.csv``; a text file is read
line by line (:func:`decode_line`): a line that is UTF-8 as UTF-8, one that is not (a spreadsheet's
``°`` or ``·``) as Windows-1252, so one stray byte changes no other row; :func:`text_encoding`
checks the whole file before any row is read and says which lines were not UTF-8;
:class:`NulVisible` hands pandas the text, as UTF-8, with NUL bytes made visible; :func:`record_problems` finds the lines with more fields than the header, counted as
pandas counts records, and a quoted field that is never closed, so
:mod:`electroscreen.data.tables` can make each one a row's status, and the line each record begins
on; :func:`row_place` is how every message names a table's row (``formulas.csv row 9 (line 11)``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "LINE_BY_LINE",
    "NUL_STAND_IN",
    "RECORD_LINES",
    "UNDEFINED_BYTE",
    "NulVisible",
    "RecordLines",
    "csv_records",
    "decode_line",
    "looks_binary",
    "record_problems",
    "row_place",
    "row_places",
    "text_encoding",
]

#: What a NUL byte in a CSV becomes: pandas' C parser would end the field there (``Li\0Cl`` read
#: as ``Li``); the visible symbol makes the formula fail with status ``bad_character``.
NUL_STAND_IN = "\u2400"


#: The encoding of :class:`NulVisible` and :func:`text_encoding` for a file some of whose lines are
#: not UTF-8: each line decoded alone (:func:`decode_line`).
LINE_BY_LINE = "line-by-line"
#: What a byte that neither UTF-8 nor Windows-1252 defines reads as (0x81, 0x8d, 0x8f, 0x90, 0x9d).
UNDEFINED_BYTE = "\ufffd"


def decode_line(raw: bytes) -> tuple[str, str]:
    """One line of a text table: ``(text, how)``, ``how`` ``"utf-8"``, ``"cp1252"`` (a line that is
    not UTF-8 but Windows-1252 text, as a spreadsheet writes ``°``) or ``"undefined"`` (bytes
    neither defines read as :data:`UNDEFINED_BYTE`, the rest as Windows-1252)."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "undefined"


def _lines(data: bytes) -> list[bytes]:
    """``data`` cut after each line feed (a lone carriage return ends no line: line numbers count
    line feeds)."""
    parts = data.split(b"\n")
    return [part + b"\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _lines_as_utf8(data: bytes) -> bytes:
    """``data`` (whole lines) as UTF-8: each line that is not UTF-8 decoded by :func:`decode_line`."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return "".join(decode_line(line)[0] for line in _lines(data)).encode()


class NulVisible(io.RawIOBase):
    """A text file as UTF-8 bytes whose NUL bytes read as :data:`NUL_STAND_IN`; a file some of whose
    lines are not UTF-8 (``encoding`` :data:`LINE_BY_LINE`) has each such line decoded alone
    (:func:`decode_line`), so a byte on one line changes no other line."""

    def __init__(self, path: Path, encoding: str = "utf-8") -> None:
        self._fh = path.open("rb")
        self._pending = b""
        self._carry = b""  # a line cut by the end of a block
        self._encoding = encoding

    def readable(self) -> bool:
        """True: the stream can be read (``io.RawIOBase`` protocol)."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer`` with the next bytes, NULs as the stand-in; the number written, 0 at the
        end of the file."""
        while not self._pending:
            chunk = self._fh.read(1 << 16)
            if not chunk and not self._carry:
                return 0
            if self._encoding != "utf-8":
                data = self._carry + chunk
                end = len(data) if not chunk else data.rfind(b"\n") + 1
                chunk, self._carry = _lines_as_utf8(data[:end]), data[end:]
            self._pending = chunk.replace(b"\0", NUL_STAND_IN.encode())
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        """Close the underlying file, then this stream."""
        self._fh.close()
        super().close()


def looks_binary(path: Path) -> bool:
    """Whether a file's first 8 KiB look binary: more than a stray NUL byte, or more than a stray
    character that text does not hold (control characters other than tab, line and form feed;
    bytes that neither UTF-8 nor Windows-1252 defines), each line read by :func:`decode_line`.

    A text table with one NUL byte or one undefined byte in a field is read (that row's field
    shows it); a table a spreadsheet exported as Windows-1252 is text; a PNG renamed ``.csv`` is
    one ``binary_file`` row.
    """
    with Path(path).open("rb") as fh:
        head = fh.read(8192)
    allowed = max(1, len(head) // 100)
    if head.count(b"\0") > allowed:
        return True
    cut = head.rfind(b"\n") + 1 if len(head) == 8192 else len(head)  # whole lines only
    text = _lines_as_utf8(head[: cut or len(head)]).decode("utf-8", errors="replace")
    odd = sum(ch == UNDEFINED_BYTE or (ch < " " and ch not in _TEXT_CONTROLS) for ch in text)
    return odd > allowed


#: Control characters that text holds (tab, line feed, form feed, carriage return) and NUL (a stray
#: one is a row's ``bad_character``, many make a file binary: :func:`looks_binary`).
_TEXT_CONTROLS = frozenset("\t\n\f\r\0")
#: Lines named in :func:`text_encoding`'s note before "+N more".
_LINES_NAMED = 5


def text_encoding(path: Path) -> tuple[str, str | None]:
    """The encoding a CSV is read in, with a note when some lines are not UTF-8.

    ``("utf-8", None)`` for UTF-8 text; else ``(LINE_BY_LINE, note)``: each line is decoded alone
    (:func:`decode_line`), and the note names the first byte that is not UTF-8 and its line, the
    lines read as Windows-1252, and those holding a byte neither defines (read as U+FFFD). The
    whole file is checked (in 4 MiB blocks) before any row is read.
    """
    odd: list[tuple[int, str, int]] = []  # (line, how decode_line reads it, first odd byte)
    newlines, carry = 0, b""
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            data = carry + block
            end = data.rfind(b"\n") + 1
            data, carry = data[:end], data[end:]
            odd += _not_utf8_lines(data, newlines)
            newlines += data.count(b"\n")
    odd += _not_utf8_lines(carry, newlines)
    if not odd:
        return "utf-8", None
    line, _, byte = odd[0]
    parts = []
    for how, said in (
        ("cp1252", "read as Windows-1252 (cp1252)"),
        ("undefined", "bytes neither UTF-8 nor Windows-1252 read as U+FFFD"),
    ):
        numbers = [k for k, h, _ in odd if h == how]
        if numbers:
            parts.append(f"{said}: {_named_lines(numbers)}")
    note = f"{path}: not UTF-8 (byte 0x{byte:02x} on line {line}); " + "; ".join(parts)
    return LINE_BY_LINE, note + "; every other line as UTF-8"


def _not_utf8_lines(data: bytes, newlines: int) -> list[tuple[int, str, int]]:
    """``(line number, how, first byte that is not UTF-8)`` of each of ``data``'s lines (whole
    lines, the first numbered ``newlines + 1``) that is not UTF-8, ``how`` as :func:`decode_line`
    reads it."""
    try:
        data.decode("utf-8")
        return []
    except UnicodeDecodeError:
        pass
    found = []
    for k, line in enumerate(_lines(data), newlines + 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append((k, decode_line(line)[1], line[exc.start]))
    return found


def _named_lines(numbers: list[int]) -> str:
    """``line 3`` / ``lines 3, 9, 12 (+4 more)``."""
    shown = ", ".join(str(n) for n in numbers[:_LINES_NAMED])
    more = f" (+{len(numbers) - _LINES_NAMED} more)" if len(numbers) > _LINES_NAMED else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


@dataclass(frozen=True)
class RecordLines:
    """The line of a CSV on which each record (row, counted from 0 after the header) begins, kept
    as the rows where it stops being the previous row's line + 1 (after a blank line or a quoted
    field spanning lines): a table of millions of rows holds a handful of numbers."""

    rows: np.ndarray
    lines: np.ndarray

    def of(self, rows: np.ndarray) -> np.ndarray:
        """The line of each of ``rows`` (int64)."""
        rows = np.asarray(rows, dtype=np.int64)
        k = np.searchsorted(self.rows, rows, side="right") - 1
        return self.lines[np.maximum(k, 0)] + rows - self.rows[np.maximum(k, 0)]


#: ``DataFrame.attrs`` key of a CSV chunk from :func:`~electroscreen.data.tables.table_chunks`:
#: the line of the file on which each of its rows begins (:func:`row_places`).
RECORD_LINES = "electroscreen_record_lines"


def row_places(frame: pd.DataFrame, path: Path, start: int) -> list[str]:
    """How a message names each row of a chunk from :func:`~electroscreen.data.tables.table_chunks` whose first row is row
    ``start``: ``formulas.csv row 9 (line 11)`` (rows counted from 0 after the header, as in the
    ids ``formulas:9`` and the ``source`` ``formulas.csv:9``; the line of the file, counted from 1,
    on which the row begins), ``pool.parquet row 9`` for a table without lines."""
    lines = frame.attrs.get(RECORD_LINES)
    rows = range(start, start + len(frame))
    if lines is None:
        return [row_place(path, row) for row in rows]
    return [row_place(path, row, int(line)) for row, line in zip(rows, lines, strict=True)]


def row_place(path: str | Path, row: int, line: int | None = None) -> str:
    """``formulas.csv row 9 (line 11)``, or ``pool.npz row 9`` without a line: how every message
    names a table's or a packed cache's row."""
    return f"{path} row {row}" + ("" if line is None else f" (line {line})")


def record_problems(
    path: Path, encoding: str, n_header: int
) -> tuple[dict[int, str], tuple[int, str] | None, RecordLines]:
    """What pandas cannot read in a CSV, by record (after the header; rows count the records as
    pandas does: blank lines skipped, a quoted field may span lines), and each record's line.

    Returns
    -------
    overlong : dict of int to str
        ``{row: message}`` for the records with more fields than the ``n_header`` header fields.
    unclosed : (int, str) or None
        ``(row, message)`` of a record whose quoted field is never closed: it runs to the end of
        the file, so neither it nor any line after it is a record (pandas raises on it).
    lines : RecordLines
        The line each record begins on.
    """
    overlong, unclosed = {}, None
    breaks, expected = ([0], [2]), 2
    with io.TextIOWrapper(NulVisible(path, encoding), encoding="utf-8", newline="") as fh:
        records = csv_records(fh)
        header = next(records, None)
        if header is not None:
            breaks, expected = ([0], [header[0] + 1]), header[0] + 1
        for row, (line, n, closed) in enumerate(records):
            if line != expected:
                breaks[0].append(row)
                breaks[1].append(line)
            expected = line + 1
            if not closed:
                unclosed = (row, 'it opens a quoted field (") that is never closed: '
                            "this line and every line after it are not read")  # fmt: skip
            elif n > n_header:
                overlong[row] = f"it has {n} fields, the header {n_header}: the line is not read"
    lines = RecordLines(
        np.asarray(breaks[0], dtype=np.int64), np.asarray(breaks[1], dtype=np.int64)
    )
    return overlong, unclosed, lines


def csv_records(lines: Iterable[str]) -> Iterator[tuple[int, int, bool]]:
    """``(line number, field count, closed)`` of each record of comma-separated ``lines`` (with
    their line ends), as pandas' C parser reads them: a line that is empty or only spaces and tabs
    is no record; a field that starts with ``"`` runs to the next ``"`` not doubled (across lines);
    a ``"`` inside an unquoted field is a character. ``closed`` is False only for a last record
    whose quoted field the file never closes."""
    state, fields, first = _START, 1, 0
    for number, line in enumerate(lines, 1):
        if state == _QUOTED:  # inside a quoted field that began on an earlier line
            if '"' not in line:
                continue
        elif '"' not in line:  # most lines: no quotes, so the fields are the commas + 1
            if line.strip(" \t\r\n"):
                yield number, line.count(",") + 1, True
            continue
        else:
            state, fields, first = _START, 1, number
        for ch in line:
            if state == _QUOTED:
                if ch == '"':
                    state = _QUOTE_IN_QUOTED
                continue
            if state == _QUOTE_IN_QUOTED:
                if ch == '"':  # a doubled quote: a quote character in the field
                    state = _QUOTED
                    continue
                state = _FIELD  # the field's quotes are closed; ch is read below
            if ch == ",":
                fields, state = fields + 1, _START
            elif ch in "\r\n":
                break
            elif ch == '"' and state == _START:
                state = _QUOTED
            else:
                state = _FIELD
        if state != _QUOTED:  # the record ended with this line
            yield first, fields, True
            state = _START
    if state == _QUOTED:  # an unclosed quote at the end: pandas raises on it
        yield first, fields, False


_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)
