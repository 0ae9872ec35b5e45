"""Which files the inputs of a read name: folders walked, glob patterns expanded, candidate
formats told by name (a light module: the standard library only).

:func:`expand_inputs` turns the inputs of ``read_candidates`` and ``screen`` into the list of paths
they read, keeping what must not vanish silently (a missing file, an unreadable sub-folder, a broken
link) so that each gets a status row; :func:`skipped_files` names the files a folder holds that are
not read; :func:`looks_like_path` tells a table cell that names a file (which is never opened).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "PACKED_SUFFIXES",
    "POSCAR_NAMES",
    "STRUCTURE_SUFFIXES",
    "TABLE_SUFFIXES",
    "expand_inputs",
    "is_candidate_file",
    "is_pattern",
    "looks_like_path",
    "missing_inputs",
    "skipped_files",
    "skipped_message",
]

#: Suffixes of structure files (CIF, POSCAR, pymatgen JSON, extxyz).
STRUCTURE_SUFFIXES = {".cif", ".vasp", ".poscar", ".contcar", ".json", ".extxyz", ".xyz"}
#: Suffixes of formula tables.
TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
#: Packed structure caches (:meth:`PackedStructures.save`); a packed Parquet file has a table's suffix.
PACKED_SUFFIXES = {".npz"}
#: A file whose name holds one of these is a POSCAR whatever its suffix: ``CONTCAR.relax2``,
#: ``Li3PS4_mp-985583_POSCAR`` (how the Materials Project and workflow tools name them).
POSCAR_NAMES = ("POSCAR", "CONTCAR")


def is_candidate_file(path: Path) -> bool:
    """Whether ``path`` names a candidate format: a structure, table or packed-cache suffix, or a
    POSCAR/CONTCAR name."""
    return path.suffix.lower() in STRUCTURE_SUFFIXES | TABLE_SUFFIXES | PACKED_SUFFIXES or any(
        name in path.name for name in POSCAR_NAMES
    )


def _folder_files(folder: Path) -> list[Path]:
    """Candidate files under ``folder`` (recursively, sorted), plus what must not vanish silently:
    sub-folders that cannot be listed, and candidate-named links that lead nowhere (broken or
    looping). Symlinked folders are followed once (a loop is not walked twice). Hidden files and
    folders (a name starting with ``.``: macOS ``._x.cif`` copies, ``.ipynb_checkpoints``) are not
    read, as a shell's ``*`` leaves them out; a hidden file given by name is read."""
    return _walk(folder)[0]


def skipped_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Files under the folders among ``inputs`` that are not read: not a candidate format by name
    (``notes.txt``, ``formulas.xlsx``, ``OUTCAR``; hidden files aside), sorted, for a message."""
    return sorted(p for item in inputs if Path(item).is_dir() for p in _walk(Path(item))[1])


def skipped_message(skipped: Sequence[Path], shown: int = 3) -> str:
    """One line for :func:`skipped_files`: how many, and the first few names."""
    names = ", ".join(p.name for p in skipped[:shown]) + (", ..." if len(skipped) > shown else "")
    n = len(skipped)
    return (
        f"skipped {n} file{'s' * (n != 1)} in the input folders with no candidate format in "
        f"{'their names' if n != 1 else 'its name'} ({names}): give a file by name to see its status"
    )


def _walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """(:func:`_folder_files`, the regular files it leaves out)."""
    found: list[Path] = []
    skipped: list[Path] = []
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
            if entry.name.startswith("."):  # hidden (``.x.cif``, macOS ``._x.cif``, ``.git/``)
                continue
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                walk(path)
            elif is_candidate_file(path) and (is_file or entry.is_symlink()):
                found.append(path)
            elif is_file:
                skipped.append(path)

    walk(folder)
    return sorted(found), skipped


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
        elif is_pattern(text) and not path.exists():
            matches = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
            found: list[Path] = []
            for match in matches or [path]:
                found.extend(_folder_files(match) if match.is_dir() else [match])
            paths.extend(dict.fromkeys(found))
        else:
            paths.append(path)
    return paths


def is_pattern(text: str) -> bool:
    """Whether ``text`` is a glob pattern (holds ``*``, ``?`` or ``[``)."""
    return any(ch in text for ch in "*?[")


def looks_like_path(text: str) -> bool:
    """Whether ``text`` (a table cell) is one line that names a file (``structures/a.cif``,
    ``C:\\cifs\\a.cif``, ``Li3PS4_POSCAR``): a path separator, or a candidate file's suffix or
    name."""
    lines = text.strip().splitlines()
    return len(lines) == 1 and ("/" in text or "\\" in text or is_candidate_file(Path(lines[0])))


def missing_inputs(inputs: Iterable[str | Path], what: str = "structure") -> list[str]:
    """Each input that leads to no file at all, with why (``screen``, ``generate`` and ``data info``
    refuse such an input): ``["nope.cif (no such file or folder)"]``; ``what`` names the files a
    folder lacks (``the folder holds no structure file``)."""
    missing = []
    for item in inputs:
        if any(q.is_file() for q in expand_inputs([item])):
            continue
        path = Path(item)
        if path.is_dir():
            why = f"the folder holds no {what} file"
        elif path.is_symlink():
            why = "a link that leads to no file"
        elif is_pattern(str(item)):
            why = "no file matches this pattern"
        else:
            why = "no such file or folder"
        missing.append(f"{item} ({why})")
    return missing
