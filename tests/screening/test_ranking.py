"""Pareto fronts, weighted and UCB scores, rank order: against brute-force references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.screening.ranking import (
    RANK_COLUMNS,
    acquisition_score,
    as_rank_columns,
    pareto_ranks,
    rank_candidates,
    rank_order,
    weighted_score,
)
from electroscreen.screening.results import read_results
from electroscreen.screening.screen_config import RankingConfig


def _brute_force_fronts(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Peel non-dominated sets one by one (O(N^2) per front)."""
    ranks = np.zeros(len(x), dtype=np.int64)
    remaining = set(np.flatnonzero(np.isfinite(x) & np.isfinite(y)))
    front = 0
    while remaining:
        front += 1
        current = [
            i for i in remaining
            if not any(x[j] >= x[i] and y[j] >= y[i] and (x[j] > x[i] or y[j] > y[i])
                       for j in remaining)
        ]  # fmt: skip
        for i in current:
            ranks[i] = front
        remaining -= set(current)
    return ranks


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pareto_ranks_match_brute_force_with_ties_and_nan(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 12, 300).astype(float)  # many ties
    y = rng.integers(0, 12, 300).astype(float)
    x[rng.choice(300, 20, replace=False)] = np.nan
    expected = _brute_force_fronts(x, y)
    got = pareto_ranks(x, y)
    assert got.dtype == "Int64"
    np.testing.assert_array_equal(got.isna(), expected == 0)  # unranked: <NA>, never 0
    np.testing.assert_array_equal(got.fillna(0).to_numpy(np.int64), expected)


def _brute_force_fronts_nd(points: np.ndarray) -> np.ndarray:
    """Peel non-dominated sets in any number of objectives (rows with NaN unranked)."""
    ranks = np.zeros(len(points), dtype=np.int64)
    remaining = set(np.flatnonzero(np.isfinite(points).all(axis=1)))
    front = 0
    while remaining:
        front += 1
        current = [
            i for i in remaining
            if not any((points[j] >= points[i]).all() and (points[j] > points[i]).any()
                       for j in remaining)
        ]  # fmt: skip
        for i in current:
            ranks[i] = front
        remaining -= set(current)
    return ranks


@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_pareto_ranks_in_more_objectives_match_brute_force(k, seed):
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 6, (250, k)).astype(float)  # many ties and duplicates
    points[rng.choice(250, 10, replace=False), rng.integers(0, k)] = np.nan
    got = pareto_ranks(*points.T)
    np.testing.assert_array_equal(got.fillna(0).to_numpy(np.int64), _brute_force_fronts_nd(points))


def _brute_force_fronts_unknown(points: np.ndarray) -> np.ndarray:
    """Peel non-dominated sets where NaN is unknown: ``a`` dominates ``b`` when ``a`` knows
    every objective ``b`` knows, is >= on each and > on one of them."""
    known = np.isfinite(points)

    def dominates(a: int, b: int) -> bool:
        k = known[b]
        return bool(
            known[a][k].all()
            and (points[a][k] >= points[b][k]).all()
            and (points[a][k] > points[b][k]).any()
        )

    ranks = np.zeros(len(points), dtype=np.int64)
    remaining = set(np.flatnonzero(known[:, :2].all(axis=1)))  # the first two are required
    front = 0
    while remaining:
        front += 1
        current = [i for i in remaining if not any(dominates(j, i) for j in remaining)]
        for i in current:
            ranks[i] = front
        remaining -= set(current)
    return ranks


@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pareto_ranks_with_unknown_values_match_brute_force(k, seed):
    """Optional objectives' NaN are unknown: the fronts are those of peeling with the dominance
    that leaves a row's unknown objectives out (many ties, so equal-on-what-is-known cases occur),
    whatever the row order."""
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 4, (200, k)).astype(float)
    points[rng.random((200, k)) < 0.25] = np.nan
    points[rng.choice(200, 5, replace=False), 0] = np.nan  # a required one missing: unranked
    optional = list(range(2, k)) if k > 2 else [1]
    expected_points = points if k > 2 else np.column_stack([points, np.zeros(200)])[:, [0, 2, 1]]
    expected = _brute_force_fronts_unknown(expected_points)
    got = pareto_ranks(*points.T, optional=optional)
    np.testing.assert_array_equal(got.fillna(0).to_numpy(np.int64), expected)
    order = rng.permutation(200)
    shuffled = pareto_ranks(*points[order].T, optional=optional)
    np.testing.assert_array_equal(shuffled.fillna(0).to_numpy(np.int64), expected[order])


