"""Figures of a training run: parity, residuals by family, feature importances; and the label texts
the screening's plots, console table and run description share.

Every plotting function takes the ``evaluate()`` predictions table (``y_true, y_pred, y_std, y_lo,
y_hi, censored, family``) or a Series and returns a matplotlib ``Figure`` (a plain ``Figure``: no
pyplot, no backend switch, nothing shown); the caller logs it (``mlflow.log_figure``) and closes it.

The labels live here, the lowest layer that draws: :func:`interval_label` names the conformal
interval by the model's nominal coverage (``1 - conformal_alpha``, :func:`alpha_coverage`), and
:data:`AIR_SCORE` is what ``p_air_stable`` is called where people read it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = [
    "AIR_SCORE",
    "AIR_SCORE_AXIS",
    "AIR_SCORE_SHORT",
    "COVERAGE_ATTR",
    "DEFAULT_COVERAGE",
    "alpha_coverage",
    "feature_importance_plot",
    "interval_coverage_text",
    "interval_label",
    "parity_plot",
    "probability_plot",
    "residuals_by_family_plot",
]

#: Nominal coverage of the conductivity intervals where the model's own is unknown (an old results
#: table, a model whose training run is not in the store): ``1 - 0.1``, the config's default.
DEFAULT_COVERAGE = 0.9
#: ``DataFrame.attrs`` key under which a results table carries its conductivity model's nominal
#: interval coverage (:func:`electroscreen.analysis.triage.load_results` sets it).
COVERAGE_ATTR = "interval_coverage"
#: What ``p_air_stable`` is called in plots, tables and run descriptions: with the default model a
#: score to rank by, not a calibrated probability (column, metric and config names keep
#: ``p_air_stable``: they are API).
AIR_SCORE = "air-stability score"
#: The same, where a narrow column header has no room for it (the console's ranked table).
AIR_SCORE_SHORT = "air score"


def alpha_coverage(alpha: object) -> float | None:
    """The nominal coverage ``1 - alpha`` of a ``conformal_alpha`` value.

    Parameters
    ----------
    alpha : float, str or None
        The miscoverage, as a number or as an MLflow param (text).

    Returns
    -------
    float or None
        ``1 - alpha``; None when ``alpha`` is missing, not a number or not in (0, 1).
    """
    try:
        value = float(alpha)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return 1.0 - value if 0.0 < value < 1.0 else None


def interval_label(coverage: float | None = None) -> str:
    """The name of a conformal interval by its nominal coverage: ``"80 % interval"``.

    Parameters
    ----------
    coverage : float, optional
        Nominal coverage in (0, 1), ``1 - conformal_alpha``. None (or a value outside (0, 1), NaN)
        means unknown: :data:`DEFAULT_COVERAGE`.

    Returns
    -------
    str
        ``"<percent> % interval"``, the percent with at most one decimal (``"97.5 % interval"``).
    """
    try:
        value = float(coverage)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 < value < 1.0:
        value = DEFAULT_COVERAGE
    return f"{round(100.0 * value, 1):g} % interval"


def _censored(predictions: pd.DataFrame) -> np.ndarray:
    if "censored" not in predictions:
        return np.zeros(len(predictions), dtype=bool)
    return predictions["censored"].fillna(False).to_numpy(dtype=bool)


def interval_coverage_text(
    y: np.ndarray, lo: np.ndarray, hi: np.ndarray, coverage: float | None = None
) -> str:
    """The legend entry of interval bars: their nominal coverage and the share of measurements
    they hold (``"90 % interval: holds 86 % of 113"``).

    Parameters
    ----------
    y, lo, hi : ndarray
        Measured values (exact ones only: a censored value is a bound) and interval ends.
    coverage : float, optional
        Nominal coverage (:func:`interval_label`).
    """
    use = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    label = interval_label(coverage)
    if not use.any():
        return label
    inside = float(np.mean((lo[use] <= y[use]) & (y[use] <= hi[use])))
    return f"{label}: holds {100.0 * inside:.0f} % of {int(use.sum())}"


def parity_plot(
    predictions: pd.DataFrame,
    title: str,
    label: str = "log10 sigma (S/cm)",
    coverage: float | None = None,
) -> Figure:
    """Predicted vs measured with interval bars; censored rows drawn at their bound.

    The axes span the values and the intervals' upper ends (a conductivity interval is cut at
    0, 1 S/cm); a bar reaching below the axes is clipped at the frame. A censored row (reported
    only as an upper bound, ``<1E-10 S/cm``) is a left-pointing triangle at its bound: its true
    value lies left of it.

    Parameters
    ----------
    predictions : DataFrame
        ``y_true, y_pred`` and optionally ``y_lo, y_hi, censored``.
    title : str
    label : str
        The quantity and unit of both axes.
    coverage : float, optional
        Nominal coverage of the intervals (``1 - conformal_alpha``), named in the legend with the
        share of exact measurements inside them (:func:`interval_coverage_text`; unknown: 90 %).

    Returns
    -------
    matplotlib Figure
    """
    y = predictions["y_true"].to_numpy(dtype=float)
    pred = predictions["y_pred"].to_numpy(dtype=float)
    censored = _censored(predictions)
    fig = Figure(figsize=(5.5, 5.5), layout="constrained")
    ax = fig.subplots()
    exact = ~censored & np.isfinite(y) & np.isfinite(pred)
    values = np.concatenate([y[np.isfinite(y)], pred[np.isfinite(pred)]])
    lo = hi = np.full(int(exact.sum()), np.nan)
    if {"y_lo", "y_hi"} <= set(predictions.columns):
        lo = predictions["y_lo"].to_numpy(dtype=float)[exact]
        hi = predictions["y_hi"].to_numpy(dtype=float)[exact]
    low = high = math.nan
    if len(values):
        upper = np.concatenate([values, hi[np.isfinite(hi)]])
        low, high = values.min() - 0.5, upper.max() + 0.5
    if np.isfinite(lo).any() and np.isfinite(low):
        shown_lo = np.clip(lo, low, high)  # within the frame: a bar ends at the axes
        shown_hi = np.clip(hi, low, high)
        err = np.clip(np.vstack([pred[exact] - shown_lo, shown_hi - pred[exact]]), 0.0, None)
        ax.errorbar(
            y[exact], pred[exact], yerr=err, fmt="none", ecolor="0.75", lw=0.8, zorder=1,
            label=interval_coverage_text(y[exact], lo, hi, coverage),
        )  # fmt: skip
    ax.scatter(y[exact], pred[exact], s=14, c="tab:blue", label="measured", zorder=2)
    shown = censored & np.isfinite(y) & np.isfinite(pred)
    if shown.any():
        ax.scatter(
            y[shown], pred[shown], s=30, marker="<", facecolors="none", edgecolors="tab:red",
            label="< bound (censored)", zorder=3,
        )  # fmt: skip
    if np.isfinite(low):
        ax.plot([low, high], [low, high], "k--", lw=0.8)
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
    if exact.sum() >= 2:
        mae = float(np.mean(np.abs(y[exact] - pred[exact])))
        ax.text(0.04, 0.95, f"MAE {mae:.2f}  (n={exact.sum()})", transform=ax.transAxes, va="top")
    ax.set_xlabel(f"measured {label}")
    ax.set_ylabel(f"predicted {label}")
    ax.set_title(title, fontsize=9, wrap=True)  # long scheme names wrap instead of being cut
    ax.legend(loc="lower right", fontsize=8)
    return fig


#: The axis label of ``p_air_stable`` in the air-stability model's plots (the screening's Pareto
#: plot says the same).
AIR_SCORE_AXIS = f"{AIR_SCORE} (p_air_stable)"


def _legend_below(fig: Figure, ax) -> None:
    """The axes' legend as the figure's, under the axes (constrained layout makes room): it covers
    no point wherever the points lie (inside, "upper left" hid the bins of a model that
    under-predicts stability)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", fontsize=8, frameon=False)


