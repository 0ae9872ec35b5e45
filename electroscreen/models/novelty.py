"""How far a candidate lies from the training rows, in the model's own feature space.

:class:`FeatureNovelty` is the mean Euclidean distance to the ``k`` nearest training rows after
median imputation and standardisation of each feature (every feature weighs the same; one that never
varies in training gets the smallest unit of the others, so a value it never took, such as an element
no training row holds, counts as at least as novel as the rarest one seen). A candidate of
a known chemistry sits near its training neighbours; one of an unseen structural family sits far from
all of them. :class:`~electroscreen.models.uncertainty.ConformalRegressor` bins its calibration rows by
this distance, so that the candidates furthest from the training data get the widest intervals.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from electroscreen.models.rowwise import mean_nearest_distance, nearest_distances

__all__ = ["FeatureNovelty"]


class FeatureNovelty(BaseEstimator):
    """Mean distance to the ``n_neighbors`` nearest training rows (standardised features).

    Parameters
    ----------
    n_neighbors : int, default 5
        Neighbours averaged (fewer when the training set is smaller).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> novelty = FeatureNovelty(n_neighbors=1).fit(X)
    >>> near, far = novelty.distance(np.array([[0.0, 0.0], [5.0, 5.0]]))
    >>> bool(near == 0.0 and far > 5.0)
    True
    """

    def __init__(self, n_neighbors: int = 5) -> None:
        self.n_neighbors = n_neighbors

    def fit(self, X: np.ndarray) -> FeatureNovelty:
        """Learn the imputation, the scaling and the training rows (``X`` may hold NaN)."""
        X = _matrix(X)
        self.scaler_ = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
        ).fit(X)
        _unit_for_constant_columns(self.scaler_[-1])
        self.train_ = np.ascontiguousarray(self.scaler_.transform(X))
        self.k_ = min(self.n_neighbors, len(X))
        return self

    def distance(self, X: np.ndarray, k: int | None = None) -> np.ndarray:
        """Mean distance of each row of ``X`` to its nearest training rows, shape ``(n,)``;
        ``k``: that many of them (default the fitted ``n_neighbors``, at most the rows fitted).

        Each row's value depends on that row alone, to the last bit
        (:func:`~electroscreen.models.rowwise.mean_nearest_distance`; a BLAS product, and
        scikit-learn's ``NearestNeighbors``, round a row by where it sits in the batch).
        """
        X = _matrix(X)
        if len(X) == 0:
            return np.zeros(0)
        train, fitted = self._training_rows()
        k = fitted if k is None else min(int(k), len(train))
        return mean_nearest_distance(self.scaler_.transform(X), train, k)

    def distances(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`distance` of each row of ``X`` and its distance to the nearest training row
        (``distance(X, k=1)``, bit for bit), both shape ``(n,)``, from one search of the training
        rows (:func:`~electroscreen.models.rowwise.nearest_distances`)."""
        X = _matrix(X)
        if len(X) == 0:
            return np.zeros(0), np.zeros(0)
        train, fitted = self._training_rows()
        return nearest_distances(self.scaler_.transform(X), train, fitted)

    def _training_rows(self) -> tuple[np.ndarray, int]:
        """The standardised training rows and ``k`` (models pickled before ``train_`` kept them in
        a fitted ``NearestNeighbors``)."""
        if hasattr(self, "train_"):
            return self.train_, self.k_
        return self.neighbors_._fit_X, self.neighbors_.n_neighbors


def _unit_for_constant_columns(scaler: StandardScaler) -> None:
    """Give the features that never vary in training the smallest unit of the varying ones.

    StandardScaler divides a constant feature by 1, so a candidate that differs there (an element
    no training row holds, in element fractions: 0.1 of Ho) moved the distance by 0.1 while a rare
    element seen once moved it by ~30 standard deviations: an unseen element looked *less* novel
    than a rare one. Dividing by the smallest standard deviation of the varying features makes a
    value never seen at least as novel as the rarest one seen.
    """
    constant = scaler.var_ == 0
    if constant.any() and not constant.all():
        scaler.scale_ = np.where(constant, scaler.scale_[~constant].min(), scaler.scale_)


def _matrix(X: object) -> np.ndarray:
    if not isinstance(X, np.ndarray) or X.ndim != 2:
        raise ValueError(
            "novelty needs a feature matrix (descriptor featurizers), "
            f"not {type(X).__name__}: use novelty_bins=1 for the graph network"
        )
    return X.astype(np.float64, copy=False)
