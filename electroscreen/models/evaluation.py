"""Evaluation: the OBELiX official split, cross-validation grouped by family, and metrics.

:func:`evaluate` is the entry point: it featurizes a labelled table once, fits copies of a
:class:`~electroscreen.models.predictor.CandidatePredictor` on the training rows of each split and
scores the held-out rows.

Regression metrics are on ``log10(sigma / (S/cm))`` and use only *evaluable* rows (exact values;
censored ``<1E-10`` rows are excluded), except the ROC-AUC of "fast ion conductor"
(``sigma >= 1e-4 S/cm``), where a censored row is a negative (its bound lies below 1e-4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold

from electroscreen.models.tasks import (
    FAST_ION_LOG10_SIGMA,
    Targets,
    family_groups,
    get_task,
    targets_for,
)
from electroscreen.models.uncertainty import interval_coverage

__all__ = [
    "EvaluationResult",
    "SCHEMES",
    "evaluate",
    "classification_metrics",
    "grouped_cv_splits",
    "official_split",
    "per_group_metrics",
    "regression_metrics",
]


def official_split(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the OBELiX official train and test splits (``split`` column)."""
    if "split" not in table:
        raise ValueError("the table has no 'split' column (not an OBELiX table?)")
    split = table["split"].to_numpy()
    return np.flatnonzero(split == "train"), np.flatnonzero(split == "test")


def grouped_cv_splits(
    groups: np.ndarray, n_splits: int = 5, y_class: np.ndarray | None = None, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """K folds that never put one group (structural family) on both sides.

    Parameters
    ----------
    groups : ndarray
        Group label per row.
    n_splits : int
        Reduced to the number of groups when there are fewer.
    y_class : ndarray, optional
        Binary labels: folds are then also stratified (``StratifiedGroupKFold``).
    seed : int
    """
    groups = np.asarray(groups, dtype=object)
    n_groups = len(np.unique(groups))
    k = min(n_splits, n_groups)
    if k < 2:
        raise ValueError("grouped cross-validation needs at least two groups")
    if y_class is not None:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(groups)), y_class, groups))
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def _finite(*arrays: np.ndarray) -> np.ndarray:
    mask = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        mask &= np.isfinite(np.asarray(a, dtype=np.float64))
    return mask


