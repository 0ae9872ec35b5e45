"""Deterministic oxidation-state assignment for fractional compositions.

pymatgen's ``Composition.oxi_state_guesses`` enumerates integer site multiplicities and fails (returns
nothing, or all zeros through ``add_oxidation_state_by_guess``) on most doped electrolytes such as
``Li6.4La3Zr1.4Ta0.6O12``. Here each *element* gets one state and charge balance is solved on the
fractional amounts directly:

1. Candidate states per element: its common and ICSD oxidation states, each with a penalty
   ``-ln p`` where ``p`` is the state's frequency in the ICSD bond-valence statistics shipped with
   pymatgen (``icsd_bv.yaml``); a combination costs the amount-weighted sum of its penalties.
2. Every combination is scored; a combination is admissible when every element with a negative state is
   at least as electronegative as every element with a positive state.
3. The admissible combination with residual charge within ``tol`` of zero and the lowest penalty wins
   (ties: smaller residual, then enumeration order, so results are reproducible), unless one that
   balances exactly takes states about as common (:data:`~electroscreen.data.oxidation_search.
   COMPARABLE`): Sb5+ in Li7P2.9Sb0.1S10.75O0.25, not Sb3+, which leaves 0.2 charges over (the only
   change among the 1,471 OBELiX, Liverpool and air-label formulas); W6+ stays in LiTi1.9P3W0.1O12
   (W4+ balances it exactly, but is 23 times rarer).
4. If none balances, hydrogen beside a hydride host (B, Al) and a proton host (N, O) may be
   hydridic and protic at once (4 H- and 6 H+ in Li4(BH4)(NH2)3): the lowest-cost *split* of
   :mod:`~electroscreen.data.hydrogen_split`. Hydrogen is then recorded at its average state
   (H+0.2; H0 in NH3BH3) and named as the ``mixed_valence``;
   :func:`~electroscreen.data.hydrogen_split.hydrogen_shares` gives the two shares back.
5. Otherwise one element may take a *mixed valence* (a non-integer average between its known
   states, e.g. Fe2.5+ in Fe3O4) that absorbs the residual (``generate`` takes none of a
   non-metal or metalloid, :data:`NO_MIXED_VALENCE`: P+4.3 there is a CIF missing sulfur).
6. Otherwise the status is ``"unbalanced"`` and the closest combination is still reported.

The search is one Numba kernel (:func:`~electroscreen.data.oxidation_search.search_states`) that
visits only the admissible sign patterns (which elements are cations), with ties broken by the
combination's place in ``itertools.product`` order.
:func:`assign_oxidation_states` runs it for one composition (cached);
:func:`oxidation_states_packed` runs it over a packed batch in parallel (filters, featurizers).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pymatgen.core
import yaml
from numba import njit, prange
from pymatgen.core.periodic_table import Element, Species

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.hydrogen_split import split_eligible, split_search
from electroscreen.data.oxidation_search import BALANCED, MIXED, UNBALANCED, search_states
from electroscreen.data.recent_batches import RecentBatches

__all__ = [
    "NO_MIXED_VALENCE",
    "OxidationResult",
    "PackedOxidation",
    "assign_oxidation_states",
    "element_oxidation_states",
    "is_known_valence",
    "nonmetal_mixed_valence",
    "oxidation_states_packed",
]

_MAX_COMBINATIONS = 200_000

#: Non-metals and metalloids whose non-integer average state in an ionic solid is no mixed valence
#: but a structure that lost atoms (P+4.30 in a Li6PS4SeBr CIF missing sulfur); Ge included (no
#: Ge2+/Ge4+ mixed thio- or oxogermanate), Sb left out (Sb3+/Sb5+ oxides and halides are real).
NO_MIXED_VALENCE = frozenset(
    {"H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Ge", "As", "Se", "Br", "Te", "I"}
)


@dataclass(frozen=True)
class OxidationResult:
    """Result of :func:`assign_oxidation_states`.

    Attributes
    ----------
    states : dict
        Element symbol to oxidation state (a float when mixed valence was needed).
    residual : float
        Net charge per formula unit with these states (0 when balanced).
    status : str
        ``"ok"``, ``"unbalanced"`` or ``"no_oxidation_state"``.
    mixed_valence : str
        The element given a non-integer state, ``""`` when none; ``"H"`` whenever hydrogen is
        split into hydridic and protic shares (:mod:`~electroscreen.data.hydrogen_split`; its
        average may be an integer, H0 in NH3BH3).
    """

    states: dict[str, float]
    residual: float
    status: str
    mixed_valence: str = ""

    @property
    def ok(self) -> bool:
        """Whether the assignment succeeded (``status == "ok"``)."""
        return self.status == "ok"


@cache
def _icsd_occurrence() -> dict[tuple[str, int], int]:
    # libyaml's safe loader when available: 20x faster than monty's ruamel loadfn on this file
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(Path(pymatgen.core.__file__).parent / "icsd_bv.yaml") as handle:
        data = yaml.load(handle, Loader=loader)["occurrence"]  # noqa: S506 (a safe loader)
    counts = {}
    for key, count in data.items():
        sp = Species.from_str(key)
        if sp.oxi_state:
            counts[(sp.symbol, int(sp.oxi_state))] = int(count)
    return counts


@cache
def element_oxidation_states(symbol: str) -> tuple[tuple[int, float], ...]:
    """Candidate ``(state, penalty)`` pairs for an element, most frequent first.

    States are pymatgen's common and ICSD states of the element; the penalty is ``-ln p`` of the
    state's ICSD frequency (a state never counted there counts once).
    """
    el = Element(symbol)
    states = {int(s) for s in (*el.common_oxidation_states, *el.icsd_oxidation_states) if s != 0}
    occurrence = _icsd_occurrence()
    counts = {s: occurrence.get((symbol, s), 1) for s in states}
    total = sum(counts.values())
    ranked = sorted(counts, key=lambda s: (-counts[s], s))
    return tuple((s, float(-np.log(counts[s] / total))) for s in ranked)


def is_known_valence(symbol: str, state: float) -> bool:
    """Whether ``state`` is one of the element's states, or a mixed valence between two of its
    states of that sign (Fe 2.67 in Fe3O4, P 4.3 between P4+ and P5+); I -0.88 or Br -0.001
    (halides have one negative state) and P -0.47 are not."""
    if abs(state - round(state)) <= 1e-6:
        return any(s == round(state) for s, _ in element_oxidation_states(symbol))
    same_sign = [s for s, _ in element_oxidation_states(symbol) if np.sign(s) == np.sign(state)]
    return bool(same_sign) and min(same_sign) <= state <= max(same_sign)


def nonmetal_mixed_valence(oxidation: OxidationResult) -> str:
    """The element of :data:`NO_MIXED_VALENCE` the assignment gives a non-integer state (``P`` for
    P+4.30), ``""`` when none: a mixed valence of Fe, Ti, Ce or Sn is real chemistry, one of P is
    a structure missing atoms. The assignment itself is unchanged (featurizers and ``screen``'s
    charge-balance filter still take it); ``generate`` skips such seeds and candidates."""
    el = oxidation.mixed_valence
    return el if el in NO_MIXED_VALENCE else ""


@cache
def _electronegativity(symbol: str) -> float:
    x = Element(symbol).X
    return float(x) if x == x else 4.0  # noble gases have no Pauling value


def assign_oxidation_states(
    amounts: dict[str, float],
    tol: float = 0.01,
    exclude: frozenset[tuple[str, int]] = frozenset(),
) -> OxidationResult:
    """Assign one oxidation state per element so that the composition is charge balanced.

    Parameters
    ----------
    amounts : dict
        Element symbol to amount; fractional amounts are the normal case (a pymatgen
        ``Composition`` is read the same way). For a formula string, pass
        :func:`~electroscreen.data.formula.parse_formula`'s amounts.
    tol : float
        Allowed residual charge as a fraction of the total positive charge.
    exclude : frozenset of (str, int)
        ``(symbol, state)`` pairs the search leaves out of the elements' options (and so of a
        mixed valence's range): ``generate``'s search without the rare states
        (:func:`~electroscreen.data.rare_states.rare_state_needed`). An element left with no state
        gives ``no_oxidation_state``.

    Returns
    -------
    OxidationResult
        A single element (``{"Li": 1}``) is the element itself: state 0, balanced, ``ok``.

    Raises
    ------
    TypeError
        ``amounts`` is a string or not a mapping (the message says what to pass).
    ValueError
        A key is not an element symbol (named).

    Examples
    --------
    >>> assign_oxidation_states({"Li": 6.4, "La": 3, "Zr": 1.4, "Ta": 0.6, "O": 12}).states
    {'Li': 1.0, 'La': 3.0, 'Zr': 4.0, 'Ta': 5.0, 'O': -2.0}
    """
    amounts = _element_amounts(amounts)
    # amounts that round to 0 (e.g. 1e-30) carry no charge: skipped, like non-positive ones
    rounded = ((el, round(float(n), 8)) for el, n in amounts.items())
    key = tuple(sorted((el, n) for el, n in rounded if n > 0))
    result = _assign(key, float(tol), frozenset(exclude))
    ordered = {el: result.states[el] for el in amounts if el in result.states}
    return OxidationResult(ordered, result.residual, result.status, result.mixed_valence)


def _element_amounts(amounts: object) -> dict[str, float]:
    """``amounts`` as ``{symbol: amount}``, or a clear TypeError / ValueError (see the caller)."""
    if isinstance(amounts, str):
        raise TypeError(
            f"assign_oxidation_states takes element amounts, not a formula string: pass "
            f"parse_formula({amounts!r}) (electroscreen.data.formula)"
        )
    if not isinstance(amounts, Mapping):
        raise TypeError(
            f"assign_oxidation_states takes a dict of element amounts such as {{'Li': 3, 'N': 1}},"
            f" got {type(amounts).__name__}"
        )
    out = {str(el): n for el, n in amounts.items()}  # a pymatgen Composition's keys are Elements
    unknown = [el for el in out if el not in SYMBOL_TO_Z]
    if unknown:
        raise ValueError(f"not an element symbol: {', '.join(map(repr, unknown))}")
    return out


@lru_cache(maxsize=200_000)
def _assign(
    key: tuple[tuple[str, float], ...], tol: float, exclude: frozenset[tuple[str, int]]
) -> OxidationResult:
    symbols = [el for el, _ in key]
    z = np.array([SYMBOL_TO_Z[el] for el in symbols], dtype=np.int64)
    n = np.array([amt for _, amt in key])
    states = np.full(len(symbols), np.nan)
    code, residual, mixed = _assign_row(z, n, *_element_options(exclude)[:-1], tol, states)
    return OxidationResult(
        _states(symbols, states), residual, _STATUS[code], symbols[mixed] if mixed >= 0 else ""
    )


@dataclass(frozen=True)
class PackedOxidation:
    """Result of :func:`oxidation_states_packed` for N compositions (CSR, like the input).

    Attributes
    ----------
    states : ndarray of float64 (K,)
        Oxidation state of each element entry (NaN where not assigned).
    residual : ndarray of float64 (N,)
        Net charge per formula unit (NaN where not assigned).
    status : ndarray of object (N,)
        ``"ok"``, ``"unbalanced"``, ``"no_oxidation_state"``, or ``"empty"`` (no elements).
    mixed_valence : ndarray of bool (N,)
        Whether one element took a non-integer state.
    """

    states: np.ndarray
    residual: np.ndarray
    status: np.ndarray
    mixed_valence: np.ndarray


def oxidation_states_packed(packed: PackedCompositions, tol: float = 0.01) -> PackedOxidation:
    """:func:`assign_oxidation_states` for every row of a packed batch, in one parallel kernel.

    Same states, residuals and statuses as the one-composition function (tested), without a Python
    call per row: this is the path of the screening filters and the featurizers. A batch asked
    again with the same content (:data:`_RECENT`, the last four) gets copies of its arrays.
    """
    found = _RECENT.get(packed, (float(tol),), lambda p: _packed_states(p, float(tol)))
    return PackedOxidation(  # the caller's own arrays: what one changes, no other sees
        found.states.copy(), found.residual.copy(), found.status.copy(), found.mixed_valence.copy()
    )


def _packed_states(packed: PackedCompositions, tol: float) -> PackedOxidation:
    options = _element_options()
    states, residual, code, mixed = _assign_packed(
        packed.offsets, packed.z, packed.amount, options[-1], *options[:-1], tol
    )
    return PackedOxidation(states, residual, np.asarray(_STATUS, dtype=object)[code], mixed >= 0)


#: The last batches' states (:mod:`~electroscreen.data.recent_batches`): a screening batch's rows
#: are asked for by several featurizers and the window, about 40 % of them twice.
_RECENT: RecentBatches[PackedOxidation] = RecentBatches(4)


_STATUS = ("ok", "unbalanced", "no_oxidation_state", "empty")
_OK, _UNBALANCED_ROW, _NO_STATE, _EMPTY = 0, 1, 2, 3


@cache
def _element_options(exclude: frozenset[tuple[str, int]] = frozenset()) -> tuple[np.ndarray, ...]:
    """Per atomic number: option states and penalties (most frequent first; the ``(symbol,
    state)`` pairs of ``exclude`` left out), their count, the Pauling electronegativity and the
    alphabetical rank of the symbol (the order of the search)."""
    n_z = len(ELEMENT_SYMBOLS)
    options = [()] + [
        tuple(o for o in element_oxidation_states(s) if (s, o[0]) not in exclude)
        for s in ELEMENT_SYMBOLS[1:]
    ]
    width = max(len(o) for o in options)
    state = np.zeros((n_z, width))
    penalty = np.zeros((n_z, width))
    count = np.array([len(o) for o in options], dtype=np.int64)
    for z, opts in enumerate(options):
        state[z, : len(opts)] = [s for s, _ in opts]
        penalty[z, : len(opts)] = [p for _, p in opts]
    with warnings.catch_warnings():  # pymatgen warns for each noble gas (no Pauling value)
        warnings.simplefilter("ignore", UserWarning)
        chi = np.array([4.0] + [_electronegativity(s) for s in ELEMENT_SYMBOLS[1:]])
    rank = np.argsort(np.argsort(np.array(ELEMENT_SYMBOLS, dtype=object))).astype(np.int64)
    return state, penalty, count, chi, rank


@njit(cache=True)
def _assign_row(z, n, option_state, option_penalty, option_count, chi_of, tol, out):
    """One composition (elements in alphabetical order, amounts rounded): fills ``out`` with the
    states; returns ``(status code, residual, index of the mixed-valence element or -1)``."""
    n_el = len(z)
    if n_el == 1:
        out[0] = 0.0
        return _OK, 0.0, -1
    sizes = np.empty(n_el, dtype=np.int64)
    combinations = 1.0
    for e in range(n_el):
        sizes[e] = option_count[z[e]]
        combinations *= sizes[e]
        if sizes[e] == 0:
            return _NO_STATE, np.nan, -1
    if combinations > _MAX_COMBINATIONS:
        for e in range(n_el):
            sizes[e] = min(sizes[e], 3)
    state_of = option_state[z]
    penalty_of = option_penalty[z]
    kind, choice, mixed, target = search_states(state_of, penalty_of, sizes, n, chi_of[z], tol)
    if kind != BALANCED and split_eligible(z):  # hydridic and protic hydrogen (hydrogen_split)
        split = np.empty(n_el)
        if split_search(z, n, state_of, penalty_of, sizes, chi_of[z], split):
            residual = 0.0
            for e in range(n_el):
                out[e] = split[e]
                residual += out[e] * n[e]
                if z[e] == 1:
                    mixed = e
            return _OK, residual, mixed
    residual = 0.0
    for e in range(n_el):
        out[e] = state_of[e, choice[e]]
        if kind == MIXED and e == mixed:
            out[e] = target
        residual += out[e] * n[e]
    code = _UNBALANCED_ROW if kind == UNBALANCED else _OK
    return code, residual, mixed if kind == MIXED else -1


@njit(cache=True, parallel=True)
def _assign_packed(
    offsets, z, amount, rank_of, option_state, option_penalty, option_count, chi_of, tol
):
    n_rows = len(offsets) - 1
    states = np.full(len(z), np.nan)
    residual = np.full(n_rows, np.nan)
    code = np.full(n_rows, _EMPTY, dtype=np.int64)
    mixed = np.full(n_rows, -1, dtype=np.int64)
    for i in prange(n_rows):
        lo, hi = offsets[i], offsets[i + 1]
        # amounts that round to 0 (e.g. 1e-30) carry no charge: skipped, like non-positive ones
        keep = np.array([j for j in range(lo, hi) if round(amount[j], 8) > 0], dtype=np.int64)
        if len(keep) == 0:
            continue
        entries = keep[np.argsort(rank_of[z[keep]])]
        n = np.empty(len(entries))
        for e in range(len(entries)):
            n[e] = round(amount[entries[e]], 8)
        row = np.full(len(entries), np.nan)
        code[i], residual[i], m = _assign_row(
            z[entries], n, option_state, option_penalty, option_count, chi_of, tol, row
        )
        if code[i] != _NO_STATE:
            for e in range(len(entries)):
                states[entries[e]] = row[e]
        if m >= 0:
            mixed[i] = entries[m]
    return states, residual, code, mixed


def _states(symbols: list[str], row: np.ndarray) -> dict[str, float]:
    return {el: round(float(s), 6) for el, s in zip(symbols, row, strict=True)}
