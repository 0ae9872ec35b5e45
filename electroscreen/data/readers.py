"""Read candidate files of any supported format into the candidate table.

Structures: CIF (every data block that lists atom sites), POSCAR/CONTCAR/``*.vasp``, pymatgen JSON
(one structure or a list), extxyz (every frame, through ASE, its partial occupancies kept).
Compositions: CSV or Parquet tables with a formula column (and optionally a column of CIF text).
Every input yields at least one row; a file that cannot be read yields one row whose ``status``
says why and whose ``error`` names the file.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
from pymatgen.core import Structure

from electroscreen.data.candidates import OK, STRUCTURE_PARSE_ERROR, candidate_table
from electroscreen.data.cell_units import with_candidate_formulas
from electroscreen.data.cif_structures import NO_SITE_BLOCK, cif_block_structure, cif_structures
from electroscreen.data.headers import cif_blocks, json_problem, poscar_problem, xyz_frames
from electroscreen.data.input_paths import (
    PACKED_SUFFIXES,
    STRUCTURE_SUFFIXES,
    TABLE_SUFFIXES,
    expand_inputs,
    is_candidate_file,
    is_pattern,
)
from electroscreen.data.limits import DEFAULT_MAX_SITES, DEFAULT_MIN_DISTANCE
from electroscreen.data.packed import is_packed_file, load_packed, packed_formulas
from electroscreen.data.partial_sites import structure_from_dict, structure_from_frame
from electroscreen.data.table_text import looks_binary, row_place
from electroscreen.data.tables import (
    FORMULA_COLUMNS,
    table_chunks,
    table_records,
)
from electroscreen.data.validation import StructureProblem, check_packed, check_structure

__all__ = [
    "FORMULA_COLUMNS",
    "read_candidates",
    "read_cif_cell",
    "structure_from_text",
    "structure_record",
]


def _failure(cid: str, source: str, status: str, message: str, where: str | None = None) -> dict:
    """A failed row; ``error`` names it as ``where`` does (default ``source``: a file, a frame)."""
    return {
        "candidate_id": cid,
        "source": source,
        "status": status,
        "error": f"{where or source}: {message}",
    }


def structure_record(
    cid: str,
    source: str,
    structure: Structure,
    max_sites: int = DEFAULT_MAX_SITES,
    min_distance: float = DEFAULT_MIN_DISTANCE,
    where: str | None = None,
) -> dict:
    """A candidate-table record for a parsed structure, with its validation status (a failure's
    ``error`` names the structure as ``where`` does, default ``source``)."""
    problem = check_structure(structure, max_sites=max_sites, min_distance=min_distance)
    formula = structure.composition.formula.replace(" ", "") if len(structure) else ""
    if problem is not None:
        rec = _failure(cid, source, *problem, where=where)
        rec["formula"] = formula
        return rec
    return {
        "candidate_id": cid,
        "formula": formula,
        "source": source,
        "status": OK,
        "error": "",
        "structure": structure,
    }


def structure_from_text(text: str, fmt: str = "cif") -> list[Structure]:
    """Parse every structure in a CIF or POSCAR text (pymatgen's parsers, warnings silenced).

    A CIF gives one structure per block that lists atom sites, each checked against its own
    ``_chemical_formula_sum`` (:func:`~electroscreen.data.cif_structures.cif_structures`).
    """
    if fmt == "cif":
        return cif_structures(text)
    if fmt == "poscar":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [Structure.from_str(text, fmt="poscar")]
    raise ValueError(f"unknown format {fmt!r}")


def read_cif_cell(
    text: str, max_sites: int = DEFAULT_MAX_SITES
) -> tuple[Structure | None, tuple[str, str] | None]:
    """The structure of a CIF text held in a row (a table's ``cif`` cell, a pyfunc / ``serve``
    row's ``structure``), read as every path reads it: the text caps of a CIF file first
    (:func:`~electroscreen.data.headers.cif_blocks`: a huge cell is refused in ms, not s), then
    pymatgen's parser (the first block that lists atom sites).

    Returns
    -------
    structure : Structure or None
        None when the text is refused or does not parse.
    problem : (status, message) or None
        Why not: a cap's status, ``bad_occupancy`` / ``unknown_element`` where the parser names
        one, else :data:`~electroscreen.data.candidates.STRUCTURE_PARSE_ERROR`; the message starts
        ``structure:``. The structure's own checks
        (:func:`~electroscreen.data.validation.check_structure`) are the caller's.
    """
    problem = next((b.problem for b in cif_blocks(text, max_sites) if b.problem), None)
    if problem is not None:
        return None, (problem[0], f"structure: {problem[1]}")
    try:
        return structure_from_text(text, "cif")[0], None
    except Exception as exc:  # noqa: BLE001 - any parser failure is this row's status
        return None, (_classify_error(exc, STRUCTURE_PARSE_ERROR), f"structure: {exc}")


def _exc_failure(cid: str, source: str, exc: Exception) -> dict:
    """The status row of a reader's exception (a :class:`StructureProblem` says its own status)."""
    message = str(exc) if isinstance(exc, StructureProblem) else f"{type(exc).__name__}: {exc}"
    return _failure(cid, source, _classify_error(exc), message)


def _classify_error(exc: Exception, unknown: str = "parse_error") -> str:
    """The status of a parser's exception: its own, ``bad_occupancy`` or ``unknown_element`` where
    its message names one, else ``unknown``."""
    if isinstance(exc, StructureProblem):
        return exc.status
    text = str(exc).lower()
    if "occupanc" in text and (
        "not in (0, 1]" in text or "exceeded tolerance" in text or "sum to more than 1" in text
    ):
        return "bad_occupancy"
    if "element" in text or "symbol" in text or "not a valid" in text:
        return "unknown_element"
    return unknown


def _part_records(
    cid: str, path: Path, parts: list, parse, max_sites: int, min_distance: float
) -> Iterator[dict]:
    """One record per part of a file (CIF block, JSON item, extxyz frame), ``name#k`` when there
    are several. ``parts`` holds (problem, payload) pairs: a part refused from its text keeps its
    problem, else ``parse(payload)`` gives its structure, and what it raises is that part's status.
    """
    many = len(parts) > 1
    for k, (problem, payload) in enumerate(parts):
        part_id = f"{cid}#{k}" if many else cid
        source = f"{path}#{k}" if many else str(path)
        if problem is not None:
            yield _failure(part_id, source, *problem)
            continue
        try:
            structure = parse(payload)
        except Exception as exc:  # noqa: BLE001 - one part's failure is that part's status
            yield _exc_failure(part_id, source, exc)
            continue
        yield structure_record(part_id, source, structure, max_sites, min_distance)


def _read_extxyz(path: Path, cid: str, max_sites: int, min_distance: float) -> Iterator[dict]:
    """Frames of an extxyz file; each is checked from its count line and ``Lattice=`` before ASE
    reads its atoms (:func:`~electroscreen.data.partial_sites.structure_from_frame`)."""
    with path.open(encoding="utf-8", errors="strict") as fh:
        frames = [(frame.problem, frame.text) for frame in xyz_frames(fh, max_sites)]
    yield from _part_records(cid, path, frames, structure_from_frame, max_sites, min_distance)


def _read_cif(
    path: Path, text: str, cid: str, max_sites: int, min_distance: float
) -> Iterator[dict]:
    """Structures of a CIF, one per block that lists atom sites (a block without sites, such as a
    journal's ``data_global``, is not a candidate); a block over the site or volume cap is refused
    from its text alone."""
    blocks = [(b.problem, b.text) for b in cif_blocks(text, max_sites) if b.has_sites]
    if not blocks:
        raise ValueError(NO_SITE_BLOCK)
    yield from _part_records(cid, path, blocks, cif_block_structure, max_sites, min_distance)


def _read_structure_file(
    path: Path, cid: str, max_sites: int, min_distance: float
) -> Iterator[dict]:
    suffix = path.suffix.lower()
    if suffix in {".extxyz", ".xyz"}:
        yield from _read_extxyz(path, cid, max_sites, min_distance)
        return
    text = path.read_text(encoding="utf-8", errors="strict")
    if suffix == ".cif":
        yield from _read_cif(path, text, cid, max_sites, min_distance)
        return
    if suffix == ".json":
        data = json.loads(text)  # one structure or a list, each capped before it is built
        items = [(json_problem(item, max_sites), item) for item in _as_list(data)]
        yield from _part_records(cid, path, items, structure_from_dict, max_sites, min_distance)
        return
    problem = poscar_problem(text, max_sites)
    if problem is not None:  # refused before pymatgen parses (and validates) every site
        yield _failure(cid, str(path), *problem)
        return
    (structure,) = structure_from_text(text, "poscar")
    yield structure_record(cid, str(path), structure, max_sites, min_distance)


def _as_list(data: object) -> list:
    return data if isinstance(data, list) else [data]


def _read_packed(path: Path, max_sites: int) -> list[dict]:
    """Rows of a packed structure cache, checked by the rules ``screen`` applies to it
    (:func:`~electroscreen.data.validation.check_packed`); structures are built for valid rows."""
    packed = load_packed(path)
    n = len(packed)
    status, error = check_packed(packed, max_sites=max_sites)
    ids = packed.ids or tuple(f"{path.stem}:{i}" for i in range(n))
    formulas = packed_formulas(packed)
    records = []
    for i in range(n):
        source = f"{path}:{i}"
        if status[i] != OK:
            rec = _failure(str(ids[i]), source, status[i], error[i], row_place(path, i))
            rec["formula"] = formulas[i]
        else:
            rec = {"candidate_id": str(ids[i]), "formula": formulas[i], "source": source,
                   "status": OK, "error": "", "structure": packed.to_structure(i)}  # fmt: skip
        records.append(rec)
    return records


#: Rows per chunk when ``data info`` reads a table (``screen`` uses its batch size).
_TABLE_CHUNK = 65536


def _read_table(path: Path, max_sites: int, min_distance: float) -> Iterator[dict]:
    """Every row of a formula table (the reader ``screen`` uses too), one record per row."""
    start = 0
    for chunk in table_chunks(path, _TABLE_CHUNK):
        yield from table_records(chunk, path, start, max_sites, min_distance)
        start += len(chunk)


def read_candidates(
    inputs: str | Path | Iterable[str | Path],
    *,
    max_sites: int = DEFAULT_MAX_SITES,
    min_distance: float = DEFAULT_MIN_DISTANCE,
) -> pd.DataFrame:
    """Read structure files and formula tables into one candidate table.

    Parameters
    ----------
    inputs : path, glob pattern, directory, or an iterable of them
    max_sites : int
        Structures with more sites get status ``too_many_sites``.
    min_distance : float
        Sites closer than this (Angstrom) with total occupancy above one get ``overlapping_atoms``.

    Returns
    -------
    DataFrame
        The candidate table (see :data:`~electroscreen.data.candidates.CANDIDATE_COLUMNS`), one row
        per structure or table row, in input order; unreadable inputs keep a row with their status.
        ``formula`` is the reduced formula and ``cell_formula``, just after it, the content as read
        (a structure's cell, a table's formula as written), as ``screen``, ``data info --table``
        and ``featurize`` write them
        (:func:`~electroscreen.data.cell_units.with_candidate_formulas`).

    Examples
    --------
    >>> table = read_candidates(["pool/", "extra/Li3PS4.cif"])  # doctest: +SKIP
    >>> table.status.value_counts()  # doctest: +SKIP
    """
    records: list[dict] = []
    for path in expand_inputs(inputs):
        records.extend(_read_path(path, max_sites, min_distance))
    return with_candidate_formulas(candidate_table(records))


def _listable(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError:
        return False
    return True


def _read_path(path: Path, max_sites: int, min_distance: float) -> list[dict]:
    known = STRUCTURE_SUFFIXES | TABLE_SUFFIXES | PACKED_SUFFIXES
    cid = path.stem if path.suffix.lower() in known else path.name
    source = str(path)
    if path.is_symlink() and not path.exists():
        return [_failure(cid, source, "broken_link", "a link that leads to no file (or loops)")]
    if not path.exists():
        what = "no file matches this pattern" if is_pattern(source) else "no such file"
        return [_failure(cid, source, "missing_file", what)]
    if path.is_dir() and not _listable(path):
        return [_failure(cid, source, "unreadable_folder", "folder cannot be listed")]
    if path.is_dir():
        return [_failure(cid, source, "unsupported_format", "directory holds no candidate files")]
    if path.stat().st_size == 0:
        return [_failure(cid, source, "empty_file", "file is empty")]
    suffix = path.suffix.lower()
    is_table = suffix in TABLE_SUFFIXES
    if suffix in PACKED_SUFFIXES | {".parquet", ".pq"}:
        try:
            if is_packed_file(path):
                return _read_packed(path, max_sites)
        except Exception as exc:  # noqa: BLE001 - an unreadable cache is one status row
            return [_failure(cid, source, "parse_error", f"{type(exc).__name__}: {exc}")]
    elif looks_binary(path):
        return [_failure(cid, source, "binary_file", "binary content, not a text format")]
    if not (is_table or is_candidate_file(path)):
        return [_failure(cid, source, "unsupported_format", f"unknown file type {suffix!r}")]
    try:
        if is_table:
            return list(_read_table(path, max_sites, min_distance))
        records = list(_read_structure_file(path, cid, max_sites, min_distance))
        if not records:  # "[]" in a JSON file, an extxyz of blank lines: one row, never none
            return [_failure(cid, source, "empty_structure", "the file holds no structure")]
        return records
    except UnicodeDecodeError as exc:
        return [_failure(cid, source, "binary_file", f"not UTF-8 text ({exc.reason})")]
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes this file's status
        return [_exc_failure(cid, source, exc)]
