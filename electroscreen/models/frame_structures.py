"""Structures given in a frame (CIF text, pymatgen objects, missing values) as parsed objects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from electroscreen.data.candidates import OK, STRUCTURE_PARSE_ERROR

__all__ = ["missing_value", "parse_structures"]


def missing_value(value: object) -> bool:
    """Whether a cell is empty: None, NaN or a blank string."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_structures(values: Sequence[object]) -> tuple[list[object], np.ndarray]:
    """Structures from CIF text / pymatgen Structures / missing values.

    Returns
    -------
    structures : list
        A pymatgen ``Structure`` or ``None`` per entry.
    status : ndarray of object
        ``"ok"``, ``"no_structure"`` (missing) or ``"structure_parse_error"``.
    """
    from pymatgen.core import Structure

    from electroscreen.data.readers import structure_from_text

    out: list[object] = []
    status = np.full(len(values), OK, dtype=object)
    for i, value in enumerate(values):
        if missing_value(value):
            out.append(None)
            status[i] = "no_structure"
        elif isinstance(value, Structure):
            out.append(value)
        else:
            try:
                out.append(structure_from_text(str(value), "cif")[0])
            except Exception:  # noqa: BLE001 - any parser failure is this row's status
                out.append(None)
                status[i] = STRUCTURE_PARSE_ERROR
    return out, status
