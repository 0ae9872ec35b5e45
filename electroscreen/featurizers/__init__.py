"""Numba-accelerated composition and structure descriptors. Imports ``electroscreen.data`` only."""

from electroscreen.featurizers.bvse import BVSE
from electroscreen.featurizers.composition import ElementPropertyStats
from electroscreen.featurizers.electrolyte import ElectrolyteComposition
from electroscreen.featurizers.hsab_pairs import HSABPairing
from electroscreen.featurizers.neighbors import NeighborList, neighbor_list
from electroscreen.featurizers.reactivity import AirReactivity
from electroscreen.featurizers.registry import FEATURIZERS, featurize_table, make_featurizer
from electroscreen.featurizers.structure import StructureDescriptors

__all__ = [
    "BVSE",
    "FEATURIZERS",
    "AirReactivity",
    "ElectrolyteComposition",
    "ElementPropertyStats",
    "HSABPairing",
    "NeighborList",
    "StructureDescriptors",
    "featurize_table",
    "make_featurizer",
    "neighbor_list",
]
