"""The anion-former rule on a structure's own sites: a positive S, Se, Te, N or halogen must have a
more electronegative ligand in its first shell, not merely somewhere in the composition.

:func:`~electroscreen.screening.filters.apply_filters` rejects a positive anion former whose
composition holds none of its ligands (:data:`~electroscreen.screening.state_rules.CATION_LIGANDS`).
A substitution can pass that and still be impossible: ``generate`` made ``Li6SeS5O`` from
argyrodite by P5+ -> Se6+ on the PS4 tetrahedron and Cl- -> O2- on the free-anion site, so the
composition holds O while Se(VI) sits in an SeS4 tetrahedron, which would oxidise its own sulfide
ligands (a chemist's audit found it ranked 22nd of the demo). Where a structure carries a state on
every occupant (generated candidates, CIFs with oxidation states), each site holding such a cation
is checked: its first shell (anion sites within :data:`SHELL_FACTOR` times its nearest anion
distance) must hold at least one of its ligands; else ``anion_former_as_cation``, with the site
and its ligands named.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_ids
from electroscreen.featurizers.structure.neighbors import neighbor_list
from electroscreen.screening.site_size import SHELL_FACTOR  # one first-shell rule

__all__ = ["SHELL_FACTOR", "SHELL_CUTOFF", "former_without_ligands"]

#: Neighbours are looked for up to this distance (Angstrom): every S/Se/Te/N/halogen-ligand bond.
SHELL_CUTOFF = 3.5


def former_without_ligands(
    structures: PackedStructures,
    cation_ligands: dict[str, tuple[str, ...]],
    complete: np.ndarray,
) -> np.ndarray:
    """Per structure: ``""``, or why a site's positive anion former has none of its ligands.

    Parameters
    ----------
    structures : PackedStructures
        N structures.
    cation_ligands : dict
        Anion former -> the ligands beside which it may be a cation.
    complete : ndarray of bool, shape (N,)
        Whether every occupant of the structure has an oxidation state
        (:func:`~electroscreen.data.stored_states.stored_states`): only those are checked.

    Returns
    -------
    ndarray of object, shape (N,)
        e.g. ``"Se+6 on site 4 has only S in its first shell (a cation only beside O, F, Cl,
        Br)"``.
    """
    n = len(structures)
    out = np.full(n, "", dtype=object)
    occ_offsets = np.asarray(structures.occ_offsets, dtype=np.int64)
    per_structure = occ_offsets[np.asarray(structures.site_offsets, dtype=np.int64)]
    owner = segment_ids(per_structure)  # the structure of each occupant
    formers = np.array([SYMBOL_TO_Z[s] for s in cation_ligands])
    positive = np.isin(structures.occ_species, formers) & (structures.occ_oxidation > 0)
    todo = np.unique(owner[positive & complete[owner]])
    if not len(todo):
        return out
    part = structures.take(todo)
    pairs = neighbor_list(part, SHELL_CUTOFF)
    part_occ = np.asarray(part.occ_offsets, dtype=np.int64)
    part_species = np.asarray(part.occ_species, dtype=np.int64)
    part_state = np.asarray(part.occ_oxidation, dtype=np.float64)
    part_sites = np.asarray(part.site_offsets, dtype=np.int64)
    part_site = segment_ids(part_occ)  # the site of each occupant
    part_owner = segment_ids(part_sites)  # the structure (of ``todo``) of each site
    for j in np.flatnonzero(np.isin(part_species, formers) & (part_state > 0)):
        site, k = part_site[j], part_owner[part_site[j]]
        if out[todo[k]]:
            continue  # the first site named is enough
        symbol = ELEMENT_SYMBOLS[part_species[j]]
        shell = _first_shell(pairs, site, part_occ, part_species, part_state)
        if shell and not shell & set(cation_ligands[symbol]):
            out[todo[k]] = (
                f"{symbol}{part_state[j]:+g} on site {site - part_sites[k]} has only "
                f"{', '.join(sorted(shell))} in its first shell (a cation only beside "
                f"{', '.join(cation_ligands[symbol])})"
            )
    return out


def _first_shell(pairs, site: int, occ_offsets, species, state) -> set[str]:
    """Anion elements on the sites within :data:`SHELL_FACTOR` of ``site``'s nearest anion site."""
    lo, hi = pairs.site_pair_offsets[site], pairs.site_pair_offsets[site + 1]
    anions: list[tuple[float, set[str]]] = []
    for p in range(lo, hi):
        other = pairs.neighbor[p]
        held = {
            ELEMENT_SYMBOLS[species[j]]
            for j in range(occ_offsets[other], occ_offsets[other + 1])
            if state[j] < 0
        }
        if held:
            anions.append((float(pairs.distance[p]), held))
    if not anions:
        return set()
    nearest = min(d for d, _ in anions)
    return set().union(*(held for d, held in anions if d <= SHELL_FACTOR * nearest))
