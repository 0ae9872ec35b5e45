"""Site count and cell volume read cheaply from a file's text, before any full parser runs.

pymatgen needs minutes to build a 20,000-site CIF before it can be refused, and ASE reads every atom
of an extxyz frame; a neighbour search in an 8-atom cell of 1000 A asks for gigabytes. The checks
here read only what the caps need -- a CIF's cell parameters, its atom-site rows and symmetry
operations; an extxyz frame's atom-count line and ``Lattice=``; a POSCAR's header -- so refusing a
huge input costs a text scan, never a full parse. Each returns ``None`` when the input is within the
caps or not understood (the full parser then decides, and :mod:`~electroscreen.data.validation`
applies the same caps to what it builds).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

import numpy as np

from electroscreen.data.cif_symmetry import SITE_DECIMALS, orbit_count, symmetry_operations
from electroscreen.data.limits import (
    DEFAULT_MAX_SITES,
    DEFAULT_MAX_VOLUME,
    sites_problem,
    volume_problem,
)

__all__ = [
    "CifBlock",
    "XyzFrame",
    "cif_blocks",
    "json_problem",
    "poscar_problem",
    "site_blocks",
    "xyz_frames",
]

Problem = tuple[str, str] | None

_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\S+")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _number(text: str) -> float | None:
    """A CIF number without its standard uncertainty (``1.234(5)``), or None (``?``, ``.``)."""
    match = _NUMBER.match(text.strip())
    return float(match.group(0)) if match else None


def cell_volume(a: float, b: float, c: float, alpha: float, beta: float, gamma: float) -> float:
    """Volume (A^3) of a cell given by lengths (A) and angles (degrees); NaN when not a cell."""
    ca, cb, cg = (math.cos(math.radians(x)) for x in (alpha, beta, gamma))
    inner = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg
    return a * b * c * math.sqrt(inner) if inner > 0 else float("nan")


# ----------------------------------------------------------------------------------------- POSCAR


def poscar_problem(
    text: str, max_sites: int = DEFAULT_MAX_SITES, max_volume: float = DEFAULT_MAX_VOLUME
) -> Problem:
    """Site count and cell volume from a POSCAR's header; a header pymatgen would misread.

    Without a species line (a VASP 4 POSCAR, whose species are in its POTCAR) pymatgen invents
    H, He, ...: that is a ``parse_error``, as are a species line and a counts line of different
    lengths (pymatgen pairs them up to the shorter one: ``Li P S`` / ``14 28`` read as Li14P28)
    and a coordinate block shorter or longer than the counts say (pymatgen silently drops the
    extra lines or stops with an IndexError).
    """
    all_lines = text.splitlines()
    lines = all_lines[:8]
    try:
        scale = float(lines[1].split()[0])
        matrix = np.array([[float(x) for x in lines[k].split()[:3]] for k in (2, 3, 4)])
        counts_at = 5
        if not lines[5].split()[0].lstrip("-").isdigit():
            counts_at = 6
        counts = [int(c) for c in lines[counts_at].split()]
        n_sites = sum(counts)
    except (IndexError, ValueError):
        return None
    problem = sites_problem(n_sites, max_sites, "POSCAR header")
    if problem is not None:
        return problem
    # no species line: pymatgen names the atoms H, He, ..., whatever the comment line says
    if counts_at == 5:
        return (
            "parse_error",
            "no species line (a VASP 4 POSCAR, species in its POTCAR): add the line of element "
            "symbols above the counts",
        )
    n_species = len(lines[5].split())
    if n_species != len(counts):
        return (
            "parse_error",
            f"the species line has {n_species} symbols but the counts line {len(counts)} numbers",
        )
    coordinates = _poscar_coordinate_lines(all_lines, counts_at + 1)
    if coordinates is not None and coordinates != n_sites:
        return (
            "parse_error",
            f"the counts say {n_sites} sites but {coordinates} coordinate lines follow",
        )
    volume = abs(float(np.linalg.det(matrix))) if np.isfinite(matrix).all() else float("nan")
    volume = volume * scale**3 if scale > 0 else -scale  # a negative scale is the volume
    if not np.isfinite(volume):
        return None  # pymatgen's parser and the validator name what is wrong
    return volume_problem(volume, max_volume, "POSCAR header")


def _poscar_coordinate_lines(lines: list[str], after_counts: int) -> int | None:
    """Lines of three numbers after the mode line (``Direct``/``Cartesian``, after an optional
    ``Selective dynamics``), up to the first line that is not one; None when the mode is missing."""
    k = after_counts
    if k < len(lines) and lines[k].strip()[:1].lower() == "s":
        k += 1
    if k >= len(lines) or lines[k].strip()[:1].lower() not in {"d", "c", "k"}:
        return None
    n = 0
    for line in lines[k + 1 :]:
        parts = line.split()[:3]
        if len(parts) < 3:
            break
        try:
            [float(x) for x in parts]  # a coordinate line: three numbers
        except ValueError:
            break
        n += 1
    return n


def json_problem(
    item: object, max_sites: int = DEFAULT_MAX_SITES, max_volume: float = DEFAULT_MAX_VOLUME
) -> Problem:
    """Site count and cell volume of one pymatgen ``Structure.as_dict()``, before ``from_dict``;
    an item without a structure's ``lattice`` and ``sites`` is a ``parse_error`` saying so
    (pymatgen's own message is a bare ``KeyError: 'lattice'`` or a ``TypeError``)."""
    if not isinstance(item, dict):
        return "parse_error", f"not a pymatgen Structure dict (a JSON {type(item).__name__})"
    missing = [key for key in ("lattice", "sites") if key not in item]
    if missing:
        return (
            "parse_error",
            f"not a pymatgen Structure dict (no {' or '.join(map(repr, missing))})",
        )
    sites = item.get("sites")
    if isinstance(sites, list):
        problem = sites_problem(len(sites), max_sites, "JSON sites")
        if problem is not None:
            return problem
    try:
        matrix = np.array(item["lattice"]["matrix"], dtype=np.float64).reshape(3, 3)
    except (KeyError, TypeError, ValueError):
        return None  # not a structure dict pymatgen reads: its parser says why
    volume = abs(float(np.linalg.det(matrix))) if np.isfinite(matrix).all() else float("nan")
    return volume_problem(volume, max_volume, "JSON lattice")


# -------------------------------------------------------------------------------------------- CIF


@dataclass(frozen=True)
class CifBlock:
    """One ``data_`` block of a CIF: its text, whether it lists atom sites (``has_sites``: else it
    holds no structure) and what the caps found (``problem``)."""

    text: str
    has_sites: bool
    problem: Problem


def _blocks(text: str) -> list[str]:
    starts = [m.start() for m in re.finditer(r"(?im)^[ \t]*data_", text)]
    if not starts:
        return [text]
    return [text[s:e] for s, e in zip(starts, [*starts[1:], len(text)], strict=True)]


def _loops(lines: list[str]) -> Iterator[tuple[list[str], list[str]]]:
    """(tags, value tokens) of each ``loop_`` of a block; None tokens where a text field appears."""
    i, n = 0, len(lines)
    while i < n:
        if lines[i].strip().lower() != "loop_":
            i += 1
            continue
        i += 1
        tags: list[str] = []
        while i < n and lines[i].strip().startswith("_"):
            tags.append(lines[i].strip().split()[0].lower())
            i += 1
        tokens: list[str] = []
        while i < n:
            stripped = lines[i].strip()
            low = stripped.lower()
            if low.startswith(("_", "loop_", "data_")):
                break
            if stripped.startswith(";"):  # a multi-line text field: not understood here
                tokens = []
                tags = []
                break
            if stripped and not stripped.startswith("#"):
                tokens.extend(_TOKEN.findall(stripped))
            i += 1
        if tags:
            yield tags, tokens


def _block_problem(block: str, max_sites: int, max_volume: float) -> Problem:
    lines = block.splitlines()
    values: dict[str, float | None] = {}
    for line in lines:
        stripped = line.strip()
        if stripped.lower().startswith("_cell_"):
            parts = stripped.split()
            if len(parts) >= 2:
                values[parts[0].lower()] = _number(parts[1])
    rows: list[list[str]] | None = None
    ops_text: list[str] = []
    for tags, tokens in _loops(lines):
        if any(t.startswith("_atom_site_fract_") for t in tags) and not tags[0].startswith(
            "_atom_site_aniso"
        ):
            width = len(tags)
            cols = [
                tags.index(f"_atom_site_fract_{a}")
                for a in "xyz"
                if f"_atom_site_fract_{a}" in tags
            ]
            rows = [tokens[k : k + width] for k in range(0, len(tokens) - width + 1, width)]
            rows = [[r[c] for c in cols] for r in rows] if len(cols) == 3 else None
        elif any(
            "symmetry_equiv_pos_as_xyz" in t or "space_group_symop_operation_xyz" in t for t in tags
        ):
            col = next(
                k for k, t in enumerate(tags)
                if "symmetry_equiv_pos_as_xyz" in t or "space_group_symop_operation_xyz" in t
            )  # fmt: skip
            ops_text = tokens[col :: len(tags)]
    if rows is None:
        return None
    names = ("a", "b", "c", "alpha", "beta", "gamma")
    cell = [values.get(f"_cell_length_{x}") for x in names[:3]]
    cell += [values.get(f"_cell_angle_{x}") for x in names[3:]]
    if all(v is not None for v in cell):
        problem = volume_problem(cell_volume(*cell), max_volume, "CIF cell parameters")
        if problem is not None:
            return problem
    coords = np.array([[_number(v) for v in r] for r in rows], dtype=float)
    coords = coords[np.isfinite(coords).all(axis=1)] if len(coords) else coords.reshape(0, 3)
    distinct = len(np.unique(np.round(coords % 1.0, SITE_DECIMALS) % 1.0, axis=0))
    problem = sites_problem(distinct, max_sites, "CIF atom-site rows")
    if problem is not None or not ops_text or len(coords) * len(ops_text) <= max_sites:
        return problem
    ops = symmetry_operations(ops_text)
    if ops is None:
        return None
    return sites_problem(orbit_count(coords, ops), max_sites, "CIF rows x symmetry operations")


def cif_blocks(
    text: str, max_sites: int = DEFAULT_MAX_SITES, max_volume: float = DEFAULT_MAX_VOLUME
) -> list[CifBlock]:
    """The blocks of a CIF with the caps applied to each one's cell, rows and symmetry images.

    The site count is the number of distinct positions (fractional coordinates rounded to 1e-3,
    modulo 1) that the listed symmetry operations make of the atom-site rows; the rows alone are
    counted when they already exceed the cap or when the operations are not listed. Cost: one pass
    over the text plus at most ``max_sites`` rows times the number of operations.
    """
    return [
        CifBlock(block, _declares_sites(block), _block_problem(block, max_sites, max_volume))
        for block in _blocks(text)
    ]


#: The tag a block needs to hold a structure (pymatgen reads fractional coordinates only).
_SITES_TAG = re.compile(r"(?im)^[ \t]*_atom_site_fract_x\b")


def _declares_sites(block: str) -> bool:
    return _SITES_TAG.search(block) is not None


def site_blocks(text: str) -> list[str]:
    """The blocks of a CIF that list atom sites, in order.

    A block without ``_atom_site_fract_x`` (a journal's ``data_global`` of publication data, an
    instrument or information block) holds no structure and is not a candidate; pymatgen's parser
    refuses a whole file for one such block.
    """
    return [block for block in _blocks(text) if _declares_sites(block)]


# ----------------------------------------------------------------------------------------- extxyz


@dataclass(frozen=True)
class XyzFrame:
    """One extxyz frame: its text (None when refused without reading its atoms) and ``problem``."""

    text: str | None
    problem: Problem


_LATTICE = re.compile(r"""lattice\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def _xyz_header_problem(n_atoms: int, comment: str, max_sites: int, max_volume: float) -> Problem:
    problem = sites_problem(n_atoms, max_sites, "extxyz atom count")
    if problem is not None:
        return problem
    match = _LATTICE.search(comment)
    if match is None:
        return None
    try:
        matrix = np.array([float(x) for x in match.group(1).split()]).reshape(3, 3)
    except ValueError:
        return "bad_lattice", f"Lattice={match.group(1)!r} is not nine numbers"
    volume = abs(float(np.linalg.det(matrix))) if np.isfinite(matrix).all() else float("nan")
    return volume_problem(volume, max_volume, "extxyz Lattice=")


def xyz_frames(
    handle: TextIO, max_sites: int = DEFAULT_MAX_SITES, max_volume: float = DEFAULT_MAX_VOLUME
) -> Iterator[XyzFrame]:
    """The frames of an extxyz file, each checked from its count line and ``Lattice=`` first.

    A frame over a cap is skipped line by line (never held); a frame within the caps comes with its
    text for ASE. A count line that is not a number ends the scan with one ``parse_error`` frame.
    """
    while True:
        count_line = handle.readline()
        if not count_line:
            return
        if not count_line.strip():
            continue
        try:
            n_atoms = int(count_line.split()[0])
            if n_atoms < 0:
                raise ValueError(count_line)
        except ValueError:
            yield XyzFrame(
                None, ("parse_error", f"expected an atom count, found {count_line[:40]!r}")
            )
            return
        comment = handle.readline()
        problem = _xyz_header_problem(n_atoms, comment, max_sites, max_volume)
        if problem is not None:
            for _ in islice(handle, n_atoms):  # skip the atoms without keeping them
                pass
            yield XyzFrame(None, problem)
            continue
        atoms = list(islice(handle, n_atoms))
        yield XyzFrame(count_line + comment + "".join(atoms), None)
