"""Where a screened candidate's structure is again: ``electroscreen export``'s reading of a result
row's ``source`` (``path:row`` of a packed cache or table, ``path#k`` of a file's frame or block,
``path`` of a structure file), with relative paths resolved through the screening's
``inputs.json`` (:data:`~electroscreen.screening.inputs_record.INPUTS_RECORD`), and the check that
the file still holds the composition the screening read (:mod:`electroscreen.analysis.export`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from pymatgen.core import Structure

__all__ = ["StructureFinder", "source_resolver", "split_source"]

_TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
#: A source path as written in the results -> the existing file it names (None: none).
Resolver = Callable[[str], "Path | None"]


def source_resolver(record: Path | None) -> Resolver:
    """Map a source path as written in the results to an existing file (via inputs.json)."""
    cwd, known = None, {}
    if record is not None:
        data = json.loads(record.read_text())
        cwd = Path(data["cwd"])
        for item in data["items"]:
            known[item["path"]] = Path(item["absolute"])
            for f in item["files"]:
                known[f] = Path(f)

    def resolve(text: str) -> Path | None:
        # a relative path is the screening's (its recorded working directory), never this one's
        given = Path(text)
        here = given if given.is_absolute() or cwd is None else cwd / given
        for candidate in (known.get(text), here):
            if candidate is not None and candidate.is_file():
                return candidate.resolve()
        return None

    return resolve


def split_source(source: str, resolve: Resolver) -> tuple[Path | None, str, int | None]:
    """``(file, how, index)``: ``how`` is ``row`` (``path:row``), ``frame`` (``path#k``) or ``file``."""
    for pattern, how in ((r"^(.*):(\d+)$", "row"), (r"^(.*)#(\d+)$", "frame")):
        match = re.match(pattern, source)
        if match and (path := resolve(match.group(1))) is not None:
            return path, how, int(match.group(2))
    return resolve(source), "file", None


class StructureFinder:
    """Finds a result row's structure again; caches each input file it reads."""

    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self._packed: dict[Path, object] = {}
        self._files: dict[Path, pd.DataFrame] = {}

    def find(self, source: str, cell_formula: str) -> tuple[Structure | None, str]:
        """The structure ``source`` names (by position: a packed or table row, a file's frame or
        block, a file's only structure), if it is still the composition the screening read."""
        structure, status = self._at(str(source))
        changed = None if structure is None else _changed(structure, cell_formula, source)
        return (None, changed) if changed else (structure, status)

    def _at(self, source: str) -> tuple[Structure | None, str]:
        from electroscreen.data import read_candidates
        from electroscreen.data.packed import is_packed_file, load_packed
        from electroscreen.data.tables import CIF_COLUMNS

        path, how, index = split_source(source, self.resolve)
        if path is None:
            return None, f"not_found: input file of {source!r} is gone"
        suffix = path.suffix.lower()
        if is_packed_file(path):
            if path not in self._packed:
                self._packed[path] = load_packed(path)
            packed = self._packed[path]
            if how != "row" or index >= len(packed):
                return None, f"not_found: no row {index} in {path}"
            return packed.to_structure(index), "ok"
        if suffix in _TABLE_SUFFIXES:
            header = (
                pd.read_csv(path, nrows=0).columns
                if suffix == ".csv"
                else pq.read_schema(path).names
            )
            if not {str(c).lower() for c in header} & set(CIF_COLUMNS):
                return None, "formula_only"
        if path not in self._files:
            self._files[path] = read_candidates([path])
        rows = self._files[path]
        position = 0 if how == "file" and len(rows) == 1 else index
        if position is None or position >= len(rows):
            return None, f"not_found: {source} in {path}"
        structure = rows["structure"].iloc[position]
        return (None, "formula_only") if structure is None else (structure, "ok")


def _changed(structure: Structure, cell_formula: str, source: str) -> str | None:
    """Why ``structure`` is not the candidate the screening read (its input changed since), or
    None: the composition must be the results' ``cell_formula`` (atomic fractions within 2e-4)."""
    from electroscreen.data.composition_match import match_compositions

    found = structure.composition.formula.replace(" ", "")
    if not isinstance(cell_formula, str) or match_compositions([found], [cell_formula])[0]:
        return None
    return (
        f"changed: {source} now holds {found}, the screening read {cell_formula}; screen it again"
    )
