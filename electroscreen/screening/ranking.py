"""Ranking of predicted candidates: Pareto fronts, a weighted score and a UCB acquisition score.

All functions take plain arrays over the *whole* pool (NaN where a candidate has no prediction) so the
ranking does not depend on batch boundaries or on how many workers produced the predictions. Ties are
broken by input order.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from electroscreen.notices import NoticeWarning
from electroscreen.screening.objective_table import OBJECTIVES, Objective, computed, predicted
from electroscreen.screening.pareto_kernels import front_numbers_2d, front_numbers_nd
from electroscreen.screening.screen_config import RankingConfig

__all__ = [
    "ParetoFallbackWarning",
    "PARETO_RESOLUTION",
    "RANKING_COLUMNS",
    "RANK_COLUMNS",
    "as_rank_columns",
    "objective_steps",
    "optimistic_values",
    "is_ranked",
    "acquisition_score",
    "pareto_ranks",
    "rank_candidates",
    "rank_order",
    "weighted_score",
]

#: Columns :func:`rank_candidates` adds to the results table.
RANKING_COLUMNS = ("pareto_rank", "score", "acquisition", "rank", "acquisition_rank")

#: The resolution at which ``pareto_rank`` compares each objective (closer values tie), from
#: :data:`~electroscreen.screening.objective_table.OBJECTIVES` (units and reasons there).
PARETO_RESOLUTION = {name: objective.resolution for name, objective in OBJECTIVES.items()}

#: The integer rank columns (1 = best): pandas nullable ``Int64``, empty (``<NA>``) for a row that
#: was not ranked (rejected, failed, or without the predictions the rank needs). Never 0, so
#: sorting by a rank puts unranked rows last.
RANK_COLUMNS = ("rank", "pareto_rank", "acquisition_rank")


def as_rank_columns(table: pd.DataFrame, names: Sequence[str] = RANK_COLUMNS) -> pd.DataFrame:
    """``table`` with its rank columns ``names`` (default :data:`RANK_COLUMNS`) as nullable
    ``Int64`` (values < 1 become ``<NA>``).

    For tables read back from Parquet or CSV (where an integer column with gaps comes back as
    float) and results written before ranks were nullable (0 meant unranked). Modifies and returns
    ``table``.
    """
    for name in names:
        if name in table:
            values = pd.to_numeric(table[name], errors="coerce").astype("Float64")
            table[name] = values.where(values >= 1).round().astype("Int64")
    return table


def is_ranked(ranks: pd.Series) -> np.ndarray:
    """Boolean mask of the rows that have a rank (not ``<NA>``/NaN, and >= 1 for old tables)."""
    return (
        pd.to_numeric(ranks, errors="coerce").astype("Float64").ge(1).fillna(False).to_numpy(bool)
    )


def pareto_ranks(*objectives: np.ndarray, optional: Collection[int] = ()) -> np.ndarray:
    """Non-dominated sorting of points maximising every objective.

    Parameters
    ----------
    *objectives : ndarray, shape (N,)
        Two or more objectives to maximise (negate one to minimise it); rows where one that is not
        ``optional`` is not finite are not ranked (``<NA>``).
    optional : collection of int
        Positions (in ``objectives``) of the objectives whose non-finite values are unknown, not
        bad: such a row is still ranked. Row ``a`` dominates row ``b`` when ``a`` knows every
        objective ``b`` knows and is at least as good on each and better on one of them: an
        objective ``b`` does not know is left out of its comparisons, and a row that does not know
        an objective never dominates one that knows it. Without unknown values this is the usual
        dominance.

    Returns
    -------
    pandas IntegerArray (``Int64``), shape (N,)
        1 for the Pareto front (no other point is at least as good in every objective and better
        in one), 2 for the front once the first is removed, and so on. Identical points share a
        front. Two objectives: O(N log N); more, or unknown values: efficient non-dominated sort,
        O(N log F) front searches each scanning one front (F fronts).

    Examples
    --------
    >>> pareto_ranks(np.array([1.0, 2.0, 0.5, np.nan]), np.array([2.0, 1.0, 0.5, 2.0])).tolist()
    [1, 1, 2, <NA>]

    The third row's second objective is unknown: it ties the first on the one it knows, so neither
    dominates the other; the second row beats it on the first objective.

    >>> x, y = np.array([1.0, 2.0, 1.0]), np.array([5.0, 3.0, np.nan])
    >>> pareto_ranks(x, y, optional=[1]).tolist()
    [1, 1, 2]
    """
    if len(objectives) < 2:
        raise ValueError("pareto_ranks needs at least two objectives")
    columns = [np.asarray(o, dtype=np.float64) for o in objectives]
    n = len(columns[0])
    if any(len(c) != n for c in columns):
        raise ValueError("every objective needs one value per row")
    ranks = np.zeros(n, dtype=np.int64)
    matrix = np.column_stack(columns) if n else np.zeros((0, len(columns)))
    required = np.ones(matrix.shape[1], dtype=bool)
    required[list(optional)] = False
    valid = np.flatnonzero(np.isfinite(matrix[:, required]).all(axis=1))
    if len(valid) == 0:
        return _nullable(ranks)
    points = matrix[valid]
    points[~np.isfinite(points)] = -np.inf  # unknown: below every known value
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    order = np.lexsort(tuple(-unique[:, c] for c in range(unique.shape[1] - 1, -1, -1)))
    fronts = np.empty(len(unique), dtype=np.int64)
    known = np.isfinite(unique[order])
    if unique.shape[1] == 2 and known.all():
        fronts[order] = front_numbers_2d(np.ascontiguousarray(unique[order, 1]))
    else:
        fronts[order] = front_numbers_nd(np.ascontiguousarray(unique[order]), known)
    ranks[valid] = fronts[inverse.reshape(-1)]
    return _nullable(ranks)


def _nullable(ranks: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """1-based int64 ranks with 0 for unranked -> ``Int64`` with ``<NA>`` for unranked."""
    return pd.arrays.IntegerArray(ranks, ranks < 1)


def _scaled_sigma(log10_sigma: np.ndarray, sigma_range: tuple[float, float]) -> np.ndarray:
    lo, hi = sigma_range
    return np.clip((np.asarray(log10_sigma, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


def _score_term(objective: Objective, values: np.ndarray, config: RankingConfig) -> np.ndarray:
    """``values`` of ``objective`` as the score reads them: mapped from its range onto [0, 1]
    (clipped; after ``log10`` where it says so), ``1 -`` that when minimised; as they are
    without a range."""
    values = np.asarray(values, dtype=np.float64)
    if objective.range_key is None:
        return values
    if objective.log10:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log10(values)
    scaled = _scaled_sigma(values, getattr(config, objective.range_key))
    return scaled if objective.maximise else 1.0 - scaled


def _weight(objective: Objective, config: RankingConfig) -> float:
    return getattr(config, objective.weight_key)


def _computed_terms(
    config: RankingConfig, values: Mapping[str, np.ndarray | None]
) -> tuple[float, np.ndarray | float]:
    """Weight sum and weighted sum of the computed objectives (``missing="worst"``: oxidation
    limit, cheapness, stability against the anode); a NaN value adds 0."""
    terms = [(name, OBJECTIVES[name]) for name in computed()]
    weight = sum(_weight(o, config) for _, o in terms)
    if weight <= 0:
        return 0.0, 0.0
    term: np.ndarray | float = 0.0
    for name, objective in terms:
        w = _weight(objective, config)
        if w > 0 and values.get(name) is not None:
            scaled = _score_term(objective, values[name], config)
            term = term + w * np.nan_to_num(scaled, nan=0.0)
    return weight, term


def weighted_score(values: Mapping[str, np.ndarray | None], config: RankingConfig) -> np.ndarray:
    """Sum of each objective's weight times its scaled value, normalised by the weight sum.

    Parameters
    ----------
    values : mapping
        Objective name (:data:`~electroscreen.screening.objective_table.OBJECTIVES`) -> its values
        over the pool; the ``unranked`` and ``dropped`` ones (conductivity, air stability) are
        needed, a computed one may be absent or ``None``.
    config : RankingConfig
        Weights and ranges.

    Returns
    -------
    ndarray
        ``(w_sigma * s(log10_sigma) + w_air * p_air_stable + ...) / sum(w)``; the computed terms
        only when their weights are positive. A missing air-stability probability (NaN) with a
        conductivity prediction scores without it; a missing conductivity gives NaN; a missing
        window or cost contributes 0.
    """
    extra_weight, extra = _computed_terms(config, values)
    core = [(name, OBJECTIVES[name]) for name in predicted()]
    total = sum(_weight(o, config) for _, o in core) + extra_weight
    if total <= 0:
        raise ValueError("at least one ranking weight must be positive")
    numerator: np.ndarray | None = None
    lost: np.ndarray | float = 0.0  # per row: the weights of the dropped objectives it lacks
    has_weight: np.ndarray | bool = extra_weight > 0  # per row: a positive weight left
    for name, objective in core:
        w = _weight(objective, config)
        term = w * _score_term(objective, values[name], config)
        if objective.missing == "dropped":
            absent = np.isnan(np.asarray(values[name], dtype=np.float64))
            term = np.where(absent, 0.0, term)
            lost = lost + np.where(absent, w, 0.0)
            has_weight = has_weight | ((w > 0) & ~absent)
        else:
            has_weight = has_weight | (w > 0)
        numerator = term if numerator is None else numerator + term
    with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 where no weight is left: NaN
        score = (numerator + extra) / (total - lost)
    return np.where((np.asarray(lost) > 0) & ~np.asarray(has_weight), np.nan, score)


def optimistic_values(
    values: Mapping[str, np.ndarray | None],
    stds: Mapping[str, np.ndarray | None],
    kappa: float,
) -> dict[str, np.ndarray | None]:
    """``values`` moved ``kappa`` standard deviations towards better (clipped to an objective's
    ``bounds``) where ``stds`` has the objective's; missing standard deviations count as zero."""
    out = dict(values)
    for name, std in stds.items():
        objective = OBJECTIVES[name]
        if std is None or values.get(name) is None:
            continue
        std = np.nan_to_num(np.asarray(std, dtype=np.float64), nan=0.0)
        shifted = np.asarray(values[name], dtype=np.float64) + (
            kappa * std if objective.maximise else -kappa * std
        )
        if objective.bounds is not None:
            shifted = np.clip(shifted, *objective.bounds)
        out[name] = shifted
    return out


