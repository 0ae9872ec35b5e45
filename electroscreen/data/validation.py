"""Physical sanity checks on structures, one set of rules for every path; each failure is a
(status, message) pair.

:func:`check_structure` checks a pymatgen Structure (CIF, POSCAR, extxyz, JSON, a CIF column);
:func:`check_packed` applies the same rules to packed arrays (the ``.npz`` / ``.parquet`` caches),
which never become Structures before screening. Rules: at least one site and at most ``max_sites``;
a finite lattice with volume in (``MIN_VOLUME``, ``max_volume``]; finite coordinates; real elements
(Z in 1..103); each occupancy in (0, 1] and each site's total at most 1 (+ rounding tolerance;
:func:`site_occupancies` applies it to a JSON or ASE site before pymatgen builds one).
The cheap checks (counts, lattice, volume) come first, so a huge cell is refused before any
neighbour list is built.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from pymatgen.core import Structure
from pymatgen.core.periodic_table import DummySpecies

from electroscreen.data.candidates import merge_status
from electroscreen.data.formula import MAX_Z
from electroscreen.data.limits import (
    DEFAULT_MAX_SITES,
    DEFAULT_MAX_VOLUME,
    DEFAULT_MIN_DISTANCE,
    MIN_VOLUME,
    sites_problem,
    volume_problem,
)
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_any, segment_sum

__all__ = [
    "MAX_OCCUPANCY",
    "StructureProblem",
    "check_packed",
    "check_structure",
    "occupancy_in_range",
    "site_name",
    "site_occupancies",
]

_OCC_TOL = 1e-3
#: The most a site may hold: 1, plus the rounding of refined occupancies (0.333 + 0.667 + ...).
MAX_OCCUPANCY = 1 + _OCC_TOL
#: Split-site refinements often sum slightly above one (OBELiX 13q: two Li0.54 sites 0.42 A apart);
#: two close sites only count as overlapping atoms above this summed occupancy.
_SPLIT_SITE_TOL = 0.25


class StructureProblem(ValueError):
    """A reader's refusal of one structure, raised with its status (``bad_occupancy``, ...)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def occupancy_in_range(amount: float) -> bool:
    """Whether one occupant's occupancy is a finite number in (0, ``MAX_OCCUPANCY``]: the rule of
    every reader (a CIF's values as written, a JSON or ASE site, a built Structure)."""
    return bool(np.isfinite(amount) and 0 < amount <= MAX_OCCUPANCY)


def site_occupancies(amounts: dict, site: str) -> dict:
    """A site's ``{species: occupancy}`` under the occupancy rule, as a pymatgen site can hold it.

    Each occupancy must be a finite number in (0, 1] and their total at most
    :data:`MAX_OCCUPANCY`; a total between 1 and that tolerance (a rounded refinement) is scaled
    down to 1, as pymatgen's CIF parser does with ``occupancy_tolerance=MAX_OCCUPANCY`` (a pymatgen
    site refuses more than 1), so every format reads such a site alike.

    Raises
    ------
    StructureProblem
        ``bad_occupancy`` naming ``site`` and the value or total out of range.
    """
    if not amounts:
        raise StructureProblem("bad_occupancy", f"{site} holds no species")
    for species, amount in amounts.items():
        if isinstance(amount, bool) or not isinstance(amount, Real):
            raise StructureProblem("bad_occupancy", f"{site}: occupancy of {species} is {amount!r}")
        if not occupancy_in_range(amount):
            raise StructureProblem(
                "bad_occupancy", f"{site}: occupancy of {species} is {amount:.4g}, not in (0, 1]"
            )
    total = sum(amounts.values())
    if total > MAX_OCCUPANCY:
        raise StructureProblem("bad_occupancy", f"{site} has total occupancy {total:.4g} > 1")
    scale = 1 / total if total > 1 else 1.0
    return {species: amount * scale for species, amount in amounts.items()}


def _lattice_problem(matrix: np.ndarray, max_volume: float) -> tuple[str, str] | None:
    if not np.isfinite(matrix).all():
        return "bad_lattice", "lattice has non-finite entries"
    return volume_problem(abs(float(np.linalg.det(matrix))), max_volume)


def site_name(structure: Structure, j: int) -> str:
    """How a message names site ``j``: ``site 3 (label Li4)`` when the site carries a label of its
    own (a CIF's ``_atom_site_label``), else ``site 3 (Li)`` or ``site 3 (Li:0.500)``, its species
    as pymatgen writes them (never ``Li1``, a composition that reads like a CIF label)."""
    site = structure[j]
    species = site.species_string
    label = site.label  # pymatgen's species string unless the reader gave the site a label
    if label and str(label) != species:
        return f"site {j} (label {label})"
    return f"site {j} ({species})"


