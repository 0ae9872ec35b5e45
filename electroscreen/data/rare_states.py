"""Rare oxidation states: the states a chemist would not give an element in a new compound.

An element's state is *rare* when it is not one of pymatgen's ``common_oxidation_states`` of the
element **and** it makes up less than :data:`RARE_STATE_FREQUENCY` (5 %) of the element's entries
in the ICSD bond-valence statistics pymatgen ships (its penalty ``-ln p`` in
:func:`~electroscreen.data.oxidation.element_oxidation_states` is above ``-ln 0.05``, about 3.0).
Sn3+ (3.0 % of Sn entries, found only in mixed-valence compounds) and Ge3+ (4.6 %) are rare: Sn
and Ge are +2 or +4. Ti3+ (14.5 %, Li3TiCl6), Zr3+ (6.6 %) and Sc2+ (7.4 %) are not; Ti2+ (4.7 %),
V2+ (3.6 %), In2+, Nb2+ and Ta3+ are, and so are the anion states S- (persulfide), N- and N2-, and
P4+ (hypodiphosphate). :func:`rare_state_table` lists what the rule gives for any elements.

:func:`rare_state_needed` is the check ``electroscreen generate`` applies to a generated candidate
(:mod:`~electroscreen.screening.candidate_valence`): a candidate that balances only with a rare
state is rejected, one whose own states hold none, or that also balances without the rare states
(the search run again with them excluded, not only its winner inspected), is kept.
The featurizers' oxidation states do not use this rule; ``screen``'s filters use it for anion
states only (:mod:`~electroscreen.screening.anion_state_rules`: S- beside a phosphide, a rare P-),
since real compounds take rare cation states (P4+ in Li4P2S6, V2+ in Li2VCl4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pymatgen.core.periodic_table import Element

from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.data.oxidation import (
    OxidationResult,
    assign_oxidation_states,
    element_oxidation_states,
    is_known_valence,
)

__all__ = [
    "RARE_OXIDATION_STATE",
    "RARE_STATE_FREQUENCY",
    "RareState",
    "is_rare_state",
    "rare_state_needed",
    "rare_state_table",
    "rare_states",
    "state_frequency",
]

#: The status of a composition that needs a rare state: a candidate ``generate`` drops (its count
#: key), a row ``screen``'s filters reject (:mod:`~electroscreen.screening.anion_state_rules`).
RARE_OXIDATION_STATE = "rare_oxidation_state"
#: Below this fraction of an element's ICSD entries, a state that is not one of the element's
#: common states is rare (the one threshold of the rule).
RARE_STATE_FREQUENCY = 0.05


def state_frequency(symbol: str, state: int) -> float:
    """The state's share of the element's ICSD entries, ``exp(-penalty)``
    (:func:`~electroscreen.data.oxidation.element_oxidation_states`); 0 for a state not listed."""
    penalty = dict(element_oxidation_states(symbol)).get(int(state))
    return float(np.exp(-penalty)) if penalty is not None else 0.0


@cache
def is_rare_state(symbol: str, state: int) -> bool:
    """Whether ``state`` (an integer state the element is listed with) is rare: not a common
    state of the element and below :data:`RARE_STATE_FREQUENCY` of its ICSD entries."""
    state = int(state)
    if state in Element(symbol).common_oxidation_states:
        return False
    listed = dict(element_oxidation_states(symbol))
    return state in listed and listed[state] > -np.log(RARE_STATE_FREQUENCY)


@cache
def rare_states() -> frozenset[tuple[str, int]]:
    """Every ``(symbol, state)`` the rule calls rare, over the whole periodic table."""
    return frozenset(
        (symbol, state)
        for symbol in ELEMENT_SYMBOLS[1:]
        for state, _ in element_oxidation_states(symbol)
        if is_rare_state(symbol, state)
    )


@dataclass(frozen=True)
class RareState:
    """A rare state a composition's charge balance needs: ``symbol`` in ``state``."""

    symbol: str
    state: int

    @property
    def label(self) -> str:
        """``Sn3+``, ``S-`` style: the species."""
        magnitude = "" if abs(self.state) == 1 else str(abs(self.state))
        return f"{self.symbol}{magnitude}{'+' if self.state > 0 else '-'}"

    @property
    def message(self) -> str:
        """``needs Sn3+, a state found in under 5 % of Sn compounds in the ICSD statistics
        (3.0 %); Sn is +2 or +4``: the state, its frequency and the element's usual states of
        that sign (its states that are not rare)."""
        el = self.symbol
        usual = sorted(
            s for s, _ in element_oxidation_states(el)
            if np.sign(s) == np.sign(self.state) and not is_rare_state(el, s)
        )  # fmt: skip
        shown = [f"{s:+d}" for s in usual]
        usual_text = (
            f"; {el} is {', '.join(shown[:-1])} or {shown[-1]}" if len(shown) > 1
            else f"; {el} is {shown[0]}" if shown
            else ""
        )  # fmt: skip
        return (
            f"needs {self.label}, a state found in under {100 * RARE_STATE_FREQUENCY:g} % of {el} "
            f"compounds in the ICSD statistics ({100 * state_frequency(el, self.state):.1f} %)"
            f"{usual_text}"
        )


