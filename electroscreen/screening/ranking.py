"""Ranking of predicted candidates: Pareto fronts, a weighted score and a UCB acquisition score.

All functions take plain arrays over the *whole* pool (NaN where a candidate has no prediction) so the
ranking does not depend on batch boundaries or on how many workers produced the predictions. Ties are
broken by input order.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from electroscreen.notices import NoticeWarning
from electroscreen.screening.pareto_kernels import front_numbers_2d, front_numbers_nd
from electroscreen.screening.screen_config import RankingConfig

__all__ = [
    "ParetoFallbackWarning",
    "PARETO_RESOLUTION",
    "RANKING_COLUMNS",
    "RANK_COLUMNS",
    "as_rank_columns",
    "objective_steps",
    "is_ranked",
    "acquisition_score",
    "pareto_ranks",
    "rank_candidates",
    "rank_order",
    "weighted_score",
]

#: Columns :func:`rank_candidates` adds to the results table.
RANKING_COLUMNS = ("pareto_rank", "score", "acquisition", "rank", "acquisition_rank")

#: The resolution at which ``pareto_rank`` compares each objective; closer values tie. Units:
#: conductivity decades (log10 S/cm), air stability probability, oxidation limit V, cost decades
#: (log10 USD/kg), anode reaction energy eV/atom. Far below what the models resolve (intervals
#: span decades, probabilities carry spreads of ~0.1) and far above floating-point noise: without
#: it, predictions that differed by 1e-9 decided who dominated whom, and a change in the last bits
#: of the air-stability probabilities moved 11 of 50 candidates on or off the first front of a
#: 200,000-formula screen.
PARETO_RESOLUTION = {
    "conductivity": 1e-3,
    "air_stability": 1e-4,
    "oxidation": 1e-3,
    "cost": 1e-4,
    "anode": 1e-4,
}

#: The integer rank columns (1 = best): pandas nullable ``Int64``, empty (``<NA>``) for a row that
#: was not ranked (rejected, failed, or without the predictions the rank needs). Never 0, so
#: sorting by a rank puts unranked rows last.
RANK_COLUMNS = ("rank", "pareto_rank", "acquisition_rank")


def as_rank_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its :data:`RANK_COLUMNS` as nullable ``Int64`` (values < 1 become ``<NA>``).

    For tables read back from Parquet or CSV (where an integer column with gaps comes back as
    float) and results written before ranks were nullable (0 meant unranked). Modifies and returns
    ``table``.
    """
    for name in RANK_COLUMNS:
        if name in table:
            values = pd.to_numeric(table[name], errors="coerce").astype("Float64")
            table[name] = values.where(values >= 1).round().astype("Int64")
    return table


def is_ranked(ranks: pd.Series) -> np.ndarray:
    """Boolean mask of the rows that have a rank (not ``<NA>``/NaN, and >= 1 for old tables)."""
    return (
        pd.to_numeric(ranks, errors="coerce").astype("Float64").ge(1).fillna(False).to_numpy(bool)
    )


def pareto_ranks(*objectives: np.ndarray) -> np.ndarray:
    """Non-dominated sorting of points maximising every objective.

    Parameters
    ----------
    *objectives : ndarray, shape (N,)
        Two or more objectives to maximise (negate one to minimise it); rows where any is not
        finite are not ranked (``<NA>``).

    Returns
    -------
    pandas IntegerArray (``Int64``), shape (N,)
        1 for the Pareto front (no other point is at least as good in every objective and better
        in one), 2 for the front once the first is removed, and so on. Identical points share a
        front. Two objectives: O(N log N); more: efficient non-dominated sort, O(N log F) front
        searches each scanning one front (F fronts).

    Examples
    --------
    >>> pareto_ranks(np.array([1.0, 2.0, 0.5, np.nan]), np.array([2.0, 1.0, 0.5, 2.0])).tolist()
    [1, 1, 2, <NA>]
    """
    if len(objectives) < 2:
        raise ValueError("pareto_ranks needs at least two objectives")
    columns = [np.asarray(o, dtype=np.float64) for o in objectives]
    n = len(columns[0])
    if any(len(c) != n for c in columns):
        raise ValueError("every objective needs one value per row")
    ranks = np.zeros(n, dtype=np.int64)
    matrix = np.column_stack(columns) if n else np.zeros((0, len(columns)))
    valid = np.flatnonzero(np.isfinite(matrix).all(axis=1))
    if len(valid) == 0:
        return _nullable(ranks)
    unique, inverse = np.unique(matrix[valid], axis=0, return_inverse=True)
    order = np.lexsort(tuple(-unique[:, c] for c in range(unique.shape[1] - 1, -1, -1)))
    fronts = np.empty(len(unique), dtype=np.int64)
    if unique.shape[1] == 2:
        fronts[order] = front_numbers_2d(np.ascontiguousarray(unique[order, 1]))
    else:
        fronts[order] = front_numbers_nd(np.ascontiguousarray(unique[order]))
    ranks[valid] = fronts[inverse.reshape(-1)]
    return _nullable(ranks)


