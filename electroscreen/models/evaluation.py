"""Evaluation: fit copies of a predictor on each split's training rows and score the rest.

:func:`evaluate` is the entry point: it featurizes a labelled table once, fits copies of a
:class:`~electroscreen.models.predictor.CandidatePredictor` on the training rows of each split
(:mod:`electroscreen.models.splits`: the OBELiX official split, grouped cross-validation, the leak
guard) and scores the held-out rows (:mod:`electroscreen.models.metrics`, whose module docstring
says which rows each metric uses). The split and metric functions are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from electroscreen.data.anion_classes import ANION_CLASSES
from electroscreen.models.conformal_folds import known_systems
from electroscreen.models.metrics import (
    OBELIX_CENSORED_LOG10_SIGMA,
    TOP_HIT_LOG10_SIGMA,
    classification_metrics,
    per_group_metrics,
    regression_metrics,
    top_fraction_hit_rate,
)
from electroscreen.models.splits import (
    FAMILY_SCHEMES,
    SCHEMES,
    extra_rows,
    grouped_cv_splits,
    guard_extra_rows,
    official_split,
    scheme_splits,
)
from electroscreen.models.tasks import get_task, targets_for

__all__ = [
    "BREAKDOWNS",
    "FAMILY_SCHEMES",
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

#: Former private name of :func:`~electroscreen.models.splits.scheme_splits` (kept importable).
_splits = scheme_splits


@dataclass
class EvaluationResult:
    """Metrics and per-row held-out predictions of :func:`evaluate`.

    Attributes
    ----------
    metrics : dict of str to float
        Pooled over all held-out rows (conductivity: ``mae, rmse, r2, spearman, roc_auc,
        coverage_90, interval_width, n, n_missing, n_censored, ...``; air stability: ``roc_auc,
        accuracy, brier, brier_base_rate, brier_skill, log_loss, n, n_missing``: the base rate is
        that of each fold's training rows), plus ``n_folds``.
    predictions : DataFrame
        One row per held-out table row: ``candidate_id, formula, family, anion_class,
        system_seen, y_true, y_pred, y_std, y_lo, y_hi, censored, fold, pred_status``
        (``anion_class``: :data:`~electroscreen.data.anion_classes.ANION_CLASSES`;
        ``system_seen``: ``"known"`` where some row its model was fitted on has the same element
        set, a new composition of a known chemical system, else ``"new"``; both ``""`` for a row
        not predicted). ``y_true`` is log10 sigma (the upper bound for
        censored rows) or the 0/1 air-stability label; ``y_pred`` is log10 sigma or
        ``p_air_stable``.
    scheme : str
    per_group : DataFrame or None
        :data:`FAMILY_SCHEMES`: one row per held-out family (:func:`per_group_metrics`); else None.
    breakdowns : dict of str to DataFrame
        The held-out metrics by ``anion_class`` and by ``system_seen`` (:data:`BREAKDOWNS`; one
        row per value, :func:`per_group_metrics`): how errors and intervals differ between
        chalcogenides, halides and oxides, and between new compositions of known chemical systems
        and new chemistries.
    """

    metrics: dict[str, float]
    predictions: pd.DataFrame
    scheme: str
    per_group: pd.DataFrame | None = None
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)


def evaluate(
    predictor: object,
    table: pd.DataFrame,
    scheme: str = "official",
    n_splits: int = 5,
    *,
    design: object | None = None,
    on_folds: Callable[[int], None] | None = None,
) -> EvaluationResult:
    """Fit copies of ``predictor`` on training rows and score the held-out rows.

    Parameters
    ----------
    predictor : CandidatePredictor
        Unfitted or fitted (never modified: each split fits a clone).
    table : DataFrame
        A labelled task table (:func:`~electroscreen.models.tasks.load_task_table`).
    scheme : str
        One of :data:`~electroscreen.models.splits.SCHEMES`.
        ``official``: the OBELiX train/test split (``split`` column). ``family_cv``: ``n_splits``
        folds grouped by the ``family`` column (extrapolation to unseen structural families).
        ``composition_cv``: folds grouped by composition (the air-stability protocol: no
        composition on both sides). ``train_family_cv`` / ``train_chemsys_cv``: folds grouped by
        family / chemical system over the official *train* rows only (model selection: the test
        split is never scored, and no extra row matching a test composition is trained on);
        ``train_composition_cv`` the same grouped by composition (new compositions of known
        families, the regime of the official test split).
        Extra rows (``split == "extra"``, Liverpool) are never scored; each split trains on those
        :func:`guard_extra_rows` allows.
        ``family_lofo``: leave one family out, one fold per family
        (``n_splits`` ignored); ``per_group`` holds the metrics of each held-out family for it and
        the other :data:`FAMILY_SCHEMES`.
    n_splits : int
    design : Design, optional
        ``predictor.featurize(table)`` if already computed.
    on_folds : callable, optional
        Called with the number of splits before the first fit (a k-fold scheme makes fewer than
        ``n_splits`` when the scored rows form fewer groups: ``train`` says so then, not after).

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
    pred, std, lo, hi, base_rate = (np.full(n, np.nan) for _ in range(5))
    fold = np.full(n, -1)
    status = np.full(n, "", dtype=object)
    codes = _element_set_codes(design, n)
    seen = np.full(n, "", dtype=object)
    splits = scheme_splits(scheme, table, targets, classification, n_splits, seed)
    if on_folds is not None:
        on_folds(len(splits))
    for k, (train, test) in enumerate(splits):
        model = clone(predictor).fit_design(design.take(train), table.iloc[train])
        out = model.predict_design(design.take(test))
        columns = task.output_columns
        pred[test], std[test] = out[columns[0]], out[columns[1]]
        if not classification:
            lo[test], hi[test] = out[columns[2]], out[columns[3]]
        fold[test] = k
        status[test] = out["pred_status"]
        seen[test] = np.where(known_systems(codes[test], codes[train]), "known", "new")
        if classification:
            base_rate[test] = _positive_rate(targets.y[train], targets.sample_weight[train])
    held = np.flatnonzero(fold >= 0)
    if classification:
        metrics = classification_metrics(
            targets.y[held], pred[held], targets.sample_weight[held], base_rate[held]
        )
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
            "anion_class": _anion_class_names(design, n),
            "system_seen": np.where(codes == 0, "", seen),
            "y_true": targets.y,
            "y_pred": pred,
            "y_std": std,
            "y_lo": lo,
            "y_hi": hi,
            "censored": np.isfinite(targets.censored_bound),
            "weight": targets.sample_weight,
            "fold": fold,
            "pred_status": status,
        }
    ).iloc[held]
    predictions = predictions.reset_index(drop=True)
    per_group = None
    if scheme in FAMILY_SCHEMES:  # every family is held out whole: its own errors
        per_group = per_group_metrics(predictions, classification=classification)
        per_group = per_group.rename(index={"": UNFAMILIED})
        metrics["n_families"] = int((per_group.index != UNFAMILIED).sum())
    breakdowns = {
        column: per_group_metrics(predictions, column, classification=classification).rename(
            index={"": "(not predicted)"}
        )
        for column in BREAKDOWNS
    }
    return EvaluationResult(metrics, predictions, scheme, per_group, breakdowns)


