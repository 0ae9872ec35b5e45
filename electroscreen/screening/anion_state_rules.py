"""Two state rules of ``screen``'s pre-filters on carbon and on anion formers in odd negative states.

Both read the states the charge balance assigned (or a structure's own), as the other rules of
:mod:`~electroscreen.screening.state_rules` do, and catch what a formula typo balances into: ``Cl``
pasted from a PDF as ``CI`` (capital i) or typed ``C1`` becomes carbon plus iodine, or carbon alone.

- :func:`carbon_cations` (``anion_former_as_cation``): carbon is a cation in an ionic solid as C4+
  (carbonate, thiocarbonate, cyanamide, thiocyanate) and, bonded to O or N, in the lower states of
  oxalate (C3+), formate and cyanide (C2+). A lower positive carbon beside sulfide, selenide,
  telluride or a halide only is no compound: ``Li6PS5CI`` balances as Li6PCS5I with C2+ and P3+,
  ``Li3PS4C`` as C2+.
- :func:`rare_anion_states` (:data:`~electroscreen.data.rare_states.RARE_OXIDATION_STATE`, the
  status ``generate`` gives a candidate that needs a rare state): a composition that balances only
  with anion states no solid combines.

  - a carbide other than C4- (``Li6PS5C1`` balances as Li6PCS5 with C-1) beside another anion:
    C-1 is the acetylide C2 2- of Li2C2 and CaC2, whose only anion it is;
  - a pnictide (P, As or Sb negative) beside a per-chalcogenide (O, S, Se or Te above -2):
    ``Li3PS4Si`` balances as Si4+, P3- and S- (a persulfide oxidises a phosphide);
  - an anion state of P, As, Sb, S, Se or Te that is rare (:func:`~electroscreen.data.rare_states.
    is_rare_state`) and that the composition needs: no balance without rare states
    (:func:`~electroscreen.data.rare_states.rare_state_needed`, ``generate``'s rule; P4+ of
    Li4P2S6 is a cation state and stays).

Carbon is not judged in a composition with hydrogen: there its formal state counts covalent C-H
bonds (carboranes such as LiCB11H12, C-4 among hydridic H; organic adducts such as OBELiX's
LiCl·C3H7NO, C-1). Nitrogen's rare states (N-2 in the LiBON glass Li3.09BO2.53N0.52 and in that
adduct) are not judged either. Over OBELiX, Liverpool and the air labels these rules reject two
Liverpool formulas only, both transcriptions that balance with no usual states
(``tests/screening/test_anion_state_rules.py``).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.oxidation import PackedOxidation
from electroscreen.data.rare_states import is_rare_state, rare_state_needed, state_frequency
from electroscreen.data.segments import segment_any, segment_ids

__all__ = [
    "CARBON_LOWER_CATION_LIGANDS",
    "PER_CHALCOGENIDES",
    "PNICTOGENS",
    "RARE_ANION_FORMERS",
    "carbon_cations",
    "rare_anion_states",
]

#: The anions a carbon below C4+ may be bonded to (oxalate, formate, cyanide).
CARBON_LOWER_CATION_LIGANDS = ("O", "N")
#: Pnictogens whose negative state is a pnictide (a reductant).
PNICTOGENS = ("P", "As", "Sb")
#: Chalcogens whose negative state above -2 is a per-chalcogenide (an oxidant): O2 2-, S2 2- ...
PER_CHALCOGENIDES = ("O", "S", "Se", "Te")
#: Anion formers whose rare negative states the last clause of :func:`rare_anion_states` judges.
RARE_ANION_FORMERS = ("P", "As", "Sb", "S", "Se", "Te")
_TOL = 0.05  # as state_rules.D0_TOLERANCE: rounded occupancies sit a few 1e-4 e off
_CARBON = SYMBOL_TO_Z["C"]
_HYDROGEN = SYMBOL_TO_Z["H"]


def _row(
    packed: PackedCompositions, oxidation: PackedOxidation, row: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One row's symbols, amounts and states."""
    lo, hi = packed.offsets[row], packed.offsets[row + 1]
    symbols = [ELEMENT_SYMBOLS[z] for z in packed.z[lo:hi]]
    return symbols, packed.amount[lo:hi], oxidation.states[lo:hi]


