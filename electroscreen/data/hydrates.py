"""Which compositions are hydrates: a dry compound plus water of crystallisation.

A hydrate of a solid electrolyte (Li3InCl6·2H2O, Li3YCl6·H2O) is what moisture makes of it, not a
candidate beside the dry compound; its water also flatters the descriptors (an air-stability model
sees a compound that has already reacted with water, the window an oxide's oxidation limit). Two
readings, one home:

1. **As written** (:func:`written_waters`): the formula writes water as a unit of its own,
   ``Li3YCl6·H2O``, ``Li3YCl6.H2O`` (the parser's adduct dot:
   :func:`~electroscreen.data.formula_notation.adduct_dots`), ``Li3YCl6*H2O``,
   ``Li3InCl6·2H2O``, ``LiOH·H2O``, ``X*(H2O)18``; the parser reads these as sums
   (:func:`~electroscreen.data.formula.parse_formula`), so only the text says so.
2. **By composition** (:func:`find_hydrates`, no notation needed: a CIF of the hydrate, a table
   that writes ``Li3YH2Cl6O``): the composition's protic hydrogen and its oxygen are exactly
   water, ``2 n_O`` H+ beside ``n_O`` O2-, and the rest is free of oxygen and of protic hydrogen,
   with the charge-balanced states of
   :func:`~electroscreen.data.oxidation.oxidation_states_packed` (Li3YH2Cl6O = Li3YCl6 + H2O;
   Li3InH4Cl6O2 = Li3InCl6 + 2 H2O). Hydrogen that is split into hydridic and protic shares
   (:mod:`~electroscreen.data.hydrogen_split`) counts by its protic share
   (:func:`~electroscreen.data.protic_hydrogen.protic_hydrogen`), so the hydrate of a
   cage salt is one: Li2B12H12·7H2O (12 H- on the cage, 14 H+ in water) is Li2B12H12 + 7 H2O.
   Not hydrates: hydroxides and protonated oxides, whose oxygen is no water or holds fewer
   protons (Li2OHCl, LiOH, H-exchanged garnet Li6.5H0.5La3Zr2O12), compositions without oxygen
   (LiBH4, Li2B12H12, ammine borohydrides), hydride oxides whose hydrogen is H- (Li4H2O), and any
   composition with nitrogen, whose protons may sit on N (NH3, NH4+, NH2-: Li3NH2O is no
   hydrate of Li3N that the composition could prove).

Where both readings find water the composition's wins (all of its water: the dry compound is
free of O and protic H); where only the text does (``LiOH·H2O``, ``Li2SO4·H2O``), the written
water is taken off. The hydrate is then written as a chemist does, the dry compound reduced
(:func:`~electroscreen.data.formula_reduction.reduced_formula`, integral amounts by their gcd)
and its water per formula unit: ``Li3YCl6·H2O``, ``Li3InCl6·2H2O``, ``Li2B12H12·7H2O``
(:func:`hydrate_formula`). Nothing here changes a composition or its reduced ``formula``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from electroscreen.data.assigned_states import AssignedStates
from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, amount_text
from electroscreen.data.formula_notation import FRACTION, NotationError, adduct_dots, amount_value
from electroscreen.data.formula_reduction import WRITTEN_DECIMALS, formula_units, reduced_formula
from electroscreen.data.protic_hydrogen import protic_hydrogen
from electroscreen.data.segments import segment_all, segment_any, segment_sum

__all__ = [
    "HYDRATE_DOT",
    "Hydrates",
    "find_hydrates",
    "hydrate_formula",
    "written_waters",
]

#: How a hydrate's water is joined to its dry compound when written (U+00B7, MIDDLE DOT).
HYDRATE_DOT = "·"
_H, _N, _O = 1, 7, 8
_TOL = 1e-6
_NUMBER = rf"{FRACTION}|\d*\.\d+|\d+"
#: A unit that is water alone: ``H2O``, ``2H2O``, ``0.5 D2O``, ``(H2O)18``, ``2(H2O)3``.
_WATER_UNIT = re.compile(
    rf"\s*(?P<lead>{_NUMBER})?\s*(?:[HD]2O|\(\s*[HD]2O\s*\)(?P<trail>{_NUMBER})?)\s*"
)
#: What every :data:`_WATER_UNIT` holds: a text without either writes no water (a formula that
#: writes O2- beside H, ``Li2O``, ``LiOH``, does not either).
_WATER_TEXTS = ("H2O", "D2O")
#: The separators of a formula's units after :func:`adduct_dots`, as the parser's tokens read them:
#: ``·``, ``*``, and an ASCII dot that no digit follows (``Li3YCl6.H2O``; a dot before a number
#: that separates units is a ``·`` by then, one that stays is a decimal point: ``Li.5Cl``).
_UNIT_SEPARATOR = re.compile(r"[·*]|\.(?!\d)")


def written_waters(formula: str) -> float:
    """Water of crystallisation a formula writes as units of its own, per formula as written.

    Parameters
    ----------
    formula : str
        A formula as written in a table (``Li3YCl6·H2O``, ``Li3YCl6.H2O``, ``Li3InCl6*2H2O``).

    Returns
    -------
    float
        The summed multipliers of the units that are water alone, beside at least one unit that is
        not; 0.0 for none, for water alone and for text whose dots do not read one way.

    Examples
    --------
    >>> written_waters("Li3InCl6·2H2O"), written_waters("Li3YCl6.H2O"), written_waters("LiOH")
    (2.0, 1.0, 0.0)
    >>> written_waters("Li6.4La3Zr1.4Ta0.6O12"), written_waters("LiCl*0.5H2O")
    (0.0, 0.5)
    """
    if not _may_write_water(formula):
        return 0.0
    try:
        units = _UNIT_SEPARATOR.split(adduct_dots(formula.strip()))
        waters, other = 0.0, False
        for unit in units:
            match = _WATER_UNIT.fullmatch(unit)
            if match is None:
                other = other or bool(unit.strip())
                continue
            lead, trail = match["lead"], match["trail"]
            waters += (amount_value(lead) if lead else 1.0) * (
                amount_value(trail) if trail else 1.0
            )
    except NotationError:  # Li2O.2(B2O3), Sc2/0: the parser's bad_formula
        return 0.0
    return waters if other else 0.0


def _may_write_water(text: object) -> bool:
    """Whether ``text`` holds a water unit's text (:data:`_WATER_TEXTS`); False for no text."""
    return isinstance(text, str) and any(water in text for water in _WATER_TEXTS)


