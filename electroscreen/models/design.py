"""Row selection on model inputs ("designs"): descriptor matrices or packed structures."""

from __future__ import annotations

import numpy as np

from electroscreen.data.packed import PackedStructures

__all__ = ["n_rows", "take_rows"]


def take_rows(design: object, rows: np.ndarray) -> object:
    """``design[rows]`` for a matrix, ``design.take(rows)`` for packed structures.

    ``None`` (a batch in which no row had a structure) stays ``None`` when no row is asked for.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if design is None:
        if len(rows):
            raise IndexError(f"{len(rows)} rows asked of an empty design")
        return None
    if isinstance(design, PackedStructures):
        return design.take(rows)
    if hasattr(design, "take") and not isinstance(design, np.ndarray):
        return design.take(rows)
    return np.asarray(design)[rows]


def n_rows(design: object) -> int:
    """Number of rows (structures) in a design."""
    return len(design)
