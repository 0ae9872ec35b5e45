"""Screening inputs as a stream of batches with fixed boundaries.

Every input path yields its own batches of ``batch_size`` rows, so the same arguments always give the
same batches (what resuming relies on), and nothing larger than a batch is held for streamed inputs:

- formula tables (CSV, Parquet with a formula column): read in chunks (pandas / pyarrow batches);
- packed structure caches (``.npz`` or packed ``.parquet`` from :meth:`PackedStructures.save`):
  sliced with :meth:`PackedStructures.take`; pymatgen structures are built on the worker;
- anything else :func:`~electroscreen.data.read_candidates` reads (structure files, folders): batches
  of files, read on the worker.

A :class:`Batch` is small and picklable; :func:`materialize` turns it into candidate-table rows.
Where the inputs came from is recorded for later by :mod:`~electroscreen.screening.inputs_record`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pymatgen.core import IStructure

from electroscreen.data.candidates import OK
from electroscreen.data.cell_units import (
    candidate_formulas,
    structure_formulas,
    with_shown_formulas,
)
from electroscreen.data.input_paths import expand_inputs
from electroscreen.data.limits import DEFAULT_MAX_SITES, DEFAULT_MIN_DISTANCE
from electroscreen.data.packed import (
    PackedStructures,
    is_packed_file,
    load_packed,
    pack_structures,
    packed_formulas,
)
from electroscreen.data.readers import read_candidates
from electroscreen.data.stored_states import without_impossible_states
from electroscreen.data.table_text import looks_binary, row_place
from electroscreen.data.tables import table_chunks, table_columns, table_records
from electroscreen.data.validation import check_packed
from electroscreen.screening.standard_rows import (
    BASE_COLUMNS,
    formula_table_rows,
    standardize,
)

__all__ = [
    "candidate_rows",
    "Batch",
    "BatchStructures",
    "InputPlan",
    "iter_batches",
    "materialize",
    "packed_formulas",
    "plan_inputs",
]


@dataclass(frozen=True)
class InputItem:
    """One input path and how it is read: ``table`` (formulas), ``packed`` or ``files``."""

    path: Path
    kind: str
    n_rows: int | None
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class InputPlan:
    """The expanded inputs, their kinds, row counts where known, and two digests.

    Attributes
    ----------
    digest : str
        The content digest: SHA-256 of every input file's bytes, in order, whatever path reached
        them; the MLflow run's ``pool_digest`` and ``candidate-pool`` dataset.
    checkpoint_digest : str
        SHA-256 of ``digest`` and the paths as given (rows' ``source``): the manifest's
        ``input_digest``, so a resume refuses another pool and the same file by another path.
    """

    items: tuple[InputItem, ...]
    digest: str
    checkpoint_digest: str = ""

    def n_batches(self, batch_size: int) -> int | None:
        """Number of batches, or None when a CSV's row count is not known in advance."""
        if any(item.n_rows is None for item in self.items):
            return None
        return sum(-(-item.n_rows // batch_size) for item in self.items)


@dataclass
class Batch:
    """One batch: its number and what is needed to build its rows (picklable, small); a file
    batch also carries the folder relative ``files`` were given from (``cwd``)."""

    index: int
    kind: str
    path: Path
    start: int
    frame: pd.DataFrame | None = None
    packed: PackedStructures | None = None
    files: list[Path] = field(default_factory=list)
    cwd: str = ""


def _file_digest(path: Path, digest: hashlib._Hash) -> None:
    """Add the file's size and bytes to ``digest``, read in 4 MiB blocks (memory stays flat); the
    size first, so the boundary between two files is part of the digest."""
    digest.update(f"file:{path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)


def _csv_rows_estimate(path: Path) -> int | None:
    """Row count of a CSV without quotes (else None), read in 4 MiB blocks (memory stays flat)."""
    lines, last = 0, b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            if b'"' in block:
                return None
            lines += block.count(b"\n")
            last = block[-1:]
    lines += 0 if last in (b"\n", b"") else 1
    return max(lines - 1, 0)


def plan_inputs(inputs: list[str | Path]) -> InputPlan:
    """Expand inputs (folders, globs), classify each path and hash all of their bytes
    (:attr:`InputPlan.digest`) and, apart, the paths as given (:attr:`InputPlan.checkpoint_digest`).

    Structure files are grouped into one ``files`` item per argument so that a folder of CIFs is
    read in batches of files on the workers.
    """
    items: list[InputItem] = []
    digest, paths_digest = hashlib.sha256(), hashlib.sha256()
    for raw in inputs:
        paths = expand_inputs([raw])
        files: list[Path] = []
        paths_digest.update(f"argument:{raw}\0".encode())
        for path in paths:
            suffix = path.suffix.lower()
            paths_digest.update(f"{path}\0".encode())
            if path.is_file():
                _file_digest(path, digest)
            else:  # no content: its rows' status names it
                digest.update(f"missing:{path.name}\0".encode())
            if path.is_file() and suffix == ".npz":
                items.append(InputItem(path, "packed", len(load_packed(path))))
            elif path.is_file() and suffix in {".parquet", ".pq"}:
                try:
                    n_rows = pq.read_metadata(path).num_rows
                    kind = "packed" if is_packed_file(path) else "table"
                except Exception:  # noqa: BLE001 - unreadable: read_candidates gives its status row
                    files.append(path)
                    continue
                items.append(InputItem(path, kind, n_rows))
            elif path.is_file() and suffix == ".csv" and path.stat().st_size > 0:
                if looks_binary(path):  # one binary_file row, as data info gives
                    files.append(path)
                    continue
                items.append(InputItem(path, "table", _csv_rows_estimate(path)))
            else:
                files.append(path)
        if files:
            items.append(InputItem(Path(str(raw)), "files", len(files), tuple(files)))
    content = digest.hexdigest()
    paths_digest.update(content.encode())
    return InputPlan(tuple(items), content, paths_digest.hexdigest())


def iter_batches(plan: InputPlan, batch_size: int) -> Iterator[Batch]:
    """Yield the batches of every input in order; batch ``index`` counts from 0 over all inputs."""
    index = 0
    for item in plan.items:
        if item.kind == "table":
            start = 0
            chunks = table_chunks(item.path, batch_size)
            while True:
                try:
                    chunk = next(chunks, None)
                except Exception:  # noqa: BLE001 - a table pandas cannot read (a header it
                    # cannot parse, bytes neither UTF-8 nor Windows-1252): the file reader's
                    # status row, as `data info` gives it; the rows read before stay, the run goes on
                    yield Batch(index, "files", item.path, start, files=[item.path])
                    index += 1
                    break
                if chunk is None:
                    break
                if chunk.empty:  # a table with a header and no rows
                    continue
                yield Batch(index, "table", item.path, start, frame=chunk)
                index += 1
                start += len(chunk)
        elif item.kind == "packed":
            packed = load_packed(item.path)
            for start in range(0, len(packed), batch_size):
                rows = np.arange(start, min(start + batch_size, len(packed)))
                yield Batch(index, "packed", item.path, start, packed=packed.take(rows))
                index += 1
        else:
            files = list(item.files)
            for start in range(0, len(files), batch_size):
                chunk = files[start : start + batch_size]
                yield Batch(index, "files", item.path, start, files=chunk, cwd=os.getcwd())
                index += 1


def _table_rows(batch: Batch, max_sites: int) -> tuple[pd.DataFrame, BatchStructures]:
    """Candidate rows of a table chunk and their structures: formula tables column by column
    (no structures), tables with a CIF column row by row."""
    named = table_columns(batch.frame.columns)
    if named.formula is not None and named.cif is None:
        table = formula_table_rows(batch.frame, batch.path, batch.start, named)
        return table, BatchStructures.of(table, None, np.zeros(0, dtype=np.int64))
    return _record_rows(batch, max_sites)


def _record_rows(batch: Batch, max_sites: int) -> tuple[pd.DataFrame, BatchStructures]:
    """Candidate rows of a table chunk, row by row (any table, CIF column or not), and the
    structures of its CIF column."""
    frame = batch.frame
    records = table_records(frame, batch.path, batch.start, max_sites, DEFAULT_MIN_DISTANCE)
    return _with_structures(pd.DataFrame.from_records(records))


def candidate_rows(candidates: pd.DataFrame) -> pd.DataFrame:
    """A table of :func:`~electroscreen.data.read_candidates` in the columns a screening writes
    for each row before predicting (``formula`` reduced as ``screen`` writes it, ``cell_formula``
    as read, ``n_sites``; ``data info --table``): one meaning of ``formula`` everywhere.

    Parameters
    ----------
    candidates : DataFrame
        N rows with ``candidate_id``, ``formula``, ``source``, ``status``, ``error`` and
        ``structure`` (pymatgen or None), plus any columns of the read table; ``cell_formula``, the
        content as read, where it has one (else ``formula`` is that content).

    Returns
    -------
    DataFrame
        N rows, same order, without ``structure``.
    """
    return _with_structures(candidates)[0].drop(columns="structure")


def _with_structures(table: pd.DataFrame) -> tuple[pd.DataFrame, BatchStructures]:
    """Rows read with pymatgen Structures (structure files, a table's CIF column) in the standard
    columns, their structures packed once, and each row's ``formula`` as every reader writes it
    (:func:`~electroscreen.data.cell_units.candidate_formulas`: a structure's per formula unit of
    its cell, as for a packed pool)."""
    extras = table.drop(columns=[c for c in table.columns if c in {*BASE_COLUMNS, "structure"}])
    structures = BatchStructures.of(table, None, np.arange(len(table), dtype=np.int64))
    # the content as read: read_candidates' cell_formula, else (a caller's table) its formula
    content = "cell_formula" if "cell_formula" in table else "formula"
    written = table[content].fillna("").astype(str).tolist()
    shown = candidate_formulas(written, structures.packed, structures.positions)
    return standardize(table, extras, shown), structures


def materialize(
    batch: Batch, max_sites: int = DEFAULT_MAX_SITES
) -> tuple[pd.DataFrame, BatchStructures]:
    """Candidate rows of a batch, in input order, and its structures packed once.

    Returns
    -------
    table : DataFrame
        ``candidate_id, formula, cell_formula, source, status, error, n_sites, structure`` (+ a
        formula table's extra columns); ``formula`` is the reduced formula (a structure's per
        formula unit of its cell: :func:`~electroscreen.data.cell_units.structure_formulas`),
        ``cell_formula`` the content as read (a structure's cell, a table's formula as written).
        ``structure`` holds pymatgen Structures, except for packed batches, whose structures stay
        packed (``structure`` is None).
    structures : BatchStructures
        Every structure of the batch, packed (a packed batch's arrays as they are; a table's CIF
        column's; none for a formula table).
    """
    if batch.kind == "table":
        return _table_rows(batch, max_sites)
    if batch.kind == "packed":
        packed = batch.packed
        n = len(packed)
        ids = packed.ids or tuple(f"{batch.path.stem}:{batch.start + i}" for i in range(n))
        table = pd.DataFrame(
            {
                "candidate_id": list(ids),
                "formula": packed_formulas(packed),
                "source": [f"{batch.path}:{batch.start + i}" for i in range(n)],
                "status": OK,
                "error": "",
                "n_sites": packed.n_sites.astype(np.float64),
                "structure": [None] * n,
            }
        )
        table = with_shown_formulas(table, structure_formulas(packed))
        status, error = check_packed(packed, max_sites=max_sites)
        table["status"] = status
        table["error"] = [
            f"{row_place(batch.path, batch.start + i)}: {e}" if e else ""
            for i, e in enumerate(error)
        ]
        return table, BatchStructures(packed, np.arange(n, dtype=np.int64))
    return _with_structures(read_candidates(batch.files, max_sites=max_sites))


@dataclass(frozen=True)
class BatchStructures:
    """The structures of a materialized batch, packed once for the bond-valence filter and both
    models.

    Attributes
    ----------
    packed : PackedStructures
        Structure ``k`` is that of table row ``positions[k]``; without the stored oxidation states
        of a structure that holds one no compound has (a CIF's ``Li2+``:
        :func:`~electroscreen.data.stored_states.without_impossible_states`).
    positions : ndarray of int64, shape (K,)
        Ascending table rows that have a structure.
    ignored_labels : ndarray of object, shape (K,)
        ``""``, or the impossible labels of structure ``k`` that were dropped (``Li2+``).
    """

    packed: PackedStructures
    positions: np.ndarray
    ignored_labels: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        packed, ignored = without_impossible_states(self.packed)
        object.__setattr__(self, "packed", packed)  # frozen: set once, here
        object.__setattr__(self, "ignored_labels", ignored)

    @classmethod
    def of(
        cls, table: pd.DataFrame, packed: PackedStructures | None, rows: np.ndarray
    ) -> BatchStructures:
        """Pack the structures of ``rows`` (ascending) of ``table``: a packed batch's are taken
        from its arrays (no pymatgen round trip); a file batch's pymatgen Structures are packed."""
        rows = np.asarray(rows, dtype=np.int64)
        if packed is not None:
            return cls(packed.take(rows), rows)
        column = table["structure"].to_numpy(dtype=object)[rows] if "structure" in table else []
        present = np.flatnonzero([isinstance(s, IStructure) for s in column])  # NaN: no CIF
        return cls(pack_structures([column[k] for k in present]), rows[present])

    def for_rows(self, rows: np.ndarray) -> dict[str, PackedStructures | np.ndarray]:
        """The structures of ``rows`` (ascending table rows, each one this object was built on or
        without a structure): the keyword arguments ``structures`` and ``structure_rows``
        (positions in ``rows`` that have a structure) of ``CandidatePredictor.predict_frame``."""
        rows = np.asarray(rows, dtype=np.int64)
        k = np.searchsorted(self.positions, rows)
        has = k < len(self.positions)
        has[has] = self.positions[k[has]] == rows[has]
        return {"structures": self.packed.take(k[has]), "structure_rows": np.flatnonzero(has)}
