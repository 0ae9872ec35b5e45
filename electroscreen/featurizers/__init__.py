"""Numba-accelerated composition and structure descriptors. Imports ``electroscreen.data`` only."""

from electroscreen.featurizers.composition import ElementPropertyStats
from electroscreen.featurizers.electrolyte import ElectrolyteComposition

__all__ = ["ElectrolyteComposition", "ElementPropertyStats"]
