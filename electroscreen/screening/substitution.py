"""Data-mined ionic substitution probabilities (Hautier et al. 2011) as NumPy arrays.

pymatgen ships the lambda table of Hautier, Fischer, Ehrlacher, Jain and Ceder, "Data Mined Ionic
Substitutions for the Discovery of New Compounds", Inorg. Chem. 50, 656 (2011),
doi:10.1021/ic102031h, and evaluates it one species pair at a time
(:class:`pymatgen.analysis.structure_prediction.substitution_probability.SubstitutionProbability`).
Here the table is read once into an ``(S, S)`` matrix so that whole substitution maps are scored
with array operations:

- ``W[a, b] = exp(lambda(a, b))`` (``lambda = alpha`` for pairs never observed),
- ``p_x(b) = sum_a W[a, b]`` and ``Z = sum W``,
- the conditional probability that species ``new`` replaces ``old`` is ``W[new, old] / p_x(old)``,
- a substitution map over a seed's species scores the product of these conditionals over all of
  the seed's species (unchanged species contribute ``W[s, s] / p_x(s)``), which is pymatgen's
  ``cond_prob_list(new_species, old_species)`` as used by its ``Substitutor``.

:func:`enumerate_substitutions` finds every map above a probability threshold by a vectorised
branch-and-bound over the species of one seed.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import orjson

from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.packed import PackedStructures

__all__ = [
    "CITATION",
    "CITATION_DOI",
    "SubstitutionModel",
    "SubstitutionSet",
    "enumerate_substitutions",
    "lambda_table_path",
    "ionic_volume_scale",
    "substitute_packed",
    "substitution_model",
]

#: The DOI of the substitution probabilities' paper (a generated candidate's ``probability_source``).
CITATION_DOI = "10.1021/ic102031h"
CITATION = (
    "G. Hautier, C. Fischer, V. Ehrlacher, A. Jain, G. Ceder, "
    "Data Mined Ionic Substitutions for the "
    f"Discovery of New Compounds, Inorg. Chem. 50, 656-663 (2011), doi:{CITATION_DOI}"
)
_SPECIES = re.compile(r"([A-Z][a-z]?)(\d*)([+-])")


def lambda_table_path() -> Path:
    """The ``lambda.json`` table shipped with pymatgen."""
    import pymatgen.core

    root = Path(pymatgen.core.__file__).parent
    for sub in ("structure_prediction", "../analysis/structure_prediction"):
        path = (root / sub / "data" / "lambda.json").resolve()
        if path.is_file():
            return path
    raise FileNotFoundError(f"lambda.json not found under {root}")


def _parse_species(text: str) -> tuple[str, int]:
    match = _SPECIES.fullmatch(text)
    if match is None:
        raise ValueError(f"unexpected species {text!r} in the lambda table")
    symbol, magnitude, sign = match.groups()
    return symbol, (int(magnitude) if magnitude else 1) * (1 if sign == "+" else -1)


@dataclass(frozen=True)
class SubstitutionModel:
    """The substitution-probability model as arrays over its ``S`` species.

    Attributes
    ----------
    symbols : tuple of str
        Element symbol of each species.
    z : ndarray of int64, shape (S,)
        Atomic numbers.
    charge : ndarray of int64, shape (S,)
        Oxidation states.
    log_weight : ndarray of float64, shape (S, S)
        ``lambda(a, b)``, symmetric, ``alpha`` where the table has no entry.
    px : ndarray of float64, shape (S,)
        ``p_x`` of each species.
    alpha : float
    """

    symbols: tuple[str, ...]
    z: np.ndarray
    charge: np.ndarray
    log_weight: np.ndarray
    px: np.ndarray
    alpha: float

    @classmethod
    def from_table(cls, rows: list, alpha: float = -5.0) -> SubstitutionModel:
        """Build from rows ``[species_a, species_b, lambda]`` (the layout of ``lambda.json``)."""
        rows = [r for r in rows if "D1+" not in r[:2]]
        names = sorted({name for r in rows for name in r[:2]}, key=_parse_species)
        index = {name: i for i, name in enumerate(names)}
        parsed = [_parse_species(n) for n in names]
        lam = np.full((len(names), len(names)), float(alpha))
        for a, b, value in rows:
            i, j = index[a], index[b]
            lam[i, j] = lam[j, i] = float(value)
        return cls(
            symbols=tuple(s for s, _ in parsed),
            z=np.array([SYMBOL_TO_Z[s] for s, _ in parsed], dtype=np.int64),
            charge=np.array([q for _, q in parsed], dtype=np.int64),
            log_weight=lam,
            px=np.exp(lam).sum(axis=0),
            alpha=float(alpha),
        )

    def __len__(self) -> int:
        return len(self.symbols)

    @property
    def names(self) -> tuple[str, ...]:
        """Species names in pymatgen's notation (``"Zr4+"``, ``"O2-"``)."""
        return tuple(
            f"{s}{abs(int(q))}{'+' if q > 0 else '-'}"
            for s, q in zip(self.symbols, self.charge, strict=True)
        )

    @property
    def log_cond(self) -> np.ndarray:
        """``log P(new | old)`` as an ``(S_new, S_old)`` matrix."""
        return self.log_weight - np.log(self.px)[None, :]

    def index(self, z: np.ndarray, charge: np.ndarray) -> np.ndarray:
        """Species index of each (Z, oxidation state), -1 where the model has no such species."""
        z = np.asarray(z, dtype=np.int64)
        charge = np.asarray(charge, dtype=float)
        out = np.full(z.shape, -1, dtype=np.int64)
        integral = np.isfinite(charge) & (np.abs(charge - np.round(charge)) < 1e-6)
        key = {
            (int(a), int(b)): i for i, (a, b) in enumerate(zip(self.z, self.charge, strict=True))
        }
        for k in np.flatnonzero(integral):
            out[k] = key.get((int(z[k]), int(round(charge[k]))), -1)
        return out

    def cond_prob(self, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        """``P(new | old)`` for arrays of species indices (broadcasting)."""
        return np.exp(self.log_weight[new, old]) / self.px[old]


@cache
def substitution_model(alpha: float = -5.0) -> SubstitutionModel:
    """pymatgen's default substitution model, read once per process."""
    rows = orjson.loads(lambda_table_path().read_bytes())
    return SubstitutionModel.from_table(rows, alpha=alpha)


@dataclass(frozen=True)
class SubstitutionSet:
    """The accepted substitution maps of one seed.

    Attributes
    ----------
    new_species : ndarray of int64, shape (K, m)
        Model species index replacing each of the seed's ``m`` substitutable species.
    log_probability : ndarray of float64, shape (K,)
        Log of the product of conditional probabilities over all of the seed's species.
    """

    new_species: np.ndarray
    log_probability: np.ndarray

    def __len__(self) -> int:
        return len(self.log_probability)


def enumerate_substitutions(
    model: SubstitutionModel,
    old_species: np.ndarray,
    amounts: np.ndarray,
    fixed_log_probability: float,
    fixed_z: np.ndarray,
    log_threshold: float,
    charge_tol: float = 1e-6,
    forbidden_z: np.ndarray | None = None,
) -> SubstitutionSet:
    """All charge-conserving substitution maps of one seed above a probability threshold.

    Parameters
    ----------
    model : SubstitutionModel
    old_species : ndarray of int64, shape (m,)
        Model index of each substitutable species of the seed.
    amounts : ndarray of float, shape (m,)
        Occupancy-weighted amount of each substitutable species per cell.
    fixed_log_probability : float
        Log-probability contributed by the species that stay (``log P(s | s)`` of the carrier ion).
    fixed_z : ndarray of int64
        Elements that stay in the structure (carrier, species outside the model): no substitute may
        be one of them, so that two sites never merge into one species.
    log_threshold : float
        Maps with a lower log-probability are not returned.
    charge_tol : float
        Largest allowed change of the net charge per cell.
    forbidden_z : ndarray of int64, optional
        Elements never introduced.

    Returns
    -------
    SubstitutionSet
        Maps in which at least one species changes, every substitute is a different element, the net
        charge is conserved, ordered by decreasing probability (ties: enumeration order).
    """
    m = len(old_species)
    log_cond = model.log_cond
    banned = np.isin(model.z, fixed_z)
    if forbidden_z is not None:
        banned |= np.isin(model.z, forbidden_z)
    columns = log_cond[:, old_species].T.copy()  # (m, S): log P(new | old_i)
    columns[:, banned] = -np.inf
    columns[np.arange(m), old_species] = log_cond[old_species, old_species]  # keeping is allowed
    best = columns.max(axis=1)
    best_rest = np.concatenate([np.cumsum(best[::-1])[::-1], [0.0]])  # best_rest[i] = sum best[i:]
    maps = np.zeros((1, 0), dtype=np.int64)
    logp = np.array([fixed_log_probability])
    for i in range(m):
        bound = log_threshold - best_rest[i + 1]
        options = np.flatnonzero(columns[i] + fixed_log_probability + best[:i].sum() >= bound)
        trial = logp[:, None] + columns[i, options][None, :]
        rows, cols = np.nonzero(trial >= bound)
        maps = np.concatenate([maps[rows], options[cols, None]], axis=1)
        logp = trial[rows, cols]
    if m == 0 or len(logp) == 0:
        return SubstitutionSet(np.zeros((0, m), dtype=np.int64), np.zeros(0))
    new_z = model.z[maps]
    keep = (maps != old_species[None, :]).any(axis=1)
    for a in range(m):
        for b in range(a + 1, m):
            keep &= new_z[:, a] != new_z[:, b]
    delta = ((model.charge[maps] - model.charge[old_species][None, :]) * amounts[None, :]).sum(1)
    keep &= np.abs(delta) <= charge_tol
    maps, logp = maps[keep], logp[keep]
    order = np.argsort(-logp, kind="stable")
    return SubstitutionSet(maps[order], logp[order])


@cache
def _ionic_radius(z: int, charge: float) -> float:
    from pymatgen.core import Species

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "No ionic radius for ...": the NaN says it
            radius = Species(ELEMENT_SYMBOLS[z], charge).ionic_radius
    except Exception:  # noqa: BLE001 - pymatgen raises several kinds for unknown radii
        return float("nan")
    return float(radius) if radius is not None else float("nan")


def ionic_volume_scale(
    amounts: np.ndarray,
    old_z: np.ndarray,
    old_charge: np.ndarray,
    new_z: np.ndarray,
    new_charge: np.ndarray,
) -> float:
    """Isotropic lattice scale ``(sum n r_new^3 / sum n r_old^3)^(1/3)`` from Shannon ionic radii.

    Species without a radius keep their old one (no change); without any old radius the scale is 1.
    """
    old = np.array(
        [_ionic_radius(int(z), float(q)) for z, q in zip(old_z, old_charge, strict=True)]
    )
    new = np.array(
        [_ionic_radius(int(z), float(q)) for z, q in zip(new_z, new_charge, strict=True)]
    )
    new = np.where(np.isnan(new), old, new)
    known = ~np.isnan(old)
    if not known.any():
        return 1.0
    ratio = (amounts[known] * new[known] ** 3).sum() / (amounts[known] * old[known] ** 3).sum()
    return float(ratio ** (1 / 3))


def substitute_packed(
    seeds: PackedStructures,
    seed_index: np.ndarray,
    old_z: list[np.ndarray],
    new_z: list[np.ndarray],
    new_charge: list[np.ndarray],
    lattice_scale: np.ndarray,
    ids: tuple[str, ...],
) -> PackedStructures:
    """Candidates as packed arrays: seed ``seed_index[k]`` with element ``old_z[k][e]`` replaced.

    The seed's arrays are tiled once per candidate and the species are replaced in the occupancy CSR
    arrays, so partially occupied sites keep their fractions; ``occ_oxidation`` gets ``new_charge``
    (NaN for occupants not listed in ``old_z[k]``, which must be sorted). Fractional coordinates are
    kept and each lattice is multiplied by ``lattice_scale[k]``.
    """
    tiled = seeds.take(np.asarray(seed_index, dtype=np.int64))
    occ_species = tiled.occ_species.copy()
    occ_oxidation = np.full(len(occ_species), np.nan)
    bounds = tiled.occ_offsets[tiled.site_offsets]
    for k in range(len(tiled)):
        lo, hi = bounds[k], bounds[k + 1]
        old = occ_species[lo:hi]
        slot = np.minimum(np.searchsorted(old_z[k], old), len(old_z[k]) - 1)
        found = old_z[k][slot] == old
        occ_species[lo:hi] = np.where(found, new_z[k][slot], old)
        occ_oxidation[lo:hi] = np.where(found, new_charge[k][slot], np.nan)
    return PackedStructures(
        lattice=tiled.lattice * np.asarray(lattice_scale, dtype=float)[:, None, None],
        site_offsets=tiled.site_offsets,
        frac_coords=tiled.frac_coords,
        occ_offsets=tiled.occ_offsets,
        occ_species=occ_species,
        occ_fraction=tiled.occ_fraction,
        occ_oxidation=occ_oxidation,
        ids=tuple(ids),
    )
