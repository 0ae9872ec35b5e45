"""Limits on what a reader accepts, and the status a structure gets past them (a light module: the
CLI imports it for its defaults).

The text pre-checks (:mod:`~electroscreen.data.headers`), the structure checks
(:mod:`~electroscreen.data.validation`) and the screening filters word a limit's failure with the
functions here, so one limit reads the same wherever it is caught.
"""

from __future__ import annotations

import math

__all__ = [
    "DEFAULT_MAX_SITES",
    "DEFAULT_MAX_VOLUME",
    "DEFAULT_MIN_DISTANCE",
    "MIN_VOLUME",
    "sites_problem",
    "volume_problem",
]

#: Structures with more sites than this are rejected as ``too_many_sites`` when read.
DEFAULT_MAX_SITES = 5000
#: Sites closer than this (Angstrom) whose occupancies add up to more than one overlap.
DEFAULT_MIN_DISTANCE = 0.5
#: Largest cell volume (cubic Angstrom) screened: a 58 A cube. Neighbour searches cost memory in
#: proportion to the volume, so an 8-atom cell of 300 A would take gigabytes.
DEFAULT_MAX_VOLUME = 2.0e5
#: Smallest cell volume (cubic Angstrom) that is a cell and not a degenerate lattice.
MIN_VOLUME = 1e-3


def _at(where: str) -> str:
    return f" ({where})" if where else ""


def volume_problem(volume: float, max_volume: float, where: str = "") -> tuple[str, str] | None:
    """``bad_lattice`` for a volume (A^3) that is not finite or not above :data:`MIN_VOLUME`,
    ``cell_too_large`` above ``max_volume``; ``None`` inside. ``where`` names what was read."""
    if not (math.isfinite(volume) and volume > MIN_VOLUME):
        return "bad_lattice", f"cell volume {volume:.3g} A^3 is not positive and finite{_at(where)}"
    if volume > max_volume:
        return "cell_too_large", (
            f"cell volume {volume:.3g} A^3 exceeds max_volume={max_volume:g}{_at(where)}"
        )
    return None


def sites_problem(n_sites: int, max_sites: int, where: str = "") -> tuple[str, str] | None:
    """``too_many_sites`` when ``n_sites`` exceeds ``max_sites``; ``None`` otherwise."""
    if n_sites > max_sites:
        return "too_many_sites", f"{n_sites} sites exceeds max_sites={max_sites}{_at(where)}"
    return None
