"""Element property tables: Magpie properties, Shannon radii, Pearson hardness, HSAB classes.

Everything here is read from the CSV files in ``electroscreen/featurizers/data/`` (built by
``scripts/build_element_table.py``; sources in ``data/README.md``) and returned as NumPy arrays indexed
by atomic number, so Numba kernels can take them as plain arguments. Index 0 is a placeholder (NaN);
rows run to Z = 103, matching :data:`electroscreen.data.formula.ELEMENT_SYMBOLS`. Ion tables have a
second axis for the oxidation state: column ``ox + 8`` for ``ox`` in -8..8.

Returned arrays are cached and read-only; copy them before modifying.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.formula import MAX_Z
from electroscreen.featurizers.composition.hsab import HSAB_CLASSES, HSAB_SOFTNESS, hsab_class

__all__ = [
    "MAGPIE_PROPERTIES",
    "MAX_Z",
    "N_OXIDATION",
    "OXIDATION_OFFSET",
    "absolute_hardness",
    "absolute_hardness_table",
    "element_property",
    "element_property_names",
    "hsab_class",
    "hsab_softness_table",
    "ionic_radius",
    "ionic_radius_table",
    "magpie_table",
    "shannon_coordinations",
    "shannon_ionic_radius",
    "shannon_radii",
]

DATA_DIR = Path(__file__).parent / "data"
#: Oxidation-state axis of ion tables: column ``ox + OXIDATION_OFFSET``.
OXIDATION_OFFSET = 8
N_OXIDATION = 2 * OXIDATION_OFFSET + 1

#: The 22 elemental properties of matminer's ``ElementProperty.from_preset("magpie")``, in its order.
MAGPIE_PROPERTIES: tuple[str, ...] = (
    "Number",
    "MendeleevNumber",
    "AtomicWeight",
    "MeltingT",
    "Column",
    "Row",
    "CovalentRadius",
    "Electronegativity",
    "NsValence",
    "NpValence",
    "NdValence",
    "NfValence",
    "NValence",
    "NsUnfilled",
    "NpUnfilled",
    "NdUnfilled",
    "NfUnfilled",
    "NUnfilled",
    "GSvolume_pa",
    "GSbandgap",
    "GSmagmom",
    "SpaceGroupNumber",
)


def _frozen(values: np.ndarray) -> np.ndarray:
    values = np.ascontiguousarray(values, dtype=np.float64)
    values.setflags(write=False)
    return values


@cache
def _element_frame() -> pd.DataFrame:
    """All rows of ``elements.csv`` (Z = 1..118), floats read back exactly."""
    return pd.read_csv(DATA_DIR / "elements.csv", float_precision="round_trip").set_index("Z")


def element_property_names() -> tuple[str, ...]:
    """Names accepted by :func:`element_property`: Magpie table names and pymatgen columns."""
    return tuple(c for c in _element_frame().columns if c != "symbol")


@cache
def element_property(name: str, impute_nan: bool = False) -> np.ndarray:
    """One elemental property for Z = 0..103.

    Parameters
    ----------
    name : str
        A Magpie table name (``"Electronegativity"``, ``"GSvolume_pa"``, ... see
        :data:`MAGPIE_PROPERTIES`) or a pymatgen column (``"pauling_electronegativity"``,
        ``"atomic_mass"``, ``"electron_affinity"``, ``"ionization_energy_1"`` .. ``_9``).
    impute_nan : bool
        Replace missing values by the mean over all elements Z = 1..118 that have one, as matminer's
        ``MagpieData(impute_nan=True)`` does.

    Returns
    -------
    ndarray of float64, shape (104,)
        Indexed by atomic number; NaN where unknown (and at index 0).

    Examples
    --------
    >>> float(element_property("Electronegativity")[3])  # Li
    0.98
    """
    frame = _element_frame()
    if name not in frame.columns or name == "symbol":
        raise KeyError(f"unknown element property {name!r}; see element_property_names()")
    column = frame[name].to_numpy(dtype=np.float64)
    if impute_nan:
        column = np.where(np.isnan(column), np.nanmean(column), column)
    values = np.full(MAX_Z + 1, np.nan)
    values[1:] = column[:MAX_Z]
    return _frozen(values)


@cache
def magpie_table(impute_nan: bool = False) -> np.ndarray:
    """The 22 Magpie properties as one (104, 22) array, columns in :data:`MAGPIE_PROPERTIES` order."""
    return _frozen(np.stack([element_property(p, impute_nan) for p in MAGPIE_PROPERTIES], axis=1))


@cache
def shannon_radii() -> pd.DataFrame:
    """Shannon (1976) radii: one row per (Z, oxidation, coordination, spin), radii in Angstrom."""
    frame = pd.read_csv(DATA_DIR / "shannon_radii.csv", keep_default_na=False, na_values=[""])
    frame["spin"] = frame["spin"].fillna("")
    return frame


@cache
def shannon_ionic_radius(symbol: str, charge: float, coordination: int) -> float:
    """Shannon's effective ionic radius (A) of ``symbol`` at ``charge`` and the listed coordination
    number nearest ``coordination`` (ties: the lower; square-planar and pyramidal entries count as
    their number); of two spin states, or a regular and a square-planar entry, the smaller radius.

    NaN for a non-integer charge or an ion Shannon does not list. Cached per (symbol, charge,
    coordination): ``generate`` asks for the same few thousand ions many times.

    Examples
    --------
    >>> shannon_ionic_radius("Ge", 4, 4), shannon_ionic_radius("Zr", 4, 4)
    (0.39, 0.59)
    """
    listed = shannon_coordinations(symbol, charge)
    if not listed:
        return float("nan")
    best = min(listed, key=lambda n: (abs(n - coordination), n))
    return _ionic_radii(symbol, int(round(charge)))[best]


def shannon_coordinations(symbol: str, charge: float) -> tuple[int, ...]:
    """The coordination numbers Shannon lists an ionic radius for (sorted; empty for a
    non-integer charge or an unlisted ion): ``("Sb", 5)`` -> ``(6,)``."""
    if not abs(charge - round(charge)) <= 1e-6:
        return ()
    return tuple(sorted(_ionic_radii(symbol, int(round(charge)))))


@cache
def _ionic_radii(symbol: str, charge: int) -> dict[int, float]:
    """Coordination number -> the smallest listed ionic radius of the ion at it."""
    frame = shannon_radii()
    rows = frame[(frame["symbol"] == symbol) & (frame["oxidation"] == charge)]
    rows = rows[rows["ionic_radius"].notna()]
    return rows.groupby("coordination_number")["ionic_radius"].min().astype(float).to_dict()


def _pick_radius(rows: pd.DataFrame, column: str) -> float:
    """Six-fold coordination, else the nearest coordination (lower on ties); high spin first."""
    distance = (rows["coordination_number"] - 6).abs() * 2 + (rows["coordination_number"] > 6)
    square_or_pyramid = rows["coordination"].str.endswith(("SQ", "PY"))
    low_spin = rows["spin"] == "Low Spin"
    order = np.lexsort((low_spin.to_numpy(), square_or_pyramid.to_numpy(), distance.to_numpy()))
    return float(rows[column].to_numpy()[order[0]])


@cache
def ionic_radius_table(kind: str = "ionic") -> np.ndarray:
    """Shannon radii for every (Z, integer oxidation state), shape (104, 17), column ``ox + 8``.

    Parameters
    ----------
    kind : {"ionic", "crystal"}
        Shannon's effective ionic radii (O2- = 1.40 A) or crystal radii (O2- = 1.26 A, the values
        pymatgen's ``Species.ionic_radius`` returns).

    Notes
    -----
    One radius per ion: six-fold coordination when Shannon lists it, else the listed coordination
    nearest to six (the lower one on ties, regular before square-planar/pyramidal), high spin before
    low spin. NaN where Shannon lists no radius for the ion.
    """
    if kind not in ("ionic", "crystal"):
        raise ValueError(f"kind must be 'ionic' or 'crystal', got {kind!r}")
    column = f"{kind}_radius"
    table = np.full((MAX_Z + 1, N_OXIDATION), np.nan)
    frame = shannon_radii()
    frame = frame[(frame["Z"] <= MAX_Z) & (frame["oxidation"].abs() <= OXIDATION_OFFSET)]
    for (z, ox), rows in frame.groupby(["Z", "oxidation"]):
        table[z, ox + OXIDATION_OFFSET] = _pick_radius(rows, column)
    return _frozen(table)


def _ion_index(z: int, oxidation: float) -> tuple[int, int] | None:
    """Table indices of (Z, nearest integer state), or None outside the table."""
    if oxidation != oxidation or not 1 <= int(z) <= MAX_Z:
        return None
    ox = int(np.floor(oxidation + 0.5))  # nearest integer, halves round up (Fe2.5+ -> Fe3+)
    if abs(ox) > OXIDATION_OFFSET:
        return None
    return int(z), ox + OXIDATION_OFFSET


def ionic_radius(z: int, oxidation: float, kind: str = "ionic") -> float:
    """Shannon radius (Angstrom) of element ``z`` in the nearest integer oxidation state.

    NaN when Shannon lists no radius for that ion. See :func:`ionic_radius_table` for which
    coordination is used.

    Examples
    --------
    >>> ionic_radius(3, 1), ionic_radius(8, -2), ionic_radius(8, -2, kind="crystal")
    (0.76, 1.4, 1.26)
    """
    index = _ion_index(z, oxidation)
    return float("nan") if index is None else float(ionic_radius_table(kind)[index])


@cache
def absolute_hardness_table() -> np.ndarray:
    """Pearson absolute hardness (eV) of every (Z, charge), shape (104, 17), column ``charge + 8``.

    ``eta = (I - A) / 2`` (Parr & Pearson 1983) with the ionization energies and electron affinity
    of the NIST Atomic Spectra Database (via pymatgen):

    * cation M^n+: ``I`` is the (n+1)-th and ``A`` the n-th ionization energy of M
      (Li+ 35.1, Mg2+ 32.5, Al3+ 45.8 eV, as in Pearson, Inorg. Chem. 27, 734 (1988), Table I);
    * neutral atom: ``I`` the first ionization energy, ``A`` the electron affinity;
    * anion X^n-: the neutral atom's value, as Pearson (1988) does because ``A`` of an anion is not
      measurable (F- 7.0, Cl- 4.7, Br- 4.2, I- 3.7 eV).

    NaN where an energy is missing (H+, which has no electron, included).
    """
    energies = np.stack(
        [element_property(f"ionization_energy_{i}") for i in range(1, 10)], axis=1
    )  # (104, 9): column k is the (k+1)-th ionization energy
    affinity = element_property("electron_affinity")
    atom = 0.5 * (energies[:, 0] - affinity)
    table = np.full((MAX_Z + 1, N_OXIDATION), np.nan)
    table[:, OXIDATION_OFFSET] = atom
    table[:, :OXIDATION_OFFSET] = atom[:, None]
    for n in range(1, OXIDATION_OFFSET + 1):
        table[:, OXIDATION_OFFSET + n] = 0.5 * (energies[:, n] - energies[:, n - 1])
    return _frozen(table)


def absolute_hardness(z: int, charge: float) -> float:
    """Pearson absolute hardness (eV) of element ``z`` with the nearest integer charge.

    Examples
    --------
    >>> round(absolute_hardness(3, 1), 1), round(absolute_hardness(9, -1), 1)
    (35.1, 7.0)
    """
    index = _ion_index(z, charge)
    return float("nan") if index is None else float(absolute_hardness_table()[index])


@cache
def hsab_softness_table() -> np.ndarray:
    """Pearson HSAB class as a number per (Z, charge): hard 0, borderline 0.5, soft 1, NaN unlisted.

    Shape (104, 17), column ``charge + 8``; classes and sources in :mod:`electroscreen.featurizers.composition.hsab`.
    """
    from electroscreen.data.formula import SYMBOL_TO_Z

    table = np.full((MAX_Z + 1, N_OXIDATION), np.nan)
    for (symbol, charge), cls in HSAB_CLASSES.items():
        table[SYMBOL_TO_Z[symbol], charge + OXIDATION_OFFSET] = HSAB_SOFTNESS[cls]
    return _frozen(table)
