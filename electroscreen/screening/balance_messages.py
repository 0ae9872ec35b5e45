"""Why a composition is ``not_charge_balanced``, with the numbers: the total positive and negative
charge of the composition as checked (a structure's cell, a table's formula as written), so the
message shows which side is in excess (``+65.89 against -44 in Li45.888P4S20Br3Cl1``).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.carrier_balance import commonest_state
from electroscreen.data.formula import SYMBOL_TO_Z, amount_text
from electroscreen.data.hydrogen_split import split_problem
from electroscreen.data.oxidation import (
    NO_MIXED_VALENCE,
    element_oxidation_states,
    is_known_valence,
)
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_all, segment_any, segment_sum

__all__ = [
    "SCREEN_THE_FORMULA",
    "UNLOCATED_CARRIER",
    "carrier_deficit_hint",
    "full_framework",
    "not_balanced_message",
]

#: Why a structure's sites may hold less of the carrier than its compound, and what to do: the
#: ``no_carrier`` reason of a structure without it (``screening.filters``) and
#: :func:`carrier_deficit_hint` share the words.
UNLOCATED_CARRIER = "refinements often leave it unlocated"
SCREEN_THE_FORMULA = "screen the formula instead"


def not_balanced_message(
    symbols: list[str], amounts: np.ndarray, states: np.ndarray, residual: float, balanced: bool
) -> str:
    """The ``error`` of a ``not_charge_balanced`` row, one line.

    Parameters
    ----------
    symbols, amounts : list of str, ndarray of float64
        The composition as checked (the filter's packed row).
    states : ndarray of float64
        The states the charge balance ended with (NaN where an element has no known state).
    residual : float
        Their net charge; NaN when some element has no state.
    balanced : bool
        Whether the search balanced the charge (its status ``ok``): then the states are no ionic
        compound's.

    Returns
    -------
    str
        A pure element (``Li``) says so: it has no counter-ion. With no balanced
        combination: the closest one and its charge sums (its residual), after ``no anion`` where
        no element of the composition takes a negative state (``LiNa``).
        Balanced only without a cation and an anion, or by a non-integer state
        outside the element's states of that sign (``LiCl2``'s Cl-0.5) or an integer one outside
        its list (``Li2BH4``'s B+2): that state, and the sums with each element's commonest state,
        which show the side in excess; for hydrogen, also why no split into hydridic and protic
        hydrogen fits (:func:`~electroscreen.data.hydrogen_split.split_problem`). Balanced only by a
        mixed valence of a non-metal or metalloid (P+4.3,
        :data:`~electroscreen.data.oxidation.NO_MIXED_VALENCE`; ``generate``'s rule, not the
        screening filter's): that state, the side in excess, and the sums with the
        element's commonest state of that sign.
    """
    formula = "".join(f"{el}{amount_text(n)}" for el, n in zip(symbols, amounts, strict=True))
    unknown = [el for el in symbols if not element_oxidation_states(el)]
    if unknown:
        return f"no charge-balanced oxidation states: no oxidation state is known for {unknown[0]}"
    if len(symbols) == 1:  # balanced only as the element: a counter-ion is what it lacks
        el = symbols[0]
        return f"a pure element ({el}0), not an ionic compound: no counter-ion to balance {el} ions"
    no_anion = not any(s < 0 for el in symbols for s, _ in element_oxidation_states(el))
    if not balanced:
        why = (
            f"no anion (none of {', '.join(symbols)} takes a negative state); " if no_anion else ""
        )
        return (
            f"no charge-balanced oxidation states: {why}the closest, "
            f"{_sums(symbols, amounts, states, formula)} (residual {residual:+.3g} e)"
        )
    if odd := _odd_state(symbols, states):
        el, q = odd
        if abs(q - round(q)) <= 1e-6:
            why = f"balanced only by {el}{q:+.3g}, not one of {el}'s states"
        else:
            why = f"balanced only by {el}{q:+.3g}, not between two of {el}'s states of that sign"
        if el == "H" and (problem := split_problem(symbols, amounts, states)):
            why += f"; no split into hydridic H- and protic H+ fits: {problem}"
    elif mixed := _nonmetal_mix(symbols, states):
        return _nonmetal_mix_message(symbols, amounts, states, formula, *mixed)
    else:
        shown = " ".join(_state(el, q) for el, q in zip(symbols, states, strict=True))
        why = f"balanced only without a cation and an anion ({shown})"
    common = np.array([float(element_oxidation_states(el)[0][0]) for el in symbols])
    return f"{why}; with the commonest states, {_sums(symbols, amounts, common, formula)}"


def _odd_state(symbols: list[str], states: np.ndarray) -> tuple[str, float] | None:
    """The first state that is neither one of its element's states nor a mixed valence between
    two of them (H-0.5, B+2), if any."""
    for el, q in zip(symbols, states, strict=True):
        if not is_known_valence(el, q):
            return el, float(q)
    return None


def _nonmetal_mix(symbols: list[str], states: np.ndarray) -> tuple[str, float] | None:
    """The non-integer state of an element of :data:`NO_MIXED_VALENCE`, if any."""
    for el, q in zip(symbols, states, strict=True):
        if el in NO_MIXED_VALENCE and abs(q - round(q)) > 1e-6:
            return el, float(q)
    return None


def _nonmetal_mix_message(
    symbols: list[str], amounts: np.ndarray, states: np.ndarray, formula: str, el: str, q: float
) -> str:
    """``balanced only by P+4.3, a mixed valence P (a non-metal or metalloid) does not take: a
    structure that lacks anions or holds excess cations?; with P+5, ...: +44.02 against -41.24 in
    ...``: the sums with the element's commonest state of that sign show the side in excess."""
    usual = commonest_state(el, int(np.sign(q)))
    fixed = np.where(np.asarray(symbols) == el, float(usual), states)
    charge = np.asarray(amounts, dtype=np.float64) * fixed
    side = "lacks anions or holds excess cations" if charge.sum() > 0 else (
        "lacks cations or holds excess anions"
    )  # fmt: skip
    return (
        f"balanced only by {el}{q:+.3g}, a mixed valence {el} (a non-metal or metalloid) does not "
        f"take: a structure that {side}?; with {el}{usual:+d}, "
        f"{_sums(symbols, amounts, fixed, formula)}"
    )


def _sums(symbols: list[str], amounts: np.ndarray, states: np.ndarray, formula: str) -> str:
    """``Li+1 O-2: +2 against -6 in Li2O3``."""
    charge = np.asarray(amounts, dtype=np.float64) * states
    shown = " ".join(_state(el, q) for el, q in zip(symbols, states, strict=True))
    positive, negative = charge[charge > 0].sum(), charge[charge < 0].sum()
    return f"{shown}: {positive:+.4g} against {negative:+.4g} in {formula}"


def _state(symbol: str, state: float) -> str:
    """``Li+1``, ``O-2``, ``Li0`` (an element's state)."""
    return f"{symbol}{state:+.3g}" if state else f"{symbol}0"


#: A site's occupancy at least this is full (refined occupancies are written to 3-4 decimals).
FULL_SITE = 0.995


def full_framework(structures: PackedStructures, carrier: str) -> np.ndarray:
    """Per structure: every site that holds anything but the carrier is fully occupied, so only
    the carrier's sites can be short (shape (N,), bool).

    OBELiX's LLZO CIF ``etz``: La, Zr and O sites at 1, its two Li sites at 0.28 and 0.37; not
    ``duf``, whose La and Zr sites are a quarter and a sixth occupied (a broken refinement, whose
    residual no amount of Li explains).
    """
    carrier_z = SYMBOL_TO_Z[carrier]
    site_total = segment_sum(structures.occ_fraction, structures.occ_offsets)
    other = segment_any(structures.occ_species != carrier_z, structures.occ_offsets)
    full = ~other | (site_total >= FULL_SITE)
    return segment_all(full, structures.site_offsets) & (structures.n_sites > 0)


def carrier_deficit_hint(
    carrier: str, symbols: list[str], amounts: np.ndarray, states: np.ndarray, residual: float
) -> str:
    """The hint a structure's ``not_charge_balanced`` message ends with when its carrier's deficit
    explains the residual (the caller checks that its other sites are full: :func:`full_framework`):
    OBELiX's LLZO CIF ``etz`` lists 35.76 Li per cell (Li4.47La3Zr2O12), its partly occupied Li
    sites summing to 64 % of Li7La3Zr2O12's.

    Parameters
    ----------
    carrier : str
        ``filters.carrier`` (``"Li"``).
    symbols, amounts, states, residual
        As :func:`not_balanced_message` takes them (the closest states and their net charge).

    Returns
    -------
    str
        ``"; 20.24 more Li would balance it (Li56 in Li35.76La24Zr16O96): refinements often leave it
        unlocated or list its sites partly occupied: screen the formula instead"`` where the net
        charge is negative (anions in excess) and the carrier is a cation of the composition in
        those states: that much more of it balances the charge. ``""`` otherwise.
    """
    if carrier not in symbols or not residual < 0:
        return ""
    k = symbols.index(carrier)
    if not states[k] > 0:
        return ""
    more = -residual / states[k]
    formula = "".join(f"{el}{amount_text(n)}" for el, n in zip(symbols, amounts, strict=True))
    return (
        f"; {amount_text(round(more, 4))} more {carrier} would balance it ({carrier}"
        f"{amount_text(round(amounts[k] + more, 4))} in {formula}): {UNLOCATED_CARRIER} or list "
        f"its sites partly occupied: {SCREEN_THE_FORMULA}"
    )
