"""A screening's results read from its output folder, with what the run would tell a notebook.

:func:`~electroscreen.analysis.triage.load_results` reads a screening from the MLflow store; the
folder ``electroscreen screen --out OUT`` wrote holds the same table and, beside it, what a card
needs to know about the run: ``screening.yaml`` (the effective config, whose fields are the run's
params under the same dotted names, ``filters.carrier``, ``objectives.cathode``, ``temperature_c``),
``inputs.json`` (the inputs, as absolute paths, so a structure is found from any directory),
``manifest.json`` (the models and the store) and ``state.json`` (the run id). So
``electroscreen card OUT ID`` works without the store, and where the store is here it also names
the interval's level.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from electroscreen.analysis.export_run import read_json_object, store_reachable
from electroscreen.experiments.config_files import flat_params
from electroscreen.experiments.plots import COVERAGE_ATTR
from electroscreen.screening.checkpoint import CONFIG_FILE
from electroscreen.screening.inputs_record import INPUTS_RECORD
from electroscreen.screening.results import read_results

__all__ = ["load_folder_results", "results_table"]


def _inputs(folder: Path) -> str | None:
    """The screening's inputs as absolute paths, comma-joined as the run's ``inputs`` param."""
    items = read_json_object(folder / INPUTS_RECORD).get("items") or []
    paths = [
        str(item.get("absolute") or item.get("path")) for item in items if isinstance(item, dict)
    ]
    return ",".join(paths) or None


def results_table(path: str | Path) -> tuple[Path, Path]:
    """The results table and the output folder of ``path`` (a screening output folder or its
    results table).

    Raises
    ------
    FileNotFoundError
        When there is no results table at ``path``.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    table = path / "results.parquet" if path.is_dir() else path
    if not table.is_file():
        raise FileNotFoundError(f"no results table at {table}")
    return table, folder


def load_folder_results(path: str | Path) -> pd.DataFrame:
    """The results table of the screening output folder ``path`` (or of its ``results.parquet``).

    Parameters
    ----------
    path : path
        ``OUT`` of ``electroscreen screen --out OUT``, or its results table.

    Returns
    -------
    DataFrame
        As :func:`~electroscreen.analysis.triage.load_results`: one row per screened candidate;
        ``attrs["params"]`` the effective config's fields as flat params plus ``inputs`` (absolute
        paths from ``inputs.json``), ``attrs["run_id"]`` and ``attrs["tracking_uri"]`` where
        the folder records them (else None), ``attrs["interval_coverage"]`` where the store is
        here (a SQLite store is read only when its file exists; never created), else None.

    Raises
    ------
    FileNotFoundError
        When there is no results table at ``path``.
    """
    from electroscreen.experiments.model_coverage import model_coverage

    table, folder = results_table(path)
    results = read_results(table)
    try:
        config = yaml.safe_load((folder / CONFIG_FILE).read_text()) or {}
    except (OSError, yaml.YAMLError):
        config = {}
    params = flat_params(config) if isinstance(config, dict) else {}
    inputs = _inputs(folder)
    if inputs:
        params["inputs"] = inputs
    manifest = read_json_object(folder / "manifest.json")
    uri = manifest.get("tracking_uri")
    results.attrs["params"] = params
    results.attrs["run_id"] = read_json_object(folder / "state.json").get("run_id")
    results.attrs["tracking_uri"] = uri
    model = manifest.get("conductivity_model_uri")
    reachable = model and store_reachable(uri)
    results.attrs[COVERAGE_ATTR] = model_coverage(model, uri) if reachable else None
    return results
