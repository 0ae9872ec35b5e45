"""Checks of a :class:`~electroscreen.models.predictor.CandidatePredictor`'s parameters, in one place.

Run by every entry point that uses the parameters (``featurize``, ``fit``, ``predict``), so a bad
value fails before any work with a message naming the parameter, as scikit-learn estimators do at
``fit``.
"""

from __future__ import annotations

from electroscreen.models.estimators import ESTIMATORS
from electroscreen.models.label_weights import check_label_weights
from electroscreen.models.row_groups import conformal_groupings
from electroscreen.models.tasks import Task, get_task
from electroscreen.models.temperature import TEMPERATURE_MODELS

__all__ = ["CONFORMAL_METHODS", "check_predictor_params", "predictor_config"]

CONFORMAL_METHODS = ("auto", "cv", "split")


def check_predictor_params(params: dict) -> Task:
    """Check a predictor's parameters (``get_params(deep=False)``) and return its task.

    Raises
    ------
    ValueError
        Naming the parameter and the accepted values.
    """
    task = get_task(params["task"])
    estimator, featurizers = params["estimator"], params["featurizers"]
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose from {ESTIMATORS}")
    if estimator == "graph" and len(featurizers):
        raise ValueError("the graph network reads structures: use featurizers=[]")
    if estimator != "graph" and not len(featurizers):
        raise ValueError("descriptor models need at least one featurizer")
    if params["conformal_method"] not in CONFORMAL_METHODS:
        raise ValueError(
            f"conformal_method must be auto, cv or split: {params['conformal_method']!r}"
        )
    conformal_groupings(params["conformal_groups"])  # raises on a bad conformal_groups
    temperature_model = params["temperature_model"]
    if temperature_model not in TEMPERATURE_MODELS:
        raise ValueError(
            f"temperature_model must be one of {TEMPERATURE_MODELS}: {temperature_model!r}"
        )
    if temperature_model != "none" and (task.kind != "regression" or estimator == "graph"):
        raise ValueError("temperature_model needs a conductivity model with descriptors")
    if estimator == "graph" and params["conformal_novelty_bins"] > 1:
        raise ValueError("the graph network has no feature matrix: conformal_novelty_bins=1")
    if estimator == "gated" and task.kind != "classification":
        raise ValueError("gated is a classifier pair: use it for air stability")
    if params.get("label_weights") is not None:
        if task.name != "air_stability":
            raise ValueError("label_weights weighs air-stability labels: use it for air stability")
        check_label_weights(params["label_weights"])
    if estimator == "averaged":
        from electroscreen.models.averaged import check_members

        names = [f if isinstance(f, str) else type(f).__name__ for f in featurizers]
        check_members(params["estimator_params"], names)
    return task


def predictor_config(params: dict) -> dict:
    """A predictor's parameters (``get_params(deep=False)``, not changed) in a JSON-friendly copy:
    featurizer instances by class name, ``estimator_params`` a dict."""
    out = dict(params)
    out["featurizers"] = [
        f if isinstance(f, str) else type(f).__name__ for f in params["featurizers"]
    ]
    out["estimator_params"] = dict(params["estimator_params"] or {})
    return out
