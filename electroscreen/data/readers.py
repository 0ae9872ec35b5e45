"""Read candidate files of any supported format into the candidate table.

Structures: CIF (every data block), POSCAR/CONTCAR/``*.vasp``, pymatgen JSON (one structure or a
list), extxyz (every frame, through ASE). Compositions: CSV or Parquet tables with a formula column
(and optionally a column of CIF text). Every input yields at least one row; a file that cannot be
read yields one row whose ``status`` says why and whose ``error`` names the file.
"""

from __future__ import annotations

import glob
import io
import json
import os
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Structure
from pymatgen.io.cif import CifParser

from electroscreen.data.candidates import OK, candidate_table
from electroscreen.data.headers import cif_blocks, json_problem, poscar_problem, xyz_frames
from electroscreen.data.limits import DEFAULT_MAX_SITES, DEFAULT_MIN_DISTANCE
from electroscreen.data.packed import is_packed_file, load_packed, packed_formulas
from electroscreen.data.tables import (
    FORMULA_COLUMNS,
    looks_binary,
    table_chunks,
    table_records,
)
from electroscreen.data.validation import MAX_OCCUPANCY, check_packed, check_structure

__all__ = [
    "FORMULA_COLUMNS",
    "expand_inputs",
    "read_candidates",
    "structure_from_text",
    "structure_record",
]

STRUCTURE_SUFFIXES = {".cif", ".vasp", ".poscar", ".json", ".extxyz", ".xyz"}
TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
#: Packed structure caches (:meth:`PackedStructures.save`); a packed Parquet file has a table's suffix.
PACKED_SUFFIXES = {".npz"}
POSCAR_NAMES = ("POSCAR", "CONTCAR")


def _is_candidate_file(path: Path) -> bool:
    return (
        path.suffix.lower() in STRUCTURE_SUFFIXES | TABLE_SUFFIXES | PACKED_SUFFIXES
        or path.name.startswith(POSCAR_NAMES)
    )


def _folder_files(folder: Path) -> list[Path]:
    """Candidate files under ``folder`` (recursively, sorted), plus what must not vanish silently:
    sub-folders that cannot be listed, and candidate-named links that lead nowhere (broken or
    looping). Symlinked folders are followed once (a loop is not walked twice)."""
    found: list[Path] = []
    seen: set[str] = set()

    def walk(directory: Path) -> None:
        real = os.path.realpath(directory)
        if real in seen:
            return
        seen.add(real)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            found.append(directory)  # unreadable: read_candidates gives it a status row
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                walk(path)
            elif _is_candidate_file(path) and (is_file or entry.is_symlink()):
                found.append(path)

    walk(folder)
    return sorted(found)


