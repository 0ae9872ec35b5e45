"""Whether a generated candidate's charge balance is one a chemist would accept.

``electroscreen generate`` keeps a candidate only when its composition balances with valences its
elements have and no mixed valence of a non-metal or metalloid (P+4.3:
:func:`~electroscreen.screening.seed_maps.balanced`, the seeds' rule: counted as ``unbalanced``)
and without a *rare* oxidation state
(:func:`~electroscreen.data.rare_states.rare_state_needed`: counted as
:data:`RARE_OXIDATION_STATE`): ``Li3SnCl6`` from ``Li3InCl6`` balances only as Sn3+, a state
found in 3 % of Sn's ICSD entries; ``Li3TiCl6`` (Ti3+, 15 %) stays. A rare state the seed itself
takes (P4+ in Li4P2S6, V2+ in Li2VCl4: real compounds) is not held against its candidates.
A candidate whose non-metal mix a rare state explains is counted under that state (Li7Fe3S11,
S-1.45 in the search, needs S-). :func:`rare_state_lines` names the rejected candidates under ``generate``'s counts, by state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.data.formula_reduction import reduced_formula
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.data.rare_states import RARE_OXIDATION_STATE, rare_state_needed
from electroscreen.screening.seed_maps import balanced, balanced_by_known_valences

__all__ = [
    "RARE_OXIDATION_STATE",
    "REJECTED_COLUMNS",
    "charge_problem",
    "rare_state_lines",
    "rejection_lines",
    "rejected_row",
    "seed_states",
]

#: Columns of :attr:`~electroscreen.screening.generate.GeneratedPool.rejected`.
REJECTED_COLUMNS = ["candidate_id", "formula", "seed_id", "state", "status", "error"]


def seed_states(z: np.ndarray, charge: np.ndarray) -> frozenset[tuple[str, int]]:
    """The integer ``(symbol, state)`` pairs a seed's own charge balance takes (its elements ``z``
    with their ``charge``): states its candidates may keep, rare or not."""
    return frozenset(
        (ELEMENT_SYMBOLS[k], int(round(q)))
        for k, q in zip(z.tolist(), charge.tolist(), strict=True)
        if abs(q - round(q)) <= 1e-6
    )


def charge_problem(
    amounts: dict[str, float],
    allowed: frozenset[tuple[str, int]] = frozenset(),
    proposed: dict[str, float] | None = None,
) -> tuple[str, str, str] | None:
    """Why a generated composition fails the charge checks, or ``None`` when it passes.

    Parameters
    ----------
    amounts : dict
        Element symbol to amount (per cell).
    allowed : frozenset of (str, int)
        The seed's own states (:func:`seed_states`), never rare for its candidates.
    proposed : dict, optional
        The candidate's own states (the seed's, with the map's species), tried first: a map that
        gives no rare state keeps its candidate, whichever element the search would make mixed.

    Returns
    -------
    tuple of str or None
        ``("unbalanced", "", "")`` (no balance, a state the element does not have, or a mixed
        valence of a non-metal that no rare state explains: ``Li8P4Se`` from Li8GeP4's
        Ge4+>Se4+ balances as P-1.5), or ``(RARE_OXIDATION_STATE, state, reason)`` with the
        state (``Sn3+``) and the sentence that names it (``needs Sn3+, a state found in under 5 % of
        Sn compounds in the ICSD statistics (3.0 %); Sn is +2 or +4``).
    """
    oxidation = assign_oxidation_states(amounts)
    if not balanced_by_known_valences(oxidation):
        return "unbalanced", "", ""
    rare = rare_state_needed(amounts, oxidation, allowed, proposed)
    if rare is not None:  # named before a non-metal's mix: Li7Fe3S11 needs S- (as S-1.45)
        return RARE_OXIDATION_STATE, rare.label, rare.message
    if not balanced(oxidation):  # a mixed valence of a non-metal: Li8P4Se's P-1.5
        return "unbalanced", "", ""
    return None


def rejected_row(
    seed_id: str,
    units: float,
    substitutions: str,
    amounts: dict[str, float],
    problem: tuple[str, str, str],
) -> tuple[str, str, str, str, str, str]:
    """One row of :data:`REJECTED_COLUMNS` for a candidate :func:`charge_problem` rejected: its id
    is ``seed_id:substitutions`` and its formula per formula unit of the seed's formula (``units``
    of it per cell, :attr:`~electroscreen.screening.seed_charge.CarrierClosure.units`:
    ``Li3In1.015Cl6`` gives ``Li2.955Sn1.015Cl6``, its carrier closing the seed's residual), as a
    kept candidate's; ``amounts`` per cell."""
    status, state, reason = problem
    formula = reduced_formula({el: n / units for el, n in amounts.items()})
    return f"{seed_id}:{substitutions}", formula, seed_id, state, status, reason


def rare_state_lines(rejected: pd.DataFrame, shown: int = 10) -> list[str]:
    """Lines naming the candidates rejected for a rare oxidation state (rows of
    :data:`REJECTED_COLUMNS`): a count, then one line per state, most frequent first (the first
    ``shown``), with an example formula and the reason; none when no candidate was."""
    return rejection_lines(
        rejected,
        RARE_OXIDATION_STATE,
        lambda n: (
            f"{n} candidate{'s' * (n != 1)} need a rare oxidation state ({RARE_OXIDATION_STATE}):"
        ),
        "states",
        shown,
    )


def rejection_lines(
    rejected: pd.DataFrame, status: str, header: Callable[[int], str], kind: str, shown: int = 10
) -> list[str]:
    """Lines naming the candidates of one rejection ``status`` (rows of :data:`REJECTED_COLUMNS`):
    ``header(count)``, then one line per value of their ``state`` column, most frequent first (the
    first ``shown``), with an example formula and the reason, and ``+N more <kind>``; none when no
    candidate was rejected so."""
    rows = rejected[rejected["status"] == status]
    if rows.empty:
        return []
    lines = [header(len(rows))]
    by_state = rows.groupby("state", sort=False)
    order = by_state.size().sort_values(ascending=False, kind="stable")
    for state, count in order.head(shown).items():
        first = by_state.get_group(state).iloc[0]
        lines.append(f"  {state}: {count}, e.g. {first['formula']} ({first['error']})")
    if len(order) > shown:
        lines.append(f"  +{len(order) - shown} more {kind}")
    return lines
