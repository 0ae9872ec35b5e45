"""Tree ensembles over descriptor matrices, with the ensemble spread as an uncertainty.

Every estimator here takes a float matrix that may hold NaN (undefined descriptors): missing values are
imputed with the training median learned in ``fit``. Regressors add ``predict_dist(X) -> (mean, std)``
(std = spread of the members' predictions); classifiers add ``predict_proba_dist(X) -> (p, std)`` for
the positive class.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from electroscreen.data.legacy_state import LegacyStateMixin
from electroscreen.featurizers.tree_arrays import TreeArrays
from electroscreen.models.rowwise import member_mean_std
from electroscreen.models.tree_fitting import fit_forest, openmp_threads
from electroscreen.models.tree_point_estimates import POINT_ESTIMATES, LeafMembers, tree_median

__all__ = [
    "MedianImputer",
    "TreeEnsembleClassifier",
    "TreeEnsembleRegressor",
    "BOOSTER_PARAMS",
    "FOREST_PARAMS",
    "TREE_KINDS",
]

#: Rows predicted at once (members x rows outputs are held in memory).
PREDICT_CHUNK = 8192
#: Kinds of tree ensemble.
TREE_KINDS = ("random_forest", "extra_trees", "gradient_boosting")
#: The ``__init__`` parameters a forest (``random_forest``, ``extra_trees``) reads
#: (``_forest``, ``_select_features``) and those the boosters read (``_booster``, ``_fit``);
#: a classifier reads ``class_weight`` too, a forest regressor ``point_estimate``. Any other is
#: ignored by that kind, and a training config that sets it is refused
#: (:meth:`_TreeEnsemble.params_read`).
FOREST_PARAMS = (
    "n_estimators", "max_features", "min_samples_leaf", "max_depth", "n_jobs", "random_state",
    "max_selected_features",
)  # fmt: skip
BOOSTER_PARAMS = (
    "learning_rate", "max_iter", "max_depth", "min_samples_leaf", "n_members", "n_jobs",
    "random_state",
)  # fmt: skip


class MedianImputer:
    """Replace NaN/inf by the per-column training median (0 for columns never finite)."""

    def fit(self, X: np.ndarray) -> MedianImputer:
        """Store each column's median over its finite values (0 for a column with none); ``X`` shape
        (n, d)."""
        X = np.asarray(X, dtype=np.float64)
        finite = np.where(np.isfinite(X), X, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            median = np.nanmedian(finite, axis=0) if len(X) else np.zeros(X.shape[1])
        self.median_ = np.where(np.isfinite(median), median, 0.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """A copy of ``X`` with each NaN/inf replaced by its column's training median."""
        X = np.array(X, dtype=np.float64, copy=True)
        bad = ~np.isfinite(X)
        if bad.any():
            X[bad] = np.broadcast_to(self.median_, X.shape)[bad]
        return X


def _check_kind(kind: str) -> None:
    if kind not in TREE_KINDS:
        raise ValueError(f"kind must be one of {TREE_KINDS}, not {kind!r}")