def _judged_carbon(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per entry: carbon with a state, in a composition without hydrogen."""
    hydrogen = segment_any(packed.z == _HYDROGEN, packed.offsets)
    carbon = (packed.z == _CARBON) & np.isfinite(oxidation.states)
    return carbon & ~hydrogen[segment_ids(packed.offsets)]


def carbon_cations(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per row: ``""``, or why its carbon's positive state below C4+ is no compound (no O or N
    among its anions, :data:`CARBON_LOWER_CATION_LIGANDS`), object array of shape (N,)."""
    out = np.full(len(packed), "", dtype=object)
    low = _judged_carbon(packed, oxidation) & (oxidation.states > 0)
    low &= oxidation.states < 4 - _TOL
    for row in np.flatnonzero(segment_any(low, packed.offsets)):
        symbols, _, states = _row(packed, oxidation, row)
        anions = sorted({el for el, q in zip(symbols, states, strict=True) if q < 0})
        if set(anions) & set(CARBON_LOWER_CATION_LIGANDS):
            continue
        q = states[symbols.index("C")]
        out[row] = (
            f"C{q:+.2f} beside {', '.join(anions)}: carbon is a cation only as C4+ (carbonate, "
            "thiocarbonate) or, bonded to O or N, as in oxalate, formate and cyanide; "
            f"{_assignment(symbols, states)}"
        )
    return out


def rare_anion_states(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per row: ``""``, or the anion state no solid combines with the others that its balance
    needs (the module's three clauses, in order), object array of shape (N,)."""
    out = np.full(len(packed), "", dtype=object)
    states = oxidation.states
    z = packed.z
    carbide = _judged_carbon(packed, oxidation) & (states < 0) & (states > -4 + _TOL)
    pnictide = np.isin(z, _numbers(PNICTOGENS)) & (states < 0)
    per = np.isin(z, _numbers(PER_CHALCOGENIDES)) & (states < 0) & (states > -2 + _TOL)
    integer = np.abs(states - np.round(states)) <= 1e-6  # NaN compares False
    depth = np.where(integer & (states < 0), -np.round(np.nan_to_num(states)), 0).astype(np.int64)
    rare = _rare_anion_table()[z, np.minimum(depth, _DEEPEST)]
    offsets = packed.offsets
    suspects = (
        segment_any(carbide, offsets)
        | (segment_any(pnictide, offsets) & segment_any(per, offsets))
        | segment_any(rare, offsets)
    )
    for row in np.flatnonzero(suspects):
        out[row] = _rare_anion_message(packed, oxidation, row)
    return out


def _rare_anion_message(packed: PackedCompositions, oxidation: PackedOxidation, row: int) -> str:
    symbols, amounts, states = _row(packed, oxidation, row)
    anions = [el for el, q in zip(symbols, states, strict=True) if q < 0]
    if "C" in symbols and "H" not in symbols:
        q = states[symbols.index("C")]
        others = [el for el in anions if el != "C"]
        if -4 + _TOL < q < 0 and others:
            share = 100 * state_frequency("C", int(round(q))) if abs(q - round(q)) < 1e-6 else None
            found = f" ({share:.1f} % of C's ICSD entries)" if share is not None else ""
            return (
                f"C{q:+.2f}{found} beside {', '.join(others)}: a carbide is C4- or, as the only "
                f"anion, the acetylide C2 2- (Li2C2); {_assignment(symbols, states)}"
            )
    pnictides = [el for el, q in zip(symbols, states, strict=True) if el in PNICTOGENS and q < 0]
    pers = [
        el for el, q in zip(symbols, states, strict=True)
        if el in PER_CHALCOGENIDES and -2 + _TOL < q < 0
    ]  # fmt: skip
    if pnictides and pers:
        p, s = pnictides[0], pers[0]
        return (
            f"{_label(symbols, states, p)} (a pnictide) beside {_label(symbols, states, s)} "
            f"(a per-chalcogenide, which oxidises it): no solid holds both; "
            f"{_assignment(symbols, states)}"
        )
    amounts_of = dict(zip(symbols, amounts.tolist(), strict=True))
    needed = rare_state_needed(amounts_of)
    if needed is None or needed.state > 0 or needed.symbol not in RARE_ANION_FORMERS:
        return ""
    return f"{needed.message} (no balance without it); {_assignment(symbols, states)}"


def _label(symbols: list[str], states: np.ndarray, symbol: str) -> str:
    return f"{symbol}{states[symbols.index(symbol)]:+.2f}"


def _assignment(symbols: list[str], states: np.ndarray) -> str:
    """``the balance reads Li+1 P+3 S-2 C+2 I-1``: the row's whole assignment."""
    shown = " ".join(f"{el}{q:+.4g}" for el, q in zip(symbols, states, strict=True))
    return f"the balance reads {shown}"


#: The deepest anion state :func:`_rare_anion_table` lists (-8; deeper states count as -8).
_DEEPEST = 8


@cache
def _rare_anion_table() -> np.ndarray:
    """``[z, -state]``: whether that negative integer state of a :data:`RARE_ANION_FORMERS`
    element is rare (:func:`~electroscreen.data.rare_states.is_rare_state`), bool array of shape
    (number of elements, 9); column 0 (no negative state) is False."""
    table = np.zeros((len(ELEMENT_SYMBOLS), _DEEPEST + 1), dtype=bool)
    for symbol in RARE_ANION_FORMERS:
        for depth in range(1, _DEEPEST + 1):
            table[SYMBOL_TO_Z[symbol], depth] = is_rare_state(symbol, -depth)
    return table


def _numbers(symbols: tuple[str, ...]) -> np.ndarray:
    return np.array([SYMBOL_TO_Z[s] for s in symbols], dtype=np.int64)
