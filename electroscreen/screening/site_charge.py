"""The charge of a substituted cation against the one it replaces: ``generate``'s ``charge_change``.

The data-mined substitution model scores each species pair on its own and the enumeration only
conserves the net charge, so a map may swap a framework cation for an ion of a very different
charge and role when an anion change pays for it: from cubic Na3SbS4, ``Sb5+>K+`` with
``S2->I-`` makes KNa3I4, a NaI/KI mixture placed in a thioantimonate's geometry (K+ on the
tetrahedral SbS4 site: within the size limits, +130 %, and the bond-valence filter passes it).
Each candidate gets

    charge_change = q_new - q_old

over the seed's cations (state > 0) that the map replaces (element or state), the value of
largest magnitude, signed (the first in the seed's element order on a tie; NaN when no cation is
replaced): ``Sb5+>K+`` is -4, ``Ga3+>Br-`` (a cation site given an anion) -4. On the seed's own
site the ratio of Pauling's electrostatic bond strengths, ``(q_new / CN) / (q_old / CN)``, is the
ratio of the charges, so the bond strength adds nothing a charge rule does not say.

Limit (:data:`MAX_CHARGE_CHANGE`)
    Measured, not guessed: every one of the 234 real compounds (OBELiX and Liverpool compositions)
    that ``generate --obelix`` reaches by replacing a cation keeps each replaced cation's charge
    (252 cation replacements, all with a change of 0: Ge4+ to Sn4+ in LGPS, Ge4+ to Ti4+ from
    LAGP to LATP, Al3+ to Ga3+ in garnets, Si4+ to Ge4+ in argyrodites); of the 7,276 generated
    candidates with a cation replaced, 102 change a charge: 43 replacements by 1, 56 by 2, 5 by 3,
    20 by 4, 1 by 6. Those by 2 or more are the salt-mixture kind (KLiF2 from LiLaO2, NaLi3Cl4
    from Li3SbS4 and Li3BiO4, CsLi2F3 from Li2ZrO3, Li5BrF4 from Li5GaO4); those by 1 are coupled
    aliovalent pairs (Ti4+ to Nb5+ with La3+ to Sr2+ in LiLaTiO4) that doping uses, so the limit
    is the real compounds' 0 rounded outward to 1. benchmarks/README.md, *Generated candidates
    checked as a chemist would*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from electroscreen.screening.candidate_valence import rejected_row, rejection_lines
from electroscreen.screening.cell_content import species_label, substitutions_label
from electroscreen.screening.site_size import outside_limits

if TYPE_CHECKING:
    from electroscreen.screening.seed_maps import SeedMaps

__all__ = [
    "CHARGE_MISMATCH",
    "MAX_CHARGE_CHANGE",
    "charge_changes",
    "charge_mismatch_lines",
    "charge_rejection",
    "outside_charge_limit",
]

#: The status (and count key) of a generated candidate that changes a cation's charge too much.
CHARGE_MISMATCH = "charge_mismatch"
#: Largest ``|charge_change|`` kept by ``generate`` (elementary charges).
MAX_CHARGE_CHANGE = 1.0


def charge_changes(
    old_z: np.ndarray, old_charge: np.ndarray, new_z: np.ndarray, new_charge: np.ndarray
) -> np.ndarray:
    """Each map's ``charge_change``: over the seed's cations it replaces, ``q_new - q_old`` of
    largest magnitude, signed (the first in element order on a tie); NaN when no cation changes.

    Parameters
    ----------
    old_z, old_charge : ndarray, shape (E,)
        The seed's elements and their states.
    new_z, new_charge : ndarray, shape (K, E)
        Each map's elements and states.

    Examples
    --------
    >>> z, q = np.array([11, 51, 16]), np.array([1.0, 5.0, -2.0])  # Na3SbS4
    >>> charge_changes(z, q, np.array([[11, 19, 53], [11, 15, 34]]),
    ...                np.array([[1.0, 1.0, -1.0], [1.0, 5.0, -2.0]]))
    array([-4.,  0.])
    """
    delta, replaced = _deltas(old_z, old_charge, new_z, new_charge)
    worst = np.take_along_axis(delta, np.argmax(np.abs(delta), axis=1)[:, None], axis=1)[:, 0]
    return np.where(replaced.any(axis=1), worst, np.nan)


def _deltas(
    old_z: np.ndarray, old_charge: np.ndarray, new_z: np.ndarray, new_charge: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per map and seed element: ``q_new - q_old`` of each replaced cation (0 elsewhere), and
    where a cation is replaced (element or state), both shape (K, E)."""
    new_z, new_charge = np.atleast_2d(new_z), np.atleast_2d(new_charge)
    old_z, old_charge = np.asarray(old_z), np.asarray(old_charge, dtype=float)
    replaced = ((new_z != old_z) | (new_charge != old_charge)) & (old_charge > 0)
    return np.where(replaced, new_charge - old_charge, 0.0), replaced


def outside_charge_limit(change: np.ndarray, limit: float = MAX_CHARGE_CHANGE) -> np.ndarray:
    """Where ``|charge_change|`` exceeds ``limit`` (NaN, no cation replaced, is inside): the size
    check's :func:`~electroscreen.screening.site_size.outside_limits` at ``+-limit``."""
    return outside_limits(change, (-limit - 1e-9, limit + 1e-9))


def charge_rejection(
    g: SeedMaps, k: int, seed_id: str, units: float, amounts: dict[str, float]
) -> tuple[str, str, str, str, str, str]:
    """The row of :attr:`~electroscreen.screening.generate.GeneratedPool.rejected` for map ``k``
    of ``g``, rejected as :data:`CHARGE_MISMATCH`: its ``state`` the worst replacement
    (``Sb5+>K+``), its ``error`` the sentence that names it with the numbers."""
    old_q, new_q = g.charge, g.new_charge[k]
    delta = _deltas(g.z, old_q, g.new_z[k], new_q)[0][0]
    e = int(np.argmax(np.abs(delta)))
    old, new = species_label(g.z[e], old_q[e]), species_label(g.new_z[k][e], new_q[e])
    role = "an anion" if new_q[e] < 0 else f"a {new_q[e]:+g} cation"
    reason = (
        f"{old} replaced by {new}, {role}: the site's charge changes by {delta[e]:+g}, beyond "
        f"+-{MAX_CHARGE_CHANGE:g}; none of the real compounds generate --obelix reaches changes one"
    )
    subs = substitutions_label(g.z, g.charge, g.new_z[k], new_q)
    return rejected_row(seed_id, units, subs, amounts, (CHARGE_MISMATCH, f"{old}>{new}", reason))


def charge_mismatch_lines(rejected: pd.DataFrame, shown: int = 10) -> list[str]:
    """Lines naming the candidates rejected as :data:`CHARGE_MISMATCH` (rows of
    :data:`~electroscreen.screening.candidate_valence.REJECTED_COLUMNS`): a count, then one line
    per replacement, most frequent first (the first ``shown``), with an example formula and the
    reason; none when no candidate was."""
    return rejection_lines(
        rejected,
        CHARGE_MISMATCH,
        lambda n: (
            f"{n} candidate{'s' * (n != 1)} change a replaced cation's charge by more than "
            f"{MAX_CHARGE_CHANGE:g} ({CHARGE_MISMATCH}, --keep-mismatched keeps them):"
        ),
        "replacements",
        shown,
    )