class _TreeEnsemble(LegacyStateMixin, BaseEstimator):
    """Shared fitting logic of the regressor and classifier."""

    #: pickles from before feature selection used every column
    _legacy_state = {
        "max_selected_features": None,
        "support_": None,
        "point_estimate": "mean",  # pickles from before the option predicted the mean
        "leaf_members_": None,
    }
    #: Checked by scikit-learn's ``_validate_params`` at fit and when a config loads (the forest's
    #: own settings by the forest): gradient boosting with no booster would predict nothing.
    _parameter_constraints: dict = {
        "n_members": [Interval(Integral, 1, None, closed="left")],
        "point_estimate": [StrOptions(set(POINT_ESTIMATES))],
    }

    def __init__(
        self,
        kind: str = "random_forest",
        n_estimators: int = 500,
        max_features: float | str | None = 1.0,
        min_samples_leaf: int = 1,
        max_depth: int | None = None,
        learning_rate: float = 0.05,
        max_iter: int = 300,
        n_members: int = 5,
        class_weight: str | None = None,
        n_jobs: int | None = None,
        random_state: int = 0,
        max_selected_features: int | None = None,
        point_estimate: str = "mean",
    ) -> None:
        self.kind = kind
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_members = n_members
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.max_selected_features = max_selected_features
        self.point_estimate = point_estimate

    _classifier = False

    def params_read(self) -> tuple[str, ...]:
        """The parameters this kind of ensemble reads (:data:`FOREST_PARAMS` or
        :data:`BOOSTER_PARAMS`, ``class_weight`` for a classifier, ``point_estimate`` for a forest
        regressor); the others do nothing in it."""
        read = FOREST_PARAMS if self._forest_kind() else BOOSTER_PARAMS
        if self._classifier:
            return (*read, "class_weight")
        return (*read, "point_estimate") if self._forest_kind() else read

    def _forest_kind(self) -> bool:
        return self.kind != "gradient_boosting"

    def _forest(self):
        common = dict(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            max_depth=self.max_depth,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        if self._classifier:
            cls = RandomForestClassifier if self.kind == "random_forest" else ExtraTreesClassifier
            return cls(class_weight=self.class_weight, **common)
        cls = RandomForestRegressor if self.kind == "random_forest" else ExtraTreesRegressor
        return cls(**common)

    def _booster(self, seed: int):
        common = dict(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_depth=self.max_depth,
            min_samples_leaf=max(self.min_samples_leaf, 2),
            random_state=seed,
        )
        if self._classifier:
            return HistGradientBoostingClassifier(class_weight=self.class_weight, **common)
        return HistGradientBoostingRegressor(loss="squared_error", **common)

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None):
        _check_kind(self.kind)
        self._validate_params()
        self.__dict__.pop("_trees", None)  # the arrays of a previous fit
        if self.point_estimate != "mean" and (self._classifier or not self._forest_kind()):
            raise ValueError(f"point_estimate {self.point_estimate!r} needs a forest regressor")
        self.leaf_members_ = None
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with len(y) rows, got {X.shape} and {len(y)}")
        self.n_features_in_ = X.shape[1]
        self.imputer_ = MedianImputer().fit(X)
        Xi = self.imputer_.transform(X)
        self.support_ = self._select_features(Xi, y, sample_weight)
        if self.support_ is not None:
            Xi = Xi[:, self.support_]
        if self._forest_kind():
            self.members_ = [fit_forest(self._forest(), Xi, y, sample_weight)]
            if self.point_estimate == "quantile_forest":
                self.leaf_members_ = LeafMembers.of(self._tree_arrays(), Xi, y, sample_weight)
            return self
        # Gradient boosting: a bagged ensemble of boosters; their spread is the uncertainty.
        rng = np.random.default_rng(self.random_state)
        self.members_ = []
        with threadpool_limits(openmp_threads(self.n_jobs), user_api="openmp"):
            for m in range(self.n_members):
                idx = rng.integers(0, len(y), len(y))
                if self._classifier and len(np.unique(y[idx])) < 2:
                    idx = np.arange(len(y))
                sw = None if sample_weight is None else np.asarray(sample_weight)[idx]
                booster = self._booster(int(self.random_state) * 1000 + m)
                self.members_.append(booster.fit(Xi[idx], y[idx], sample_weight=sw))
        return self

    def _select_features(
        self, Xi: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
    ) -> np.ndarray | None:
        """Column positions (sorted) of the ``max_selected_features`` largest impurity importances
        of a first forest with the same settings and seed on the same rows; None keeps every column."""
        k = self.max_selected_features
        if k is None:
            return None
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"max_selected_features must be an integer >= 1 or None, got {k!r}")
        if not self._forest_kind():
            raise ValueError("max_selected_features needs a forest's impurity importances")
        if k >= Xi.shape[1]:
            return None
        importance = fit_forest(self._forest(), Xi, y, sample_weight).feature_importances_
        return np.sort(np.argsort(-importance, kind="stable")[:k])

    def _mean_std(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Point (the mean over members, or the ``point_estimate``) and spread over members, in
        row chunks (bounded memory for large batches)."""
        X = np.asarray(X, dtype=np.float64)
        mean, std = np.empty(len(X)), np.empty(len(X))
        for start in range(0, len(X), PREDICT_CHUNK):
            rows = slice(start, start + PREDICT_CHUNK)
            mean[rows], std[rows] = self._point_spread(X[rows])
        return mean, std

    def _point_spread(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_mean_std` of one chunk (module ``tree_point_estimates``)."""
        if self.point_estimate == "quantile_forest":
            nodes = self._tree_arrays().apply_each(self._columns(X))
            spread = member_mean_std(self._tree_arrays().value[nodes])[1]
            return self.leaf_members_.median(nodes), spread
        outputs = self._member_outputs(X)
        mean, spread = member_mean_std(outputs)
        return (tree_median(outputs) if self.point_estimate == "median_of_trees" else mean), spread

    def _columns(self, X: np.ndarray) -> np.ndarray:
        """``X`` imputed, on the columns the members were fitted on."""
        check_is_fitted(self, "members_")
        Xi = self.imputer_.transform(np.asarray(X, dtype=np.float64))
        return Xi if self.support_ is None else Xi[:, self.support_]

    def _member_outputs(self, X: np.ndarray) -> np.ndarray:
        """Per-tree (forests) or per-booster outputs, shape (n_outputs, n_rows)."""
        Xi = self._columns(X)
        if self._forest_kind():
            trees = self._tree_arrays()
            if trees is None:  # a classifier that never saw class 1
                return np.zeros((len(self.members_[0].estimators_), len(Xi)))
            return trees.predict_each(Xi)
        with threadpool_limits(openmp_threads(self.n_jobs), user_api="openmp"):
            if self._classifier:
                return np.stack([self._booster_positive(b, Xi) for b in self.members_])
            return np.stack([b.predict(Xi) for b in self.members_])

    def _tree_arrays(self) -> TreeArrays | None:
        """The forest's trees as arrays (built at first use, not pickled): each tree's value, or
        its probability of class 1 (None when the forest never saw class 1)."""
        trees = self.__dict__.get("_trees")
        if trees is None:
            forest = self.members_[0]
            column = 0
            if self._classifier:
                classes = list(forest.classes_)
                if 1 not in classes:
                    return None
                column = classes.index(1)
            trees = self.__dict__["_trees"] = TreeArrays.from_sklearn(forest.estimators_, column)
        return trees

    def __getstate__(self) -> dict:
        return {k: v for k, v in super().__getstate__().items() if k != "_trees"}

    @staticmethod
    def _booster_positive(booster, Xi: np.ndarray) -> np.ndarray:
        classes = list(booster.classes_)
        if 1 not in classes:
            return np.zeros(len(Xi))
        return booster.predict_proba(Xi)[:, classes.index(1)]

    @property
    def feature_importances_(self) -> np.ndarray:
        """Impurity importances (forests; 0 for columns not selected) or NaN (boosters have none;
        use permutation importance), one per input column."""
        check_is_fitted(self, "members_")
        if self.kind == "gradient_boosting":
            return np.full(self.n_features_in_, np.nan)
        if self.support_ is None:
            return self.members_[0].feature_importances_
        out = np.zeros(self.n_features_in_)
        out[self.support_] = self.members_[0].feature_importances_
        return out


class TreeEnsembleRegressor(RegressorMixin, _TreeEnsemble):
    """Random forest, extra trees or bagged gradient boosting for regression.

    Parameters
    ----------
    kind : {"random_forest", "extra_trees", "gradient_boosting"}
    n_estimators : int
        Trees of a forest.
    max_features : float, str or None
        Features tried per split (forests).
    min_samples_leaf, max_depth : int
    learning_rate, max_iter : float, int
        Gradient boosting only (``HistGradientBoostingRegressor``).
    n_members : int
        Gradient boosting only: boosters, each on a bootstrap sample.
    n_jobs : int, optional
        Forests: joblib workers. Gradient boosting: OpenMP threads of each booster (``None``: one,
        ``-1``: all cores).
    random_state : int
    max_selected_features : int, optional
        Forests only: fit on the columns with the largest impurity importances of a first forest
        (same settings and seed, same rows; fitted attribute ``support_``). None: every column.
    point_estimate : {"mean", "median_of_trees", "quantile_forest"}
        Forests only: what :meth:`predict_dist` gives as the prediction (the spread is the trees'
        in every case): the trees' mean, their median, or the quantile regression forest's median
        (:mod:`~electroscreen.models.tree_point_estimates`).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = X[:, 0]
    >>> model = TreeEnsembleRegressor(n_estimators=20).fit(X, y)
    >>> mean, std = model.predict_dist(X[:2]); mean.shape, bool((std >= 0).all())
    ((2,), True)
    """

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> TreeEnsembleRegressor:
        """Fit the members on ``X`` (n, d) and ``y`` (n,); returns self."""
        return self._fit(X, np.asarray(y, dtype=np.float64), sample_weight)

    def predict_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prediction (``point_estimate``: by default the mean over the members) and standard
        deviation over the members, each shape (n,)."""
        return self._mean_std(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The prediction of :meth:`predict_dist`, shape (n,)."""
        return self.predict_dist(X)[0]


class TreeEnsembleClassifier(ClassifierMixin, _TreeEnsemble):
    """Binary tree-ensemble classifier with the spread of the members' probabilities.

    Labels are 0/1; ``predict_proba`` returns columns for classes ``[0, 1]``.
    """

    _classifier = True

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> TreeEnsembleClassifier:
        """Fit the members on ``X`` (n, d) and 0/1 labels ``y`` (n,) (ValueError otherwise); returns
        self."""
        y = np.asarray(y, dtype=np.int64)
        if not np.isin(y, (0, 1)).all():
            raise ValueError("labels must be 0 or 1")
        self.classes_ = np.array([0, 1])
        return self._fit(X, y, sample_weight)

    def predict_proba_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probability of class 1 (mean over members) and its spread."""
        return self._mean_std(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of classes 0 and 1, shape (n, 2)."""
        p = self.predict_proba_dist(X)[0]
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Label 1 where the probability of class 1 is at least 0.5, else 0; shape (n,)."""
        return (self.predict_proba_dist(X)[0] >= 0.5).astype(np.int64)
