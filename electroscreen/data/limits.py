"""Limits on what a reader accepts (a light module: the CLI imports it for its defaults)."""

__all__ = ["DEFAULT_MAX_SITES", "DEFAULT_MIN_DISTANCE"]

#: Structures with more sites than this are rejected as ``too_many_sites`` when read.
DEFAULT_MAX_SITES = 5000
#: Sites closer than this (Angstrom) whose occupancies add up to more than one overlap.
DEFAULT_MIN_DISTANCE = 0.5
