"""How a candidate card writes its values: readable numbers, yes/no flags, and units.

A card's fields keep full precision; its tables (:meth:`~electroscreen.analysis.candidate_card.
CandidateCard.sections`) show each value as text through :func:`readable` (``18.73``, not
``1.873e+01``; ``0`` for the float noise of a standard deviation of equal values, not
``2.624e-17``; ``yes`` / ``no`` for a 0/1 flag) beside its unit (:func:`value_table`). The units of
descriptors and reactions are those their featurizers declare
(:meth:`~electroscreen.featurizers.base.Featurizer.feature_units`), written with Å and superscripts;
the results columns' units are :data:`RESULT_UNITS`, with the interval's level and the
temperature of a run where known (:func:`result_units`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from electroscreen.models.training_rows import MEASURED_AT

__all__ = ["RESULT_UNITS", "display_unit", "readable", "result_units", "value_table"]

#: Magnitude below which a value is float noise around zero (a descriptor, a voltage, an energy):
#: no card quantity is meaningful at 1e-10 of its unit.
ZERO = 1e-10
#: The unit featurizers give their 0/1 flags (``h2s_released``, ``hydrate_formed``).
FLAG_UNIT = "0/1"
#: Units of the results columns a card shows (the screen's predictions and objectives).
RESULT_UNITS = {
    "pred_log10_sigma": "log10 S/cm",
    "pred_log10_sigma_lo": "log10 S/cm",
    "pred_log10_sigma_hi": "log10 S/cm",
    "pred_log10_sigma_std": "log10 S/cm (spread of the ensemble's members, not the interval)",
    "pred_log10_sigma_novelty": "distance to training rows, standardised features (median ~2)",
    "train_log10_sigma": f"log10 S/cm, measured at {MEASURED_AT}",
    "heldout_log10_sigma": f"log10 S/cm, measured at {MEASURED_AT}",
    "pred_ea_ev": "eV",
    "p_air_stable": "air-stability score, 0-1 (to rank by; not a calibrated probability)",
    "p_air_stable_std": "spread of the air-stability score over the ensemble",
    "p_air_stable_label_weight": "share of the score from the labels of nearby compositions, 0-1 "
    "(the rest is the logistic prior; below 0.5 noted mostly_prior)",
    "window_red_v": "V vs carrier metal",
    "window_ox_v": "V vs carrier metal",
    "cost_usd_per_kg": "USD/kg",
    "interface_anode_ev_per_atom": "eV/atom of reacting mixture",
    "interface_cathode_ev_per_atom": "eV/atom of reacting mixture",
    "charge_residual": "e per formula unit (net charge in the assigned oxidation states; 0 = "
    "neutral)",
    "gii": "v.u. (global instability index; OBELiX median 0.30)",
    "gii_scale": "lattice scale of the gii (1 = cell as given)",
    "gii_max_site": "v.u. (largest |BVS - V| of one site)",
    "score": "0-1 (what rank sorts by)",
    "acquisition": "0-1 (upper confidence bound; what acquisition_rank sorts by)",
    "rank": "1 = best score",
    "acquisition_rank": "1 = best acquisition",
    "pareto_rank": "Pareto front, 1 = no candidate better on every objective",
    "diverse_rank": "rank among one row per chemistry (empty: represented by another)",
    "represented_by": "the better-ranked candidate of the same chemistry shown for it",
}
#: ASCII unit texts of the featurizers, as a chemist writes them.
_WRITTEN = {"A": "Å", "A^3": "Å³", "g/cm^3": "g/cm³", "A^-3": "Å⁻³"}


def result_units(coverage: float | None = None, temperature_c: float | None = None) -> dict:
    """:data:`RESULT_UNITS` with the conductivity's temperature (``log10 S/cm at 25 °C``; None or
    NaN: unknown, not said) and the interval's bounds named by their nominal ``coverage``
    (``log10 S/cm, lower bound of the 90 % interval``; None: unknown, the default 90 %).

    Parameters
    ----------
    coverage : float, optional
        Nominal coverage of the conductivity model's intervals (``results.attrs``'s).
    temperature_c : float, optional
        The temperature the row's conductivity was predicted at (degC).

    Returns
    -------
    dict
        Column name to unit text.
    """
    from electroscreen.experiments.plots import interval_label

    units = dict(RESULT_UNITS)
    at = ""
    if temperature_c is not None and math.isfinite(float(temperature_c)):
        at = f" at {float(temperature_c):g} °C"
    units["pred_log10_sigma"] += at
    for column, end in (("pred_log10_sigma_lo", "lower"), ("pred_log10_sigma_hi", "upper")):
        units[column] += f"{at}, {end} bound of the {interval_label(coverage)}"
    return units


def display_unit(unit: str) -> str:
    """A featurizer's unit as shown (``A^3`` -> ``Å³``); 0/1 flags and dimensionless: ``""``."""
    if unit == FLAG_UNIT:
        return ""
    return _WRITTEN.get(unit, unit)


def readable(value: object, unit: str = "") -> object:
    """One value as a card shows it.

    Parameters
    ----------
    value : object
        A float is written to 4 significant digits without an exponent where it fits
        (``18.73``, ``0.0002862``, ``1771``, ``12346``), ``0`` when below :data:`ZERO` in
        magnitude, ``NaN`` when missing; a 0/1 flag (``unit`` :data:`FLAG_UNIT`, or a bool) as
        ``yes`` / ``no``. Anything else as it is.
    unit : str
        The value's unit as its featurizer gives it.

    Returns
    -------
    object
        Text for numbers and flags; other values unchanged.
    """
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if not isinstance(value, float | int | np.floating | np.integer):
        return value
    number = float(value)
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else str(number)
    if unit == FLAG_UNIT and number in (0.0, 1.0):
        return "yes" if number else "no"
    if abs(number) < ZERO:
        return "0"
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    if abs(number) >= 1e4:
        return f"{number:.0f}"
    return f"{number:.4g}"


def value_table(
    values: pd.Series | dict, units: dict[str, str] | None = None, name: str = "value"
) -> pd.DataFrame:
    """A card section: each value written by :func:`readable`, with a ``unit`` column when any
    value has a unit (``units`` by name, featurizer texts; missing names have none).

    Parameters
    ----------
    values : Series or dict
        Name to value.
    units : dict, optional
        Name to unit (:meth:`~electroscreen.featurizers.base.Featurizer.feature_units`).
    name : str
        Header of the value column.

    Returns
    -------
    DataFrame
        Indexed by name: ``name`` (text) and, when any value has a unit, ``unit``.
    """
    series = pd.Series(values, dtype=object)
    units = units or {}
    shown = pd.DataFrame(
        {name: [readable(v, units.get(k, "")) for k, v in series.items()]}, index=series.index
    )
    written = [display_unit(units.get(k, "")) for k in series.index]
    if any(written):
        shown["unit"] = written
    return shown