def probability_plot(predictions: pd.DataFrame, title: str) -> Figure:
    """The air-stability score by true class (classification's parity plot); the legend under
    the axes."""
    y = predictions["y_true"].to_numpy(dtype=float)
    p = predictions["y_pred"].to_numpy(dtype=float)
    fig = Figure(figsize=(5.5, 4.0), layout="constrained")
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for k, name in ((0, "unstable"), (1, "stable / moderate")):
        rows = (y == k) & np.isfinite(p)
        jitter = k + rng.uniform(-0.12, 0.12, rows.sum())
        ax.scatter(jitter, p[rows], s=16, label=f"{name} (n={rows.sum()})")
    ax.axhline(0.5, color="k", ls="--", lw=0.8)
    ax.set_xticks([0, 1], ["unstable", "stable / moderate"])
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(AIR_SCORE_AXIS)
    ax.set_title(title)
    _legend_below(fig, ax)
    return fig


def reliability_plot(predictions: pd.DataFrame, title: str, n_bins: int = 5) -> Figure:
    """Reliability diagram: observed share of ``y_true == 1`` per bin of the air-stability score.

    Bins are quantiles of the predictions (``n_bins`` at most), so each holds about as many rows.
    The legend, under the axes where it covers no bin, gives the Brier score and each bin's row
    count, left to right (written beside the points, a count was overprinted by the next
    marker when two bins lay close). With a
    ``weight`` column (the air labels: each composition counts once however many rows state it)
    the observed shares and the Brier score are weighted, as the logged metrics are.
    """
    y = predictions["y_true"].to_numpy(dtype=float)
    p = predictions["y_pred"].to_numpy(dtype=float)
    weighted = "weight" in predictions
    w = predictions["weight"].to_numpy(dtype=float) if weighted else np.ones(len(y))
    use = np.isfinite(y) & np.isfinite(p)
    y, p, w = y[use], p[use], w[use]
    fig = Figure(figsize=(4.8, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="k", ls="--", lw=0.8, label="perfectly calibrated")
    if len(p):
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
        which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
        bins = [which == b for b in np.unique(which)]
        mean_p = [np.average(p[b], weights=w[b]) for b in bins]
        observed = [np.average(y[b], weights=w[b]) for b in bins]
        counts = [int(b.sum()) for b in bins]
        brier = float(np.average((p - y) ** 2, weights=w))
        how = "each composition once" if weighted else "unweighted"
        rows = ", ".join(str(c) for c in counts)
        ax.plot(
            mean_p, observed, marker="o",
            label=f"model (Brier {brier:.3f}, {how}, n={len(p)})\nrows per bin, left to right: {rows}",
        )  # fmt: skip
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(AIR_SCORE_AXIS)
    ax.set_ylabel("observed share stable / moderate")
    ax.set_title(title, fontsize=9)
    _legend_below(fig, ax)
    return fig


def residuals_by_family_plot(
    predictions: pd.DataFrame,
    title: str,
    min_rows: int = 3,
    top: int = 25,
    unit: str = "log10 S/cm",
) -> Figure:
    """Box plot of ``y_pred - y_true`` per family (exact rows; families with >= ``min_rows``, the
    ``top`` largest; the title says how many rows the boxes hold). Rows without a family (empty
    or missing) are one box, ``(no family)``."""
    frame = predictions.loc[~_censored(predictions)].copy()
    frame["residual"] = frame["y_pred"].astype(float) - frame["y_true"].astype(float)
    frame = frame[np.isfinite(frame["residual"])]
    family = frame["family"] if "family" in frame else pd.Series("all", index=frame.index)
    family = family.fillna("").astype(str).str.strip()
    frame["family"] = family.where(family != "", "(no family)")
    counts = frame["family"].value_counts()
    keep = counts[counts >= min_rows].index[:top]
    shown = int(counts[keep].sum())
    if shown < len(frame):
        title = (
            f"{title}\n{shown} of {len(frame)} rows shown: families with fewer than "
            f"{min_rows} rows (or beyond the largest {top}) left out"
        )
    groups = [frame.loc[frame["family"] == f, "residual"].to_numpy() for f in keep]
    fig = Figure(figsize=(7.0, 0.32 * max(len(keep), 4) + 1.2), layout="constrained")
    ax = fig.subplots()
    if groups:
        ax.boxplot(
            groups, orientation="horizontal", tick_labels=[f"{f} ({counts[f]})" for f in keep]
        )
    ax.axvline(0.0, color="k", ls="--", lw=0.8)
    ax.set_xlabel(f"residual, predicted - measured ({unit})")
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    return fig


def feature_importance_plot(importances: pd.Series, title: str, top: int = 30) -> Figure:
    """Horizontal bars of the ``top`` largest importances."""
    values = importances.dropna().sort_values(ascending=False).head(top)[::-1]
    fig = Figure(figsize=(7.0, 0.25 * max(len(values), 4) + 1.2), layout="constrained")
    ax = fig.subplots()
    ax.barh(np.arange(len(values)), values.to_numpy(), color="tab:blue")
    ax.set_yticks(np.arange(len(values)), [str(i) for i in values.index], fontsize=7)
    ax.set_xlabel("importance")
    ax.set_title(title)
    return fig
