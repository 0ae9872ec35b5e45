"""A screened candidate's structure: where to find it, and a summary of it.

Screening results hold no structures. :func:`find_structure` looks a candidate up in the screening
inputs (packed caches, structure files, tables with a CIF column), :func:`run_inputs` reads the
input paths a screening run logged, :func:`as_structure` takes a Structure or CIF text, and
:func:`structure_summary` gives formula, space group, sites, disorder and density.
"""

from __future__ import annotations

import re
from pathlib import Path

from pymatgen.core import Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from electroscreen.data.cell_units import structure_formulas
from electroscreen.data.input_paths import expand_inputs
from electroscreen.data.packed import load_packed, pack_structures
from electroscreen.data.readers import read_candidates, structure_from_text

__all__ = ["as_structure", "find_structure", "run_inputs", "structure_summary"]

_PACKED_SUFFIXES = {".npz", ".parquet", ".pq"}


def as_structure(value: object) -> Structure | None:
    """A Structure as given, or parsed from CIF text; None for anything else (NaN, empty text)."""
    if isinstance(value, Structure):
        return value
    if isinstance(value, str) and value.strip():
        return structure_from_text(value, "cif")[0]
    return None


def _packed_lookup(path: Path, candidate_id: str) -> Structure | None:
    try:
        packed = load_packed(path)
    except (OSError, KeyError, ValueError):
        return None  # not a packed cache (e.g. a formula table): the readers handle it
    ids = list(packed.ids)
    if candidate_id not in ids:
        return None
    return packed.to_structure(ids.index(candidate_id))


def find_structure(candidate_id: str, inputs: str | Path | list[str | Path]) -> Structure | None:
    """The structure of a candidate, looked up in the screening inputs (None when absent).

    Parameters
    ----------
    candidate_id : str
        The ``candidate_id`` of the screening results (for a packed cache, its ``ids``).
    inputs : path or list of paths
        What was screened: packed caches (``.npz`` / packed ``.parquet``), structure files or
        folders, globs, tables with a CIF column. Paths that do not exist are skipped.

    Returns
    -------
    Structure or None
        The first match, in input order; None when no input holds the candidate with a structure.
    """
    for path in expand_inputs(inputs):
        if not path.exists():
            continue
        if path.suffix.lower() in _PACKED_SUFFIXES:
            structure = _packed_lookup(path, candidate_id)
            if structure is not None:
                return structure
        table = read_candidates([path])
        hit = table[table["candidate_id"] == candidate_id]
        if len(hit) and isinstance(hit["structure"].iloc[0], Structure):
            return hit["structure"].iloc[0]
    return None


def structure_summary(structure: Structure) -> dict:
    """Formula, space group (ordered structures only), sites, disorder and density of a structure.

    Parameters
    ----------
    structure : Structure
        Ordered or partially occupied.

    Returns
    -------
    dict
        ``formula`` (per formula unit of the cell, as ``screen`` writes it:
        :func:`~electroscreen.data.cell_units.structure_formulas`), ``spacegroup`` (symbol and
        number found with ``symprec=0.1``; "n/a" for structures with partially occupied sites,
        where a space-group search on the average structure is not meaningful), ``n_sites``, ``partially_occupied_sites``, ``ordered``,
        ``density_g_cm3``, ``volume_A3``, ``lattice_abc_A``, ``lattice_angles_deg``.
    """
    partial = sum(1 for site in structure if not site.is_ordered)
    summary = {
        "formula": structure_formulas(pack_structures([structure]))[0],
        "spacegroup": "n/a (partially occupied sites)",
        "n_sites": len(structure),
        "partially_occupied_sites": partial,
        "ordered": structure.is_ordered,
        "density_g_cm3": round(float(structure.density), 4),
        "volume_A3": round(float(structure.volume), 3),
        "lattice_abc_A": tuple(round(float(x), 4) for x in structure.lattice.abc),
        "lattice_angles_deg": tuple(round(float(x), 3) for x in structure.lattice.angles),
    }
    if structure.is_ordered:
        analyzer = SpacegroupAnalyzer(structure, symprec=0.1)
        summary["spacegroup"] = (
            f"{analyzer.get_space_group_symbol()} ({analyzer.get_space_group_number()})"
        )
    return summary


def run_inputs(text: object) -> list[str] | None:
    """The input paths a screening run logged (param ``inputs``: comma-separated; older runs ``;``)."""
    if not text:
        return None
    text = str(text)
    if Path(text).exists():  # one path that itself contains a separator
        return [text]
    return [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
