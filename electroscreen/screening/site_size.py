"""The size of a substituted cation against the site it takes: ``generate``'s ``radius_mismatch``.

A generated candidate keeps its seed's fractional coordinates, so an ion much larger or smaller
than the one it replaces sits in a cage cut for another: Zr4+ on LGPS's tetrahedral Ge site
(Shannon's four-fold radii: Zr4+ 0.59 A against Ge4+ 0.39 A, +51 %). The data-mined substitution
probabilities know no coordination, so a chemist's first check is made here: each seed site's
coordination number is counted once (:func:`cation_coordination`), and each substitution of a
cation by a cation is scored at every coordination its element has in the seed,

    mismatch = r_new(CN) / r_old(CN) - 1    (Shannon effective ionic radii,
                                             :func:`~electroscreen.featurizers.elements.shannon_ionic_radius`),

a candidate's ``radius_mismatch`` being the one of largest magnitude, signed (:func:`worst_mismatch`).

First shell
    The anion sites within :data:`SHELL_FACTOR` times the site's nearest anion-site distance (the
    rule ``export``'s short-bond note and the anion-former site check use too); its coordination
    number is the sum of their anion occupancies, rounded (a split anion site, two positions half
    occupied, counts once), at least 1. Anions are the elements the seed's charge balance gives a
    negative state.

Limits (:data:`RADIUS_MISMATCH_LIMITS`)
    Measured, not guessed: real compounds reach large mismatches (Li10SnP2S12 exists, Sn4+ on
    LGPS's Ge site is +41 %; Ge4+ on the Si site of Li10.35Si1.35P1.65S12 or of the argyrodites
    +50 %; V5+ for P5+, Li3VO4 from Li3PO4, +109 %), and tiny high-valent ions (B3+, Si4+, P5+)
    make any replacement a large fraction. The limits are the 1st and 99th percentiles of the
    mismatches of the 236 real compounds (OBELiX and Liverpool compositions) that ``generate
    --obelix`` reaches by substitution, -0.72 and +1.96, rounded outward; the four known
    compositions outside them (Li3AlN2 from Li3BN2, Li3YP2O8 from Li3BP2O8, LiBO2 from LiGaO2)
    put the new ion on a site of another structure than the seed's. Zr4+ (+51 %) and Hf4+ (+49 %)
    on LGPS's Ge site lie inside the range real substitutions span and are kept: size alone does
    not reject them. benchmarks/README.md, *Generated candidates checked as a chemist would*.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_ids
from electroscreen.featurizers.elements import shannon_coordinations, shannon_ionic_radius
from electroscreen.featurizers.structure.neighbors import neighbor_list

if TYPE_CHECKING:
    from electroscreen.screening.seed_maps import SeedMaps

__all__ = [
    "RADIUS_MISMATCH_LIMITS",
    "SHELL_CUTOFF",
    "SHELL_FACTOR",
    "cation_coordination",
    "coordination_number",
    "outside_limits",
    "radius_mismatch",
    "seed_mismatches",
    "worst_mismatch",
]

#: A site's first shell: anion sites within this factor of its nearest anion-site distance.
SHELL_FACTOR = 1.2
#: Farthest anion looked for (A): beyond every cation-anion Shannon sum (Cs-I 3.9 A).
SHELL_CUTOFF = 4.5
#: Smallest and largest ``radius_mismatch`` kept by ``generate`` (signed fractions).
RADIUS_MISMATCH_LIMITS = (-0.75, 2.0)


def coordination_number(
    distances: np.ndarray, weights: np.ndarray | None = None, reach: float = 0.0
) -> int:
    """The first shell's coordination number: the anion occupancy (``weights``, 1 each by default)
    of the neighbours within :data:`SHELL_FACTOR` times the nearest (or times ``reach``, where that
    is longer), rounded, at least 1; 0 when there is no neighbour.

    Examples
    --------
    >>> coordination_number(np.array([2.2, 2.25, 2.3, 2.4, 3.4]))
    4
    >>> coordination_number(np.array([2.2, 2.3, 2.3]), np.array([1.0, 0.5, 0.5]))
    2
    """
    distances = np.asarray(distances, dtype=float)
    if not len(distances):
        return 0
    weights = np.ones(len(distances)) if weights is None else np.asarray(weights, dtype=float)
    total = float(weights[distances <= SHELL_FACTOR * max(distances.min(), reach)].sum())
    return max(1, int(np.floor(total + 0.5)))


@cache
def radius_mismatch(old: tuple[str, float], new: tuple[str, float], coordination: int) -> float:
    """``r_new / r_old - 1`` for two ions (symbol, charge) at one coordination number: Shannon's
    effective ionic radii at the coordination both list nearest ``coordination`` (ties: the lower;
    Sb5+ is listed only six-fold, so P5+ -> Sb5+ on a tetrahedron compares six-fold radii, 0.60
    against 0.38 A, not 0.60 against P5+'s four-fold 0.17), each at its own nearest where they
    share none; NaN where either is unlisted. Cached per (ion, ion, coordination).

    Examples
    --------
    >>> round(radius_mismatch(("Ge", 4), ("Zr", 4), 4), 3), round(radius_mismatch(("Ge", 4), ("Sn", 4), 4), 3)
    (0.513, 0.41)
    """
    shared = set(shannon_coordinations(*old)) & set(shannon_coordinations(*new))
    cn = min(shared, key=lambda n: (abs(n - coordination), n)) if shared else int(coordination)
    r_old = shannon_ionic_radius(old[0], float(old[1]), cn)
    r_new = shannon_ionic_radius(new[0], float(new[1]), cn)
    return r_new / r_old - 1.0 if r_old > 0 else float("nan")


def outside_limits(
    mismatch: np.ndarray, limits: tuple[float, float] = RADIUS_MISMATCH_LIMITS
) -> np.ndarray:
    """Where a mismatch lies outside ``limits`` (NaN, not judged, is inside)."""
    mismatch = np.asarray(mismatch, dtype=float)
    with np.errstate(invalid="ignore"):
        return (mismatch < limits[0]) | (mismatch > limits[1])


def cation_coordination(
    structures: PackedStructures,
    z: list[np.ndarray],
    charge: list[np.ndarray],
    wanted: list[np.ndarray],
) -> list[dict[int, tuple[int, ...]]]:
    """Per structure: the coordination numbers of the sites each wanted cation occupies.

    Parameters
    ----------
    structures : PackedStructures
        N structures (the seeds ``generate`` substitutes), measured in one neighbour list.
    z, charge : list of ndarray
        Per structure, its elements and the states its charge balance gives them (negative:
        anions).
    wanted : list of ndarray of int
        Per structure, the atomic numbers whose sites are measured (the cations a map replaces).

    Returns
    -------
    list of dict
        Z -> the sorted distinct coordination numbers of its sites (:func:`coordination_number`
        with the anion occupancies as weights and, as ``reach``, the Shannon six-fold bond of the
        site's cation to the seed's largest anion, so that a seed CIF's distorted polyhedron, Ti-O
        1.63 and 2.01 A in one NASICON file, still counts six); an element with no anion within
        :data:`SHELL_CUTOFF` of its sites is left out.
    """
    occ_offsets = np.asarray(structures.occ_offsets, dtype=np.int64)
    site_offsets = np.asarray(structures.site_offsets, dtype=np.int64)
    species = np.asarray(structures.occ_species, dtype=np.int64)
    fraction = np.asarray(structures.occ_fraction, dtype=np.float64)
    site = segment_ids(occ_offsets)  # the site of each occupant
    owner = segment_ids(site_offsets)[site]  # the structure of each occupant
    is_anion = np.zeros(len(species), dtype=bool)
    measured = np.zeros(len(species), dtype=bool)
    reach = np.zeros(int(site_offsets[-1]))  # per site: the Shannon bond floor of its shell
    for k in range(len(structures)):
        lo, hi = occ_offsets[site_offsets[k]], occ_offsets[site_offsets[k + 1]]
        states = dict(zip(np.asarray(z[k]).tolist(), np.asarray(charge[k]).tolist(), strict=True))
        anions = [e for e, q in states.items() if q < 0]
        is_anion[lo:hi] = np.isin(species[lo:hi], anions)
        measured[lo:hi] = np.isin(species[lo:hi], wanted[k]) & (fraction[lo:hi] > 0)
        r_anion = max(
            (shannon_ionic_radius(ELEMENT_SYMBOLS[e], states[e], 6) for e in anions), default=0.0
        )
        for j in np.flatnonzero(measured[lo:hi]) + lo:
            bond = shannon_ionic_radius(ELEMENT_SYMBOLS[species[j]], states[species[j]], 6)
            if np.isfinite(bond + r_anion):
                reach[site[j]] = max(reach[site[j]], bond + r_anion)
    out: list[dict[int, set[int]]] = [{} for _ in range(len(structures))]
    if not measured.any():
        return [{} for _ in out]
    anion_weight = np.bincount(site[is_anion], fraction[is_anion], minlength=len(reach))
    centres = np.zeros(len(reach), dtype=bool)
    centres[site[measured]] = True
    pairs = neighbor_list(structures, SHELL_CUTOFF)
    keep = centres[pairs.center] & (anion_weight[pairs.neighbor] > 0)
    centre, distance = pairs.center[keep], pairs.distance[keep]
    weight = anion_weight[pairs.neighbor[keep]]
    nearest = np.full(len(centres), np.inf)
    np.minimum.at(nearest, centre, distance)
    shell = distance <= SHELL_FACTOR * np.maximum(nearest, reach)[centre]
    total = np.bincount(centre[shell], weight[shell], minlength=len(centres))
    cn = np.where(np.isfinite(nearest), np.maximum(1, np.floor(total + 0.5)), 0).astype(np.int64)
    for j in np.flatnonzero(measured):
        if cn[site[j]]:
            out[owner[j]].setdefault(int(species[j]), set()).add(int(cn[site[j]]))
    return [{e: tuple(sorted(found)) for e, found in d.items()} for d in out]


def worst_mismatch(
    old_z: np.ndarray,
    old_charge: np.ndarray,
    new_z: np.ndarray,
    new_charge: np.ndarray,
    coordination: dict[int, tuple[int, ...]],
) -> np.ndarray:
    """Each substitution map's ``radius_mismatch``: over its cations replaced by cations and every
    coordination number of their sites, the mismatch of largest magnitude, signed; NaN when none
    is measured (no cation changed, no radius listed).

    Parameters
    ----------
    old_z, old_charge : ndarray, shape (E,)
        The seed's elements and their states.
    new_z, new_charge : ndarray, shape (K, E)
        Each map's elements and states.
    coordination : dict
        :func:`cation_coordination`'s entry for the seed.
    """
    new_z, new_charge = np.atleast_2d(new_z), np.atleast_2d(new_charge)
    out = np.full(len(new_z), np.nan)
    scored: dict[tuple, float] = {}  # (e, new Z, new state): its worst over the element's sites
    for e in np.flatnonzero(np.asarray(old_charge) > 0):
        cns = coordination.get(int(old_z[e]), ())
        old = (ELEMENT_SYMBOLS[int(old_z[e])], float(old_charge[e]))
        changed = (new_z[:, e] != old_z[e]) | (new_charge[:, e] != old_charge[e])
        for k in np.flatnonzero(changed & (new_charge[:, e] > 0)):
            key = (e, int(new_z[k, e]), float(new_charge[k, e]))
            if key not in scored:
                new = (ELEMENT_SYMBOLS[key[1]], key[2])
                values = np.array([radius_mismatch(old, new, cn) for cn in cns], dtype=float)
                values = values[np.isfinite(values)]
                scored[key] = float(values[np.argmax(np.abs(values))]) if len(values) else np.nan
            value = scored[key]
            if np.isfinite(value) and not abs(value) <= abs(out[k]):  # NaN out[k]: take it
                out[k] = value
    return out


def seed_mismatches(seeds: PackedStructures, groups: list[SeedMaps]) -> list[np.ndarray]:
    """Each seed's maps' ``radius_mismatch`` (:func:`worst_mismatch`), shape (K,) per group.

    The sites are measured once, in one neighbour list over the used seeds (``groups[i].index``
    into ``seeds``), and only those of the cations some map replaces (element or state).
    """
    if not groups:
        return []
    changed = [(g.new_z != g.z[None, :]) | (g.new_charge != g.charge[None, :]) for g in groups]
    coordination = cation_coordination(
        seeds.take(np.array([g.index for g in groups], dtype=np.int64)),
        [g.z for g in groups],
        [g.charge for g in groups],
        [g.z[(g.charge > 0) & c.any(axis=0)] for g, c in zip(groups, changed, strict=True)],
    )
    return [
        worst_mismatch(g.z, g.charge, g.new_z, g.new_charge, cn)
        for g, cn in zip(groups, coordination, strict=True)
    ]
