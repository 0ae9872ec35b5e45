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
   (ties: smaller residual, then enumeration order, so results are reproducible).
4. If none balances, one element may take a *mixed valence* (a non-integer average between its known
   states, e.g. Fe2.5+ in Fe3O4) that absorbs the residual.
5. Otherwise the status is ``"unbalanced"`` and the closest combination is still reported.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pymatgen.core
from monty.serialization import loadfn
from pymatgen.core.periodic_table import Element, Species

__all__ = ["OxidationResult", "assign_oxidation_states", "element_oxidation_states"]

_MAX_COMBINATIONS = 200_000


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
        The element given a non-integer state, ``""`` when none.
    """

    states: dict[str, float]
    residual: float
    status: str
    mixed_valence: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@cache
def _icsd_occurrence() -> dict[tuple[str, int], int]:
    data = loadfn(Path(pymatgen.core.__file__).parent / "icsd_bv.yaml")["occurrence"]
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


@cache
def _electronegativity(symbol: str) -> float:
    x = Element(symbol).X
    return float(x) if x == x else 4.0  # noble gases have no Pauling value


def assign_oxidation_states(amounts: dict[str, float], tol: float = 0.01) -> OxidationResult:
    """Assign one oxidation state per element so that the composition is charge balanced.

    Parameters
    ----------
    amounts : dict
        Element symbol to amount; fractional amounts are the normal case.
    tol : float
        Allowed residual charge as a fraction of the total positive charge.

    Returns
    -------
    OxidationResult

    Examples
    --------
    >>> assign_oxidation_states({"Li": 6.4, "La": 3, "Zr": 1.4, "Ta": 0.6, "O": 12}).states
    {'Li': 1.0, 'La': 3.0, 'Zr': 4.0, 'Ta': 5.0, 'O': -2.0}
    """
    key = tuple(sorted((el, round(float(n), 8)) for el, n in amounts.items() if n > 0))
    result = _assign(key, float(tol))
    ordered = {el: result.states[el] for el in amounts if el in result.states}
    return OxidationResult(ordered, result.residual, result.status, result.mixed_valence)


@lru_cache(maxsize=200_000)
def _assign(key: tuple[tuple[str, float], ...], tol: float) -> OxidationResult:
    symbols = [el for el, _ in key]
    n = np.array([amt for _, amt in key])
    if len(symbols) == 1:
        return OxidationResult({symbols[0]: 0.0}, 0.0, "ok")
    options = [element_oxidation_states(el) for el in symbols]
    missing = [el for el, opts in zip(symbols, options, strict=True) if not opts]
    if missing:
        return OxidationResult(
            {el: float("nan") for el in symbols}, float("nan"), "no_oxidation_state"
        )
    if np.prod([len(o) for o in options], dtype=float) > _MAX_COMBINATIONS:
        options = [opts[:3] for opts in options]
    combos = np.array(list(itertools.product(*options)), dtype=float)  # (C, E, 2)
    states, penalty = combos[:, :, 0], combos[:, :, 1]
    chi = np.array([_electronegativity(el) for el in symbols])
    positive = states > 0
    max_chi_pos = np.where(positive, chi, -np.inf).max(axis=1)
    min_chi_neg = np.where(~positive, chi, np.inf).min(axis=1)
    admissible = (max_chi_pos <= min_chi_neg) & positive.any(axis=1) & (~positive).any(axis=1)
    if not admissible.any():
        admissible[:] = True
    states, penalty = states[admissible], penalty[admissible]
    charge = states * n
    residual = charge.sum(axis=1)
    scale = np.maximum(np.where(charge > 0, charge, 0).sum(axis=1), 1e-12)
    cost = (penalty * n).sum(axis=1)
    balanced = np.abs(residual) <= tol * scale
    if balanced.any():
        idx = np.flatnonzero(balanced)
        best = idx[np.lexsort((np.abs(residual[idx]), cost[idx]))[0]]
        return OxidationResult(_states(symbols, states[best]), float(residual[best]), "ok")

    # Mixed valence: one element's average state absorbs the residual.
    ranges = [(min(s for s, _ in o), max(s for s, _ in o)) for o in options]
    best_mixed = None
    for c in np.lexsort((np.abs(residual), cost)):
        for e in range(len(symbols)):
            target = states[c, e] - residual[c] / n[e]
            lo, hi = ranges[e]
            same_sign = np.sign(target) == np.sign(states[c, e])
            if lo <= target <= hi and same_sign:
                trial = (cost[c] + 2 * n[e], abs(residual[c]), c, e, target)
                if best_mixed is None or trial[:2] < best_mixed[:2]:
                    best_mixed = trial
        if best_mixed is not None:
            break
    if best_mixed is not None:
        _, _, c, e, target = best_mixed
        row = states[c].copy()
        row[e] = target
        return OxidationResult(_states(symbols, row), float((row * n).sum()), "ok", symbols[e])
    best = np.lexsort((cost, np.abs(residual)))[0]
    return OxidationResult(_states(symbols, states[best]), float(residual[best]), "unbalanced")


def _states(symbols: list[str], row: np.ndarray) -> dict[str, float]:
    return {el: float(round(s, 6)) for el, s in zip(symbols, row, strict=True)}
