"""The screening configuration: pre-filters, ranking weights, batching. Read from YAML, validated here.

The ``filters`` section, :class:`~electroscreen.screening.filter_config.FilterConfig`, and its
defaults live in :mod:`~electroscreen.screening.filter_config`.
"""

from __future__ import annotations

import hashlib
import json
import warnings
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
    create_model,
    field_validator,
)

from electroscreen.configs import config_path
from electroscreen.data.formula import parse_formula
from electroscreen.experiments.config_files import ConfigError, field_problems, read_mapping
from electroscreen.models.temperature import TEMPERATURE_RANGE_C, KelvinWarning, looks_like_kelvin
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.objective_table import OBJECTIVES, predicted

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "FilterConfig",
    "RankingConfig",
    "ScreeningConfig",
    "KelvinWarning",
    "load_screening_config",
    "ObjectivesConfig",
]

DEFAULT_CONFIG_PATH = config_path("screening.yaml")

#: ``ranking.diversity_distance`` and ``diversity_rows`` (why these: screening/diversity.py).
DEFAULT_DIVERSITY_DISTANCE, DEFAULT_DIVERSITY_ROWS = 0.06, 10_000


class ObjectivesConfig(BaseModel):
    """Computed (not predicted) objectives added to every ``ok`` candidate's row."""

    model_config = ConfigDict(extra="forbid")

    window: StrictBool = Field(
        True,
        description="Electrochemical window vs the carrier metal (window_red_v, window_ox_v).",
    )
    window_max_uncertainty_v: StrictFloat = Field(
        1.0,
        gt=0,
        description="A window limit whose enthalpy-model uncertainty exceeds this (V) is NaN with "
        "status window_out_of_domain (ElectrochemicalWindow.max_uncertainty_v); below .inf, a "
        "window resting on pure elements is NaN too (window_elemental_hull), and so is that of an "
        "untabulated borane-cluster salt (window_borane_cluster).",
    )
    cost: StrictBool = Field(
        True, description="Raw-material cost from element prices (cost_usd_per_kg)."
    )
    interface: StrictBool = Field(
        True,
        description="Reaction energy with the carrier metal anode (interface_anode_ev_per_atom).",
    )
    interface_cathode: StrictBool = Field(
        True,
        description="Reaction energy with the cathode (interface_cathode_ev_per_atom).",
    )
    cathode: str = Field(
        "LiCoO2",
        description="Cathode formula of interface_cathode_ev_per_atom: its tabulated formation "
        "enthalpy, else an estimate (hull + stabilisation model; LiCoO2, LiNiO2 and NMC are "
        "estimated; featurizers/thermo/electrodes.py), refused outside the model's domain.",
    )

    @field_validator("cathode")
    @classmethod
    def _cathode_is_a_formula(cls, value: str) -> str:
        amounts = parse_formula(value)  # FormulaError (a ValueError) names the problem
        if len(amounts) < 2 or any(a <= 0 for a in amounts.values()):
            raise ValueError(f"cathode {value!r}: need a compound with positive amounts")
        return value


def _check_range(value: tuple[float, float]) -> tuple[float, float]:
    if not value[0] < value[1]:
        raise ValueError("ranges must be (low, high) with low < high")
    return value


def _objective_fields() -> dict[str, Any]:
    """The ``weight_*`` and ``*_range`` fields of :class:`RankingConfig`, one pair per entry of
    :data:`~electroscreen.screening.objective_table.OBJECTIVES` (read when this module is imported)."""
    fields: dict[str, Any] = {}
    for objective in OBJECTIVES.values():
        fields[objective.weight_key] = (
            StrictFloat,
            Field(objective.weight, ge=0, description=objective.description or None),
        )
        if objective.range_key:
            fields[objective.range_key] = (
                tuple[StrictFloat, StrictFloat],
                Field(objective.range, description=objective.range_description or None),
            )
    return fields


_RANGE_KEYS = tuple(o.range_key for o in OBJECTIVES.values() if o.range_key)

#: The weights and ranges of the objectives, generated from the table: the base of RankingConfig.
_ObjectiveWeights = create_model(  # type: ignore[call-overload]
    "_ObjectiveWeights",
    __config__=ConfigDict(extra="forbid"),
    __module__=__name__,
    __validators__={"_increasing": field_validator(*_RANGE_KEYS)(_check_range)},
    **_objective_fields(),
)


