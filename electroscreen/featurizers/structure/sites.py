"""Which occupants of a (possibly disordered) structure are carrier, anion or framework cation.

Every site holds occupancies of three classes: the *carrier* (the mobile ion, e.g. Li), *anions*
(occupants with a negative oxidation state; when no state is known and none can be assigned, the
elements in :data:`DEFAULT_ANIONS`) and *framework cations* (all other occupants). Per-site sums of
occupancy, mass, ionic-sphere volume and electronegativity feed
:class:`~electroscreen.featurizers.structure.descriptors.StructureDescriptors`; nothing is rounded, so partially
occupied sites enter with their expected occupancy.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.data.packed import PackedStructures
from electroscreen.featurizers.elements import (
    OXIDATION_OFFSET,
    element_property,
    ionic_radius_table,
)
from electroscreen.featurizers.structure.neighbors import site_occupancy

__all__ = ["DEFAULT_ANIONS", "PAULING_ANION_RADII", "per_structure", "site_classes"]

#: Elements counted as anions when no oxidation state is known or can be assigned.
DEFAULT_ANIONS = ("O", "S", "Se", "Te", "F", "Cl", "Br", "I", "N")
#: Pauling's univalent-scaled crystal radii of anions (The Nature of the Chemical Bond, 1960), Angstrom:
#: the fallback for anions without a Shannon radius.
PAULING_ANION_RADII = {
    "H": 2.08, "C": 2.60, "Si": 2.71, "N": 1.71, "P": 2.12, "As": 2.22, "O": 1.40, "S": 1.84,
    "Se": 1.98, "Te": 2.21, "F": 1.36, "Cl": 1.81, "Br": 1.95, "I": 2.16,
}  # fmt: skip


def per_structure(site_values: np.ndarray, packed: PackedStructures) -> np.ndarray:
    """Sum of a per-site quantity over the sites of each structure, shape (N,)."""
    structure_of_site = np.repeat(np.arange(len(packed)), packed.n_sites)
    return np.bincount(structure_of_site, weights=site_values, minlength=len(packed))


def site_classes(packed: PackedStructures, carrier_z: int) -> dict[str, np.ndarray]:
    """Per-site occupancies of carrier / anion / framework cation, masses, ion volumes, chi.

    Oxidation states come from ``packed.occ_oxidation`` where present, else from
    :func:`~electroscreen.data.oxidation.assign_oxidation_states` on the structure's composition (its
    closest assignment is used even when not exactly balanced).

    Returns
    -------
    dict of ndarray
        ``total``, ``carrier``, ``anion``, ``framework`` (occupancies, shape (M,)), ``mass`` (amu),
        ``ion_volume`` and ``anion_volume`` (sum of occupancy * 4/3 pi r^3, NaN when a radius is
        unknown), ``anion_chi`` and ``framework_chi`` (occupancy-weighted mean Pauling
        electronegativity of the site's anions / framework cations, NaN when none), and the scalar
        ``carrier_chi``.
    """
    z = np.asarray(packed.occ_species, dtype=np.int64)
    frac = np.asarray(packed.occ_fraction, dtype=np.float64)
    oxidation = _resolved_oxidation(packed)
    site_of_occ = np.repeat(np.arange(len(packed.occ_offsets) - 1), np.diff(packed.occ_offsets))
    m = len(packed.occ_offsets) - 1

    def per_site(weights: np.ndarray) -> np.ndarray:
        return np.bincount(site_of_occ, weights=weights, minlength=m)

    is_carrier = z == carrier_z
    fallback_anion = np.isin(z, [SYMBOL_TO_Z[s] for s in DEFAULT_ANIONS])
    is_anion = ~is_carrier & np.where(np.isnan(oxidation), fallback_anion, oxidation < 0)
    is_framework = ~is_carrier & ~is_anion
    chi = np.asarray(element_property("Electronegativity"))[np.clip(z, 0, len(ELEMENT_SYMBOLS) - 1)]
    radius = _ionic_radii(z, oxidation)
    sphere = 4.0 / 3.0 * np.pi * radius**3 * frac
    anion = per_site(frac * is_anion)
    framework = per_site(frac * is_framework)
    with np.errstate(invalid="ignore", divide="ignore"):
        anion_chi = per_site(np.where(is_anion, frac * chi, 0.0)) / anion
        framework_chi = per_site(np.where(is_framework, frac * chi, 0.0)) / framework
    return {
        "total": site_occupancy(packed),
        "carrier": per_site(frac * is_carrier),
        "anion": anion,
        "framework": framework,
        "mass": per_site(frac * np.asarray(element_property("atomic_mass"))[z]),
        "ion_volume": per_site(sphere),
        "anion_volume": per_site(np.where(is_anion, sphere, 0.0)),
        "anion_chi": np.where(anion > 0, anion_chi, np.nan),
        "framework_chi": np.where(framework > 0, framework_chi, np.nan),
        "carrier_chi": element_property("Electronegativity")[carrier_z],
    }


def _resolved_oxidation(packed: PackedStructures) -> np.ndarray:
    """Oxidation state of every occupant: the packed one, else one assigned per structure."""
    oxidation = np.array(packed.occ_oxidation, dtype=np.float64)
    occ_start = packed.occ_offsets[packed.site_offsets]
    for s in range(len(packed)):
        a, b = occ_start[s], occ_start[s + 1]
        missing = np.isnan(oxidation[a:b])
        if not missing.any():
            continue
        zs = packed.occ_species[a:b]
        amounts = np.bincount(zs, weights=packed.occ_fraction[a:b])
        composition = {ELEMENT_SYMBOLS[i]: float(amounts[i]) for i in np.flatnonzero(amounts > 0)}
        if not composition:
            continue
        states = assign_oxidation_states(composition).states
        assigned = np.array([states.get(ELEMENT_SYMBOLS[i], np.nan) for i in zs], dtype=np.float64)
        oxidation[a:b] = np.where(missing, assigned, oxidation[a:b])
    return oxidation


def _ionic_radii(z: np.ndarray, oxidation: np.ndarray) -> np.ndarray:
    """Ionic radius per occupant, Angstrom.

    Shannon's radius for the nearest integer state (as ``elements.ionic_radius``); for an anion that
    Shannon does not list (H-, C4-, P3-, S- in S2^2-, ...) Pauling's radius of the element's anion;
    otherwise Shannon's radius for the element's nearest listed state of the same sign; else NaN.
    """
    table = ionic_radius_table("ionic")
    z = np.asarray(z, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        state = np.floor(oxidation + 0.5)
    radius = np.full(len(z), np.nan)
    in_table = np.isfinite(state) & (np.abs(state) <= OXIDATION_OFFSET) & (z < table.shape[0])
    idx = np.flatnonzero(in_table)
    radius[idx] = table[z[idx], state[idx].astype(np.int64) + OXIDATION_OFFSET]
    for k in np.flatnonzero(np.isnan(radius) & np.isfinite(oxidation) & (z < table.shape[0])):
        symbol = ELEMENT_SYMBOLS[z[k]]
        if oxidation[k] < 0 and symbol in PAULING_ANION_RADII:
            radius[k] = PAULING_ANION_RADII[symbol]
            continue
        states = np.arange(table.shape[1]) - OXIDATION_OFFSET
        same_sign = np.isfinite(table[z[k]]) & (np.sign(states) == np.sign(oxidation[k]))
        if same_sign.any():
            nearest = np.argmin(np.where(same_sign, np.abs(states - oxidation[k]), np.inf))
            radius[k] = table[z[k], nearest]
    return radius
