"""Training plots say what they show: units, every row accounted for, bars in the legend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.experiments.plots import (
    AIR_SCORE,
    parity_plot,
    probability_plot,
    reliability_plot,
    residuals_by_family_plot,
)


def _predictions(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = rng.uniform(-8, -2, n)
    pred = y + rng.normal(0, 0.5, n)
    family = ["garnet"] * 20 + ["argyrodite"] * 12 + [""] * 5 + [np.nan] * 1 + ["rare"] * 2
    return pd.DataFrame(
        {"y_true": y, "y_pred": pred, "y_lo": pred - 1, "y_hi": pred + 1, "censored": False,
         "family": family}
    )  # fmt: skip


def test_residuals_by_family_name_rows_without_family_and_those_left_out():
    """Empty families showed as a bare '(5)' label; families below min_rows vanished silently;
    the axis had no unit."""
    ax = residuals_by_family_plot(_predictions(), "cv").axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "(no family) (6)" in labels and not any(
        label.startswith("(") and label.endswith(")") and label[1:-1].isdigit() for label in labels
    )
    assert "38 of 40 rows shown" in ax.get_title()  # the 2 'rare' rows are below min_rows=3
    assert ax.get_xlabel() == "residual, predicted - measured (log10 S/cm)"


def test_parity_plot_names_its_interval_bars_with_the_share_they_hold():
    predictions = _predictions()
    ax = parity_plot(predictions, "conductivity extra_trees: CV grouped by family").axes[0]
    y, lo, hi = predictions["y_true"], predictions["y_lo"], predictions["y_hi"]
    inside = ((lo <= y) & (y <= hi)).mean()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"90 % interval: holds {100 * inside:.0f} % of 40" in legend


def test_parity_plot_keeps_bars_in_the_axes_and_marks_censored_bounds():
    """The y axis stopped at the highest point, so upper bars (cut at 0) ran off the top; censored
    rows were plain circles, nothing saying the value is a bound."""
    predictions = _predictions()
    predictions["y_hi"] = np.minimum(predictions["y_pred"] + 4.0, 0.0)  # cut at 1 S/cm
    predictions["y_lo"] = predictions["y_pred"] - 12.0  # far below every point
    predictions.loc[:3, ["y_true", "censored"]] = [-10.0, True]
    ax = parity_plot(predictions, "cv").axes[0]
    low, high = ax.get_ylim()
    assert high >= predictions["y_hi"].max()
    bars = [c for c in ax.collections if c.get_label() == "_nolegend_" or "segments" in dir(c)]
    segments = np.concatenate([s for c in bars if hasattr(c, "get_segments")
                               for s in c.get_segments()])  # fmt: skip
    assert segments[:, 1].min() >= low - 1e-9 and segments[:, 1].max() <= high + 1e-9
    censored = [c for c in ax.collections if c.get_label() == "< bound (censored)"]
    assert len(censored) == 1 and len(censored[0].get_offsets()) == 4
    # exact rows only are measurements: the censored ones are neither points nor bars
    measured = [c for c in ax.collections if c.get_label() == "measured"][0]
    assert len(measured.get_offsets()) == 36


def _air_predictions(shift: float) -> pd.DataFrame:
    """Air-stability predictions whose observed share lies ``shift`` above the score."""
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 300)
    y = (rng.uniform(0, 1, 300) < np.clip(p + shift, 0, 1)).astype(float)
    return pd.DataFrame({"y_true": y, "y_pred": p, "weight": 1.0})


def _overlaps(figure, artist, ax) -> bool:
    renderer = figure.canvas.get_renderer()
    return artist.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


def test_air_plots_keep_their_legend_off_the_data_and_call_the_score_a_score():
    """The reliability legend sat upper left, over the bins of a model that under-predicts
    stability (0.70, 0.97) and their counts; a count was overprinted by the next marker; the axes
    said "predicted p(air-stable)" of what the project calls an air-stability score."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for shift in (0.3, -0.3):  # points above the diagonal, then below it
        predictions = _air_predictions(shift)
        figure = reliability_plot(predictions, "cv")
        FigureCanvasAgg(figure).draw()
        ax = figure.axes[0]
        assert ax.get_legend() is None and len(figure.legends) == 1  # under the axes, not in them
        assert not _overlaps(figure, figure.legends[0], ax)
        assert not ax.texts  # no count written among the points
        model = [t.get_text() for t in figure.legends[0].get_texts() if "Brier" in t.get_text()]
        counts = model[0].split("rows per bin, left to right: ")[1].split(", ")
        assert sum(int(c) for c in counts) == len(predictions) and len(counts) == 5
        assert ax.get_xlabel() == f"{AIR_SCORE} (p_air_stable)"
    figure = probability_plot(_air_predictions(0.0), "cv")
    FigureCanvasAgg(figure).draw()
    ax = figure.axes[0]
    assert ax.get_legend() is None and not _overlaps(figure, figure.legends[0], ax)
    assert ax.get_ylabel() == f"{AIR_SCORE} (p_air_stable)"
