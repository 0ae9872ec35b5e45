"""Held-out predictions of the stabilisation model, grouped by chemical system.

One GroupKFold loop (groups: the chemical systems of :func:`~electroscreen.featurizers.thermo.
stabilisation_data.system_labels`) serves both uses of a held-out error: the model's
cross-validated error against trivial baselines (:func:`cross_validation_scores`,
:meth:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel.cross_validate`) and the
applicability domain, where a set of anions is in the domain only if the held-out correction
predicts its rows better than no correction (:func:`~electroscreen.featurizers.thermo.
stabilisation_domain.domain_scores`, measured in ``StabilisationModel.fit``). A row is never
predicted by a model that saw a composition of its chemical system.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.model_selection import GroupKFold

__all__ = ["cross_validation_scores", "held_out_predictions"]


def held_out_predictions(
    make_regressor: Callable[[], object],
    features: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    n_splits: int,
) -> np.ndarray:
    """Each row's correction by a regressor fitted on the folds without its group.

    Parameters
    ----------
    make_regressor : callable
        Returns an unfitted regressor (``fit``/``predict``), the same for every fold.
    features : ndarray of float64, shape (n, F)
    y : ndarray of float64, shape (n,)
        Stabilisation energies, eV/atom.
    groups : ndarray, shape (n,)
        Chemical system of each row.
    n_splits : int
        GroupKFold folds; at most the number of groups is used.

    Returns
    -------
    ndarray of float64, shape (n,)
        Predictions clipped to <= 0 (as a correction is applied), eV/atom.

    Raises
    ------
    ValueError
        Fewer than two groups: nothing can be held out.
    """
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError(f"held out by chemical system needs two or more; {n_groups} given")
    pred = np.zeros(len(y))
    for train, test in GroupKFold(min(n_splits, n_groups)).split(features, y, groups):
        regressor = make_regressor().fit(features[train], y[train])
        pred[test] = np.minimum(regressor.predict(features[test]), 0.0)
    return pred


def cross_validation_scores(
    make_regressor: Callable[[], object],
    features: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    n_splits: int,
) -> dict[str, float]:
    """Grouped K-fold MAE of the regressor and of trivial baselines, eV/atom.

    Returns
    -------
    dict
        ``mae_model`` (:func:`held_out_predictions`), ``mae_zero`` (predict 0, i.e. the plain hull
        approximation), ``mae_mean`` and ``mae_median`` (the training-fold mean / median),
        ``mae_model_vs_clipped`` and ``mae_zero_vs_clipped`` (the same against ``min(target,
        0)``, the part a clipped model can represent), ``n``.
    """
    pred = held_out_predictions(make_regressor, features, y, groups, n_splits)
    mean, median = np.zeros(len(y)), np.zeros(len(y))
    for train, test in GroupKFold(n_splits).split(features, y, groups):
        mean[test] = y[train].mean()
        median[test] = np.median(y[train])
    clipped = np.minimum(y, 0.0)
    return {
        "mae_model": float(np.abs(pred - y).mean()),
        "mae_zero": float(np.abs(y).mean()),
        "mae_mean": float(np.abs(mean - y).mean()),
        "mae_median": float(np.abs(median - y).mean()),
        "mae_model_vs_clipped": float(np.abs(pred - clipped).mean()),
        "mae_zero_vs_clipped": float(np.abs(clipped).mean()),
        "n": float(len(y)),
    }
