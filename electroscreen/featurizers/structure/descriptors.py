"""Occupancy-weighted structure descriptors for ion conductors (``StructureDescriptors``).

Every site of a (possibly disordered) structure holds occupancies of three classes: the *carrier* (the
mobile ion, Li by default), *anions* (occupants with a negative oxidation state; when no state is known
and none can be assigned, the elements O, S, Se, Te, F, Cl, Br, I, N) and *framework cations* (all
other occupants). Descriptors are expectations over the disorder: a site enters every count and
average with its occupancy, never rounded, so disordered garnets, NASICONs and argyrodites work.

Site classes come from :mod:`~electroscreen.featurizers.structure.sites`, pairs from
:mod:`~electroscreen.featurizers.structure.neighbors`, per-site statistics from the Numba kernel in
:mod:`~electroscreen.featurizers.structure.kernels` and partial RDFs from
:mod:`~electroscreen.featurizers.structure.rdf`; this module assembles them in batches.

Features (units in :attr:`StructureDescriptors.units`, sources in
:meth:`StructureDescriptors.feature_citations`)
-----------------------------------------------------------------------------------
Cell: ``density``, ``volume_per_atom``, ``volume_per_anion``, ``volume_per_carrier``,
``carrier_fraction`` (atomic fraction), ``packing_fraction`` and ``anion_packing_fraction`` (volume of
Shannon ionic spheres / cell volume).

Carrier sites (weight = carrier occupancy): nearest carrier-anion and carrier-carrier distance (mean,
std, min), coordination number (anion occupancy within ``(1 + shell_tolerance)`` times the nearest
carrier-anion distance), carrier-carrier bonds (carrier occupancy within ``bond_cutoff``), carrier-anion
bond ionicity over that first shell.

Anion framework (weight = anion occupancy): nearest anion-anion distance (mean, min), anion framework
coordination (anion occupancy within ``(1 + shell_tolerance)`` times the nearest anion-anion distance).
Framework cations: sublattice bond ionicity over their first anion shell.

Partial RDFs (carrier, anion), (carrier, carrier), (anion, anion) on the grid ``0:cutoff:rdf_bin_width``
(:mod:`electroscreen.featurizers.structure.rdf`); feature names carry the bin centre in Angstrom.

Bond ionicity is Pauling's ``1 - exp(-(chi_A - chi_B)^2 / 4)``. Sites without a qualifying neighbour
within ``cutoff`` are left out of a per-site average; a feature with no contributing site is NaN.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.packed import PackedStructures, _ranges
from electroscreen.data.segments import segment_all
from electroscreen.featurizers.base import StructureFeaturizer
from electroscreen.featurizers.structure.kernels import (
    N_ENVIRONMENT,
    SITE_KERNEL_ARRAYS,
    environment,
    split_pair,
)
from electroscreen.featurizers.structure.neighbors import neighbor_list
from electroscreen.featurizers.structure.rdf import partial_rdfs, rdf_bin_edges
from electroscreen.featurizers.structure.sites import per_structure, site_classes

__all__ = ["StructureDescriptors", "SENDEK_FEATURES", "CELL_FEATURES", "ENVIRONMENT_FEATURES"]

#: g/cm^3 per (atomic mass unit / cubic Angstrom).
_AMU_PER_A3_IN_G_PER_CM3 = 1.66053906660

#: Reference keys of :data:`REFERENCES`, used per feature below.
SENDEK, SHANNON, PAULING, SCHUETT, WARD = (
    "sendek2017",
    "shannon1976",
    "pauling1960",
    "schuett2014",
    "ward2018",
)
#: Full citation of every reference key.
REFERENCES = {
    SENDEK: "A. D. Sendek, Q. Yang, E. D. Cubuk, K.-A. N. Duerloo, Y. Cui, E. J. Reed, Holistic "
    "computational structure screening of more than 12000 candidates for solid lithium-ion "
    "conductor materials, Energy Environ. Sci. 10, 306-320 (2017), doi:10.1039/C6EE02697D",
    SHANNON: "R. D. Shannon, Revised effective ionic radii and systematic studies of interatomic "
    "distances in halides and chalcogenides, Acta Cryst. A32, 751-767 (1976)",
    PAULING: "L. Pauling, The Nature of the Chemical Bond, 3rd ed., Cornell University Press (1960): "
    "ionic character 1 - exp(-(chi_A - chi_B)^2 / 4)",
    SCHUETT: "K. T. Schuett, H. Glawe, F. Brockherde, A. Sanna, K. R. Mueller, E. K. U. Gross, How to "
    "represent crystal structures for machine learning, Phys. Rev. B 89, 205118 (2014) "
    "(partial radial distribution functions)",
    WARD: "L. Ward et al., Matminer: An open source toolkit for materials data mining, Comput. Mater. "
    "Sci. 152, 60-69 (2018) (DensityFeatures: density, volume per atom, packing fraction)",
}

#: Cell features: (name, unit, reference keys).
CELL_FEATURES = (
    ("density", "g/cm^3", (WARD,)),
    ("volume_per_atom", "A^3", (SENDEK, WARD)),
    ("volume_per_anion", "A^3", (SENDEK,)),
    ("volume_per_carrier", "A^3", (SENDEK,)),
    ("carrier_fraction", "", (SENDEK,)),
    ("packing_fraction", "", (SENDEK, SHANNON)),
    ("anion_packing_fraction", "", (SENDEK, SHANNON)),
)
#: Per-site environment features (name, unit, reference keys), in the column order of
#: :func:`~electroscreen.featurizers.structure.kernels.environment`.
ENVIRONMENT_FEATURES = (
    ("carrier_anion_nn_distance_mean", "A", (SENDEK,)),
    ("carrier_anion_nn_distance_std", "A", (SENDEK,)),
    ("carrier_anion_nn_distance_min", "A", (SENDEK,)),
    ("carrier_carrier_nn_distance_mean", "A", (SENDEK,)),
    ("carrier_carrier_nn_distance_std", "A", (SENDEK,)),
    ("carrier_carrier_nn_distance_min", "A", (SENDEK,)),
    ("carrier_coordination_mean", "", (SENDEK,)),
    ("carrier_coordination_std", "", (SENDEK,)),
    ("carrier_carrier_bonds_mean", "", (SENDEK,)),
    ("carrier_carrier_bonds_std", "", (SENDEK,)),
    ("carrier_bond_ionicity_mean", "", (SENDEK, PAULING)),
    ("carrier_bond_ionicity_std", "", (SENDEK, PAULING)),
    ("anion_anion_nn_distance_mean", "A", (SENDEK,)),
    ("anion_anion_nn_distance_min", "A", (SENDEK,)),
    ("anion_framework_coordination_mean", "", (SENDEK,)),
    ("anion_framework_coordination_std", "", (SENDEK,)),
    ("sublattice_bond_ionicity", "", (SENDEK, PAULING)),
)
assert len(ENVIRONMENT_FEATURES) == N_ENVIRONMENT
_RDF_PARTIALS = (("carrier", "anion"), ("carrier", "carrier"), ("anion", "anion"))
_CLASS_INDEX = {"carrier": 0, "anion": 1}

#: Sendek et al. (2017) descriptor (their abbreviation) -> our feature computed from structure alone.
SENDEK_FEATURES = {
    "VPA (volume per atom)": "volume_per_atom",
    "LiFrac (atomic fraction of Li)": "carrier_fraction",
    "PF (packing fraction)": "packing_fraction",
    "LLB (average Li-Li bonds per Li)": "carrier_carrier_bonds_mean",
    "SBI (average sublattice bond ionicity)": "sublattice_bond_ionicity",
    "AFC (average anion framework coordination)": "anion_framework_coordination_mean",
    "LASD (average shortest Li-anion separation)": "carrier_anion_nn_distance_mean",
    "LLSD (average shortest Li-Li separation)": "carrier_carrier_nn_distance_mean",
    "LNC (average Li neighbour count)": "carrier_coordination_mean",
    "SLNC (std of Li neighbour count)": "carrier_coordination_std",
    "LBI (average Li bond ionicity)": "carrier_bond_ionicity_mean",
    "SLBI (std of Li bond ionicity)": "carrier_bond_ionicity_std",
}


class StructureDescriptors(StructureFeaturizer):
    """Occupancy-weighted cell, carrier-environment, anion-framework and partial-RDF descriptors.

    Parameters
    ----------
    carrier : str, default "Li"
        Element symbol of the mobile ion (Li, Na, K, Mg, ...).
    cutoff : float, default 6.0
        Neighbour-list radius and RDF range, Angstrom.
    rdf_bin_width : float, default 0.25
        RDF grid spacing, Angstrom.
    shell_tolerance : float, default 0.25
        First coordination shell: neighbours within ``(1 + shell_tolerance)`` times the nearest one.
    bond_cutoff : float, default 4.0
        Carrier-carrier separation counted as a bond (Sendek's LLB), Angstrom; ``<= cutoff``.
    chunk_size : int, default 128
        Structures per neighbour list (bounds memory).
    exclusive_distance : float, default 2.0
        Two carrier sites closer than this (Angstrom), not both fully occupied, are alternative
        positions never taken at once (a split site, as argyrodite's 48h pairs 1.8 A apart, or
        overlapping partial sites of a refinement): neither is the other's nearest carrier nor a
        carrier-carrier bond. No two Li in one structure come closer than ~2.1 A (Li3N). 0 counts
        every pair (the behaviour before 2026-12-06, and that of a featurizer pickled before): 149
        of OBELiX's 321 CIFs then had a Li-Li distance below 2 A, the shortest 0.04 A.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> s = Structure(Lattice.cubic(4.2), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    >>> sd = StructureDescriptors()
    >>> X, status = sd.transform_with_status([s])
    >>> names = list(sd.get_feature_names_out())
    >>> round(float(X[0, names.index("carrier_anion_nn_distance_mean")]), 6), status.tolist()
    (3.637307, ['ok'])
    """

    units = {name: unit for name, unit, _ in CELL_FEATURES + ENVIRONMENT_FEATURES}
    #: pickled before split sites were told apart: every carrier pair counted
    _legacy_state = {"exclusive_distance": 0.0}

    def __init__(
        self,
        carrier: str = "Li",
        cutoff: float = 6.0,
        rdf_bin_width: float = 0.25,
        shell_tolerance: float = 0.25,
        bond_cutoff: float = 4.0,
        chunk_size: int = 128,
        exclusive_distance: float = 2.0,
    ) -> None:
        self.carrier = carrier
        self.cutoff = cutoff
        self.rdf_bin_width = rdf_bin_width
        self.shell_tolerance = shell_tolerance
        self.bond_cutoff = bond_cutoff
        self.chunk_size = chunk_size
        self.exclusive_distance = exclusive_distance

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Cell and environment feature names, then ``rdf_<a>_<b>_<centre>A`` per partial RDF and
        bin (bin centres in Angstrom from ``cutoff`` and ``rdf_bin_width``); ``input_features``
        is ignored."""
        edges = rdf_bin_edges(self.cutoff, self.rdf_bin_width)
        centres = 0.5 * (edges[1:] + edges[:-1])
        rdf = [f"rdf_{a}_{b}_{c:.3f}A" for a, b in _RDF_PARTIALS for c in centres]
        return np.array([n for n, _, _ in CELL_FEATURES + ENVIRONMENT_FEATURES] + rdf, dtype=object)

    def citations(self) -> list[str]:
        """Every reference of :data:`REFERENCES`."""
        return list(REFERENCES.values())

    def feature_citations(self) -> dict[str, str]:
        """Where each feature comes from: feature name -> its references, ``"; "``-joined.

        Sendek et al. (2017) define the carrier-environment and framework descriptors (their
        abbreviations in :data:`SENDEK_FEATURES`); ``_std``/``_min`` variants are further statistics of
        the same per-site quantities.
        """
        out = {
            name: "; ".join(REFERENCES[k] for k in keys)
            for name, _, keys in CELL_FEATURES + ENVIRONMENT_FEATURES
        }
        for name in self.get_feature_names_out()[len(out) :]:
            out[name] = REFERENCES[SCHUETT]
        return out

    def _check_params(self) -> int:
        if self.carrier not in SYMBOL_TO_Z:
            raise ValueError(f"unknown carrier element {self.carrier!r}")
        if not 0 < self.bond_cutoff <= self.cutoff:
            raise ValueError("bond_cutoff must be in (0, cutoff]")
        if self.shell_tolerance < 0 or self.chunk_size < 1:
            raise ValueError("shell_tolerance must be >= 0 and chunk_size >= 1")
        if not 0 <= self.exclusive_distance < self.cutoff:
            raise ValueError("exclusive_distance must be in [0, cutoff)")
        return SYMBOL_TO_Z[self.carrier]

    def _featurize_packed(self, packed: PackedStructures) -> tuple[np.ndarray, np.ndarray]:
        carrier_z = self._check_params()
        edges = rdf_bin_edges(self.cutoff, self.rdf_bin_width)
        n_rdf = len(edges) - 1
        n = len(packed)
        values = np.full((n, len(CELL_FEATURES) + len(ENVIRONMENT_FEATURES) + 3 * n_rdf), np.nan)
        if n == 0:
            return values, np.zeros(0, dtype=object)
        sites = site_classes(packed, carrier_z)
        volume = packed.volume()
        values[:, : len(CELL_FEATURES)] = _cell_features(packed, sites, volume)
        env = slice(len(CELL_FEATURES), len(CELL_FEATURES) + len(ENVIRONMENT_FEATURES))
        class_weights = np.column_stack([sites["carrier"], sites["anion"]])
        class_pairs = np.array([[_CLASS_INDEX[a], _CLASS_INDEX[b]] for a, b in _RDF_PARTIALS])
        for start in range(0, n, self.chunk_size):
            stop = min(n, start + self.chunk_size)
            chunk = packed.take(np.arange(start, stop))
            lo, hi = packed.site_offsets[start], packed.site_offsets[stop]
            nl = neighbor_list(chunk, self.cutoff)
            env_values, nearest_carrier = environment(
                chunk.site_offsets, nl.site_pair_offsets, nl.neighbor, nl.distance,
                *(sites[k][lo:hi] for k in SITE_KERNEL_ARRAYS),
                float(sites["carrier_chi"]), float(self.shell_tolerance), float(self.bond_cutoff),
                float(self.exclusive_distance),
            )  # fmt: skip
            _fill_distant_carriers(
                env_values, nearest_carrier, chunk, sites["carrier"][lo:hi],
                float(self.exclusive_distance),
            )  # fmt: skip
            values[start:stop, env] = env_values
            rdf = partial_rdfs(
                volume[start:stop], chunk.site_offsets, nl.site_pair_offsets, nl.neighbor,
                nl.distance, class_weights[lo:hi], class_pairs, float(self.rdf_bin_width), n_rdf,
            )  # fmt: skip
            values[start:stop, env.stop :] = rdf.reshape(stop - start, -1)
        return _apply_status(values, packed, sites, volume)


def _fill_distant_carriers(
    env_values: np.ndarray,
    nearest: np.ndarray,
    packed: PackedStructures,
    carrier: np.ndarray,
    exclusive_distance: float = 0.0,
) -> None:
    """Nearest carrier-carrier statistics where some carrier has no other carrier within the cutoff.

    Those structures are searched again with only their carrier sites and a radius equal to their
    longest lattice vector, which always reaches at least the carrier's own periodic image (a split
    partner, :func:`~electroscreen.featurizers.structure.kernels.split_pair`, is no neighbour).
    """
    lacking = (carrier > 0) & ~np.isfinite(nearest)
    if not lacking.any():
        return
    structure_of_site = np.repeat(np.arange(len(packed)), packed.n_sites)
    affected = np.unique(structure_of_site[lacking])
    with np.errstate(invalid="ignore"):
        volume = np.abs(np.linalg.det(packed.lattice[affected]))
    affected = affected[np.isfinite(volume) & (volume > 1e-6)]  # broken cells stay NaN
    if len(affected) == 0:
        return
    sub = packed.take(affected)
    sub_sites = _ranges(packed.site_offsets[affected], packed.n_sites[affected])
    keep = carrier[sub_sites] > 0
    carriers_only = _keep_sites(sub, keep)
    radius = float(np.linalg.norm(sub.lattice, axis=2).max()) * (1 + 1e-9)
    nl = neighbor_list(carriers_only, radius)
    weight = carrier[sub_sites[keep]]  # each carrier site's occupancy
    apart = ~split_pair(weight[nl.center], weight[nl.neighbor], nl.distance, exclusive_distance)
    found = np.full(len(carriers_only.frac_coords), np.inf)
    np.minimum.at(found, nl.center[apart], nl.distance[apart])
    nearest[sub_sites[keep]] = found
    owner = np.repeat(np.arange(len(affected)), carriers_only.n_sites)
    total = np.bincount(owner, weights=weight, minlength=len(affected))
    mean = np.bincount(owner, weights=weight * found, minlength=len(affected)) / total
    spread = weight * (found - mean[owner]) ** 2
    variance = np.bincount(owner, weights=spread, minlength=len(affected)) / total
    lowest = np.full(len(affected), np.inf)
    np.minimum.at(lowest, owner, found)
    env_values[affected, 3] = mean
    env_values[affected, 4] = np.sqrt(variance)
    env_values[affected, 5] = lowest


def _keep_sites(packed: PackedStructures, keep: np.ndarray) -> PackedStructures:
    """The same structures with only the sites where ``keep`` is true."""
    owner = np.repeat(np.arange(len(packed)), packed.n_sites)
    counts = np.bincount(owner[keep], minlength=len(packed))
    occ_counts = np.diff(packed.occ_offsets)[keep]
    occ = _ranges(packed.occ_offsets[:-1][keep], occ_counts)
    return PackedStructures(
        lattice=packed.lattice,
        site_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        frac_coords=packed.frac_coords[keep],
        occ_offsets=np.concatenate([[0], np.cumsum(occ_counts)]).astype(np.int64),
        occ_species=packed.occ_species[occ],
        occ_fraction=packed.occ_fraction[occ],
        occ_oxidation=packed.occ_oxidation[occ],
        ids=packed.ids,
    )


def _apply_status(
    values: np.ndarray, packed: PackedStructures, sites: dict, volume: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Status per structure; rows that cannot be described at all become NaN."""
    n = len(packed)
    status = np.full(n, "ok", dtype=object)
    finite_coords = np.isfinite(packed.frac_coords).all(axis=1)
    bad_coords = ~segment_all(finite_coords, packed.site_offsets) & (packed.n_sites > 0)
    carriers = per_structure(sites["carrier"], packed)
    anions = per_structure(sites["anion"], packed)
    status[anions <= 0] = "no_anion"
    status[carriers <= 0] = "no_carrier"
    status[packed.n_sites == 0] = "no_sites"
    invalid = ~(np.isfinite(volume) & (volume > 1e-6)) | bad_coords
    status[invalid] = "invalid_structure"
    values[invalid | (packed.n_sites == 0)] = np.nan
    return values, status


def _cell_features(packed: PackedStructures, sites: dict, volume: np.ndarray) -> np.ndarray:
    total = per_structure(sites["total"], packed)
    carrier = per_structure(sites["carrier"], packed)
    anion = per_structure(sites["anion"], packed)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.column_stack(
            [
                per_structure(sites["mass"], packed) / volume * _AMU_PER_A3_IN_G_PER_CM3,
                volume / total,
                volume / anion,
                volume / carrier,
                carrier / total,
                per_structure(sites["ion_volume"], packed) / volume,
                per_structure(sites["anion_volume"], packed) / volume,
            ]
        )
    return np.where(np.isfinite(out), out, np.nan)
