"""An ensemble of existing estimators, each on its own feature block: the mean of their predictions.

Estimator ``averaged`` of :class:`~electroscreen.models.predictor.CandidatePredictor`. The predictor
featurizes the union of the members' featurizers once (its own ``featurizers`` list); each member
is fitted on the columns of its own featurizers and predicts ``log10 sigma``; the ensemble predicts
the (weighted) mean of the members. It is one regressor with ``predict_dist``, so everything the
predictor does around an estimator applies unchanged to the *averaged* prediction: the conformal
intervals (:class:`~electroscreen.models.uncertainty.ConformalRegressor` calibrates the residuals of
the mean), the novelty distance (on the whole design, every member's columns), the Arrhenius
activation-energy forest (on the whole design), pickling and the MLflow pyfunc model.

The spread is that of the weighted mixture of the members' predictive distributions:
``var = sum_k w_k (sd_k^2 + (mu_k - mu)^2)`` with ``mu = sum_k w_k mu_k``: each member's own
ensemble spread plus the members' disagreement. The weights ``w_k`` are the members' ``weight``
entries normalised to sum 1 (default: equal weights, the plain mean).

Config (``configs/conductivity_ensemble.yaml``)::

    featurizers: [magpie, electrolyte, element_fractions]
    estimator: averaged
    estimator_params:
      members:
        - {estimator: random_forest, featurizers: [magpie, electrolyte], params: {n_estimators: 150}}
        - {estimator: attention, featurizers: [element_fractions], params: {epochs: 40}, weight: 1.0}

A member is any descriptor regressor of :data:`~electroscreen.models.predictor.ESTIMATORS` (not
``graph``: it reads structures, not a feature matrix; not ``averaged`` itself). Its ``params`` are
its ``__init__`` arguments; its seed is the predictor's unless its params set ``random_state``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from electroscreen.models.estimators import ESTIMATORS
from electroscreen.models.member_specs import check_member_spec
from electroscreen.models.rowwise import row_dot

__all__ = ["AveragedRegressor", "build_averaged", "check_members", "member_estimators"]

#: Keys of one member spec.
MEMBER_KEYS = {"estimator", "featurizers", "params", "weight"}
#: Estimators that cannot be members (no feature matrix, or nesting).
NOT_MEMBERS = ("graph", "averaged")
#: Estimators that can (a classifier among them is then refused by its builder: not a regressor).
MEMBER_ESTIMATORS = tuple(e for e in ESTIMATORS if e not in NOT_MEMBERS)


def check_members(params: Mapping | None, featurizers: Sequence[str]) -> list[dict]:
    """The validated member specs of ``estimator_params`` (raises ``ValueError`` naming the member).

    Parameters
    ----------
    params : dict
        The predictor's ``estimator_params``: ``{"members": [spec, ...]}``, each spec a dict with
        ``estimator`` (str), ``featurizers`` (list of str, a subset of ``featurizers``), optional
        ``params`` (dict) and ``weight`` (float > 0, default 1).
    featurizers : sequence of str
        The predictor's featurizer names (the columns of the design, in this order).

    Returns
    -------
    list of dict
        Specs with every key filled in.
    """
    params = dict(params or {})
    extra = set(params) - {"members"}
    if extra:
        raise ValueError(f"averaged: estimator_params takes only 'members', not {sorted(extra)}")
    members = params.get("members")
    if not isinstance(members, list | tuple) or len(members) < 2:
        raise ValueError("averaged: estimator_params.members must list at least two members")
    out = []
    for i, spec in enumerate(members):
        where = f"averaged: member {i}"
        check_member_spec(where, spec, MEMBER_KEYS, MEMBER_ESTIMATORS)
        name = spec["estimator"]
        feats = list(spec.get("featurizers") or [])
        missing = [f for f in feats if f not in featurizers]
        if not feats or missing:
            raise ValueError(
                f"{where} ({name}): featurizers {feats} must be a non-empty subset of the "
                f"predictor's featurizers {list(featurizers)}"
            )
        weight = float(spec.get("weight", 1.0))
        if not np.isfinite(weight) or weight <= 0:
            raise ValueError(f"{where} ({name}): weight must be positive, got {weight}")
        out.append(
            {"estimator": name, "featurizers": feats, "params": dict(spec.get("params") or {}),
             "weight": weight}
        )  # fmt: skip
    return out


def member_estimators(params: Mapping | None) -> list[str]:
    """Estimator names of the members (empty when ``params`` has none); no validation."""
    members = dict(params or {}).get("members") or []
    return [str(m.get("estimator")) for m in members if isinstance(m, Mapping)]


def build_averaged(
    params: Mapping | None,
    blocks: Mapping[str, np.ndarray],
    build: Callable[[str, dict], BaseEstimator],
) -> AveragedRegressor:
    """The unfitted :class:`AveragedRegressor` of ``estimator_params``.

    Parameters
    ----------
    params : dict
        ``estimator_params`` (see :func:`check_members`).
    blocks : dict of str to ndarray of int
        Column positions of each featurizer in the predictor's design.
    build : callable
        ``build(estimator_name, params) -> estimator`` (the predictor's ``build_estimator``).
    """
    specs = check_members(params, list(blocks))
    return AveragedRegressor(
        members=[(s["estimator"], build(s["estimator"], s["params"])) for s in specs],
        columns=[np.concatenate([blocks[f] for f in s["featurizers"]]) for s in specs],
        weights=[s["weight"] for s in specs],
    )


class AveragedRegressor(RegressorMixin, BaseEstimator):
    """Weighted mean of regressors, each fitted on its own columns of ``X``.

    Parameters
    ----------
    members : list of (str, estimator)
        Named regressors with ``fit(X, y[, sample_weight][, censored])`` and
        ``predict_dist(X) -> (mean, std)``; cloned at fit.
    columns : list of ndarray of int, optional
        Columns of ``X`` each member reads (default: all columns for every member).
    weights : list of float, optional
        Member weights (normalised to sum 1; default equal).

    Attributes
    ----------
    members_ : list of estimator
        The fitted members.
    weights_ : ndarray of shape (n_members,)

    Examples
    --------
    >>> import numpy as np
    >>> from electroscreen.models.sklearn_models import TreeEnsembleRegressor
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(80, 4)); y = X[:, 0] + X[:, 3]
    >>> model = AveragedRegressor(
    ...     [("a", TreeEnsembleRegressor(n_estimators=10)), ("b", TreeEnsembleRegressor(n_estimators=10))],
    ...     columns=[np.array([0, 1]), np.array([2, 3])],
    ... ).fit(X, y)
    >>> mu, sd = model.predict_dist(X[:3]); mu.shape, sd.shape
    ((3,), (3,))
    """

    def __init__(
        self,
        members: Sequence[tuple[str, BaseEstimator]],
        columns: Sequence[np.ndarray] | None = None,
        weights: Sequence[float] | None = None,
    ) -> None:
        self.members = members
        self.columns = columns
        self.weights = weights

    def _validate(self, n_features: int) -> tuple[list[np.ndarray], np.ndarray]:
        k = len(self.members)
        if k == 0:
            raise ValueError("AveragedRegressor needs at least one member")
        columns = (
            [np.arange(n_features)] * k
            if self.columns is None
            else [np.asarray(c, dtype=np.int64) for c in self.columns]
        )
        if len(columns) != k:
            raise ValueError(f"{k} members but {len(columns)} column sets")
        for (name, _), cols in zip(self.members, columns, strict=True):
            if not len(cols) or cols.min() < 0 or cols.max() >= n_features:
                raise ValueError(f"member {name!r}: columns outside 0..{n_features - 1}")
        w = np.ones(k) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        if w.shape != (k,) or not np.all(np.isfinite(w)) or (w <= 0).any():
            raise ValueError(f"weights must be {k} positive numbers, got {self.weights}")
        return columns, w / w.sum()

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        censored: np.ndarray | None = None,
    ) -> AveragedRegressor:
        """Fit every member on its columns.

        Parameters
        ----------
        X : ndarray of shape (n, n_features)
            The design (may hold NaN where a member's estimator imputes it).
        y : ndarray of shape (n,)
        sample_weight : ndarray of shape (n,), optional
            Passed to members whose ``fit`` takes it.
        censored : ndarray of bool, shape (n,), optional
            Upper-bound rows, passed to members whose ``fit`` takes it (Tobit losses).
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with one row per target: {X.shape}, {len(y)} targets")
        columns, self.weights_ = self._validate(X.shape[1])
        self.columns_ = columns
        self.n_features_in_ = X.shape[1]
        self.members_ = []
        for (_, estimator), cols in zip(self.members, columns, strict=True):
            model = clone(estimator)
            accepts = inspect.signature(model.fit).parameters
            kwargs = {}
            if sample_weight is not None and "sample_weight" in accepts:
                kwargs["sample_weight"] = sample_weight
            if censored is not None and "censored" in accepts:
                kwargs["censored"] = censored
            self.members_.append(model.fit(X[:, cols], y, **kwargs))
        return self

    def predict_members(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each member's ``(mean, std)``, both of shape ``(n_members, n)``."""
        if not hasattr(self, "members_"):
            raise ValueError("the ensemble is not fitted: call fit(X, y) first")
        X = np.asarray(X, dtype=np.float64)
        pairs = [m.predict_dist(X[:, c]) for m, c in zip(self.members_, self.columns_, strict=True)]
        mu = np.array([np.asarray(p[0], dtype=np.float64) for p in pairs])
        sd = np.array([np.asarray(p[1], dtype=np.float64) for p in pairs])
        return mu, sd

    def predict_dist(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean of the members and the mixture spread (module docstring), shape ``(n,)``."""
        mu_k, sd_k = self.predict_members(X)
        mu = row_dot(mu_k.T, self.weights_)
        var = row_dot((sd_k**2 + (mu_k - mu) ** 2).T, self.weights_)
        return mu, np.sqrt(var)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Weighted mean of the members, shape (n,) (the first output of :meth:`predict_dist`)."""
        return self.predict_dist(X)[0]

    @property
    def feature_importances_(self) -> np.ndarray:
        """Members' impurity importances on their columns, weighted by the members' weights.

        Members without importances (torch networks) contribute nothing, and the vector is
        renormalised over those that have them. ``AttributeError`` when none has.
        """
        out = np.zeros(self.n_features_in_)
        total = 0.0
        for model, cols, w in zip(self.members_, self.columns_, self.weights_, strict=True):
            try:
                values = np.asarray(model.feature_importances_, dtype=np.float64)
            except (AttributeError, ValueError):
                continue
            if len(values) == len(cols):
                out[cols] += w * values
                total += w
        if total == 0.0:
            raise AttributeError("no member of the ensemble has feature importances")
        return out / total

    def to(self, device: str) -> AveragedRegressor:
        """Move the torch members (if any) to ``device``; returns ``self``."""
        for model in getattr(self, "members_", []):
            if callable(getattr(model, "to", None)):
                model.to(device)
        return self
