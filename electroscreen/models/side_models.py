"""A conductivity predictor's side models: feature novelty and the activation energy (Arrhenius).

Fitted beside the main estimator of a
:class:`~electroscreen.models.predictor.CandidatePredictor` on the same training rows (see its
module docstring, *Novelty* and *Temperature*): :class:`~electroscreen.models.novelty.FeatureNovelty`
on the training design, and, for ``temperature_model="arrhenius"``, a small forest
(:data:`~electroscreen.models.temperature.EA_FOREST`) of the activation energy ``Ea`` (eV) on the
rows with an ``ea_ev`` value. :func:`predict_conductivity` combines them with the conformal
intervals of the main model (a recall's widened by
:class:`~electroscreen.models.recall_intervals.RecallIntervals`), their upper bounds cut at
:data:`LOG10_SIGMA_CEILING`.

Away from 25 degC an interval is the 25 degC interval moved along the Arrhenius line and widened
by what an error in ``Ea`` does there: ``e = ea_error_quantile_ |1/T - 1/298.15 K| / (k_B ln10)``
decades, with ``ea_error_quantile_`` (eV) the conformal quantile of the activation energy's absolute
error out of fold (folds grouped by chemical system; the rule is given each held-out row's measured
25 degC value, whose error the 25 degC interval already holds). Each half-width ``h`` becomes
``sqrt(h^2 + e^2)``: chosen out of fold on the Liverpool measurements of held-out chemical systems
(``benchmarks/temperature_intervals.py``), where adding ``h + e`` over-covered (0.93-1.0 above
100 degC) and the moved interval alone under-covered (0.77-0.89 from 200 to 400 degC).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from electroscreen.models.design import take_rows
from electroscreen.models.novelty import FeatureNovelty
from electroscreen.models.sklearn_models import TreeEnsembleRegressor
from electroscreen.models.temperature import (
    DEFAULT_EA_EV,
    EA_FOREST,
    EA_RULE_WEIGHT,
    arrhenius_shift,
    log10_prefactor,
    prefactor_activation_energy,
)
from electroscreen.models.uncertainty import conformal_quantile

__all__ = [
    "EA_ERROR_FOLDS",
    "LOG10_SIGMA_CEILING",
    "ea_error_quantile",
    "fit_side_models",
    "predict_conductivity",
]

#: Upper end of a conductivity interval, log10 S/cm (1 S/cm): above every training measurement
#: (OBELiX at most -1.6 at room temperature, the Liverpool set -0.56 at any temperature) and the
#: conductivity of any Li or Na solid electrolyte; only Ag+ conductors such as alpha-AgI (about
#: 1-3 S/cm above 147 degC) reach it. A conformal bound above it (a wide interval around a high
#: prediction) states nothing a measurement could show; the point prediction is never cut.
LOG10_SIGMA_CEILING = 0.0
#: Folds (grouped by chemical system) of the out-of-fold activation-energy error.
EA_ERROR_FOLDS = 5


def fit_side_models(
    design: object,
    table: pd.DataFrame,
    X: object,
    *,
    temperature_model: str,
    estimator_params: dict | None,
    random_state: int,
    alpha: float = 0.1,
) -> dict[str, object]:
    """Novelty (w.r.t. the training rows ``X``) and activation-energy model.

    Parameters
    ----------
    design : Design
        The design of ``table`` (row-aligned).
    table : DataFrame
        The training table; its optional ``ea_ev`` column (eV) trains the ``Ea`` model.
    X : ndarray of shape (n_train, n_features) or PackedStructures
        The training rows of the main model (novelty only for a feature matrix).
    temperature_model : {"none", "arrhenius"}
    estimator_params : dict, optional
        The main estimator's parameters (its ``n_jobs`` is reused).
    random_state : int
    alpha : float
        Miscoverage of the intervals (the predictor's ``conformal_alpha``).

    Returns
    -------
    dict
        The predictor's fitted attributes ``novelty_``, ``ea_model_`` (None when fewer than 10
        rows have ``ea_ev``), ``ea_default_`` (median ``ea_ev``, else :data:`DEFAULT_EA_EV`),
        ``ea_log10_prefactor_`` (:func:`~electroscreen.models.temperature.log10_prefactor` of the
        rows with ``ea_ev`` and a 25 degC value; None without ``ea_model_``) and, when ``Ea`` was
        looked for, ``n_ea_train_`` and ``ea_error_quantile_`` (:func:`ea_error_quantile`; None
        without ``ea_model_``).
    """
    out: dict[str, object] = {
        "novelty_": FeatureNovelty().fit(X) if isinstance(X, np.ndarray) else None,
        "ea_model_": None,
        "ea_default_": DEFAULT_EA_EV,
        "ea_log10_prefactor_": None,
        "ea_error_quantile_": None,
    }
    if temperature_model != "arrhenius" or "ea_ev" not in table:
        return out
    ea = table["ea_ev"].to_numpy(dtype=float)[design.rows]
    has = np.flatnonzero(np.isfinite(ea))
    if len(has):
        out["ea_default_"] = float(np.median(ea[has]))
    if len(has) >= 10:
        n_jobs = dict(estimator_params or {}).get("n_jobs")
        model = TreeEnsembleRegressor(
            kind="random_forest", n_jobs=n_jobs, random_state=random_state, **EA_FOREST
        )
        out["ea_model_"] = model.fit(take_rows(design.X, has), ea[has])
        measured = table["log10_sigma"].to_numpy(dtype=float)[design.rows][has]
        exact = np.isfinite(measured)  # a censored row has a bound, not a value
        if exact.any():
            out["ea_log10_prefactor_"] = log10_prefactor(measured[exact], ea[has][exact])
        out["ea_error_quantile_"] = ea_error_quantile(
            take_rows(design.X, has),
            ea[has],
            measured,
            design.element_sets[has],
            alpha=alpha,
            rule=out["ea_log10_prefactor_"] is not None,
            n_jobs=n_jobs,
            random_state=random_state,
        )
    out["n_ea_train_"] = len(has)
    return out


def ea_error_quantile(
    X: np.ndarray,
    ea: np.ndarray,
    log10_sigma_25: np.ndarray,
    systems: np.ndarray,
    *,
    alpha: float,
    rule: bool,
    n_jobs: int | None,
    random_state: int,
) -> float | None:
    """Conformal ``1 - alpha`` quantile (eV) of the activation energy's absolute error, out of fold.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
        Design rows that have a measured ``Ea``.
    ea : ndarray of shape (n,)
        Their activation energies (eV).
    log10_sigma_25 : ndarray of shape (n,)
        Their measured 25 degC conductivities (log10 S/cm; NaN where not measured, e.g. censored).
    systems : ndarray of uint64, shape (n,)
        Element-set codes: the folds (:data:`EA_ERROR_FOLDS`) hold out whole chemical systems.
    alpha : float
    rule : bool
        Whether predictions mix in :func:`~electroscreen.models.temperature.prefactor_activation_energy`
        (``EA_RULE_WEIGHT``); it is given each held-out row's measured value, so only rows with one
        are scored. Without it, the forest's error on every row.
    n_jobs : int, optional
    random_state : int

    Returns
    -------
    float or None
        None when fewer than ``EA_ERROR_FOLDS`` chemical systems can be held out, or infinity when
        too few rows are scored for the quantile (:func:`conformal_quantile`).
    """
    if not isinstance(X, np.ndarray) or len(np.unique(systems)) < EA_ERROR_FOLDS:
        return None
    folds = GroupKFold(EA_ERROR_FOLDS, shuffle=True, random_state=random_state)
    errors = []
    for train, test in folds.split(X, ea, systems):
        forest = TreeEnsembleRegressor(
            kind="random_forest", n_jobs=n_jobs, random_state=random_state, **EA_FOREST
        )
        guess = forest.fit(X[train], ea[train]).predict(X[test])
        if rule:
            known = np.isfinite(log10_sigma_25[train])
            prefactor = log10_prefactor(log10_sigma_25[train][known], ea[train][known])
            tied = prefactor_activation_energy(log10_sigma_25[test], prefactor)
            guess = (1.0 - EA_RULE_WEIGHT) * guess + EA_RULE_WEIGHT * tied
        errors.append(np.abs(guess - ea[test]))
    errors = np.concatenate(errors)
    return conformal_quantile(errors[np.isfinite(errors)], alpha)


def predict_conductivity(
    predictor: object,
    design: object,
    temperature_c: np.ndarray | float | None,
    interval_25c: bool = False,
) -> list[np.ndarray]:
    """``[mu, std, lo, hi, novelty(, ea)]`` of the design's rows at their temperatures, and with
    ``interval_25c`` their 25 degC interval ``[lo_25c, hi_25c]`` after them.

    Parameters
    ----------
    predictor : CandidatePredictor
        Fitted, conductivity (``estimator_`` a ``ConformalRegressor``).
    design : Design
    temperature_c : float or ndarray of shape (len(design),), optional
        degC (default 25).
    interval_25c : bool
        Also return each row's interval at 25 degC, the one its temperature's is moved from: a
        measurement at 25 degC (``heldout_log10_sigma``) is compared with it whatever the
        screening's temperature (:func:`~electroscreen.screening.batch_notes.heldout_notes`).
        At 25 degC it equals ``[lo, hi]``.

    Returns
    -------
    list of ndarray, each of shape (len(design.rows),)
        log10 sigma and its spread and interval (a recalled training composition's widened to
        its measured scatter at 25 degC, :mod:`~electroscreen.models.recall_intervals`; shifted
        along the Arrhenius line; the upper bound at most :data:`LOG10_SIGMA_CEILING` or the
        prediction), novelty, the activation energy (eV) for ``temperature_model="arrhenius"``,
        and, with ``interval_25c``, the 25 degC interval's bounds.
    """
    novelty_model = predictor.novelty_
    if novelty_model is None:
        novelty = np.full(len(design.rows), np.nan)
        mu, sd, lo, hi = predictor.estimator_.predict_interval(
            design.X, element_sets=design.element_sets, anion_classes=design.anion_classes
        )
    else:  # the conformal novelty bins use the same distance (same training rows): once
        novelty = novelty_model.distance(design.X)
        mu, sd, lo, hi = predictor.estimator_.predict_interval(
            design.X, novelty, design.element_sets, design.anion_classes
        )
    recalls = predictor.recall_intervals_  # None: fitted before 2026-12-07, as before
    if recalls is not None and design.compositions is not None:  # recall_intervals: at 25 degC
        lo, hi = recalls.widen(design.compositions, lo, hi)
    at_25c = [lo, _below_ceiling(hi, mu)] if interval_25c else []
    if predictor.temperature_model != "arrhenius":
        return [mu, sd, lo, _below_ceiling(hi, mu), novelty, *at_25c]
    ea = (
        predictor.ea_model_.predict(design.X)
        if predictor.ea_model_ is not None
        else np.full(len(design.rows), predictor.ea_default_)
    )
    prefactor = predictor.ea_log10_prefactor_  # None: no Ea rows, or pickled before 2026-12-06
    if prefactor is not None:  # tied to the predicted conductivity (temperature.EA_RULE_WEIGHT)
        tied = prefactor_activation_energy(mu, prefactor)
        ea = (1.0 - EA_RULE_WEIGHT) * ea + EA_RULE_WEIGHT * tied
    t = 25.0 if temperature_c is None else temperature_c
    t = np.broadcast_to(np.asarray(t, dtype=np.float64), (len(design),))[design.rows]
    shift = arrhenius_shift(ea, t)
    below, above = mu - lo, hi - mu  # the 25 degC half-widths
    mu, lo, hi = mu + shift, lo + shift, hi + shift
    ea_error = predictor.ea_error_quantile_  # None: no Ea model, or pickled before 2026-12-06
    if ea_error is not None:  # what the error in Ea does away from 25 degC (module docstring)
        spread = arrhenius_shift(np.full(len(t), ea_error), t)  # 0 at 25 degC: bounds unchanged
        lo = lo - (np.hypot(below, spread) - below)
        hi = hi + (np.hypot(above, spread) - above)
    return [mu, sd, lo, _below_ceiling(hi, mu), novelty, ea, *at_25c]


def _below_ceiling(hi: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Upper bounds cut at :data:`LOG10_SIGMA_CEILING`, never below the prediction ``mu``."""
    return np.minimum(hi, np.maximum(mu, LOG10_SIGMA_CEILING))