def rare_state_needed(
    amounts: Mapping[str, float],
    oxidation: OxidationResult | None = None,
    allowed: Iterable[tuple[str, int]] = (),
    proposed: Mapping[str, float] | None = None,
    tol: float = 0.01,
) -> RareState | None:
    """The rare state a balanced composition needs, or ``None`` when it balances without one.

    Parameters
    ----------
    amounts : mapping
        Element symbol to amount, as :func:`~electroscreen.data.oxidation.assign_oxidation_states`
        takes them (a composition it balances).
    oxidation : OxidationResult, optional
        Their assignment, when the caller has it (computed otherwise).
    allowed : iterable of (str, int)
        Rare states that count as usual here (``generate``: the states the seed itself takes, a
        real compound that has them, such as P4+ in Li4P2S6).
    proposed : mapping, optional
        A balanced assignment the caller knows, whose signs are the elements' roles (``generate``:
        the seed's states with the substitution map's species, ``Sn3+`` for ``In3+``): the
        composition is judged in that ionic picture, each element a cation or an anion as there.
    tol : float
        The balance tolerance of the assignment (a fraction of the positive charge).

    Returns
    -------
    RareState or None
        ``None`` when ``proposed`` (else the lowest-penalty assignment) uses only states the
        elements have and no rare one; or when the search with every rare state (but
        ``allowed``) excluded, and with ``proposed`` each element's states of the other sign too,
        still balances with states the elements have: integer states, or a mixed valence of an
        element that ``proposed`` (else the assignment) already has mixed and that is no rare state
        within ``tol``. ``Li3Sn1.015Cl6`` without Sn3+ balances only as Sn2.956, a mix of Sn2+
        and Sn4+ on the one In site, which Sn3+ balances as well: it needs Sn3+; without the
        roles, ``LiSn2GeSe5`` would balance as a germanide perselenide (Ge-4, Se-1). Otherwise the
        rare state of ``proposed``, else of the assignment (the first in its order), else, for a
        mixed valence only a rare state reaches (Ti2.5 between Ti2+ and Ti3+), that element's rare
        state nearest it.
    """
    allowed = frozenset((el, int(q)) for el, q in allowed)
    amounts = dict(amounts)
    if oxidation is None:
        oxidation = assign_oxidation_states(amounts, tol)
    roles: set[tuple[str, int]] = set()
    named = None
    if proposed is not None:
        guess = OxidationResult(dict(proposed), 0.0, "ok")
        named = _rare_in(guess, allowed, amounts, tol)
        if named is None and all(is_known_valence(el, q) for el, q in guess.states.items()):
            return None
        roles = {
            (el, s) for el, q in guess.states.items()
            for s, _ in element_oxidation_states(el) if np.sign(s) != np.sign(q)
        }  # fmt: skip
    found = _rare_in(oxidation, allowed, amounts, tol)
    if named is None and found is None and not oxidation.mixed_valence:
        return None  # every state usual (with proposed: a state no rule here names)
    # a mixed valence counts only for an element the known assignment has mixed (the seed's
    # Ti3.83 in an LLTO): P4.5 between P3+ and P5+ is no alternative to V2+ in Li4VP2O8
    known = proposed if proposed is not None else oxidation.states
    mixable = {el for el, q in known.items() if abs(q - round(q)) > 1e-6}
    common = assign_oxidation_states(amounts, tol, exclude=(rare_states() - allowed) | roles)
    sensible = (
        common.ok
        and all(is_known_valence(el, q) for el, q in common.states.items())
        and (not common.mixed_valence or common.mixed_valence in mixable)
    )
    if sensible and _rare_in(common, allowed, amounts, tol) is None:
        return None
    if named is not None or found is not None:
        return named or found
    el = oxidation.mixed_valence
    target = oxidation.states.get(el, 0.0)
    candidates = [s for s, _ in element_oxidation_states(el) if (el, s) in rare_states() - allowed]
    if not candidates:
        return None  # no rare state of that element to name: not this rule's rejection
    return RareState(el, min(candidates, key=lambda s: (abs(s - target), s)))


def _rare_in(
    oxidation: OxidationResult,
    allowed: frozenset[tuple[str, int]],
    amounts: dict[str, float],
    tol: float,
) -> RareState | None:
    """The first state of the assignment that is a rare integer state and not ``allowed``; the
    mixed valence counts as the rare state nearest it when that state balances too (its
    difference times the element's amount within ``tol`` of the positive charge)."""
    positive = sum(max(q, 0.0) * amounts.get(el, 0.0) for el, q in oxidation.states.items())
    for el, q in oxidation.states.items():
        state = int(round(q))
        off = abs(q - state)
        near = off <= 1e-6 or (
            el == oxidation.mixed_valence and off * amounts.get(el, 0.0) <= tol * positive
        )
        if state != 0 and near and (el, state) not in allowed and is_rare_state(el, state):
            return RareState(el, state)
    return None


def rare_state_table(symbols: Iterable[str]) -> pd.DataFrame:
    """Every listed state of the given elements with the rule's inputs and verdict.

    Columns ``element, state, frequency, penalty, common, rare``: one row per state
    :func:`~electroscreen.data.oxidation.element_oxidation_states` lists (most frequent first
    within an element), ``rare`` what :func:`is_rare_state` says.
    """
    rows = [
        {
            "element": el,
            "state": state,
            "frequency": state_frequency(el, state),
            "penalty": penalty,
            "common": state in Element(el).common_oxidation_states,
            "rare": is_rare_state(el, state),
        }
        for el in symbols
        for state, penalty in element_oxidation_states(el)
    ]
    return pd.DataFrame(
        rows, columns=["element", "state", "frequency", "penalty", "common", "rare"]
    )
