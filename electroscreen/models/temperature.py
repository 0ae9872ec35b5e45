"""Temperature of conductivity predictions: the Arrhenius line and the ``temperature_c`` input.

``log10 sigma(T) = log10 sigma(25 degC) - Ea / (k_B ln10) (1/T - 1/298.15 K)``; a
:class:`~electroscreen.models.predictor.CandidatePredictor` with ``temperature_model="arrhenius"``
predicts ``Ea`` as the mean (:data:`EA_RULE_WEIGHT`) of a small forest (:data:`EA_FOREST`) trained on
the Liverpool Arrhenius fits and of the activation energy that the candidate's predicted
``log10 sigma(25 degC)`` implies with the training rows' median prefactor
(:func:`prefactor_activation_energy`): a poor conductor gets a high ``Ea`` (the forest alone gave
0.27-0.61 eV across 12 decades of conductivity, 0.53 eV to Li3PO4 at 10^-15 S/cm).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from electroscreen.data.liverpool import BOLTZMANN_EV_PER_K, ROOM_TEMPERATURE_K
from electroscreen.notices import NoticeWarning

__all__ = [
    "BOLTZMANN_EV_PER_K",
    "DEFAULT_EA_EV",
    "EA_FOREST",
    "EA_RULE_WEIGHT",
    "KELVIN_LIKE",
    "KelvinWarning",
    "LOOKALIKE_TEMPERATURE_COLUMNS",
    "ROOM_TEMPERATURE_K",
    "TEMPERATURE_COLUMN",
    "TEMPERATURE_MODELS",
    "TEMPERATURE_RANGE_C",
    "UNREAD_COLUMN",
    "arrhenius_shift",
    "blank_cells",
    "log10_prefactor",
    "lookalike_temperature_columns",
    "looks_like_kelvin",
    "parse_temperatures",
    "prefactor_activation_energy",
    "read_temperatures",
    "warn_kelvin_rows",
]

#: eV of activation energy per decade of conductivity at 25 degC: ``k_B T ln10``.
_EA_PER_DECADE = BOLTZMANN_EV_PER_K * ROOM_TEMPERATURE_K * float(np.log(10.0))
#: Temperature models of a conductivity predictor.
TEMPERATURE_MODELS = ("none", "arrhenius")
#: Activation energy (eV) used when no row of the training table has one: about the median of the
#: Liverpool Arrhenius fits (0.40 eV).
DEFAULT_EA_EV = 0.4
#: Settings of the activation-energy forest (few, noisy rows: shallow leaves, feature subsampling).
EA_FOREST = {"n_estimators": 200, "max_features": 0.33, "min_samples_leaf": 2}
#: Weight of :func:`prefactor_activation_energy` in the predicted ``Ea`` (the forest has the rest).
#: Chosen on the 73 training rows with an Arrhenius fit, out of fold (benchmarks/ea_rule.py,
#: benchmarks/README.md "Activation energy tied to the conductivity"): 0.5 had a lower MAE than the
#: forest alone (0) in all eight runs (grouped by chemical system and by family, seeds 0-3); the
#: rule alone (1) in seven, one a tie.
EA_RULE_WEIGHT = 0.5


def log10_prefactor(log10_sigma_25: np.ndarray, ea_ev: np.ndarray) -> float:
    """Median ``log10 sigma0`` (S/cm) of Arrhenius lines ``sigma = sigma0 exp(-Ea / k_B T)``
    through their 25 degC values: ``log10 sigma(25 degC) + Ea / (k_B T ln10)``."""
    per_row = np.asarray(log10_sigma_25, dtype=np.float64) + np.asarray(ea_ev) / _EA_PER_DECADE
    return float(np.median(per_row))


def prefactor_activation_energy(log10_sigma_25: np.ndarray, log10_prefactor: float) -> np.ndarray:
    """``Ea`` (eV, at least 0) of the Arrhenius line through ``log10 sigma(25 degC)`` (shape (n,))
    whose prefactor is ``log10_prefactor``: one common prefactor (the compensation rule), so every
    decade below it costs ``k_B T ln10`` = 0.059 eV at 25 degC."""
    decades = log10_prefactor - np.asarray(log10_sigma_25, dtype=np.float64)
    return np.maximum(decades * _EA_PER_DECADE, 0.0)


def arrhenius_shift(ea_ev: np.ndarray, temperature_c: np.ndarray) -> np.ndarray:
    """``log10 sigma(T) - log10 sigma(25 degC)`` on the Arrhenius line of activation energy ``Ea``.

    Parameters
    ----------
    ea_ev : ndarray, shape (n,)
        Activation energy (eV).
    temperature_c : ndarray, shape (n,)
        Temperature (degC).

    Returns
    -------
    ndarray, shape (n,)
        Shift in decades (positive above 25 degC).
    """
    t = np.asarray(temperature_c, dtype=np.float64) + 273.15
    slope = np.asarray(ea_ev, dtype=np.float64) / (BOLTZMANN_EV_PER_K * np.log(10.0))
    return -slope * (1.0 / t - 1.0 / ROOM_TEMPERATURE_K)


#: Temperatures (degC) a conductivity prediction is made at. The activation energies come from
#: Arrhenius fits of the Liverpool measurements, 99 % of them between 15 and 600 degC; -100 degC
#: leaves room for low-temperature cell tests (-40 degC) without extrapolating the line hundreds
#: of kelvin (at -273 degC it would give 1e-9619 S/cm, at 298.15 "degC", a Kelvin value, 200x).
TEMPERATURE_RANGE_C = (-100.0, 600.0)


def parse_temperatures(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Temperatures in degC (missing -> 25) and each row's problem with its value.

    A missing cell (None, NaN, ``pd.NA``) is 25 degC, as a frame without the column is: not a
    problem, and not noted.

    A number (integer or float, or its text: ``"80"``) is a temperature; text that is not a number,
    a boolean (JSON ``true`` is not 1 degC), infinity or NaN-like values other than a missing cell
    are ``bad_temperature``; a number outside :data:`TEMPERATURE_RANGE_C` is
    ``temperature_out_of_range``.

    Returns
    -------
    temperature_c : ndarray of float64, shape (n,)
        25 where the cell is missing or has a problem.
    problem : ndarray of object, shape (n,)
        ``"ok"``, ``"bad_temperature"`` or ``"temperature_out_of_range"``.
    """
    number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    missing = values.isna().to_numpy()
    bad = ~missing & ~np.isfinite(number)
    if values.dtype == bool or values.dtype == object:
        bad |= values.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    low, high = TEMPERATURE_RANGE_C
    outside = ~missing & ~bad & ((number < low) | (number > high))
    problem = np.full(len(number), "ok", dtype=object)
    problem[bad] = "bad_temperature"
    problem[outside] = "temperature_out_of_range"
    return np.where(problem == "ok", np.where(missing, 25.0, number), 25.0), problem


