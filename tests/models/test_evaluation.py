"""Evaluation: metrics against scikit-learn/SciPy, the official split, family-grouped folds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn import metrics as skm

from electroscreen.models.evaluation import (
    classification_metrics,
    evaluate,
    grouped_cv_splits,
    official_split,
    regression_metrics,
    top_fraction_hit_rate,
)
from electroscreen.models.predictor import CandidatePredictor
from electroscreen.models.row_groups import family_groups

from .conftest import FAST_PARAMS


def test_regression_metrics_match_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    n = 80
    y = rng.normal(-5, 2, n)
    pred = y + rng.normal(0, 1, n)
    censored = np.zeros(n, dtype=bool)
    censored[:6] = True
    bound = np.where(censored, -10.0, np.nan)
    y[censored] = -10.0
    pred[6:9] = np.nan  # could not predict
    lo, hi = pred - 1.5, pred + 1.5
    out = regression_metrics(
        y, pred, evaluable=~censored, censored_bound=bound, lo=lo, hi=hi, threshold=-4.0
    )
    use = ~censored & np.isfinite(pred)
    assert out["n"] == use.sum() and out["n_missing"] == 3
    assert out["mae"] == pytest.approx(skm.mean_absolute_error(y[use], pred[use]))
    assert out["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y[use], pred[use])))
    assert out["r2"] == pytest.approx(skm.r2_score(y[use], pred[use]))
    assert out["spearman"] == pytest.approx(spearmanr(y[use], pred[use]).statistic)
    covered = (y[use] >= lo[use]) & (y[use] <= hi[use])
    assert out["coverage"] == pytest.approx(covered.mean())
    assert out["interval_width"] == pytest.approx(3.0)
    # ROC-AUC of sigma >= 1e-4: censored rows (bound -10) are negatives
    auc_rows = np.isfinite(pred)
    label = np.where(censored, False, y >= -4.0)[auc_rows]
    assert out["roc_auc"] == pytest.approx(skm.roc_auc_score(label, pred[auc_rows]))
    assert out["n_censored"] == 6


def test_censored_rows_do_not_move_error_metrics():
    y = np.array([-3.0, -5.0, -10.0, -6.0])
    evaluable = np.array([True, True, False, True])
    a = regression_metrics(y, np.array([-3.5, -4.0, 0.0, -6.0]), evaluable=evaluable)
    b = regression_metrics(y, np.array([-3.5, -4.0, -20.0, -6.0]), evaluable=evaluable)
    for key in ("mae", "rmse", "r2", "spearman"):
        assert a[key] == b[key]


def test_obelix_protocol_and_top5_hit_rate_by_hand():
    # 4 exact rows and 2 censored rows (<1E-10, <1E-8): the paper's protocol scores all 6, the
    # censored ones at log10 sigma = -15.
    y = np.array([-2.0, -5.0, -3.0, -10.0, -6.0, -8.0])
    evaluable = np.array([True, True, True, False, True, False])
    bound = np.array([np.nan, np.nan, np.nan, -10.0, np.nan, -8.0])
    pred = np.array([-2.5, -4.0, -3.0, -9.0, -7.0, -8.0])
    out = regression_metrics(y, pred, evaluable=evaluable, censored_bound=bound)
    # |-2.5+2| + |-4+5| + 0 + |-9+15| + |-7+6| + |-8+15| = 0.5 + 1 + 0 + 6 + 1 + 7 = 15.5
    assert out["mae_obelix_protocol"] == pytest.approx(15.5 / 6)
    assert out["n_obelix_protocol"] == 6
    assert out["mae"] == pytest.approx(2.5 / 4)  # censored-excluded MAE is unchanged
    # 5 % of 6 rows -> the single top prediction (-2.5, true -2: a hit, sigma >= 1e-3)
    assert out["top5_n"] == 1 and out["top5_hit_rate"] == 1.0
    assert out["top5_base_rate"] == pytest.approx(2 / 6)  # -2 and -3 are hits
    # a censored row predicted highest is a miss
    pred2 = np.array([-2.5, -4.0, -3.0, 0.0, -7.0, -8.0])
    assert regression_metrics(y, pred2, evaluable=evaluable, censored_bound=bound)[
        "top5_hit_rate"
    ] == pytest.approx(0.0)


def test_top_fraction_hit_rate_counts_ceil_of_the_share():
    hit = np.array([True, False, True, False] * 10)  # 40 rows
    pred = np.arange(40.0)  # highest: rows 39, 38 -> False, True
    rate, n_top = top_fraction_hit_rate(hit, pred, 0.05)
    assert n_top == 2 and rate == pytest.approx(0.5)
    pred[39] = np.nan  # left out: 39 scored rows -> ceil(1.95) = 2: rows 38, 37
    rate, n_top = top_fraction_hit_rate(hit, pred, 0.05)
    assert n_top == 2 and rate == pytest.approx(0.5)


def test_classification_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60).astype(float)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 60), 0, 1)
    w = rng.uniform(0.2, 1.0, 60)
    out = classification_metrics(y, p, sample_weight=w)
    assert out["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w))
    assert out["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5, sample_weight=w))
    assert out["brier"] == pytest.approx(skm.brier_score_loss(y, p, sample_weight=w))
    expected_loss = skm.log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), sample_weight=w)
    assert out["log_loss"] == pytest.approx(expected_loss)
    assert "brier_skill" not in out  # no base rate given


def test_brier_skill_against_the_base_rate():
    rng = np.random.default_rng(2)
    y = (rng.uniform(size=400) < 0.7).astype(float)
    base = np.full(400, 0.7)
    informative = np.where(y == 1, 0.85, 0.35)  # sharper than the base rate and right
    out = classification_metrics(y, informative, base_rate=base)
    assert out["brier_base_rate"] == pytest.approx(skm.brier_score_loss(y, base))
    assert out["brier_skill"] == pytest.approx(1 - out["brier"] / out["brier_base_rate"])
    assert out["brier_skill"] > 0.3
    # a ranking that is right but pulled towards 0.5 (balanced class weights) loses to the base rate
    pulled = np.where(y == 1, 0.52, 0.48)
    pulled_out = classification_metrics(y, pulled, base_rate=base)
    assert pulled_out["roc_auc"] == 1.0 and pulled_out["brier_skill"] < 0


def test_family_folds_never_share_a_family(conductivity_table):
    groups = family_groups(conductivity_table)
    folds = grouped_cv_splits(groups, n_splits=5)
    assert len(folds) == 5
    seen = np.zeros(len(groups), dtype=int)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        seen[test] += 1
    assert (seen == 1).all()  # every row is held out exactly once
    with pytest.raises(ValueError, match="two groups"):
        grouped_cv_splits(np.array(["a", "a", "a"]))


def test_composition_folds_keep_a_composition_however_written_on_one_side():
    """``Li2Sc0.667Cl4`` is ``Li3ScCl6``: composition-grouped folds never split the two (they were
    grouped by formula text, so two air-stability labels of one composition sat on both sides)."""
    from electroscreen.data.composition_match import composition_groups
    from electroscreen.models.splits import scheme_splits
    from electroscreen.models.tasks import air_stability_targets, load_task_table

    table = load_task_table("air_stability")
    targets = air_stability_targets(table)
    same = composition_groups(table["formula"].astype(str).tolist())
    written = set(table["formula"])
    assert {"Li2Sc0.667Cl4", "Li3ScCl6"} <= written  # the case this test is about
    for seed in range(3):
        for train, test in scheme_splits("composition_cv", table, targets, True, 5, seed):
            assert not set(same[train]) & set(same[test])


def test_family_folds_leave_out_unfamilied_extra_rows_of_a_held_out_system():
    """A Liverpool row without a family belongs to no family fold, so the family guard alone let it
    train the fold that holds out its own chemical system (La-Li-Nb-O beside the perovskites)."""
    import pandas as pd

    from electroscreen.models.splits import scheme_splits
    from electroscreen.models.tasks import conductivity_targets

    table = pd.DataFrame(
        {
            "formula": ["Li3PS4", "Li7P3S11", "LiNbO3", "Li0.5La0.5TiO3", "Li3NbO4", "Li2TiO3"],
            "family": ["thio", "thio", "perovskite", "perovskite", np.nan, ""],
            "split": ["train", "train", "train", "train", "extra", "extra"],
            "log10_sigma": [-4.0, -3.0, -8.0, -3.5, -9.0, -7.0],
        }
    )
    table["censored"] = False
    table["log10_sigma_upper"] = np.nan
    targets = conductivity_targets(table)
    for scheme in ("family_cv", "family_lofo"):
        folds = scheme_splits(scheme, table, targets, False, 2, 0)
        for train, test in folds:
            held = set(table["family"].iloc[test])
            # Li3NbO4 (Li-Nb-O) trains only where LiNbO3 is scored elsewhere; Li2TiO3 (Li-O-Ti)
            # matches no scored system and always trains
            assert (4 in train) == ("perovskite" not in held), (scheme, held)
            assert 5 in train


def test_train_composition_folds_score_train_rows_only(conductivity_table):
    from electroscreen.data.composition_match import composition_groups
    from electroscreen.models.splits import scheme_splits
    from electroscreen.models.tasks import conductivity_targets

    targets = conductivity_targets(conductivity_table)
    folds = scheme_splits("train_composition_cv", conductivity_table, targets, False, 5, 0)
    split = conductivity_table["split"].to_numpy()
    same = composition_groups(conductivity_table["formula"].astype(str).tolist())
    scored = np.concatenate([test for _, test in folds])
    assert (split[scored] == "train").all() and len(np.unique(scored)) == len(scored)
    for train, test in folds:
        assert not set(same[train]) & set(same[test])
        assert not (split[train] == "test").any()


def test_official_split_positions(conductivity_table):
    train, test = official_split(conductivity_table)
    assert len(train) == 478 and len(test) == 121 and not set(train) & set(test)
    with pytest.raises(ValueError, match="split"):
        official_split(conductivity_table.drop(columns="split"))


@pytest.fixture(scope="module")
def fast_forest():
    return CandidatePredictor(estimator_params=FAST_PARAMS["random_forest"])


def test_evaluate_official_metrics_are_those_of_its_predictions(
    fast_forest, conductivity_table, composition_design
):
    result = evaluate(fast_forest, conductivity_table, "official", design=composition_design)
    pred = result.predictions
    assert len(pred) == 121 and (pred["fold"] == 0).all()
    test_ids = conductivity_table.loc[conductivity_table["split"] == "test", "candidate_id"]
    assert set(pred["candidate_id"]) == set(test_ids)
    exact = pred[~pred["censored"]]
    assert result.metrics["mae"] == pytest.approx((exact["y_true"] - exact["y_pred"]).abs().mean())
    inside = (exact["y_true"] >= exact["y_lo"]) & (exact["y_true"] <= exact["y_hi"])
    assert result.metrics["coverage_90"] == pytest.approx(inside.mean())
    assert result.metrics["n_censored"] == pred["censored"].sum() == 8
    assert not hasattr(fast_forest, "estimator_")  # the predictor passed in is never fitted


def test_evaluate_family_cv_holds_out_whole_families(
    fast_forest, conductivity_table, composition_design
):
    result = evaluate(
        fast_forest, conductivity_table, "family_cv", n_splits=3, design=composition_design
    )
    pred = result.predictions
    assert len(pred) == len(conductivity_table) and result.metrics["n_folds"] == 3
    folds_per_family = pred[pred["family"] != ""].groupby("family")["fold"].nunique()
    assert (folds_per_family == 1).all()
    assert pred["y_pred"].notna().all()
    # each family's own held-out errors and interval coverage, by hand on its exact rows
    table = result.per_group
    exact = pred[~pred["censored"] & pred["y_true"].notna()]
    checked = 0
    for family, rows in exact[exact["family"] != ""].groupby("family"):
        if len(rows) < 2:
            continue
        checked += 1
        assert table.loc[family, "mae"] == pytest.approx(
            (rows["y_true"] - rows["y_pred"]).abs().mean()
        )
        inside = (rows["y_true"] >= rows["y_lo"]) & (rows["y_true"] <= rows["y_hi"])
        assert table.loc[family, "coverage"] == pytest.approx(inside.mean())
        width = (rows["y_hi"] - rows["y_lo"]).mean()
        assert table.loc[family, "interval_width"] == pytest.approx(width)
    assert checked >= 3
    assert result.metrics["n_families"] == pred.loc[pred["family"] != "", "family"].nunique()
    with pytest.raises(ValueError, match="scheme must be"):
        evaluate(fast_forest, conductivity_table, "random")


def test_official_breakdowns_by_anion_class_and_known_system(
    fast_forest, conductivity_table, composition_design
):
    from electroscreen.data.anion_classes import ANION_CLASSES, anion_classes
    from electroscreen.data.compositions import pack_compositions

    result = evaluate(fast_forest, conductivity_table, "official", design=composition_design)
    pred = result.predictions.set_index("candidate_id")
    table = conductivity_table.set_index("candidate_id")
    train = table[table["split"] == "train"]
    # a test row's system is "known" iff some training row holds exactly its elements
    train_sets = {frozenset(_elements(f)) for f in train["formula"]}
    for cid, row in pred.iterrows():
        expected = (
            "known" if frozenset(_elements(table.loc[cid, "formula"])) in train_sets else "new"
        )
        assert row["system_seen"] == expected, cid
    classes = anion_classes(pack_compositions(list(table.loc[pred.index, "formula"])))
    assert list(pred["anion_class"]) == [ANION_CLASSES[c] for c in classes]
    # each breakdown's rows add up to the held-out rows, and its coverage is its rows' coverage
    for column, breakdown in result.breakdowns.items():
        assert breakdown["n"].sum() == (~pred["censored"]).sum(), column
        exact = pred[~pred["censored"]]
        for value, rows in exact.groupby(column):
            inside = (rows["y_true"] >= rows["y_lo"]) & (rows["y_true"] <= rows["y_hi"])
            assert breakdown.loc[value, "coverage"] == pytest.approx(inside.mean())
    assert set(result.breakdowns["system_seen"].index) == {"known", "new"}


def _elements(formula: str) -> set[str]:
    from electroscreen.data.formula import parse_formula

    return {element for element, amount in parse_formula(formula).items() if amount > 0}
