"""Two classifiers and a gate: the one that memorises near the training data, the other far from it.

Estimator ``gated`` of :class:`~electroscreen.models.predictor.CandidatePredictor` (air stability).
A forest on many descriptors ranks compositions of a known family well (it recalls their labelled
neighbours) and a family it never saw badly; a logistic model on a few chemical descriptors ranks
both moderately. :class:`GatedClassifier` predicts

    p = w * p_near + (1 - w) * p_far,   w = exp(-(d / gate_scale) ** 2),

where ``d`` is the candidate's novelty on the *near* member's columns
(:class:`~electroscreen.models.novelty.FeatureNovelty`: mean distance to the 5 nearest training rows,
standardised features). A candidate next to labelled rows gets the near member's probability, one
far from all of them the far member's. With ``recall_scale`` (the default config's 0.05), the
weight is at least the nearest training row's own gate,

    w = max(exp(-(d / gate_scale) ** 2), exp(-(d1 / recall_scale) ** 2)),

``d1`` the distance to the nearest training row: a composition labelled once, with no close
labelled neighbours, is scored by the member that recalls its label, not by the far one
(audit_halide F3: LiI, labelled ``unstable``, scored 0.82), and so, continuously, is a composition
a dopant step from it (LiI0.99Br0.01 lies 0.008 from LiI: weight 0.98); a ten-per-cent substitution
(LiI0.9Br0.1, 0.08 away) gets 0.085 from it, a family step (LiBr, 0.87) nothing.
The spread is that of the two-component mixture:
``var = w sd_near^2 + (1 - w) sd_far^2 + w (1 - w) (p_near - p_far)^2``.

Members trained with ``class_weight: balanced`` estimate the odds of a training set with equal
classes. ``calibration: prior`` moves each member's probability to the class frequency of the rows
fitted, ``logit p + ln(n1 / n0)`` (the prior-shift correction; spreads by the same map's slope),
before the blend; ``none`` (the default) keeps the balanced probabilities
(benchmarks/README.md, issue 18, twelfth session: Brier against ranking).

Config (the default ``configs/air_stability.yaml``)::

    featurizers: [moisture]
    estimator: gated
    estimator_params:
      gate_scale: 0.5
      recall_scale: 0.05
      near: {estimator: random_forest, params: {n_estimators: 100}}
      far: {estimator: logistic, features: [rxn_h2o_ev_per_atom, borane_cluster], params: {C: 100.0}}

A member reads the columns named in its ``features`` (design feature names, a non-empty list;
without the key: every column).
Its ``estimator`` is ``random_forest``, ``extra_trees``, ``gradient_boosting``, ``logistic`` or
``mlp``; its seed is the predictor's unless its params set ``random_state``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Real

import numpy as np
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from electroscreen.data.legacy_state import LegacyStateMixin
from electroscreen.models.member_specs import check_member_spec
from electroscreen.models.novelty import FeatureNovelty

__all__ = ["GatedClassifier", "build_gated", "check_gated"]

#: The two members, the gate's scale, the nearest row's recall scale and the calibration: the keys
#: of ``estimator_params``.
PARAM_KEYS = {"near", "far", "gate_scale", "recall_scale", "calibration"}
#: Values of ``calibration``.
CALIBRATIONS = ("none", "prior")
#: Keys of one member spec.
MEMBER_KEYS = {"estimator", "features", "params"}
#: Classifiers that can be members.
MEMBER_ESTIMATORS = ("random_forest", "extra_trees", "gradient_boosting", "logistic", "mlp")


def check_gated(params: Mapping | None, feature_names: Sequence[str]) -> dict:
    """The validated ``estimator_params`` of ``gated`` (raises ``ValueError`` naming the problem).

    Parameters
    ----------
    params : dict
        ``{"near": spec, "far": spec, "gate_scale": float > 0, "recall_scale": float > 0 | None,
        "calibration": "none" | "prior"}``;
        a spec is a dict with ``estimator`` (one of :data:`MEMBER_ESTIMATORS`), optional
        ``features`` (a non-empty list of design feature names; without it, every column) and
        ``params`` (a mapping of its ``__init__`` arguments).
    feature_names : sequence of str
        The predictor's design columns.

    Returns
    -------
    dict
        ``gate_scale``, ``recall_scale`` (default None: off), ``calibration`` and, per member,
        ``estimator``, ``columns`` (positions) and ``params``.
    """
    params = dict(params or {})
    unknown = set(params) - PARAM_KEYS
    if unknown or not {"near", "far"} <= set(params):
        raise ValueError(
            f"gated: estimator_params needs 'near' and 'far' (optional 'gate_scale', "
            "'recall_scale', 'calibration'); "
            f"got {sorted(params)}"
        )
    scale = params.get("gate_scale", 1.0)
    if not _positive(scale):
        raise ValueError(f"gated: gate_scale must be a positive number, got {scale!r}")
    recall = params.get("recall_scale")
    if recall is not None and not _positive(recall):
        raise ValueError(f"gated: recall_scale must be a positive number or null, got {recall!r}")
    calibration = params.get("calibration", "none")
    if calibration not in CALIBRATIONS:
        raise ValueError(f"gated: calibration must be one of {CALIBRATIONS}: {calibration!r}")
    out: dict = {
        "gate_scale": float(scale),
        "recall_scale": None if recall is None else float(recall),
        "calibration": calibration,
    }
    for role in ("near", "far"):
        out[role] = _member(role, params[role], list(feature_names))
    return out


def _positive(value: object) -> bool:
    """A finite number above 0, not a bool."""
    return not isinstance(value, bool) and isinstance(value, Real) and 0 < value < np.inf


def _member(role: str, spec: object, names: list[str]) -> dict:
    """One checked member of :func:`check_gated`: ``estimator``, ``columns`` and ``params``."""
    check_member_spec(f"gated: {role}", spec, MEMBER_KEYS, MEMBER_ESTIMATORS)
    name = spec["estimator"]
    features = spec.get("features")
    if features is None:
        features = names
    elif isinstance(features, str) or not isinstance(features, Sequence) or not features:
        # an empty list is a mistake, never "every column" (leave the key out for that)
        raise ValueError(
            f"gated: {role}: features must be a non-empty list of design columns, got {features!r}"
        )
    missing = [f for f in features if f not in names]
    if missing:
        raise ValueError(f"gated: {role}: features {missing} are not design columns {names}")
    params = spec.get("params") or {}
    if not isinstance(params, Mapping):
        raise ValueError(f"gated: {role}: params must be a mapping, got {type(params).__name__}")
    return {
        "estimator": name,
        "columns": np.array([names.index(f) for f in features], dtype=np.int64),
        "params": dict(params),
    }


def build_gated(
    params: Mapping | None,
    feature_names: Sequence[str],
    build: Callable[[str, dict], BaseEstimator],
) -> GatedClassifier:
    """The unfitted :class:`GatedClassifier` of ``estimator_params`` (see :func:`check_gated`);
    ``build(estimator_name, params)`` makes each member (the predictor's ``build_estimator``)."""
    spec = check_gated(params, feature_names)
    near, far = spec["near"], spec["far"]
    return GatedClassifier(
        near=build(near["estimator"], near["params"]),
        far=build(far["estimator"], far["params"]),
        near_columns=near["columns"],
        far_columns=far["columns"],
        gate_scale=spec["gate_scale"],
        calibration=spec["calibration"],
        recall_scale=spec["recall_scale"],
    )


class GatedClassifier(LegacyStateMixin, ClassifierMixin, BaseEstimator):
    """The near member's probability close to the training rows, the far member's away from them.

    Parameters
    ----------
    near, far : estimator
        Binary classifiers with ``fit(X, y[, sample_weight])`` and
        ``predict_proba_dist(X) -> (p, sd)``; cloned at fit.
    near_columns, far_columns : ndarray of int, optional
        Columns of ``X`` each reads (default: all). The gate measures novelty on ``near_columns``.
    gate_scale : float, default 1.0
        Novelty (standardised units) at which the near member's weight has fallen to 1/e.
    n_neighbors : int, default 5
        Training rows averaged by the novelty.
    calibration : {"none", "prior"}, default "none"
        ``"prior"``: each member's probability is moved from equal classes to the class frequency
        of the fitted rows (``logit p + ln(n1 / n0)``) before the blend.
    recall_scale : float, optional
        Distance to the nearest training row (standardised units) at which the near member's
        weight from it has fallen to 1/e: the weight is the larger of the two gates, so a row at
        a training row's own features gets 1 whatever its 5 nearest rows. None (the default): off,
        as for a model pickled before it.

    Attributes
    ----------
    near_, far_ : estimator
        The fitted members.
    novelty_ : FeatureNovelty
        Fitted on the near member's columns of the training rows.
    prior_log_odds_ : float
        ``ln(n1 / n0)`` of the fitted rows with ``calibration="prior"``, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from electroscreen.models.linear_models import LogisticEnsembleClassifier
    >>> from electroscreen.models.sklearn_models import TreeEnsembleClassifier
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(120, 3)); y = (X[:, 0] > 0).astype(int)
    >>> model = GatedClassifier(
    ...     TreeEnsembleClassifier(n_estimators=20), LogisticEnsembleClassifier(n_members=2),
    ...     gate_scale=0.5,
    ... ).fit(X, y)
    >>> w = model.gate_weight(np.array([X[0], X[0] + 100.0])); bool(w[0] > 0.5 and w[1] < 1e-6)
    True
    >>> model.set_params(recall_scale=0.05).gate_weight(X[:1]).tolist()  # a training row itself
    [1.0]
    """

    #: A model pickled before ``calibration`` (2026-12-06) or ``recall_scale`` (2026-12-07)
    #: existed: no calibration (a shift of 0) and no recall, its behaviour then.
    _legacy_state = {"calibration": "none", "recall_scale": None, "prior_log_odds_": 0.0}

    def __init__(
        self,
        near: BaseEstimator,
        far: BaseEstimator,
        near_columns: np.ndarray | None = None,
        far_columns: np.ndarray | None = None,
        gate_scale: float = 1.0,
        n_neighbors: int = 5,
        calibration: str = "none",
        recall_scale: float | None = None,
    ) -> None:
        self.near = near
        self.far = far
        self.near_columns = near_columns
        self.far_columns = far_columns
        self.gate_scale = gate_scale
        self.n_neighbors = n_neighbors
        self.calibration = calibration
        self.recall_scale = recall_scale

    def _columns(self, columns: np.ndarray | None, n_features: int) -> np.ndarray:
        if columns is None:
            return np.arange(n_features)
        columns = np.asarray(columns, dtype=np.int64)
        if not len(columns) or columns.min() < 0 or columns.max() >= n_features:
            raise ValueError(f"member columns must lie in 0..{n_features - 1}: {columns}")
        return columns

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> GatedClassifier:
        """Fit both members on their columns and the gate's novelty on the near member's.

        Parameters
        ----------
        X : ndarray of shape (n, n_features)
        y : ndarray of shape (n,)
            0/1 labels.
        sample_weight : ndarray of shape (n,), optional
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with one row per label: {X.shape}, {len(y)} labels")
        if not _positive(self.gate_scale):
            raise ValueError(f"gate_scale must be a positive number, got {self.gate_scale}")
        if self.recall_scale is not None and not _positive(self.recall_scale):
            raise ValueError(f"recall_scale must be a positive number or None: {self.recall_scale}")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}: {self.calibration!r}")
        counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=2)
        self.prior_log_odds_ = (
            float(np.log(counts[1] / counts[0])) if self.calibration == "prior" else 0.0
        )
        self.n_features_in_ = X.shape[1]
        self.near_columns_ = self._columns(self.near_columns, X.shape[1])
        self.far_columns_ = self._columns(self.far_columns, X.shape[1])
        self.near_ = clone(self.near).fit(X[:, self.near_columns_], y, sample_weight=sample_weight)
        self.far_ = clone(self.far).fit(X[:, self.far_columns_], y, sample_weight=sample_weight)
        self.novelty_ = FeatureNovelty(self.n_neighbors).fit(X[:, self.near_columns_])
        self.classes_ = np.array([0, 1])
        return self

    def gate_weight(self, X: np.ndarray) -> np.ndarray:
        """The near member's weight ``exp(-(d / gate_scale)^2)`` per row, shape ``(n,)``; with
        ``recall_scale``, at least ``exp(-(d1 / recall_scale)^2)``, ``d1`` the distance to the
        nearest training row (1 at a training row's own features)."""
        check_is_fitted(self, "novelty_")
        X = np.asarray(X, dtype=np.float64)
        near = X[:, self.near_columns_]
        if self.recall_scale is None:
            return np.exp(-((self.novelty_.distance(near) / self.gate_scale) ** 2))
        # both distances from one search of the training rows (FeatureNovelty.distances)
        novelty, nearest = self.novelty_.distances(near)
        weight = np.exp(-((novelty / self.gate_scale) ** 2))
        return np.maximum(weight, np.exp(-((nearest / self.recall_scale) ** 2)))

    def predict_proba_dist(
        self, X: np.ndarray, weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Probability of class 1 and the mixture spread, both of shape ``(n,)``; ``weight``:
        :meth:`gate_weight` of ``X`` when already computed (the predictor's notes need it too)."""
        check_is_fitted(self, "novelty_")
        X = np.asarray(X, dtype=np.float64)
        shift = self.prior_log_odds_
        p_near, sd_near = _shifted(*self.near_.predict_proba_dist(X[:, self.near_columns_]), shift)
        p_far, sd_far = _shifted(*self.far_.predict_proba_dist(X[:, self.far_columns_]), shift)
        w = self.gate_weight(X) if weight is None else np.asarray(weight, dtype=np.float64)
        p = w * p_near + (1 - w) * p_far
        var = w * sd_near**2 + (1 - w) * sd_far**2 + w * (1 - w) * (p_near - p_far) ** 2
        return p, np.sqrt(var)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of classes 0 and 1, shape (n, 2)."""
        p = self.predict_proba_dist(X)[0]
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Label 1 where the probability of class 1 is at least 0.5, else 0; shape (n,)."""
        return (self.predict_proba_dist(X)[0] >= 0.5).astype(np.int64)


def _shifted(p: np.ndarray, sd: np.ndarray, log_odds: float) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities with ``log_odds`` added to their logit, and spreads times that map's slope
    ``q (1 - q) / (p (1 - p))`` (1 at p = 0 or 1, which the map keeps); unchanged for 0."""
    if log_odds == 0.0:
        return p, sd
    inside = (p > 0) & (p < 1)
    pc = np.where(inside, p, 0.5)
    q = np.where(inside, expit(logit(pc) + log_odds), p)
    slope = np.where(inside, q * (1 - q) / (pc * (1 - pc)), 1.0)
    return q, sd * slope