def _water_rows(written: Sequence[object], look: np.ndarray) -> list[int]:
    """The rows of ``look`` whose text may write water (:func:`_may_write_water`): the only ones
    :func:`written_waters` reads more than 0 for. One search of the joined cells first: most
    batches (a formula table of 5,000 rows) hold no water at all."""
    texts = [w if isinstance(w, str) else "" for w in written]
    if not _may_write_water("\n".join(texts)):
        return []
    return [row for row in np.flatnonzero(look).tolist() if _may_write_water(texts[row])]


def hydrate_formula(dry: dict[str, float], waters: float) -> tuple[str, str, float]:
    """A hydrate as a chemist writes it: the dry compound reduced, then its water per formula unit.

    Parameters
    ----------
    dry : dict
        Element symbol to amount of the dry compound (per formula as written).
    waters : float
        Water molecules beside ``dry`` (> 0).

    Returns
    -------
    hydrate : str
        ``Li3YCl6·H2O``, ``Li3InCl6·2H2O``, ``Li3YCl6·0.5H2O``.
    dry : str
        The dry compound's reduced formula (``Li3YCl6``).
    waters : float
        Water per formula unit of that reduced formula.

    Examples
    --------
    >>> hydrate_formula({"Li": 6, "Y": 2, "Cl": 12}, 2.0)
    ('Li3YCl6·H2O', 'Li3YCl6', 1.0)
    """
    units = formula_units(dry, WRITTEN_DECIMALS)
    dry_text = reduced_formula(dry, WRITTEN_DECIMALS)
    per_unit = waters / units
    return f"{dry_text}{HYDRATE_DOT}{amount_text(per_unit)}H2O", dry_text, per_unit


