"""Packed structures: a batch of (possibly disordered) crystal structures as flat NumPy arrays.

Ordered and partially occupied sites share one form: every site holds a CSR slice of
(species Z, occupancy fraction, oxidation state). A vacancy-containing site simply has fractions that sum
to less than one. Numba kernels in :mod:`electroscreen.featurizers` work on these arrays directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pymatgen.core import Composition, Lattice, Species, Structure
from pymatgen.core.periodic_table import Element

from electroscreen.data.formula import ELEMENT_SYMBOLS, join_formula_entries, written_amounts
from electroscreen.data.segments import segment_all
from electroscreen.data.tables import read_parquet

__all__ = [
    "PackedStructures",
    "cell_entries",
    "concat_packed",
    "is_packed_file",
    "load_packed",
    "pack_structures",
    "packed_formulas",
]

#: Columns that mark a Parquet file as a packed structure cache rather than a formula table.
PACKED_PARQUET_COLUMNS = frozenset({"lattice", "site_occupant_counts", "occ_species", "n_sites"})

_ARRAYS = (
    "lattice",
    "site_offsets",
    "frac_coords",
    "occ_offsets",
    "occ_species",
    "occ_fraction",
    "occ_oxidation",
)


@dataclass(frozen=True)
class PackedStructures:
    """N structures with M sites and Z (species, occupancy) entries in total.

    Attributes
    ----------
    lattice : ndarray of float64, shape (N, 3, 3)
        Row vectors a, b, c in Angstrom.
    site_offsets : ndarray of int64, shape (N + 1,)
        Sites of structure ``i`` are ``site_offsets[i]:site_offsets[i+1]``.
    frac_coords : ndarray of float64, shape (M, 3)
    occ_offsets : ndarray of int64, shape (M + 1,)
        Occupants of site ``j`` are ``occ_offsets[j]:occ_offsets[j+1]``.
    occ_species : ndarray of int64, shape (Z,)
        Atomic numbers.
    occ_fraction : ndarray of float64, shape (Z,)
        Occupancy of each occupant; the sum over a site is <= 1 (less means vacancies).
    occ_oxidation : ndarray of float64, shape (Z,)
        Oxidation state of each occupant, NaN where the input had none (or 0: what pymatgen gives
        a CIF atom type the `_atom_type_oxidation_number` loop leaves out).
    ids : tuple of str
        One identifier per structure (the candidate id).
    """

    lattice: np.ndarray
    site_offsets: np.ndarray
    frac_coords: np.ndarray
    occ_offsets: np.ndarray
    occ_species: np.ndarray
    occ_fraction: np.ndarray
    occ_oxidation: np.ndarray
    ids: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.site_offsets) - 1

    @property
    def n_sites(self) -> np.ndarray:
        """Number of sites in each structure, shape (N,)."""
        return np.diff(self.site_offsets)

    @property
    def has_oxidation(self) -> np.ndarray:
        """Per structure: whether every occupant carries an oxidation state."""
        per_site = segment_all(~np.isnan(self.occ_oxidation), self.occ_offsets)
        return segment_all(per_site, self.site_offsets) & (self.n_sites > 0)

    @property
    def is_ordered(self) -> np.ndarray:
        """Per structure: every site has one occupant with occupancy 1."""
        site_ordered = np.diff(self.occ_offsets) == 1
        full = np.ones(len(site_ordered), dtype=bool)
        single = np.flatnonzero(site_ordered)
        full[single] = np.isclose(self.occ_fraction[self.occ_offsets[single]], 1.0)
        site_ordered &= full
        return segment_all(site_ordered, self.site_offsets) & (self.n_sites > 0)

    def volume(self) -> np.ndarray:
        """Cell volume of each structure in cubic Angstrom, shape (N,)."""
        return np.abs(np.linalg.det(self.lattice))

    def take(self, indices: Sequence[int]) -> PackedStructures:
        """A new batch holding the structures at ``indices``, in that order."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        site_counts = self.n_sites[idx]
        sites = _ranges(self.site_offsets[idx], site_counts)
        occ_counts = np.diff(self.occ_offsets)[sites]
        occ = _ranges(self.occ_offsets[sites], occ_counts)
        return PackedStructures(
            lattice=self.lattice[idx],
            site_offsets=np.concatenate([[0], np.cumsum(site_counts)]).astype(np.int64),
            frac_coords=self.frac_coords[sites],
            occ_offsets=np.concatenate([[0], np.cumsum(occ_counts)]).astype(np.int64),
            occ_species=self.occ_species[occ],
            occ_fraction=self.occ_fraction[occ],
            occ_oxidation=self.occ_oxidation[occ],
            ids=tuple(self.ids[i] for i in idx) if self.ids else (),
        )

    def to_structure(self, i: int) -> Structure:
        """Rebuild structure ``i`` as a pymatgen :class:`~pymatgen.core.Structure`."""
        lo, hi = self.site_offsets[i], self.site_offsets[i + 1]
        species = []
        for j in range(lo, hi):
            a, b = self.occ_offsets[j], self.occ_offsets[j + 1]
            occupants = {}
            for z, frac, ox in zip(
                self.occ_species[a:b], self.occ_fraction[a:b], self.occ_oxidation[a:b], strict=True
            ):
                el = Element.from_Z(int(z))
                key = el if np.isnan(ox) else Species(el.symbol, float(ox))
                occupants[key] = float(frac)
            species.append(Composition(occupants))
        return Structure(Lattice(self.lattice[i]), species, self.frac_coords[lo:hi])

    def to_structures(self) -> list[Structure]:
        """All structures as pymatgen objects."""
        return [self.to_structure(i) for i in range(len(self))]

    # --- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write to ``.npz`` or ``.parquet`` / ``.pq`` (chosen by the suffix, in any case)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".npz":
            # through a handle: given a path, NumPy appends ".npz" unless it ends in it exactly
            with open(path, "wb") as handle:
                np.savez_compressed(
                    handle,
                    ids=np.asarray(self.ids, dtype=str),
                    **{k: getattr(self, k) for k in _ARRAYS},
                )
        elif suffix in {".parquet", ".pq"}:
            pq.write_table(self._to_arrow(), path)
        else:
            raise ValueError(f"{path}: unknown suffix {path.suffix!r} (use .npz, .parquet or .pq)")
        return path

    def _to_arrow(self) -> pa.Table:
        n = len(self)
        site_counts = np.diff(self.site_offsets)
        occ_starts = self.occ_offsets[self.site_offsets]  # occupant offset at each structure start
        site_list = pa.ListArray.from_arrays
        return pa.table(
            {
                "candidate_id": pa.array(
                    list(self.ids) if self.ids else [str(i) for i in range(n)]
                ),
                "lattice": pa.FixedSizeListArray.from_arrays(pa.array(self.lattice.ravel()), 9),
                "frac_coords": site_list(
                    pa.array(3 * self.site_offsets, pa.int64()), pa.array(self.frac_coords.ravel())
                ),
                "site_occupant_counts": site_list(
                    pa.array(self.site_offsets, pa.int64()),
                    pa.array(np.diff(self.occ_offsets).astype(np.int64)),
                ),
                "occ_species": site_list(
                    pa.array(occ_starts, pa.int64()), pa.array(self.occ_species)
                ),
                "occ_fraction": site_list(
                    pa.array(occ_starts, pa.int64()), pa.array(self.occ_fraction)
                ),
                "occ_oxidation": site_list(
                    pa.array(occ_starts, pa.int64()), pa.array(self.occ_oxidation)
                ),
                "n_sites": pa.array(site_counts),
            }
        )


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(s, s + c)`` for each (s, c) pair, vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    block_starts = np.cumsum(counts) - counts
    return np.repeat(starts - block_starts, counts) + np.arange(total, dtype=np.int64)


