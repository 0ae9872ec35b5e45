"""What an exported candidate is, written where it travels: its pool provenance and its files' header.

A generated candidate's seed, substitutions, lattice scale and carrier adjustment live in the
pool's candidate table, which ``generate`` writes beside the packed cache (``pool.npz`` ->
``pool_candidates.csv``: :func:`~electroscreen.screening.pool_files.pool_table_path`);
``screen`` reads only the cache.
:class:`PoolProvenance` finds that table again from the cache a result row came from and gives
``export``'s ``shortlist.csv`` the :data:`PROVENANCE_COLUMNS` (empty for a candidate that was not
generated, or whose table was written elsewhere with ``--table``). :func:`write_structure` writes a
structure's CIF (and POSCAR when ordered) with a header naming the candidate and its rank, and for
a generated one that its geometry is the seed's, lattice scaled, unrelaxed; the CIF's data block is
named after the candidate's folder, so a file copied out of it still says which row it is. Every
value in the header stays on its comment line (:func:`one_line`): an id with a newline could
otherwise add a data block, and pymatgen would read that structure instead of the screened one.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Structure

from electroscreen.data.candidates import LINE_BREAKING_CHARACTER
from electroscreen.data.packed import is_packed_file
from electroscreen.screening.pool_files import pool_table_path

__all__ = ["PROVENANCE_COLUMNS", "PoolProvenance", "cif_header", "one_line", "write_structure"]

#: Columns of a generated candidate's provenance in ``shortlist.csv`` (from the pool's table); a
#: table written before ``carrier_adjustment`` (:mod:`~electroscreen.screening.seed_charge`) gives
#: it empty.
PROVENANCE_COLUMNS = (
    "seed_id", "seed_formula", "substitutions", "lattice_scale", "carrier_adjustment",
)  # fmt: skip
_REQUIRED = PROVENANCE_COLUMNS[:4]


class PoolProvenance:
    """The pool tables of the packed caches an export reads, each read once."""

    def __init__(self) -> None:
        self._tables: dict[Path, dict[str, dict]] = {}

    def find(self, path: Path | None, candidate_id: object) -> dict:
        """The :data:`PROVENANCE_COLUMNS` of ``candidate_id`` in the candidate table beside the
        packed cache ``path``; ``{}`` when ``path`` is no packed cache, the table is not there (or
        not readable), or does not list the candidate."""
        if path is None or not is_packed_file(path):
            return {}
        if path not in self._tables:
            self._tables[path] = _read_table(pool_table_path(path))
        return self._tables[path].get(str(candidate_id), {})


def _read_table(path: Path) -> dict[str, dict]:
    wanted = {"candidate_id", *PROVENANCE_COLUMNS}
    try:
        table = pd.read_csv(path, usecols=lambda c: c in wanted, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError):  # none, or not a pool's table
        return {}
    if not {"candidate_id", *_REQUIRED} <= set(table.columns):
        return {}
    table = table.reindex(columns=["candidate_id", *PROVENANCE_COLUMNS], fill_value="")
    table["lattice_scale"] = pd.to_numeric(table["lattice_scale"], errors="coerce")
    records = table.to_dict("records")
    return {row.pop("candidate_id"): row for row in records}


def one_line(value: object) -> str:
    """``value`` as text on one line: each control character and line or paragraph separator
    (everything :meth:`str.splitlines` splits at) written as its Python escape.

    Examples
    --------
    >>> one_line("LiCl-1\\ndata_x\\u2028y")
    'LiCl-1\\\\ndata_x\\\\u2028y'
    """
    return LINE_BREAKING_CHARACTER.sub(
        lambda found: found[0].encode("unicode_escape").decode("ascii"), str(value)
    )


def cif_header(rank: int, candidate_id: str, provenance: dict, what: str = "as screened") -> str:
    """Comment lines for an exported file: rank and id, and for a generated candidate its seed,
    substitutions, that its geometry is the seed's with the lattice scaled, unrelaxed, and how its
    carrier closed the seed's charge residual (``carrier_adjustment``). Each value stays on its
    line (:func:`one_line`)."""
    lines = [f"electroscreen export: rank {rank}, candidate {candidate_id} ({what})"]
    if provenance:
        scale = provenance.get("lattice_scale", np.nan)
        lines += [
            f"generated from seed {provenance['seed_id']} ({provenance['seed_formula']}) by "
            f"{provenance['substitutions']}",
            f"geometry: the seed's coordinates, lattice scaled by {scale:.4f} (ionic volumes); "
            "not relaxed: relax before computing properties",
        ]
        if adjustment := provenance.get("carrier_adjustment", ""):
            lines.append(f"carrier: {adjustment}, the seed's charge residual")
    return "".join(f"# {one_line(line)}\n" for line in lines)


def write_structure(
    structure: Structure, folder: Path, prefix: str = "", header: str = ""
) -> list[str]:
    """Write ``structure.cif`` (``<prefix>.cif``) and, when ordered, ``POSCAR``
    (``<prefix>_POSCAR``) into ``folder``; the CIF starts with ``header`` and its data block is
    named after the folder. Returns the file names."""
    from pymatgen.io.cif import CifWriter
    from pymatgen.io.vasp import Poscar

    folder.mkdir(parents=True, exist_ok=True)
    cif = folder / f"{prefix}structure.cif" if not prefix else folder / f"{prefix}.cif"
    # a CIF may not repeat a site label: a structure expanded from its asymmetric unit keeps one
    # label per orbit, and CifWriter gives every occupant of a mixed site its site's label; with
    # labels equal to the species CifWriter numbers each occupant itself (Li0, Li1, ..., Zr7, Ta8)
    labelled = structure.copy()
    for site in labelled:
        site.label = site.species_string
    block = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.name + (f"_{prefix}" if prefix else ""))
    text = re.sub(r"(?m)^data_\S*", f"data_{block}", str(CifWriter(labelled)), count=1)
    cif.write_text(header + text)
    written = [cif.name]
    if structure.is_ordered:
        poscar = folder / (f"{prefix}_POSCAR" if prefix else "POSCAR")
        Poscar(structure.copy().remove_oxidation_states()).write_file(poscar)
        written.append(poscar.name)
    return written
