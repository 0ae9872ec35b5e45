"""Atomic fractions of sets of chemically similar elements: what an element shares with its siblings.

A model that reads only :class:`~electroscreen.featurizers.composition.element_fractions.ElementFractions`
learns each element on its own: what the rows holding Er teach it says nothing about Ho, Dy or Tm,
whose chlorides are isostructural with Li3ErCl6. :class:`ElementGroupFractions` adds one column per
set in :data:`ELEMENT_GROUPS`, the summed atomic fraction of the set's elements, so a tree can split
on "trivalent rare earth" or "heavy halide" as well as on one element. The sets are few and each is
argued in :data:`ELEMENT_GROUPS`; an element in no set (Li, the carrier; H, Be, O, F, N, P, C, ...)
is seen through its own element fraction only.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.featurizers.base import CompositionFeaturizer
from electroscreen.featurizers.elements import MAX_Z

__all__ = ["ELEMENT_GROUPS", "ElementGroupFractions", "group_fractions"]

_RARE_EARTHS = ("Sc", "Y") + tuple(ELEMENT_SYMBOLS[57:72])  # La..Lu

#: Name -> (elements, why they go together). The one home of these sets.
ELEMENT_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "alkali": (("Na", "K", "Rb", "Cs"), "heavier alkali cations (Li, the carrier, kept apart)"),
    "alkaline_earth": (("Mg", "Ca", "Sr", "Ba"), "M2+ cations (Be apart: small, tetrahedral)"),
    "rare_earth": (_RARE_EARTHS, "trivalent rare earths, Sc Y La-Lu: near radii, one chemistry"),
    "group4": (("Ti", "Zr", "Hf"), "group 4, M4+"),
    "group5": (("V", "Nb", "Ta"), "group 5, M5+"),
    "group13": (("B", "Al", "Ga", "In", "Tl"), "group 13, M3+"),
    "group14": (("Si", "Ge", "Sn", "Pb"), "group 14: tetrahedral thio- and oxo-anion formers"),
    "pnictogen": (("As", "Sb", "Bi"), "heavier pnictogens (P apart: PS4 / PO4 its own chemistry)"),
    "chalcogen": (("S", "Se", "Te"), "soft chalcogen anions (O apart)"),
    "heavy_halide": (("Cl", "Br", "I"), "soft halide anions (F apart)"),
    "late_3d": (
        ("Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn"),
        "3d metals in no set above (Sc, Ti, V are)",
    ),
}

_CITATION = (
    "Groups of the periodic table (IUPAC); Shannon, R. D. Revised effective ionic radii. "
    "Acta Crystallogr. A 32, 751-767 (1976)"
)


def _group_of_z() -> np.ndarray:
    """Shape (MAX_Z + 1,): the group index of element ``Z`` (order of :data:`ELEMENT_GROUPS`), or
    the number of groups for an element in none."""
    index = {s: z for z, s in enumerate(ELEMENT_SYMBOLS)}
    out = np.full(MAX_Z + 1, len(ELEMENT_GROUPS), dtype=np.int64)
    for g, (elements, _) in enumerate(ELEMENT_GROUPS.values()):
        out[[index[s] for s in elements]] = g
    return out


_GROUP_OF_Z = _group_of_z()


def group_fractions(offsets: np.ndarray, z: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Summed atomic fraction of each set of :data:`ELEMENT_GROUPS` in a packed batch.

    Parameters
    ----------
    offsets : ndarray of int64, shape (N + 1,)
    z : ndarray of int64, shape (K,)
        Atomic numbers (1..103).
    amount : ndarray of float64, shape (K,)
        Amount per formula unit.

    Returns
    -------
    ndarray, shape (N, G)
        Column ``g`` (in the order of :data:`ELEMENT_GROUPS`): the sum of the atomic fractions of
        the group's elements, in [0, 1]; a row with no atoms is NaN.
    """
    n, groups = len(offsets) - 1, len(ELEMENT_GROUPS)
    row = np.repeat(np.arange(n), np.diff(offsets))
    amount = np.asarray(amount, dtype=np.float64)
    largest = np.zeros(n)
    np.maximum.at(largest, row, amount)
    scaled = amount / np.where(largest > 0, largest, 1.0)[row]  # no overflow for amounts near 1e308
    # sums over the row's own entries in formula order: one row never changes another, and
    # Li3ErCl6 and Li3HoCl6 get the same values to the last bit
    sums = np.zeros((n, groups + 1))
    np.add.at(sums, (row, _GROUP_OF_Z[np.asarray(z)]), scaled)
    total = np.zeros(n)
    np.add.at(total, row, scaled)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums[:, :groups] / total[:, None]
    out[total <= 0] = np.nan
    return out


class ElementGroupFractions(CompositionFeaturizer):
    """Atomic fraction of each set of similar elements (``gfrac_<group>``, :data:`ELEMENT_GROUPS`).

    Meant beside ``element_fractions`` (``featurizers: [element_fractions, element_group_fractions]``).

    Examples
    --------
    >>> x = ElementGroupFractions().transform(["Li3ErCl6", "Li3HoBr6"])
    >>> names = list(ElementGroupFractions().get_feature_names_out())
    >>> [round(float(v), 4) for v in x[:, names.index("gfrac_rare_earth")]]
    [0.1, 0.1]
    >>> [round(float(v), 4) for v in x[:, names.index("gfrac_heavy_halide")]]
    [0.6, 0.6]
    """

    feature_table = [(f"gfrac_{name}", "atomic fraction", _CITATION) for name in ELEMENT_GROUPS]

    def citations(self) -> list[str]:
        """Reference of the element sets."""
        return [_CITATION]

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return group_fractions(packed.offsets, packed.z, packed.amount)
