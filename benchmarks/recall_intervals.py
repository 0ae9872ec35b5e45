"""Do the intervals of recalled compositions cover a new measurement of them?

A recall is a screened composition the conductivity model was fitted on
(:mod:`electroscreen.models.recall_intervals`). On the training rows of a config (OBELiX train +
the leak-guarded Liverpool rows, as ``train`` builds its final model; the official test split is
not read), every measured (not censored) row of a composition with at least two measured rows is
left out once: folds take at most one measurement of each such composition (the j-th of a
composition's rows, in a random order, goes to fold ``(j + offset) % folds``), so each held-out
measurement's composition keeps measured rows in the fold's training set, and the held-out value
is a new measurement of a recall. In each fold the config's predictor is fitted
(``CandidatePredictor.fit``, the code ``train`` runs) and predicts the held-out rows' formulas at
25 degC, with its ``recall_intervals_`` (after) and without (before: the model's interval alone).

Printed: coverage and mean width of those out-of-fold intervals (also by the number of other
measurements and by anion class), and, for the predictor fitted on all the rows, how many training
measurements lie inside their own composition's interval and the mean width of a recall's
interval (every measured training composition), before and after.

Usage::

    ELECTROSCREEN_DATA=/path/to/data PYTHONPATH=. python benchmarks/recall_intervals.py \\
        --config configs/conductivity.yaml --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from electroscreen.data.anion_classes import ANION_CLASSES
from electroscreen.experiments.train import build_predictor, load_config_table
from electroscreen.experiments.train_config import load_train_config
from electroscreen.models.splits import guard_extra_rows
from electroscreen.models.tasks import get_task, targets_for
from electroscreen.models.training_rows import by_composition


def training_rows(table: pd.DataFrame) -> pd.DataFrame:
    """OBELiX train rows and the Liverpool rows the leak guard allows beside the test split."""
    split = table["split"].to_numpy()
    extra = guard_extra_rows(table, np.flatnonzero(split == "test"))
    rows = np.concatenate([np.flatnonzero(split == "train"), extra])
    return table.iloc[rows].reset_index(drop=True)


def measured_values(table: pd.DataFrame) -> np.ndarray:
    """Each row's measured 25 degC value (NaN: censored or none), as the model's targets say."""
    targets = targets_for(get_task("conductivity"), table, censored="bound")
    return np.where(targets.evaluable, targets.y, np.nan)


def repeat_folds(table: pd.DataFrame, folds: int, seed: int) -> np.ndarray:
    """Fold of each row (-1: never held out); see the module docstring."""
    y = measured_values(table)
    members, *_ = by_composition(table["candidate_id"], table["formula"].astype(str))
    rng = np.random.default_rng(seed)
    fold = np.full(len(table), -1)
    for rows in members:
        rows = rows[np.isfinite(y[rows])]
        if len(rows) < 2:
            continue
        offset = int(rng.integers(folds))
        for j, row in enumerate(rng.permutation(rows)):
            fold[row] = (j + offset) % folds
    return fold


def _both(predictor, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions with the predictor's recall intervals, and without (the model's alone)."""
    after = predictor.predict_frame(frame)
    kept, predictor.recall_intervals_ = predictor.recall_intervals_, None
    before = predictor.predict_frame(frame)
    predictor.recall_intervals_ = kept
    return before, after


def _covered(y: np.ndarray, out: pd.DataFrame) -> np.ndarray:
    lo, hi = out["pred_log10_sigma_lo"].to_numpy(), out["pred_log10_sigma_hi"].to_numpy()
    return (lo <= y) & (y <= hi)


def _width(out: pd.DataFrame) -> np.ndarray:
    return (out["pred_log10_sigma_hi"] - out["pred_log10_sigma_lo"]).to_numpy()


def held_out(config, table: pd.DataFrame, folds: int, seed: int) -> pd.DataFrame:
    """Every repeated measurement, predicted by a model fitted without it."""
    y = measured_values(table)
    fold = repeat_folds(table, folds, seed)
    members, *_ = by_composition(table["candidate_id"], table["formula"].astype(str))
    n_measured = np.zeros(len(table), dtype=np.int64)
    for rows in members:
        n_measured[rows] = np.isfinite(y[rows]).sum()
    out = []
    for k in range(folds):
        start = time.perf_counter()
        test = np.flatnonzero(fold == k)
        predictor = build_predictor(config).fit(table.drop(index=test).reset_index(drop=True))
        frame = table.iloc[test][["formula"]].reset_index(drop=True)
        before, after = _both(predictor, frame)
        out.append(
            pd.DataFrame(
                {
                    "formula": frame["formula"],
                    "y": y[test],
                    "n_other": n_measured[test] - 1,
                    "covered_before": _covered(y[test], before),
                    "covered_after": _covered(y[test], after),
                    "width_before": _width(before),
                    "width_after": _width(after),
                    "q_rep": predictor.recall_intervals_.repeatability_,
                }
            )
        )
        print(f"fold {k}: {len(test)} held out ({time.perf_counter() - start:.0f} s)")
    return pd.concat(out, ignore_index=True)


def in_sample(config, table: pd.DataFrame) -> dict[str, float]:
    """The predictor fitted on all rows: its training measurements against their compositions'
    intervals (what ``screen`` reports for a recall), and the mean recall width."""
    y = measured_values(table)
    predictor = build_predictor(config).fit(table)
    rows = np.flatnonzero(np.isfinite(y))
    before, after = _both(predictor, table.iloc[rows][["formula"]].reset_index(drop=True))
    members, first, *_ = by_composition(table["candidate_id"], table["formula"].astype(str))
    measured = [m for m in members if np.isfinite(y[m]).any()]
    frame = pd.DataFrame({"formula": [str(table["formula"].iloc[m[0]]) for m in measured]})
    each_before, each_after = _both(predictor, frame)
    return {
        "q_rep": predictor.recall_intervals_.repeatability_,
        "n_measurements": len(rows),
        "covered_before": _covered(y[rows], before).mean(),
        "covered_after": _covered(y[rows], after).mean(),
        "n_compositions": len(measured),
        "width_before": _width(each_before).mean(),
        "width_after": _width(each_after).mean(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/conductivity.yaml")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    config = load_train_config(args.config)
    table = training_rows(load_config_table(config))
    result = held_out(config, table, args.folds, args.seed)
    classes = build_predictor(config).featurize(result[["formula"]]).anion_classes
    result["anion_class"] = [ANION_CLASSES[c] for c in classes]
    result["n_other"] = np.where(result["n_other"] >= 2, "2+", "1")
    columns = ["covered_before", "covered_after", "width_before", "width_after"]
    print(f"\nout of fold, {len(result)} measurements of recalled compositions:")
    print(result[columns].mean().round(3).to_string())
    for by in ("n_other", "anion_class"):
        table_by = result.groupby(by)[columns].mean().round(3)
        table_by["n"] = result.groupby(by).size()
        print(f"\nby {by}:\n{table_by.to_string()}")
    print(f"\nq_rep per fold: {np.unique(result['q_rep'].round(3)).tolist()}")
    print("\nfitted on all rows (the measurements against their own composition's interval):")
    for key, value in in_sample(config, table).items():
        print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
