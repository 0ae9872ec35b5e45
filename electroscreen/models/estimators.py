"""The estimator names a predictor (or a config) can ask for, and the factory that builds them.

:func:`build_estimator` is the one place an estimator name becomes an unfitted scikit-learn-style
estimator (tree ensembles, the logistic ensemble, the torch MLP / attention / graph networks);
:class:`~electroscreen.models.predictor.CandidatePredictor` calls it for each fit.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Mapping, Sequence
from numbers import Integral

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator

from electroscreen.models.sklearn_models import TreeEnsembleClassifier, TreeEnsembleRegressor
from electroscreen.models.tasks import Task

__all__ = [
    "ESTIMATORS",
    "MissingInterfaceError",
    "REQUIRED_FIT_ARGUMENTS",
    "REQUIRED_METHODS",
    "TORCH_ESTIMATORS",
    "TREE_ESTIMATORS",
    "build_estimator",
    "check_estimator",
    "check_interface",
    "check_param_names",
    "check_param_types",
    "check_param_values",
    "check_params_apply",
    "known_estimator",
    "uses_torch",
]

#: Estimator names a predictor (or a config) can ask for.
ESTIMATORS = (
    "random_forest",
    "extra_trees",
    "gradient_boosting",
    "mlp",
    "graph",
    "logistic",
    "attention",
    "averaged",
    "gated",
)
TREE_ESTIMATORS = ("random_forest", "extra_trees", "gradient_boosting")
#: The torch networks: the only estimators a ``device`` acts on (the others run on the CPU).
TORCH_ESTIMATORS = ("mlp", "attention", "graph")


#: What the pipeline calls on an estimator of each task kind besides ``fit(X, y)``: the method
#: that gives each row's prediction and spread (a regressor's ``predict_dist(X) -> (mean, std)``,
#: read by ``uncertainty.ConformalRegressor`` and ``conformal_folds.score_rows``; a classifier's
#: ``predict_proba_dist(X) -> (p, std)``, read by ``predictor_outputs.predict_columns``), and the
#: ``fit`` arguments it must take (a classifier is always given each row's ``sample_weight``, the
#: air labels' ``1 / rows per composition``; a regressor's ``fit`` may take ``sample_weight`` and
#: ``censored``, given when its signature has them).
REQUIRED_METHODS = {"regression": "predict_dist", "classification": "predict_proba_dist"}
REQUIRED_FIT_ARGUMENTS = {"regression": (), "classification": ("sample_weight",)}


class MissingInterfaceError(ValueError):
    """An estimator lacks a method or ``fit`` argument that the pipeline calls
    (:func:`check_interface`)."""


def check_interface(task: Task, name: str, estimator: BaseEstimator) -> BaseEstimator:
    """``estimator`` if it has what the pipeline calls for ``task`` (:data:`REQUIRED_METHODS`,
    :data:`REQUIRED_FIT_ARGUMENTS`), else :class:`MissingInterfaceError` (a ``ValueError``) naming
    the missing method or argument.

    :func:`build_estimator` applies it to every estimator it builds, members of ``averaged`` and
    ``gated`` included, so a config naming an estimator without it is refused when it loads
    (:func:`check_estimator`), not after training has begun.
    """
    method = REQUIRED_METHODS[task.kind]
    where = f"estimator {name!r} ({type(estimator).__name__})"
    if not callable(getattr(estimator, method, None)):
        shape = "(mean, std)" if task.kind == "regression" else "(p, std)"
        raise MissingInterfaceError(
            f"{where} has no {method}(X) -> {shape} method, which a {task.kind} model needs "
            "(docs/architecture.md, 'A model')"
        )
    fit = getattr(estimator, "fit", None)
    if not callable(fit):
        raise MissingInterfaceError(f"{where} has no fit(X, y) method")
    parameters = inspect.signature(fit).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for argument in REQUIRED_FIT_ARGUMENTS[task.kind]:
        if argument not in parameters and not takes_any:
            raise MissingInterfaceError(
                f"{where}: fit(X, y, {argument}=...) must take {argument!r}, which a "
                f"{task.kind} model is given (docs/architecture.md, 'A model')"
            )
    return estimator


def build_estimator(
    task: Task,
    name: str,
    params: dict | None,
    random_state: int,
    device: str,
    blocks: dict[str, np.ndarray] | None = None,
    feature_names: list[str] | None = None,
) -> BaseEstimator:
    """The unfitted estimator ``name`` for ``task`` with ``params`` (its ``__init__`` arguments).

    ``blocks`` (featurizer name -> its column positions in the design) is needed by ``averaged``
    (:mod:`electroscreen.models.averaged`), whose members each read their featurizers' columns;
    ``feature_names`` (the design's columns) by ``gated`` (:mod:`electroscreen.models.gated`), whose
    members read the columns they name.

    Raises
    ------
    ValueError
        An unknown name, one of the wrong task, or an estimator without the interface the
        pipeline calls (:func:`check_interface`).
    """
    estimator = _build(task, name, params, random_state, device, blocks, feature_names)
    return check_interface(task, name, estimator)


def _build(
    task: Task,
    name: str,
    params: dict | None,
    random_state: int,
    device: str,
    blocks: dict[str, np.ndarray] | None,
    feature_names: list[str] | None,
) -> BaseEstimator:
    """The body of :func:`build_estimator`: the estimator ``name``, not yet checked."""
    regression = task.kind == "regression"

    def member(member_name: str, member_params: dict) -> BaseEstimator:
        """A member of ``gated`` or ``averaged``: built here, with this task, seed and device."""
        return build_estimator(task, member_name, member_params, random_state, device)

    if name == "gated":
        if regression:
            raise ValueError("gated is a classifier pair: use it for air stability")
        from electroscreen.models.gated import build_gated

        return build_gated(params, feature_names or [], member)
    if name == "averaged":
        if not regression:
            raise ValueError("averaged is a regressor ensemble: use it for conductivity")
        from electroscreen.models.averaged import build_averaged

        return build_averaged(params, blocks or {}, member)
    params = dict(params or {})
    params.setdefault("random_state", random_state)
    if name in TREE_ESTIMATORS:
        cls = TreeEnsembleRegressor if regression else TreeEnsembleClassifier
        return cls(kind=name, **params)
    if name == "logistic":
        if regression:
            raise ValueError("logistic is a classifier: use it for air stability")
        from electroscreen.models.linear_models import LogisticEnsembleClassifier

        return LogisticEnsembleClassifier(**params)
    # torch estimators are imported here, not at module level: loading a tree or logistic model
    # (every default) then never imports torch (~2 s of start-up)
    params.setdefault("device", device)
    if name == "mlp":
        from electroscreen.models.torch_mlp import MLPEnsembleClassifier, MLPEnsembleRegressor

        return (MLPEnsembleRegressor if regression else MLPEnsembleClassifier)(**params)
    if name == "attention":
        if not regression:
            raise ValueError("the composition-attention network is a regressor: use conductivity")
        from electroscreen.models.composition_attention import CompositionAttentionRegressor

        return CompositionAttentionRegressor(**params)
    if name == "graph":
        if not regression:
            raise ValueError("the graph network is a regressor: use it for conductivity")
        from electroscreen.models.graph import GraphRegressor

        return GraphRegressor(**params)
    known_estimator(name)  # an unknown name says which there are
    raise ValueError(f"estimator {name!r} has no builder")


def known_estimator(name: str) -> str:
    """``name``, or ``ValueError`` naming the estimators there are."""
    if name not in ESTIMATORS:
        raise ValueError(f"unknown estimator {name!r}; choose from {', '.join(ESTIMATORS)}")
    return name


def uses_torch(name: str, params: Mapping | None) -> bool:
    """Whether estimator ``name`` is a torch network or holds one as a member (``averaged``'s
    ``members``, ``gated``'s ``near`` and ``far``): whether a ``device`` acts on it. No validation.
    """
    from electroscreen.models.averaged import member_estimators

    params = params if isinstance(params, Mapping) else {}
    roles = [params.get(role) for role in ("near", "far")] if name == "gated" else []
    names = {
        name,
        *member_estimators(params),
        *(r.get("estimator") for r in roles if isinstance(r, Mapping)),
    }
    return bool(names & set(TORCH_ESTIMATORS))


def check_estimator(
    task: Task,
    name: str,
    params: dict | None,
    featurizers: Sequence[str] = (),
    feature_names: Sequence[str] = (),
) -> None:
    """Raise ``ValueError`` now for what :func:`build_estimator` or the first fit would refuse.

    That is an unknown estimator (or one of the wrong task), one without the methods the pipeline
    calls (:func:`check_interface`: ``predict_dist`` / ``predict_proba_dist``), unknown
    ``params`` or a boolean given to a parameter that is not a flag (:func:`check_param_names`),
    a parameter that this estimator takes but ignores (:func:`check_params_apply`), a parameter value
    scikit-learn's own constraints refuse (:func:`check_param_values`), a bad member of
    ``averaged`` (:func:`~electroscreen.models.averaged.check_members`) or of ``gated``
    (:func:`~electroscreen.models.gated.check_gated`, against ``feature_names``: the design's
    columns), each member's parameters included.

    Torch estimators are built to check their arguments, so a torch config imports torch here.
    """
    known_estimator(name)
    if name == "averaged" and task.kind == "regression":
        from electroscreen.models.averaged import check_members

        for spec in check_members(params, featurizers):
            check_estimator(task, spec["estimator"], spec["params"])
        return
    if name == "gated" and task.kind != "regression":
        from electroscreen.models.gated import check_gated

        spec = check_gated(params, feature_names)
        for role in ("near", "far"):
            try:
                check_estimator(task, spec[role]["estimator"], spec[role]["params"])
            except ValueError as exc:
                raise ValueError(f"gated: {role}: {exc}") from None
        return
    try:
        check_param_names(build_estimator(task, name, {}, 0, "cpu"), params)
        check_params_apply(task, name, params)
        check_param_values(build_estimator(task, name, params, 0, "cpu"))
    except MissingInterfaceError:
        raise  # says itself which estimator lacks what
    except (TypeError, ValueError) as exc:  # an argument it does not take, or a bad value
        raise ValueError(f"estimator_params of {name}: {exc}") from None


def check_param_names(estimator: BaseEstimator, params: dict | None) -> None:
    """Raise ``ValueError`` for a key of ``params`` that ``estimator``'s ``__init__`` does not take
    (naming the accepted ones and the closest, a typo's likely meaning), or a value of a type its
    annotation does not admit (:func:`check_param_types`).

    The accepted names are those of ``__init__`` less ``kind``, which the estimator name sets; the
    closest is looked up case-insensitively (``c`` -> ``C``).
    """
    signature = inspect.signature(type(estimator).__init__).parameters
    accepted = [p for p in signature if p not in ("self", "kind")]
    for key in params or {}:
        if key not in accepted:
            lower = {name.lower(): name for name in accepted}
            close = difflib.get_close_matches(str(key).lower(), list(lower), n=1)
            hint = f" (did you mean {lower[close[0]]!r}?)" if close else ""
            raise ValueError(f"unknown parameter {key!r}{hint}; accepted: {', '.join(accepted)}")
    check_param_types(estimator, params)


def check_param_types(obj: object, params: Mapping | None) -> None:
    """Raise ``ValueError`` for a value of ``params`` that ``obj``'s ``__init__`` annotation does
    not admit but Python would take: a boolean for a number (``n_estimators: true`` is 1 to
    Python, and to scikit-learn's ``Integral`` check), text for a number or a flag (``lr: "0.1"``,
    ``tobit: "yes"``), a number for a flag (``tobit: 1``), a real for an integer
    (``chunk_size: 64.0``). The items of a list are checked alike; ``None``, unannotated
    parameters and names ``__init__`` does not take are left to ``obj``. A flag is a parameter
    annotated (or defaulting to) ``bool``.
    """
    signature = inspect.signature(type(obj).__init__).parameters
    for key, value in (params or {}).items():
        if key not in signature or signature[key].annotation is inspect.Parameter.empty:
            continue
        hint = signature[key].annotation
        hint = hint if isinstance(hint, str) else getattr(hint, "__name__", str(hint))
        words = set(re.findall(r"\w+", hint))
        flag = "bool" in words or isinstance(signature[key].default, bool)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, bool | np.bool_):
                wrong = not flag
            elif isinstance(item, str):
                wrong = not words & {"str", "Any"}
            elif isinstance(item, int | float | np.number):
                integer = "int" in words and "float" not in words
                wrong = words <= {"bool", "None"} or (integer and not isinstance(item, Integral))
            else:
                wrong = False
            if wrong:
                shown = f"the text {item!r}" if isinstance(item, str) else repr(item)
                if isinstance(item, bool | np.bool_):
                    shown = f"a boolean: {value!r}"
                raise ValueError(f"{key} takes {hint}, not {shown}")


def check_params_apply(task: Task, name: str, params: dict | None) -> None:
    """Raise ``ValueError`` for a key of ``params`` that estimator ``name`` takes but ignores for
    ``task``: ``learning_rate``, ``max_iter`` or ``n_members`` in a forest (gradient boosting
    only), ``n_estimators``, ``max_features``, ``max_selected_features`` or ``point_estimate`` in
    gradient boosting, ``class_weight`` in a regressor, ``point_estimate`` in a classifier. An
    estimator declares what it reads with a ``params_read()`` method (the tree ensembles); one
    without reads every parameter it takes.
    """
    estimator = build_estimator(task, name, {}, 0, "cpu")
    if not hasattr(estimator, "params_read"):
        return
    read = estimator.params_read()
    for key in params or {}:
        if key in read:
            continue
        readers = [
            other
            for other in TREE_ESTIMATORS
            if key in build_estimator(task, other, {}, 0, "cpu").params_read()
        ]
        other_task = "a classifier's" if task.kind == "regression" else "a regressor's"
        where = (
            f"{' and '.join(readers)} only"
            if readers
            else f"{other_task} option: not read by a {task.name} model"
        )
        raise ValueError(f"{key!r} does not apply to {name} ({where}); it reads {', '.join(read)}")


def check_param_values(estimator: BaseEstimator) -> None:
    """Check the parameter values of an unfitted estimator without fitting it.

    Each scikit-learn estimator it fits (:func:`_fitted_parts`) runs scikit-learn's own constraint
    check (``_validate_params``: ``n_estimators`` >= 1, ``max_features`` in (0, 1], ``C`` > 0,
    ``class_weight`` ``balanced`` or None, ``random_state``, the torch estimators' counts
    ``epochs``, ``n_members``, ``batch_size`` >= 1, ...), and an ``n_jobs`` goes through joblib's
    (0 has no meaning).

    Raises
    ------
    ValueError
        Naming the parameter (scikit-learn's ``InvalidParameterError`` is a ``ValueError``).
    """
    for part in _fitted_parts(estimator):
        if hasattr(type(part), "_parameter_constraints"):
            part._validate_params()
        n_jobs = part.get_params(deep=False).get("n_jobs")
        if n_jobs is not None:
            effective_n_jobs(n_jobs)


def _fitted_parts(estimator: BaseEstimator) -> list[BaseEstimator]:
    """``estimator`` and the unfitted scikit-learn estimators its fit builds from its parameters
    (a tree ensemble's forest or booster, the logistic ensemble's (calibrated) regression), with
    the estimators those take as parameters."""
    from electroscreen.models.linear_models import LogisticEnsembleClassifier

    parts = [estimator]
    if isinstance(estimator, TreeEnsembleRegressor | TreeEnsembleClassifier):
        boosted = estimator.kind == "gradient_boosting"
        parts.append(estimator._booster(0) if boosted else estimator._forest())
    elif isinstance(estimator, LogisticEnsembleClassifier):
        parts.append(estimator._model(np.array([0, 1, 0, 1])))  # two rows of each class
    for part in parts:  # grows while walked: nested estimators (a calibrator's regression)
        nested = part.get_params(deep=False).values()
        parts += [p for p in nested if isinstance(p, BaseEstimator)]
    return parts
