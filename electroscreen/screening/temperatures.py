"""The temperature of each screened row, and what a run says about its temperatures.

A row's conductivity is predicted at its input table's ``temperature_c`` cell where it has one,
else at the screening config's ``temperature_c`` (:func:`row_temperatures`); the conductivity
model reads that value and the table's look-alike columns (``Temperature_C``, ``T_C``: noted,
never read, :func:`~electroscreen.models.temperature.read_temperatures`) per row
(:func:`conductivity_inputs`). After the ranking, :func:`temperature_warnings` are the run's
one-line warnings: a ranking across several temperatures, rows whose temperature looks like
kelvin, look-alike columns that were not read.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from electroscreen.models.temperature import (
    KELVIN_LIKE,
    TEMPERATURE_COLUMN,
    UNREAD_COLUMN,
    blank_cells,
    lookalike_temperature_columns,
    parse_temperatures,
)

__all__ = [
    "conductivity_inputs",
    "predicted_at",
    "ranked_temperatures",
    "row_temperatures",
    "temperature_warnings",
    "used_temperatures",
]

#: The conductivity model's name in ``pred_feature_status`` (``process_batch``'s).
_MODEL = "conductivity"
#: Temperatures named in a warning before "...".
_SHOWN = 6


def row_temperatures(
    table: pd.DataFrame, rows: np.ndarray, temperature_c: float
) -> np.ndarray | None:
    """The temperature (degC) the conductivity of each of ``rows`` is asked at: the input table's
    ``temperature_c`` cell where it has one (as pyfunc and ``serve`` read that column), else the
    screening's ``temperature_c``; None when that is 25 degC for every row (the model's default).

    Returns
    -------
    ndarray of object, shape (len(rows),), or None
        Cells as read (a text that is not a number is that row's ``bad_temperature``).
    """
    default = float(temperature_c)
    if TEMPERATURE_COLUMN not in table:
        return None if default == 25.0 else np.full(len(rows), default, dtype=object)
    cells = table[TEMPERATURE_COLUMN].to_numpy(dtype=object)[rows]
    return np.where(blank_cells(cells), default, cells).astype(object)


def conductivity_inputs(
    table: pd.DataFrame, rows: np.ndarray, temperature_c: float
) -> dict[str, np.ndarray]:
    """The temperature columns the conductivity model is given for ``rows`` of a batch's
    ``table``: ``temperature_c`` (:func:`row_temperatures`; absent when None) and the table's
    look-alike columns (``Temperature_C``, ``T_C``), which the model does not read but notes on
    each row with a value in one (:func:`~electroscreen.models.temperature.read_temperatures`)."""
    out: dict[str, np.ndarray] = {}
    temperatures = row_temperatures(table, rows, temperature_c)
    if temperatures is not None:
        out[TEMPERATURE_COLUMN] = temperatures
    for name in lookalike_temperature_columns(table.columns):
        out[str(name)] = table[name].to_numpy(dtype=object)[rows]
    return out


def used_temperatures(results: pd.DataFrame, temperature_c: float) -> np.ndarray:
    """The temperature (degC) each row of a screening's ``results`` was predicted at, or would have
    been: its ``temperature_c`` cell, else the config's ``temperature_c``; NaN where the cell is
    not a temperature (``bad_temperature``, ``temperature_out_of_range``)."""
    cells = row_temperatures(results, np.arange(len(results)), temperature_c)
    if cells is None:
        return np.full(len(results), 25.0)
    values, problem = parse_temperatures(pd.Series(cells, dtype=object))
    return np.where(problem == "ok", values, np.nan)


def ranked_temperatures(results: pd.DataFrame, temperature_c: float) -> np.ndarray:
    """The distinct temperatures (degC, ascending) the ranked rows of ``results`` were predicted
    at (:func:`used_temperatures`); every ``ok`` row's when the table has no ``rank``."""
    from electroscreen.screening.ranking import is_ranked  # Numba: only when there are results

    if "rank" in results:
        rows = is_ranked(results["rank"])
    elif "status" in results:
        rows = (results["status"].astype(str) == "ok").to_numpy(bool)
    else:
        rows = np.ones(len(results), bool)
    used = used_temperatures(results, temperature_c)[rows]
    return np.unique(used[np.isfinite(used)])


def predicted_at(results: pd.DataFrame | None, temperature_c: float | None) -> str:
    """The temperature a screening's conductivities were predicted at, as a reviewer reads it.

    Parameters
    ----------
    results : DataFrame or None
        The screening's results (None: before any row is predicted, the config's temperature).
    temperature_c : float or None
        The screening config's ``temperature_c`` (None: unknown, e.g. a table loaded on its own;
        then only a ``temperature_c`` column of ``results`` says).

    Returns
    -------
    str
        ``"80 °C"``; ``"25–80 °C (each row's temperature_c)"`` when the ranked rows were predicted
        at several temperatures; ``""`` when unknown.
    """
    if results is None or (temperature_c is None and TEMPERATURE_COLUMN not in results):
        return "" if temperature_c is None else f"{float(temperature_c):g} °C"
    at = ranked_temperatures(results, 25.0 if temperature_c is None else float(temperature_c))
    if len(at) == 0:
        return "" if temperature_c is None else f"{float(temperature_c):g} °C"
    if len(at) == 1:
        return f"{at[0]:g} °C"
    return f"{at[0]:g}–{at[-1]:g} °C (each row's {TEMPERATURE_COLUMN})"


def temperature_warnings(results: pd.DataFrame, temperature_c: float) -> list[str]:
    """What a screening says about its temperatures, one line each (none for a run at one
    temperature with nothing to note).

    * The ranked rows were predicted at several temperatures: one ranking compares them, and a
      row ranks higher at a higher temperature for that alone.
    * Rows whose ``temperature_c`` cell looks like kelvin
      (:func:`~electroscreen.models.temperature.looks_like_kelvin`; the config's own value is said
      when it is loaded, :func:`~electroscreen.screening.screen_config.load_screening_config`).
    * Look-alike columns (``Temperature_C``, ``T_C``) with values on predicted rows: not read.

    Parameters
    ----------
    results : DataFrame
        A screening's results (``rank``, ``status``, ``pred_feature_status`` and the input
        columns).
    temperature_c : float
        The screening config's ``temperature_c``.
    """
    from electroscreen.screening.ranking import is_ranked  # Numba: only when there are results

    said = []
    ranked = is_ranked(results["rank"]) if "rank" in results else np.zeros(len(results), bool)
    used = used_temperatures(results, temperature_c)
    at = np.unique(used[ranked])
    at = at[np.isfinite(at)]
    if len(at) > 1:
        shown = _listed(at)
        said.append(
            f"the ranking compares conductivities predicted at {len(at)} temperatures ({shown} "
            "degC; each row's temperature_c, blank: the config's "
            f"{temperature_c:g}): a row ranks higher at a higher temperature for that alone. The "
            "top table shows each row's temperature; to compare candidates at one temperature, "
            "filter the results on it or screen each temperature alone"
        )
    notes = _model_notes(results)
    kelvin = np.array([KELVIN_LIKE in n for n in notes], dtype=bool)
    if TEMPERATURE_COLUMN in results:  # a row the config's value was given to: said at loading
        kelvin &= ~blank_cells(results[TEMPERATURE_COLUMN].to_numpy(dtype=object))
    else:
        kelvin[:] = False
    if kelvin.any():
        shown = _listed(np.unique(used[kelvin]))
        said.append(
            f"{_rows(int(kelvin.sum()))} a temperature_c that looks like kelvin ({shown}): "
            "predicted at that many degC, as given (pred_feature_status "
            f"{_MODEL}:{KELVIN_LIKE}); if kelvin was meant, write degC (298.15 K is 25 degC)"
        )
    unread = Counter(
        part.split("=", 1)[1] for n in notes for part in n if part.startswith(UNREAD_COLUMN + "=")
    )
    for name, count in unread.items():
        said.append(
            f"input column {name!r} looks like a temperature but is not read (only "
            f"{TEMPERATURE_COLUMN!r} is): {count} predicted row(s) with a value in it, predicted "
            f"at their {TEMPERATURE_COLUMN} or the config's {temperature_c:g} degC, are noted "
            f"{_MODEL}:{UNREAD_COLUMN}={name} in pred_feature_status; rename it "
            f"{TEMPERATURE_COLUMN} (degC) to screen at its values"
        )
    return said


def _listed(temperatures: np.ndarray) -> str:
    """``25, 80, 150`` (degC), the first :data:`_SHOWN` then ``...``."""
    shown = ", ".join(f"{t:g}" for t in temperatures[:_SHOWN])
    return shown + (", ..." if len(temperatures) > _SHOWN else "")


def _rows(n: int) -> str:
    return "1 row has" if n == 1 else f"{n} rows have"


def _model_notes(results: pd.DataFrame) -> list[list[str]]:
    """Each row's conductivity-model notes, without the model's name (``pred_feature_status`` is
    ``"conductivity:temperature:looks_like_kelvin,air-stability:..."``); only rows with a
    temperature note have any."""
    out: list[list[str]] = [[] for _ in range(len(results))]
    if "pred_feature_status" not in results:
        return out
    prefix = f"{_MODEL}:"
    cells = results["pred_feature_status"].fillna("").astype(str)
    noted = np.flatnonzero(cells.str.contains(f"{prefix}temperature:", regex=False).to_numpy())
    for i in noted:  # the temperature's notes only: a few rows of a large pool, if any
        out[i] = [p[len(prefix) :] for p in cells.iloc[i].split(",") if p.startswith(prefix)]
    return out
