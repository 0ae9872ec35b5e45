"""The hydrate filter of a screening: status ``hydrate`` and the ``hydrate_formula`` column.

A hydrate of an electrolyte (Li3YCl6·H2O, Li3InCl6·2H2O, Li2B12H12·7H2O) is what moisture makes
of it: ranked beside the dry compounds it would outrank them, its water read as air stability (it
has already reacted) and as an oxide's oxidation limit. Every row still ``ok`` after the formula
and state filters that :func:`~electroscreen.data.hydrates.find_hydrates` finds (water written as
a unit of its own in a formula table's cell, or protic H and O that are exactly water beside a dry
rest) gets ``hydrate_formula``, the hydrate as a chemist writes it, and, unless
``filters.allow_hydrates``, status ``hydrate`` with the dry compound and the water in ``error``.
With ``allow_hydrates: true`` the row stays ``ok`` and is ranked, ``hydrate_formula`` saying what
it is (the console table, the card's notes and ``export`` show it); ``formula`` is the reduced
composition either way (``Li3YH2OCl6``), as for every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.assigned_states import AssignedStates
from electroscreen.data.candidates import OK, merge_status
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.hydrates import find_hydrates
from electroscreen.data.tables import table_columns
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.inputs import Batch

__all__ = ["HYDRATE", "HYDRATE_COLUMN", "apply_hydrates", "hydrate_message", "written_formulas"]

#: The status of a hydrate (``filters.allow_hydrates: false``).
HYDRATE = "hydrate"
#: The column naming a row's hydrate as a chemist writes it (``Li3YCl6·H2O``; ``""`` for none).
HYDRATE_COLUMN = "hydrate_formula"


def written_formulas(batch: Batch) -> list[object] | None:
    """A table batch's formula cells as written, row for row with
    :func:`~electroscreen.screening.inputs.materialize`'s rows; None for other batches (structure
    files and packed caches write no notation)."""
    if batch.kind != "table" or batch.frame is None:
        return None
    formula = table_columns(batch.frame.columns).formula
    return None if formula is None else batch.frame[formula].tolist()


def hydrate_message(hydrate: str, dry: str, per_unit: float, written: bool) -> str:
    """The ``error`` of a ``hydrate`` row: ``Li3YCl6·H2O is Li3YCl6 + 1 H2O (written as a
    hydrate): water of crystallisation, ...``."""
    how = "written as a hydrate" if written else "its protic H and its O are exactly water"
    return (
        f"{hydrate} is {dry} + {per_unit:g} H2O ({how}): water of crystallisation, the product of "
        f"moisture attack, not a candidate beside its dry compound; screen the dry compound {dry} "
        "(filters.allow_hydrates ranks hydrates)"
    )


def apply_hydrates(
    table: pd.DataFrame,
    config: FilterConfig,
    compositions: PackedCompositions,
    written: list[object] | None = None,
    states: AssignedStates | None = None,
) -> pd.DataFrame:
    """:data:`HYDRATE_COLUMN` after ``error``, and status :data:`HYDRATE` unless
    ``config.allow_hydrates``, for the rows still ``ok``.

    Parameters
    ----------
    table : DataFrame, N rows
        Filtered candidate rows (``status``, ``error``; ``n_sites``).
    config : FilterConfig
        ``allow_hydrates`` is read.
    compositions : PackedCompositions, N rows
        The batch's compositions (``cell_formula`` packed), row-aligned.
    written : list, length N, optional
        A formula table's cells as written (:func:`written_formulas`); read for the rows without
        a structure (a structure's cell may hold several formula units of the written formula).
    states : AssignedStates, optional
        The oxidation states the charge-balance filter assigned to rows of ``compositions``
        (:func:`~electroscreen.screening.filters.filter_batch`): read, not assigned again.

    Returns
    -------
    DataFrame
        A copy with :data:`HYDRATE_COLUMN` (``""`` for rows that are no hydrate or not ``ok``).
    """
    out = table.copy()
    status = out["status"].to_numpy(dtype=object)
    look = status == OK
    if written is not None and "n_sites" in out:  # a structure's cell: units of the formula
        no_structure = ~np.isfinite(pd.to_numeric(out["n_sites"], errors="coerce").to_numpy(float))
        written = [w if free else None for w, free in zip(written, no_structure, strict=True)]
    found = find_hydrates(compositions, look, written, states)
    column = np.where(look, found.formula, "").astype(object)
    if HYDRATE_COLUMN in out:
        out = out.drop(columns=HYDRATE_COLUMN)
    at = out.columns.get_loc("error") + 1 if "error" in out else len(out.columns)
    out.insert(at, HYDRATE_COLUMN, column)
    if not config.allow_hydrates:
        error = out["error"].to_numpy(dtype=object).copy()
        merged, taken = merge_status(status, HYDRATE, look & found.found)
        for row in np.flatnonzero(taken):
            error[row] = hydrate_message(
                found.formula[row], found.dry[row], found.per_unit[row], found.written[row]
            )
        out["status"], out["error"] = merged, error
    return out
