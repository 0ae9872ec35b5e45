"""The calibration folds of a :class:`~electroscreen.models.uncertainty.ConformalRegressor`.

Which rows calibrate (:func:`calibration_split`: the ``split`` method's held-out rows, whole groups
at a time; :func:`cross_fit_folds`: the ``cv`` method's folds, grouped when there are enough
groups), a clone of the estimator fitted on the other rows (:func:`fit_on_rows`), and what the
calibration needs of each held-out row (:func:`score_rows`: prediction, spread, novelty, and
whether its chemical system is among the training rows', :func:`known_systems`).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GroupKFold, KFold

from electroscreen.models.design import take_rows
from electroscreen.models.novelty import FeatureNovelty

__all__ = [
    "calibration_split",
    "cross_fit_folds",
    "fit_on_rows",
    "known_systems",
    "score_rows",
]


def calibration_split(
    n: int, groups: np.ndarray | None, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Calibration and proper-training rows of the ``split`` method (sorted positions).

    About ``fraction`` of the ``n`` rows calibrate: random rows, or, with ``groups``, whole groups
    in random group order (at least two groups needed).
    """
    n_cal = max(1, int(round(fraction * n)))
    if groups is None:
        order = rng.permutation(n)
        return np.sort(order[:n_cal]), np.sort(order[n_cal:])
    # whole groups go to calibration, in random group order, until about n_cal rows: the cut
    # moves to the end of the group it falls in (or to its start, if that group is the last)
    _, group_id = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    rank = rng.permutation(group_id.max() + 1)[group_id]
    order = np.lexsort((np.arange(n), rank))
    ranked = rank[order]
    cut = int(np.searchsorted(ranked, ranked[min(n_cal, n) - 1], side="right"))
    if cut >= n:
        cut = int(np.searchsorted(ranked, ranked[min(n_cal, n) - 1], side="left"))
    if cut <= 0:
        raise ValueError("a grouped calibration split needs at least two groups")
    return np.sort(order[:cut]), np.sort(order[cut:])


def cross_fit_folds(
    n: int, y: np.ndarray, groups: np.ndarray | None, n_splits: int, random_state: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` folds of the ``cv`` method (grouped when there are enough groups)."""
    if groups is not None and len(np.unique(groups)) >= n_splits:
        return GroupKFold(n_splits=n_splits).split(np.zeros(n), y, groups)
    return KFold(n_splits, shuffle=True, random_state=random_state).split(np.zeros(n))


def fit_on_rows(
    estimator: BaseEstimator,
    X: object,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    censored: np.ndarray,
    rows: np.ndarray,
) -> BaseEstimator:
    """A clone of ``estimator`` fitted on rows ``rows`` (told which are ``censored`` when its
    ``fit`` takes it, e.g. a Tobit loss)."""
    model = clone(estimator)
    kwargs = {}
    if sample_weight is not None:
        kwargs["sample_weight"] = np.asarray(sample_weight)[rows]
    if "censored" in inspect.signature(model.fit).parameters:
        kwargs["censored"] = censored[rows]
    return model.fit(take_rows(X, rows), y[rows], **kwargs)


def score_rows(
    model: BaseEstimator,
    X: object,
    train: np.ndarray,
    test: np.ndarray,
    systems: np.ndarray,
    novelty: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, mu, sd, novelty, seen)`` of held-out rows ``test`` under a model fitted on
    ``train`` (``novelty``: the distance to the rows ``train`` is computed, else zeros; ``seen``:
    the row's element-set code among the training rows', code 0 never)."""
    mu, sd = model.predict_dist(take_rows(X, test))
    distance = np.zeros(len(test))
    if novelty:
        distance = FeatureNovelty().fit(take_rows(X, train)).distance(take_rows(X, test))
    seen = known_systems(systems[test], systems[train])
    mu, sd = np.asarray(mu, dtype=np.float64), np.asarray(sd, dtype=np.float64)
    return test, mu, sd, distance, seen


def known_systems(codes: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Whether each element-set code is among ``known`` (code 0, no elements, never is)."""
    return np.isin(codes, known) & (codes != 0)
