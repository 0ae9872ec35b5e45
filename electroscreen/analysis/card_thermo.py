"""The candidate card's thermochemistry, at the composition the screen computed it at.

The screen computes the window and the electrode reactions of a row at its content as read
(``cell_formula``), balanced exactly by its carrier
(:func:`~electroscreen.data.carrier_balance.carrier_balanced`, in
:func:`~electroscreen.screening.objective_columns.objective_values`): a refined CIF's ``Li3Y1.015Cl6`` as
``Li2.955Y1.015Cl6``. A card that recomputed them from the raw ``formula`` brought back what that
balance removes: a trace of metal or of Li setting a limit (``Li10.354Ge1.35P1.65S12``: an oxidation
limit of 2.21 V against the run's 2.32 V; ``Li3Y1.015Cl6``: no window against 0.78-4.23 V), and
reactions with ``0.004 H`` or free ``O`` among their products. :func:`thermo_composition` gives the
card that same balanced composition, written per formula unit of the row's ``formula`` so that
the reactions read per formula unit as the results table does; :func:`air_reactions` and
:func:`electrodes` compute the card's sections at it, writing the elemental gases a reaction
releases as molecules (``0.2538 O2``, not the enthalpy table's element ``0.5075 O``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from electroscreen.data.carrier_balance import carrier_balanced
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, FormulaError, format_formula, parse_formula
from electroscreen.data.formula_reduction import composition_writing_ranks
from electroscreen.featurizers.thermo.interface import InterfaceReactivity, electrode_label
from electroscreen.featurizers.thermo.reactivity import AirReactivity
from electroscreen.featurizers.thermo.window import UNDEFINED_INTERFACES, ElectrochemicalWindow
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.screen_config import ObjectivesConfig

__all__ = [
    "ThermoComposition",
    "air_reactions",
    "electrodes",
    "run_carrier",
    "thermo_composition",
]

#: Largest distance of a cell's formula units (its atoms over the formula's) from an integer that
#: is still read as that integer: the reduced formula is written to 4 decimals.
_UNITS_TOLERANCE = 1e-3
#: The fields of a reaction table that hold reactions or phases (notes and statuses do not).
_REACTION_FIELDS = ("_reaction", "_products", "hull_phases")
#: A carrier moved by less than this (per formula unit) from the formula was not moved: the
#: formula is written to 4 decimals.
_WRITTEN = 5e-5


@dataclass(frozen=True)
class ThermoComposition:
    """The composition a card's thermochemistry is computed at.

    Attributes
    ----------
    packed : PackedCompositions
        One row: the row's content as screened, balanced by its carrier, per formula unit of
        ``formula`` (elements in the order of a written formula).
    text : str
        That composition written as a formula (``Li2.955Y1.015Cl6``).
    formula : str
        The row's ``formula``.
    moved : float
        How far the carrier was moved per formula unit (``-0.045``); 0 when the row was balanced.
    """

    packed: PackedCompositions
    text: str
    formula: str
    moved: float = 0.0

    def note(self, carrier: str) -> str:
        """What the card says about this composition (one line)."""
        if self.moved == 0.0:
            return f"{self.text} (the formula as screened: charge balanced)"
        return (
            f"{self.text}: {self.formula} with {carrier} {self.moved:+.4g} per formula unit, "
            "charge balanced as the screen computes the window and interfaces"
        )


def run_carrier(params: dict) -> str:
    """The screening run's carrier (``filters.carrier`` param; the screening config's default
    when the run did not log it)."""
    return params.get("filters.carrier") or FilterConfig().carrier


def _atoms(formula: str) -> float:
    return float(sum(parse_formula(formula).values()))


def thermo_composition(row: pd.Series, carrier: str | None = None) -> ThermoComposition:
    """The composition the screen computed ``row``'s window and interfaces at.

    Parameters
    ----------
    row : Series
        A results row: ``formula`` and, in a run's results, ``cell_formula`` (the content as read,
        which the screen computes at; the formula when missing or empty).
    carrier : str, optional
        The run's carrier (:func:`run_carrier`; default the screening config's).

    Returns
    -------
    ThermoComposition
        The content balanced by :func:`~electroscreen.data.carrier_balance.carrier_balanced`,
        divided by the number of formula units of ``formula`` in it.

    Raises
    ------
    ValueError
        When the row's formula cannot be read.
    """
    carrier = carrier or FilterConfig().carrier
    formula = str(row["formula"])
    content = row.get("cell_formula")
    if not isinstance(content, str) or not content.strip():
        content = formula
    try:
        units = _atoms(content) / _atoms(formula)
    except (FormulaError, ZeroDivisionError) as exc:
        raise ValueError(f"cannot read the formula {formula!r}: {exc}") from exc
    if abs(units - round(units)) < _UNITS_TOLERANCE and round(units) >= 1:
        units = float(round(units))
    packed = pack_compositions([content])
    if packed.status[0] != "ok":
        raise ValueError(f"cannot read the formula {content!r}: {packed.error[0]}")
    balanced, _ = carrier_balanced(packed, carrier)
    ranks = composition_writing_ranks(balanced.z, balanced.amount, balanced.offsets)
    order = np.argsort(ranks, kind="stable")  # as the results write formulas
    z = balanced.z[order]
    amount = balanced.amount[order] / units
    one = PackedCompositions(balanced.offsets, z, amount, balanced.status, balanced.error)
    written = {ELEMENT_SYMBOLS[e]: a for e, a in zip(z.tolist(), amount.tolist(), strict=True)}
    # against the formula as written (to 4 decimals): a content the formula rounds is not moved
    moved = written.get(carrier, 0.0) - parse_formula(formula).get(carrier, 0.0)
    if abs(moved) < _WRITTEN:
        return ThermoComposition(one, formula, formula)
    return ThermoComposition(one, format_formula(written), formula, moved)


def _named(frame: pd.DataFrame, composition: ThermoComposition) -> pd.Series:
    """The first row of a featurizer's reaction table as the card writes it: its reactions
    naming the candidate by ``composition.text`` (the featurizer writes a packed row as ``Br1``,
    amounts to 6 digits; the featurizers write elemental gases as molecules)."""
    row = frame.iloc[0]
    written = str(row.get("formula", ""))

    def text(name: str, value: object) -> object:
        if not isinstance(value, str) or not name.endswith(_REACTION_FIELDS):
            return value
        if written and value.startswith(written + " "):
            value = composition.text + value[len(written) :]
        return value

    return pd.Series({name: text(str(name), v) for name, v in row.items()}, dtype=object)


def air_reactions(composition: ThermoComposition) -> pd.Series:
    """AirReactivity's reaction row at the composition (its status says when it is undefined)."""
    row = _named(AirReactivity().reactions(composition.packed), composition)
    return row.drop(labels=["formula"], errors="ignore")


