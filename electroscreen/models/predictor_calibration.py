"""How a conductivity predictor calibrates its intervals: conformal method, groupings, fit.

The regression half of ``CandidatePredictor.fit_design``
(:class:`~electroscreen.models.predictor.CandidatePredictor`): :func:`conformal_method` resolves
``conformal_method="auto"``, :func:`calibration_groups` gives the training rows' groups of each of
the predictor's ``conformal_groups`` (composition, chemical system, family, none), and
:func:`fit_conformal` fits the estimator wrapped in a
:class:`~electroscreen.models.uncertainty.ConformalRegressor` (design choices:
``docs/architecture.md``, "The predictor's design choices", *Intervals*).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from electroscreen.data.composition_match import composition_groups
from electroscreen.models.estimators import TREE_ESTIMATORS
from electroscreen.models.featurize import Design
from electroscreen.models.row_groups import chemical_systems, conformal_groupings, family_groups
from electroscreen.models.tasks import Targets
from electroscreen.models.uncertainty import ConformalRegressor

__all__ = ["calibration_groups", "conformal_method", "fit_conformal"]


def conformal_method(method: str, estimator: str, n_groupings: int) -> str:
    """``"cv"`` or ``"split"``: ``method`` itself, or what ``"auto"`` means for ``estimator``.

    ``auto`` cross-fits tree ensembles, and any estimator when several groupings are pooled
    (they need cross-fits); it holds out a split for the others (torch models, slower fits).
    """
    if method != "auto":
        return method
    return "cv" if estimator in TREE_ESTIMATORS or n_groupings > 1 else "split"


def calibration_groups(
    table: pd.DataFrame, rows: np.ndarray, names: Sequence[str]
) -> list[np.ndarray | None]:
    """The groups of the training rows ``rows`` of ``table``, one array per grouping name."""
    groupings = {
        "composition": lambda: composition_groups(table["formula"].astype(str).to_numpy()[rows]),
        "chemsys": lambda: chemical_systems(table["formula"].to_numpy()[rows]),
        "family": lambda: family_groups(table)[rows],
        "none": lambda: None,
    }
    return [groupings[name]() for name in names]


def fit_conformal(
    predictor: object,
    base: BaseEstimator,
    X: object,
    design: Design,
    table: pd.DataFrame,
    targets: Targets,
    use: np.ndarray,
) -> ConformalRegressor:
    """``base`` wrapped in a :class:`ConformalRegressor` set by ``predictor``'s parameters, fitted.

    Parameters
    ----------
    predictor : CandidatePredictor
        Its ``conformal_*`` parameters, ``estimator`` and ``random_state``.
    base : regressor
        The unfitted estimator (``build_estimator``).
    X : design rows ``use`` (matrix or packed structures)
    design : Design
        The design of ``table`` (row-aligned).
    table : DataFrame
        The training table.
    targets : Targets
        Its targets (``targets_for``).
    use : ndarray of int
        Positions in ``design.rows`` of the rows trained on.
    """
    rows = design.rows[use]
    names = conformal_groupings(predictor.conformal_groups)
    return ConformalRegressor(
        base,
        alpha=predictor.conformal_alpha,
        method=conformal_method(predictor.conformal_method, predictor.estimator, len(names)),
        novelty_bins=predictor.conformal_novelty_bins,
        scale=predictor.conformal_scale,
        seen_systems=predictor.conformal_seen_systems,
        random_state=predictor.random_state,
    ).fit(
        X,
        targets.y[rows],
        evaluable=targets.evaluable[rows],
        groups=calibration_groups(table, rows, names),
        element_sets=None if design.element_sets is None else design.element_sets[use],
        anion_classes=None if design.anion_classes is None else design.anion_classes[use],
    )
