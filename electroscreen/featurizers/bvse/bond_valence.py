"""Bond-valence parameters ``R0, b`` of cation-anion pairs (Angstrom), for the bond-valence sums and
the global instability index of :mod:`electroscreen.featurizers.bvse.gii_kernels`.

Parameters (``R0, b``) of a cation-anion pair come from the first of these that has it:

1. ``"softbv"`` only (the default): the carrier pairs (Li+ and Na+ with each anion) take the softBV
   ``R0, b`` already shipped in ``featurizers/data/softbv_params.csv`` (H. Chen, L. L. Wong,
   S. Adams, *Acta Cryst.* B75, 18 (2019)), the set the BVSE barriers use.
2. Both sets (``"brese1991"`` uses only this, as :func:`pymatgen.analysis.bond_valence.calculate_bv_sum`
   does): ``R0`` estimated from Brese & O'Keeffe's element constants ``r, c`` (*Acta Cryst.* B47, 192
   (1991)) as ``R0 = r1 + r2 - r1 r2 (sqrt(c1) - sqrt(c2))^2 / (c1 r1 + c2 r2)``, with ``b`` = 0.37 A;
   the constants are read at run time from the copy pymatgen ships
   (``pymatgen/core/bvparam_1991.yaml``), not copied here.

I. D. Brown's accumulated table of fitted pairs (``bvparm2020.cif``) is not used: its licence allows
non-profit use only, which a BSD-3-Clause package cannot pass on (``featurizers/data/README.md``).
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources

import numpy as np
import yaml

from electroscreen.data.formula import SYMBOL_TO_Z

__all__ = [
    "BRESE_OKEEFFE_B",
    "PARAMETER_SETS",
    "brese_okeeffe_r0",
    "pair_tables",
]

#: Softness of the Brese-O'Keeffe parameters (Angstrom), the value their R0 were fitted with.
BRESE_OKEEFFE_B = 0.37
PARAMETER_SETS = ("softbv", "brese1991")
BRESE_OKEEFFE_CITATION = (
    "N. E. Brese, M. O'Keeffe, Bond-valence parameters for solids, Acta Cryst. B47, 192-197 "
    "(1991), doi:10.1107/S0108768190011041 (element constants r, c as shipped with pymatgen)"
)
SOFTBV_CITATION = (
    "H. Chen, L. L. Wong, S. Adams, SoftBV - a software tool for screening the materials genome "
    "of inorganic fast ion conductors, Acta Cryst. B75, 18-33 (2019), doi:10.1107/S2052520618015718"
)
GII_CITATION = (
    "A. Salinas-Sanchez, J. L. Garcia-Munoz, J. Rodriguez-Carvajal, R. Saez-Puche, J. L. Martinez, "
    "Structural characterization of R2BaCuO5 (R = Y, Lu, Yb, Tm, Er, Ho, Dy, Gd, Eu and Sm) oxides "
    "by X-ray and neutron diffraction, J. Solid State Chem. 100, 201-211 (1992) (global "
    "instability index)"
)


@cache
def _brese_okeeffe_constants() -> dict[int, tuple[float, float]]:
    """Atomic number -> ``(r, c)`` of Brese & O'Keeffe (1991), from pymatgen's copy."""
    path = resources.files("pymatgen.core") / "bvparam_1991.yaml"
    with path.open() as fh:
        table = yaml.safe_load(fh)
    return {SYMBOL_TO_Z[symbol]: (float(v["r"]), float(v["c"])) for symbol, v in table.items()}


def brese_okeeffe_r0(z1: int, z2: int) -> float:
    """Brese-O'Keeffe ``R0`` (Angstrom) of the element pair, NaN where an element has no constants."""
    constants = _brese_okeeffe_constants()
    if z1 not in constants or z2 not in constants:
        return math.nan
    r1, c1 = constants[z1]
    r2, c2 = constants[z2]
    return r1 + r2 - r1 * r2 * (math.sqrt(c1) - math.sqrt(c2)) ** 2 / (c1 * r1 + c2 * r2)


@cache
def _softbv_pairs() -> dict[tuple[int, int], tuple[float, float]]:
    """``(carrier Z, anion Z) -> (R0, b)`` of the shipped softBV table (Li+, Na+)."""
    from electroscreen.featurizers.bvse.energy import _parameter_table

    table = _parameter_table()
    rows = table[table["table"] == "morse"]
    return {
        (SYMBOL_TO_Z[r.mobile_ion], SYMBOL_TO_Z[r.element]): (float(r.r0), float(r.b))
        for r in rows.itertuples(index=False)
    }


def pair_tables(
    z: np.ndarray,
    valence: np.ndarray,
    parameters: str = "softbv",
    b: float = BRESE_OKEEFFE_B,
) -> tuple[np.ndarray, np.ndarray]:
    """``R0`` and ``b`` of every pair of ion types, for the kernels.

    Parameters
    ----------
    z, valence : ndarray of int64, shape (T,)
        Atomic number and (rounded) formal valence of each ion type; the kernels index the tables
        by position.
    parameters : {"softbv", "brese1991"}
        Parameter set (see the module docstring).
    b : float
        Softness (Angstrom) of the pairs estimated from Brese-O'Keeffe constants (0.37 as
        published; pymatgen's ``calculate_bv_sum`` uses 0.31).

    Returns
    -------
    r0, b : ndarray of float64, shape (T, T)
        Symmetric; NaN where a cation-anion pair has no parameters (pairs of the same sign are not
        bonds and are filled as if they were, harmlessly).
    """
    if parameters not in PARAMETER_SETS:
        raise ValueError(f"parameters must be one of {PARAMETER_SETS}, got {parameters!r}")
    n = len(z)
    r0 = np.full((n, n), np.nan)
    bb = np.full((n, n), float(b))
    softbv = _softbv_pairs() if parameters == "softbv" else {}
    for i in range(n):
        for j in range(i, n):
            (zc, qc), (za, _) = sorted(
                [(int(z[i]), int(valence[i])), (int(z[j]), int(valence[j]))], key=lambda t: -t[1]
            )
            pair = softbv.get((zc, za)) if qc == 1 else None
            value, softness = pair if pair else (brese_okeeffe_r0(zc, za), float(b))
            r0[i, j] = r0[j, i] = value
            bb[i, j] = bb[j, i] = softness
    return r0, bb