def load_packed(path: str | Path) -> PackedStructures:
    """Read a batch written by :meth:`PackedStructures.save` (``.npz``, or ``.parquet`` / ``.pq``;
    the suffix in any case, as :func:`is_packed_file` accepts)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            return PackedStructures(
                **{k: f[k] for k in _ARRAYS}, ids=tuple(str(s) for s in f["ids"].tolist())
            )
    if suffix in {".parquet", ".pq"}:
        table = read_parquet(path)
        counts = table["n_sites"].to_numpy()
        site_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        occ_counts = table["site_occupant_counts"].combine_chunks().flatten().to_numpy()

        def flat(name: str) -> np.ndarray:
            return table[name].combine_chunks().flatten().to_numpy(zero_copy_only=False)

        return PackedStructures(
            lattice=flat("lattice").reshape(-1, 3, 3).astype(np.float64),
            site_offsets=site_offsets,
            frac_coords=flat("frac_coords").reshape(-1, 3).astype(np.float64),
            occ_offsets=np.concatenate([[0], np.cumsum(occ_counts)]).astype(np.int64),
            occ_species=flat("occ_species").astype(np.int64),
            occ_fraction=flat("occ_fraction").astype(np.float64),
            occ_oxidation=flat("occ_oxidation").astype(np.float64),
            ids=tuple(table["candidate_id"].to_pylist()),
        )
    raise ValueError(f"{path}: unknown suffix {path.suffix!r} (use .npz or .parquet)")


def pack_structures(
    structures: Sequence[Structure], ids: Sequence[str] | None = None
) -> PackedStructures:
    """Pack pymatgen structures (ordered or partially occupied) into flat arrays.

    Parameters
    ----------
    structures : sequence of Structure
    ids : sequence of str, optional
        One id per structure; defaults to ``"0", "1", ...``.

    Returns
    -------
    PackedStructures
    """
    n = len(structures)
    ids = tuple(str(i) for i in (ids if ids is not None else range(n)))
    if len(ids) != n:
        raise ValueError(f"{len(ids)} ids for {n} structures")
    lattice = np.zeros((n, 3, 3))
    site_offsets = np.zeros(n + 1, dtype=np.int64)
    coords: list[np.ndarray] = []
    occ_counts: list[int] = []
    occ_z: list[int] = []
    occ_frac: list[float] = []
    occ_ox: list[float] = []
    for i, s in enumerate(structures):
        lattice[i] = s.lattice.matrix
        site_offsets[i + 1] = site_offsets[i] + len(s)
        coords.append(s.frac_coords.reshape(-1, 3))
        for site in s:
            items = site.species.items()
            occ_counts.append(len(items))
            for sp, frac in items:
                occ_z.append(sp.Z)
                occ_frac.append(frac)
                ox = getattr(sp, "oxi_state", None)
                occ_ox.append(float(ox) if ox else np.nan)  # 0: a CIF type without a state
    return PackedStructures(
        lattice=lattice,
        site_offsets=site_offsets,
        frac_coords=np.concatenate(coords) if coords else np.zeros((0, 3)),
        occ_offsets=np.concatenate([[0], np.cumsum(occ_counts, dtype=np.int64)]).astype(np.int64),
        occ_species=np.asarray(occ_z, dtype=np.int64),
        occ_fraction=np.asarray(occ_frac, dtype=np.float64),
        occ_oxidation=np.asarray(occ_ox, dtype=np.float64),
        ids=ids,
    )


def concat_packed(batches: Sequence[PackedStructures]) -> PackedStructures:
    """Concatenate packed batches in order (ids are concatenated too)."""
    batches = [b for b in batches if len(b)]
    if not batches:
        return pack_structures([])
    site_shift = np.cumsum([0] + [len(b.frac_coords) for b in batches[:-1]])
    occ_shift = np.cumsum([0] + [len(b.occ_species) for b in batches[:-1]])
    return PackedStructures(
        lattice=np.concatenate([b.lattice for b in batches]),
        site_offsets=np.concatenate(
            [[0]] + [b.site_offsets[1:] + s for b, s in zip(batches, site_shift, strict=True)]
        ).astype(np.int64),
        frac_coords=np.concatenate([b.frac_coords for b in batches]),
        occ_offsets=np.concatenate(
            [[0]] + [b.occ_offsets[1:] + s for b, s in zip(batches, occ_shift, strict=True)]
        ).astype(np.int64),
        occ_species=np.concatenate([b.occ_species for b in batches]),
        occ_fraction=np.concatenate([b.occ_fraction for b in batches]),
        occ_oxidation=np.concatenate([b.occ_oxidation for b in batches]),
        ids=tuple(i for b in batches for i in (b.ids or [str(k) for k in range(len(b))])),
    )


def is_packed_file(path: str | Path) -> bool:
    """Whether ``path`` is a packed structure cache: ``.npz``, or Parquet with the packed columns."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return True
    if suffix not in {".parquet", ".pq"}:
        return False
    try:
        return PACKED_PARQUET_COLUMNS <= set(pq.read_schema(path).names)
    except Exception:  # noqa: BLE001 - not readable as Parquet: the readers give it a status
        return False


