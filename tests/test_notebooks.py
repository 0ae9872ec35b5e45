"""Both notebooks run top to bottom (nbclient, CPU) against real runs this test creates.

Into a temporary SQLite store: a small conductivity model and a small air-stability model trained by
:func:`electroscreen.experiments.train.run_training`, then a screening of OBELiX structures (CIF files
in a folder) with those models. The notebooks read the store through ``MLFLOW_TRACKING_URI``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from mlflow import MlflowClient
from nbclient import NotebookClient

from electroscreen.data.obelix import load_obelix_structures
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import ScreeningConfig
from tests.tiny_models import train_tiny

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: OBELiX structures screened (every 16th ID: ordered and partially occupied ones).
POOL_SIZE = 20


@dataclass
class Store:
    uri: str
    folder: Path
    screen_run_id: str


_train = partial(train_tiny, experiment="notebook-test-train")


def _pool(folder: Path, data_dir: Path) -> Path:
    cifs = load_obelix_structures(data_dir)
    pool = folder / "pool"
    pool.mkdir()
    for cid in sorted(cifs)[::16][:POOL_SIZE]:
        (pool / f"{cid}.cif").write_text(cifs[cid])
    return pool


def _screen(pool: Path, out: Path, uri: str, conductivity: str, stability: str) -> str:
    """Screen the pool with both models, as `electroscreen screen` does; returns the MLflow run id."""
    config = ScreeningConfig(batch_size=8, experiment="notebook-test-screen")
    result = screen(
        [pool], out, config=config, conductivity_model=conductivity, stability_model=stability,
        tracking_uri=uri, progress=False, device="cpu",
    )  # fmt: skip
    assert result.run_id is not None
    return result.run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory, data_dir) -> Store:
    folder = tmp_path_factory.mktemp("notebooks")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    conductivity = _train(
        "conductivity",
        ["magpie"],
        uri,
        data_dir,
        evaluation={"schemes": ["official", "family_cv"], "cv_folds": 2},
    )
    stability = _train(
        "air_stability",
        ["electrolyte", "air_reactivity"],
        uri,
        data_dir,
        final_fit="all",
        evaluation={"schemes": ["family_cv"], "cv_folds": 2},
    )
    pool = _pool(folder, data_dir)
    run_id = _screen(pool, folder / "screen", uri, conductivity, stability)
    return Store(uri, folder, run_id)


def _execute(name: str, folder: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{name} is saved with outputs"
    )
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> list[str]:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts.append(
                str(data.get("text/plain", "")) + str(data.get("text/html", ""))
                + str(output.get("text", ""))  # printed (stream) output
            )  # fmt: skip
    return texts


def test_triage_notebook_exports_the_shortlist_to_the_run(store, data_dir, monkeypatch):
    shortlist_path = store.folder / "exported" / "shortlist.csv"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    monkeypatch.setenv("ELECTROSCREEN_DATA", str(data_dir))
    monkeypatch.setenv("ELECTROSCREEN_SHORTLIST", str(shortlist_path))
    monkeypatch.setenv("ELECTROSCREEN_MIN_LOG10_SIGMA", "-12")  # a tiny model: keep every row
    monkeypatch.setenv("ELECTROSCREEN_MIN_P_AIR_STABLE", "0")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    notebook = _execute("triage.ipynb", store.folder)

    written = pd.read_csv(shortlist_path)
    assert 0 < len(written) <= 20
    assert (written["status"] == "ok").all()
    assert written["rank"].is_monotonic_increasing
    client = MlflowClient(tracking_uri=store.uri)
    logged = [a.path for a in client.list_artifacts(store.screen_run_id, "shortlists")]
    assert logged == ["shortlists/shortlist.csv"]
    outputs = "\n".join(_outputs(notebook))
    assert "Nearest OBELiX materials" in outputs  # the candidate card rendered
    # the table of section 3 shows each row's notes (pred_feature_status, window_status) and the
    # air score's spread (an audit found neither)
    assert "<th>notes</th>" in outputs and "<th>p_air_stable_std</th>" in outputs
    assert "V vs carrier metal" in outputs  # ... with units beside its values
    # the run table: what the run found first, before the models and the bookkeeping
    runs_table = next(o for o in _outputs(notebook) if "n_candidates" in o)
    assert runs_table.index("n_ok") < runs_table.index("conductivity_model_uri")
    assert any(
        "image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", [])
    )


def test_models_notebook_compares_the_trained_runs(store, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    notebook = _execute("models.ipynb", store.folder)
    outputs = "\n".join(_outputs(notebook))
    assert "test_mae" in outputs and "cv_roc_auc" in outputs
    assert "coverage" in outputs
    # coverage by known / new chemical system and by anion class, for the test split and family
    # CV, and the pooled coverage with the under-covered groups in words, read from the runs
    assert "system_seen" in outputs and "anion_class" in outputs and "under_covered" in outputs
    summaries = [line for line in outputs.splitlines() if ": pooled coverage " in line]
    assert {line.split(",")[1].split(":")[0].strip() for line in summaries} == {"test", "cv"}
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) == 2  # the test and cross-validation parity plots
    assert os.environ["MLFLOW_TRACKING_URI"] == store.uri
