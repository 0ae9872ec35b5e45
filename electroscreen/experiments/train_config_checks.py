"""Checks of a training config's fields against the rest of the package, run when it is loaded.

:class:`~electroscreen.experiments.train_config.TrainConfig`'s validators call these: featurizer
names and arguments (the featurizer registry), the estimator's arguments (built as at fit), a CUDA
``device`` (only a torch network uses one), MLflow names (MLflow's own rules) and the ``data_dir``
(a conductivity data folder, an air-stability label source). Each returns the value unchanged or
raises :class:`ValueError` with the reason, which the config reports under the field's name. What
they import is imported on first use (featurizers, models, MLflow).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "check_estimator_params",
    "check_featurizer_params",
    "check_featurizers",
    "check_data_dir",
    "check_device_used",
    "check_mlflow_name",
]


def check_featurizers(names: list[str]) -> list[str]:
    """``featurizers``: each a name of the featurizer registry, none listed twice
    (:func:`~electroscreen.featurizers.registry.check_featurizer_names`)."""
    from electroscreen.featurizers.registry import check_featurizer_names

    return check_featurizer_names(names)


def check_featurizer_params(
    value: dict[str, dict[str, Any]], listed: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """``featurizer_params``: arguments of ``listed`` featurizers only, each set one that builds
    the featurizer and names its columns, each value of a type its annotation admits (no YAML
    ``true`` for a number, no text for a number or a flag:
    :func:`~electroscreen.models.estimators.check_param_types`)."""
    from electroscreen.featurizers.registry import make_featurizer
    from electroscreen.models.estimators import check_param_types

    for name, params in value.items():
        if name not in listed:
            raise ValueError(f"featurizer_params names {name!r}, not in featurizers")
        try:
            featurizer = make_featurizer(name, **params)
            check_param_types(featurizer, params)
            featurizer.get_feature_names_out()
        except (TypeError, ValueError) as err:
            raise ValueError(f"featurizer_params of {name!r}: {err}") from None
    return value


def check_estimator_params(value: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """``estimator_params``, given the fields validated before it (``data``): an unknown estimator
    or argument, a value the estimator refuses, a bad member (of ``gated``: its ``features``
    against the columns the listed featurizers give) is an error of the file, not a traceback after
    featurizing (:func:`~electroscreen.models.estimators.check_estimator`)."""
    if not {"task", "featurizers", "featurizer_params", "estimator"} <= set(data):
        return value  # an earlier field is in error (and named)
    from electroscreen.models.estimators import check_estimator
    from electroscreen.models.predictor import CandidatePredictor
    from electroscreen.models.tasks import get_task

    predictor = CandidatePredictor(
        featurizers=data["featurizers"],
        featurizer_params=data["featurizer_params"],
        estimator=data["estimator"],
    )
    columns = [str(n) for n in predictor.feature_names()]  # the design's, as at fit
    check_estimator(get_task(data["task"]), data["estimator"], value, data["featurizers"], columns)
    return value


def check_device_used(value: str, data: Mapping[str, Any]) -> str:
    """``device``, given the fields validated before it (``data``): ``cuda`` or ``cuda:N`` for a
    model without a torch network is an error. Trees and the logistic ensemble run on the CPU
    whatever ``device`` says, so such a run would not be the GPU run the config reads as."""
    if not value.startswith("cuda") or not {"estimator", "estimator_params"} <= set(data):
        return value  # auto and cpu fit every model; or an earlier field is in error (and named)
    from electroscreen.models.estimators import TORCH_ESTIMATORS, uses_torch

    if not uses_torch(data["estimator"], data["estimator_params"]):
        raise ValueError(
            f"{value} acts on the torch networks only ({', '.join(TORCH_ESTIMATORS)}); "
            f"{data['estimator']} runs on the CPU whatever the device: use auto or cpu"
        )
    return value


def check_mlflow_name(value: str, field: str) -> str:
    """``experiment``, ``registered_model_name`` or ``alias`` (``field``) by MLflow's own rules,
    checked at load: MLflow refused a bad name only after the training (a bad alias left the
    FAILED run's model version registered, the newest one)."""
    from mlflow.exceptions import MlflowException
    from mlflow.utils import validation as rules

    checks = {
        "experiment": (rules._validate_experiment_name,),
        "registered_model_name": (rules._validate_model_name,),
        "alias": (rules._validate_model_alias_name, rules._validate_model_alias_name_reserved),
    }[field]
    try:
        for check in checks:
            check(value)
    except MlflowException as exc:
        hint = "; use e.g. 'champion'" if field == "alias" else ""
        raise ValueError(f"{exc.message.rstrip('.')}{hint}") from None
    return value


def check_data_dir(value: Path | None, task: str | None) -> Path | None:
    """``data_dir``, checked when the config loads rather than after minutes of work.

    Conductivity: a folder that exists (the reference data folder; its files are checked when
    read). Air stability: a path that is neither a label file nor a folder is an error
    (:func:`~electroscreen.data.air_stability.labels_path`), not the package labels; so is a label
    file that is not CSV or lacks a required column
    (:func:`~electroscreen.data.air_stability.read_label_file`), not a traceback at training.
    """
    if value is not None and task == "conductivity" and not value.is_dir():
        what = "is a file" if value.exists() else "does not exist"
        raise ValueError(f"{value} {what}: a conductivity data_dir is the reference data folder")
    if value is not None and task == "air_stability":
        from electroscreen.data.air_stability import (
            AIR_STABILITY_LABELS,
            labels_path,
            read_label_file,
        )

        try:
            path = labels_path(value)
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from None
        if path != AIR_STABILITY_LABELS:
            read_label_file(path)  # a LabelFileError is a ValueError: reported under the field
    return value
