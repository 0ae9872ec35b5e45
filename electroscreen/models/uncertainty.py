"""Calibrated prediction intervals: ensemble spread rescaled by split-conformal prediction.

The base regressor gives a mean and a spread ``(mu, s)`` (:meth:`predict_dist`). Nonconformity scores
on calibration rows are normalised residuals ``|y - mu| / (s + s0)`` with ``s0`` the median calibration
spread (a floor that keeps a tiny spread from producing a zero-width interval). The interval is
``mu +- q (s + s0)`` with ``q`` the ``ceil((n + 1)(1 - alpha)) / n`` empirical quantile of the scores
(Vovk et al. 2005; Lei et al. 2018, "Distribution-free predictive inference for regression",
JASA 113:1094; normalised scores as in Papadopoulos et al. 2008).

Two ways to get calibration rows:

``method="split"``
    Plain split conformal: a random ``calibration_fraction`` of the training rows is held out, the
    model is fitted on the rest. Exact finite-sample marginal coverage under exchangeability.
``method="cv"``
    Out-of-fold residuals of a K-fold cross-fit calibrate the scores, and the returned model is refit
    on all rows (cross-conformal / CV+ style, Barber et al. 2021, Ann. Stat. 49:486: guaranteed
    ``1 - 2 alpha``, in practice close to ``1 - alpha``). Uses all data for the model, costs K fits.

Which rows calibrate is set by ``groups``: a calibration row never shares a group with the model that
scores it. Several groupings (e.g. chemical system *and* structural family) pool the out-of-fold
scores of one cross-fit per grouping, so the calibration holds rows from a new chemistry as well as
rows from an unseen family.

``novelty_bins > 1`` makes the calibration Mondrian (Vovk et al. 2005, ch. 4) in the distance to the
training data (:class:`~electroscreen.models.novelty.FeatureNovelty`): calibration rows are split into
equal-count bins of their distance to the rows of the model that scored them, each bin gets its own
quantile, and a candidate takes the quantile of its bin. Candidates close to the training data get
narrower intervals, those far from it (an unseen family) wider ones.

``seen_systems=True`` makes the calibration Mondrian in a second, categorical taxonomy: whether the
row's chemical system (its element set, ``element_sets`` codes) occurs among the rows of the model
that scored it. A candidate whose elements the training rows combine already (a new composition of a
known system, a doped variant) takes the quantile of such calibration rows, one of a new chemistry
that of the others; with novelty bins too, each (bin, seen) pair has its own quantile. Calibrating
on composition-grouped folds as well (``groups``) gives the first category its rows. A cell with
too few calibration rows for its own quantile takes the pooled one.

``scale="learned"`` makes the normalisation locally adaptive in two inputs at once (Lei et al. 2018,
section 5.2; Papadopoulos et al. 2008): the difficulty ``d(x) = exp(b0 + b1 log(s + s0) + b2 n)`` of a
row, with ``s`` its ensemble spread and ``n`` its novelty, is a log-linear least-squares fit of
``log(|y - mu| + 0.1)`` on the calibration rows, and the scores are ``|y - mu| / d(x)``. Inputs are
clipped to the calibration range, so a far-out screening candidate cannot get an unbounded interval
from extrapolating the fit. ``scale="learned_anion"`` adds the row's anion class
(:mod:`electroscreen.data.anion_classes`: one indicator each for chalcogenide, halide and the
rest, other, nitride and hydride together, too few rows for one each; oxide the baseline) to the fit: a conductivity model errs more on unseen halide families than on
oxide ones, and the intervals follow. The three coefficients are fitted on the same rows that set the conformal
quantile (a tiny loss of exactness, as for the spread floor). An input constant over the
calibration rows (a one-tree forest's spread) gets coefficient 0: the difficulty is learned from
the other.

Rows flagged as not ``evaluable`` (censored conductivities) are trained on but never calibrate; an
estimator whose ``fit`` takes ``censored`` (a Tobit loss) is told which rows they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from electroscreen.data.legacy_state import LegacyStateMixin
from electroscreen.models.conformal_folds import (
    calibration_split,
    cross_fit_folds,
    fit_on_rows,
    known_systems,
    score_rows,
)

# DifficultyScale lived here before 2026-12-06: pickles of older models find it through this import
from electroscreen.models.difficulty import MIN_SPREAD, DifficultyScale
from electroscreen.models.novelty import FeatureNovelty

__all__ = ["ConformalRegressor", "conformal_quantile"]

#: Scales of the nonconformity scores: ensemble spread; spread and novelty (learned); and the anion
#: class too (learned_anion).
SCALES = ("spread", "learned", "learned_anion")
#: Anion classes (codes of :data:`~electroscreen.data.anion_classes.ANION_CLASSES`) of each
#: indicator of the ``learned_anion`` difficulty: chalcogenide, halide, and other with nitride and
#: hydride (24 of the default conductivity model's 1,045 table rows between them, too few for an
#: indicator each; they were "other" before they were classes of their own); oxides are the
#: baseline. The codes 0-3 of the older anion rules give the columns they always gave.
ANION_INDICATORS = ((0,), (1,), (3, 4, 5))


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """The split-conformal quantile ``ceil((n + 1)(1 - alpha)) / n`` of the scores (inf if n small)."""
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    n = len(scores)
    rank = math.ceil((n + 1) * (1.0 - alpha))
    if n == 0 or rank > n:
        return float("inf")
    return float(scores[rank - 1])


class ConformalRegressor(LegacyStateMixin, RegressorMixin, BaseEstimator):
    """Wrap a regressor with ``predict_dist`` into one with calibrated intervals.

    Parameters
    ----------
    estimator : regressor
        Has ``fit(X, y[, sample_weight])`` and ``predict_dist(X) -> (mean, std)``.
    alpha : float, default 0.1
        Miscoverage: intervals aim at ``1 - alpha`` (90 %) coverage.
    method : {"cv", "split"}
    n_splits : int
        Folds of the ``cv`` method.
    calibration_fraction : float
        Held-out share of the ``split`` method.
    normalize : bool
        Scale residuals by the ensemble spread (adaptive widths) or not (constant width).
    novelty_bins : int, default 1
        Equal-count bins of the distance to the training data, one conformal quantile each
        (1: one quantile for all candidates). Needs a feature matrix ``X``.
    scale : {"spread", "learned", "learned_anion"}, default "spread"
        Normalisation of the scores (``normalize=True``): the ensemble spread plus floor, or the
        learned difficulty of spread and novelty (and anion class: ``fit`` and
        ``predict_interval`` then need ``anion_classes``) (module docstring; needs a feature matrix).
    seen_systems : bool, default False
        One quantile for candidates whose chemical system the training rows hold and one for the
        others (module docstring; ``fit`` and ``predict_interval`` then need ``element_sets``).
    random_state : int

    Examples
    --------
    >>> import numpy as np
    >>> from electroscreen.models.sklearn_models import TreeEnsembleRegressor
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(200, 2)); y = X[:, 0] + rng.normal(size=200)
    >>> model = ConformalRegressor(TreeEnsembleRegressor(n_estimators=20), n_splits=3).fit(X, y)
    >>> mu, std, lo, hi = model.predict_interval(X[:3]); bool((lo < mu).all() and (mu < hi).all())
    True
    """

    #: A model pickled before these attributes existed: one quantile, spread-normalised scores
    #: without floor, no learned difficulty, no novelty (:mod:`electroscreen.data.legacy_state`).
    _legacy_state = {
        "novelty_bins": 1,
        "scale": "spread",
        "spread_floor_": 0.0,
        "difficulty_": None,
        "novelty_": None,
        "seen_systems": False,
    }

    def __init__(
        self,
        estimator: BaseEstimator,
        alpha: float = 0.1,
        method: str = "cv",
        n_splits: int = 5,
        calibration_fraction: float = 0.25,
        normalize: bool = True,
        novelty_bins: int = 1,
        scale: str = "spread",
        seen_systems: bool = False,
        random_state: int = 0,
    ) -> None:
        self.estimator = estimator
        self.alpha = alpha
        self.method = method
        self.n_splits = n_splits
        self.calibration_fraction = calibration_fraction
        self.normalize = normalize
        self.novelty_bins = novelty_bins
        self.scale = scale
        self.seen_systems = seen_systems
        self.random_state = random_state

    def fit(
        self,
        X: object,
        y: np.ndarray,
        *,
        evaluable: np.ndarray | None = None,
        groups: np.ndarray | Sequence[np.ndarray] | None = None,
        sample_weight: np.ndarray | None = None,
        element_sets: np.ndarray | None = None,
        anion_classes: np.ndarray | None = None,
    ) -> ConformalRegressor:
        """Fit the model and calibrate the interval scale.

        Parameters
        ----------
        X : design (matrix or packed structures), one entry per row of ``y``
        y : ndarray
        evaluable : ndarray of bool, optional
            Rows allowed to calibrate (default: all).
        groups : ndarray or list of ndarray, optional
            Calibration rows never share a group with the rows of the model that scores them:
            ``cv`` folds are grouped (``GroupKFold``); ``split`` holds out whole groups. Grouping by
            chemical system calibrates the intervals for new chemistries. A list of groupings
            (``cv`` only) pools the scores of one cross-fit per grouping.
        sample_weight : ndarray, optional
        element_sets : ndarray of uint64, shape (len(y),), optional
            Element-set code of each row (required by ``seen_systems``).
        anion_classes : ndarray of int, shape (len(y),), optional
            Anion-class code of each row (required by ``scale="learned_anion"``).
        """
        if self.method not in {"cv", "split"}:
            raise ValueError(f"method must be 'cv' or 'split', not {self.method!r}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if int(self.novelty_bins) < 1:
            raise ValueError(f"novelty_bins must be at least 1, got {self.novelty_bins}")
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, not {self.scale!r}")
        groupings = list(groups) if isinstance(groups, list | tuple) else [groups]
        if len(groupings) > 1 and self.method != "cv":
            raise ValueError("several calibration groupings need method='cv'")
        y = np.asarray(y, dtype=np.float64)
        n = len(y)
        if self.seen_systems and (element_sets is None or len(element_sets) != n):
            raise ValueError("seen_systems needs the element_sets of the rows")
        if self.scale == "learned_anion" and (anion_classes is None or len(anion_classes) != n):
            raise ValueError("scale='learned_anion' needs the anion_classes of the rows")
        systems = (
            np.asarray(element_sets, np.uint64) if self.seen_systems else np.zeros(n, np.uint64)
        )
        evaluable = np.ones(n, dtype=bool) if evaluable is None else np.asarray(evaluable, bool)
        rng = np.random.default_rng(self.random_state)
        censored = ~evaluable  # for estimators that take censored=..., e.g. Tobit losses
        novel = self._needs_novelty()
        scored = []  # (rows, mu, sd, novelty, seen) of every calibrating fold (conformal_folds)
        if self.method == "split":
            cal, proper = self._split(n, groupings[0], rng)
            self.estimator_ = fit_on_rows(self.estimator, X, y, sample_weight, censored, proper)
            scored.append(score_rows(self.estimator_, X, proper, cal, systems, novel))
        else:
            for grouping in groupings:
                folds = cross_fit_folds(n, y, grouping, self.n_splits, self.random_state)
                for train, test in folds:
                    member = fit_on_rows(self.estimator, X, y, sample_weight, censored, train)
                    scored.append(score_rows(member, X, train, test, systems, novel))
            every = np.arange(n)
            self.estimator_ = fit_on_rows(self.estimator, X, y, sample_weight, censored, every)
        parts = (np.concatenate(column) for column in zip(*scored, strict=True))
        rows, mu, sd, novelty, seen = parts
        use = evaluable[rows] & np.isfinite(mu) & np.isfinite(y[rows])
        self.spread_floor_ = float(np.median(sd[use])) if use.any() else 0.0
        abs_residual = np.abs(y[rows][use] - mu[use])
        extra = self._extra(None if anion_classes is None else np.asarray(anion_classes)[rows][use])
        #: Raw calibration data (used rows): what any other interval rule would need.
        self.calibration_ = {
            "abs_residual": abs_residual,
            "spread": sd[use],
            "novelty": novelty[use],
        }
        self.difficulty_ = None  # spread-normalised scores
        if self.scale != "spread" and self.normalize:
            self.difficulty_ = DifficultyScale().fit(
                sd[use] + self.spread_floor_, novelty[use], abs_residual, extra
            )
        self.scores_ = abs_residual / self._scale(sd[use], novelty[use], extra)
        self.quantile_ = conformal_quantile(self.scores_, self.alpha)
        self.n_calibration_ = int(use.sum())
        self.novelty_ = FeatureNovelty().fit(X) if self._needs_novelty() else None
        self.systems_ = np.unique(systems[systems != 0]) if self.seen_systems else None
        if self.novelty_bins > 1:
            inner = np.linspace(0.0, 1.0, int(self.novelty_bins) + 1)[1:-1]
            self.novelty_edges_ = np.quantile(novelty[use], inner)
        if self.novelty_bins > 1 or self.seen_systems:
            cells = self._cells(novelty[use], seen[use] if self.seen_systems else None)
            quantiles = [
                conformal_quantile(self.scores_[cells == c], self.alpha)
                for c in range(self._n_cells())
            ]  # a cell too small for its own quantile takes the pooled one
            self.bin_quantiles_ = np.where(np.isinf(quantiles), self.quantile_, quantiles)
            #: Calibration rows per cell (novelty bin, then seen system: ``bin + n_bins * seen``).
            self.cell_counts_ = np.bincount(cells, minlength=self._n_cells())
        return self

    def _n_cells(self) -> int:
        return int(self.novelty_bins) * (2 if self.seen_systems else 1)

    def _cells(self, novelty: np.ndarray | None, seen: np.ndarray | None) -> np.ndarray:
        """Mondrian cell of each row: ``novelty bin + n_bins * seen`` (``seen`` bool; None
        without ``seen_systems``, ``novelty`` None with a single bin)."""
        if self.novelty_bins > 1:
            cells = np.searchsorted(self.novelty_edges_, novelty).astype(np.int64)
        else:
            cells = np.zeros(len(seen), dtype=np.int64)
        if seen is not None:
            cells += int(self.novelty_bins) * np.asarray(seen, dtype=np.int64)
        return cells

    def _split(self, n: int, groups: np.ndarray | None, rng: np.random.Generator):
        """Calibration and proper-training rows of ``split`` (:func:`calibration_split`)."""
        return calibration_split(n, groups, self.calibration_fraction, rng)

    def _needs_novelty(self) -> bool:
        """Whether calibration and prediction use the distance to the training data."""
        learned = self.scale != "spread" and self.normalize
        return self.novelty_bins > 1 or learned

    def _extra(self, anion_classes: np.ndarray | None) -> np.ndarray | None:
        """The difficulty's further inputs: anion-class indicators (``learned_anion``), else None."""
        if self.scale != "learned_anion":
            return None
        if anion_classes is None:
            raise ValueError("this model's intervals need the candidates' anion_classes")
        codes = np.asarray(anion_classes, dtype=np.int64)
        return np.column_stack([np.isin(codes, group) for group in ANION_INDICATORS]).astype(
            np.float64
        )

    def _scale(
        self, sd: np.ndarray, novelty: np.ndarray | None = None, extra: np.ndarray | None = None
    ) -> np.ndarray:
        """Normaliser of the scores of rows of spread ``sd``, novelty ``novelty`` and further
        difficulty inputs ``extra`` (:meth:`_extra`)."""
        if not self.normalize:
            return np.ones_like(sd)
        scale = np.maximum(sd + self.spread_floor_, MIN_SPREAD)
        if self.difficulty_ is None:
            return scale
        return np.maximum(self.difficulty_(scale, novelty, extra), 1e-12)

    def interval_quantile(
        self,
        X: object,
        novelty: np.ndarray | None = None,
        element_sets: np.ndarray | None = None,
    ) -> float | np.ndarray:
        """Conformal quantile: the single one, or that of each row's Mondrian cell.

        ``novelty`` (shape ``(len(X),)``), when given, is ``self.novelty_.distance(X)`` computed by
        the caller (it is not recomputed). ``element_sets`` (element-set codes, shape ``(len(X),)``)
        is required by ``seen_systems``.
        """
        if self.novelty_bins <= 1 and not self.seen_systems:
            return self.quantile_
        if self.novelty_bins > 1 and novelty is None:
            novelty = self.novelty_.distance(X)
        seen = None
        if self.seen_systems:
            if element_sets is None:
                raise ValueError("this model's intervals need the candidates' element_sets")
            seen = known_systems(np.asarray(element_sets, np.uint64), self.systems_)
        return self.bin_quantiles_[self._cells(novelty, seen)]

    def _novelty(self, X: object, novelty: np.ndarray | None) -> np.ndarray | None:
        if novelty is None and self.novelty_ is not None:
            return self.novelty_.distance(X)
        return novelty

    def predict_dist(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """Mean and ensemble spread of the final model."""
        return self.estimator_.predict_dist(X)

    def predict(self, X: object) -> np.ndarray:
        """Mean prediction of the final model, shape (n,)."""
        return self.predict_dist(X)[0]

    def predict_interval(
        self,
        X: object,
        novelty: np.ndarray | None = None,
        element_sets: np.ndarray | None = None,
        anion_classes: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(mean, std, lo, hi)`` with ``[lo, hi]`` the ``1 - alpha`` conformal interval.

        ``novelty``, ``element_sets``: see :meth:`interval_quantile`; ``anion_classes`` (codes,
        shape ``(len(X),)``) is required by ``scale="learned_anion"``.
        """
        mu, sd = self.predict_dist(X)
        novelty = self._novelty(X, novelty)
        scale = self._scale(sd, novelty, self._extra(anion_classes))
        half = self.interval_quantile(X, novelty, element_sets) * scale
        return mu, sd, mu - half, mu + half

    @property
    def feature_importances_(self) -> np.ndarray:
        """Feature importances of the final model."""
        return self.estimator_.feature_importances_
