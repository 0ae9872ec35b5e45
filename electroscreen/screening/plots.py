"""Plots of a screening, drawn by the screening writer (:func:`pareto_figure`: the run's Pareto
plot, a large pool thinned) and reused by the triage notebook (:func:`pareto_plot`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from electroscreen.experiments.plots import AIR_SCORE, COVERAGE_ATTR, interval_label
from electroscreen.screening.ranking import is_ranked, objective_steps, pareto_ranks
from electroscreen.screening.temperatures import predicted_at

__all__ = ["INTERVAL_TOP", "pareto_figure", "pareto_plot"]

#: Best-ranked candidates whose uncertainty bars :func:`pareto_plot` draws.
INTERVAL_TOP = 25
#: Font size (pt) of the formula labels, and their least vertical distance (axes fraction).
LABEL_FONTSIZE = 9
LABEL_GAP = 0.06


def pareto_plot(
    results: pd.DataFrame,
    ax: plt.Axes | None = None,
    highlight: pd.DataFrame | None = None,
    label_top: int = 5,
    interval_top: int = INTERVAL_TOP,
    coverage: float | None = None,
    temperature_c: float | None = None,
) -> plt.Axes:
    """Predicted conductivity against the air-stability score, with uncertainty bars.

    Horizontal bars span the conformal interval ``[pred_log10_sigma_lo, pred_log10_sigma_hi]``;
    vertical bars are ``p_air_stable +- p_air_stable_std`` (when the run has it), cut at 0 and 1.
    Bars are drawn only for the members of the first Pareto front (``pareto_rank == 1``, over all
    of ``ranking.pareto_objectives``) that no candidate beats on both plotted axes (in colour, on
    top) and for the ``interval_top`` best-ranked candidates; the rest of the front are small red
    points (beaten here, not on cost or the oxidation limit), every other candidate a small grey
    point, so that a pool of thousands shows where the candidates lie without a wall of bars.

    Parameters
    ----------
    results : DataFrame
        A screening results table; rows without both predictions (or not ``ok``) are left out.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    highlight : DataFrame, optional
        Rows to circle (e.g. :func:`electroscreen.analysis.triage.shortlist`).
    label_top : int
        Annotate this many best-ranked points with ``"<rank>. <formula>"`` (the reduced formula,
        9 pt); the labels stand in a column right of the axes, each at its point's height as far
        as the others allow (at least ``LABEL_GAP`` apart), with a line to its point: close points
        never stack their labels, and the lines run right, away from the cloud of candidates.
    interval_top : int
        Draw the uncertainty bars of this many best-ranked candidates besides the front's.
    coverage : float, optional
        Nominal coverage of the conductivity intervals (``1 - conformal_alpha`` of the model),
        named in the x label; default ``results.attrs["interval_coverage"]`` (a table from
        :func:`~electroscreen.analysis.triage.load_results`), else unknown: 90 %.
    temperature_c : float, optional
        The screening's ``temperature_c``: the x label says the temperature the conductivities
        were predicted at ("at 80 °C", or the range when rows had their own ``temperature_c``:
        :func:`~electroscreen.screening.temperatures.predicted_at`); None: only a
        ``temperature_c`` column of ``results`` says.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5), layout="constrained")  # room for the labels
    ok = results.get("status", pd.Series("ok", index=results.index)).eq("ok")
    ok &= results["pred_log10_sigma"].notna() & results["p_air_stable"].notna()
    data = results[ok]
    x = data["pred_log10_sigma"].to_numpy(float)
    y = data["p_air_stable"].to_numpy(float)
    xerr = np.vstack(
        [
            x - data.get("pred_log10_sigma_lo", data["pred_log10_sigma"]).to_numpy(float),
            data.get("pred_log10_sigma_hi", data["pred_log10_sigma"]).to_numpy(float) - x,
        ]
    )
    xerr = np.clip(np.nan_to_num(xerr), 0.0, None)
    yerr = None
    if "p_air_stable_std" in data:
        std = np.nan_to_num(data["p_air_stable_std"].to_numpy(float))
        yerr = np.clip(np.vstack([np.minimum(std, y), np.minimum(std, 1.0 - y)]), 0.0, None)
    front = (
        data["pareto_rank"].eq(1).fillna(False).to_numpy(bool)
        if "pareto_rank" in data
        else np.zeros(len(x), bool)
    )
    rank = data["rank"].to_numpy() if "rank" in data else np.zeros(len(x), dtype=int)
    # bars for the front in these two axes (a subset of the front over every objective) and the
    # best-ranked; the rest of the front as points, so that it is not a wall of bars
    in_2d = pareto_ranks(objective_steps("conductivity", x), objective_steps("air_stability", y))
    bars = front & (np.asarray(in_2d.fillna(0)) == 1)
    top = (rank > 0) & (rank <= interval_top) & ~bars
    crowd = ~front & ~top
    if crowd.any():
        alpha = float(np.clip(20.0 / np.sqrt(crowd.sum()), 0.15, 0.8))
        ax.scatter(x[crowd], y[crowd], s=6, color="0.55", alpha=alpha, lw=0, label="candidates")
    rest = front & ~bars & ~top
    if rest.any():
        ax.scatter(x[rest], y[rest], s=10, color="C3", alpha=0.5, lw=0, zorder=2,
                   label="Pareto front, all objectives")  # fmt: skip
    styles = (
        (top, "C0", f"top {interval_top} by score", 0.6, 3),
        (bars, "C3", "Pareto front in these two axes", 0.9, 4),
    )
    for mask, colour, name, alpha, zorder in styles:
        if mask.any():
            container = ax.errorbar(
                x[mask],
                y[mask],
                xerr=xerr[:, mask],
                yerr=None if yerr is None else yerr[:, mask],
                fmt="o",
                ms=4,
                color=colour,
                ecolor=colour,
                elinewidth=0.6,
                label=name,
                zorder=zorder,
            )
            for bars in container.lines[2]:
                bars.set_alpha(alpha)
    if highlight is not None and len(highlight):
        hx = highlight["pred_log10_sigma"].to_numpy(float)
        hy = highlight["p_air_stable"].to_numpy(float)
        ax.scatter(
            hx, hy, s=90, facecolors="none", edgecolors="C0", lw=1.2, label="shortlist", zorder=5
        )
    ax.set_xlabel(_x_label(results, coverage, temperature_c))
    ax.set_ylabel(f"{AIR_SCORE} (p_air_stable); bars: +-1 std of the members")
    ax.set_ylim(-0.05, 1.05)
    if label_top and "rank" in data:
        _label_points(ax, data[is_ranked(data["rank"])].nsmallest(label_top, "rank"))
    if ax.get_legend_handles_labels()[0]:  # nothing drawn (no candidate predicted): no legend
        ax.legend(loc="lower left", fontsize=8)
    ax.set_title(f"{len(data)} predicted of {len(results)} screened candidates")
    return ax


