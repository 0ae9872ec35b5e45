"""The key under a training run's metric table: what its metric names mean, in the MLflow UI.

A reviewer reading a run's description sees ``test_mae`` beside ``test_mae_obelix_protocol`` and
``cv_`` beside ``compcv_``; the meanings lived only in README and :mod:`electroscreen.models.metrics`.
:func:`metric_key` writes them under the table, for the schemes and metrics the run has, from the
facts where they live: the prefixes (:data:`~electroscreen.experiments.train_logging.PREFIX`,
:data:`~electroscreen.experiments.train_logging.SCHEME_TITLE`) and the thresholds
(:data:`~electroscreen.models.tasks.FAST_ION_LOG10_SIGMA`,
:data:`~electroscreen.models.metrics.TOP_HIT_LOG10_SIGMA`,
:data:`~electroscreen.models.metrics.OBELIX_CENSORED_LOG10_SIGMA`).
"""

from __future__ import annotations

from collections.abc import Mapping

from electroscreen.experiments.train_logging import PREFIX, SCHEME_TITLE
from electroscreen.models.metrics import OBELIX_CENSORED_LOG10_SIGMA, TOP_HIT_LOG10_SIGMA
from electroscreen.models.tasks import FAST_ION_LOG10_SIGMA

__all__ = ["metric_key"]


def _sigma(log10: float) -> str:
    """``-4.0`` -> ``1e-4 S/cm``."""
    return f"1e{log10:g} S/cm"


def _count(metrics: Mapping[str, float], name: str) -> str:
    """``"113 "`` when the run logged ``name``, else ``""``."""
    value = metrics.get(name)
    return f"{int(value)} " if value is not None else ""


def _prefixes(task: str, metrics: Mapping[str, float]) -> str:
    shown = [
        f"`{prefix}` {SCHEME_TITLE[scheme].removesuffix(' (out of fold)')}"
        for scheme, prefix in PREFIX.items()
        if any(name.startswith(prefix) for name in metrics)
    ]
    line = "Prefixes: " + "; ".join(shown) + "."
    if task == "air_stability":
        line += " A family here is the label's chemical class."
    return line


def _conductivity(metrics: Mapping[str, float]) -> list[str]:
    rates = ", ".join(
        f"{prefix.rstrip('_')} {metrics[f'{prefix}top5_base_rate']:.3f}"
        for prefix in PREFIX.values()
        if f"{prefix}top5_base_rate" in metrics
    )
    random_pick = f" (a random pick: {rates}, `*_top5_base_rate`)" if rates else ""
    exact = metrics.get("test_n")
    test_rows = f" (`test_mae`: {int(exact)} test rows)" if exact is not None else ""
    return [
        f"- `test_mae_obelix_protocol` is the MAE comparable with the OBELiX paper: all "
        f"{_count(metrics, 'test_n_obelix_protocol')}test rows, censored entries counted as "
        f"{_sigma(OBELIX_CENSORED_LOG10_SIGMA)}. `*_mae`, `*_rmse`, `*_r2`, `*_spearman`: the rows "
        f"with an exact value only, censored ones left out{test_rows}.",
        f"- `*_roc_auc`: how well the prediction ranks σ ≥ {_sigma(FAST_ION_LOG10_SIGMA)} above "
        f"the rest (a censored row below). `*_top5_hit_rate`: share of σ ≥ "
        f"{_sigma(TOP_HIT_LOG10_SIGMA)} among the 5 % of rows predicted highest{random_pick}.",
        "- `*_coverage_<percent>`: share of exact values inside the conformal interval of that "
        "nominal coverage; `*_interval_width`: its mean width (decades).",
    ]


def _air_stability() -> list[str]:
    return [
        "- `*_roc_auc`: how well the air-stability score ranks stable / moderate above unstable; "
        "`*_accuracy`: at a score of 0.5; `*_brier`: mean squared error of the score (lower is "
        "better); `*_brier_skill`: 1 - brier / the Brier score of predicting the training rows' "
        "stable share (above 0: better than that). Each composition counts once.",
    ]


def metric_key(task: str, metrics: Mapping[str, float]) -> list[str]:
    """Markdown lines explaining a training run's metric names (the schemes it ran).

    Parameters
    ----------
    task : str
        ``conductivity`` or ``air_stability``.
    metrics : mapping
        The run's metrics (prefixed): which schemes to name, the row counts and the top-5 %
        base rates to quote.

    Returns
    -------
    list of str
        ``**Key.**`` and a bullet list; empty when the run has no scheme metric.
    """
    if not any(name.startswith(tuple(PREFIX.values())) for name in metrics):
        return []
    lines = ["**Key.** " + _prefixes(task, metrics), ""]
    return lines + (_conductivity(metrics) if task == "conductivity" else _air_stability())
