"""The interval of a recalled composition: a new measurement of it scatters as the labs' did.

A screened composition that *is* a training composition (a recall: ``screen`` fills
``train_id``, :mod:`~electroscreen.models.training_rows`) is predicted from its own labels: every
tree of the ensemble memorised them, its spread is about 0, and the conformal interval
(:class:`~electroscreen.models.uncertainty.ConformalRegressor`, ``q (s + s0)``, calibrated on rows
held out by composition, chemical system or family) is its narrowest, about +-0.6 decades. Nothing
calibrated that width for a composition the model has seen: the folds never measure how far two
measurements of *one* composition disagree. They disagree a lot: Li7La3Zr2O12's five training rows
run from 1.6e-6 to 5.7e-4 S/cm (tetragonal and cubic, sintering), and the narrow interval held one
of them.

:class:`RecallIntervals` estimates that scatter from the training rows themselves. For every
composition with at least two measured (not censored) rows, each measurement's deviation from the
median of the others is one score (a leave-one-measurement-out deviation: the new measurement
against what the rest would recall); the conformal ``1 - alpha`` quantile of the pooled scores
(:func:`~electroscreen.models.uncertainty.conformal_quantile`) is the repeatability ``q_rep``
(decades; 1.57 on the default model's 144 such measurements of 56 compositions). A recalled
composition's interval is then the smallest one holding

* the model's own interval,
* ``[m - q_rep, m + q_rep]`` around its measured median ``m`` (``train_log10_sigma``), and
* every one of its own measured values,

so it is never narrower than before, and for a composition measured several times it spans them
all. Out of fold (a measurement left out, the model refitted,
``benchmarks/recall_intervals.py``) this covers 0.917 of those 144 measurements where the model's
interval alone covered 0.576. A composition measured only below a censoring bound has no
value to centre on: its interval is the model's, as before. With fewer repeated measurements than
the quantile needs (a small training table), ``q_rep`` is NaN and only the measured span widens
the interval.

Temperature: the measurements are 25 degC values. :func:`~electroscreen.models.side_models.
predict_conductivity` widens the 25 degC interval first; away from 25 degC the widened interval is
moved along the Arrhenius line and widened by the activation-energy error like any other (the
scatter between samples, polymorph, density, grain boundaries, is a property of the samples, not of
the temperature it was read at).

A predictor fitted before 2026-12-07 has no ``recall_intervals_`` (None): its intervals are the
model's alone, as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from electroscreen.data.compositions import PackedCompositions
from electroscreen.models.training_rows import (
    TRAINING_MATCH_TOLERANCE,
    by_composition,
    measured_values,
)
from electroscreen.models.uncertainty import conformal_quantile

__all__ = ["RecallIntervals", "repeat_deviations"]


def repeat_deviations(measured: Sequence[np.ndarray]) -> np.ndarray:
    """Leave-one-measurement-out deviations of repeatedly measured compositions.

    Parameters
    ----------
    measured : sequence of ndarray of float
        The measured values (log10 S/cm, no NaN) of each composition.

    Returns
    -------
    ndarray of float
        ``|y_i - median(y_j, j != i)|`` for every measurement ``i`` of every composition with at
        least two values (those with fewer contribute nothing).

    Examples
    --------
    >>> repeat_deviations([np.array([-3.0, -5.0]), np.array([-4.0]), np.array([-2.0, -2.5, -3.0])])
    array([2.  , 2.  , 0.75, 0.  , 0.75])
    """
    out = []
    for values in measured:
        values = np.asarray(values, dtype=np.float64)
        for i in range(len(values) if len(values) >= 2 else 0):
            out.append(abs(values[i] - np.median(np.delete(values, i))))
    return np.asarray(out, dtype=np.float64)


class RecallIntervals:
    """Each training composition's measured values and the repeatability ``q_rep`` (module
    docstring): what widens the interval of a recall.

    Parameters
    ----------
    formulas : sequence of str, length M
        The training rows (grouped by composition as
        :class:`~electroscreen.models.training_rows.TrainingRows` groups them).
    log10_sigma : ndarray of float, shape (M,)
        Measured values (NaN where censored or not measured at 25 degC).
    alpha : float
        Miscoverage (the predictor's ``conformal_alpha``).
    group : ndarray of int, shape (M,), optional
        The rows' composition groups, when already computed
        (:func:`~electroscreen.models.training_rows.by_composition`).

    Attributes
    ----------
    median_, low_, high_ : ndarray of float, one per composition
        Median, smallest and largest measured value (NaN: only censored rows).
    deviations_ : ndarray of float
        The pooled scores (:func:`repeat_deviations`).
    repeatability_ : float
        Their conformal ``1 - alpha`` quantile, decades (NaN when too few).
    """

    def __init__(
        self,
        formulas: Sequence[object],
        log10_sigma: np.ndarray,
        alpha: float,
        group: np.ndarray | None = None,
    ) -> None:
        values = np.asarray(log10_sigma, dtype=np.float64)
        members, _, _, self.index = by_composition(np.arange(len(values)), formulas, group)
        measured = [values[m][np.isfinite(values[m])] for m in members]
        self.median_, self.low_, self.high_ = (
            np.array([f(v) if len(v) else np.nan for v in measured])
            for f in (np.median, np.min, np.max)
        )
        self.deviations_ = repeat_deviations(measured)
        q = conformal_quantile(self.deviations_, alpha)
        self.repeatability_ = q if np.isfinite(q) else float("nan")
        self.alpha = alpha

    @classmethod
    def of_rows(
        cls,
        table: pd.DataFrame,
        targets: object,
        rows: np.ndarray,
        alpha: float,
        group: np.ndarray | None = None,
    ) -> RecallIntervals:
        """The rows ``rows`` (positions) of a conductivity table with their ``targets``
        (:class:`~electroscreen.models.tasks.Targets`; censored rows count as unmeasured) and,
        optionally, their composition groups."""
        return cls(
            table["formula"].to_numpy()[rows],
            measured_values(targets, rows),
            alpha,
            group,
        )

    def bounds(self, compositions: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        """The least interval each composition's recall must span (row-aligned; NaN where the
        composition is no measured training composition).

        Returns
        -------
        low, high : ndarray of float, shape (len(compositions),)
            ``min(m - q_rep, smallest value)`` and ``max(m + q_rep, largest value)``.
        """
        found = self.index.find(compositions, tol=TRAINING_MATCH_TOLERANCE)
        low, high = np.full(len(found), np.nan), np.full(len(found), np.nan)
        hit = found >= 0
        ref = found[hit]
        q = self.repeatability_ if np.isfinite(self.repeatability_) else 0.0
        low[hit] = np.minimum(self.median_[ref] - q, self.low_[ref])
        high[hit] = np.maximum(self.median_[ref] + q, self.high_[ref])
        return low, high

    def widen(
        self, compositions: PackedCompositions, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Intervals ``[lo, hi]`` of ``compositions`` (row-aligned), each widened to its recall's
        :meth:`bounds`; rows of other compositions unchanged."""
        low, high = self.bounds(compositions)
        recall = np.isfinite(low)
        lo = np.where(recall, np.fmin(lo, low), lo)
        hi = np.where(recall, np.fmax(hi, high), hi)
        return lo, hi
