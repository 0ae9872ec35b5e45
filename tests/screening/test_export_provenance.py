"""``export``'s shortlist keeps the results' notes and columns and says which run it came from.

An audit (F2) found ``shortlist.csv`` without ``pred_feature_status`` or ``window_status``, the
air-score spread or ``gii_max_site``, and nothing of the run, models, temperature or interval it
came from; and (F10) a screening run whose config had to be rebuilt from its flattened params.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts

from electroscreen.analysis.export import SHORTLIST_COLUMNS, export_shortlist
from electroscreen.analysis.export_run import PROVENANCE_FILE
from electroscreen.data.candidates import RESERVED_COLUMNS
from electroscreen.data.pinned import sha256_file
from electroscreen.experiments.plots import interval_label
from electroscreen.screening.run_artifacts import CONFIG_ARTIFACT
from electroscreen.screening.runner import ScreeningResult, screen
from electroscreen.screening.screen_config import ScreeningConfig, load_screening_config

#: Formulas screened; the last two carry their own temperature (degC), the others the config's.
FORMULAS = ["Li7La3Zr2O12", "Li3PS4", "Li6PS5Cl", "Li3YBr6", "Li3HoCl6", "Li3InCl6", "Li3N"]
OWN_TEMPERATURES = [None, None, None, None, None, 80.0, 40.0]
#: Results columns a shortlist leaves out: bookkeeping (a ranked row is ``ok``).
BOOKKEEPING = {"status", "error", "n_sites", "batch"}


@dataclass
class Screened:
    out: Path
    result: ScreeningResult
    config: ScreeningConfig
    uri: str


@pytest.fixture(scope="module")
def screened(tmp_path_factory, model_store) -> Screened:
    folder = tmp_path_factory.mktemp("export-provenance")
    pool = folder / "pool.csv"
    ids = [f"f{i}" for i in range(len(FORMULAS))]
    pd.DataFrame({"id": ids, "formula": FORMULAS, "temperature_c": OWN_TEMPERATURES}).to_csv(
        pool, index=False
    )
    config = ScreeningConfig(temperature_c=60.0, batch_size=4, experiment="export-provenance")
    result = screen(
        [pool], folder / "out", config=config, conductivity_model=model_store.conductivity,
        stability_model=model_store.stability, tracking_uri=model_store.uri, device="cpu",
        progress=False,
    )  # fmt: skip
    assert result.run_id is not None
    return Screened(folder / "out", result, config, model_store.uri)


def test_the_shortlist_keeps_every_result_column_with_its_notes(screened, tmp_path):
    results = screened.result.results
    ranked = results[results["rank"] > 0].sort_values("rank")
    export = export_shortlist(screened.out, tmp_path / "x", top=len(results))
    shortlist = pd.read_csv(export.csv, keep_default_na=False)
    # every column the screen writes, under its own name, but the bookkeeping
    written = [c for c in results.columns if c in RESERVED_COLUMNS and c not in BOOKKEEPING]
    assert {"pred_feature_status", "window_status", "p_air_stable_std", "gii_max_site"} <= set(
        written
    )
    assert set(written) <= set(shortlist.columns)
    assert set(SHORTLIST_COLUMNS) - {"temperature_c"} <= RESERVED_COLUMNS  # the results' names
    assert shortlist["candidate_id"].tolist() == ranked["candidate_id"].tolist()
    for name in ("pred_feature_status", "window_status"):  # the notes, as the results hold them
        assert shortlist[name].tolist() == ranked[name].fillna("").tolist()
    assert shortlist["p_air_stable_std"].to_numpy() == pytest.approx(
        ranked["p_air_stable_std"].to_numpy()
    )
    # each row's temperature: its own cell where its input gave one, else the screening's
    own = dict(zip([f"f{i}" for i in range(len(FORMULAS))], OWN_TEMPERATURES, strict=True))
    expected = [own[c] or 60.0 for c in shortlist["candidate_id"]]
    assert shortlist["temperature_c"].tolist() == expected


def test_the_provenance_beside_it_names_the_run_models_temperature_and_interval(screened, tmp_path):
    export = export_shortlist(screened.out, tmp_path / "x", top=3)
    assert export.provenance == tmp_path / "x" / PROVENANCE_FILE
    record = json.loads(export.provenance.read_text())
    manifest = json.loads((screened.out / "manifest.json").read_text())
    run = MlflowClient(tracking_uri=screened.uri).get_run(screened.result.run_id)
    assert record["run_id"] == screened.result.run_id
    assert record["tracking_uri"] == screened.uri
    for role, name in (("conductivity", "conductivity"), ("air_stability", "stability")):
        assert record[f"{name}_model_uri"] == manifest[f"{name}_model_uri"]
        assert record[f"{name}_model_digest"] == manifest[f"{name}_model_digest"]
        assert record[f"{name}_model_digest"] == run.data.tags[f"electroscreen.{role}_model_sha256"]
    assert record["config_digest"] == run.data.params["config_digest"]
    assert record["temperature_c"] == 60.0
    assert record["interval_coverage"] == screened.result.interval_coverage
    assert record["interval"] == interval_label(screened.result.interval_coverage)
    assert record["results_sha256"] == sha256_file(screened.out / "results.parquet")
    assert record["top"] == 3 and record["notes"] == []
    # the effective config beside the results, and logged with the run (F10), reads back to the
    # config screened with
    config_file = Path(record["screening_config"])
    assert config_file == (screened.out / "screening.yaml").resolve()
    assert load_screening_config(config_file) == screened.config
    assert load_screening_config(config_file).digest() == run.data.params["config_digest"]
    logged = download_artifacts(
        run_id=screened.result.run_id, artifact_path=CONFIG_ARTIFACT, tracking_uri=screened.uri
    )
    assert Path(logged).read_text() == config_file.read_text()
    # a re-export with fewer rows leaves no stale provenance: it is rewritten with the shortlist
    again = export_shortlist(screened.out, tmp_path / "x", top=1)
    assert json.loads(again.provenance.read_text())["top"] == 1


def test_an_older_folder_reads_the_run_and_an_absent_store_is_said(screened, tmp_path):
    """A folder screened before ``screening.yaml`` existed takes its temperature from the run;
    one whose store is not on this machine says what it could not read, and creates no store."""
    older = tmp_path / "older"
    shutil.copytree(screened.out, older, ignore=shutil.ignore_patterns(".lock"))
    (older / "screening.yaml").unlink()
    record = json.loads(export_shortlist(older, tmp_path / "a", top=2).provenance.read_text())
    assert record["temperature_c"] == 60.0 and record["screening_config"] is None
    assert any("no screening.yaml" in note for note in record["notes"])

    gone = tmp_path / "elsewhere" / "mlflow.db"
    manifest = json.loads((older / "manifest.json").read_text())
    manifest["tracking_uri"] = f"sqlite:///{gone}"
    (older / "manifest.json").write_text(json.dumps(manifest))
    export = export_shortlist(older, tmp_path / "b", top=2)
    record = json.loads(export.provenance.read_text())
    assert record["temperature_c"] is None and record["interval_coverage"] is None
    assert record["interval"] == "90 % interval"  # named by the default, and said so
    assert any("is not here" in note for note in record["notes"])
    assert record["conductivity_model_digest"] == manifest["conductivity_model_digest"]
    assert not gone.exists() and not gone.parent.exists()
    own = export.shortlist.set_index("candidate_id")["temperature_c"]
    # a row without its own temperature is not said to be at 25 degC when the run's is unknown
    assert all(np.isnan(own[c]) for c in own.index if c not in ("f5", "f6"))
