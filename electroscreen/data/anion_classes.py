"""The anion class of a composition: chalcogenide, halide, oxide or other.

One coarse chemical fact that any candidate has, from its element set alone: the class decides how
a conductivity model errs on a family it has not seen (sulfide and halide families are predicted
worse than oxide ones), so the conformal calibration widens or narrows intervals by it
(:class:`~electroscreen.models.uncertainty.ConformalRegressor`, ``scale="learned_anion"``).

The class is the anion group with the largest amount per formula unit among the chalcogens (S, Se,
Te), the halogens (F, Cl, Br, I) and O, ties going to the first of that order; a composition with
none of them is "other" (nitrides, hydrides, borohydrides, and a row without elements). So
Li6PS5Cl is a chalcogenide, LiNbOCl4 a halide, Li6PO5Cl and LLTO with 0.02 F oxides, Li3OCl (one
O, one Cl) a halide. Rule ``"first"``, before 2026-12-07, named the first group present in that
order, so any trace of a halogen made a halide (29 of the 46 family-CV "halides" of the default
conductivity model were doped oxides and oxyhalides); a model fitted before keeps it
(``CandidatePredictor.anion_rule_``).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.segments import segment_any, segment_sum

__all__ = ["ANION_CLASSES", "ANION_RULE", "ANION_RULES", "anion_classes"]

#: Names of the classes, indexed by the codes :func:`anion_classes` returns.
ANION_CLASSES = ("chalcogenide", "halide", "oxide", "other")
#: Atomic numbers that decide the classes, in the order of :data:`ANION_CLASSES` (ties: first wins).
_DECIDING_ELEMENTS = ((16, 34, 52), (9, 17, 35, 53), (8,))
#: The rules: the group of largest amount (``"majority"``), or the first group present (``"first"``,
#: the rule of models fitted before 2026-12-07).
ANION_RULES = ("majority", "first")
#: The rule a model fitted now uses.
ANION_RULE = "majority"


def anion_classes(packed: PackedCompositions, rule: str = ANION_RULE) -> np.ndarray:
    """Per row, the code of its anion class (an index into :data:`ANION_CLASSES`), shape (N,) int8.

    Parameters
    ----------
    packed : PackedCompositions
        The compositions (amounts per formula unit; any multiple gives the same class).
    rule : {"majority", "first"}
        :data:`ANION_RULES` (module docstring).

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> packed = pack_compositions(["Li6PS5Cl", "Li3InCl6", "Li7La3Zr2O12", "Li3N", "Li6PO5Cl"])
    >>> [ANION_CLASSES[c] for c in anion_classes(packed)]
    ['chalcogenide', 'halide', 'oxide', 'other', 'oxide']
    >>> [ANION_CLASSES[c] for c in anion_classes(packed, rule="first")][-1]
    'halide'
    """
    if rule not in ANION_RULES:
        raise ValueError(f"anion rule {rule!r} is not one of {ANION_RULES}")
    z = np.asarray(packed.z, dtype=np.int64)
    other = len(ANION_CLASSES) - 1
    if rule == "majority":
        amount = np.asarray(packed.amount, dtype=np.float64)
        totals = np.column_stack(
            [segment_sum(np.where(np.isin(z, e), amount, 0.0), packed.offsets)
             for e in _DECIDING_ELEMENTS]
        )  # fmt: skip
        codes = np.argmax(totals, axis=1).astype(np.int8)  # ties: the first group
        codes[~(totals > 0).any(axis=1)] = other
        return codes
    codes = np.full(len(packed), other, dtype=np.int8)
    undecided = np.ones(len(packed), dtype=bool)
    for code, elements in enumerate(_DECIDING_ELEMENTS):
        holds = segment_any(np.isin(z, elements), packed.offsets) & undecided
        codes[holds] = code
        undecided &= ~holds
    return codes
