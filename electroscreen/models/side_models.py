"""A conductivity predictor's side models: feature novelty and the activation energy (Arrhenius).

Fitted beside the main estimator of a
:class:`~electroscreen.models.predictor.CandidatePredictor` on the same training rows (see its
module docstring, *Novelty* and *Temperature*): :class:`~electroscreen.models.novelty.FeatureNovelty`
on the training design, and, for ``temperature_model="arrhenius"``, a small forest
(:data:`~electroscreen.models.temperature.EA_FOREST`) of the activation energy ``Ea`` (eV) on the
rows with an ``ea_ev`` value. :func:`predict_conductivity` combines them with the conformal
intervals of the main model, their upper bounds cut at :data:`LOG10_SIGMA_CEILING`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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

__all__ = ["LOG10_SIGMA_CEILING", "fit_side_models", "predict_conductivity"]

#: Upper end of a conductivity interval, log10 S/cm (1 S/cm): above every training measurement
#: (OBELiX at most -1.6 at room temperature, the Liverpool set -0.56 at any temperature) and the
#: conductivity of any Li or Na solid electrolyte; only Ag+ conductors such as alpha-AgI (about
#: 1-3 S/cm above 147 degC) reach it. A conformal bound above it (a wide interval around a high
#: prediction) states nothing a measurement could show; the point prediction is never cut.
LOG10_SIGMA_CEILING = 0.0


def fit_side_models(
    design: object,
    table: pd.DataFrame,
    X: object,
    *,
    temperature_model: str,
    estimator_params: dict | None,
    random_state: int,
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

    Returns
    -------
    dict
        The predictor's fitted attributes ``novelty_``, ``ea_model_`` (None when fewer than 10
        rows have ``ea_ev``), ``ea_default_`` (median ``ea_ev``, else :data:`DEFAULT_EA_EV`),
        ``ea_log10_prefactor_`` (:func:`~electroscreen.models.temperature.log10_prefactor` of the
        rows with ``ea_ev`` and a 25 degC value; None without ``ea_model_``) and, when ``Ea`` was
        looked for, ``n_ea_train_``.
    """
    out: dict[str, object] = {
        "novelty_": FeatureNovelty().fit(X) if isinstance(X, np.ndarray) else None,
        "ea_model_": None,
        "ea_default_": DEFAULT_EA_EV,
        "ea_log10_prefactor_": None,
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
    out["n_ea_train_"] = len(has)
    return out


def predict_conductivity(
    predictor: object, design: object, temperature_c: np.ndarray | float | None
) -> list[np.ndarray]:
    """``[mu, std, lo, hi, novelty(, ea)]`` of the design's rows at their temperatures.

    Parameters
    ----------
    predictor : CandidatePredictor
        Fitted, conductivity (``estimator_`` a ``ConformalRegressor``).
    design : Design
    temperature_c : float or ndarray of shape (len(design),), optional
        degC (default 25).

    Returns
    -------
    list of ndarray, each of shape (len(design.rows),)
        log10 sigma and its spread and interval (shifted along the Arrhenius line; the upper
        bound at most :data:`LOG10_SIGMA_CEILING` or the prediction), novelty, and the activation
        energy (eV) for ``temperature_model="arrhenius"``.
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
    if predictor.temperature_model != "arrhenius":
        return [mu, sd, lo, _below_ceiling(hi, mu), novelty]
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
    return [mu + shift, sd, lo + shift, _below_ceiling(hi + shift, mu + shift), novelty, ea]


def _below_ceiling(hi: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Upper bounds cut at :data:`LOG10_SIGMA_CEILING`, never below the prediction ``mu``."""
    return np.minimum(hi, np.maximum(mu, LOG10_SIGMA_CEILING))
