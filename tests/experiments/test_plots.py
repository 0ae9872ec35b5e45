"""Training plots say what they show: units, every row accounted for, bars in the legend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.experiments.plots import parity_plot, residuals_by_family_plot


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


def test_parity_plot_names_its_interval_bars():
    ax = parity_plot(_predictions(), "conductivity extra_trees: CV grouped by family").axes[0]
    assert "90 % interval" in [t.get_text() for t in ax.get_legend().get_texts()]