def _label_heights(wanted: np.ndarray, gap: float, low: float = 0.03) -> np.ndarray:
    """Heights (axes fraction) for labels wanted at ``wanted`` (sorted high to low), moved apart
    to at least ``gap`` and kept within ``[low, 1 - low]``."""
    heights = np.clip(wanted, low, 1.0 - low)
    for i in range(1, len(heights)):
        heights[i] = min(heights[i], heights[i - 1] - gap)
    shortfall = low - heights[-1] if len(heights) else 0.0
    if shortfall > 0:  # pushed below the axes: shift the column up
        heights = heights + shortfall
    return heights


def _label_points(ax: plt.Axes, best: pd.DataFrame) -> None:
    """``"<rank>. <formula>"`` beside the axes, right of the plot (where the best conductors lie),
    each at its point's height as far as the others allow: leader lines run right, away from the
    cloud, and never cross one another (labels stand in the order of their points' heights)."""
    best = best.sort_values("p_air_stable", ascending=False, kind="stable")
    y_low, y_high = ax.get_ylim()
    wanted = (best["p_air_stable"].to_numpy(float) - y_low) / (y_high - y_low)
    heights = _label_heights(wanted, LABEL_GAP)
    for row, height in zip(best.itertuples(index=False), heights, strict=True):
        ax.annotate(
            f"{int(row.rank)}. {row.formula}",
            (row.pred_log10_sigma, row.p_air_stable),
            fontsize=LABEL_FONTSIZE,
            xytext=(1.02, height),
            textcoords="axes fraction",
            ha="left",
            va="center",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.35"},
            zorder=6,
        )


