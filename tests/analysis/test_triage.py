"""Triage helpers against a screening run logged into a temporary SQLite store.

The run is logged here with the artifact layout of ``electroscreen screen`` (tag
``electroscreen.kind=screen``, ``results/results.parquet``, an ``inputs`` param), over real OBELiX
structures written to a packed cache, with the run's ranking columns computed by the screening code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer  # noqa: E402

from electroscreen.analysis import triage  # noqa: E402
from electroscreen.analysis.candidate_card import (  # noqa: E402
    candidate_card,
    find_structure,
    nearest_obelix,
)
from electroscreen.data.obelix import load_obelix_structures  # noqa: E402
from electroscreen.data.packed import pack_structures  # noqa: E402
from electroscreen.data.readers import structure_from_text  # noqa: E402
from electroscreen.experiments.tracking import get_or_create_experiment
from electroscreen.featurizers.bvse.barriers import BVSE  # noqa: E402
from electroscreen.featurizers.composition.magpie import ElementPropertyStats  # noqa: E402
from electroscreen.featurizers.structure.descriptors import StructureDescriptors  # noqa: E402
from electroscreen.screening.plots import pareto_plot  # noqa: E402
from electroscreen.screening.ranking import objective_steps, rank_candidates  # noqa: E402
from electroscreen.screening.screen_config import RankingConfig  # noqa: E402

#: OBELiX IDs screened by the fixture: sorted IDs, every 20th (ordered and disordered ones).
N_STRUCTURES = 14


@dataclass
class ScreenRun:
    uri: str
    run_id: str
    results: pd.DataFrame
    packed_path: Path
    structures: dict


def _results(ids: list[str], formulas: list[str], source: str) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = len(ids)
    mu = rng.uniform(-9, -2, n)
    std = rng.uniform(0.2, 1.2, n)
    frame = pd.DataFrame(
        {
            "candidate_id": ids,
            "formula": formulas,
            "source": [f"{source}#{i}" for i in range(n)],
            "status": "ok",
            "error": "",
            "pred_log10_sigma": mu,
            "pred_log10_sigma_std": std,
            "pred_log10_sigma_lo": mu - 1.645 * std,
            "pred_log10_sigma_hi": mu + 1.645 * std,
            "p_air_stable": rng.uniform(0, 1, n),
            "p_air_stable_std": rng.uniform(0, 0.2, n),
        }
    )
    rejected = [1, 5]  # rejected rows keep their place with NaN predictions
    frame.loc[rejected, "status"] = "forbidden_element"
    frame.loc[rejected, "error"] = "contains a forbidden element"
    frame.loc[rejected, frame.columns[5:]] = np.nan
    return pd.concat([frame, rank_candidates(frame, RankingConfig())], axis=1)


@pytest.fixture(scope="module")
def screen_run(tmp_path_factory, data_dir) -> ScreenRun:
    folder = tmp_path_factory.mktemp("triage")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    cifs = load_obelix_structures(data_dir)
    ids = sorted(cifs)[::20][:N_STRUCTURES]
    structures = {i: structure_from_text(cifs[i], "cif")[0] for i in ids}
    packed_path = pack_structures(list(structures.values()), ids).save(folder / "pool.npz")
    formulas = [s.composition.formula.replace(" ", "") for s in structures.values()]
    results = _results(ids, formulas, str(packed_path))
    results_path = folder / "results.parquet"
    results.to_parquet(results_path, index=False)
    client = MlflowClient(tracking_uri=uri)
    experiment = get_or_create_experiment("test-screening", uri)
    other = client.create_run(experiment, tags={"electroscreen.kind": "train"})  # not a screening
    client.set_terminated(other.info.run_id)
    run = client.create_run(experiment, tags={"electroscreen.kind": "screen"})
    client.log_param(run.info.run_id, "inputs", str(packed_path))
    client.log_param(
        run.info.run_id, "conductivity_model_uri", "models:/electroscreen-conductivity/1"
    )
    client.log_metric(run.info.run_id, "n_ok", float((results["status"] == "ok").sum()))
    client.log_artifact(run.info.run_id, str(results_path), artifact_path="results")
    client.set_terminated(run.info.run_id)
    return ScreenRun(uri, run.info.run_id, results, Path(packed_path), structures)


def test_screening_runs_lists_only_screening_runs(screen_run):
    runs = triage.screening_runs(screen_run.uri)
    assert runs["run_id"].tolist() == [screen_run.run_id]
    assert runs.loc[0, "conductivity_model_uri"] == "models:/electroscreen-conductivity/1"
    assert runs.loc[0, "n_ok"] == 12
    # counts are integers (MLflow stores floats: 12.0), and what a run found comes first
    assert str(runs["n_ok"].dtype) == "Int64"
    assert runs.columns[0] == "run_name" and runs.columns[-1] == "experiment_id"
    assert runs.columns.get_loc("n_ok") < runs.columns.get_loc("conductivity_model_uri")


def test_load_results_round_trips_the_artifact(screen_run):
    results = triage.load_results(screen_run.run_id, screen_run.uri)
    pd.testing.assert_frame_equal(results, screen_run.results)
    assert results.attrs["run_id"] == screen_run.run_id
    assert results.attrs["params"]["inputs"] == str(screen_run.packed_path)


def test_load_results_without_artifact_says_so(screen_run):
    client = MlflowClient(tracking_uri=screen_run.uri)
    run = client.create_run(client.get_experiment_by_name("test-screening").experiment_id)
    with pytest.raises(FileNotFoundError, match="results/results.parquet"):
        triage.load_results(run.info.run_id, screen_run.uri)
    client.delete_run(run.info.run_id)


@pytest.mark.parametrize(
    ("min_sigma", "min_p", "top", "sort_by"),
    [(-6.0, 0.3, 3, "rank"), (None, None, None, "rank"), (-8.0, None, 5, "pred_log10_sigma_lo")],
)
def test_shortlist_matches_a_plain_pandas_selection(screen_run, min_sigma, min_p, top, sort_by):
    results = screen_run.results
    short = triage.shortlist(results, min_sigma, min_p, top=top, sort_by=sort_by, distinct=False)
    expected = results[results["status"] == "ok"]
    if min_sigma is not None:
        expected = expected[expected["pred_log10_sigma"] >= min_sigma]
    if min_p is not None:
        expected = expected[expected["p_air_stable"] >= min_p]
    if sort_by == "rank":
        expected = expected[expected["rank"] > 0].sort_values("rank")
    else:
        expected = expected.sort_values(sort_by, ascending=False)
    expected = expected.head(top) if top else expected
    assert short["candidate_id"].tolist() == expected["candidate_id"].tolist()
    assert len(short) > 0


def test_shortlist_shows_each_composition_once(screen_run):
    """A composition repeated under other candidate ids (another seed, another cell) is listed
    under its best-ranked row, and the rows shown are the plain selection without the repeats."""
    results = screen_run.results.copy()
    ranked = results[results["rank"] > 0].sort_values("rank")
    best, third = ranked.index[0], ranked.index[2]
    results.loc[third, "formula"] = results.loc[best, "formula"]  # third repeats the best
    doubled = results.loc[best, "formula"]
    results.loc[ranked.index[3], "formula"] = f"({doubled})2"  # the same, another cell
    plain = triage.shortlist(results, None, None, top=None, distinct=False)
    short = triage.shortlist(results, None, None, top=3)
    repeats = [results.loc[third, "candidate_id"], results.loc[ranked.index[3], "candidate_id"]]
    expected = plain[~plain["candidate_id"].isin(repeats)].head(3)
    assert short["candidate_id"].tolist() == expected["candidate_id"].tolist()
    assert short["same_composition_ids"].tolist() == [";".join(repeats), "", ""]
    assert short.attrs == results.attrs


def test_pareto_plot_draws_every_predicted_row_with_its_interval(screen_run):
    results = screen_run.results
    ax = pareto_plot(results, highlight=triage.shortlist(results, top=3), interval_top=3)
    ok = results[results["status"] == "ok"]
    x, y = ok["pred_log10_sigma"].to_numpy(), ok["p_air_stable"].to_numpy()
    # the front in the plotted axes: no other row at least as good on both and better on one, at
    # the resolution pareto_rank compares them
    a, b = objective_steps("conductivity", x), objective_steps("air_stability", y)
    beaten = [
        ((a >= ai) & (b >= bi) & ((a > ai) | (b > bi))).any() for ai, bi in zip(a, b, strict=True)
    ]
    front = (ok["pareto_rank"] == 1).to_numpy()
    bars = front & ~np.array(beaten)
    assert 0 < bars.sum() <= front.sum()  # the plotted front is part of the whole front
    top = ok["rank"].between(1, 3).to_numpy() & ~bars
    containers = ax.containers
    xs = np.concatenate([c.lines[0].get_xdata() for c in containers])
    # bars only for the plotted front and the top 3; everything else is a plain point
    assert sorted(xs) == sorted(x[bars | top])
    dots = [
        c for c in ax.collections if c.get_label() in ("candidates", "Pareto front, all objectives")
    ]
    points = np.concatenate([xs, *(c.get_offsets()[:, 0] for c in dots)])
    assert sorted(points) == sorted(x)
    red = [c for c in containers if c.get_label() == "Pareto front in these two axes"][0]
    assert sorted(red.lines[0].get_xdata()) == sorted(x[bars])
    front, results = bars, ok  # the spans below: those of the barred front
    # horizontal error bar segments span the conformal interval of each point
    segments = red.lines[2][0].get_segments()
    spans = sorted((round(s[0][0], 9), round(s[1][0], 9)) for s in segments)
    expected = sorted(
        (round(lo, 9), round(hi, 9))
        for lo, hi in results.loc[front, ["pred_log10_sigma_lo", "pred_log10_sigma_hi"]].to_numpy()
    )
    assert spans == expected
    matplotlib.pyplot.close("all")


def test_pareto_labels_are_readable_and_their_lines_do_not_cross(screen_run):
    """The five labels sat at 7 pt in the upper left, their lines crossing the cloud and each
    other: now 9 pt, right of the axes, in the order of their points' heights."""
    ax = pareto_plot(screen_run.results)
    labels = [t for t in ax.texts if t.get_text()[:1].isdigit()]
    assert len(labels) == 5
    best = screen_run.results.dropna(subset=["rank"]).nsmallest(5, "rank")
    expected = {f"{int(r.rank)}. {r.formula}" for r in best.itertuples()}
    assert {t.get_text() for t in labels} == expected
    assert all(t.get_fontsize() >= 9 for t in labels)
    assert all(t.get_position()[0] > 1.0 for t in labels)  # right of the axes (axes fraction)
    heights = [t.get_position()[1] for t in labels]
    points = [t.xy[1] for t in labels]
    # the labels stand in the order of their points' heights: no two lines cross
    assert np.argsort(heights, kind="stable").tolist() == np.argsort(points, kind="stable").tolist()
    assert min(np.diff(sorted(heights))) >= 0.06 - 1e-9
    matplotlib.pyplot.close("all")


