"""Symmetry images of a CIF's atom-site rows, read from its text (the site cap of
:func:`~electroscreen.data.headers.cif_blocks`): ``x, y, z`` style operations parsed into affine
arrays, and the number of distinct positions they make of the rows, without building a structure.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["SITE_DECIMALS", "orbit_count", "symmetry_operations"]

#: Rounding (in fractional units) under which two symmetry images count as one site.
SITE_DECIMALS = 3


def symmetry_operations(matrix_rows: list[str]) -> np.ndarray | None:
    """Affine (S, 3, 4) arrays of ``x, y, z`` style operations, or None when one is not understood."""
    ops = []
    for text in matrix_rows:
        parts = text.strip("'\"").lower().replace(" ", "").split(",")
        if len(parts) != 3:
            return None
        op = np.zeros((3, 4))
        for row, expr in enumerate(parts):
            for sign, coeff, var in re.findall(r"([+-]?)(\d*\.?\d*/?\d*)\*?([xyz]?)", expr):
                if not coeff and not var:
                    continue
                value = _fraction(coeff) if coeff else 1.0
                if value is None:
                    return None
                value = -value if sign == "-" else value
                col = "xyz".index(var) if var else 3
                op[row, col] += value
        ops.append(op)
    return np.array(ops) if ops else None


def _fraction(text: str) -> float | None:
    try:
        if "/" in text:
            num, den = text.split("/")
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


def orbit_count(coords: np.ndarray, ops: np.ndarray) -> int:
    """Number of distinct positions (mod 1, rounded) the operations make of all rows' coordinates.

    Rows at one position (the species of a mixed site) count once, as pymatgen merges them into one
    disordered site.
    """
    codes = []
    for start in range(0, len(coords), 2048):  # (rows, ops, 3) in slices: memory stays small
        part = coords[start : start + 2048]
        images = np.einsum("sij,rj->rsi", ops[:, :, :3], part) + ops[:, :, 3]
        keys = np.round(images % 1.0, SITE_DECIMALS) % 1.0
        keys = np.round(keys * 10**SITE_DECIMALS).astype(np.int64)
        codes.append(((keys[..., 0] * 1_000_003 + keys[..., 1]) * 1_000_003 + keys[..., 2]).ravel())
    return len(np.unique(np.concatenate(codes))) if codes else 0