def _plot_subset(results: pd.DataFrame, max_points: int, top: int, seed: int) -> pd.DataFrame:
    """At most ``max_points`` rows to draw: the first Pareto front, the ``top`` best, then a sample."""
    if len(results) <= max_points:
        return results
    keep = np.zeros(len(results), dtype=bool)
    if "pareto_rank" in results:
        keep |= results["pareto_rank"].eq(1).fillna(False).to_numpy(bool)
    if "rank" in results:
        ranks = pd.to_numeric(results["rank"]).astype("Float64").to_numpy(float, na_value=np.nan)
        keep |= (ranks >= 1) & (ranks <= top)
    rest = np.flatnonzero(~keep)
    room = max(max_points - int(keep.sum()), 0)
    if room and len(rest):
        rng = np.random.default_rng(seed)
        keep[rng.choice(rest, size=min(room, len(rest)), replace=False)] = True
    return results[keep]


def _x_label(results: pd.DataFrame, coverage: float | None, temperature_c: float | None) -> str:
    """``predicted log10 sigma at 80 °C (S/cm); bars: 90 % interval`` (:func:`pareto_plot`)."""
    if coverage is None:
        coverage = results.attrs.get(COVERAGE_ATTR)
    at = predicted_at(results, temperature_c)
    sigma = f"predicted log10 sigma at {at}" if at else "predicted log10 sigma"
    return f"{sigma} (S/cm); bars: {interval_label(coverage)}"


def pareto_figure(
    results: pd.DataFrame,
    top: int = 50,
    max_points: int = 5000,
    seed: int = 0,
    coverage: float | None = None,
    temperature_c: float | None = None,
) -> Figure:
    """Predicted conductivity against the air-stability score, first Pareto front highlighted, with
    error bars.

    Draws with :func:`electroscreen.screening.plots.pareto_plot`. Large pools are thinned to
    ``max_points`` rows (the whole first front and the ``top`` best-ranked rows always stay; the rest
    is a seeded random sample), and the title says so.

    Parameters
    ----------
    results : DataFrame
        Results table with ``pred_log10_sigma`` (and ``_lo``/``_hi``), ``p_air_stable`` (and
        ``_std``), ``pareto_rank``, ``rank``, ``formula``, ``status``.
    top : int
        Best-ranked rows always drawn (the first 5 are labelled).
    max_points : int
        Most rows drawn.
    seed : int
        Seed of the thinning sample.
    coverage : float, optional
        Nominal coverage of the conductivity intervals, named on the x axis (unknown: 90 %).
    temperature_c : float, optional
        The screening's ``temperature_c``, named on the x axis (:func:`pareto_plot`).

    Returns
    -------
    matplotlib Figure
        A plain ``Figure`` (no pyplot state to close).
    """
    missing = {"pred_log10_sigma", "p_air_stable"} - set(results.columns)
    if missing:
        raise ValueError(f"results lack {sorted(missing)}: no Pareto plot without both predictions")
    top = max(top, INTERVAL_TOP)  # every row the plot draws bars for stays in a thinned pool
    shown = _plot_subset(results, max_points, top, seed)
    figure = Figure(figsize=(9, 5))  # room for the labels right of the axes
    ax = figure.subplots()
    pareto_plot(shown, ax=ax, coverage=coverage, temperature_c=temperature_c)
    if len(shown) < len(results):  # the temperatures of every row, not of the sample's
        ax.set_xlabel(_x_label(results, coverage, temperature_c))
        predicted = int(results["pred_log10_sigma"].notna().sum())
        ax.set_title(
            f"{len(shown)} of {len(results)} screened candidates drawn\n({predicted} predicted; "
            f"front, top {top}, sample)",
            fontsize=10,
        )
    figure.tight_layout()
    return figure
