"""Training configuration: what a ``electroscreen train`` run fits, evaluates, logs and registers.

A config is a YAML file read with ``yaml.safe_load`` and validated by :class:`TrainConfig`; a bad
file raises :class:`ConfigError` naming the file and the offending field. Example
(``configs/conductivity.yaml``)::

    task: conductivity
    featurizers: [magpie, electrolyte]
    estimator: random_forest
    estimator_params: {n_estimators: 500}
    registered_model_name: electroscreen-conductivity
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from electroscreen.experiments.config_files import (
    ConfigError,
    field_problems,
    flat_params,
    read_mapping,
)
from electroscreen.experiments.train_config_checks import (
    check_data_dir,
    check_device_used,
    check_estimator_params,
    check_featurizer_params,
    check_featurizers,
    check_mlflow_name,
)
from electroscreen.models.splits import SCHEMES

__all__ = [
    "CONDUCTIVITY_ONLY",
    "EvaluationConfig",
    "TrainConfig",
    "load_train_config",
]


class EvaluationConfig(BaseModel):
    """How the model is evaluated before the final fit.

    ``official`` needs the task table's ``split`` column (OBELiX); tasks without one (air stability)
    skip it with a note in the run's tags rather than failing.
    """

    model_config = ConfigDict(extra="forbid")

    schemes: list[Literal[SCHEMES]] = Field(
        default_factory=lambda: ["official", "family_cv"],
        description=(
            "Evaluation schemes; metrics are logged as test_* (official), cv_* (family_cv), "
            "compcv_* (composition_cv), trfamcv_* / trchemcv_* (grouped CV on the official "
            "train rows only: model selection) and lofo_* (family_lofo: leave one family out, "
            "with a per-family table)."
        ),
    )
    cv_folds: StrictInt = Field(5, ge=2, description="Folds of the grouped cross-validation.")

    @field_validator("schemes")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):  # it was evaluated and logged twice
            raise ValueError(f"a scheme is listed twice: {value}")
        return value


#: Fields that act on the conductivity task only (intervals, censoring, extra data, temperature).
CONDUCTIVITY_ONLY = (
    "censored",
    "conformal_alpha",
    "conformal_method",
    "conformal_groups",
    "conformal_novelty_bins",
    "conformal_scale",
    "conformal_seen_systems",
    "liverpool",
    "temperature_model",
)


class TrainConfig(BaseModel):
    """A training run, as read from ``configs/<name>.yaml``.

    Attributes
    ----------
    task : {"conductivity", "air_stability"}
    featurizers : list of str
        Names from :data:`electroscreen.featurizers.registry.FEATURIZERS` (``magpie``,
        ``electrolyte``, ``structure``, ``bvse``, ``air_reactivity``, ...). May be empty for
        estimators that read structures directly (``graph``).
    featurizer_params : dict of str to dict
        ``__init__`` arguments of featurizers named in ``featurizers`` (e.g. ``moisture:
        {features: [rxn_h2o_ev_per_atom, borane_cluster]}``); default: each featurizer's defaults.
    estimator : str
        Estimator kind understood by :class:`~electroscreen.models.predictor.CandidatePredictor`
        (``random_forest``, ``extra_trees``, ``gradient_boosting``, ``mlp``, ``graph``).
    estimator_params : dict
        Keyword arguments of the estimator (``n_estimators``, ``hidden``, ``epochs``, ...), checked
        at load: names, types, values (scikit-learn's own constraints), none the estimator would
        ignore (``learning_rate`` in a forest) and members (``gated`` features against the listed
        featurizers' columns).
    label_weights : dict or None
        Air stability only: fitting weights of the labels by evidence and exposure
        (``weak_evidence``, ``exposure``, ``per_composition``;
        :mod:`electroscreen.models.label_weights`); absent, every composition weighs 1 split
        equally between its rows, as before. Evaluation metrics never use them.
    censored : {"bound", "drop"}
        Conductivity only: train censored ``<1E-10`` rows at their bound, or drop them.
    conformal_alpha : float
        Miscoverage of the conformal intervals (0.1 -> nominal 90 % intervals).
    conformal_method : {"auto", "cv", "split"}
        Calibration of the intervals: ``cv`` (CV+: 5 cross-fits, the model trains on all rows),
        ``split`` (25 % of the rows held out of the model), ``auto`` (``cv`` for tree ensembles or
        several groupings, else ``split``; :class:`~electroscreen.models.predictor.CandidatePredictor`).
    conformal_groups : list of {"composition", "chemsys", "family", "none"}
        What a calibration row must not share with the model that scores it: its composition
        (intervals for new compositions of known systems), its chemical system (intervals for new
        chemistries), its structural family (wider intervals, for new families), or nothing (plain
        cross-conformal). Several (``[chemsys, family]``) pool the
        calibration rows of one cross-fit per grouping; a single name is a list of one.
    conformal_novelty_bins : int
        Bins of the distance to the training data, one conformal quantile each (1: off; descriptor
        models only): candidates far from the training data get wider intervals.
    conformal_scale : {"spread", "learned", "learned_anion"}
        Normaliser of the conformal scores: the ensemble spread, or a difficulty learned from
        spread and novelty on the calibration rows (descriptor models; ``learned_anion``: and the
        anion class, chalcogenide / halide / oxide / nitride / hydride / other;
        benchmarks/README.md).
    conformal_seen_systems : bool
        One conformal quantile for candidates whose chemical system (element set) the training
        rows hold and one for the others (with ``composition`` among ``conformal_groups``, the
        first is calibrated on held-out compositions of known systems).
    liverpool : bool
        Conductivity only: add the Liverpool Ionics Dataset compositions as training rows
        (leak-guarded against every evaluated row: :func:`electroscreen.models.evaluation.
        guard_extra_rows`).
    temperature_model : {"none", "arrhenius"}
        Conductivity only: predict at a temperature along an Arrhenius line with a predicted
        activation energy (trained on the Liverpool Arrhenius fits, so ``arrhenius`` needs
        ``liverpool: true``), or at 25 degC only.
    seed : int
        0 <= seed < 2**32 (NumPy's range).
    structures : bool or None
        Parse the OBELiX CIFs into the task table; ``None`` decides from the featurizers and
        estimator (structure featurizers or the graph estimator need them).
    final_fit : {"train", "all"}
        Rows of the model that is logged and registered: the official train split (so the logged
        ``test_*`` metrics describe exactly that model) or every labelled row. Tasks without an
        official split always use every row.
    evaluation : EvaluationConfig
    experiment : str
        MLflow experiment name (non-empty).
    registered_model_name : str
        Model registry name (``electroscreen-conductivity``, ``electroscreen-air-stability``);
        no ``/`` or ``:``.
    alias : str
        Registry alias moved to the new version (``models:/<name>@champion``): letters, digits,
        ``_`` and ``-``. MLflow reserves ``latest`` (``models:/<name>/latest`` already resolves to
        the newest version) and ``v<digits>``. The three names are checked with MLflow's own rules.
    data_dir : path or None
        Reference data folder (default ``$ELECTROSCREEN_DATA``); one that does not exist is an
        error. Air stability: a label CSV to train on; a folder (or none) means the package
        labels; a path that does not exist is an error.
    device : str
        Torch device for torch estimators (``auto``: CUDA when present); ``cuda`` or ``cuda:N``
        for a model without a torch network is an error (it would run on the CPU).

    The :data:`CONDUCTIVITY_ONLY` fields are an error when set in a config of another task (they
    would have no effect). The numbers and flags are strict: a YAML ``true`` is not the seed 1,
    quoted text is neither a number (``"0.1"``) nor a flag (``"yes"``; an unquoted ``yes`` is YAML's
    true), and a whole number is not written ``5.0``.
    """

    model_config = ConfigDict(extra="forbid")

    task: Literal["conductivity", "air_stability"]
    featurizers: list[str] = Field(default_factory=list)
    featurizer_params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    estimator: str = "random_forest"
    estimator_params: dict[str, Any] = Field(default_factory=dict, validate_default=True)
    label_weights: dict[str, Any] | None = None
    censored: Literal["bound", "drop"] = "bound"
    conformal_alpha: StrictFloat = Field(0.1, gt=0.0, lt=1.0)
    conformal_method: Literal["auto", "cv", "split"] = "auto"
    conformal_groups: list[str] = Field(default_factory=lambda: ["chemsys"])
    conformal_novelty_bins: StrictInt = Field(1, ge=1, le=10)
    conformal_scale: Literal["spread", "learned", "learned_anion"] = "spread"
    conformal_seen_systems: StrictBool = False
    liverpool: StrictBool = False
    temperature_model: Literal["none", "arrhenius"] = "none"
    seed: StrictInt = 0
    structures: StrictBool | None = None
    final_fit: Literal["train", "all"] = "train"
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    experiment: str = "electroscreen-train"
    registered_model_name: str = Field(..., min_length=1)
    alias: str = Field("champion", min_length=1)
    data_dir: Path | None = None
    device: str = "auto"
    description: str = ""

    @field_validator("conformal_groups", mode="before")
    @classmethod
    def _groups_as_list(cls, value: object) -> object:
        from electroscreen.models.row_groups import conformal_groupings

        return conformal_groupings(value)

    @field_validator("featurizers")
    @classmethod
    def _known_featurizers(cls, names: list[str]) -> list[str]:
        return check_featurizers(names)

    @field_validator("featurizer_params")
    @classmethod
    def _params_of_listed_featurizers(
        cls, value: dict[str, dict[str, Any]], info: ValidationInfo
    ) -> dict[str, dict[str, Any]]:
        return check_featurizer_params(value, info.data.get("featurizers", []))

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str, info: ValidationInfo) -> str:
        from electroscreen.models.devices import check_device

        return check_device_used(check_device(value), info.data)

    @field_validator("estimator")
    @classmethod
    def _known_estimator(cls, value: str) -> str:
        from electroscreen.models.estimators import known_estimator

        return known_estimator(value)

    @field_validator("estimator_params")
    @classmethod
    def _estimator_builds(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return check_estimator_params(value, info.data)

    @field_validator("label_weights")
    @classmethod
    def _air_label_weights(cls, value: dict | None, info: ValidationInfo) -> dict | None:
        from electroscreen.models.label_weights import check_label_weights

        task = info.data.get("task")
        if value is not None and task is not None and task != "air_stability":
            raise ValueError(f"label_weights acts on task: air_stability only, not {task}")
        return check_label_weights(value)

    @field_validator(*CONDUCTIVITY_ONLY)
    @classmethod
    def _conductivity_only(cls, value: object, info: ValidationInfo) -> object:
        """Set (a default is not validated) in a config of another task, these fields would do
        nothing, and :meth:`flat_params` would not even log them."""
        task = info.data.get("task")
        if task is not None and task != "conductivity":
            raise ValueError(
                f"{info.field_name} acts on task: conductivity only; remove it from this {task} config"
            )
        return value

    @field_validator("temperature_model")
    @classmethod
    def _activation_energies_to_learn(cls, value: str, info: ValidationInfo) -> str:
        """The Arrhenius model learns ``Ea`` from the Liverpool rows' fits; OBELiX rows have none."""
        if value == "arrhenius" and info.data.get("task") == "conductivity":
            if info.data.get("liverpool") is False:
                from electroscreen.models.temperature import DEFAULT_EA_EV

                raise ValueError(
                    "arrhenius learns the activation energy from the Liverpool rows' Arrhenius "
                    "fits (OBELiX rows have none): with liverpool: false every pred_ea_ev would be "
                    f"the constant {DEFAULT_EA_EV} eV; set liverpool: true or temperature_model: none"
                )
        return value

    @field_validator("seed")
    @classmethod
    def _numpy_seed(cls, seed: int) -> int:
        from sklearn.utils import check_random_state

        check_random_state(seed)  # NumPy's (and scikit-learn's) rule: 0 <= seed < 2**32
        return seed

    @field_validator("experiment", "registered_model_name", "alias")
    @classmethod
    def _mlflow_name(cls, value: str, info: ValidationInfo) -> str:
        return check_mlflow_name(value, info.field_name)

    @field_validator("data_dir")
    @classmethod
    def _data_dir_exists(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return check_data_dir(value, info.data.get("task"))

    @model_validator(mode="after")
    def _predictor_accepts(self) -> TrainConfig:
        """The predictor's own rules on the combination (a descriptor model without featurizers,
        the graph network with a temperature model or novelty bins), before any data is read."""
        from electroscreen.experiments.train import build_predictor
        from electroscreen.models.predictor_params import check_predictor_params

        check_predictor_params(build_predictor(self).get_params(deep=False))
        return self

    def reads_structures(self) -> bool:
        """Whether the task table must carry parsed structures (explicit, else inferred)."""
        if self.structures is not None:
            return self.structures
        from electroscreen.models.predictor import reads_structures

        return reads_structures(self.estimator, self.featurizers)

    def flat_params(self) -> dict[str, str]:
        """The config as flat ``{"a.b": "value"}`` strings (MLflow params), without the
        :data:`CONDUCTIVITY_ONLY` fields in a run of another task (they do not act there) and
        without ``label_weights`` when it is not set (a run's params as before it existed)."""
        data = self.model_dump(mode="json")
        if data.get("label_weights") is None:
            data.pop("label_weights", None)
        if self.task != "conductivity":
            data = {k: v for k, v in data.items() if k not in CONDUCTIVITY_ONLY}
        return flat_params(data)


def load_train_config(path: str | Path, **overrides: Any) -> TrainConfig:
    """Read and validate a training config.

    Parameters
    ----------
    path : path
        YAML file.
    **overrides
        Top-level fields replacing the file's values (``None`` values are ignored).

    Raises
    ------
    ConfigError
        The file is missing, is not YAML mapping, or a field is invalid; the message names the file
        and each bad field, e.g. ``configs/x.yaml: field 'conformal_alpha': Input should be less
        than 1``.
    """
    path = Path(path)
    data = read_mapping(path)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid training config: {field_problems(exc)}") from exc
