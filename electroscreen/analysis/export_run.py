"""Which screening a shortlist came from: ``shortlist_provenance.json`` beside ``shortlist.csv``.

``electroscreen export`` writes one JSON object of what every row of its shortlist shares, read from
the screening's output folder (what ``screen`` wrote there) under the names the screening uses:

- ``results`` and ``results_sha256``: the results table exported, and the SHA-256 of its bytes;
  ``top``: how many ranked rows were asked for; ``ranked_by``: the rank they were picked by
  (``rank``, or ``diverse_rank``: one per chemistry, ``export --diverse``);
- ``run_id`` (``state.json``; None when the screening was not tracked) and ``tracking_uri``;
- ``conductivity_model_uri`` / ``_digest``, ``stability_model_uri`` / ``_digest`` (SHA-256 of each
  model's files), ``config_digest``, ``input_digest``, ``code_digest`` and ``package_version``, as
  the screening's ``manifest.json`` records them (the MLflow run's tags hold the same digests);
- ``temperature_c``: the screening's temperature (degC; a row's own, where its input gave one, is
  the shortlist's ``temperature_c`` column), from ``screening.yaml``, else the run's param;
- ``interval_coverage`` (``1 - conformal_alpha`` of the conductivity model's training run) and
  ``interval``, its name (``90 % interval``): the level of ``pred_log10_sigma_lo`` / ``_hi``;
- ``screening_config``: the path of the effective config ``screen`` wrote (``screening.yaml``);
- ``notes``: each value that could not be read, and why (a folder screened before a file existed,
  a store that is not reachable from here).

The store is read only where the folder does not say (the interval's level, always; the temperature
of a folder older than ``screening.yaml``), and a SQLite store only when its file exists: an export
never creates a store.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from electroscreen.data.pinned import sha256_file
from electroscreen.experiments.plots import interval_label
from electroscreen.experiments.sqlite_store import sqlite_file
from electroscreen.models.temperature import TEMPERATURE_COLUMN, blank_cells
from electroscreen.screening.checkpoint import CONFIG_FILE
from electroscreen.screening.temperatures import used_temperatures

__all__ = [
    "MANIFEST_FIELDS",
    "PROVENANCE_FILE",
    "read_json_object",
    "row_temperatures",
    "run_provenance",
    "store_reachable",
    "write_provenance",
]

#: The file beside ``shortlist.csv``.
PROVENANCE_FILE = "shortlist_provenance.json"
#: The fields of the screening's ``manifest.json`` copied, under its names.
MANIFEST_FIELDS = (
    "conductivity_model_uri",
    "conductivity_model_digest",
    "stability_model_uri",
    "stability_model_digest",
    "tracking_uri",
    "config_digest",
    "input_digest",
    "code_digest",
    "package_version",
)


def read_json_object(path: Path, notes: list[str] | None = None) -> dict:
    """The JSON object in a screening folder's ``path`` (``manifest.json``, ``state.json``,
    ``inputs.json``); ``{}`` where it is missing or not readable (``notes``, when given, says
    which) or holds no object."""
    notes = [] if notes is None else notes
    if not path.is_file():
        notes.append(f"no {path.name} in {path.parent}")
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        notes.append(f"{path} is not readable: {exc}")
        return {}
    return data if isinstance(data, dict) else {}


def _config_temperature(path: Path, notes: list[str]) -> float | None:
    """``temperature_c`` of the effective config ``screen`` wrote, or None (said in ``notes``)."""
    if not path.is_file():
        notes.append(f"no {path.name} in {path.parent} (screened before it was written)")
        return None
    try:
        value = (yaml.safe_load(path.read_text()) or {}).get("temperature_c")
        return float(value)
    except (OSError, ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
        notes.append(f"temperature_c of {path} is not readable: {exc}")
        return None


def store_reachable(uri: str | None) -> bool:
    """Whether the store ``uri`` may be asked: any but a SQLite file that does not exist here."""
    if not uri:
        return False
    path = sqlite_file(uri)
    return path is None or path.is_file()


def _from_store(record: dict, need_temperature: bool, notes: list[str]) -> None:
    """Fill the interval's level (and, when ``need_temperature``, the run's ``temperature_c``) of
    ``record`` from its store; what cannot be read stays None, said in ``notes``."""
    from electroscreen.experiments.model_coverage import model_coverage
    from electroscreen.experiments.tracking import tracking_client

    uri = record.get("tracking_uri")
    if not store_reachable(uri):
        notes.append(f"the store {uri} is not here: interval level and run params not read")
        return
    record["interval_coverage"] = model_coverage(record.get("conductivity_model_uri"), uri)
    if record["interval_coverage"] is None:
        notes.append(
            f"the training run of {record.get('conductivity_model_uri')} does not say its "
            "conformal_alpha: the interval is named by the default, 90 %"
        )
    if need_temperature and record.get("run_id"):
        try:
            params = tracking_client(uri).get_run(record["run_id"]).data.params
            record["temperature_c"] = float(params["temperature_c"])
        except Exception as exc:  # noqa: BLE001 - bookkeeping: the export goes on
            notes.append(f"temperature_c of run {record['run_id']} not read: {exc}")


def run_provenance(folder: Path, table: Path, top: int, ranked_by: str = "rank") -> dict:
    """What a shortlist of the results ``table`` in the screening output ``folder`` came from (see
    the module docstring).

    Parameters
    ----------
    folder : Path
        The screening's output folder (``manifest.json``, ``state.json``, ``screening.yaml``).
    table : Path
        The results table read.
    top : int
        The number of ranked rows asked for.
    ranked_by : str
        The rank column the rows were picked by: ``rank``, or ``diverse_rank`` (one per
        chemistry, ``export --diverse``).

    Returns
    -------
    dict
        JSON-ready; a value that could not be read is None, and ``notes`` says why.
    """
    notes: list[str] = []
    record: dict = {"results": str(table.resolve()), "results_sha256": sha256_file(table)}
    record["top"] = int(top)
    record["ranked_by"] = ranked_by
    manifest = read_json_object(folder / "manifest.json", notes)
    record["run_id"] = read_json_object(folder / "state.json", notes).get("run_id")
    record.update({key: manifest.get(key) for key in MANIFEST_FIELDS})
    config = folder / CONFIG_FILE
    record["temperature_c"] = _config_temperature(config, notes)
    record["interval_coverage"] = None
    _from_store(record, record["temperature_c"] is None, notes)
    record["interval"] = interval_label(record["interval_coverage"])
    record["screening_config"] = str(config.resolve()) if config.is_file() else None
    record["notes"] = notes
    return record


def row_temperatures(rows: pd.DataFrame, temperature_c: float | None) -> np.ndarray:
    """The temperature (degC) each of a screening's result ``rows`` was predicted at: its own
    ``temperature_c`` cell where its input gave one, else the screening's ``temperature_c``
    (:func:`~electroscreen.screening.temperatures.used_temperatures`); NaN where that is needed
    and unknown (None), not the model's default of 25 degC."""
    if temperature_c is not None:
        return used_temperatures(rows, temperature_c)
    cells = rows[TEMPERATURE_COLUMN] if TEMPERATURE_COLUMN in rows else pd.Series(None, rows.index)
    own = ~blank_cells(cells.to_numpy(dtype=object))
    return np.where(own, used_temperatures(rows, 25.0), np.nan)


def write_provenance(record: dict, out: Path) -> Path:
    """Write ``record`` (:func:`run_provenance`) to ``out/shortlist_provenance.json``."""
    path = out / PROVENANCE_FILE
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path