class RankingConfig(_ObjectiveWeights):  # type: ignore[misc,valid-type]
    """How predictions become a ranking.

    ``score = (w_sigma * s(mu) + w_air * p + w_ox * s_ox(V_ox) + w_cost * (1 - s_cost(log10 c))
    + w_anode * s_anode(E_anode)) / sum(w)`` where ``s`` maps log10 conductivity linearly from
    ``sigma_range`` onto [0, 1] (clipped), ``p`` is the probability of air stability, ``s_ox`` maps
    the oxidation limit from ``oxidation_range``, ``s_cost`` the log10 cost from
    ``log10_cost_range`` and ``s_anode`` the reaction energy with the anode from
    ``interface_range`` (the last three weights default to 0; a missing value contributes 0). The
    acquisition score is the same formula on optimistic values: ``mu + kappa * std`` and
    ``p + kappa * p_std`` (clipped to [0, 1]) -- an upper confidence bound.

    The weight and range fields are those of the objectives in
    :data:`~electroscreen.screening.objective_table.OBJECTIVES` (``weight_key``, ``range_key``),
    and ``pareto_objectives`` takes its names from there.
    """

    model_config = ConfigDict(extra="forbid")

    kappa: StrictFloat = Field(1.0, ge=0, description="Exploration weight of the UCB acquisition.")
    pareto_objectives: tuple[Literal[tuple(OBJECTIVES)], ...] = Field(  # type: ignore[valid-type]
        ("conductivity", "air_stability", "oxidation", "cost"),
        min_length=2,
        description=(
            "Objectives of pareto_rank: conductivity (pred_log10_sigma), air_stability "
            "(p_air_stable), oxidation (window_ox_v), cost (cost_usd_per_kg, minimised), anode "
            "(interface_anode_ev_per_atom); all maximised unless said (screening/objective_table.py)."
        ),
    )

    pareto_max_rows: StrictInt = Field(
        100_000,
        ge=0,
        description=(
            "Above this many rows with every Pareto objective, pareto_rank falls back to "
            "conductivity and air stability (with a warning): the sort in more objectives grows "
            "about quadratically (1.2 s for 56,000 rows, 88 s for 200,000 on a loaded 2-core "
            "machine). 0: no limit."
        ),
    )

    diversity_distance: StrictFloat = Field(
        DEFAULT_DIVERSITY_DISTANCE, ge=0, lt=1,
        description="Largest difference of any element's atomic fraction at which a ranked row is "
        "the same chemistry as a better-ranked representative (screening/diversity.py). 0: off.",
    )  # fmt: skip
    diversity_rows: StrictInt = Field(
        DEFAULT_DIVERSITY_ROWS, ge=0,
        description="represented_by and diverse_rank are computed for this many best-ranked rows "
        "(the rows beyond get neither). 0: every ranked row.",
    )  # fmt: skip

    @field_validator("pareto_objectives")
    @classmethod
    def _needs_both_predictions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(name not in value for name in predicted()) or len(set(value)) < len(value):
            raise ValueError(
                f"pareto_objectives must hold {' and '.join(predicted())}, each name once"
            )
        return value


class ScreeningConfig(BaseModel):
    """Everything that decides a screening run's output (hashed into the resume manifest).

    Its numbers and flags (and those of its sections) are strict, as a training config's: a YAML
    ``true`` is not the batch size 1, and quoted text is neither a number (``"0.5"``) nor a flag
    (``"yes"``); a whole number is a number where a real one is asked for (``kappa: 1``).
    """

    model_config = ConfigDict(extra="forbid")

    filters: FilterConfig = Field(default_factory=FilterConfig)
    objectives: ObjectivesConfig = Field(default_factory=ObjectivesConfig)
    ranking: RankingConfig = Field(default_factory=RankingConfig)
    temperature_c: StrictFloat = Field(
        25.0,
        ge=TEMPERATURE_RANGE_C[0],
        le=TEMPERATURE_RANGE_C[1],
        description=(
            "Temperature (degC) the conductivity is predicted at; away from 25 degC the model needs "
            "a temperature model (Arrhenius shift with a predicted activation energy). An input "
            "table's temperature_c cell, where given, is that row's temperature instead. A value "
            "that looks like kelvin (298.15) is read as degC, with a warning."
        ),
    )
    batch_size: StrictInt = Field(
        5000, ge=1, description="Candidates per batch (and per checkpoint)."
    )
    top: StrictInt = Field(15, ge=0, description="Rows of the ranked table printed at the end.")
    experiment: str = Field("electroscreen-screening", description="MLflow experiment name.")

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form (what the resume manifest compares)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def yaml_text(self) -> str:
        """The config as YAML (``yaml.safe_dump``, every field, defaults included, after a comment
        line) that :func:`load_screening_config` reads back to an equal config with the same
        digest: ``screen`` writes it to ``OUT/screening.yaml`` and logs it with the run."""
        import yaml

        header = (
            "# The effective screening config (every field, defaults included): "
            "`electroscreen screen --config <this file>` screens with the same settings.\n"
        )
        return header + yaml.safe_dump(_plain(self.model_dump()), sort_keys=False)


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists, which ``yaml.safe_dump`` writes (an infinite float stays
    ``.inf``: the JSON form would make it ``null``, which reads back as another config)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def load_screening_config(path: str | Path | None = None, **overrides: object) -> ScreeningConfig:
    """Read a screening config from YAML (default ``configs/screening.yaml``) with top-level overrides.

    Parameters
    ----------
    path : path, optional
        YAML file; when omitted the packaged default is used if it exists, else built-in defaults.
    **overrides
        Top-level fields (``batch_size=...``); ``None`` values are ignored.

    Raises
    ------
    ConfigError
        The file is missing, not YAML or not a mapping, or a field (or an override) is invalid;
        the message names the file and each bad field.

    Warns
    -----
    KelvinWarning
        ``temperature_c`` looks like kelvin (298.15:
        :func:`~electroscreen.models.temperature.looks_like_kelvin`); it is read as degC all the
        same (a measurement at 298.15 degC can be meant). The message names the file or override.
    """
    data: dict = {}
    source = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if path is not None or source.is_file():
        data = read_mapping(source)
    given = {k: v for k, v in overrides.items() if v is not None}
    data.update(given)
    try:
        config = ScreeningConfig.model_validate(data)
    except ValidationError as exc:
        where = ", ".join([str(source), *(f"{k}={v!r}" for k, v in given.items())])
        raise ConfigError(f"{where}: invalid screening config: {field_problems(exc)}") from None
    if looks_like_kelvin([config.temperature_c])[0]:
        where = (
            "the override temperature_c" if "temperature_c" in given else f"{source}: temperature_c"
        )
        warnings.warn(
            f"{where} = {config.temperature_c:g} looks like a temperature in kelvin "
            f"({config.temperature_c - 273.15:.4g} degC); it is read as {config.temperature_c:g} "
            "degC, as written: give degC if kelvin was meant",
            KelvinWarning,
            stacklevel=2,
        )
    return config
