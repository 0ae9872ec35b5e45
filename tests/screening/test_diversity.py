"""One row per chemistry (``represented_by``, ``diverse_rank``): the greedy fold, its config key,
the console table, the results files, ``export --diverse`` and the triage shortlist. Found by an
audit: a demo's top 15 held 12 Li10(Si,Ge,Sn,Zr,Ti)P2S12 variants of a few seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from electroscreen.experiments.config_files import ConfigError
from electroscreen.screening.diversity import diversity_columns, leaders, represented_counts
from electroscreen.screening.screen_config import (
    DEFAULT_DIVERSITY_DISTANCE,
    ScreeningConfig,
    load_screening_config,
)


def _columns(frame: pd.DataFrame, distance: float, max_rows: int = 0) -> pd.DataFrame:
    return diversity_columns(frame["id"], frame["formula"], frame["rank"], distance, max_rows)


def _frame(formulas: list[object], ranks: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"r{k}" for k in range(len(formulas))],
            "formula": formulas,
            "rank": pd.array(ranks, dtype="Int64"),
        }
    )


def test_rows_fold_into_the_best_ranked_representative_in_rank_order():
    # listed out of rank order: the ranks decide who represents whom
    frame = _frame(
        ["Li10SiP2S12", "Li10GeP2S12", "Li3YCl6", "Li10Ge0.5Si0.5P2S12", "Li3YBr6", "Li10GeP2S12"],
        [2, 1, 3, 4, 5, 6],
    )
    # LGPS with Si for all its Ge: 1 atom in 25, 0.04 from LGPS; the half swap 0.02 from both
    got = _columns(frame, 0.03)
    assert got["represented_by"].tolist() == ["", "", "", "r1", "", "r1"]
    assert got["diverse_rank"].tolist() == [2, 1, 3, pd.NA, 4, pd.NA]
    # at 0.05 the Si end member folds too; the chlorides and bromides stay apart (0.3)
    got = _columns(frame, 0.05)
    assert got["represented_by"].tolist() == ["r1", "", "", "r1", "", "r1"]
    assert got["diverse_rank"].tolist() == [pd.NA, 1, 2, pd.NA, 3, pd.NA]
    assert represented_counts(frame.rename(columns={"id": "candidate_id"}).join(got)).tolist() == [
        0, 3, 0, 0, 0, 0,
    ]  # fmt: skip


def test_a_row_is_compared_with_representatives_only_not_along_a_chain():
    # LiCl (Li 0.5), Li1.2Cl (0.545), Li1.44Cl (0.590): each step < 0.05, the ends 0.090 apart
    frame = _frame(["LiCl", "Li1.2Cl", "Li1.44Cl"], [1, 2, 3])
    got = _columns(frame, 0.05)
    assert got["represented_by"].tolist() == ["", "r0", ""]
    assert got["diverse_rank"].tolist() == [1, pd.NA, 2]


def test_the_best_ranked_representative_wins_over_the_nearest():
    # c is 0.04 from a (rank 1) and 0.01 from b (rank 2, 0.05 from a: its own representative)
    frame = _frame(["LiCl", "Li1.1Cl0.9", "Li1.08Cl0.92"], [1, 2, 3])  # Li 0.5, 0.55, 0.54
    got = _columns(frame, 0.045)
    assert got["represented_by"].tolist() == ["", "", "r0"]
    assert got["diverse_rank"].tolist() == [1, 2, pd.NA]


def test_the_distance_is_inclusive_at_the_threshold():
    # LiCl: Li 0.5; Li3Cl: Li 0.75, exactly 0.25 apart in binary floating point
    frame = _frame(["LiCl", "Li3Cl"], [1, 2])
    assert _columns(frame, 0.25)["represented_by"].tolist() == ["", "r0"]
    assert _columns(frame, np.nextafter(0.25, 0))["represented_by"].tolist() == ["", ""]


def test_missing_formulas_are_their_own_representatives_and_unranked_rows_are_untouched():
    frame = _frame(
        ["Li3PS4", None, "Li3PS4", "LiXx2", "Li3PS4", np.nan, "LiXx2", "Li3PS4"],
        [1, 2, 3, 4, pd.NA, 5, 6, pd.NA],
    )
    got = _columns(frame, 0.06)
    # a formula that gives no composition (missing, unknown element) is never hidden, never
    # folds another row; an unranked row gets nothing, even one equal to a representative
    assert got["represented_by"].tolist() == ["", "", "r0", "", "", "", "", ""]
    assert got["diverse_rank"].tolist() == [1, 2, pd.NA, 3, pd.NA, 4, 5, pd.NA]
    assert got.index.equals(frame.index) and got["diverse_rank"].dtype == "Int64"


def test_off_at_distance_zero_and_only_the_best_max_rows_are_computed():
    frame = _frame(["Li3PS4", "Li3PS4", "Li3YCl6", "Li3PS4", "Li3YCl6"], [1, 2, 3, 4, 5])
    off = _columns(frame, 0.0)
    assert off["represented_by"].eq("").all() and off["diverse_rank"].isna().all()
    three = _columns(frame, 0.06, max_rows=3)
    assert three["represented_by"].tolist() == ["", "r0", "", "", ""]
    assert three["diverse_rank"].tolist() == [1, pd.NA, 2, pd.NA, pd.NA]
    assert leaders([], 0.06).tolist() == []


def _random_pool(rng: np.random.Generator, n: int) -> pd.DataFrame:
    metals = ["Ge", "Si", "Sn", "Zr", "Ti", "Al", "Ga", "Y", "La"]
    anions = ["S", "O", "Cl", "Br"]
    formulas = [
        f"Li{rng.uniform(1, 10):.2f}{rng.choice(metals)}{rng.uniform(0.1, 2):.2f}"
        f"{rng.choice(anions)}{rng.uniform(3, 12):.2f}"
        for _ in range(n)
    ]
    ranks = rng.permutation(n) + 1
    frame = _frame(formulas, list(ranks))
    frame.loc[rng.choice(n, n // 10, replace=False), "rank"] = pd.NA  # unranked rows
    return frame


def test_same_input_same_output_whatever_the_row_order():
    rng = np.random.default_rng(7)
    frame = _random_pool(rng, 400)
    first = _columns(frame, 0.06)
    assert first.equals(_columns(frame.copy(), 0.06))
    assert first["represented_by"].ne("").sum() > 50  # the property is not vacuous
    shuffled = frame.sample(frac=1.0, random_state=3)
    again = _columns(shuffled, 0.06)
    pd.testing.assert_frame_equal(again.loc[frame.index], first)


def test_a_rows_result_depends_only_on_better_ranked_rows():
    rng = np.random.default_rng(11)
    frame = _random_pool(rng, 300)
    before = _columns(frame, 0.06)
    for cut in (1, 20, 150):
        kept = frame["rank"].le(cut).fillna(False).to_numpy(bool)
        worse = frame[~kept & frame["rank"].notna().to_numpy(bool)].index
        changed = frame.copy()
        changed.loc[worse, "formula"] = _random_pool(rng, len(worse))["formula"].to_numpy()
        changed = changed.drop(index=worse[: len(worse) // 3])  # some worse rows gone
        after = _columns(changed, 0.06)
        pd.testing.assert_frame_equal(after[kept[changed.index]], before[kept])


def test_the_config_key_validates_and_round_trips(tmp_path):
    default = load_screening_config()
    assert default.ranking.diversity_distance == DEFAULT_DIVERSITY_DISTANCE  # the file's value
    assert ScreeningConfig().ranking.diversity_distance == DEFAULT_DIVERSITY_DISTANCE
    path = tmp_path / "screening.yaml"
    path.write_text("ranking:\n  diversity_distance: 0.03\n  diversity_rows: 500\n")
    config = load_screening_config(path)
    assert (config.ranking.diversity_distance, config.ranking.diversity_rows) == (0.03, 500)
    assert config.digest() != default.digest()
    effective = tmp_path / "effective.yaml"
    effective.write_text(config.yaml_text())
    back = load_screening_config(effective)
    assert back == config and back.digest() == config.digest()
    assert "diversity_distance: 0.03" in config.yaml_text()
    off = tmp_path / "off.yaml"
    off.write_text("ranking:\n  diversity_distance: 0\n")
    assert load_screening_config(off).ranking.diversity_distance == 0.0
    for bad in ("-0.01", "1.0", '"0.1"', "true"):
        path.write_text(f"ranking:\n  diversity_distance: {bad}\n")
        with pytest.raises(ConfigError, match="diversity_distance"):
            load_screening_config(path)
    path.write_text("ranking:\n  diversity_rows: -1\n")
    with pytest.raises(ConfigError, match="diversity_rows"):
        load_screening_config(path)


def _results(distance: float) -> pd.DataFrame:
    formulas = [
        "Li10GeP2S12", "Li10SiP2S12", "Li10SnP2S12", "Li7La3Zr2O12", "Li10Ge0.5Sn0.5P2S12",
        "Li6PS5Cl", "Li7La3Zr1.5Ta0.5O12", "Li3YCl6",
    ]  # fmt: skip
    n = len(formulas)
    results = pd.DataFrame(
        {
            "candidate_id": [f"c{k}" for k in range(n)],
            "formula": formulas,
            "rank": pd.array(range(1, n + 1), dtype="Int64"),
            "pareto_rank": pd.array([1] * n, dtype="Int64"),
            "acquisition_rank": pd.array(range(1, n + 1), dtype="Int64"),
            "pred_log10_sigma": np.linspace(-2, -4, n),
            "pred_log10_sigma_std": [0.3] * n,
            "pred_log10_sigma_lo": [-5.0] * n,
            "pred_log10_sigma_hi": [-1.0] * n,
            "p_air_stable": [0.5] * n,
        }
    )
    columns = diversity_columns(
        results["candidate_id"], results["formula"], results["rank"], distance
    )
    return results.join(columns)


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if "│" in line]


def test_the_console_table_shows_one_row_per_chemistry_with_what_it_represents():
    from electroscreen.report import ranked_table

    console = Console(width=300, record=True, color_system=None)
    console.print(ranked_table(_results(DEFAULT_DIVERSITY_DISTANCE), top=4))
    text = console.export_text()
    rows = _rows(text)
    assert [r[:4] for r in rows] == [
        ["1", "c0", "Li10GeP2S12", "+3"],  # Si, Sn and half-Sn LGPS folded (0.04, 0.04, 0.02)
        ["4", "c3", "Li7La3Zr2O12", "+1"],  # Ta-doped LLZO (0.021)
        ["6", "c5", "Li6PS5Cl", ""],
        ["8", "c7", "Li3YCl6", ""],
    ]
    assert "Top 4 of 8 ranked candidates (one row per chemistry: diverse_rank)" in text
    legend = " ".join(text.split())
    assert "similar: the worse-ranked candidates it stands for, not shown" in legend
    assert "within ranking.diversity_distance of its composition" in legend
    # off (distance 0): one row per composition, as before
    console = Console(width=300, record=True, color_system=None)
    console.print(ranked_table(_results(0.0), top=4))
    off = console.export_text()
    assert [r[1] for r in _rows(off)] == ["c0", "c1", "c2", "c3"]
    assert "similar" not in off and "one row per chemistry" not in off


POOL = {
    "lgps": "Li10GeP2S12", "lgps_si": "Li10SiP2S12", "lgps_sn": "Li10SnP2S12",
    "lgps_half": "Li10Ge0.5Si0.5P2S12", "llzo": "Li7La3Zr2O12", "llzo_ta": "Li6.5La3Zr1.5Ta0.5O12",
    "argyrodite_cl": "Li6PS5Cl", "argyrodite_br": "Li6PS5Br", "lyc": "Li3YCl6",
    "lic": "Li3InCl6", "latp": "Li1.3Al0.3Ti1.7(PO4)3", "nacl": "NaCl", "lgps_again": "Li10GeP2S12",
}  # fmt: skip


@pytest.fixture(scope="module")
def screened(model_store, tmp_path_factory):
    from electroscreen.screening.runner import screen

    root = tmp_path_factory.mktemp("diverse")
    pool = root / "pool.csv"
    pd.DataFrame({"id": list(POOL), "formula": list(POOL.values())}).to_csv(pool, index=False)
    result = screen(
        [pool], root / "out", config=load_screening_config(batch_size=5),
        tracking_uri=model_store.uri, track=False, progress=False,
    )  # fmt: skip
    return root / "out", result.results


def test_screen_writes_both_columns_to_parquet_and_csv(screened):
    from electroscreen.screening.results import read_results

    out, results = screened
    expected = diversity_columns(
        results["candidate_id"], results["formula"], results["rank"], DEFAULT_DIVERSITY_DISTANCE,
        10_000,
    )  # fmt: skip
    for path in (out / "results.parquet", out / "results.csv"):
        back = read_results(path)
        assert back["diverse_rank"].dtype == "Int64"
        assert back["diverse_rank"].tolist() == expected["diverse_rank"].tolist(), path
        got = back["represented_by"].fillna("").astype(str).tolist()
        assert got == expected["represented_by"].tolist(), path
    by_id = results.set_index("candidate_id")
    assert by_id.loc["nacl", "represented_by"] == "" and pd.isna(by_id.loc["nacl", "diverse_rank"])
    # the repeat and the half-swapped LGPS are represented by whichever LGPS ranks best
    lgps = by_id.loc[["lgps", "lgps_again", "lgps_half", "lgps_si", "lgps_sn"]]
    leader = lgps["rank"].idxmin()
    assert lgps["diverse_rank"].notna().sum() == 1 and pd.notna(lgps.loc[leader, "diverse_rank"])
    assert set(lgps.drop(index=leader)["represented_by"]) == {leader}
    ranked = results[results["rank"].notna()]
    assert (ranked["represented_by"].ne("") != ranked["diverse_rank"].notna()).all()  # one of two


def test_export_and_triage_pick_the_diverse_top(screened, tmp_path):
    import json

    from typer.testing import CliRunner

    from electroscreen.analysis.triage import shortlist
    from electroscreen.cli import app

    out, results = screened
    best = results[results["diverse_rank"].notna()].sort_values("diverse_rank").head(3)
    args = ["export", str(out), "--top", "3", "--diverse", "--out", str(tmp_path / "x")]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    exported = pd.read_csv(tmp_path / "x" / "shortlist.csv", keep_default_na=False)
    assert exported["candidate_id"].tolist() == best["candidate_id"].tolist()
    assert exported["diverse_rank"].tolist() == [1, 2, 3]
    provenance = json.loads((tmp_path / "x" / "shortlist_provenance.json").read_text())
    assert provenance["ranked_by"] == "diverse_rank"
    every = shortlist(results, None, None, top=None, diverse=True)
    assert len(every) == results["diverse_rank"].notna().sum() < results["rank"].notna().sum()
    picked = shortlist(results, None, None, top=3, diverse=True)
    assert picked["candidate_id"].tolist() == best["candidate_id"].tolist()
    members = results.loc[results["represented_by"].eq(best["candidate_id"].iloc[0])]
    assert picked["similar_ids"].iloc[0] == ";".join(members["candidate_id"])
    # results without the column (diversity off, or older): said, not guessed
    old = tmp_path / "old.parquet"
    results.drop(columns=["diverse_rank", "represented_by"]).to_parquet(old)
    args = ["export", str(old), "--top", "3", "--diverse", "--out", str(tmp_path / "y")]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and "no diverse_rank" in refused.stdout
    with pytest.raises(ValueError, match="no diverse_rank"):
        shortlist(results.drop(columns=["diverse_rank"]), diverse=True)


def test_the_promising_count_of_chemistries_is_logged():
    from electroscreen.screening.run_summary import (
        DISTINCT_METRIC,
        HEADLINE_METRICS,
        review_metrics,
    )

    frame = pd.DataFrame(
        {
            "status": ["ok"] * 5 + ["no_carrier"],
            "error": [""] * 6,
            "pred_log10_sigma": [-2.0, -2.1, -3.0, -5.0, -3.5, np.nan],
            "p_air_stable": [0.6, 0.7, 0.8, 0.9, 0.2, np.nan],
            "diverse_rank": pd.array([1, pd.NA, 2, 3, pd.NA, pd.NA], dtype="Int64"),
        }
    )
    metrics = review_metrics(frame)
    # promising: the first three; of them, two are representatives
    assert metrics["n_sigma_gt_1e-4_air_stable"] == 3 and metrics[DISTINCT_METRIC] == 2
    assert DISTINCT_METRIC in HEADLINE_METRICS
    assert DISTINCT_METRIC not in review_metrics(frame.drop(columns=["diverse_rank"]))


def test_numeric_ids_keep_their_representatives_through_the_csv(tmp_path):
    # a formula table whose ids are numbers: "1" must come back as "1", not 1 and 1.0
    from electroscreen.screening.results import read_results

    frame = _frame(["Li10GeP2S12", "Li10SiP2S12", "Li3YCl6"], [1, 2, 3])
    frame["id"] = ["1", "2", "3"]
    frame = pd.concat([frame, _columns(frame, 0.06)], axis=1).rename(columns={"id": "candidate_id"})
    assert represented_counts(frame).tolist() == [1, 0, 0]
    frame.to_csv(tmp_path / "results.csv", index=False)
    back = read_results(tmp_path / "results.csv")
    assert back["candidate_id"].tolist() == ["1", "2", "3"]
    assert back["represented_by"].fillna("").tolist() == ["", "1", ""]
    assert represented_counts(back).tolist() == [1, 0, 0]


def test_the_run_description_lists_one_row_per_chemistry():
    """The MLflow run's description listed its best candidates by ``rank`` after the console and
    the report had become one row per chemistry: a generated pool's top 5 there were five LGPS."""
    from electroscreen.screening.run_description import screening_note
    from electroscreen.screening.run_summary import review_metrics

    frame = pd.DataFrame(
        {"candidate_id": ["g1", "g2", "g3", "a1", "n1", "x"],
         "formula": ["Li10GeP2S12", "Li10Ge0.9Si0.1P2S12", "Li10Ge0.8Si0.2P2S12", "Li6PS5Cl",
                     "Li1.3Al0.3Ti1.7(PO4)3", "Li9S"],
         "status": ["ok"] * 6, "error": [""] * 6,
         "pred_log10_sigma": [-2.0, -2.1, -2.2, -2.5, -3.0, -9.0],
         "p_air_stable": [0.6] * 6, "pareto_rank": [1] * 6,
         "rank": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64")}
    )  # fmt: skip
    columns = diversity_columns(frame["candidate_id"], frame["formula"], frame["rank"], 0.06)
    frame = pd.concat([frame, columns], axis=1)
    assert frame["represented_by"].tolist()[:3] == ["", "g1", "g1"]  # the premise
    note = screening_note(["pool.csv"], {}, frame, review_metrics(frame), top=3)
    rows = [line for line in note.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r.split(" | ")[1] for r in rows[1:]] == ["g1", "a1", "n1"]
    assert rows[0].endswith("| similar |") and rows[1].endswith("| +2 |")
    assert rows[2].endswith("|  |")  # represents nothing

    plain = frame.drop(columns=["represented_by", "diverse_rank"])  # diversity off
    note = screening_note(["pool.csv"], {}, plain, review_metrics(plain), top=3)
    rows = [line for line in note.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r.split(" | ")[1] for r in rows[1:]] == ["g1", "g2", "g3"]
    assert "similar" not in rows[0]
