"""The structures an export has already written, so one written twice is not: the same cell read
from two files (``Li2S.cif``, an extxyz frame, a CIF block), which ``screen`` keeps as rows of
their own and its top table folds into ``Li2S (+2 more)``, gets one candidate folder and one set of
DFT inputs; the other rows name it in ``shortlist.csv``.
"""

from __future__ import annotations

from pymatgen.core import Structure

__all__ = ["WrittenStructures"]

#: How close two structures must be to be one: lattice lengths within 2 %, sites within 0.1 of the
#: average free length per atom, angles within 1 degree, no rescaling (another volume is another
#: start for a relaxation); oxidation states are not compared (a CIF's labels, a POSCAR's none).
_MATCHER = {"ltol": 0.02, "stol": 0.1, "angle_tol": 1.0, "primitive_cell": True, "scale": False}


class WrittenStructures:
    """The structures written so far, with the shortlist entry of each."""

    def __init__(self) -> None:
        self._written: list[tuple[str, Structure, dict]] = []

    def same_as(self, structure: Structure) -> dict | None:
        """The entry of a written structure that is ``structure`` (same composition, and the same
        cell up to a choice of setting: pymatgen's ``StructureMatcher``), else None."""
        from pymatgen.analysis.structure_matcher import ElementComparator, StructureMatcher

        key = _key(structure)
        matcher = None
        for written_key, written, entry in self._written:
            if written_key != key:
                continue
            matcher = matcher or StructureMatcher(comparator=ElementComparator(), **_MATCHER)
            if matcher.fit(written, structure):
                return entry
        return None

    def add(self, structure: Structure, entry: dict) -> None:
        """Record ``structure`` as written for the shortlist row ``entry``."""
        self._written.append((_key(structure), structure, entry))


def _key(structure: Structure) -> str:
    """Structures compared only within one reduced composition and one kind (ordered or not)."""
    composition = structure.composition.element_composition.reduced_formula
    return f"{composition}|{structure.is_ordered}"