def electrodes(composition: ThermoComposition, params: dict) -> pd.Series:
    """Window limits, reactions and status, and the reactions with the carrier metal and the
    cathode (with the note on its enthalpy), at the composition, with the screening run's
    ``params`` (carrier, cathode, ``objectives.window_max_uncertainty_v``). A reaction the window's
    status leaves undefined (``window.UNDEFINED_INTERFACES``: both electrodes for
    ``window_elemental_hull``, the metal for ``window_reducible_cation``) is NaN and reads
    ``undefined: <status>``, as the screen's interface columns are NaN."""
    carrier = run_carrier(params)
    defaults = ObjectivesConfig()
    cathode = params.get("objectives.cathode") or defaults.cathode
    bound = float(
        params.get("objectives.window_max_uncertainty_v") or defaults.window_max_uncertainty_v
    )
    window = ElectrochemicalWindow(carrier=carrier, max_uncertainty_v=bound)
    limits = _named(window.window(composition.packed), composition)
    limits = limits.rename({"status": "window_status"})
    interface = InterfaceReactivity(electrodes=(carrier, cathode))
    reactions = _named(interface.reactions(composition.packed), composition)
    keep = ["window_red_v", "red_reaction", "window_ox_v", "ox_reaction", "window_status"]
    reactions = reactions.filter(like="interface_").astype(object)
    status = str(limits["window_status"])
    labels = {"anode": electrode_label(carrier), "cathode": electrode_label(cathode)}
    for electrode in UNDEFINED_INTERFACES.get(status, ()):  # as the screen's interface columns
        prefix = f"interface_{labels[electrode]}_"
        for name in reactions.index:
            if name.startswith(prefix) and not name.startswith(f"{prefix}electrode_"):
                number = name.endswith(("_ev_per_atom", "_mixing_ratio"))
                reactions[name] = np.nan if number else f"undefined: {status}"
    return pd.concat([limits[keep], reactions])