#: Columns of :attr:`EvaluationResult.predictions` that every scheme's metrics are broken down by
#: (logged as ``metrics/<stem>_per_<column>.csv``).
BREAKDOWNS = ("anion_class", "system_seen")
#: The per-family table's row of the rows without a family: each was held out alone (a fold of
#: its own, :func:`~electroscreen.models.row_groups.family_groups`), not as one family.
UNFAMILIED = "(no family: each row held out alone)"


def _anion_class_names(design: object, n: int) -> np.ndarray:
    """Per table row, the name of its anion class (``""`` for a row the design cannot predict)."""
    names = np.full(n, "", dtype=object)
    if getattr(design, "anion_classes", None) is not None:
        names[design.rows] = np.asarray(ANION_CLASSES, dtype=object)[design.anion_classes]
    return names


def _element_set_codes(design: object, n: int) -> np.ndarray:
    """Per table row, the code of its element set (0 for a row the design cannot predict)."""
    codes = np.zeros(n, dtype=np.uint64)
    if getattr(design, "element_sets", None) is not None:
        codes[design.rows] = design.element_sets
    return codes


def _positive_rate(y: np.ndarray, weight: np.ndarray) -> float:
    """Weighted share of positive labels among the finite ones (the base-rate prediction)."""
    use = np.isfinite(y)
    return float(np.average(y[use], weights=weight[use])) if use.any() else np.nan
