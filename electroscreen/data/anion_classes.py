"""The anion class of a composition: chalcogenide, halide, oxide, nitride, hydride or other.

One coarse chemical fact that any candidate has, from its composition alone: the class decides how
a conductivity model errs on a family it has not seen (sulfide and halide families are predicted
worse than oxide ones), so the conformal calibration widens or narrows intervals by it
(:class:`~electroscreen.models.uncertainty.ConformalRegressor`, ``scale="learned_anion"``), and
``screen`` warns about the ranked candidates of a class its model predicts poorly
(:mod:`electroscreen.screening.class_warnings`).

The class is the anion group with the largest amount (atoms) per formula unit among the chalcogens
(S, Se, Te), the halogens (F, Cl, Br, I), O, N as an anion and H as an anion, ties going to the
first of that order; a composition with none of them is "other" (phosphides, carbides, silicides,
and a row without elements). N and H count where the oxidation-state assignment
(:func:`~electroscreen.data.oxidation.oxidation_states_packed`) makes them negative: N3- of a
nitride, and of an amide or imide (NH2-, NH 2-: Li3N, LiNH2, Li2NH are nitrides), H- of a hydride
or complex hydride (LiH, LiBH4, LiAlH4, the closo-borates Li2B12H12 and LiCB11H12 are hydrides),
not the H+ of a hydroxide or an amide nor the N5+ of a nitrate. So Li6PS5Cl is a chalcogenide,
LiNbOCl4 a halide, Li6PO5Cl and LLTO with 0.02 F oxides, Li3OCl (one O, one Cl) a halide, LiPON an
oxide, Li7N2I and Li3(NH2)2I nitrides, Li4(BH4)3I a hydride (12 H- per I-, counted atom by atom as
the O of an oxoanion is). Like O in an oxoanion, a complex anion counts by its anion atoms: Li3OBH4
(4 H-, one O) is a hydride, Li5PS4(BH4)2 (8 H-, 4 S) too. The assignment gives each element one
state, so a borohydride-amide takes one sign for all its H: Li4(BH4)(NH2)3 (H +0.2) is a nitride,
Li2(BH4)(NH2) (H -0.33) a hydride.

Rules (a fitted model keeps the one it was fitted with, ``CandidatePredictor.anion_rule_``):
``"majority_nh"`` (this one, models fitted since it came, late on 2026-12-07); ``"majority"``
before it, the same without N and H, so nitride-halides and borohydride-iodides were halides
(Li4(BH4)3I, Li7N2I, Li3(NH2)2I) and a nitride or hydride without O, chalcogen or halogen was
"other"; ``"first"``, before the majority rule, named the first group present in that order, so
any trace of a halogen made a halide (29 of the 46 family-CV "halides" of the default conductivity
model were doped oxides and oxyhalides). "nitride" and "hydride" come after "other" in
:data:`ANION_CLASSES`, so the codes the older rules give keep their meaning in pickled models.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.segments import segment_any, segment_sum

__all__ = ["ANION_CLASSES", "ANION_RULE", "ANION_RULES", "anion_classes"]

#: Names of the classes, indexed by the codes :func:`anion_classes` returns (nitride and hydride
#: appended: the older rules' codes 0-3 keep their meaning).
ANION_CLASSES = ("chalcogenide", "halide", "oxide", "other", "nitride", "hydride")
#: Atomic numbers that decide the classes of every rule, with their codes (ties: first wins).
_DECIDING_ELEMENTS = ((16, 34, 52), (9, 17, 35, 53), (8,))
#: What rule ``"majority_nh"`` adds after them: N and H where their oxidation state is negative.
_NEGATIVE_ELEMENTS = (7, 1)
#: The class code of each group of ``"majority_nh"``, in order: chalcogen, halogen, O, N-, H-.
_MAJORITY_NH_CODES = np.array([0, 1, 2, 4, 5], dtype=np.int8)
#: The rules (module docstring): the group of largest amount with N3- and H- as anions
#: (``"majority_nh"``), without them (``"majority"``, models fitted on 2026-12-07 before it), or
#: the first group present (``"first"``, models fitted before that).
ANION_RULES = ("majority_nh", "majority", "first")
#: The rule a model fitted now uses.
ANION_RULE = "majority_nh"


def anion_classes(packed: PackedCompositions, rule: str = ANION_RULE) -> np.ndarray:
    """Per row, the code of its anion class (an index into :data:`ANION_CLASSES`), shape (N,) int8.

    Parameters
    ----------
    packed : PackedCompositions
        The compositions (amounts per formula unit; any multiple gives the same class).
    rule : {"majority_nh", "majority", "first"}
        :data:`ANION_RULES` (module docstring).

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> packed = pack_compositions(
    ...     ["Li6PS5Cl", "Li3InCl6", "Li7La3Zr2O12", "Li3N", "Li6PO5Cl", "Li4(BH4)3I", "Li2OHCl"]
    ... )
    >>> [ANION_CLASSES[c] for c in anion_classes(packed)]
    ['chalcogenide', 'halide', 'oxide', 'nitride', 'oxide', 'hydride', 'halide']
    >>> [ANION_CLASSES[c] for c in anion_classes(packed, rule="majority")][3:6]
    ['other', 'oxide', 'halide']
    >>> [ANION_CLASSES[c] for c in anion_classes(packed, rule="first")][4]
    'halide'
    """
    if rule not in ANION_RULES:
        raise ValueError(f"anion rule {rule!r} is not one of {ANION_RULES}")
    z = np.asarray(packed.z, dtype=np.int64)
    other = ANION_CLASSES.index("other")
    if rule == "first":
        codes = np.full(len(packed), other, dtype=np.int8)
        undecided = np.ones(len(packed), dtype=bool)
        for code, elements in enumerate(_DECIDING_ELEMENTS):
            holds = segment_any(np.isin(z, elements), packed.offsets) & undecided
            codes[holds] = code
            undecided &= ~holds
        return codes
    amount = np.asarray(packed.amount, dtype=np.float64)
    groups = [np.isin(z, elements) for elements in _DECIDING_ELEMENTS]
    if rule == "majority_nh":
        negative = _negative_entries(packed)
        groups += [(z == element) & negative for element in _NEGATIVE_ELEMENTS]
    totals = np.column_stack(
        [segment_sum(np.where(g, amount, 0.0), packed.offsets) for g in groups]
    )
    codes = _MAJORITY_NH_CODES[np.argmax(totals, axis=1)]  # ties: the first group
    codes[~(totals > 0).any(axis=1)] = other
    return codes


def _negative_entries(packed: PackedCompositions) -> np.ndarray:
    """Per element entry (shape (K,)): whether the oxidation-state assignment of its row gives it
    a negative state (computed for the rows holding N or H only; False where none is assigned)."""
    z = np.asarray(packed.z, dtype=np.int64)
    negative = np.zeros(len(z), dtype=bool)
    offsets = np.asarray(packed.offsets, dtype=np.int64)
    rows = np.flatnonzero(segment_any(np.isin(z, _NEGATIVE_ELEMENTS), offsets))
    if not len(rows):
        return negative
    states = oxidation_states_packed(packed.take(rows)).states
    counts = np.diff(offsets)[rows]
    starts = np.repeat(offsets[rows] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    negative[starts + np.arange(len(states))] = states < 0  # NaN (no state) is not negative
    return negative
