"""Experimental formation enthalpies as flat arrays, and the entries of each chemical system.

The table is pymatgen's compilation of 2,135 experimental standard formation enthalpies of solids
(``pymatgen/analysis/compatibility/exp_compounds.json.gz``, eV per formula unit; Kubaschewski and
NIST-JANAF, as used for MP2020, A. Wang et al., Sci. Rep. 11, 15496 (2021)), read at run time from the
installed pymatgen, plus the species it lacks (``data/enthalpies_extra.csv``: H2O, H2S, H2Se, CO2, NH3,
hydrogen halides, SO2, Li3PO4, Li4P2O7, the LiCl hydrates LiCl(H2O)n (n = 1-3, the hydration
channel of chlorides), P4S10 (the P(V) sulfide thiophosphates decompose to) and the rare-earth
tribromides measured by solution calorimetry (HoBr3, ErBr3, ...), each row with its source). Pure elements are the references
(0 eV). Formulas are parsed with :func:`electroscreen.data.formula.parse_formula`; pymatgen is only the
place the file lives.

Everything here is per atom: an entry is a composition as atom fractions and a formation enthalpy in
eV/atom, which is what the convex-hull kernels in :mod:`electroscreen.featurizers.thermo.hull` consume.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.hull import hull_decomposition

__all__ = [
    "EXP_TABLE_CITATION",
    "EXTRA_TABLE",
    "KJ_PER_MOL_PER_EV",
    "ChemicalSystem",
    "EnthalpyTable",
    "chemical_system",
    "composition_key",
    "element_bits",
    "enthalpy_table",
    "fraction_rows",
    "hull_phases",
    "system_composition",
]

KJ_PER_MOL_PER_EV = 96.4853
EXTRA_TABLE = Path(__file__).parents[1] / "data" / "enthalpies_extra.csv"
EXP_TABLE_CITATION = (
    "experimental formation enthalpies shipped with pymatgen "
    "(pymatgen/analysis/compatibility/exp_compounds.json.gz; Kubaschewski et al., Materials "
    "Thermochemistry (1993) and NIST-JANAF, compiled in A. Wang et al., Sci. Rep. 11, 15496 (2021), "
    "doi:10.1038/s41598-021-94550-5)"
)
WATER_PHASES = ("liquid", "gas")
_N_Z = len(ELEMENT_SYMBOLS)


@dataclass(frozen=True)
class EnthalpyTable:
    """All compounds with a known formation enthalpy (elements excluded).

    Attributes
    ----------
    names : ndarray of object (n,)
        Formula as written in the source.
    fractions : ndarray of float64 (n, 104)
        Atom fraction of each element (column = atomic number).
    energy : ndarray of float64 (n,)
        Formation enthalpy, eV/atom.
    atoms : ndarray of float64 (n,)
        Atoms per formula unit of ``names``.
    source : ndarray of object (n,)
    known : dict
        :func:`composition_key` -> index of the lowest-enthalpy entry with that composition.
    element_bits : ndarray of uint64 (n, 2)
        Which elements each entry contains, as a 128-bit set (:func:`element_bits`): finding a
        chemical system's entries is then two ANDs per entry instead of a column gather.
    """

    names: np.ndarray
    fractions: np.ndarray
    energy: np.ndarray
    atoms: np.ndarray
    source: np.ndarray
    known: dict[tuple, int]
    element_bits: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


def composition_key(z: np.ndarray | list[int], amount: np.ndarray | list[float]) -> tuple:
    """Hashable key of a composition up to scale: sorted ``(Z, atom fraction)`` rounded to 1e-6."""
    z = np.asarray(z, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    order = np.argsort(z)
    frac = amount[order] / amount.sum()
    return tuple((int(a), round(float(b), 6)) for a, b in zip(z[order], frac, strict=True) if b > 0)


def _exp_compounds_path() -> Path:
    # Located through the top-level package: importing pymatgen.analysis.compatibility itself
    # would cost seconds of imports (per process, so per Dask worker) for one data file.
    core = Path(str(files("pymatgen.core")))
    return core.parent / "analysis" / "compatibility" / "exp_compounds.json.gz"


@cache
def _raw_rows() -> tuple[tuple[str, float, str, str], ...]:
    """(formula, eV per formula unit, phase, source) of every compound, pymatgen's table first."""
    with gzip.open(_exp_compounds_path(), "rt") as handle:
        exp = json.load(handle)
    rows = [(e["formula"], float(e["exp energy"]), "solid", EXP_TABLE_CITATION) for e in exp]
    extra = pd.read_csv(EXTRA_TABLE)
    for row in extra.itertuples(index=False):
        rows.append(
            (row.formula, row.enthalpy_kj_per_mol / KJ_PER_MOL_PER_EV, row.phase, row.source)
        )
    return tuple(rows)