def cell_entries(packed: PackedStructures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Occupancy-weighted amount of each element per cell, as CSR arrays by atomic number.

    Returns
    -------
    z : ndarray of int64, shape (K,)
        Atomic numbers, ascending within a structure.
    amount : ndarray of float64, shape (K,)
        Atoms of that element per cell (amounts within 1e-8 of zero dropped).
    offsets : ndarray of int64, shape (N + 1,)
        Structure ``i`` holds entries ``offsets[i]:offsets[i+1]``.
    """
    n = len(packed)
    structure_of_site = np.repeat(np.arange(n), packed.n_sites)
    structure_of_occupant = np.repeat(structure_of_site, np.diff(packed.occ_offsets))
    amounts = np.zeros((n, len(ELEMENT_SYMBOLS)))
    species = packed.occ_species
    # an atomic number outside 1..103 must not wrap around (-1 would read as Lr): check_packed
    # rejects such rows; their formula keeps the valid elements only
    real = (species >= 1) & (species < len(ELEMENT_SYMBOLS)) & np.isfinite(packed.occ_fraction)
    np.add.at(amounts, (structure_of_occupant[real], species[real]), packed.occ_fraction[real])
    rows, z = np.nonzero(np.abs(amounts) > 1e-8)  # by structure, then atomic number
    offsets = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n)))).astype(np.int64)
    return z.astype(np.int64), amounts[rows, z], offsets


def packed_formulas(packed: PackedStructures) -> list[str]:
    """Formula of each packed structure: occupancy-weighted element amounts per cell."""
    z, amount, offsets = cell_entries(packed)
    return join_formula_entries(z, written_amounts(amount)[0], offsets)