def test_an_unknown_objective_neither_dominates_nor_is_dominated():
    """The oxidation limit of a NASICON is NaN (window_out_of_domain): a row equal to it on every
    objective it has does not beat it for having a limit (before: NaN counted as worst, rank 2);
    a row without a limit does not beat one with a limit on the others alone; and rows without a
    limit never move the fronts of the rows that have one."""
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": [-3.5, -3.5, -3.0, -4.0, -4.5],
            "pred_log10_sigma_std": [0.1] * 5,
            "p_air_stable": [0.95, 0.95, 0.9, 0.7, 0.6],
            "window_ox_v": [np.nan, 3.8, np.nan, 3.9, 3.0],
            "cost_usd_per_kg": [450.0, 450.0, 80.0, 500.0, 600.0],
        }
    )
    ranks = rank_candidates(frame, RankingConfig())["pareto_rank"].tolist()
    # 0 ties 1 on what it has (before: rank 2); 2 (no limit) is better than 3 on everything else
    # but cannot beat its 3.9 V (comparing on the shared objectives alone: rank 2, and 4 rank 3);
    # 4 is beaten by 1, known everywhere
    assert ranks == [1, 1, 1, 1, 2]
    known = frame[frame["window_ox_v"].notna()]
    alone = rank_candidates(known, RankingConfig())["pareto_rank"].tolist()
    assert alone == [ranks[i] for i in known.index]


def test_pareto_rank_over_four_objectives_by_hand():
    """Four candidates with the same predictions: the computed objectives decide the fronts."""
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": [-3.0, -3.0, -3.0, -4.0, -3.0],
            "pred_log10_sigma_std": [0.1] * 5,
            "p_air_stable": [0.5, 0.5, 0.5, 0.4, 0.5],
            # A: high voltage, dear; B: low voltage, cheap; C: beaten by A and B on both;
            # D: beaten by C everywhere; E: no window (window_out_of_domain): unknown, not worst,
            # so B, equal to E on everything E has, does not beat it, and E shares the front
            "window_ox_v": [4.5, 2.5, 2.4, 2.3, np.nan],
            "cost_usd_per_kg": [500.0, 5.0, 600.0, 700.0, 5.0],
        }
    )
    ranks = rank_candidates(frame, RankingConfig())["pareto_rank"]
    assert ranks.tolist() == [1, 1, 2, 3, 1]
    # a missing prediction still leaves a row unranked
    no_prediction = frame.assign(p_air_stable=[0.5, 0.5, 0.5, 0.4, np.nan])
    assert rank_candidates(no_prediction, RankingConfig())["pareto_rank"].fillna(0).tolist() == [
        1, 1, 2, 3, 0,
    ]  # fmt: skip
    # E a little dearer than B: B is better on something E has, and beats it
    dearer = frame.assign(cost_usd_per_kg=[500.0, 5.0, 600.0, 700.0, 6.0])
    assert rank_candidates(dearer, RankingConfig())["pareto_rank"].tolist() == [1, 1, 2, 3, 2]
    # on conductivity and air stability alone A, B, C and E tie on the front and D is behind
    two = RankingConfig(pareto_objectives=("conductivity", "air_stability"))
    assert rank_candidates(frame, two)["pareto_rank"].tolist() == [1, 1, 1, 2, 1]
    # objectives switched off (no column) drop out of the Pareto set
    plain = rank_candidates(frame.drop(columns=["window_ox_v", "cost_usd_per_kg"]), RankingConfig())
    assert plain["pareto_rank"].tolist() == [1, 1, 1, 2, 1]
    with pytest.raises(ValueError, match="pareto_objectives"):
        RankingConfig(pareto_objectives=("oxidation", "cost"))
    # a pool too large for the many-objective sort falls back to two objectives, and says so
    with pytest.warns(RuntimeWarning, match="pareto_max_rows"):
        capped = rank_candidates(frame, RankingConfig(pareto_max_rows=3))
    assert capped["pareto_rank"].tolist() == [1, 1, 1, 2, 1]