def expand_inputs(inputs: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand directories (recursively, sorted) and glob patterns; keep missing paths as they are.

    Under a directory, an unreadable sub-folder and a broken or looping link with a candidate's
    name are kept too, so that each gets a status row instead of vanishing. A pattern that matches
    nothing is kept as it is (a ``missing_file`` row); a folder it matches is expanded like a folder
    given by name; a file one pattern reaches twice (``**``) is listed once.
    """
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    paths: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            paths.extend(_folder_files(path))
        elif _is_pattern(text) and not path.exists():
            matches = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
            found: list[Path] = []
            for match in matches or [path]:
                found.extend(_folder_files(match) if match.is_dir() else [match])
            paths.extend(dict.fromkeys(found))
        else:
            paths.append(path)
    return paths


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _failure(cid: str, source: str, status: str, message: str) -> dict:
    return {
        "candidate_id": cid,
        "source": source,
        "status": status,
        "error": f"{source}: {message}",
    }


def structure_record(
    cid: str,
    source: str,
    structure: Structure,
    max_sites: int = DEFAULT_MAX_SITES,
    min_distance: float = DEFAULT_MIN_DISTANCE,
) -> dict:
    """A candidate-table record for a parsed structure, with its validation status."""
    problem = check_structure(structure, max_sites=max_sites, min_distance=min_distance)
    formula = structure.composition.formula.replace(" ", "") if len(structure) else ""
    if problem is not None:
        rec = _failure(cid, source, *problem)
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
    """Parse every structure in a CIF or POSCAR text (pymatgen's parsers, warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "cif":
            # a site above MAX_OCCUPANCY is refused, not rescaled (rescaling changes the composition)
            parser = CifParser(io.StringIO(text), occupancy_tolerance=MAX_OCCUPANCY)
            _check_cif_occupancies(parser)
            structures = parser.parse_structures(primitive=False, on_error="raise")
            if not structures:
                raise ValueError("no structure in CIF")
            return structures
        if fmt == "poscar":
            return [Structure.from_str(text, fmt="poscar")]
    raise ValueError(f"unknown format {fmt!r}")


def _check_cif_occupancies(parser: CifParser) -> None:
    """Refuse occupancies outside (0, 1] as written: pymatgen drops a site with a negative or zero
    occupancy without a word, which would screen a different compound."""
    cif = getattr(parser, "_cif", None)
    for block in getattr(cif, "data", {}).values():
        values = block.data.get("_atom_site_occupancy") or []
        labels = block.data.get("_atom_site_label") or [""] * len(values)
        for label, raw in zip(labels, values, strict=False):
            try:
                value = float(str(raw).split("(")[0])
            except ValueError:
                continue  # "?" or ".": pymatgen's default applies
            if not (np.isfinite(value) and 0 < value <= MAX_OCCUPANCY):
                raise ValueError(f"site {label}: occupancy {raw} is not in (0, 1]")


def _classify_error(exc: Exception) -> str:
    text = str(exc).lower()
    if "occupancy" in text and ("not in (0, 1]" in text or "exceeded tolerance" in text):
        return "bad_occupancy"
    if "element" in text or "symbol" in text or "not a valid" in text:
        return "unknown_element"
    return "parse_error"


def _records(cid: str, source: str, structures: list, max_sites: int, min_distance: float):
    many = len(structures) > 1
    for k, structure in enumerate(structures):
        yield structure_record(
            f"{cid}#{k}" if many else cid,
            f"{source}#{k}" if many else source,
            structure,
            max_sites,
            min_distance,
        )


def _read_extxyz(path: Path, cid: str, max_sites: int, min_distance: float) -> Iterator[dict]:
    """Frames of an extxyz file; each is checked from its count line and ``Lattice=`` before ASE
    reads its atoms, and each frame's failure is that frame's status."""
    from ase.io import read as ase_read
    from pymatgen.io.ase import AseAtomsAdaptor

    with path.open(encoding="utf-8", errors="strict") as fh:
        frames = list(xyz_frames(fh, max_sites))
    for k, frame in enumerate(frames):
        source = f"{path}#{k}" if len(frames) > 1 else str(path)
        frame_id = f"{cid}#{k}" if len(frames) > 1 else cid
        if frame.problem is not None:
            yield _failure(frame_id, source, *frame.problem)
            continue
        try:
            atoms = ase_read(io.StringIO(frame.text), index=0, format="extxyz")
            if not atoms.pbc.all():
                yield _failure(frame_id, source, "not_periodic", "frame is not periodic in 3D")
                continue
            structure = AseAtomsAdaptor.get_structure(atoms)
        except Exception as exc:  # noqa: BLE001 - one frame's failure is that frame's status
            yield _failure(frame_id, source, _classify_error(exc), f"{type(exc).__name__}: {exc}")
            continue
        yield structure_record(frame_id, source, structure, max_sites, min_distance)


def _read_cif(
    path: Path, text: str, cid: str, max_sites: int, min_distance: float
) -> Iterator[dict]:
    """Structures of a CIF; a block over the site or volume cap is refused from its text alone, and
    a block pymatgen cannot read gets its own status row beside the others (``name#k``)."""
    blocks = cif_blocks(text, max_sites)
    if all(block.problem is None for block in blocks):
        try:
            structures = structure_from_text(text, "cif")
        except Exception:  # noqa: BLE001 - one block's failure must not take the others
            if sum(block.has_sites for block in blocks) < 2:
                raise
        else:
            yield from _records(cid, str(path), structures, max_sites, min_distance)
            return
    blocks = [block for block in blocks if block.has_sites]
    many = len(blocks) > 1
    for k, block in enumerate(blocks):
        block_id = f"{cid}#{k}" if many else cid
        source = f"{path}#{k}" if many else str(path)
        if block.problem is not None:
            yield _failure(block_id, source, *block.problem)
            continue
        try:
            structure = structure_from_text(block.text, "cif")[0]
        except Exception as exc:  # noqa: BLE001 - one block's failure is that block's status
            yield _failure(block_id, source, _classify_error(exc), f"{type(exc).__name__}: {exc}")
            continue
        yield structure_record(block_id, source, structure, max_sites, min_distance)


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
        yield from _read_json(path, text, cid, max_sites, min_distance)
        return
    problem = poscar_problem(text, max_sites)
    if problem is not None:  # refused before pymatgen parses (and validates) every site
        yield _failure(cid, str(path), *problem)
        return
    yield from _records(
        cid, str(path), structure_from_text(text, "poscar"), max_sites, min_distance
    )


def _read_json(
    path: Path, text: str, cid: str, max_sites: int, min_distance: float
) -> Iterator[dict]:
    """Structures of a pymatgen JSON file (one or a list), each capped before it is built."""
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    many = len(items) > 1
    for k, item in enumerate(items):
        item_id = f"{cid}#{k}" if many else cid
        source = f"{path}#{k}" if many else str(path)
        problem = json_problem(item, max_sites)
        if problem is not None:
            yield _failure(item_id, source, *problem)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                structure = Structure.from_dict(item)
        except Exception as exc:  # noqa: BLE001 - one item's failure is that item's status
            yield _failure(item_id, source, _classify_error(exc), f"{type(exc).__name__}: {exc}")
            continue
        yield structure_record(item_id, source, structure, max_sites, min_distance)


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
            rec = _failure(str(ids[i]), source, status[i], error[i])
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

    Examples
    --------
    >>> table = read_candidates(["pool/", "extra/Li3PS4.cif"])  # doctest: +SKIP
    >>> table.status.value_counts()  # doctest: +SKIP
    """
    records: list[dict] = []
    for path in expand_inputs(inputs):
        records.extend(_read_path(path, max_sites, min_distance))
    if not records:
        return candidate_table([])
    return candidate_table(records)


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
        what = "no file matches this pattern" if _is_pattern(source) else "no such file"
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
    if not (is_table or _is_candidate_file(path)):
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
        return [_failure(cid, source, _classify_error(exc), f"{type(exc).__name__}: {exc}")]