def check_structure(
    structure: Structure,
    max_sites: int = DEFAULT_MAX_SITES,
    min_distance: float = DEFAULT_MIN_DISTANCE,
    max_volume: float = DEFAULT_MAX_VOLUME,
) -> tuple[str, str] | None:
    """Return ``(status, message)`` for an unusable structure, ``None`` when it is fine.

    Partially occupied sites are normal. Two sites closer than ``min_distance`` are allowed only when
    their summed occupancy is at most 1.25 (split sites in disordered electrolytes, whose refined
    occupancies may sum slightly above one); otherwise the atoms overlap.
    """
    n = len(structure)
    if n == 0:
        return "empty_structure", "structure has no sites"
    problem = sites_problem(n, max_sites) or _lattice_problem(
        np.asarray(structure.lattice.matrix, dtype=np.float64), max_volume
    )
    if problem is not None:
        return problem
    coords = np.asarray(structure.frac_coords, dtype=np.float64)
    if not np.isfinite(coords).all():
        j = int(np.flatnonzero(~np.isfinite(coords).all(axis=1))[0])
        return (
            "bad_coordinates",
            f"{site_name(structure, j)} has non-finite coordinates {coords[j]}",
        )
    for j, site in enumerate(structure):
        for sp, amount in site.species.items():
            if isinstance(sp, DummySpecies):
                return "unknown_element", f"dummy species {sp} at {site.frac_coords.round(4)}"
            if not 1 <= sp.Z <= MAX_Z:  # the element tables (and packed arrays) end at Lr
                return (
                    "unknown_element",
                    f"{site_name(structure, j)}: {sp} (Z = {sp.Z}) is outside Z = 1..{MAX_Z}",
                )
            if not occupancy_in_range(amount):
                return (
                    "bad_occupancy",
                    f"{site_name(structure, j)}: occupancy of {sp} is {amount:.4g}, not in (0, 1]",
                )
    occupancy = np.array([site.species.num_atoms for site in structure])
    if (occupancy > MAX_OCCUPANCY).any():
        j = int(np.argmax(occupancy))
        return (
            "bad_occupancy",
            f"{site_name(structure, j)} has total occupancy {occupancy[j]:.3f} > 1",
        )
    centers, neighbors, _, distances = structure.get_neighbor_list(min_distance)
    if len(centers):
        summed = occupancy[centers] + occupancy[neighbors]
        clash = np.flatnonzero(summed > 1 + _SPLIT_SITE_TOL)
        if len(clash):
            k = clash[0]
            i, j = int(centers[k]), int(neighbors[k])
            return (
                "overlapping_atoms",
                f"{site_name(structure, i)} and {site_name(structure, j)} are "
                f"{distances[k]:.3f} A apart with total occupancy {summed[k]:.2f}",
            )
    return None


def check_packed(
    packed: PackedStructures,
    max_sites: int = DEFAULT_MAX_SITES,
    max_volume: float = DEFAULT_MAX_VOLUME,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`check_structure`'s rules (all but the overlap check) on packed arrays, vectorised.

    Returns
    -------
    status, error : ndarrays of object, shape (N,)
        ``"ok"`` and ``""``, or the first failed rule's status and message for each structure.
    """
    n = len(packed)
    status = np.full(n, "ok", dtype=object)
    error = np.full(n, "", dtype=object)

    def fail(mask: np.ndarray, code: str, message) -> None:
        status[:], taken = merge_status(status, code, mask)
        for i in np.flatnonzero(taken):
            error[i] = message(i)

    n_sites = packed.n_sites
    fail(n_sites == 0, "empty_structure", lambda i: "structure has no sites")
    fail(n_sites > max_sites, "too_many_sites", lambda i: sites_problem(n_sites[i], max_sites)[1])
    lattice = np.asarray(packed.lattice, dtype=np.float64).reshape(n, 3, 3)
    finite = np.isfinite(lattice).all(axis=(1, 2))
    fail(~finite, "bad_lattice", lambda i: "lattice has non-finite entries")
    volume = np.zeros(n)
    volume[finite] = np.abs(np.linalg.det(lattice[finite]))

    def volume_message(i: int) -> str:
        return volume_problem(volume[i], max_volume)[1]

    fail(~(volume > MIN_VOLUME), "bad_lattice", volume_message)
    fail(volume > max_volume, "cell_too_large", volume_message)
    site_bad = ~np.isfinite(packed.frac_coords).all(axis=1)
    fail(
        segment_any(site_bad, packed.site_offsets),
        "bad_coordinates",
        lambda i: "non-finite site coordinates",
    )
    z, fraction = packed.occ_species, packed.occ_fraction
    bad_z = (z < 1) | (z > MAX_Z)
    site_bad_z = segment_any(bad_z, packed.occ_offsets)
    fail(
        segment_any(site_bad_z, packed.site_offsets),
        "unknown_element",
        lambda i: f"atomic number outside 1..{MAX_Z}",
    )
    bad_fraction = ~(np.isfinite(fraction) & (fraction > 0) & (fraction <= MAX_OCCUPANCY))
    site_total = segment_sum(np.where(bad_fraction, 0.0, fraction), packed.occ_offsets)
    site_bad_occ = segment_any(bad_fraction, packed.occ_offsets) | (site_total > MAX_OCCUPANCY)
    fail(
        segment_any(site_bad_occ, packed.site_offsets),
        "bad_occupancy",
        lambda i: "an occupancy outside (0, 1] or a site whose occupancies sum above 1",
    )
    return status, error