def test_members_of_the_front_beaten_in_the_plotted_axes_are_points_without_bars():
    # all four on the front over every objective (say, by cost); in conductivity and air
    # stability (-3, 0.5) and its twin beat (-4, 0.4), and (-2, 0.2) stands on its own
    results = pd.DataFrame(
        {
            "pred_log10_sigma": [-3.0, -3.0, -4.0, -2.0],
            "pred_log10_sigma_lo": [-4.0, -4.0, -5.0, -3.0],
            "pred_log10_sigma_hi": [-2.0, -2.0, -3.0, -1.0],
            "p_air_stable": [0.5, 0.5, 0.4, 0.2],
            "pareto_rank": [1, 1, 1, 1],
            "rank": [2, 3, 4, 1],
            "formula": ["A", "B", "C", "D"],
        }
    )
    ax = pareto_plot(results, interval_top=0, label_top=0)
    red = [c for c in ax.containers if c.get_label() == "Pareto front in these two axes"][0]
    assert sorted(red.lines[0].get_xdata()) == [-3.0, -3.0, -2.0]  # equal points share a verdict
    dots = [c for c in ax.collections if c.get_label() == "Pareto front, all objectives"][0]
    assert dots.get_offsets()[:, 0].tolist() == [-4.0]
    matplotlib.pyplot.close("all")