def test_pareto_rank_ties_values_closer_than_the_resolution():
    """Differences far below what the models resolve do not decide who dominates whom: a
    candidate better by 1e-9 on one objective and equal elsewhere shares the front, and the fronts
    do not move when every prediction moves in its last bits."""
    base = {
        "pred_log10_sigma": [-3.0, -3.0, -2.0, -4.0],
        "pred_log10_sigma_std": [0.1] * 4,
        "p_air_stable": [0.5, 0.5 + 1e-9, 0.2, 0.9],
        "window_ox_v": [3.0, 3.0, 3.0, 3.0],
        "cost_usd_per_kg": [50.0, 50.0 * (1 + 1e-12), 50.0, 50.0],
    }
    frame = pd.DataFrame(base)
    assert rank_candidates(frame, RankingConfig())["pareto_rank"].tolist() == [1, 1, 1, 1]
    # the two-objective fallback of a pool over pareto_max_rows rounds alike (it compared raw values)
    with pytest.warns(RuntimeWarning, match="pareto_max_rows"):
        capped = rank_candidates(frame, RankingConfig(pareto_max_rows=2))
    assert capped["pareto_rank"].tolist() == [1, 1, 1, 1]
    # a real difference still counts: 0.01 in probability, 0.1 decade, 10 % in cost
    for column, value in [
        ("p_air_stable", 0.51),
        ("pred_log10_sigma", -2.9),
        ("cost_usd_per_kg", 45),
    ]:
        changed = frame.copy()
        changed.loc[1, column] = value
        assert rank_candidates(changed, RankingConfig())["pareto_rank"].tolist() == [2, 1, 1, 1]
    rng = np.random.default_rng(0)
    pool = pd.DataFrame(
        {
            "pred_log10_sigma": np.round(rng.normal(-4, 1, 3000), 1),  # trees: many equal values
            "pred_log10_sigma_std": np.full(3000, 0.3),
            "p_air_stable": np.round(rng.uniform(0, 1, 3000), 2),
            "window_ox_v": np.round(rng.uniform(2, 5, 3000), 1),
            "cost_usd_per_kg": np.round(10 ** rng.uniform(0, 3, 3000), 0),
        }
    )
    noisy = pool.copy()
    for column in ("pred_log10_sigma", "p_air_stable", "window_ox_v", "cost_usd_per_kg"):
        noisy[column] = pool[column] * (1 + rng.uniform(-1e-13, 1e-13, len(pool)))
    clean = rank_candidates(pool, RankingConfig())["pareto_rank"]
    assert clean.max() > 10
    assert clean.tolist() == rank_candidates(noisy, RankingConfig())["pareto_rank"].tolist()


def test_anode_weight_moves_the_score():
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": [-3.0, -3.0],
            "pred_log10_sigma_std": [0.1, 0.1],
            "p_air_stable": [0.5, 0.5],
            "interface_anode_ev_per_atom": [-0.8, 0.0],
        }
    )
    assert rank_candidates(frame, RankingConfig())["score"].nunique() == 1
    weighted = rank_candidates(frame, RankingConfig(weight_interface=0.3))
    assert list(weighted["rank"]) == [2, 1]


def test_weighted_score_scales_and_falls_back_to_conductivity():
    config = RankingConfig(weight_conductivity=0.5, weight_air_stability=0.5, sigma_range=(-6, -2))
    values = {
        "conductivity": np.array([-2.0, -4.0, -10.0, -4.0]),
        "air_stability": np.array([1.0, 0.5, 0.0, np.nan]),
    }
    np.testing.assert_allclose(weighted_score(values, config), [1.0, 0.5, 0.0, 0.5])
    # a computed objective adds weight * scaled value, and 0 where it is NaN (the weight stays)
    cheap = RankingConfig(weight_conductivity=0.5, weight_air_stability=0.5, weight_cost=1.0,
                          sigma_range=(-6, -2))  # fmt: skip
    values["cost"] = np.array([1.0, 1000.0, np.nan, 10**1.5])
    np.testing.assert_allclose(weighted_score(values, cheap), [1.0, 0.25, 0.0, 0.75 / 1.5])
    # without an air-stability weight, or a weight left: a row without p has no score
    only_air = RankingConfig(weight_conductivity=0.0, weight_air_stability=1.0)
    assert (
        np.isnan(weighted_score(values, only_air)[3]) and weighted_score(values, only_air)[0] == 1
    )


def test_acquisition_is_an_upper_confidence_bound():
    config = RankingConfig(kappa=2.0, sigma_range=(-8, -2))
    mu, std = np.array([-6.0, -5.0]), np.array([1.0, 0.0])
    p, p_std = np.array([0.5, 0.5]), np.array([0.1, 0.0])
    values = {"conductivity": mu, "air_stability": p}
    got = acquisition_score(values, {"conductivity": std, "air_stability": p_std}, config)
    optimistic = {"conductivity": mu + 2 * std, "air_stability": np.clip(p + 2 * p_std, 0, 1)}
    np.testing.assert_allclose(got, weighted_score(optimistic, config))
    assert got[0] > got[1]  # the uncertain candidate is worth exploring first
    assert weighted_score(values, config)[0] < weighted_score(values, config)[1]