#: The input column of a row's temperature (degC): the only one read, by pyfunc, ``serve``,
#: ``predict_frame`` and ``screen`` alike (exact name: MLflow's schema matches names exactly).
TEMPERATURE_COLUMN = "temperature_c"
#: A row's note (``pred_feature_status``) when its temperature looks like kelvin
#: (:func:`looks_like_kelvin`); predicted at that many degC all the same.
KELVIN_LIKE = "temperature:looks_like_kelvin"
#: Note of a row predicted at the default temperature while a column that looks like a temperature
#: but is not :data:`TEMPERATURE_COLUMN` has a value (``=`` the column's name follows).
UNREAD_COLUMN = "temperature:unread_column"
#: Kelvin values read as degC: ``T - 273.15`` a whole number of degrees (within 1e-6) from -50 to
#: 200 degC, i.e. 223.15 ... 473.15 ending in .15, the trace a conversion from degC leaves; or the
#: whole kelvin values written for 0, 25 and 100 degC. All of them are rare as degC (a measurement
#: at 298.15 degC), but possible, so a note, never a refusal or a conversion.
_KELVIN_OFFSET_DEGREES = (-50, 200)
_KELVIN_WHOLE = (273.0, 298.0, 373.0)
#: Names (lower case, letters and digits only) of columns that look like a temperature. A bare
#: ``t`` is not one: tables of perovskites carry the tolerance factor ``t``.
_LOOKALIKE_KEYS = frozenset(
    {
        "temperaturec", "temperature", "temp", "tempc", "tc", "temperaturek", "tempk", "tk",
        "celsius", "kelvin", "degc", "tdegc", "tempdegc", "temperaturedegc", "temperaturecelsius",
        "tempcelsius", "temperaturekelvin", "temperatureinc", "temperatureink",
    }
)  # fmt: skip
#: Spellings of such columns declared (optional, any type) in a pyfunc model's signature: MLflow
#: drops a column the signature lacks before the model sees it (with a warning in the log, over
#: REST the server's), so only these reach the model and get the row's note there.
LOOKALIKE_TEMPERATURE_COLUMNS = (
    "Temperature_C", "TEMPERATURE_C", "Temperature_c", "temperature_C", "temperature",
    "Temperature", "TEMPERATURE", "temp", "Temp", "temp_c", "Temp_C", "T_C", "t_c", "T_K",
    "temperature_k", "Temperature_K", "temp_k", "T_degC", "temperature_degC",
)  # fmt: skip


def looks_like_kelvin(temperature_c: np.ndarray) -> np.ndarray:
    """Whether each temperature (degC, shape (n,)) looks like a kelvin value read as degC.

    ``T - 273.15`` within 1e-6 of a whole number of degrees from -50 to 200 (298.15, 323.15, but
    not 298.2 or 573.15), or exactly 273, 298 or 373.

    Examples
    --------
    >>> looks_like_kelvin(np.array([298.15, 25.0, 298.0, 300.0, 473.15, 573.15])).tolist()
    [True, False, True, False, True, False]
    """
    t = np.asarray(temperature_c, dtype=np.float64)
    degrees = t - 273.15
    whole = np.abs(degrees - np.round(degrees)) <= 1e-6
    low, high = _KELVIN_OFFSET_DEGREES
    return (whole & (degrees >= low - 1e-6) & (degrees <= high + 1e-6)) | np.isin(t, _KELVIN_WHOLE)


