"""Physical sanity checks on parsed structures; each failure is a (status, message) pair."""

from __future__ import annotations

import numpy as np
from pymatgen.core import Structure
from pymatgen.core.periodic_table import DummySpecies

from electroscreen.data.limits import DEFAULT_MAX_SITES, DEFAULT_MIN_DISTANCE

__all__ = ["check_structure"]

_OCC_TOL = 1e-3
#: Split-site refinements often sum slightly above one (OBELiX 13q: two Li0.54 sites 0.42 A apart);
#: two close sites only count as overlapping atoms above this summed occupancy.
_SPLIT_SITE_TOL = 0.25


def check_structure(
    structure: Structure,
    max_sites: int = DEFAULT_MAX_SITES,
    min_distance: float = DEFAULT_MIN_DISTANCE,
) -> tuple[str, str] | None:
    """Return ``(status, message)`` for an unusable structure, ``None`` when it is fine.

    Partially occupied sites are normal. Two sites closer than ``min_distance`` are allowed only when
    their summed occupancy is at most 1.25 (split sites in disordered electrolytes, whose refined
    occupancies may sum slightly above one); otherwise the atoms overlap.
    """
    n = len(structure)
    if n == 0:
        return "empty_structure", "structure has no sites"
    if n > max_sites:
        return "too_many_sites", f"{n} sites exceeds max_sites={max_sites}"
    volume = structure.lattice.volume
    if not np.isfinite(volume) or volume < 1e-3:
        return "bad_lattice", f"cell volume {volume:.3g} A^3"
    occupancy = np.array([site.species.num_atoms for site in structure])
    for site in structure:
        for sp in site.species:
            if isinstance(sp, DummySpecies):
                return "unknown_element", f"dummy species {sp} at {site.frac_coords.round(4)}"
    if (occupancy > 1 + _OCC_TOL).any():
        j = int(np.argmax(occupancy))
        return "bad_occupancy", f"site {j} has total occupancy {occupancy[j]:.3f} > 1"
    centers, neighbors, _, distances = structure.get_neighbor_list(min_distance)
    if len(centers):
        summed = occupancy[centers] + occupancy[neighbors]
        clash = np.flatnonzero(summed > 1 + _SPLIT_SITE_TOL)
        if len(clash):
            k = clash[0]
            i, j = int(centers[k]), int(neighbors[k])
            return (
                "overlapping_atoms",
                f"sites {i} ({structure[i].species}) and {j} ({structure[j].species}) are "
                f"{distances[k]:.3f} A apart with total occupancy {summed[k]:.2f}",
            )
    return None