def test_export_shortlist_writes_csv_and_logs_it_to_the_run(screen_run, tmp_path):
    results = triage.load_results(screen_run.run_id, screen_run.uri)
    short = triage.shortlist(results, min_log10_sigma=-7.0, min_p_air_stable=None, top=4)
    assert len(short) == 4
    # the store travels with the table: no tracking_uri here (it logged to the default store)
    assert short.attrs["tracking_uri"] == screen_run.uri
    path = triage.export_shortlist(short, tmp_path / "out" / "shortlist.csv")
    written = pd.read_csv(path)
    assert written["candidate_id"].tolist() == short["candidate_id"].tolist()
    np.testing.assert_allclose(written["pred_log10_sigma"], short["pred_log10_sigma"])
    client = MlflowClient(tracking_uri=screen_run.uri)
    logged = [a.path for a in client.list_artifacts(screen_run.run_id, "shortlists")]
    assert logged == ["shortlists/shortlist.csv"]
    copy = mlflow.artifacts.download_artifacts(
        run_id=screen_run.run_id,
        artifact_path="shortlists/shortlist.csv",
        dst_path=str(tmp_path / "copy"),
        tracking_uri=screen_run.uri,
    )
    assert Path(copy).read_text() == path.read_text()


def test_nearest_obelix_finds_the_material_itself_first(obelix_table, data_dir):
    row = obelix_table.iloc[100]
    near = nearest_obelix(row["true_composition"], k=6, data_dir=data_dir)
    assert near.loc[0, "distance"] == pytest.approx(0.0, abs=1e-9)
    assert row["ID"] in set(near.loc[near["distance"] < 1e-9, "ID"])
    assert np.all(np.diff(near["distance"]) >= 0)
    # independent reference: z-scores with pandas, NaN -> 0, brute-force Euclidean distances
    feats = pd.DataFrame(
        ElementPropertyStats().transform(obelix_table["true_composition"].tolist())
    )
    z = ((feats - feats.mean()) / feats.std(ddof=0).replace(0, 1)).fillna(0.0).to_numpy()
    query = z[100]
    reference = np.sort(np.sqrt(((z - query) ** 2).sum(axis=1)))[:6]
    np.testing.assert_allclose(near["distance"], reference, atol=1e-9)
    measured = obelix_table.set_index("ID").loc[near["ID"], "log10_sigma"].to_numpy()
    np.testing.assert_array_equal(near["log10_sigma"].to_numpy(), measured)


