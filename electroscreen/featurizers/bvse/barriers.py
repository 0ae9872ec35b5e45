"""BVSE migration barriers: bond-valence site energy on a grid, then 1D/2D/3D percolation energies.

The energy landscape of a test ion (Li+ or Na+) is computed from the softBV parameter set
(:mod:`electroscreen.featurizers.bvse.energy`) on a periodic grid of about ``resolution`` Angstrom, and
the migration barrier for d-dimensional transport is the lowest energy (relative to the landscape's
minimum) at which the region below it percolates in d dimensions
(:mod:`electroscreen.featurizers.bvse.percolation`). The grid and energy terms follow bvlain 0.25.1 so the
numbers can be compared with it; benchmarks/README.md ("Structure and BVSE") measures and explains the
remaining differences (bvlain's bisection step, its 10 A cutoff and 100-neighbour truncation, and its
2x2x2-supercell percolation test).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import sqrt

import numpy as np

from electroscreen.data.candidates import OK
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.data.packed import PackedStructures
from electroscreen.featurizers.base import StructureFeaturizer
from electroscreen.featurizers.bvse.energy import (
    COULOMB,
    COULOMB_EV_A,
    MORSE,
    BVParameters,
    bvse_grid,
    load_bv_parameters,
)
from electroscreen.featurizers.bvse.percolation import percolation_energies

__all__ = ["BVSE", "Framework", "framework_arrays", "grid_shape", "site_energy_grid"]

_FEATURES = ("bvse_barrier_1d", "bvse_barrier_2d", "bvse_barrier_3d")


class Framework:
    """The framework ions one structure presents to the mobile ion, as flat arrays (one per occupant).

    Attributes
    ----------
    frac : ndarray, shape (K, 3)
    kind : ndarray of int64, shape (K,)
        ``MORSE`` (counter-ion) or ``COULOMB`` (ion of the mobile ion's sign).
    p0, p1, p2 : ndarray, shape (K,)
        Pair parameters with the occupancy folded in, as :func:`bvse_grid` expects.
    """

    def __init__(self, frac, kind, p0, p1, p2):
        self.frac, self.kind, self.p0, self.p1, self.p2 = frac, kind, p0, p1, p2


def _oxidation_states(packed: PackedStructures, i: int) -> tuple[np.ndarray | None, str]:
    """Oxidation state of every occupant of structure ``i``: the input's, else assigned per element."""
    lo, hi = (
        packed.occ_offsets[packed.site_offsets[i]],
        packed.occ_offsets[packed.site_offsets[i + 1]],
    )
    given = packed.occ_oxidation[lo:hi]
    if len(given) and not np.isnan(given).any():
        return given, OK
    z = packed.occ_species[lo:hi]
    amounts: dict[str, float] = {}
    for zi, frac in zip(z, packed.occ_fraction[lo:hi], strict=True):
        symbol = ELEMENT_SYMBOLS[int(zi)]
        amounts[symbol] = amounts.get(symbol, 0.0) + float(frac)
    result = assign_oxidation_states(amounts)
    if not result.ok:
        return None, f"oxidation_{result.status}"
    by_z = {SYMBOL_TO_Z[s]: q for s, q in result.states.items()}
    return np.array([by_z[int(zi)] for zi in z], dtype=np.float64), OK


def framework_arrays(
    packed: PackedStructures, i: int, params: BVParameters, screening_factor: float = 0.74
) -> tuple[Framework | None, str]:
    """Framework entries of structure ``i`` for the mobile ion described by ``params``.

    Every occupant except the mobile ion's own contributes with its occupancy: counter-ions through
    the softBV Morse term, ions of the mobile ion's sign through screened Coulomb repulsion, neutral
    ones not at all. A counter-ion with a non-integer (mixed-valence) state is split between the two
    neighbouring integer states, weighted so that the average charge is kept.

    Returns
    -------
    framework : Framework or None
    status : str
        ``"ok"``, ``"oxidation_<why>"``, ``"no_bv_parameters"`` or ``"no_counter_ions"``.
    """
    states, status = _oxidation_states(packed, i)
    if states is None:
        return None, status
    q_m = params.mobile_charge
    z_m = params.mobile_z
    n_m = params.quantum_number[z_m]
    rc_m = params.covalent_radius[z_m]
    occ_lo = packed.occ_offsets[packed.site_offsets[i]]
    rows: list[tuple[int, int, float, float, float]] = []
    for site in range(packed.site_offsets[i], packed.site_offsets[i + 1]):
        for occ in range(packed.occ_offsets[site], packed.occ_offsets[site + 1]):
            z = int(packed.occ_species[occ])
            if z == z_m:
                continue
            weight = float(packed.occ_fraction[occ])
            q = float(states[occ - occ_lo])
            if q * q_m < 0:
                low, high = np.floor(q), np.ceil(q)
                split = [(low, 1.0)] if low == high else [(low, high - q), (high, q - low)]
                for q_int, share in split:
                    morse = params.morse.get((z, int(q_int)))
                    if morse is None:
                        return None, "no_bv_parameters"
                    r_min, alpha, d0 = morse
                    rows.append((site, MORSE, r_min, alpha, weight * share * d0 / 2.0))
            elif q * q_m > 0:
                if z not in params.quantum_number:
                    return None, "no_bv_parameters"
                n, rc = params.quantum_number[z], params.covalent_radius[z]
                prefactor = weight * COULOMB_EV_A * q_m * q / sqrt(n_m * n)
                rows.append((site, COULOMB, prefactor, 1.0 / (screening_factor * (rc_m + rc)), 0.0))
    if not any(r[1] == MORSE for r in rows):
        return None, "no_counter_ions"
    sites = np.array([r[0] for r in rows], dtype=np.int64)
    return Framework(
        frac=np.ascontiguousarray(packed.frac_coords[sites]),
        kind=np.array([r[1] for r in rows], dtype=np.int64),
        p0=np.array([r[2] for r in rows]),
        p1=np.array([r[3] for r in rows]),
        p2=np.array([r[4] for r in rows]),
    ), OK


def grid_shape(lattice: np.ndarray, resolution: float) -> np.ndarray:
    """Grid points per axis: bvlain's ``int(length // resolution)`` minus its duplicated endpoint."""
    lengths = np.linalg.norm(lattice, axis=1)
    return (lengths // resolution).astype(np.int64) - 1


def site_energy_grid(
    packed: PackedStructures,
    i: int,
    mobile_ion: str = "Li",
    resolution: float = 0.2,
    r_cut: float = 7.0,
    screening_factor: float = 0.74,
    max_grid_points: int = 4_000_000,
) -> tuple[np.ndarray | None, str]:
    """BVSE landscape of structure ``i`` (eV) on its periodic grid, or ``None`` and a status.

    Point ``(i, j, k)`` of the returned ``(ma, mb, mc)`` array sits at fractional
    ``(i/ma, j/mb, k/mc)``. See :class:`BVSE` for the parameters.
    """
    lattice = np.ascontiguousarray(packed.lattice[i], dtype=np.float64)
    volume = abs(np.linalg.det(lattice)) if np.isfinite(lattice).all() else 0.0
    if not volume > 1e-3:
        return None, "bad_lattice"
    shape = grid_shape(lattice, resolution)
    if (shape < 2).any():
        return None, "cell_too_small"
    if int(np.prod(shape)) > max_grid_points:
        return None, "grid_too_large"
    framework, status = framework_arrays(
        packed, i, load_bv_parameters(mobile_ion), screening_factor
    )
    if framework is None:
        return None, status
    energy = bvse_grid(
        lattice,
        framework.frac,
        framework.kind,
        framework.p0,
        framework.p1,
        framework.p2,
        shape,
        float(r_cut),
    )
    return energy, OK


class BVSE(StructureFeaturizer):
    """Bond-valence site energy migration barriers for 1D, 2D and 3D percolation (eV).

    Parameters
    ----------
    mobile_ion : {"Li", "Na"}
        The migrating cation (charge +1). Its own sites are removed from the framework.
    resolution : float
        Target grid spacing in Angstrom; the grid is bvlain's (``int(a // resolution) - 1`` points
        along a, evenly spaced).
    r_cut : float
        Cutoff of the mobile ion-framework interactions in Angstrom. bvlain uses 10 A (and its 100
        nearest framework atoms); on ordered OBELiX structures the 7 A default shifts relative grid
        energies by at most ~0.016 eV and barriers by ~0.01 eV, at a third of the cost.
    screening_factor : float
        ``f`` of the screened Coulomb term (softBV: 0.74).
    max_grid_points : int
        Larger grids give NaN with status ``grid_too_large``.

    Notes
    -----
    Output columns ``bvse_barrier_1d``, ``bvse_barrier_2d``, ``bvse_barrier_3d``: the energy above the
    landscape's minimum at which the points below it first form a cluster that wraps around the cell
    in 1, 2 or 3 independent directions (26-neighbour connectivity). Statuses besides ``ok``:
    ``oxidation_unbalanced``/``oxidation_no_oxidation_state`` (no charge-balanced assignment),
    ``no_bv_parameters``, ``no_counter_ions``, ``bad_lattice``, ``cell_too_small``,
    ``grid_too_large``, ``no_structure``.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> s = Structure(Lattice.cubic(3.9), ["Li", "Cl", "O"], [[0, 0.5, 0.5], [0.5, 0.5, 0.5], [0, 0, 0]])
    >>> BVSE().fit_transform([s]).shape
    (1, 3)
    """

    units = {name: "eV" for name in _FEATURES}

    def __init__(
        self,
        mobile_ion: str = "Li",
        resolution: float = 0.2,
        r_cut: float = 7.0,
        screening_factor: float = 0.74,
        max_grid_points: int = 4_000_000,
    ):
        self.mobile_ion = mobile_ion
        self.resolution = resolution
        self.r_cut = r_cut
        self.screening_factor = screening_factor
        self.max_grid_points = max_grid_points

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names of the BVSE features, fixed (``input_features`` is ignored)."""
        return np.array(_FEATURES, dtype=object)

    def _featurize_packed(self, packed: PackedStructures) -> tuple[np.ndarray, np.ndarray]:
        load_bv_parameters(self.mobile_ion)  # unknown mobile ion: a parameter error, raised once
        values = np.full((len(packed), len(_FEATURES)), np.nan)
        status = np.full(len(packed), OK, dtype=object)
        for i in range(len(packed)):
            energy, status[i] = site_energy_grid(
                packed,
                i,
                self.mobile_ion,
                self.resolution,
                self.r_cut,
                self.screening_factor,
                self.max_grid_points,
            )
            if energy is not None:
                values[i] = percolation_energies(energy)
        return values, status

    def feature_citations(self) -> dict[str, str]:
        """Where each feature comes from: every barrier is a softBV BVSE percolation energy."""
        return dict.fromkeys(_FEATURES, "; ".join(self.citations()[:2]))

    def citations(self) -> list[str]:
        """References behind the BVSE features and the software its method follows."""
        return [
            "S. Adams and R. P. Rao, High power lithium ion battery materials by computational design, "
            "Phys. Status Solidi A 208 (2011) 1746-1753, doi:10.1002/pssa.201001116",
            "H. Chen, L. L. Wong and S. Adams, SoftBV - a software tool for screening the materials "
            "genome of inorganic fast ion conductors, Acta Cryst. B75 (2019) 18-33, "
            "doi:10.1107/S2052520618015718",
            "A. D. Dembitskiy, BVlain: bond valence site energy calculator (bvlain 0.25.1, MIT), "
            "https://github.com/dembart/BVlain",
        ]
