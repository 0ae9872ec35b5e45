"""The screening objectives: one table, read by the config, the batch and the ranking.

An objective is a results column that the ranking compares: in the weighted score (its weight and
scaling range in ``ranking`` of the screening config), in the UCB acquisition (where it has an
uncertainty column) and in ``pareto_rank`` (when named in ``ranking.pareto_objectives``, compared at
its resolution). :data:`OBJECTIVES` is the one list of them:

- :class:`~electroscreen.screening.screen_config.RankingConfig` takes its ``weight_*`` and ``*_range``
  fields and the names ``pareto_objectives`` allows from it;
- :func:`~electroscreen.screening.objective_columns.objective_values` computes the column of an objective that
  names a ``compute`` function (the window, cost and interface columns are computed there already,
  switched by ``objectives`` in the config; the two predictions come from the models);
- :func:`~electroscreen.screening.ranking.rank_candidates` loops over it.

Adding an objective is one :class:`Objective` line here, plus, for a new column, its name in the
lists the data and analysis layers keep (docs/architecture.md, "Worked example: an objective").
This module imports nothing from electroscreen, so every screening module may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal

__all__ = ["OBJECTIVES", "Objective", "compute_function", "computed", "predicted", "score_formula"]


@dataclass(frozen=True)
class Objective:
    """One objective of the screen (an entry of :data:`OBJECTIVES`).

    Attributes
    ----------
    column : str
        The results column it reads (float, NaN where undefined).
    resolution : float
        Step at which ``pareto_rank`` compares it, in the units it is compared in (after ``log10``):
        closer values tie.
    weight_key : str
        Its weight's key in ``ranking`` of the screening config.
    weight : float
        The default weight (0: not in the score unless the config gives one).
    range_key, range : str, (float, float), optional
        Key and default of the range mapped linearly onto [0, 1] (clipped) in the score; ``None``:
        the value enters the score as it is (a probability).
    maximise : bool
        False: smaller is better (the score uses ``1 - scaled``, ``pareto_rank`` the negative).
    log10 : bool
        Compared and scaled as ``log10(value)`` (``pareto_rank``: a value <= 0 is undefined).
    missing : {"unranked", "dropped", "worst"}
        What a NaN does. ``unranked``: the row gets no score and no ``pareto_rank`` (the
        conductivity). ``dropped``: the row is scored without this term, its weight left out of the
        normalisation, and gets no ``pareto_rank`` (the air stability). ``worst``: the term adds 0
        to the score (the worst it can add) and, in ``pareto_rank``, the value is unknown: the row
        is compared without it and beats no row that has it (computed objectives: a window out of
        the model's domain; :func:`~electroscreen.screening.ranking.pareto_ranks`' ``optional``);
        the term is skipped when its weight is 0 or its column absent, the objective left out of
        ``pareto_rank`` when its column is absent or all NaN. ``unranked`` and ``dropped`` objectives must be in ``pareto_objectives``.
    std_column : str, optional
        Its standard deviation: the acquisition uses ``value + kappa * std`` (``-`` when
        minimised; a NaN std counts as 0).
    bounds : (float, float), optional
        The optimistic value of the acquisition is clipped to these (a probability: (0, 1)).
    compute : str, optional
        ``"module:function"``, ``function(compositions, carrier) -> ndarray (n,)`` on
        :class:`~electroscreen.data.compositions.PackedCompositions`: what computes the column for
        every ``ok`` row (imported when first used; it must not change a row's status). ``None``:
        the models or :func:`~electroscreen.screening.objective_columns.objective_values` write it.
    description, range_description : str
        The config fields' descriptions.
    """

    column: str
    resolution: float
    weight_key: str
    weight: float = 0.0
    range_key: str | None = None
    range: tuple[float, float] | None = None
    maximise: bool = True
    log10: bool = False
    missing: Literal["unranked", "dropped", "worst"] = "worst"
    std_column: str | None = None
    bounds: tuple[float, float] | None = None
    compute: str | None = None
    description: str = ""
    range_description: str = ""


#: name (as ``pareto_objectives`` writes it) -> :class:`Objective`, in the order the score adds the
#: terms. Resolutions: conductivity decades (log10 S/cm), air-stability probability, oxidation limit V,
#: cost decades (log10 USD/kg), anode reaction energy eV/atom; far below what the models resolve
#: (intervals span decades, probabilities carry spreads of ~0.1) and far above floating-point noise:
#: without them, predictions that differed by 1e-9 decided who dominated whom, and a change in the
#: last bits of the air-stability probabilities moved 11 of 50 candidates on or off the first front
#: of a 200,000-formula screen.
OBJECTIVES: dict[str, Objective] = {
    "conductivity": Objective(
        "pred_log10_sigma", 1e-3, "weight_conductivity", 0.7, "sigma_range", (-8.0, -2.0),
        missing="unranked", std_column="pred_log10_sigma_std",
        range_description=(
            "log10(S/cm) at the screening temperature mapped onto 0 and 1 in the score (clipped)."
        ),
    ),
    "air_stability": Objective(
        "p_air_stable", 1e-4, "weight_air_stability", 0.3,
        missing="dropped", std_column="p_air_stable_std", bounds=(0.0, 1.0),
    ),
    "oxidation": Objective(
        "window_ox_v", 1e-3, "weight_oxidation", 0.0, "oxidation_range", (2.0, 5.0),
        description="Weight of the oxidation limit (window_ox_v) in the score.",
        range_description="window_ox_v (V vs Li/Li+) mapped onto 0 and 1 in the score.",
    ),
    "cost": Objective(
        "cost_usd_per_kg", 1e-4, "weight_cost", 0.0, "log10_cost_range", (0.0, 3.0),
        maximise=False, log10=True,
        description="Weight of cheapness (cost_usd_per_kg) in the score.",
        range_description="log10(USD/kg) mapped onto 1 (cheap) and 0 (dear) in the score.",
    ),
    "anode": Objective(
        "interface_anode_ev_per_atom", 1e-4, "weight_interface", 0.0, "interface_range",
        (-1.0, 0.0),
        description="Weight of stability against the anode (interface_anode_ev_per_atom).",
        range_description=(
            "interface_anode_ev_per_atom (eV/atom) mapped onto 0 and 1 in the score."
        ),
    ),
}  # fmt: skip


def predicted() -> tuple[str, ...]:
    """The predicted objectives (``missing`` ``unranked`` or ``dropped``: conductivity, air
    stability): every ``pareto_objectives`` holds them, and the fronts fall back to them alone.
    Read from :data:`OBJECTIVES` when called."""
    return tuple(name for name, objective in OBJECTIVES.items() if objective.missing != "worst")


def computed() -> tuple[str, ...]:
    """The computed objectives (``missing="worst"``: a NaN adds 0 to the score and is unknown on
    a front). Read from :data:`OBJECTIVES` when called."""
    return tuple(name for name, objective in OBJECTIVES.items() if objective.missing == "worst")


def compute_function(objective: Objective) -> Any:
    """The function behind ``objective.compute`` (``"module:function"``), imported."""
    if not objective.compute:
        raise ValueError(f"objective of {objective.column} has no compute function")
    module, _, name = objective.compute.partition(":")
    return getattr(import_module(module), name)


def score_formula(ranking: Any) -> str:
    """``score`` as :func:`~electroscreen.screening.ranking.weighted_score` computes it with the
    weights and ranges of ``ranking`` (a :class:`~electroscreen.screening.screen_config.
    RankingConfig`), in one line: ``0.7 × clip((pred_log10_sigma + 8) / 6, 0, 1) + 0.3 ×
    p_air_stable`` by default. Objectives of weight 0 are left out; the sum is divided by the
    weights' total where that is not 1.
    """
    terms, total = [], 0.0
    for objective in OBJECTIVES.values():
        weight = float(getattr(ranking, objective.weight_key))
        if weight <= 0:
            continue
        total += weight
        value = f"log10({objective.column})" if objective.log10 else objective.column
        if objective.range_key is not None:
            lo, hi = getattr(ranking, objective.range_key)
            shifted = f"{value} - {lo:g}" if lo > 0 else f"{value} + {-lo:g}" if lo < 0 else value
            value = f"clip({f'({shifted})' if lo else shifted} / {hi - lo:g}, 0, 1)"
            value = value if objective.maximise else f"(1 - {value})"
        terms.append(f"{weight:g} × {value}")
    text = " + ".join(terms)
    return text if abs(total - 1.0) < 1e-9 else f"({text}) / {total:g}"