def test_nearest_obelix_writes_formulas_per_formula_unit(data_dir):
    """OBELiX's cell contents (Li20.7Ge2.7P3.3S24.0) read as the formula a chemist writes, per
    formula unit as every results table writes it."""
    near = nearest_obelix("Li10.35Ge1.35P1.65S12", k=5, data_dir=data_dir)
    assert near.loc[0, "ID"] == "824" and near.loc[0, "formula"] == "Li10.35Ge1.35P1.65S12"
    assert not any(re.search(r"\d\.0(?![\d])", f) for f in near["formula"])  # no S24.0
    li7la3zr2o12 = nearest_obelix("Li7La3Zr2O12", k=1, data_dir=data_dir)
    assert li7la3zr2o12.loc[0, "formula"] == "Li7La3Zr2O12"


def test_nearest_obelix_rejects_unreadable_formulas(data_dir):
    with pytest.raises(ValueError, match="cannot read the formula"):
        nearest_obelix("Xq2O3", data_dir=data_dir)


def test_find_structure_reads_the_packed_cache(screen_run):
    candidate_id = screen_run.results.loc[3, "candidate_id"]
    found = find_structure(candidate_id, [screen_run.packed_path])
    original = screen_run.structures[candidate_id]
    assert found.composition.almost_equals(original.composition)
    np.testing.assert_allclose(found.lattice.matrix, original.lattice.matrix, atol=1e-8)
    assert find_structure("no-such-id", [screen_run.packed_path]) is None


