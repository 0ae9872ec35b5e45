"""HSAB descriptors of cation-anion pairing: why Sn-, Sb- and As-thio compounds resist moisture.

A hard acid (small, highly charged cation such as P5+) bound to a soft base (S2-) is a mismatched
pair that trades its sulfide for oxide or hydroxide when water comes (hydrolysis, H2S); softer
framework cations (Sn4+, Sb5+, As5+ have far lower absolute hardness than P5+) make better-matched
thio frameworks (Pearson 1963; Sahu et al., Energy Environ. Sci. 7, 1053 (2014) on Li3AsS4/Li4SnS4).

Oxidation states come from :func:`electroscreen.data.oxidation.assign_oxidation_states`. Framework
cations are the positive ions other than the carrier (the most abundant of Li, Na, K, Mg) and H+.
Qualitative classes: :mod:`electroscreen.featurizers.composition.hsab` (Pearson 1963, anions by analogy);
absolute hardness ``eta = (I - A)/2``: :func:`electroscreen.featurizers.elements.absolute_hardness_table`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.base import ProblemCodeFeaturizer
from electroscreen.featurizers.composition.electrolyte import CARRIER_IONS, _oxidation_arrays
from electroscreen.featurizers.composition.hsab import (
    HSAB_CITATIONS,
    PARR_PEARSON_1983,
    PEARSON_1963,
    PEARSON_1988,
)
from electroscreen.featurizers.elements import (
    OXIDATION_OFFSET,
    absolute_hardness_table,
    hsab_softness_table,
)

__all__ = ["HSABPairing", "hsab_pairing_kernel"]

_CLASSES = f"{PEARSON_1963}; O2- hard and S2-/Se2-/Te2- soft by analogy (see hsab.HSAB_SOURCES)"
_HARDNESS = f"{PARR_PEARSON_1983}; {PEARSON_1988}"
_FEATURES: list[tuple[str, str, str]] = [
    ("hsab_framework_hard_fraction", "fraction of framework cations", _CLASSES),
    ("hsab_framework_borderline_fraction", "fraction of framework cations", _CLASSES),
    ("hsab_framework_soft_fraction", "fraction of framework cations", _CLASSES),
    ("hsab_framework_unclassified_fraction", "fraction of framework cations", _CLASSES),
    ("hsab_anion_hard_fraction", "fraction of anions", _CLASSES),
    ("hsab_anion_borderline_fraction", "fraction of anions", _CLASSES),
    ("hsab_anion_soft_fraction", "fraction of anions", _CLASSES),
    ("hsab_pair_mismatch", "0-1 (class softness difference)", _CLASSES),
    ("hsab_hard_acid_soft_base", "fraction of classified pairs", _CLASSES),
    ("max_framework_cation_hardness", "eV", _HARDNESS),
    ("max_pair_hardness_difference", "eV", _HARDNESS),
]
_PROBLEMS = (OK, "no_oxidation_state", "no_anion", "no_framework_cation")


@njit(cache=True)
def _pairing_row(offsets, z, amount, oxidation, carrier_z, softness, hardness, i, out, problem):
    lo = offsets[i]
    hi = offsets[i + 1]
    if lo == hi:
        return
    if np.isnan(oxidation[lo]):
        problem[i] = 1
        return
    carrier = 0
    best = 0.0
    for c in range(carrier_z.shape[0]):
        count = 0.0
        for k in range(lo, hi):
            if z[k] == carrier_z[c] and oxidation[k] > 0:
                count += amount[k]
        if count > best:
            best = count
            carrier = carrier_z[c]
    cat_w = 0.0
    an_w = 0.0
    cls_cat = np.zeros(4)
    cls_an = np.zeros(4)
    eta_an = 0.0
    eta_an_w = 0.0
    max_eta = np.nan
    for k in range(lo, hi):
        ox = int(np.floor(oxidation[k] + 0.5))
        j = min(max(ox, -OXIDATION_OFFSET), OXIDATION_OFFSET) + OXIDATION_OFFSET
        s = softness[z[k], j]
        slot = 3 if np.isnan(s) else int(s * 2.0 + 0.5)
        if oxidation[k] < 0:
            an_w += amount[k]
            cls_an[slot] += amount[k]
            eta = hardness[z[k], j]
            if not np.isnan(eta):
                eta_an += amount[k] * eta
                eta_an_w += amount[k]
        elif oxidation[k] > 0 and z[k] != carrier and z[k] != 1:
            cat_w += amount[k]
            cls_cat[slot] += amount[k]
            eta = hardness[z[k], j]
            if not np.isnan(eta) and (np.isnan(max_eta) or eta > max_eta):
                max_eta = eta
    if an_w <= 0.0:
        problem[i] = 2
        return
    for c in range(3):
        out[i, 4 + c] = cls_an[c] / an_w
    if cat_w <= 0.0:
        problem[i] = 3
        return
    for c in range(4):
        out[i, c] = cls_cat[c] / cat_w
    # class pairs, weighted by the product of amounts
    pair_w = 0.0
    mismatch = 0.0
    hard_soft = 0.0
    for a in range(3):
        for c in range(3):
            w = cls_cat[c] * cls_an[a]
            pair_w += w
            mismatch += w * abs(c - a) * 0.5
            if c == 0 and a == 2:
                hard_soft += w
    if pair_w > 0.0:
        out[i, 7] = mismatch / pair_w
        out[i, 8] = hard_soft / pair_w
    out[i, 9] = max_eta
    if eta_an_w > 0.0:
        out[i, 10] = max_eta - eta_an / eta_an_w


@njit(cache=True, parallel=True)
def hsab_pairing_kernel(
    offsets: np.ndarray,
    z: np.ndarray,
    amount: np.ndarray,
    oxidation: np.ndarray,
    carrier_z: np.ndarray,
    softness: np.ndarray,
    hardness: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """HSAB pairing descriptors of CSR-packed compositions with one oxidation state per entry.

    ``softness`` and ``hardness`` are (Zmax + 1, 17) tables indexed ``[Z, charge + 8]`` (class
    softness hard 0 / borderline 0.5 / soft 1 / NaN unlisted; absolute hardness in eV). Returns the
    (N, 11) values and a problem code per row (index into the status codes; 0 = ok).
    """
    n = offsets.shape[0] - 1
    out = np.full((n, 11), np.nan)
    problem = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        _pairing_row(offsets, z, amount, oxidation, carrier_z, softness, hardness, i, out, problem)
    return out, problem


class HSABPairing(ProblemCodeFeaturizer):
    """Hard/soft acid-base pairing of framework cations with anions (11 features).

    * ``hsab_framework_{hard,borderline,soft,unclassified}_fraction``: Pearson class of the
      framework cations (amount-weighted); ``unclassified`` = ions Pearson does not list (P5+,
      Ge4+, Sb5+ ...), which the hardness features below still cover.
    * ``hsab_anion_{hard,borderline,soft}_fraction``: the same for anions.
    * ``hsab_pair_mismatch``: mean class-softness difference over classified cation-anion pairs
      (weights = product of amounts); 0 = all pairs matched (hard-hard, soft-soft), 1 = all hard-soft.
    * ``hsab_hard_acid_soft_base``: share of those pairs that are hard acid + soft base.
    * ``max_framework_cation_hardness``: largest absolute hardness of a framework cation (eV;
      P5+ ~78 eV against Sn4+ ~18, Sb5+ ~22, As5+ ~29 eV).
    * ``max_pair_hardness_difference``: that minus the amount-weighted anion hardness (eV).

    Status per row: ``ok``, ``no_oxidation_state``, ``no_anion`` or ``no_framework_cation`` (the
    first that applies; the features that are still defined keep their values).

    Examples
    --------
    >>> values = HSABPairing().transform(["Li3PS4", "Li4SnS4"])
    >>> bool(values[0, 9] > values[1, 9])  # P5+ is a much harder acid than Sn4+
    True
    """

    feature_table = _FEATURES
    problem_statuses = _PROBLEMS

    def citations(self) -> list[str]:
        """References of the hard/soft acid-base scales (:data:`HSAB_CITATIONS`)."""
        return list(HSAB_CITATIONS)

    def _run(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        ions, oxidation, _, _ = _oxidation_arrays(packed)
        return hsab_pairing_kernel(
            ions.offsets,
            ions.z,
            ions.amount,
            oxidation,
            np.asarray([SYMBOL_TO_Z[s] for s in CARRIER_IONS], dtype=np.int64),
            hsab_softness_table(),
            absolute_hardness_table(),
        )