def regression_metrics(
    y: np.ndarray,
    pred: np.ndarray,
    *,
    evaluable: np.ndarray | None = None,
    censored_bound: np.ndarray | None = None,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
    threshold: float = FAST_ION_LOG10_SIGMA,
) -> dict[str, float]:
    """MAE, RMSE, R2, Spearman, ROC-AUC(sigma >= 1e-4) and interval coverage/width.

    Parameters
    ----------
    y : ndarray
        log10 sigma (NaN or bound for censored rows).
    pred : ndarray
        Predicted log10 sigma (NaN where the model could not predict: those rows are counted in
        ``n_missing`` and left out).
    evaluable : ndarray of bool, optional
        Rows with an exact value (default: finite ``y``).
    censored_bound : ndarray, optional
        Upper bound of censored rows (NaN elsewhere); censored rows are negatives in the ROC-AUC and
        ``censored_pred_below_bound`` is the share predicted at or below their bound.
    lo, hi : ndarray, optional
        Prediction interval.

    Returns
    -------
    dict
        ``mae, rmse, r2, spearman, roc_auc, coverage, interval_width, n, n_missing, ...``.
    """
    y = np.asarray(y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    evaluable = np.isfinite(y) if evaluable is None else np.asarray(evaluable, dtype=bool)
    has_pred = np.isfinite(pred)
    use = evaluable & has_pred & np.isfinite(y)
    out: dict[str, float] = {"n": int(use.sum()), "n_missing": int((evaluable & ~has_pred).sum())}
    if use.sum() >= 2:
        out["mae"] = float(mean_absolute_error(y[use], pred[use]))
        out["rmse"] = float(np.sqrt(mean_squared_error(y[use], pred[use])))
        out["r2"] = float(r2_score(y[use], pred[use]))
        out["spearman"] = float(spearmanr(y[use], pred[use]).statistic)
    if lo is not None and hi is not None:
        lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
        out["coverage"] = interval_coverage(np.where(use, y, np.nan), lo, hi)
        out["interval_width"] = float(np.nanmean((hi - lo)[use])) if use.any() else float("nan")
    label = np.where(evaluable, y >= threshold, False)
    auc_rows = has_pred & (evaluable | _censored(censored_bound, len(y)))
    if len(np.unique(label[auc_rows])) == 2:
        out["roc_auc"] = float(roc_auc_score(label[auc_rows], pred[auc_rows]))
    censored = _censored(censored_bound, len(y)) & has_pred
    if censored.any():
        out["n_censored"] = int(censored.sum())
        out["censored_pred_below_bound"] = float(
            np.mean(pred[censored] <= censored_bound[censored])
        )
    return out


def _censored(bound: np.ndarray | None, n: int) -> np.ndarray:
    if bound is None:
        return np.zeros(n, dtype=bool)
    return np.isfinite(np.asarray(bound, dtype=np.float64))


def classification_metrics(
    y: np.ndarray, p: np.ndarray, sample_weight: np.ndarray | None = None
) -> dict[str, float]:
    """ROC-AUC, accuracy (at 0.5), Brier score and log loss of binary probabilities."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    use = _finite(y, p)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[use]
    yt, pt = y[use].astype(int), np.clip(p[use], 1e-6, 1 - 1e-6)
    out: dict[str, float] = {"n": int(use.sum()), "n_missing": int((np.isfinite(y) & ~use).sum())}
    if use.sum() == 0:
        return out
    out["accuracy"] = float(accuracy_score(yt, pt >= 0.5, sample_weight=w))
    out["brier"] = float(brier_score_loss(yt, pt, sample_weight=w))
    if len(np.unique(yt)) == 2:
        out["roc_auc"] = float(roc_auc_score(yt, pt, sample_weight=w))
        out["log_loss"] = float(log_loss(yt, pt, sample_weight=w, labels=[0, 1]))
    return out


#: Evaluation schemes of :func:`evaluate`.
SCHEMES = ("official", "family_cv", "composition_cv", "family_lofo")


@dataclass
class EvaluationResult:
    """Metrics and per-row held-out predictions of :func:`evaluate`.

    Attributes
    ----------
    metrics : dict of str to float
        Pooled over all held-out rows (conductivity: ``mae, rmse, r2, spearman, roc_auc,
        coverage_90, interval_width, n, n_missing, n_censored, ...``; air stability: ``roc_auc,
        accuracy, brier, log_loss, n, n_missing``), plus ``n_folds``.
    predictions : DataFrame
        One row per held-out table row: ``candidate_id, formula, family, y_true, y_pred, y_std,
        y_lo, y_hi, censored, fold, pred_status``. ``y_true`` is log10 sigma (the upper bound for
        censored rows) or the 0/1 air-stability label; ``y_pred`` is log10 sigma or
        ``p_air_stable``.
    scheme : str
    per_group : DataFrame or None
        ``family_lofo``: one row per held-out family (:func:`per_group_metrics`); else None.
    """

    metrics: dict[str, float]
    predictions: pd.DataFrame
    scheme: str
    per_group: pd.DataFrame | None = None


def _normalized_formula(table: pd.DataFrame) -> np.ndarray:
    text = table["formula"].astype(str).str.replace(" ", "", regex=False).str.lower()
    return text.to_numpy(dtype=object)


def _splits(
    scheme: str,
    table: pd.DataFrame,
    targets: Targets,
    classification: bool,
    n_splits: int,
    seed: int,
) -> list[tuple[np.ndarray, np.ndarray]]:
    if scheme == "official":
        return [official_split(table)]
    labelled = np.flatnonzero(targets.trainable)
    if scheme == "family_lofo":  # one fold per family: every family is once the unseen one
        groups = family_groups(table)[labelled]
        if len(np.unique(groups)) < 2:
            raise ValueError("leave-one-family-out needs at least two families")
        folds = LeaveOneGroupOut().split(np.zeros(len(labelled)), groups=groups)
        return [(labelled[train], labelled[test]) for train, test in folds]
    if scheme == "family_cv":
        groups = family_groups(table)
    else:
        groups = _normalized_formula(table)
    y_class = targets.y[labelled].astype(int) if classification else None
    folds = grouped_cv_splits(groups[labelled], n_splits, y_class=y_class, seed=seed)
    return [(labelled[train], labelled[test]) for train, test in folds]


def evaluate(
    predictor: object,
    table: pd.DataFrame,
    scheme: str = "official",
    n_splits: int = 5,
    *,
    design: object | None = None,
) -> EvaluationResult:
    """Fit copies of ``predictor`` on training rows and score the held-out rows.

    Parameters
    ----------
    predictor : CandidatePredictor
        Unfitted or fitted (never modified: each split fits a clone).
    table : DataFrame
        A labelled task table (:func:`~electroscreen.models.tasks.load_task_table`).
    scheme : {"official", "family_cv", "composition_cv"}
        ``official``: the OBELiX train/test split (``split`` column). ``family_cv``: ``n_splits``
        folds grouped by the ``family`` column (extrapolation to unseen structural families).
        ``composition_cv``: folds grouped by composition (the air-stability protocol: no
        composition on both sides). ``family_lofo``: leave one family out, one fold per family
        (``n_splits`` ignored); ``per_group`` then holds the metrics of each held-out family.
    n_splits : int
    design : Design, optional
        ``predictor.featurize(table)`` if already computed.

    Returns
    -------
    EvaluationResult
    """
    from sklearn.base import clone

    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    task = get_task(predictor.task)
    classification = task.kind == "classification"
    table = table.reset_index(drop=True)
    targets = targets_for(task, table, censored=getattr(predictor, "censored", "bound"))
    design = predictor.featurize(table) if design is None else design
    seed = int(getattr(predictor, "random_state", 0))
    n = len(table)
    pred, std, lo, hi = (np.full(n, np.nan) for _ in range(4))
    fold = np.full(n, -1)
    status = np.full(n, "", dtype=object)
    splits = _splits(scheme, table, targets, classification, n_splits, seed)
    for k, (train, test) in enumerate(splits):
        model = clone(predictor).fit_design(design.take(train), table.iloc[train])
        out = model.predict_design(design.take(test))
        columns = task.output_columns
        pred[test], std[test] = out[columns[0]], out[columns[1]]
        if not classification:
            lo[test], hi[test] = out[columns[2]], out[columns[3]]
        fold[test] = k
        status[test] = out["pred_status"]
    held = np.flatnonzero(fold >= 0)
    if classification:
        metrics = classification_metrics(targets.y[held], pred[held], targets.sample_weight[held])
    else:
        metrics = regression_metrics(
            targets.y[held],
            pred[held],
            evaluable=targets.evaluable[held],
            censored_bound=targets.censored_bound[held],
            lo=lo[held],
            hi=hi[held],
        )
        if "coverage" in metrics:
            alpha = float(getattr(predictor, "conformal_alpha", 0.1))
            metrics[f"coverage_{round(100 * (1 - alpha))}"] = metrics.pop("coverage")
    metrics["n_folds"] = len(splits)
    family = table["family"] if "family" in table else pd.Series([""] * n)
    predictions = pd.DataFrame(
        {
            "candidate_id": table["candidate_id"].astype(str),
            "formula": table["formula"].astype(str),
            "family": family.fillna("").astype(str),
            "y_true": targets.y,
            "y_pred": pred,
            "y_std": std,
            "y_lo": lo,
            "y_hi": hi,
            "censored": np.isfinite(targets.censored_bound),
            "fold": fold,
            "pred_status": status,
        }
    ).iloc[held]
    predictions = predictions.reset_index(drop=True)
    per_group = None
    if scheme == "family_lofo":
        per_group = per_group_metrics(predictions, classification=classification)
        metrics["n_families"] = len(per_group)
    return EvaluationResult(metrics, predictions, scheme, per_group)


def per_group_metrics(
    predictions: pd.DataFrame, column: str = "family", *, classification: bool = True
) -> pd.DataFrame:
    """Metrics of each group of held-out predictions (e.g. each family left out).

    Parameters
    ----------
    predictions : DataFrame
        :attr:`EvaluationResult.predictions` (``y_true``, ``y_pred``, and ``column``).
    column : str
    classification : bool
        Classification: ``n, n_positive (stable/moderate), n_negative (unstable), mean_p,
        accuracy, brier, roc_auc`` (NaN when the group holds one class only); otherwise the
        regression metrics (``n, mae, rmse, r2, spearman``).

    Returns
    -------
    DataFrame
        One row per group, indexed by the group, sorted by size.
    """
    rows = {}
    for group, part in predictions.groupby(column, sort=False):
        y = part["y_true"].to_numpy(dtype=float)
        p = part["y_pred"].to_numpy(dtype=float)
        if classification:
            m = classification_metrics(y, p)
            m["n_positive"], m["n_negative"] = int((y == 1).sum()), int((y == 0).sum())
            m["mean_p"] = float(np.nanmean(p)) if np.isfinite(p).any() else float("nan")
        else:
            m = regression_metrics(y, p)
        rows[group] = m
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = column
    keep = [
        c
        for c in (
            "n",
            "n_positive",
            "n_negative",
            "mean_p",
            "accuracy",
            "brier",
            "roc_auc",
            "log_loss",
            "mae",
            "rmse",
            "r2",
            "spearman",
        )
        if c in frame
    ]
    return frame[keep].sort_values("n", ascending=False)
