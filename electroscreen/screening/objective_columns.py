"""The computed objective columns of a screening's rows: window, cost, interfaces, table objectives.

:func:`objective_values` writes :data:`OBJECTIVE_COLUMNS` (the electrochemical window, the material
cost, the reaction energies with the anode and the cathode, then the columns of the objectives in
:mod:`~electroscreen.screening.objective_table` that name a ``compute`` function) and
:data:`WINDOW_STATUS_COLUMN` for the rows a batch keeps ``ok`` after its predictions
(:func:`~electroscreen.screening.batch.process_batch`); :func:`check_cathode` refuses a cathode
without an enthalpy before any batch runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from electroscreen.data.carrier_balance import carrier_balanced
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.screening.objective_table import OBJECTIVES, compute_function
from electroscreen.screening.screen_config import ObjectivesConfig

if TYPE_CHECKING:
    from electroscreen.screening.prediction_memo import ScreeningMemos

__all__ = [
    "COST_COLUMNS",
    "INTERFACE_COLUMNS",
    "OBJECTIVE_COLUMNS",
    "WINDOW_COLUMNS",
    "WINDOW_STATUS_COLUMN",
    "check_cathode",
    "objective_values",
    "remembered_objective_values",
]

#: Computed objectives (``objectives`` in the screening config), NaN where not computed.
WINDOW_COLUMNS = ("window_red_v", "window_ox_v")
COST_COLUMNS = ("cost_usd_per_kg",)
#: Most negative reaction energy with the carrier metal (the anode: Li metal by default) and with the
#: configured cathode (``objectives.cathode``, LiCoO2 by default, whose enthalpy is an estimate:
#: featurizers/thermo/electrodes.py), eV/atom of the reacting mixture (<= 0; 0 = no reaction).
INTERFACE_COLUMNS = ("interface_anode_ev_per_atom", "interface_cathode_ev_per_atom")
#: The columns :func:`objective_values` writes: the window, cost and interface columns, then those of
#: the objectives in ``screening/objective_table.py`` that name a ``compute`` function.
OBJECTIVE_COLUMNS = WINDOW_COLUMNS + COST_COLUMNS + INTERFACE_COLUMNS
OBJECTIVE_COLUMNS += tuple(
    o.column for o in OBJECTIVES.values() if o.compute and o.column not in OBJECTIVE_COLUMNS
)
_AT = {column: i for i, column in enumerate(OBJECTIVE_COLUMNS)}
_WINDOW = [_AT[c] for c in WINDOW_COLUMNS]
_COST, _ANODE, _CATHODE = (_AT[c] for c in (*COST_COLUMNS, *INTERFACE_COLUMNS))
#: Why a window limit is NaN (``ElectrochemicalWindow``'s status: ``ok``, ``window_out_of_domain``,
#: ``window_elemental_hull``, ``window_borane_cluster``, ``window_not_converged``, ...); empty where
#: neither the window nor an interface was computed (with an interface on, the window is solved for
#: its status even when its columns are off).
WINDOW_STATUS_COLUMN = "window_status"


def check_cathode(objectives: ObjectivesConfig) -> None:
    """Raise before any batch when the configured cathode has no enthalpy (neither tabulated nor
    estimable), instead of failing every batch (:func:`~electroscreen.featurizers.thermo.electrodes.
    electrode_enthalpy` names the reason)."""
    if objectives.interface_cathode:
        from electroscreen.featurizers.thermo.electrodes import electrode_enthalpy

        try:
            electrode_enthalpy(objectives.cathode)
        except ValueError as exc:
            raise ValueError(f"objectives.cathode: {exc}") from None


def objective_values(
    formulas: list[str] | PackedCompositions, objectives: ObjectivesConfig, carrier: str
) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) :data:`OBJECTIVE_COLUMNS` (``window_red_v, window_ox_v, cost_usd_per_kg,
    interface_anode_ev_per_atom, interface_cathode_ev_per_atom``, then the objective table's
    columns with a ``compute`` function, called on the compositions as given) of ``formulas``
    (formula strings or packed; NaN where an objective is switched off or undefined for the row;
    a row's status is never changed) and the window's status per row (:data:`WINDOW_STATUS_COLUMN`, ``""`` when
    neither the window nor an interface is on; ``window_elemental_hull`` also leaves both interface
    columns NaN, and so does an untabulated borane-cluster salt, ``window_borane_cluster``, whose
    interface columns are NaN whichever objectives are on: ``InterfaceReactivity``'s
    ``interface_borane_cluster``; ``window_reducible_cation``, a model-corrected row holding Nb5+ or
    Ti4+ at a reduction limit of 0 V, leaves the reduction limit and the anode column NaN). With an
    interface on, the window is solved whether or not its
    columns are asked for (they are then NaN), so a row's status and its interface columns are the
    same with the window on or off. Window, anode
    and cathode share one set of candidate enthalpies
    (:func:`~electroscreen.featurizers.thermo.interface.window_and_anode`), computed at the
    composition balanced exactly by its carrier (:func:`~electroscreen.data.carrier_balance.
    carrier_balanced`: a refined CIF's ``Li3In1.015Cl6`` as ``Li2.955In1.015Cl6``, whose oxidation
    limit is 4.2 V, not the 2.4 V of a trace of In metal); the cost at the composition as given."""
    from electroscreen.featurizers.composition.cost import MaterialCost
    from electroscreen.featurizers.thermo.interface import window_and_anode
    from electroscreen.featurizers.thermo.window import (
        UNDEFINED_INTERFACES,
        ElectrochemicalWindow,
    )

    out = np.full((len(formulas), len(OBJECTIVE_COLUMNS)), np.nan)
    status = np.full(len(formulas), "", dtype=object)
    if not len(formulas):
        return out, status
    carrier = carrier or "Li"
    cathode = objectives.cathode if objectives.interface_cathode else None
    given = formulas
    if objectives.window or objectives.interface or cathode:
        if not isinstance(formulas, PackedCompositions):
            formulas = pack_compositions(formulas)
        formulas, _ = carrier_balanced(formulas, carrier)
    if objectives.interface or cathode:  # one set of enthalpies; the window's status is needed
        both, status = window_and_anode(  # for the interfaces even when its columns are off
            formulas,
            carrier,
            max_uncertainty_v=objectives.window_max_uncertainty_v,
            cathode=cathode,
            anode=objectives.interface,
        )
        if objectives.window:
            out[:, _WINDOW] = both[:, :2]
        if objectives.interface:
            out[:, _ANODE] = both[:, 3]
        if cathode:
            out[:, _CATHODE] = both[:, 4]
        for window_status, electrodes in UNDEFINED_INTERFACES.items():  # elemental hull, Nb5+
            columns = [{"anode": _ANODE, "cathode": _CATHODE}[e] for e in electrodes]
            out[np.ix_(np.asarray(status == window_status), columns)] = np.nan
    elif objectives.window:
        window, status = ElectrochemicalWindow(
            carrier=carrier, max_uncertainty_v=objectives.window_max_uncertainty_v
        ).transform_with_status(formulas)
        out[:, _WINDOW] = window[:, :2]
    if objectives.cost:
        out[:, _COST] = MaterialCost().transform(given)[:, 0]
    for objective in OBJECTIVES.values():  # the table's own computed objectives
        if objective.compute:
            packed = given if isinstance(given, PackedCompositions) else pack_compositions(given)
            out[:, _AT[objective.column]] = compute_function(objective)(packed, carrier)
    return out, np.asarray(status, dtype=object)


def remembered_objective_values(
    compositions: PackedCompositions,
    rows: np.ndarray,
    keys: list,
    objectives: ObjectivesConfig,
    carrier: str,
    memos: ScreeningMemos | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`objective_values` of ``compositions.take(rows)``; with ``memos``, a row's values
    taken from those the screening computed for an earlier row with the same key (``keys``, one
    per row of ``rows``: the formula as read, which fixes the composition) and the same
    ``objectives`` and ``carrier`` (:mod:`~electroscreen.screening.prediction_memo`)."""

    def values_of(at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return objective_values(compositions.take(rows[at]), objectives, carrier)

    if memos is None:
        return values_of(np.arange(len(rows)))
    request = ("objectives", objectives.model_dump_json(), carrier)
    return memos.get(request).outputs(keys, values_of)
