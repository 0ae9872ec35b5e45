"""The Liverpool Ionics Dataset: 820 Li-ion conductivity measurements at many temperatures.

Hargreaves et al., "A database of experimentally measured lithium solid electrolyte conductivities
evaluated with machine learning", npj Computational Materials 9, 9 (2023),
doi:10.1038/s41524-022-00951-z; CC BY 4.0. Same rules as OBELiX (:mod:`electroscreen.data.obelix`):
the file is read from the data directory (``$ELECTROSCREEN_DATA/liverpool``) or downloaded once from
the pinned upstream copy (the OBELiX repository, ``data/misc/LiIonDatabase.csv``) into the user cache;
its SHA-256 is checked either way. It is never copied into the repository.

Rows, as read (:func:`load_liverpool`)
    Every row is kept, with a ``status``: ``ok``; ``mixture`` (a glass/composite notation such as
    ``"(Li2S)0.75 (P2S5)0.25"`` or ``"(Li2O)50 (P2O5)50"``: quotes and spaces removed, the
    component amounts read as molar proportions, which is how glass compositions are written; the
    row is usable and counted); ``bad_formula`` (does not parse after that normalisation),
    ``bad_temperature`` / ``bad_conductivity`` (missing or non-positive values);
    ``not_the_material`` (a formula that demonstrably is not the material measured, such as
    ``Li1.05Al0.05Ti1.95(PO4)`` for LATP: the listed rows, the rule and each row's evidence are in
    :mod:`~electroscreen.data.liverpool_errata`). Only ``ok`` and ``mixture`` rows train. Nothing
    raises on a row.

Repeated measurements (:func:`liverpool_compositions`)
    The 820 rows hold about 490 composition strings, many measured at several temperatures and some
    by several groups. **Treatment:** rows are grouped by composition (atomic fractions rounded to
    1e-4), and each composition becomes *one* training row, so a composition measured at 15
    temperatures does not weigh 15 times more than one measured once:

    * with at least two temperatures spanning >= 20 K, one Arrhenius line
      ``log10 sigma = log10 sigma0 - Ea / (k_B ln10 T)`` is fitted by least squares through every
      measurement of that composition (all sources pooled: the scatter between groups is part of
      the target's noise, and averaging the sources is what a single value per composition needs).
      A fit with ``0.05 <= Ea <= 1.5 eV`` gives ``ea_ev`` and the 25 degC value
      ``log10_sigma_25`` (only when the lowest temperature is <= 100 degC, so the extrapolation
      stays short); other slopes (phase transitions, mixed sources) are ``non_arrhenius`` and give
      no activation energy;
    * otherwise, measurements within 10-40 degC are averaged into ``log10_sigma_25`` (no fitted
      slope to shift them with; at 0.4 eV a 15 K offset is about 0.3 decades, below the scatter
      between sources);
    * a composition measured only far from room temperature gives no room-temperature value
      (``fit_status = "no_room_temperature"``) but still nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.composition_match import atomic_fractions, composition_key
from electroscreen.data.formula import format_formula, parse_formula
from electroscreen.data.liverpool_errata import NOT_THE_MATERIAL, NOT_THE_MATERIAL_ROWS, USABLE
from electroscreen.data.obelix import OBELIX_COMMIT
from electroscreen.data.pinned import pinned_folder

__all__ = [
    "BOLTZMANN_EV_PER_K",
    "LIVERPOOL_FILE",
    "LIVERPOOL_SHA256",
    "LIVERPOOL_URL",
    "arrhenius_fit",
    "liverpool_compositions",
    "liverpool_dir",
    "load_liverpool",
    "normalise_mixture",
]

LIVERPOOL_FILE = "LiIonDatabase.csv"
LIVERPOOL_SHA256 = "d24ed972b88c3aba14194b6f9347fb3c8e8f9249b82fec22d961e709c1c06e5d"
LIVERPOOL_URL = (
    f"https://raw.githubusercontent.com/NRC-Mila/OBELiX/{OBELIX_COMMIT}/data/misc/{LIVERPOOL_FILE}"
)
CITATION = (
    "Hargreaves et al., A database of experimentally measured lithium solid electrolyte "
    "conductivities evaluated with machine learning, npj Comput. Mater. 9, 9 (2023)"
)
#: Boltzmann constant in eV/K.
BOLTZMANN_EV_PER_K = 8.617333262e-5
#: Room temperature of the targets (25 degC) in K.
ROOM_TEMPERATURE_K = 298.15
#: Accepted activation energies of an Arrhenius fit (eV).
EA_RANGE_EV = (0.05, 1.5)
#: Liverpool family names -> OBELiX ``Family`` names (others are lower-cased; "Other" -> none).
FAMILY_TO_OBELIX = {
    "NASICON": "NASICON",
    "Garnet": "garnet",
    "Perovskite": "perovskites",
    "Argyrodite": "argyrodites",
    "Thio-LISICON": "thio-LISICON",
    "LISICON": "LISICON",
    "Anti-Perovskite": "antiperovskite",
}

_MIXTURE = re.compile(r"^\s*\(.*\)\s*[\d.]*\s*\(")


def liverpool_dir(data_dir: str | Path | None = None, *, url: str = LIVERPOOL_URL) -> Path:
    """Locate (or download) the verified Liverpool file and return its folder.

    Parameters
    ----------
    data_dir : path, optional
        A folder holding ``LiIonDatabase.csv``, or its parent with a ``liverpool/`` subfolder.
        Defaults to ``$ELECTROSCREEN_DATA``; without either, the file is downloaded from ``url``
        into ``$ELECTROSCREEN_CACHE/liverpool``.

    Raises
    ------
    MissingDataError
        ``data_dir`` was given but holds no Liverpool file (a ``FileNotFoundError``).
    ObelixChecksumError
        The file's SHA-256 differs from the pinned copy.
    """
    files = {LIVERPOOL_FILE: LIVERPOOL_SHA256}
    return pinned_folder("liverpool", files, data_dir, lambda _: url, "Liverpool Ionics Dataset")


def normalise_mixture(text: str) -> tuple[str, bool]:
    """Strip quotes and spaces of a composition; say whether it is a mixture notation.

    ``"(Li2S)0.75 (P2S5)0.25"`` -> ``("(Li2S)0.75(P2S5)0.25", True)``: the formula parser reads the
    component amounts as molar proportions.
    """
    raw = str(text).strip().strip('"').strip("'")
    return re.sub(r"\s+", "", raw), bool(_MIXTURE.match(raw))


def load_liverpool(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every Liverpool measurement with a parsed formula and a status (never raises on a row).

    Returns
    -------
    DataFrame
        One row per measurement (820): ``ID``, ``composition`` (as written), ``formula``
        (normalised, parseable, or ``""``), ``composition_key``, ``status``, ``error``,
        ``temperature_c``, ``log10_sigma`` (S/cm), ``family`` (OBELiX naming; NaN for "Other"),
        ``source`` (DOI). ``frame.attrs["status_counts"]`` holds the count per status; ``error``
        says why a row has another status than ``ok``/``mixture``.
    """
    path = liverpool_dir(data_dir) / LIVERPOOL_FILE
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype={"composition": str})
    formula, status, error, key = [], [], [], []
    for text in raw["composition"].fillna("").astype(str):
        cleaned, mixture = normalise_mixture(text)
        fractions = atomic_fractions(cleaned) if cleaned else None
        if fractions is None:
            formula.append("")
            status.append("bad_formula")
            error.append(f"composition {text!r} does not parse")
            key.append(None)
            continue
        formula.append(format_formula(parse_formula(cleaned)) if mixture else cleaned)
        status.append("mixture" if mixture else OK)
        error.append("")
        key.append(composition_key(cleaned))
    temperature = pd.to_numeric(raw["temperature"], errors="coerce").to_numpy(dtype=float)
    sigma = pd.to_numeric(raw["target"], errors="coerce").to_numpy(dtype=float)
    status = np.asarray(status, dtype=object)
    error = np.asarray(error, dtype=object)
    ids = raw["ID"].astype(str).to_numpy()
    for row in np.flatnonzero(np.isin(ids, list(NOT_THE_MATERIAL_ROWS)) & np.isin(status, USABLE)):
        status[row], error[row] = NOT_THE_MATERIAL, NOT_THE_MATERIAL_ROWS[ids[row]]
    usable = np.isin(status, USABLE)
    bad_t = usable & ~(np.isfinite(temperature) & (temperature > -273.15))
    status[bad_t], error[bad_t] = "bad_temperature", "temperature missing or below 0 K"
    bad_s = np.isin(status, USABLE) & ~(np.isfinite(sigma) & (sigma > 0))
    status[bad_s], error[bad_s] = "bad_conductivity", "conductivity missing or not positive"
    family = raw["family"].map(lambda f: FAMILY_TO_OBELIX.get(f, str(f).lower()))
    family = family.where(~raw["family"].isin(["Other"]) & raw["family"].notna())
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sigma = np.where(sigma > 0, np.log10(sigma), np.nan)
    frame = pd.DataFrame(
        {
            "ID": ids,
            "composition": raw["composition"],
            "formula": formula,
            "composition_key": key,
            "status": status,
            "error": error,
            "temperature_c": temperature,
            "log10_sigma": log_sigma,
            "family": family,
            "source": raw["source"].astype(str),
        }
    )
    frame.attrs["status_counts"] = frame["status"].value_counts().to_dict()
    return frame


