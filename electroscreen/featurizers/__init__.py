"""Numba-accelerated composition and structure descriptors. Imports ``electroscreen.data`` only."""

from electroscreen.featurizers.bvse.barriers import BVSE
from electroscreen.featurizers.bvse.plausibility import BondValenceGII
from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition
from electroscreen.featurizers.composition.hsab_pairs import HSABPairing
from electroscreen.featurizers.composition.magpie import ElementPropertyStats
from electroscreen.featurizers.registry import FEATURIZERS, featurize_table, make_featurizer
from electroscreen.featurizers.structure.descriptors import StructureDescriptors
from electroscreen.featurizers.structure.neighbors import NeighborList, neighbor_list
from electroscreen.featurizers.thermo.reactivity import AirReactivity

__all__ = [
    "BVSE",
    "BondValenceGII",
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
