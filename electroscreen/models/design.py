"""Row selection on model inputs ("designs"): descriptor matrices or packed structures."""

from __future__ import annotations

import numpy as np

from electroscreen.data.packed import PackedStructures

__all__ = ["n_rows", "take_rows"]


def take_rows(design: object, rows: np.ndarray) -> object:
    """``design[rows]`` for a matrix, ``design.take(rows)`` for packed structures."""
    rows = np.asarray(rows, dtype=np.int64)
    if isinstance(design, PackedStructures):
        return design.take(rows)
    if hasattr(design, "take") and not isinstance(design, np.ndarray):
        return design.take(rows)
    return np.asarray(design)[rows]


def n_rows(design: object) -> int:
    """Number of rows (structures) in a design."""
    return len(design)
