"""What ``screen`` says when the score's conductivity term is clipped for many ranked rows.

``score`` maps ``pred_log10_sigma`` from ``ranking.sigma_range`` onto [0, 1] and clips it
(:func:`~electroscreen.screening.ranking.weighted_score`): every prediction at or above the range's
top scores the same conductivity term, and the other terms (the air score, by default) alone order
those rows. The default range, [-8, -2] log10 S/cm, is a room-temperature choice: screened at
300 degC, an oxide audit's file had 29 of its 57 ranked rows predicted above -2, and its ranking
became the air-score ranking (LATP 11th at 25 degC, 23rd at 300; Li3N, the best conductor of the
file, 41st). :func:`sigma_range_warnings` gives one line when more than :data:`CLIPPED_SHARE` of the
ranked rows sit at or above the top, naming the count, the range, the temperature and a range that
reaches the highest prediction; ``screen`` says it after ranking, writes it to
``OUT/model_warnings.txt`` and records it on the MLflow run, as the class warnings
(:mod:`~electroscreen.screening.class_warnings`).

Rows at or below the range's bottom tie too, but they are the pool's poorest conductors, whose order
among themselves a screen for conductors does not act on: a room-temperature file of oxides, borates
and phosphates holds many (10 of the same 57 below -8), and no warning is said for them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from electroscreen.screening.ranking import is_ranked
from electroscreen.screening.screen_config import RankingConfig
from electroscreen.screening.temperatures import predicted_at

__all__ = ["CLIPPED_SHARE", "sigma_range_warnings"]

#: The share of ranked rows at or above the top of ``sigma_range`` past which the run warns.
CLIPPED_SHARE = 0.10


def sigma_range_warnings(
    results: pd.DataFrame, ranking: RankingConfig, temperature_c: float | None = None
) -> list[str]:
    """One line when more than :data:`CLIPPED_SHARE` of the ranked rows (and at least two, so that
    some of them tie) are predicted at or above the top of ``ranking.sigma_range``; none when the
    conductivity has no weight in the score.

    Parameters
    ----------
    results : DataFrame
        A screening's ranked results (``rank``, ``pred_log10_sigma``, log10 S/cm; the input's
        ``temperature_c`` column, if any).
    ranking : RankingConfig
        The run's ranking settings (``sigma_range``, ``weight_conductivity``).
    temperature_c : float, optional
        The screening config's temperature (degC), named in the line.

    Returns
    -------
    list of str
        The warning, without its ``warning:`` prefix, or nothing.

    Examples
    --------
    >>> frame = pd.DataFrame({"rank": [1, 2, 3], "pred_log10_sigma": [-1.2, -0.4, -5.0]})
    >>> print(sigma_range_warnings(frame, RankingConfig(), 300)[0][:55])
    2 of 3 ranked rows (67 %) lie at or above the top of ra
    >>> sigma_range_warnings(frame, RankingConfig(sigma_range=(-6.0, 0.0)), 300)
    []
    """
    if ranking.weight_conductivity <= 0 or "rank" not in results:
        return []
    ranked = is_ranked(results["rank"])
    sigma = results["pred_log10_sigma"].to_numpy(dtype=np.float64)[ranked]
    lo, hi = ranking.sigma_range
    n_ranked, n_top = len(sigma), int((sigma >= hi).sum())
    if n_top < 2 or n_top <= CLIPPED_SHARE * n_ranked:
        return []
    highest = float(np.max(sigma))
    top = math.ceil(highest)
    at = predicted_at(results, temperature_c)
    return [
        f"{n_top} of {n_ranked} ranked rows ({100 * n_top / n_ranked:.0f} %) lie at or above the "
        f"top of ranking.sigma_range [{lo:g}, {hi:g}] log10 S/cm (the highest {highest:.2f}"
        + (f", predicted at {at}" if at else "")
        + "): they all score the same conductivity term, so score and rank order them by the "
        "other terms alone (the air score by default). Widen or shift "
        f"sigma_range to reach the highest prediction, e.g. [{top - (hi - lo):g}, {top:g}] (the "
        "same width, so a decade weighs as before; docs/screening.md, Ranking)"
    ]