@dataclass(frozen=True)
class Hydrates:
    """What :func:`find_hydrates` found, one entry per row of the packed compositions.

    Attributes
    ----------
    waters : ndarray of float64, shape (N,)
        Water molecules per formula as written (0 for a row that is no hydrate).
    formula : ndarray of object, shape (N,)
        The hydrate as a chemist writes it (:func:`hydrate_formula`), ``""`` for none.
    dry : ndarray of object, shape (N,)
        The dry compound's reduced formula, ``""`` for none.
    per_unit : ndarray of float64, shape (N,)
        Water per formula unit of ``dry``.
    written : ndarray of bool, shape (N,)
        Whether the formula as written writes its water (:func:`written_waters`).
    """

    waters: np.ndarray
    formula: np.ndarray
    dry: np.ndarray
    per_unit: np.ndarray
    written: np.ndarray

    @property
    def found(self) -> np.ndarray:
        """Rows that are hydrates (bool, shape (N,))."""
        return self.waters > 0


def _composition_waters(
    packed: PackedCompositions, rows: np.ndarray, known: AssignedStates
) -> np.ndarray:
    """Per row of ``packed``: its oxygen when its protic H and O are exactly water and it holds
    no N (0 otherwise); only ``rows`` are looked at (their states taken from ``known``, else
    assigned here, each row alone)."""
    out = np.zeros(len(packed))
    z, offsets = np.asarray(packed.z), np.asarray(packed.offsets)
    rows = rows[segment_any(z == _H, offsets)[rows] & segment_any(z == _O, offsets)[rows]]
    rows = rows[~segment_any(z == _N, offsets)[rows]]
    if not len(rows):
        return out
    kept = packed.take(rows)
    oxidation = known.for_rows(packed, rows)
    kz, amount, states = np.asarray(kept.z), np.asarray(kept.amount), oxidation.states
    n_h = segment_sum(amount * (kz == _H), kept.offsets)
    n_o = segment_sum(amount * (kz == _O), kept.offsets)
    oxide = segment_all((kz != _O) | (np.abs(states + 2.0) < _TOL), kept.offsets)
    protic = protic_hydrogen(kept, states)  # a split hydrogen's protic share, else its H+1
    rest = segment_any((kz != _H) & (kz != _O), kept.offsets)  # something beside the water
    water = (
        (oxidation.status == OK)
        & oxide
        & rest
        & (np.abs(protic - 2.0 * n_o) <= _TOL * np.maximum(1.0, n_h))  # NaN compares False
    )
    out[rows[water]] = n_o[water]
    return out


def find_hydrates(
    packed: PackedCompositions,
    rows: np.ndarray | None = None,
    written: Sequence[object] | None = None,
    states: AssignedStates | None = None,
) -> Hydrates:
    """The hydrates among packed compositions, by their text and by their composition.

    Parameters
    ----------
    packed : PackedCompositions, N rows
    rows : ndarray of bool, shape (N,), optional
        The rows to look at (default: those whose formula parsed); the others are no hydrate.
    written : sequence of str, length N, optional
        Each row's formula as written (a table's formula cell; None or NaN where there is none),
        for :func:`written_waters`.
    states : AssignedStates, optional
        Oxidation states already assigned to some rows of ``packed`` (the charge-balance
        filter's, :func:`~electroscreen.screening.filters.filter_batch`): read, not assigned
        again; the other rows looked at are assigned here.

    Returns
    -------
    Hydrates
    """
    n = len(packed)
    look = np.asarray(packed.status == OK, dtype=bool) if rows is None else np.asarray(rows, bool)
    by_text = np.zeros(n)
    if written is not None:
        if len(written) != n:
            raise ValueError(f"written has {len(written)} rows; the compositions have {n}")
        for row in _water_rows(written, look):  # every other row writes none
            by_text[row] = written_waters(written[row])
    known = AssignedStates.none() if states is None else states
    by_composition = _composition_waters(packed, np.flatnonzero(look), known)
    waters = np.where(by_composition > 0, by_composition, by_text)
    formula = np.full(n, "", dtype=object)
    dry = np.full(n, "", dtype=object)
    per_unit = np.zeros(n)
    for row in np.flatnonzero(waters > 0):
        amounts = {ELEMENT_SYMBOLS[z]: a for z, a in packed.as_dict(row).items()}
        scale = max(1.0, amounts["H"])
        amounts["H"] -= 2.0 * waters[row]
        amounts["O"] -= waters[row]
        left = {el: a for el, a in amounts.items() if a > _TOL * scale}  # water's H, O: gone
        if not left:  # water alone
            waters[row] = 0.0
            continue
        formula[row], dry[row], per_unit[row] = hydrate_formula(left, waters[row])
    return Hydrates(waters, formula, dry, per_unit, by_text > 0)
