"""Structures of a CIF text: each block that lists atom sites, parsed on its own and checked.

pymatgen's :class:`~pymatgen.io.cif.CifParser` fails a whole file for one block it cannot read (a
journal's ``data_global``, an information block), drops a site of zero occupancy, and reads sites
that contradict the file's own formula (an explicit vacancy ``Va`` read as vanadium, a hydride
without H positions) with only a warning. Here each block that lists sites
(:func:`~electroscreen.data.headers.site_blocks`) is parsed alone, its occupancies are checked as
written (a site above ``MAX_OCCUPANCY`` is refused; one within it is scaled to 1 by the parser),
and its composition is compared with its own ``_chemical_formula_sum``. Every refusal is a
:class:`~electroscreen.data.validation.StructureProblem` or a parser error, never a warning.
"""

from __future__ import annotations

import io
import warnings
from types import SimpleNamespace

from pymatgen.core import Composition, Structure
from pymatgen.io.cif import CifParser

from electroscreen.data.composition_match import formula_mismatch
from electroscreen.data.headers import site_blocks
from electroscreen.data.validation import MAX_OCCUPANCY, StructureProblem, occupancy_in_range

__all__ = ["NO_SITE_BLOCK", "RAGGED_LOOP", "cif_block_structure", "cif_structures"]

#: Why a CIF gives no structure at all.
NO_SITE_BLOCK = "no data block lists atom sites (_atom_site_fract_x, _y, _z)"
#: Why a block's loop cannot be read (pymatgen says ``zip() argument 2 is longer than argument 1``).
RAGGED_LOOP = (
    "a loop_'s values do not fill its columns (a row cut short or a value too many: "
    "is the file truncated?)"
)


def cif_structures(text: str) -> list[Structure]:
    """Every structure of a CIF text, one per block that lists atom sites, in order.

    Raises
    ------
    ValueError
        No block lists atom sites, or a block cannot be read (:func:`cif_block_structure`).
    """
    blocks = site_blocks(text)
    if not blocks:
        raise ValueError(NO_SITE_BLOCK)
    return [cif_block_structure(block) for block in blocks]


def cif_block_structure(text: str) -> Structure:
    """The structure of one CIF data block (pymatgen's parser, its warnings silenced).

    Raises
    ------
    StructureProblem
        ``bad_occupancy`` for an occupancy outside (0, 1] as written (a site above
        ``MAX_OCCUPANCY`` in total is refused by the parser, never rescaled); ``formula_mismatch``
        when the sites are not the block's ``_chemical_formula_sum`` (:func:`_formula_sum_problem`).
    ValueError
        Any other reason pymatgen cannot read the block.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser = CifParser(io.StringIO(text), occupancy_tolerance=MAX_OCCUPANCY)
        except ValueError as exc:  # pymatgen's loop reader: zip(columns * n, values, strict=True)
            if "zip()" not in str(exc):
                raise
            raise ValueError(RAGGED_LOOP) from None
        blocks = [block.data for block in parser._cif.data.values()]
        for data in blocks:
            _check_occupancies(data)
        (structure,) = parser.parse_structures(primitive=False, on_error="raise")
    problem = _formula_sum_problem(blocks[0], structure)
    if problem is not None:
        raise StructureProblem("formula_mismatch", problem)
    return structure


def _check_occupancies(data: dict) -> None:
    """Refuse occupancies outside (0, 1] as written: pymatgen drops a site with a negative or zero
    occupancy without a word, which would screen a different compound."""
    values = data.get("_atom_site_occupancy") or []
    labels = data.get("_atom_site_label") or [""] * len(values)
    for label, raw in zip(labels, values, strict=False):
        try:
            value = float(str(raw).split("(")[0])
        except ValueError:
            continue  # "?" or ".": pymatgen's default applies
        if not occupancy_in_range(value):
            raise StructureProblem(
                "bad_occupancy", f"site {label}: occupancy {raw} is not in (0, 1]"
            )


def _formula_sum_problem(data: dict, structure: Structure) -> str | None:
    """Why a block's sites are not its own ``_chemical_formula_sum``, or ``None``.

    The rule of a table's formula against its CIF (``composition_match.formula_mismatch``: same elements,
    atomic fractions within ``FORMULA_CIF_TOLERANCE``). Fractions, not amounts, are compared: a
    formula sum is often per formula unit (``Li6 P S5 Cl``) while the sites fill the cell, and a
    refinement's occupancies may round it. The sum may count atoms (occupancy-weighted, as the
    CIF standard defines it) or positions: ASE's CIF writer counts each position's majority
    species as one atom (``Li48 P4 S20 Cl4`` for Li6PS5Cl's half-occupied Li sites; a minority
    Ta beside Zr not at all), so the sites match when either count does. What it catches: sites
    the file does not locate (a hydride without H positions read as ``LiAl``), symbols pymatgen
    misreads (an explicit vacancy ``Va`` read as vanadium), a ``?`` occupancy read as 1. A block
    without the tag, or with a sum that is not a formula (``?``, charges), is not compared.
    """
    written = data.get("_chemical_formula_sum")
    if not isinstance(written, str):
        return None
    problem = formula_mismatch(written, structure)
    if problem is None or formula_mismatch(written, _positions(structure)) is None:
        return None
    return f"_chemical_formula_sum: {problem}"


def _positions(structure: Structure) -> SimpleNamespace:
    """The composition counted per position: each site's majority species as one atom."""
    counts: dict = {}
    for site in structure:
        species = max(site.species.items(), key=lambda item: item[1])[0]
        counts[species] = counts.get(species, 0) + 1
    return SimpleNamespace(composition=Composition(counts))
