"""A small, well-regularised classifier: logistic regression on a few standardised descriptors.

Used for air stability (issue 18), where a forest on many descriptors learns which structural
family a material belongs to and fails on families it has not seen; a logistic regression on a
couple of chemistry descriptors carries across families and gives calibrated probabilities.
The spread of probabilities over bootstrap refits is the uncertainty (``predict_proba_dist``).
Balanced class weights pull the probabilities towards 0.5; ``calibration`` maps them back with
:class:`~sklearn.calibration.CalibratedClassifierCV` (Platt or isotonic) fitted on inner folds of the
training rows only, so a held-out row never calibrates the model that scores it.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from electroscreen.data.legacy_state import LegacyStateMixin
from electroscreen.models.constant_features import ConstantFeatures
from electroscreen.models.rowwise import member_mean_std, row_dot
from electroscreen.models.sklearn_models import MedianImputer

__all__ = ["LogisticEnsembleClassifier"]


class LogisticEnsembleClassifier(LegacyStateMixin, ClassifierMixin, BaseEstimator):
    """L2 logistic regression on median-imputed, standardised features, plus bootstrap refits.

    Parameters
    ----------
    C : float
        Inverse L2 strength (on standardised features).
    class_weight : {"balanced", None}
    n_members : int
        Bootstrap refits whose probability spread is ``predict_proba_dist``'s std (the mean is the
        full-data model's probability); 0: no refits and a spread of 0 (tests, quick looks).
    calibration : {"none", "sigmoid", "isotonic"}
        Recalibrate the probabilities on ``calibration_folds`` stratified inner folds of the
        training rows (:class:`~sklearn.calibration.CalibratedClassifierCV`, the mean of one
        calibrated model per fold); ``"none"``: the logistic regression's own probabilities.
    calibration_folds : int
        Inner folds (at most the minority-class count of the rows being fitted).
    min_support : int
        A feature that at most this many training rows move off its median (NaN ignored) gets no
        weight: its standardised value is 0 for every row, at fit and at predict. A coefficient
        learnt from a handful of rows extrapolates to every row that differs there (held out, the
        halides meet ``halide_anion_class`` only in two Li3OCl rows); 0 keeps every feature.
    random_state : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1))]; y = np.r_[np.zeros(20), np.ones(20)]
    >>> p, s = LogisticEnsembleClassifier().fit(X, y).predict_proba_dist(X[[0, -1]])
    >>> bool(p[0] < 0.5 < p[1]), bool((s >= 0).all())
    (True, True)
    """

    #: A model pickled before ``min_support`` (2026-12-07) gave every feature its weight.
    _legacy_state = {"min_support": 0, "unsupported_": np.zeros(0, dtype=np.int64)}

    #: Checked by scikit-learn's ``_validate_params`` at fit and when a config loads.
    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), None],
        "n_members": [Interval(Integral, 0, None, closed="left")],
        "calibration": [StrOptions({"none", "sigmoid", "isotonic"})],
        "calibration_folds": [Interval(Integral, 2, None, closed="left")],
        "min_support": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        C: float = 1.0,
        class_weight: str | None = "balanced",
        n_members: int = 10,
        calibration: str = "none",
        calibration_folds: int = 5,
        min_support: int = 0,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.n_members = n_members
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.min_support = min_support
        self.random_state = random_state

    def _model(self, y: np.ndarray) -> LogisticRegression | CalibratedClassifierCV:
        logistic = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)
        if self.calibration == "none":
            return logistic
        folds = min(int(self.calibration_folds), int(np.bincount(y, minlength=2).min()))
        if folds < 2:
            raise ValueError(f"calibration needs two rows of each class, got {np.bincount(y)}")
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        return CalibratedClassifierCV(logistic, method=self.calibration, cv=cv)

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        Z = (self.imputer_.transform(np.asarray(X, dtype=np.float64)) - self.mean_) / self.scale_
        Z[:, self.unsupported_] = 0.0
        return Z

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> LogisticEnsembleClassifier:
        """Fit the full-data model and the bootstrap refits on ``X`` (n, d), median-imputed and
        standardised, and 0/1 labels ``y`` (both present); returns self."""
        self._validate_params()
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.int64)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with len(y) rows, got {X.shape} and {len(y)}")
        if not np.isin(y, (0, 1)).all() or len(np.unique(y)) < 2:
            raise ValueError("labels must be 0 and 1, both present")
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        self.imputer_ = MedianImputer().fit(X)
        Xi = self.imputer_.transform(X)
        self.mean_ = Xi.mean(axis=0)
        scale = Xi.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.unsupported_ = _unsupported(X, self.min_support)
        Z = (Xi - self.mean_) / self.scale_
        Z[:, self.unsupported_] = 0.0
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.model_ = self._model(y).fit(Z, y, sample_weight=w)
        rng = np.random.default_rng(self.random_state)
        need = 1 if self.calibration == "none" else 2  # rows of each class a refit needs
        self.members_ = []
        for _ in range(self.n_members):
            idx = rng.integers(0, len(y), len(y))
            if np.bincount(y[idx], minlength=2).min() < need:
                continue
            wi = None if w is None else w[idx]
            self.members_.append(self._model(y[idx]).fit(Z[idx], y[idx], sample_weight=wi))
        return self

    def predict_proba_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probability of class 1 (full-data model) and its spread over the bootstrap refits."""
        check_is_fitted(self, "model_")
        Z = self._standardise(X)
        p = _positive_probability(self.model_, Z)
        if not self.members_:
            return p, np.zeros(len(p))
        spread = member_mean_std([_positive_probability(m, Z) for m in self.members_])[1]
        return p, spread

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of classes 0 and 1, shape (n, 2)."""
        p = self.predict_proba_dist(X)[0]
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Label 1 where the probability of class 1 is at least 0.5, else 0; shape (n,)."""
        return (self.predict_proba_dist(X)[0] >= 0.5).astype(np.int64)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Absolute coefficients on the standardised features (signed: ``coef_``)."""
        return np.abs(self.coef_)

    @property
    def coef_(self) -> np.ndarray:
        """Coefficients per standardised feature (log-odds of stable per standard deviation);
        with ``calibration``, the mean over the inner folds' logistic regressions."""
        check_is_fitted(self, "model_")
        if isinstance(self.model_, CalibratedClassifierCV):
            fits = [c.estimator.coef_[0] for c in self.model_.calibrated_classifiers_]
            return np.mean(fits, axis=0)
        return self.model_.coef_[0]