def lookalike_temperature_columns(columns: object) -> list:
    """The columns (in order) that look like a temperature but are not :data:`TEMPERATURE_COLUMN`:
    ``Temperature_C``, ``temperature``, ``T_C``, ``temp_c``, ``T (K)``, ``temperature_c `` (a
    trailing space), ... (the name lower-cased, with everything but letters and digits dropped)."""
    return [
        c
        for c in columns
        if c != TEMPERATURE_COLUMN and re.sub(r"[^a-z0-9]", "", str(c).lower()) in _LOOKALIKE_KEYS
    ]


def blank_cells(values: pd.Series | np.ndarray) -> np.ndarray:
    """Which cells (shape (n,)) are missing (None, NaN, NA) or empty or all-space text: a row that
    gives no temperature. A list or an array in a cell is not blank."""
    if not isinstance(values, pd.Series):
        values = pd.Series(values, dtype=object)
    text = values.map(lambda v: isinstance(v, str) and not v.strip())
    return values.isna().to_numpy() | text.to_numpy(dtype=bool)


def read_temperatures(frame: pd.DataFrame) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """The ``temperature_c`` of each row of ``frame`` (:func:`parse_temperatures`), its problem
    and its notes.

    Returns
    -------
    temperature_c : ndarray of float64, shape (n,), or None
        None where ``frame`` has no :data:`TEMPERATURE_COLUMN` (every row at 25 degC).
    problem : ndarray of object, shape (n,)
        ``"ok"``, ``"bad_temperature"`` or ``"temperature_out_of_range"``.
    note : ndarray of object, shape (n,)
        :data:`KELVIN_LIKE` where the row's value looks like kelvin (:func:`looks_like_kelvin`),
        ``UNREAD_COLUMN=<name>`` for each look-alike column (:func:`lookalike_temperature_columns`)
        with a value in the row (``;``-joined), else ``""``.
    """
    n = len(frame)
    temperature = None
    problem = np.full(n, "ok", dtype=object)
    notes: list[np.ndarray] = []
    if TEMPERATURE_COLUMN in frame:
        column = frame[TEMPERATURE_COLUMN]
        temperature, problem = parse_temperatures(column)
        kelvin = ~column.isna().to_numpy() & (problem == "ok") & looks_like_kelvin(temperature)
        notes.append(np.where(kelvin, KELVIN_LIKE, ""))
    lookalikes = set(lookalike_temperature_columns(frame.columns))
    for position, name in enumerate(frame.columns):  # by position: a name may repeat
        if name in lookalikes:
            safe = re.sub(r"[;,]", "_", str(name))  # the notes' separators
            blank = blank_cells(frame.iloc[:, position])
            notes.append(np.where(blank, "", f"{UNREAD_COLUMN}={safe}"))
    joined = [";".join(filter(None, parts)) for parts in zip(*notes, strict=True)]
    return temperature, problem, np.array(joined or [""] * n, dtype=object)


class KelvinWarning(NoticeWarning):
    """A temperature in degC that looks like kelvin (:func:`looks_like_kelvin`): a screening
    config's ``temperature_c`` (``screening.screen_config.load_screening_config``) or rows of a
    frame given to ``CandidatePredictor.predict_frame`` (:func:`warn_kelvin_rows`)."""


def warn_kelvin_rows(
    frame: pd.DataFrame, notes: np.ndarray, rows: np.ndarray, stacklevel: int = 2
) -> None:
    """One :class:`KelvinWarning` for all the ``rows`` whose note holds :data:`KELVIN_LIKE`,
    naming how many and the first five (``candidate_id``, else the frame's index label); nothing
    when no row's does.

    Parameters
    ----------
    frame : DataFrame
        The caller's frame (n rows).
    notes : ndarray of object, shape (n,)
        Each row's notes (``;``-joined, :func:`read_temperatures`).
    rows : ndarray of int
        The positions looked at (the rows predicted: those whose notes a caller sees).
    stacklevel : int
        Of :func:`warnings.warn`, counted from this function's caller.
    """
    notes = np.asarray(notes, dtype=object)[rows]
    flagged = np.asarray(rows)[[KELVIN_LIKE in str(n).split(";") for n in notes]]
    if not len(flagged):
        return
    labels = frame["candidate_id"] if "candidate_id" in frame else frame.index.to_series()
    shown = ", ".join(str(labels.iloc[i]) for i in flagged[:5]) + ", ..." * (len(flagged) > 5)
    warnings.warn(
        f"{len(flagged)} row(s) have a temperature_c that looks like kelvin ({shown}): read as "
        "degC, as written; give degC if kelvin was meant (each row is noted "
        f"{KELVIN_LIKE} in pred_feature_status with details=True)",
        KelvinWarning,
        stacklevel=stacklevel + 1,
    )