def test_candidate_card_of_a_structure_candidate(screen_run, data_dir):
    results = triage.load_results(screen_run.run_id, screen_run.uri)
    ordered = [i for i, s in screen_run.structures.items() if s.is_ordered]
    disordered = [i for i, s in screen_run.structures.items() if not s.is_ordered]
    assert ordered and disordered
    for candidate_id in (ordered[0], disordered[0]):
        original = screen_run.structures[candidate_id]
        card = candidate_card(results, candidate_id, data_dir=data_dir)  # structure via the inputs
        summary = card.structure_summary
        assert summary["n_sites"] == len(original)
        assert summary["partially_occupied_sites"] == sum(not s.is_ordered for s in original)
        assert summary["density_g_cm3"] == pytest.approx(original.density, abs=1e-3)
        if original.is_ordered:
            number = SpacegroupAnalyzer(original, symprec=0.1).get_space_group_number()
            assert summary["spacegroup"].endswith(f"({number})")
        reference = StructureDescriptors().transform([original])[0]
        names = StructureDescriptors().get_feature_names_out()
        for name, value in zip(names, reference, strict=True):
            if not name.startswith("rdf_"):
                np.testing.assert_allclose(card.descriptors[name], value, rtol=1e-10)
        np.testing.assert_allclose(
            card.descriptors[["bvse_barrier_1d", "bvse_barrier_2d", "bvse_barrier_3d"]],
            BVSE().transform([original])[0],
            rtol=1e-10,
        )
        assert {"rxn_h2o_ev_per_atom", "h2o_products", "enthalpy_source"} <= set(
            card.air_reactions.index
        )
        assert len(card.neighbours) == 5
        expected_rank = results.set_index("candidate_id").loc[candidate_id, "rank"]
        if pd.isna(expected_rank):
            assert pd.isna(card.predictions["rank"])
        else:
            assert card.predictions["rank"] == expected_rank
        html = card._repr_html_()
        assert candidate_id in html and "Nearest OBELiX materials" in html
        descriptors = card.sections()["Descriptors"]
        assert descriptors.loc["volume_per_atom", "unit"] == "Å³"
        assert descriptors.loc["carrier_anion_nn_distance_mean", "unit"] == "Å"
        assert descriptors.loc["bvse_barrier_3d", "unit"] == "eV"
        assert not any("e-" in str(v) for v in descriptors["value"])  # no 2.624e-17 for a zero


def test_candidate_card_of_a_composition_candidate(data_dir):
    results = pd.DataFrame(
        {"candidate_id": ["c1"], "formula": ["Li6PS5Cl"], "status": ["ok"], "rank": [1]}
    )
    card = candidate_card(results, "c1", k=3, data_dir=data_dir)
    assert card.structure is None
    assert "not available" in card.structure_summary["structure"]
    assert card.descriptors.empty
    assert card.air_reactions["h2s_released"] == 1.0  # argyrodite + water releases H2S
    # the electrodes: a sulfide's window is narrow and Li metal reduces it to Li2S
    assert card.electrodes["window_ox_v"] < 3.0
    assert card.electrodes["interface_li_ev_per_atom"] < 0
    assert "Li2S" in card.electrodes["interface_li_products"]
    # and LiCoO2 (the default cathode, its enthalpy an estimate that the card says) oxidises it
    assert card.electrodes["interface_licoo2_ev_per_atom"] < -0.2
    assert card.electrodes["interface_licoo2_electrode_note"].startswith("LiCoO2: estimated")
    assert "Window and electrodes" in card.sections()
    assert len(card.neighbours) == 3
    assert "Li" in card.neighbours.loc[0, "formula"]
    with pytest.raises(KeyError, match="not in the results"):
        candidate_card(results, "nope")
    # shown to 4 significant digits (the window read 2.0310845995074833) with its unit; the fields
    # keep them all
    section = card.sections()["Window and electrodes"]
    shown = section["value"]
    window = card.electrodes["window_ox_v"]
    assert shown["window_ox_v"] == f"{window:.4g}" and float(shown["window_ox_v"]) != window
    assert section.loc["window_ox_v", "unit"] == "V vs carrier metal"
    numbers = [v for v in shown if isinstance(v, str) and re.fullmatch(r"-?[\d.]+", v)]
    assert numbers and all(len(v.lstrip("-").replace(".", "").lstrip("0")) <= 4 for v in numbers)
    # a 0/1 flag reads yes / no
    assert card.sections()["Air reactivity"].loc["h2s_released", "value"] == "yes"