def _id_order(dataset_id: str) -> tuple[int, str]:
    """Sort key of the dataset's ``ID`` strings: numeric ones by value, then any others."""
    return (int(dataset_id), "") if dataset_id.isdigit() else (2**63, dataset_id)


def arrhenius_fit(temperature_c: np.ndarray, log10_sigma: np.ndarray) -> tuple[float, float]:
    """Least-squares Arrhenius line through measurements of one composition.

    Parameters
    ----------
    temperature_c : ndarray, shape (k,)
        Temperatures in degC (at least two distinct values).
    log10_sigma : ndarray, shape (k,)
        log10 conductivity (S/cm).

    Returns
    -------
    ea_ev : float
        Activation energy (eV) of ``sigma = sigma0 exp(-Ea / k_B T)``.
    log10_sigma_25 : float
        The line's value at 25 degC.
    """
    inv_t = 1.0 / (np.asarray(temperature_c, dtype=float) + 273.15)
    slope, intercept = np.polyfit(inv_t, np.asarray(log10_sigma, dtype=float), 1)
    ea = -slope * BOLTZMANN_EV_PER_K * np.log(10.0)
    return float(ea), float(intercept + slope / ROOM_TEMPERATURE_K)


def liverpool_compositions(measurements: pd.DataFrame) -> pd.DataFrame:
    """One row per composition: the 25 degC value and activation energy (module docstring).

    Parameters
    ----------
    measurements : DataFrame
        :func:`load_liverpool`'s table (rows with another status than ``ok``/``mixture`` skipped).

    Returns
    -------
    DataFrame
        ``composition_key, first_id, formula, family, n_measurements, n_temperatures, t_min_c,
        t_max_c, log10_sigma_25, ea_ev, fit_status, sources``; ``first_id`` is the smallest of the
        dataset's own ``ID`` values among the composition's measurements (stable when other rows
        change, so a user can find the row in the dataset); ``fit_status`` is ``arrhenius``,
        ``arrhenius_far`` (fit accepted, lowest temperature above 100 degC: Ea only),
        ``non_arrhenius``, ``room_temperature`` or ``no_room_temperature``.
    """
    usable = measurements[measurements["status"].isin(USABLE)]
    records = []
    for key, group in usable.groupby("composition_key", sort=True):
        t = group["temperature_c"].to_numpy(dtype=float)
        y = group["log10_sigma"].to_numpy(dtype=float)
        temps = np.unique(np.round(t, 1))
        ea = sigma25 = np.nan
        fit_status = "no_room_temperature"
        if len(temps) >= 2 and temps.max() - temps.min() >= 20.0:
            fitted_ea, fitted_25 = arrhenius_fit(t, y)
            if EA_RANGE_EV[0] <= fitted_ea <= EA_RANGE_EV[1]:
                ea = fitted_ea
                fit_status = "arrhenius" if t.min() <= 100.0 else "arrhenius_far"
                sigma25 = fitted_25 if t.min() <= 100.0 else np.nan
            else:
                fit_status = "non_arrhenius"
        if not np.isfinite(sigma25):
            near = (t >= 10.0) & (t <= 40.0)
            if near.any():
                sigma25 = float(y[near].mean())
                fit_status = (
                    "room_temperature" if fit_status == "no_room_temperature" else fit_status
                )
        families = group["family"].dropna()
        records.append(
            {
                "composition_key": key,
                "first_id": min(group["ID"], key=_id_order),
                "formula": group["formula"].iloc[0],
                "family": families.mode().iloc[0] if len(families) else np.nan,
                "n_measurements": len(group),
                "n_temperatures": len(temps),
                "t_min_c": float(t.min()),
                "t_max_c": float(t.max()),
                "log10_sigma_25": sigma25,
                "ea_ev": ea,
                "fit_status": fit_status,
                "sources": ";".join(sorted(set(group["source"]))),
            }
        )
    return pd.DataFrame.from_records(records)
