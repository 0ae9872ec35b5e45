"""The difficulty of a row for the conformal scores: a log-linear fit of how far off the model is.

:class:`DifficultyScale` is the normaliser of ``scale="learned"`` / ``"learned_anion"``
(:class:`~electroscreen.models.uncertainty.ConformalRegressor`): ``log(|y - mu| + 0.1)`` regressed
on the log ensemble spread, the novelty and optional further inputs over the calibration rows (Lei et
al. 2018, section 5.2; Papadopoulos et al. 2008).
"""

from __future__ import annotations

import numpy as np

from electroscreen.models.rowwise import row_dot

__all__ = ["MIN_SPREAD", "RESIDUAL_OFFSET", "DifficultyScale"]

#: Offset (decades) of ``log(|residual| + offset)`` in the difficulty fit.
RESIDUAL_OFFSET = 0.1
MIN_SPREAD = 1e-12  #: smallest spread whose log the difficulty takes (the normaliser's floor)


class DifficultyScale:
    """``d = exp(b0 + b1 log(s) + b2 n [+ c . e])`` from spread ``s`` (floor added), novelty ``n``
    and optional further inputs ``e`` (``extra``: the anion-class indicators of ``learned_anion``).

    Fitted by least squares of ``log(|residual| + 0.1)``; inputs are clipped to the fitted range.
    Spreads are floored at :data:`MIN_SPREAD` (as the normaliser floors them): no ``log 0``. An
    input constant over the fitted rows (a one-tree forest's spread, 0 on every row) cannot say
    which rows are harder (clipped to that value at prediction, it adds nothing): its coefficient
    is 0, the others are fitted without it (``d = exp(b0 + b2 n)``). The scores stay a fixed
    function of the row, so the conformal quantile keeps its coverage.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0); s = rng.uniform(0.5, 2, 500); n = rng.uniform(0, 3, 500)
    >>> r = np.abs(rng.normal(size=500)) * s * np.exp(0.3 * n)
    >>> d = DifficultyScale().fit(s, n, r)
    >>> bool(d.coef_[1] > 0.5 and d.coef_[2] > 0.15)
    True
    """

    def fit(
        self,
        spread: np.ndarray,
        novelty: np.ndarray,
        abs_residual: np.ndarray,
        extra: np.ndarray | None = None,
    ) -> DifficultyScale:
        """Fit the coefficients on the calibration rows (arrays of shape (n,); ``extra`` (n,) or (n,
        k)); returns self."""
        Z = self._design(_log_spread(spread), novelty, extra, clip=False)
        self.low_, self.high_ = Z[:, 1:].min(axis=0), Z[:, 1:].max(axis=0)
        target = np.log(np.asarray(abs_residual, dtype=np.float64) + RESIDUAL_OFFSET)
        varies = np.concatenate([[True], self.high_ > self.low_])  # the intercept, the inputs
        if varies.all():
            self.coef_ = np.linalg.lstsq(Z, target, rcond=None)[0]
            return self
        self.coef_ = np.zeros(Z.shape[1])  # a constant input: coefficient 0 (class docstring)
        self.coef_[varies] = np.linalg.lstsq(Z[:, varies], target, rcond=None)[0]
        return self

    def _design(
        self,
        log_spread: np.ndarray,
        novelty: np.ndarray,
        extra: np.ndarray | None,
        clip: bool = True,
    ) -> np.ndarray:
        inputs = [np.ones(len(log_spread)), log_spread, novelty]
        Z = np.column_stack(inputs if extra is None else [*inputs, extra]).astype(np.float64)
        if clip:
            Z[:, 1:] = np.clip(Z[:, 1:], self.low_, self.high_)
        return Z

    def __call__(
        self, spread: np.ndarray, novelty: np.ndarray, extra: np.ndarray | None = None
    ) -> np.ndarray:
        """Difficulty of rows of spread ``spread`` (floor added), novelty ``novelty`` and further
        inputs ``extra`` (shape ``(n, k)``, as fitted)."""
        Z = self._design(_log_spread(spread), novelty, extra)
        return np.exp(row_dot(Z, self.coef_))


def _log_spread(spread: np.ndarray) -> np.ndarray:
    """``log`` of the spreads, floored at :data:`MIN_SPREAD`."""
    return np.log(np.maximum(np.asarray(spread, dtype=np.float64), MIN_SPREAD))
