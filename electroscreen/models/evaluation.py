"""Evaluation: the OBELiX official split, cross-validation grouped by family, and metrics.

:func:`evaluate` is the entry point: it featurizes a labelled table once, fits copies of a
:class:`~electroscreen.models.predictor.CandidatePredictor` on the training rows of each split and
scores the held-out rows.

Regression metrics are on ``log10(sigma / (S/cm))`` and use only *evaluable* rows (exact values;
censored ``<1E-10`` rows are excluded), except three:

* the ROC-AUC of "fast ion conductor" (``sigma >= 1e-4 S/cm``), where a censored row is a negative
  (its bound lies below 1e-4);
* ``mae_obelix_protocol``: the OBELiX paper's own protocol (Therrien et al., arXiv:2502.14234): plain
  MAE over *every* held-out row, a censored ``<1E-10`` / ``<1E-8`` entry counted as
  ``1e-15 S/cm`` (``log10 = -15``, :data:`OBELIX_CENSORED_LOG10_SIGMA`). Only this figure may be put
  beside the paper's published numbers (on the official test split: all 121 rows);
* ``top5_hit_rate``: the share of ``sigma >= 1e-3 S/cm`` among the 5 % of rows predicted highest
  (at least one row), a censored row counting as a miss: what a screen puts at the top.
  ``top5_base_rate`` is the same share over all rows (what a random pick would hit).
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
    chemical_systems,
    family_groups,
    get_task,
    targets_for,
)
from electroscreen.models.uncertainty import interval_coverage

__all__ = [
    "OBELIX_CENSORED_LOG10_SIGMA",
    "TOP_HIT_LOG10_SIGMA",
    "EvaluationResult",
    "SCHEMES",
    "evaluate",
    "classification_metrics",
    "extra_rows",
    "grouped_cv_splits",
    "guard_extra_rows",
    "official_split",
    "per_group_metrics",
    "regression_metrics",
    "top_fraction_hit_rate",
]

#: The OBELiX paper's value for a censored ``<1E-10`` / ``<1E-8`` entry: 1e-15 S/cm.
OBELIX_CENSORED_LOG10_SIGMA = -15.0
#: "Hit" of the top-5 % metric: sigma >= 1e-3 S/cm.
TOP_HIT_LOG10_SIGMA = -3.0


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


def top_fraction_hit_rate(
    hit: np.ndarray, pred: np.ndarray, fraction: float = 0.05
) -> tuple[float, int]:
    """Share of hits among the ``fraction`` of rows predicted highest.

    Parameters
    ----------
    hit : ndarray of bool, shape (n,)
        Whether each row is a hit (e.g. ``sigma >= 1e-3 S/cm``).
    pred : ndarray of float, shape (n,)
        Scores; rows with NaN are left out.
    fraction : float
        Share of the scored rows taken from the top (``ceil(fraction * n)``, at least 1); ties are
        broken by row order (a stable sort).

    Returns
    -------
    rate : float
        NaN when no row has a score.
    n_top : int
    """
    hit = np.asarray(hit, dtype=bool)
    pred = np.asarray(pred, dtype=np.float64)
    scored = np.flatnonzero(np.isfinite(pred))
    if not len(scored):
        return float("nan"), 0
    n_top = max(1, int(np.ceil(fraction * len(scored))))
    order = scored[np.argsort(-pred[scored], kind="stable")[:n_top]]
    return float(hit[order].mean()), n_top


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
        ``mae, rmse, r2, spearman, roc_auc, coverage, interval_width, n, n_missing,
        mae_obelix_protocol, n_obelix_protocol, top5_hit_rate, top5_base_rate, ...`` (module
        docstring).
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
    is_censored = _censored(censored_bound, len(y))
    protocol = np.where(is_censored, OBELIX_CENSORED_LOG10_SIGMA, np.where(evaluable, y, np.nan))
    scored = has_pred & np.isfinite(protocol)
    if scored.any():
        out["mae_obelix_protocol"] = float(np.mean(np.abs(protocol[scored] - pred[scored])))
        out["n_obelix_protocol"] = int(scored.sum())
        top_hit = np.isfinite(protocol) & (protocol >= TOP_HIT_LOG10_SIGMA)
        rate, n_top = top_fraction_hit_rate(top_hit[scored], pred[scored], 0.05)
        out["top5_hit_rate"], out["top5_n"] = rate, n_top
        out["top5_base_rate"] = float(top_hit[scored].mean())
    censored = is_censored & has_pred
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
SCHEMES = (
    "official",
    "family_cv",
    "composition_cv",
    "train_family_cv",
    "train_chemsys_cv",
    "family_lofo",
)


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


def extra_rows(table: pd.DataFrame) -> np.ndarray:
    """Whether each row is an extra training row (``split == "extra"``: Liverpool), never scored."""
    if "split" not in table:
        return np.zeros(len(table), dtype=bool)
    return table["split"].to_numpy() == "extra"


def guard_extra_rows(
    table: pd.DataFrame, held_out: np.ndarray, groups: np.ndarray | None = None
) -> np.ndarray:
    """The leak guard: positions of the extra rows a model scored on ``held_out`` may train on.

    An extra row is left out when its composition matches a held-out row's (same reduced formula
    or atomic fractions within 2e-4: :func:`~electroscreen.data.composition_match.
    match_compositions`) or, in grouped CV, when its group (family, chemical system) is held out.

    Parameters
    ----------
    table : DataFrame
        ``formula`` and ``split`` columns.
    held_out : ndarray of int
        Positions of the scored rows.
    groups : ndarray, optional
        Group label per table row (rows of a held-out group are left out).

    Returns
    -------
    ndarray of int64
        Positions of the extra rows allowed in training.
    """
    from electroscreen.data.composition_match import match_compositions

    extra = np.flatnonzero(extra_rows(table))
    if not len(extra):
        return extra.astype(np.int64)
    formulas = table["formula"].astype(str).to_numpy()
    keep = ~match_compositions(formulas[extra].tolist(), formulas[held_out].tolist())
    if groups is not None:
        keep &= ~np.isin(groups[extra], np.unique(groups[held_out]))
    return extra[keep].astype(np.int64)


def _groups(scheme: str, table: pd.DataFrame) -> np.ndarray:
    if scheme in {"family_cv", "train_family_cv", "family_lofo"}:
        return family_groups(table)
    if scheme == "train_chemsys_cv":
        return chemical_systems(table["formula"].to_numpy())
    return _normalized_formula(table)


def _splits(
    scheme: str,
    table: pd.DataFrame,
    targets: Targets,
    classification: bool,
    n_splits: int,
    seed: int,
) -> list[tuple[np.ndarray, np.ndarray]]:
    extra = extra_rows(table)
    if scheme == "official":
        train, test = official_split(table)
        return [(np.concatenate([train, guard_extra_rows(table, test)]), test)]
    scored = targets.trainable & ~extra
    never = np.array([], dtype=np.int64)
    if scheme.startswith("train_"):  # model selection: the official test split is never touched
        scored &= table["split"].to_numpy() == "train"
        never = np.flatnonzero(table["split"].to_numpy() == "test")
    labelled = np.flatnonzero(scored)
    groups = _groups(scheme, table)
    if scheme == "family_lofo":  # one fold per family: every family is once the unseen one
        if len(np.unique(groups[labelled])) < 2:
            raise ValueError("leave-one-family-out needs at least two families")
        folds = LeaveOneGroupOut().split(np.zeros(len(labelled)), groups=groups[labelled])
        return [
            (
                np.concatenate([labelled[tr], guard_extra_rows(table, labelled[te], groups)]),
                labelled[te],
            )
            for tr, te in folds
        ]
    y_class = targets.y[labelled].astype(int) if classification else None
    folds = grouped_cv_splits(groups[labelled], n_splits, y_class=y_class, seed=seed)
    out = []
    for train, test in folds:
        held = labelled[test]
        allowed = guard_extra_rows(table, held, groups)
        if len(never):  # nor a composition of the test split
            allowed = np.intersect1d(allowed, guard_extra_rows(table, never, None))
        out.append((np.concatenate([labelled[train], allowed]), held))
    return out


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
    scheme : {"official", "family_cv", "composition_cv", "train_family_cv", "train_chemsys_cv"}
        ``official``: the OBELiX train/test split (``split`` column). ``family_cv``: ``n_splits``
        folds grouped by the ``family`` column (extrapolation to unseen structural families).
        ``composition_cv``: folds grouped by composition (the air-stability protocol: no
        composition on both sides). ``train_family_cv`` / ``train_chemsys_cv``: folds grouped by
        family / chemical system over the official *train* rows only (model selection: the test
        split is never scored, and no extra row matching a test composition is trained on).
        Extra rows (``split == "extra"``, Liverpool) are never scored; each split trains on those
        :func:`guard_extra_rows` allows.
        ``family_lofo``: leave one family out, one fold per family
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