def _unsupported(X: np.ndarray, min_support: int) -> np.ndarray:
    """Positions of the columns of ``X`` (n, d) that 1 to ``min_support`` rows move off the
    column's median (:meth:`~electroscreen.models.constant_features.ConstantFeatures.rare`)."""
    if min_support < 1:
        return np.zeros(0, dtype=np.int64)
    return ConstantFeatures.rare(X, np.arange(X.shape[1]), max_rows=min_support).columns


def _decision(logistic: LogisticRegression, Z: np.ndarray) -> np.ndarray:
    """``decision_function`` of a binary logistic regression, each row's by itself
    (:func:`~electroscreen.models.rowwise.row_dot`; scikit-learn's BLAS product rounds a row by
    where it sits in the batch)."""
    return row_dot(Z, logistic.coef_[0]) + logistic.intercept_[0]


def _positive_probability(model: LogisticRegression | CalibratedClassifierCV, Z: np.ndarray):
    """``model.predict_proba(Z)[:, 1]``, computed as scikit-learn does (for a calibrated model:
    each fold's calibrator on its logistic regression's decision, values within 1e-5 above 1 set
    to 1, the folds averaged in order) but with :func:`_decision`."""
    if not isinstance(model, CalibratedClassifierCV):
        return expit(_decision(model, Z))
    total = np.zeros(len(Z))
    for fold in model.calibrated_classifiers_:
        p = fold.calibrators[0].predict(_decision(fold.estimator, Z))
        p[(1.0 < p) & (p <= 1.0 + 1e-5)] = 1.0
        total += p
    return total / len(model.calibrated_classifiers_)