def _nullable(ranks: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """1-based int64 ranks with 0 for unranked -> ``Int64`` with ``<NA>`` for unranked."""
    return pd.arrays.IntegerArray(ranks, ranks < 1)


def _scaled_sigma(log10_sigma: np.ndarray, sigma_range: tuple[float, float]) -> np.ndarray:
    lo, hi = sigma_range
    return np.clip((np.asarray(log10_sigma, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


def _computed_terms(
    config: RankingConfig,
    window_ox_v: np.ndarray | None,
    cost_usd_per_kg: np.ndarray | None,
    interface_ev_per_atom: np.ndarray | None = None,
) -> tuple[float, np.ndarray | float]:
    """Weight sum and weighted sum of the computed objectives (oxidation limit, cheapness,
    stability against the anode)."""
    weight = config.weight_oxidation + config.weight_cost + config.weight_interface
    if weight <= 0:
        return 0.0, 0.0
    term = 0.0
    if config.weight_interface > 0 and interface_ev_per_atom is not None:
        anode = _scaled_sigma(interface_ev_per_atom, config.interface_range)
        term = term + config.weight_interface * np.nan_to_num(anode, nan=0.0)
    if config.weight_oxidation > 0 and window_ox_v is not None:
        ox = _scaled_sigma(window_ox_v, config.oxidation_range)
        term = term + config.weight_oxidation * np.nan_to_num(ox, nan=0.0)
    if config.weight_cost > 0 and cost_usd_per_kg is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_cost = np.log10(np.asarray(cost_usd_per_kg, dtype=np.float64))
        cheap = 1.0 - _scaled_sigma(log_cost, config.log10_cost_range)
        term = term + config.weight_cost * np.nan_to_num(cheap, nan=0.0)
    return weight, term


def weighted_score(
    log10_sigma: np.ndarray,
    p_air_stable: np.ndarray,
    config: RankingConfig,
    window_ox_v: np.ndarray | None = None,
    cost_usd_per_kg: np.ndarray | None = None,
    interface_ev_per_atom: np.ndarray | None = None,
) -> np.ndarray:
    """``w_sigma * s(log10_sigma) + w_air * p_air_stable`` (+ the oxidation-limit, cost and anode
    terms when their weights are positive), normalised by the weight sum.

    A missing air-stability probability (NaN) with a conductivity prediction scores without it; a
    missing conductivity gives NaN; a missing window or cost contributes 0.
    """
    extra_weight, extra = _computed_terms(
        config, window_ox_v, cost_usd_per_kg, interface_ev_per_atom
    )
    total = config.weight_conductivity + config.weight_air_stability + extra_weight
    if total <= 0:
        raise ValueError("at least one ranking weight must be positive")
    s = _scaled_sigma(log10_sigma, config.sigma_range)
    p = np.asarray(p_air_stable, dtype=np.float64)
    with_p = (config.weight_conductivity * s + config.weight_air_stability * p + extra) / total
    rest = total - config.weight_air_stability
    without_p = (
        (config.weight_conductivity * s + extra) / rest
        if config.weight_conductivity > 0 or extra_weight > 0
        else np.full_like(s, np.nan)
    )
    return np.where(np.isnan(p), without_p, with_p)


def acquisition_score(
    log10_sigma: np.ndarray,
    log10_sigma_std: np.ndarray,
    p_air_stable: np.ndarray,
    p_air_stable_std: np.ndarray | None,
    config: RankingConfig,
    window_ox_v: np.ndarray | None = None,
    cost_usd_per_kg: np.ndarray | None = None,
    interface_ev_per_atom: np.ndarray | None = None,
) -> np.ndarray:
    """Upper-confidence-bound acquisition: :func:`weighted_score` of ``mu + kappa * std``.

    Missing standard deviations count as zero (no exploration bonus for that objective).
    """
    sigma_std = np.nan_to_num(np.asarray(log10_sigma_std, dtype=np.float64), nan=0.0)
    optimistic_sigma = np.asarray(log10_sigma, dtype=np.float64) + config.kappa * sigma_std
    p = np.asarray(p_air_stable, dtype=np.float64)
    if p_air_stable_std is not None:
        p_std = np.nan_to_num(np.asarray(p_air_stable_std, dtype=np.float64), nan=0.0)
        p = np.clip(p + config.kappa * p_std, 0.0, 1.0)
    return weighted_score(
        optimistic_sigma, p, config, window_ox_v, cost_usd_per_kg, interface_ev_per_atom
    )


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


def _pareto_objectives(
    config: RankingConfig,
    mu: np.ndarray,
    p: np.ndarray,
    ox: np.ndarray | None,
    cost: np.ndarray | None,
    anode: np.ndarray | None,
) -> list[np.ndarray]:
    """The columns ``pareto_rank`` maximises, in ``config.pareto_objectives`` order, each in units
    of its :data:`PARETO_RESOLUTION` (rounded: closer values tie; cost as -log10 USD/kg);
    conductivity and air stability always, the computed ones when present (not all NaN)."""
    values = {"conductivity": mu, "air_stability": p, "oxidation": ox, "anode": anode}
    if cost is not None:
        cost = np.asarray(cost, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values["cost"] = np.where(cost > 0, -np.log10(cost), np.nan)
    else:
        values["cost"] = None
    out = []
    for name in config.pareto_objectives:
        column = values[name]
        if column is None:
            continue
        steps = objective_steps(name, column)
        if name in ("conductivity", "air_stability"):
            out.append(steps)
        elif np.isfinite(steps).any():
            out.append(_undefined_is_worst(steps))
    if len(out) > 2 and config.pareto_max_rows:
        n_rows = int(np.isfinite(np.column_stack(out)).all(axis=1).sum())
        if n_rows > config.pareto_max_rows:
            warnings.warn(
                f"pareto_rank: {n_rows} rows exceed ranking.pareto_max_rows = "
                f"{config.pareto_max_rows}; fronts over conductivity and air stability only",
                ParetoFallbackWarning,
                stacklevel=3,
            )
            return [objective_steps("conductivity", mu), objective_steps("air_stability", p)]
    return out


def objective_steps(name: str, values: np.ndarray) -> np.ndarray:
    """``values`` of the Pareto objective ``name`` counted in steps of its
    :data:`PARETO_RESOLUTION`, rounded (NaN stays NaN): what ``pareto_rank`` compares.

    Examples
    --------
    >>> objective_steps("conductivity", np.array([-3.0, -3.0 + 1e-9, -2.9996])).tolist()
    [-3000.0, -3000.0, -3000.0]
    """
    return np.round(np.asarray(values, dtype=np.float64) / PARETO_RESOLUTION[name])


def _undefined_is_worst(column: np.ndarray) -> np.ndarray:
    """A computed objective (maximised) with its undefined values (e.g. ``window_out_of_domain``)
    set below every defined one: such a row keeps a Pareto rank, never helped by that objective."""
    finite = np.isfinite(column)
    if finite.all():
        return column
    return np.where(finite, column, column[finite].min() - 1.0)


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
        computed objective is NaN, e.g. ``window_out_of_domain``, counts as worst on it; above
        ``pareto_max_rows`` rows, conductivity and air stability only, with a warning).

    Returns
    -------
    DataFrame
        ``pareto_rank`` (1 = front), ``score``, ``acquisition`` (UCB), ``rank`` (by score) and
        ``acquisition_rank`` (by acquisition); the ranks (:data:`RANK_COLUMNS`) are 1-based
        nullable ``Int64``, ``<NA>`` when unranked.
    """
    mu = predictions["pred_log10_sigma"].to_numpy(dtype=np.float64)
    std = predictions["pred_log10_sigma_std"].to_numpy(dtype=np.float64)
    p = predictions["p_air_stable"].to_numpy(dtype=np.float64)
    p_std = (
        predictions["p_air_stable_std"].to_numpy(dtype=np.float64)
        if "p_air_stable_std" in predictions
        else None
    )
    ox = _column(predictions, "window_ox_v")
    cost = _column(predictions, "cost_usd_per_kg")
    anode = _column(predictions, "interface_anode_ev_per_atom")
    score = weighted_score(mu, p, config, ox, cost, anode)
    acquisition = acquisition_score(mu, std, p, p_std, config, ox, cost, anode)
    return pd.DataFrame(
        {
            "pareto_rank": pareto_ranks(*_pareto_objectives(config, mu, p, ox, cost, anode)),
            "score": score,
            "acquisition": acquisition,
            "rank": rank_order(score),
            "acquisition_rank": rank_order(acquisition),
        },
        index=predictions.index,
    )