def acquisition_score(
    values: Mapping[str, np.ndarray | None],
    stds: Mapping[str, np.ndarray | None],
    config: RankingConfig,
) -> np.ndarray:
    """Upper-confidence-bound acquisition: :func:`weighted_score` of ``mu + kappa * std``
    (:func:`optimistic_values`; ``stds``: objective name -> standard deviations).

    Missing standard deviations count as zero (no exploration bonus for that objective).
    """
    return weighted_score(optimistic_values(values, stds, config.kappa), config)


def rank_order(score: np.ndarray) -> np.ndarray:
    """1-based rank by descending ``score`` (ties: input order), ``Int64``; NaN scores get ``<NA>``.

    Examples
    --------
    >>> rank_order(np.array([0.5, np.nan, 0.9])).tolist()
    [2, <NA>, 1]
    """
    score = np.asarray(score, dtype=np.float64)
    ranks = np.zeros(len(score), dtype=np.int64)
    valid = np.flatnonzero(~np.isnan(score))
    order = valid[np.argsort(-score[valid], kind="stable")]
    ranks[order] = np.arange(1, len(order) + 1)
    return _nullable(ranks)


class ParetoFallbackWarning(NoticeWarning, RuntimeWarning):
    """More rows than ``ranking.pareto_max_rows``: the fronts are over the two predictions only."""


