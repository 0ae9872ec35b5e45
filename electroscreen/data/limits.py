"""Limits on what a reader accepts (a light module: the CLI imports it for its defaults)."""

__all__ = ["DEFAULT_MAX_SITES", "DEFAULT_MAX_VOLUME", "DEFAULT_MIN_DISTANCE"]

#: Structures with more sites than this are rejected as ``too_many_sites`` when read.
DEFAULT_MAX_SITES = 5000
#: Sites closer than this (Angstrom) whose occupancies add up to more than one overlap.
DEFAULT_MIN_DISTANCE = 0.5
#: Largest cell volume (cubic Angstrom) screened: a 58 A cube. Neighbour searches cost memory in
#: proportion to the volume, so an 8-atom cell of 300 A would take gigabytes.
DEFAULT_MAX_VOLUME = 2.0e5
