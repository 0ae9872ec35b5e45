"""Bond-valence plausibility of a structure: the global instability index at the best lattice scale.

A substituted candidate is a seed's sites with new species and a lattice scaled by a crude ionic-volume
ratio; whether the new ions *fit* is what the bond-valence sums say. :class:`BondValenceGII` returns

* ``gii`` (valence units): the occupancy-weighted global instability index
  (:mod:`electroscreen.featurizers.bvse.bond_valence`) of the cell with its lattice scaled
  isotropically by the factor in ``scale_bounds`` that minimises it, and
* ``gii_scale``: that factor (1 = the cell as given), and
* ``gii_max_site`` (v.u.): at that scale, the largest occupancy-weighted deviation
  ``sum_j f_ij |BVS_ij - |V_j||`` of any site (:func:`~electroscreen.featurizers.bvse.gii_kernels.
  max_site_deviation`): one misfit ion on a minority site, which the GII's average dilutes.

Scaling removes what a uniform expansion or contraction can fix (a crude volume estimate, a
calculation's systematic over- or underbinding), so what remains is the mismatch *between* ions: a
small cation on a large site, a cation too large for its anion cage. Known structures sit near 0.1-0.2
v.u. (Salinas-Sanchez et al. 1992 call > 0.2 v.u. strained); ``benchmarks/README.md`` ("Bond-valence
plausibility") chooses the screening threshold from OBELiX's structures against random substitutions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.packed import PackedStructures
from electroscreen.featurizers.base import StructureFeaturizer, as_packed_structures
from electroscreen.featurizers.bvse.bond_valence import (
    BRESE_OKEEFFE_B,
    BRESE_OKEEFFE_CITATION,
    GII_CITATION,
    PARAMETER_SETS,
    SOFTBV_CITATION,
    pair_tables,
)
from electroscreen.featurizers.bvse.gii_kernels import (
    BondTerms,
    bond_terms,
    gii_at_scale,
    max_site_deviation,
    minimise_gii,
)
from electroscreen.featurizers.structure.neighbors import neighbor_list

__all__ = ["BondValenceGII", "occupant_valences"]

#: Structures are evaluated in chunks of at most this many sites (bounds the neighbour-list memory:
#: ~100 pairs per site at the widened cutoff, 56 bytes each).
CHUNK_SITES = 20_000


def occupant_valences(packed: PackedStructures) -> tuple[np.ndarray, np.ndarray]:
    """Formal oxidation state of every occupant, and a status per structure.

    A structure whose occupants all carry a state (a generated candidate, a CIF with oxidation
    states) keeps them; the others get one state per element from the occupancy-weighted cell
    composition (:func:`~electroscreen.data.oxidation.oxidation_states_packed`, one batch kernel).

    Returns
    -------
    valence : ndarray of float64, shape (Z,)
        NaN for the occupants of structures without an assignment.
    status : ndarray of object, shape (N,)
        ``"ok"`` or ``"oxidation_<why>"`` (``unbalanced``, ``no_oxidation_state``, ``empty``).
    """
    n = len(packed)
    occ_struct = np.repeat(np.repeat(np.arange(n), packed.n_sites), np.diff(packed.occ_offsets))
    valence = np.asarray(packed.occ_oxidation, dtype=np.float64).copy()
    status = np.full(n, OK, dtype=object)
    need = ~packed.has_oxidation
    if not need.any():
        return valence, status
    # cell compositions of the structures that need states: (structure, Z) entries, CSR by structure
    occ_need = need[occ_struct]
    key = occ_struct[occ_need] * 256 + packed.occ_species[occ_need]
    unique, inverse = np.unique(key, return_inverse=True)
    amount = np.bincount(inverse, weights=packed.occ_fraction[occ_need])
    rows = np.flatnonzero(need)
    counts = np.bincount(unique // 256, minlength=n)[rows]
    compositions = PackedCompositions(
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        z=(unique % 256).astype(np.int64),
        amount=amount,
        status=np.full(len(rows), OK, dtype=object),
        error=np.full(len(rows), "", dtype=object),
    )
    oxidation = oxidation_states_packed(compositions)
    valence[occ_need] = oxidation.states[inverse]
    bad = oxidation.status != OK
    status[rows[bad]] = np.array([f"oxidation_{s}" for s in oxidation.status[bad]], dtype=object)
    valence[occ_need & np.isin(occ_struct, rows[bad])] = np.nan
    return valence, status


class BondValenceGII(StructureFeaturizer):
    """Global instability index (v.u.) at the lattice scale that minimises it, that scale, and the
    largest deviation of one site there.

    Parameters
    ----------
    cutoff : float, default 5.0
        Bonds are counted up to this distance (Angstrom) in the scaled cell.
    scale_bounds : (float, float), default (0.85, 1.15)
        Isotropic lattice scale factors searched (volume x0.61 to x1.52): a grid of 13 points, then a
        golden-section search to 1e-5 between the best point's neighbours.
    parameters : {"softbv", "brese1991"}, default "softbv"
        Bond-valence parameter set (:func:`~electroscreen.featurizers.bvse.bond_valence.pair_tables`).
    b : float, default 0.37
        Softness (Angstrom) of the Brese-O'Keeffe pairs.
    optimize_scale : bool, default True
        False evaluates the cell as given (``gii_scale`` = 1).

    Notes
    -----
    Statuses: ``no_structure``; ``oxidation_<why>`` (no formal valences); ``no_bv_parameters``
    (a cation-anion pair within the cutoff has no ``R0``); ``no_bonds`` (no cation or no anion).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> nacl = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> gii, scale, max_site = BondValenceGII(optimize_scale=False).transform([nacl])[0]
    >>> bool(gii < 0.15), float(scale), bool(abs(max_site - gii) < 1e-12)
    (True, 1.0, True)
    """

    feature_table = (
        (
            "gii",
            "v.u.",
            f"{GII_CITATION}; {BRESE_OKEEFFE_CITATION}; {SOFTBV_CITATION}",
        ),
        ("gii_scale", "", "isotropic lattice scale minimising gii (electroscreen)"),
        (
            "gii_max_site",
            "v.u.",
            "largest occupancy-weighted |BVS - V| of any site at gii_scale (electroscreen)",
        ),
    )

    def __init__(
        self,
        cutoff: float = 5.0,
        scale_bounds: tuple[float, float] = (0.85, 1.15),
        parameters: str = "softbv",
        b: float = BRESE_OKEEFFE_B,
        optimize_scale: bool = True,
    ) -> None:
        self.cutoff = cutoff
        self.scale_bounds = scale_bounds
        self.parameters = parameters
        self.b = b
        self.optimize_scale = optimize_scale

    def citations(self) -> list[str]:
        """References of the GII, the Brese-O'Keeffe bond-valence parameters and SoftBV."""
        return [GII_CITATION, BRESE_OKEEFFE_CITATION, SOFTBV_CITATION]

    def _check(self) -> tuple[float, float]:
        if self.parameters not in PARAMETER_SETS:
            raise ValueError(f"parameters must be one of {PARAMETER_SETS}, got {self.parameters!r}")
        if not self.cutoff > 0:
            raise ValueError(f"cutoff must be > 0, got {self.cutoff}")
        lo, hi = (float(v) for v in self.scale_bounds)
        if not 0 < lo <= 1 <= hi:
            raise ValueError(
                f"scale_bounds must satisfy 0 < lo <= 1 <= hi, got {self.scale_bounds}"
            )
        return (lo, hi) if self.optimize_scale else (1.0, 1.0)

    def _featurize_packed(self, packed: PackedStructures) -> tuple[np.ndarray, np.ndarray]:
        bounds = self._check()
        values = np.full((len(packed), 3), np.nan)
        status = np.full(len(packed), OK, dtype=object)
        for chunk in _chunks(packed.n_sites, CHUNK_SITES):
            part = packed.take(chunk)
            v, s = self._chunk(part, bounds)
            values[chunk], status[chunk] = v, s
        return values, status

    def _chunk(
        self, packed: PackedStructures, bounds: tuple[float, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        terms, status = self._bond_terms(packed, self.cutoff / bounds[0])
        todo = np.flatnonzero(status == OK)
        if bounds[0] == bounds[1]:
            gii, _ = gii_at_scale(todo, bounds[0], self.cutoff, terms)
            scale = np.where(np.isnan(gii), np.nan, bounds[0])
        else:
            gii, scale = minimise_gii(todo, bounds, self.cutoff, terms)
        missing = np.isnan(gii) & (status == OK)
        status[missing] = "no_bv_parameters"
        max_site = max_site_deviation(todo, scale, self.cutoff, terms)
        return np.column_stack([gii, scale, max_site]), status

    def _bond_terms(self, packed: PackedStructures, radius: float) -> tuple[BondTerms, np.ndarray]:
        """The bonds of a chunk within ``radius`` (Angstrom, unscaled cell) and a status per
        structure."""
        valence, status = occupant_valences(packed)
        n = len(packed)
        occ_struct = np.repeat(np.repeat(np.arange(n), packed.n_sites), np.diff(packed.occ_offsets))
        charged = np.isfinite(valence)
        cation = np.bincount(occ_struct[charged & (valence > 0)], minlength=n) > 0
        anion = np.bincount(occ_struct[charged & (valence < 0)], minlength=n) > 0
        status[(status == OK) & ~(cation & anion)] = "no_bonds"
        valence = np.where(np.isfinite(valence), valence, 0.0)
        # ion types (element, rounded valence) in (element, valence) order, as one integer key
        key = (
            np.asarray(packed.occ_species, dtype=np.int64) * 1024
            + np.round(valence).astype(np.int64)
            + 512
        )
        types, occ_type = np.unique(key, return_inverse=True)
        r0, bb = pair_tables(types // 1024, types % 1024 - 512, self.parameters, self.b)
        nl = neighbor_list(packed, radius)
        terms = bond_terms(
            packed.site_offsets,
            nl.site_pair_offsets,
            nl.neighbor,
            nl.distance,
            packed.occ_offsets,
            occ_type,
            packed.occ_fraction,
            valence,
            r0,
            bb,
        )
        return terms, status

    def site_sums(self, X: object, scale: float = 1.0) -> pd.DataFrame:
        """Bond-valence sum of every occupant of every structure at one lattice ``scale``.

        Returns
        -------
        DataFrame
            One row per occupant: ``row`` (input row), ``site`` (index within its structure),
            ``z``, ``fraction``, ``valence`` (formal), ``bvs`` (v.u.; NaN where the structure has
            no valences or parameters).
        """
        self._check()
        packed, rows = as_packed_structures(X)
        terms, status = self._bond_terms(packed, self.cutoff / float(scale))
        _, sums = gii_at_scale(np.flatnonzero(status == OK), float(scale), self.cutoff, terms)
        n_occ = np.diff(packed.occ_offsets)
        site_struct = np.repeat(np.arange(len(packed)), packed.n_sites)
        site_local = np.arange(len(site_struct)) - packed.site_offsets[site_struct]
        return pd.DataFrame(
            {
                "row": np.repeat(rows[site_struct], n_occ),
                "site": np.repeat(site_local, n_occ),
                "z": packed.occ_species,
                "fraction": packed.occ_fraction,
                "valence": terms.occ_valence,
                "bvs": sums,
            }
        )


def _chunks(n_sites: np.ndarray, limit: int) -> list[np.ndarray]:
    """Consecutive structure indices in groups of at most ``limit`` sites (at least one each)."""
    chunks: list[np.ndarray] = []
    start, total = 0, 0
    for i, count in enumerate(np.asarray(n_sites)):
        if i > start and total + count > limit:
            chunks.append(np.arange(start, i))
            start, total = i, 0
        total += int(count)
    if len(n_sites):
        chunks.append(np.arange(start, len(n_sites)))
    return chunks