def _pareto_value(objective: Objective, values: np.ndarray) -> np.ndarray:
    """``values`` as ``pareto_rank`` maximises them: ``log10`` where the objective says so (a
    value <= 0 undefined), negated when minimised."""
    values = np.asarray(values, dtype=np.float64)
    if objective.log10:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(values > 0, np.log10(values), np.nan)
    return values if objective.maximise else -values


def _pareto_objectives(
    config: RankingConfig, values: Mapping[str, np.ndarray | None]
) -> tuple[list[np.ndarray], list[int]]:
    """The columns ``pareto_rank`` maximises, in ``config.pareto_objectives`` order, each in units
    of its :data:`PARETO_RESOLUTION` (rounded: closer values tie; cost as -log10 USD/kg);
    conductivity and air stability always, the computed ones when present (not all NaN); and the
    positions of the computed ones, whose NaN (e.g. ``window_out_of_domain``) is unknown
    (:func:`pareto_ranks`' ``optional``)."""
    out: list[np.ndarray] = []
    optional: list[int] = []
    for name in config.pareto_objectives:
        objective = OBJECTIVES[name]
        if values.get(name) is None:
            continue
        steps = objective_steps(name, _pareto_value(objective, values[name]))
        if objective.missing != "worst":
            out.append(steps)
        elif np.isfinite(steps).any():
            optional.append(len(out))
            out.append(steps)
    if len(out) > 2 and config.pareto_max_rows:
        required = [c for i, c in enumerate(out) if i not in optional]
        n_rows = int(np.isfinite(np.column_stack(required)).all(axis=1).sum())
        if n_rows > config.pareto_max_rows:
            named = " and ".join(n.replace("_", " ") for n in predicted())
            warnings.warn(
                f"pareto_rank: {n_rows} rows exceed ranking.pareto_max_rows = "
                f"{config.pareto_max_rows}; fronts over {named} only",
                ParetoFallbackWarning,
                stacklevel=3,
            )
            steps = [
                objective_steps(n, _pareto_value(OBJECTIVES[n], values[n])) for n in predicted()
            ]
            return steps, []
    return out, optional


