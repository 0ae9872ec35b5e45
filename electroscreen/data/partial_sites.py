"""Partially occupied sites of the formats that are not CIF: pymatgen JSON and ASE (extxyz) frames.

Both go through :func:`~electroscreen.data.validation.site_occupancies`, the occupancy rule of every
reader: each occupancy in (0, 1], a site's total at most ``MAX_OCCUPANCY`` (a rounded refinement
just above 1 is scaled to 1, as the CIF parser does; more is ``bad_occupancy``).

An extxyz frame that ASE wrote from a disordered CIF lists one atom per position (the majority
species) with its kind in the per-atom ``spacegroup_kinds`` array and the kinds' occupancies in the
frame's ``occupancy`` (``{"3": {"Cl": 0.385, "S": 0.615}, ...}``). Read atom by atom, Li6PS5Cl would
be Li12PS5Cl; here each atom becomes the disordered site of its kind. Occupancies that are present
but cannot be interpreted refuse the frame (``parse_error``), never read as a different compound.
"""

from __future__ import annotations

import io
import warnings
from numbers import Real
from typing import TYPE_CHECKING

from pymatgen.core import Composition, Structure

from electroscreen.data.json_classes import json_class_problem
from electroscreen.data.validation import StructureProblem, site_occupancies

if TYPE_CHECKING:
    from ase import Atoms

__all__ = ["structure_from_atoms", "structure_from_dict", "structure_from_frame"]


def structure_from_dict(item: dict) -> Structure:
    """A pymatgen ``Structure.as_dict()`` as a Structure, its sites under the occupancy rule
    (pymatgen's warnings silenced). The only way the package builds a Structure from a dict: it
    is walked first, so monty's decoder never imports a module the data names.

    Raises
    ------
    StructureProblem
        ``parse_error`` for an ``@module`` / ``@class`` outside the structure classes
        (:func:`~electroscreen.data.json_classes.json_class_problem`); ``bad_occupancy`` for a site
        outside the rule (pymatgen's own refusal, "Species occupancies sum to more than 1!", names
        neither the site nor the total).
    """
    problem = json_class_problem(item)
    if problem is not None:
        raise StructureProblem(*problem)
    sites = item.get("sites")
    if isinstance(sites, list):
        item = {**item, "sites": [_dict_site(site, j) for j, site in enumerate(sites)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Structure.from_dict(item)


def _dict_site(site: object, j: int) -> object:
    species = site.get("species") if isinstance(site, dict) else None
    if not isinstance(species, list) or not all(isinstance(sp, dict) for sp in species):
        return site  # not a site pymatgen reads: its parser says why
    labels: list[str] = []
    for k, sp in enumerate(species):
        label = str(sp.get("element"))
        state = sp.get("oxidation_state")
        label += f"{state:+g}" if isinstance(state, Real) and state else ""
        labels.append(label if label not in labels else f"{label} (entry {k})")
    amounts = site_occupancies(
        {label: sp.get("occu") for label, sp in zip(labels, species, strict=True)}, f"site {j}"
    )
    scaled = [{**sp, "occu": amounts[label]} for label, sp in zip(labels, species, strict=True)]
    return {**site, "species": scaled}


def structure_from_frame(text: str) -> Structure:
    """The structure of one extxyz frame's text (ASE's reader, then :func:`structure_from_atoms`).

    Raises
    ------
    StructureProblem
        ``not_periodic`` for a frame that is not periodic in 3D; see :func:`structure_from_atoms`.
    """
    from ase.io import read as ase_read

    atoms = ase_read(io.StringIO(text), index=0, format="extxyz")
    if not atoms.pbc.all():
        raise StructureProblem("not_periodic", "frame is not periodic in 3D")
    return structure_from_atoms(atoms)


def structure_from_atoms(atoms: Atoms) -> Structure:
    """An ASE ``Atoms`` as a Structure; with ASE's ``occupancy`` info, each atom the disordered
    site of its ``spacegroup_kinds`` entry (``occupancy[str(kind)]``).

    Raises
    ------
    StructureProblem
        ``parse_error`` when the occupancy info is there but not a ``{kind: {element: fraction}}``
        mapping, no per-atom kinds say which entry an atom takes, or an atom's kind has no entry
        holding its species; ``bad_occupancy`` for an entry outside the occupancy rule.
    """
    from pymatgen.io.ase import AseAtomsAdaptor

    structure = AseAtomsAdaptor.get_structure(atoms)
    occupancy = atoms.info.get("occupancy")
    if occupancy is None:
        return structure
    if not isinstance(occupancy, dict):
        raise StructureProblem(
            "parse_error",
            f"occupancy={str(occupancy)[:80]!r} is not a {{kind: {{element: fraction}}}} mapping",
        )
    kinds = atoms.arrays.get("spacegroup_kinds")
    if kinds is None:
        raise StructureProblem(
            "parse_error",
            "the frame gives occupancy= but no per-atom spacegroup_kinds to say which entry "
            "each atom takes",
        )
    for j, (symbol, kind) in enumerate(zip(atoms.get_chemical_symbols(), kinds, strict=True)):
        entry = occupancy.get(str(kind))
        if not isinstance(entry, dict) or symbol not in entry:
            raise StructureProblem(
                "parse_error",
                f"atom {j} ({symbol}, spacegroup_kinds {kind}): occupancy gives {entry!r} "
                "for its kind",
            )
        site = f"atom {j} (spacegroup_kinds {kind})"
        structure[j].species = Composition(site_occupancies(entry, site))
    return structure
