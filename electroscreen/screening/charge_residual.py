"""How far a candidate's formula is from neutral: the ``charge_residual`` column of ``screen``.

The charge-balance filter (:func:`~electroscreen.screening.filters.apply_filters`) reads a formula
in the oxidation states :func:`~electroscreen.data.oxidation.oxidation_states_packed` assigns and
accepts it when its net charge is within 1 % of its positive charge: a refined CIF is rarely neutral
to the last digit (OBELiX's Li3InCl6 holds In1.015), and a typed formula may round. What it
accepted is not neutral for all that (``Li10.2Sn0.25GeP1.75S12`` is 0.05 e short, 23.95 against
24), and a group leader reading the formula sends it to synthesis or DFT as written, so the
residual is a column of every row the filter accepted, in e per formula unit of the row's ``formula``
(the cell's residual divided by the formula units it holds): negative where the anions' charge is
the larger. ``generate`` closes its seeds' residuals on their carrier
(:mod:`~electroscreen.screening.seed_charge`), so its candidates show 0; a formula of yours keeps
its residual, never changed, and :func:`~electroscreen.analysis.row_notes.row_notes` names one of
at least :data:`NOTED_RESIDUAL`. A residual the search hid in a non-metal's non-integer state is
counted at the element's usual state where it is small
(:func:`~electroscreen.data.carrier_balance.noise_residuals`): the LiPON film ``Li2.9PO3.3N0.46``
balanced with N-2.83 shows -0.08, the residual its window is computed without (it used to show 0
while the window put the 0.08 e into N2 gas).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.carrier_balance import BALANCED
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.segments import segment_sum

__all__ = ["CHARGE_RESIDUAL_COLUMN", "NOTED_RESIDUAL", "formula_unit_residuals"]

#: The column: net charge in the assigned states, e per formula unit of ``formula``; NaN for a row
#: the charge balance did not accept (rejected before it, ``not_charge_balanced``, whose error gives
#: the sums) or did not read (the filter off).
CHARGE_RESIDUAL_COLUMN = "charge_residual"
#: The smallest residual (e per formula unit) a row's notes name: below it, the fourth decimal of
#: an amount (``Li6.2251Si0.225P0.775S5Br``, 1e-4 e).
NOTED_RESIDUAL = 1e-3


def formula_unit_residuals(
    residual: np.ndarray, read: PackedCompositions, formulas: list[str] | None
) -> np.ndarray:
    """Residuals per formula unit of the rows' reduced formulas.

    Parameters
    ----------
    residual : ndarray of float64, shape (N,)
        Net charge of each row's composition as the filter read it (``read``), NaN where unassigned.
    read : PackedCompositions
        The N compositions the filter balanced (the cell content, or the formula itself).
    formulas : list of str, optional
        The rows' ``formula`` (reduced) where ``read`` is the cell content; None when ``read`` is
        the formula itself.

    Returns
    -------
    ndarray of float64, shape (N,)
        ``residual`` divided by the formula units of ``read`` (its total amount over the
        formula's), 0 within :data:`~electroscreen.data.carrier_balance.BALANCED` (the float
        noise of a balanced sum); NaN where a formula does not parse.
    """
    # the sum of float amounts times states leaves 1e-16 where it balances: 0 is what it is
    residual = np.where(np.abs(residual) <= BALANCED, 0.0, np.asarray(residual, dtype=np.float64))
    if formulas is None or len(residual) == 0:
        return residual
    reduced = pack_compositions(formulas)
    cell, unit = (
        segment_sum(read.amount, read.offsets),
        segment_sum(reduced.amount, reduced.offsets),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        units = np.where(reduced.status == "ok", cell / unit, np.nan)
    return residual / units