@njit(cache=True)
def element_bits(offsets: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Element set of each CSR composition (``z[offsets[i]:offsets[i + 1]]``) as 128 bits.

    Returns ``(n, 2)`` ``uint64``: bit ``Z % 64`` of word ``Z // 64`` is set when element ``Z`` is
    present. A set ``a`` lies inside ``b`` when ``a & ~b`` is zero in both words.
    """
    n = len(offsets) - 1
    bits = np.zeros((n, 2), dtype=np.uint64)
    for i in range(n):
        for j in range(offsets[i], offsets[i + 1]):
            bits[i, z[j] >> 6] |= np.uint64(1) << np.uint64(z[j] & 63)
    return bits


def fraction_rows(fractions: np.ndarray) -> PackedCompositions:
    """Rows of an (n, n_elements) atom-fraction matrix as PackedCompositions (elements ascending)."""
    row, z = np.nonzero(fractions > 0)
    n = fractions.shape[0]
    return PackedCompositions(
        offsets=np.searchsorted(row, np.arange(n + 1)).astype(np.int64),
        z=z.astype(np.int64),
        amount=fractions[row, z],
        status=np.full(n, OK, dtype=object),
        error=np.full(n, "", dtype=object),
    )


@lru_cache(maxsize=2)
def enthalpy_table(water: str = "liquid") -> EnthalpyTable:
    """The formation-enthalpy table with water as ``"liquid"`` or ``"gas"``.

    Species from ``enthalpies_extra.csv`` whose composition the pymatgen table already has are not
    added twice; only the water row of the chosen phase is used.
    """
    if water not in WATER_PHASES:
        raise ValueError(f"water must be one of {WATER_PHASES}, not {water!r}")
    names, fracs, energy, atoms, source = [], [], [], [], []
    known: dict[tuple, int] = {}
    n_exp = sum(1 for r in _raw_rows() if r[3] == EXP_TABLE_CITATION)
    for i, (formula, e_fu, phase, src) in enumerate(_raw_rows()):
        amounts = parse_formula(formula)
        if len(amounts) < 2:
            continue  # elements are the references
        if formula == "H2O" and phase != water:
            continue
        z = [SYMBOL_TO_Z[s] for s in amounts]
        n_atoms = float(sum(amounts.values()))
        key = composition_key(z, list(amounts.values()))
        if i >= n_exp and key in known:
            continue  # the pymatgen table has it
        row = np.zeros(_N_Z)
        for zz, a in zip(z, amounts.values(), strict=True):
            row[zz] += a / n_atoms
        index = len(names)
        if key not in known or e_fu / n_atoms < energy[known[key]]:
            known[key] = index
        names.append(formula)
        fracs.append(row)
        energy.append(e_fu / n_atoms)
        atoms.append(n_atoms)
        source.append(src)
    fractions = np.asarray(fracs)
    present = fraction_rows(fractions)
    return EnthalpyTable(
        names=np.asarray(names, dtype=object),
        fractions=fractions,
        element_bits=element_bits(present.offsets, present.z),
        energy=np.asarray(energy),
        atoms=np.asarray(atoms),
        source=np.asarray(source, dtype=object),
        known=known,
    )


@dataclass(frozen=True)
class ChemicalSystem:
    """The entries of one chemical system, ready for the hull kernels.

    The first ``len(elements)`` entries are the pure elements in the order of ``elements`` (their
    columns of ``matrix`` form an identity block, the simplex's starting basis).

    Attributes
    ----------
    elements : tuple of int
        Atomic numbers, sorted.
    matrix : ndarray of float64 (n_entries, n_elements)
        Atom fractions of each entry over ``elements``.
    energy : ndarray of float64 (n_entries,)
        Formation enthalpy, eV/atom (0 for elements).
    names : ndarray of object (n_entries,)
    atoms : ndarray of float64 (n_entries,)
        Atoms per formula unit of ``names``.
    table_index : ndarray of int64 (n_entries,)
        Row in :func:`enthalpy_table` (-1 for elements).
    """

    elements: tuple[int, ...]
    matrix: np.ndarray
    energy: np.ndarray
    names: np.ndarray
    atoms: np.ndarray
    table_index: np.ndarray

    def entry(self, name: str) -> int:
        """Index of the entry called ``name`` (-1 when absent)."""
        hits = np.flatnonzero(self.names == name)
        return int(hits[0]) if len(hits) else -1


@lru_cache(maxsize=32768)
def chemical_system(elements: tuple[int, ...], water: str = "liquid") -> ChemicalSystem:
    """Elements plus every tabulated compound made only of ``elements`` (cached per system)."""
    elements = tuple(sorted(set(elements)))
    table = enthalpy_table(water)
    inside = element_bits(np.array([0, len(elements)]), np.array(elements, dtype=np.int64))[0]
    bits = table.element_bits
    rows = np.flatnonzero(((bits[:, 0] & ~inside[0]) | (bits[:, 1] & ~inside[1])) == 0)
    d = len(elements)
    matrix = np.vstack([np.eye(d), table.fractions[rows][:, list(elements)]])
    return ChemicalSystem(
        elements=elements,
        matrix=np.ascontiguousarray(matrix),
        energy=np.concatenate([np.zeros(d), table.energy[rows]]),
        names=np.concatenate(
            [np.asarray([ELEMENT_SYMBOLS[z] for z in elements], dtype=object), table.names[rows]]
        ),
        atoms=np.concatenate([np.ones(d), table.atoms[rows]]),
        table_index=np.concatenate([np.full(d, -1), rows]).astype(np.int64),
    )


def system_composition(
    z: np.ndarray | list[int], amount: np.ndarray | list[float], water: str = "liquid"
) -> tuple[ChemicalSystem, np.ndarray]:
    """The chemical system of a composition and its amounts over the system's elements (summed
    over repeated elements, not normalised)."""
    z = np.asarray(z, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    system = chemical_system(tuple(sorted(set(z.tolist()))), water)
    comp = np.zeros(len(system.elements))
    for zz, a in zip(z, amount, strict=True):
        comp[system.elements.index(int(zz))] += a
    return system, comp


def hull_phases(
    z: np.ndarray | list[int], amount: np.ndarray | list[float], water: str = "liquid"
) -> list[tuple[str, float]]:
    """Equilibrium decomposition of a composition into tabulated compounds and elements.

    This is what the ``hull_decomposition`` approximation replaces an untabulated candidate by.
    A pure element among the phases means the table lacks a compound that would bind it (e.g.
    ``S`` for Li3PS4: P2S3 and P4S3 are tabulated, no P(V) sulfide; ``Y`` and ``Br`` for Li3YBr6: no
    Y-Br compound),
    so the approximated enthalpy is too high and the candidate looks more reactive than it is.

    Parameters
    ----------
    z, amount : array-like
        Atomic numbers and amounts (per formula unit as written).
    water : {"liquid", "gas"}

    Returns
    -------
    list of (name, formula units)
        Phases per formula unit of the input, largest amount first.

    Examples
    --------
    >>> hull_phases([3, 15, 16], [3, 1, 4])  # Li3PS4 -> 3/2 Li2S + 1/4 P4S10 (Li2S + P2S5)
    [('Li2S', 1.5), ('P4S10', 0.25)]
    """
    system, comp = system_composition(z, amount, water)
    total = comp.sum()
    idx = np.full(len(comp), -1, dtype=np.int64)
    amt = np.zeros(len(comp))
    hull_decomposition(system.matrix, system.energy, comp / total, idx, amt)
    phases = [
        (str(system.names[i]), round(float(a * total / system.atoms[i]), 6))
        for i, a in zip(idx, amt, strict=True)
        if i >= 0
    ]
    return sorted(phases, key=lambda t: -t[1])
