"""``electroscreen screen`` and ``electroscreen demo`` from the command line, read back by triage."""

from __future__ import annotations

from pathlib import Path

from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts
from pandas.testing import assert_frame_equal
from rich.console import Console
from typer.testing import CliRunner

from electroscreen.analysis.triage import load_results, screening_runs
from electroscreen.cli import app
from electroscreen.data.composition_match import distinct_compositions
from electroscreen.data.obelix import load_obelix_structures
from electroscreen.demo import run_demo
from electroscreen.screening.generate import load_seeds
from electroscreen.screening.results import read_results
from electroscreen.screening.run_artifacts import CONFIG_ARTIFACT
from electroscreen.screening.run_summary import PROMISING_METRIC, review_metrics
from electroscreen.screening.screen_config import load_screening_config


def test_screen_prints_the_ranking_and_the_run_triage_reads(model_store, formula_pool, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["screen", str(formula_pool), "--out", str(out), "--tracking-uri", model_store.uri,
         "--batch-size", "16", "--device", "cpu"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = read_results(out / "results.parquet")
    n_ranked = int((results["rank"] > 0).sum())
    ranked = results[results["rank"] > 0].sort_values("rank")
    shown = min(15, int(ranked["diverse_rank"].notna().sum()))  # one row per chemistry
    assert shown < len(distinct_compositions(ranked["formula"]))  # Li3PS4 is LGPS's, 0.045 away
    title = f"Top {shown} of {n_ranked} ranked candidates (one row per chemistry: diverse_rank)"
    assert title in result.stdout
    assert f"{len(results)} candidates: ok {n_ranked}" in result.stdout
    assert str(out / "results.csv") in result.stdout.replace("\n", "")
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("MLflow run ")
    run_id = last.split()[2].rstrip(":")
    runs = screening_runs(model_store.uri)
    assert run_id in runs["run_id"].tolist()
    logged = load_results(run_id, tracking_uri=model_store.uri)
    assert_frame_equal(logged.reset_index(drop=True), results, check_like=True)
    row = runs[runs["run_id"] == run_id].iloc[0]
    assert row["status"] == "FINISHED"
    assert row["conductivity_model_uri"] == model_store.conductivity
    # the effective config, beside the results and with the run: `--config` with it repeats the
    # screening (an audit rebuilt it from the flattened params)
    written = load_screening_config(out / "screening.yaml")
    params = MlflowClient(tracking_uri=model_store.uri).get_run(run_id).data.params
    assert written.batch_size == 16 and written.digest() == params["config_digest"]
    logged = download_artifacts(
        run_id=run_id, artifact_path=CONFIG_ARTIFACT, tracking_uri=model_store.uri
    )
    assert Path(logged).read_text() == (out / "screening.yaml").read_text()
    # the legend under the table: what rank sorts by, the interval's level
    assert "rank: by score = 0.7 × clip((pred_log10_sigma + 8) / 6, 0, 1)" in result.stdout


def test_screen_reports_bad_arguments_clearly(model_store, formula_pool, tmp_path):
    missing = CliRunner().invoke(
        app, ["screen", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"),
              "--tracking-uri", model_store.uri, "--no-track"],
    )  # fmt: skip
    assert missing.exit_code == 2
    assert "nope.csv" in missing.stderr
    both = CliRunner().invoke(
        app, ["screen", str(formula_pool), "--out", str(tmp_path / "o"), "--workers", "2",
              "--scheduler", "tcp://127.0.0.1:1", "--tracking-uri", model_store.uri],
    )  # fmt: skip
    assert both.exit_code == 2 and "either workers or scheduler" in both.stderr
    jobs = CliRunner().invoke(  # --jobs without --cluster ran serially and said nothing
        app, ["screen", str(formula_pool), "--out", str(tmp_path / "o"), "--jobs", "3",
              "--tracking-uri", model_store.uri, "--no-track"],
    )  # fmt: skip
    assert jobs.exit_code == 2 and "give --cluster too" in jobs.stderr


def test_demo_reuses_registered_models_and_screens_an_obelix_pool(model_store, data_dir, tmp_path):
    cifs = load_obelix_structures(data_dir)
    folder = tmp_path / "seeds"
    folder.mkdir()
    for cid in sorted(cifs)[::16]:  # 21 of the 321 structures, ordered and disordered
        (folder / f"{cid}.cif").write_text(cifs[cid])
    console = Console(record=True, width=200)
    result = run_demo(
        out=tmp_path / "demo", data_dir=data_dir, pool_size=40, tracking_uri=model_store.uri,
        seeds=load_seeds([folder]), console=console,
    )  # fmt: skip
    assert len(result.results) == 40
    # what was found, and what to do next
    printed = console.export_text()
    metrics = review_metrics(result.results)
    promising = int(metrics[PROMISING_METRIC])
    assert f"{promising} promising (predicted above 1e-4 S/cm" in printed
    assert f"MLFLOW_TRACKING_URI={model_store.uri} jupyter lab notebooks/triage.ipynb" in printed
    best = result.results.loc[result.results["rank"].eq(1).fillna(False), "candidate_id"].iloc[0]
    assert f"`electroscreen card {tmp_path / 'demo' / 'screen'} '{best}'`" in printed
    assert (tmp_path / "demo" / "pool.npz").is_file()
    assert result.results["source"].str.startswith(str(tmp_path / "demo" / "pool.npz")).all()
    assert (result.results["status"] == "ok").sum() > 0
    assert result.run_id is not None
    models = {row for row in screening_runs(model_store.uri)["conductivity_model_uri"]}
    assert model_store.conductivity in models


def test_a_bad_screening_config_is_one_line_naming_file_and_field(tmp_path):
    """``--batch-size 0`` printed pydantic's three-line dump with its web link (a user audit)."""
    pool = tmp_path / "pool.csv"
    pool.write_text("formula\nLi3PS4\n")
    typo = tmp_path / "typo.yaml"
    typo.write_text("batch_size: 10\nfilters:\n  max_elemnts: 3\n")
    listed = tmp_path / "listed.yaml"
    listed.write_text("- 1\n- 2\n")
    cases = [
        (["--batch-size", "0"], "batch_size=0: invalid screening config: field 'batch_size': "),
        (["--config", str(typo)], f"{typo}: invalid screening config: field 'filters.max_elemnts'"),
        (["--config", str(listed)], f"{listed}: expected a mapping of fields, got list"),
        (["--config", str(tmp_path / "none.yaml")], "none.yaml: config file not found"),
    ]
    for extra, says in cases:
        result = CliRunner().invoke(
            app, ["screen", str(pool), "--out", str(tmp_path / "out"), "--no-track", *extra]
        )
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        assert text.startswith("error: ") and says in text, text
        assert "pydantic" not in text and "Traceback" not in text
        assert not (tmp_path / "out").exists()