def test_candidate_card_says_why_and_follows_the_runs_electrodes(data_dir):
    """A rejected row says why; a training composition shows its measurement; the electrode section
    uses the run's carrier and cathode (it used Li and LiCoO2 whatever the run did) and says why a
    window is undefined."""
    results = pd.DataFrame(
        {
            "candidate_id": ["bad", "known", "na"],
            "formula": ["Li3PbCl5", "Li3InCl6", "Na3PS4"],
            "status": ["forbidden_element", "ok", "ok"],
            "error": ["contains a forbidden element (Pb)", "", ""],
            "train_log10_sigma": [np.nan, -2.99, np.nan],
            "train_id": ["", "abc", ""],
        }
    )
    card = candidate_card(results, "bad", k=1, data_dir=data_dir)
    assert card.predictions["status"] == "forbidden_element"
    assert "forbidden" in card.predictions["error"]
    known = candidate_card(results, "known", k=1, data_dir=data_dir)
    assert (
        known.predictions["train_log10_sigma"] == -2.99 and known.predictions["train_id"] == "abc"
    )
    assert "window_status" in known.electrodes.index
    results.attrs["params"] = {"filters.carrier": "Na", "objectives.cathode": "LiMn2O4"}
    sodium = candidate_card(results, "na", k=1, data_dir=data_dir)
    assert "interface_na_ev_per_atom" in sodium.electrodes.index
    assert "interface_limn2o4_ev_per_atom" in sodium.electrodes.index
    assert not any("licoo2" in name for name in sodium.electrodes.index)


def test_a_bad_sort_key_and_a_numeric_id_are_said_or_read(data_dir):
    """``shortlist(sort_by="rnk")`` was a bare ``KeyError: 'rnk'``; now a ValueError listing the
    sortable columns. ``candidate_card(results, 824)`` was a KeyError because ids are text; an
    int id is compared as text."""
    results = _results([f"a{i}" for i in range(8)], ["Li3YCl6"] * 8, "pool.csv")
    with pytest.raises(ValueError, match=r"sort_by='rnk' is not a column.*p_air_stable.*, rank,"):
        triage.shortlist(results, sort_by="rnk")
    numeric = pd.DataFrame(
        {"candidate_id": ["824"], "formula": ["Li6PS5Cl"], "status": ["ok"], "rank": [1]}
    )
    card = candidate_card(numeric, 824, k=1, data_dir=data_dir)
    assert card.candidate_id == "824" and card.formula == "Li6PS5Cl"


def test_a_cards_html_shows_its_id_and_formula_as_text():
    """A candidate id is a file name or a table cell, data: the card's HTML heading (a notebook's
    output, or the page ``electroscreen card --html`` writes) shows it, never runs it."""
    from electroscreen.analysis.candidate_card import CandidateCard

    hostile = '<img src=x onerror="alert(1)">'
    card = CandidateCard(hostile, "Li3PS4<b>", pd.Series({"status": "ok"}))
    page = card._repr_html_()
    assert "<img" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;: Li3PS4&lt;b&gt;" in page
