"""The anion class of a composition: chalcogenide, halide, oxide or other.

One coarse chemical fact that any candidate has, from its element set alone: the class decides how
a conductivity model errs on a family it has not seen (sulfide and halide families are predicted
worse than oxide ones), so the conformal calibration widens or narrows intervals by it
(:class:`~electroscreen.models.uncertainty.ConformalRegressor`, ``scale="learned_anion"``).

The first rule that holds names the class: a chalcogen (S, Se, Te) makes a chalcogenide (oxysulfides
included), else a halogen (F, Cl, Br, I) a halide (oxyhalides included), else O an oxide, else
"other" (nitrides, hydrides, borohydrides, and a row without elements).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.segments import segment_any

__all__ = ["ANION_CLASSES", "anion_classes"]

#: Names of the classes, indexed by the codes :func:`anion_classes` returns.
ANION_CLASSES = ("chalcogenide", "halide", "oxide", "other")
#: Atomic numbers that decide the classes, in the order of :data:`ANION_CLASSES` (first wins).
_DECIDING_ELEMENTS = ((16, 34, 52), (9, 17, 35, 53), (8,))


def anion_classes(packed: PackedCompositions) -> np.ndarray:
    """Per row, the code of its anion class (an index into :data:`ANION_CLASSES`), shape (N,) int8.

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> codes = anion_classes(pack_compositions(["Li6PS5Cl", "Li3InCl6", "Li7La3Zr2O12", "Li3N"]))
    >>> [ANION_CLASSES[c] for c in codes]
    ['chalcogenide', 'halide', 'oxide', 'other']
    """
    z = np.asarray(packed.z, dtype=np.int64)
    codes = np.full(len(packed), len(ANION_CLASSES) - 1, dtype=np.int8)
    undecided = np.ones(len(packed), dtype=bool)
    for code, elements in enumerate(_DECIDING_ELEMENTS):
        holds = segment_any(np.isin(z, elements), packed.offsets) & undecided
        codes[holds] = code
        undecided &= ~holds
    return codes