def objective_steps(name: str, values: np.ndarray) -> np.ndarray:
    """``values`` of the Pareto objective ``name`` counted in steps of its
    :data:`PARETO_RESOLUTION`, rounded (NaN stays NaN): what ``pareto_rank`` compares.

    Examples
    --------
    >>> objective_steps("conductivity", np.array([-3.0, -3.0 + 1e-9, -2.9996])).tolist()
    [-3000.0, -3000.0, -3000.0]
    """
    return np.round(np.asarray(values, dtype=np.float64) / PARETO_RESOLUTION[name])


def _column(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    return frame[name].to_numpy(dtype=np.float64) if name in frame else None


def rank_candidates(predictions: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """Ranking columns for a whole pool of predictions, in the same row order.

    Parameters
    ----------
    predictions : DataFrame
        Columns ``pred_log10_sigma``, ``pred_log10_sigma_std``, ``p_air_stable`` and optionally
        ``p_air_stable_std``, ``window_ox_v``, ``cost_usd_per_kg``,
        ``interface_anode_ev_per_atom``; NaN for candidates that were rejected or failed.
    config : RankingConfig
        Weights, ranges, and ``pareto_objectives``: the objectives of ``pareto_rank`` (default
        conductivity, air stability, oxidation limit and cost; an objective whose column is
        absent or all NaN, e.g. with ``objectives.window: false``, is left out; a row whose
        computed objective is NaN, e.g. ``window_out_of_domain``, is compared without it
        (unknown, not worst: :func:`pareto_ranks`' ``optional``); above
        ``pareto_max_rows`` rows, conductivity and air stability only, with a warning).

    Returns
    -------
    DataFrame
        ``pareto_rank`` (1 = front), ``score``, ``acquisition`` (UCB), ``rank`` (by score) and
        ``acquisition_rank`` (by acquisition); the ranks (:data:`RANK_COLUMNS`) are 1-based
        nullable ``Int64``, ``<NA>`` when unranked.
    """
    values: dict[str, np.ndarray | None] = {}
    stds: dict[str, np.ndarray | None] = {}
    for name, objective in OBJECTIVES.items():
        if objective.missing == "worst":
            values[name] = _column(predictions, objective.column)
        else:  # a prediction every pool has
            values[name] = predictions[objective.column].to_numpy(dtype=np.float64)
        if objective.std_column:
            stds[name] = _column(predictions, objective.std_column)
    score = weighted_score(values, config)
    acquisition = acquisition_score(values, stds, config)
    columns, optional = _pareto_objectives(config, values)
    return pd.DataFrame(
        {
            "pareto_rank": pareto_ranks(*columns, optional=optional),
            "score": score,
            "acquisition": acquisition,
            "rank": rank_order(score),
            "acquisition_rank": rank_order(acquisition),
        },
        index=predictions.index,
    )