def test_rank_order_breaks_ties_by_input_order_and_skips_nan():
    assert rank_order(np.array([0.5, np.nan, 0.9, 0.5])).tolist() == [2, pd.NA, 1, 3]


def test_unranked_rows_are_empty_and_sort_last(tmp_path):
    """A rejected row (NaN predictions) has no rank: sorting by any rank puts it last."""
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": [np.nan, -3.0, -5.0, np.nan],
            "pred_log10_sigma_std": [np.nan, 0.5, 0.5, np.nan],
            "p_air_stable": [np.nan, 0.5, 0.9, 0.7],
        }
    )
    ranking = rank_candidates(frame, RankingConfig())
    for column in RANK_COLUMNS:
        assert ranking[column].dtype == "Int64", column
        assert ranking[column].isna()[[0, 3]].all(), column
        assert (ranking[column].dropna() >= 1).all(), column
        assert ranking.sort_values(column).index[-2:].tolist() == [0, 3], column
    table = pd.concat([pd.DataFrame({"candidate_id": ["Pb", "a", "b", "c"]}), ranking], axis=1)
    table.to_parquet(tmp_path / "r.parquet")
    table.to_csv(tmp_path / "r.csv", index=False)
    for name in ("r.parquet", "r.csv"):
        back = read_results(tmp_path / name)
        for column in RANK_COLUMNS:
            assert back[column].dtype == "Int64", (name, column)
            assert back[column].tolist() == ranking[column].tolist(), (name, column)
        assert back.sort_values("rank")["candidate_id"].tolist()[-2:] == ["Pb", "c"]
    legacy = pd.DataFrame({"rank": [0, 2, 1]})  # before: 0 meant unranked
    assert as_rank_columns(legacy)["rank"].tolist() == [pd.NA, 2, 1]


def test_rank_candidates_is_independent_of_row_chunks():
    rng = np.random.default_rng(4)
    n = 200
    frame = pd.DataFrame(
        {
            "pred_log10_sigma": rng.normal(-5, 2, n),
            "pred_log10_sigma_std": rng.uniform(0, 1, n),
            "p_air_stable": rng.uniform(0, 1, n),
            "p_air_stable_std": rng.uniform(0, 0.2, n),
        }
    )
    whole = rank_candidates(frame, RankingConfig())
    shuffled = rng.permutation(n)
    again = rank_candidates(frame.iloc[shuffled], RankingConfig()).loc[frame.index]
    np.testing.assert_array_equal(whole["pareto_rank"], again["pareto_rank"])
    np.testing.assert_allclose(whole["score"], again["score"])
    assert sorted(whole["rank"]) == list(range(1, n + 1))


@pytest.mark.parametrize(
    "config",
    [
        RankingConfig(),
        RankingConfig(weight_conductivity=0.5, weight_air_stability=0.2, weight_oxidation=0.3,
                      weight_cost=0.4, weight_interface=0.1, sigma_range=(-6.0, -1.0)),
    ],
)  # fmt: skip
def test_the_score_formula_the_console_prints_is_the_score(config):
    """The line under the ranked table writes ``score`` out (an audit read only "rank"): evaluated
    as written, it gives :func:`weighted_score`, the clip at the top of ``sigma_range`` included."""
    from electroscreen.screening.objective_table import OBJECTIVES, score_formula

    rng = np.random.default_rng(3)
    n = 200
    values = {
        "conductivity": rng.uniform(-10, 0, n), "air_stability": rng.uniform(0, 1, n),
        "oxidation": rng.uniform(1, 6, n), "cost": 10 ** rng.uniform(-1, 4, n),
        "anode": rng.uniform(-2, 0.5, n),
    }  # fmt: skip
    formula = score_formula(config)
    columns = {OBJECTIVES[name].column: v for name, v in values.items()}
    evaluated = eval(  # noqa: S307 - the formula's own text, with numpy for its two functions
        formula.replace("×", "*"), {"clip": np.clip, "log10": np.log10}, columns
    )
    np.testing.assert_allclose(evaluated, weighted_score(values, config), rtol=1e-12)
    assert ("/ 1.5" in formula) == (config.weight_cost == 0.4)  # normalised by the weight sum
    assert (score_formula(RankingConfig()) ==
            "0.7 × clip((pred_log10_sigma + 8) / 6, 0, 1) + 0.3 × p_air_stable")  # fmt: skip
