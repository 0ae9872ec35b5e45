"""What a packed cell holds, as names and keys: element amounts, formulas, prototypes, species.

These are the labels and identities :mod:`electroscreen.screening.generate` gives its seeds and
candidates: the occupancy-weighted amount of each element per cell, the reduced formula, the
*prototype* (anonymized formula per formula unit plus the number of sites per cell, e.g.
``A2B3C7D12|96``) and species labels such as ``Zr4+`` for the ``substitutions`` column.
"""

from __future__ import annotations

import re
import string

import numpy as np

from electroscreen.data.cell_units import structure_formulas
from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.data.formula_reduction import formula_units
from electroscreen.data.packed import PackedStructures

__all__ = [
    "cell_formula_units",
    "element_amounts",
    "parse_species_label",
    "prototype_label",
    "seed_formulas",
    "species_label",
    "substitutions_label",
]

_MAX_Z = len(ELEMENT_SYMBOLS)


def element_amounts(packed: PackedStructures) -> np.ndarray:
    """Occupancy-weighted amount of each element per cell, shape (N, 104), indexed by Z."""
    n = len(packed)
    structure_of_site = np.repeat(np.arange(n), packed.n_sites)
    structure_of_occupant = np.repeat(structure_of_site, np.diff(packed.occ_offsets))
    amounts = np.zeros((n, _MAX_Z))
    np.add.at(amounts, (structure_of_occupant, packed.occ_species), packed.occ_fraction)
    return amounts


def seed_formulas(packed: PackedStructures) -> list[str]:
    """Reduced formula of each structure, per formula unit of its cell
    (:func:`~electroscreen.data.cell_units.structure_formulas`: ``Li6.4La3Zr1.4Ta0.6O12``,
    ``Li10.354Ge1.35P1.65S12``, not the cell content)."""
    return structure_formulas(packed)


def cell_formula_units(amounts: np.ndarray) -> int:
    """Formula units per cell of the amounts, shape (E,) (1 for an empty cell)."""
    return formula_units(dict(enumerate(amounts.tolist()))) if len(amounts) else 1


def prototype_label(amounts: np.ndarray, n_sites: int) -> str:
    """Anonymized formula of amounts per formula unit, shape (E,), and the sites per cell.

    Amounts are sorted ascending and lettered ``A, B, ...``: ``A2B3C7D12|96``.
    """
    values = np.sort(amounts)
    letters = string.ascii_uppercase
    parts = [f"{letters[k % 26]}{_amount_text(v)}" for k, v in enumerate(values)]
    return f"{''.join(parts)}|{n_sites}"


def _amount_text(value: float) -> str:
    value = round(float(value), 4)
    return "" if value == 1 else f"{value:g}"


def species_label(z: int, charge: float) -> str:
    """A species as text: ``Li+``, ``Zr4+``, ``O2-``, ``Fe2.5+``."""
    q = float(charge)
    magnitude = f"{abs(q):g}" if abs(q) != 1 else ""
    return f"{ELEMENT_SYMBOLS[z]}{magnitude}{'+' if q > 0 else '-'}"


def substitutions_label(
    z: np.ndarray, charge: np.ndarray, new_z: np.ndarray, new_charge: np.ndarray
) -> str:
    """A substitution map as text, ``In3+>Sn3+;Cl->Br-``: each replaced species of a seed (its
    elements ``z`` with their ``charge``) and what replaces it, in the seed's element order."""
    changed = np.flatnonzero((new_z != z) | (new_charge != charge))
    return ";".join(
        f"{species_label(z[e], charge[e])}>{species_label(new_z[e], new_charge[e])}"
        for e in changed
    )


_SPECIES_LABEL = re.compile(r"([A-Z][a-z]?)(\d+(?:\.\d+)?)?([+-])")


def parse_species_label(text: str) -> tuple[str, float]:
    """``(symbol, charge)`` of a :func:`species_label` (``Zr4+`` -> ``("Zr", 4.0)``, ``Cl-`` ->
    ``("Cl", -1.0)``); ``ValueError`` for other text."""
    match = _SPECIES_LABEL.fullmatch(str(text).strip())
    if match is None:
        raise ValueError(f"{text!r} is not a species label such as Zr4+ or O2-")
    symbol, magnitude, sign = match.groups()
    return symbol, float(magnitude or 1) * (1 if sign == "+" else -1)
