"""One trained pipeline: featurizers + estimator (+ conformal intervals), from a frame to predictions.

:class:`CandidatePredictor` is what ``train`` fits, MLflow saves and ``screen`` calls. It turns a frame
of candidates (``formula`` and optional ``structure``) into a design, fits the estimator of a task on a
labelled table, and predicts the screening columns row by row, never dropping a row.

Design choices (features, which rows are predicted, intervals, temperature, novelty, speed):
``docs/architecture.md``, section "The predictor's design choices". Parameters are checked in
:mod:`electroscreen.models.predictor_params`; featurizers are built by
:mod:`~electroscreen.models.predictor_featurizers`, intervals calibrated by
:mod:`~electroscreen.models.predictor_calibration`, output columns filled (the bodies of
``predict_design`` and ``predict_frame``) by :mod:`~electroscreen.models.predictor_outputs`; its
scikit-learn conventions (``predict``, ``score``, ``NotFittedError``; ``fit(table)``, not
``X, y``) in ``predictor_scoring``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from electroscreen.data.anion_classes import ANION_RULE
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.legacy_state import LegacyStateMixin
from electroscreen.data.packed import PackedStructures
from electroscreen.featurizers.base import CompositionFeaturizer, Featurizer
from electroscreen.models.constant_features import ConstantFeatures
from electroscreen.models.design import take_rows
from electroscreen.models.devices import move_torch_parts
from electroscreen.models.estimators import ESTIMATORS, build_estimator
from electroscreen.models.featurize import Design, featurize_frame, reads_structures
from electroscreen.models.frame_structures import parse_structures
from electroscreen.models.label_weights import label_fit_weights
from electroscreen.models.predictor_calibration import fit_conformal
from electroscreen.models.predictor_featurizers import (
    LEGACY_FEATURIZER_DEFAULTS,
    concatenated_feature_names,
    feature_blocks,
    featurizer_objects,
)
from electroscreen.models.predictor_outputs import (
    feature_importances,
    frame_predictions,
    output_columns,
    predict_columns,
)
from electroscreen.models.predictor_params import check_predictor_params, predictor_config
from electroscreen.models.predictor_scoring import EstimatorConventions, check_fitted
from electroscreen.models.side_models import fit_side_models
from electroscreen.models.tasks import Task, targets_for
from electroscreen.models.temperature import DEFAULT_EA_EV, arrhenius_shift
from electroscreen.models.training_lookups import fitted_lookups, heldout_lookup

__all__ = [
    "DEFAULT_EA_EV",
    "ESTIMATORS",
    "CandidatePredictor",
    "Design",
    "arrhenius_shift",
    "build_estimator",
    "parse_structures",
    "reads_structures",
]


class CandidatePredictor(LegacyStateMixin, EstimatorConventions, BaseEstimator):
    """Featurizers + estimator (+ conformal intervals) for one task; see the module docstring.

    Parameters
    ----------
    task : {"conductivity", "air_stability"}
    featurizers : sequence of str or Featurizer
        Registry names (``magpie``, ``electrolyte``, ``structure``, ``bvse``, ``air_reactivity``) or
        featurizer instances (cloned). Must be empty for ``estimator="graph"``.
    featurizer_params : dict, optional
        ``name -> __init__`` arguments of a featurizer named in ``featurizers`` (e.g.
        ``{"moisture": {"features": ["rxn_h2o_ev_per_atom", "borane_cluster"]}}``).
    estimator : {"random_forest", "extra_trees", "gradient_boosting", "mlp", "graph", "logistic", "attention", "averaged", "gated"}
        ``logistic``: classification only (:class:`~electroscreen.models.linear_models.LogisticEnsembleClassifier`).
        ``averaged``: conductivity only, the mean of member estimators each on its own featurizers
        (``estimator_params={"members": [...]}``, :mod:`electroscreen.models.averaged`).
        ``gated``: air stability only, a near-data and a far-from-data classifier weighted by the
        candidate's novelty (``estimator_params={"near": ..., "far": ..., "gate_scale": ...}``,
        :mod:`electroscreen.models.gated`).
    estimator_params : dict, optional
        Passed to the estimator (e.g. ``n_estimators``, ``hidden``, ``epochs``).
    conformal_alpha : float, default 0.1
        Intervals aim at ``1 - alpha`` coverage (conductivity).
    random_state : int
        Seeds the estimator and the conformal folds: same data + seed -> same predictions (CPU).
    device : str
        Torch device for ``mlp``/``graph``: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``.
    conformal_method : {"auto", "cv", "split"}
    conformal_groups : {"composition", "chemsys", "family", "none"} or list of them
        Grouping of the calibration folds (see the module docstring); a list pools one cross-fit
        per grouping.
    conformal_novelty_bins : int, default 1
        Bins of the distance to the training data, one conformal quantile each (descriptor
        models; see :class:`~electroscreen.models.uncertainty.ConformalRegressor`).
    censored : {"bound", "drop"}
        Conductivity: train censored rows at their upper bound, or leave them out.
    temperature_model : {"none", "arrhenius"}
        Conductivity: predict at the frame's ``temperature_c`` along an Arrhenius line with a
        predicted activation energy (module docstring), or at 25 degC only.
    conformal_scale : {"spread", "learned", "learned_anion"}
        Normaliser of the conformal scores: the ensemble spread, or a difficulty learned from
        spread and novelty (and the anion class: ``learned_anion``; ``ConformalRegressor``).
    conformal_seen_systems : bool, default False
        One conformal quantile for candidates whose chemical system the training rows hold, one
        for the others (:class:`~electroscreen.models.uncertainty.ConformalRegressor`).
    label_weights : dict, optional
        Air stability: fitting weights by evidence and exposure (:mod:`~electroscreen.models.
        label_weights`); None: the task's ``1 / rows of the composition``. Fitting only.

    Examples
    --------
    >>> from electroscreen.models.tasks import load_task_table
    >>> table = load_task_table("conductivity")  # doctest: +SKIP
    >>> model = CandidatePredictor(estimator_params={"n_estimators": 100}).fit(table)  # doctest: +SKIP
    >>> model.predict_frame(pd.DataFrame({"formula": ["Li7La3Zr2O12"]}))  # doctest: +SKIP
    """

    #: A predictor pickled by an older electroscreen lacks the parameters added since: each takes
    #: its default, which is the behaviour before it existed; a fitted one from before the novelty
    #: output has none (:mod:`electroscreen.data.legacy_state`).
    _legacy_init_defaults = True
    _legacy_state = {
        "novelty_": None,
        "constant_features_": None,
        "rare_features_": None,
        "training_rows_": None,
        "recall_intervals_": None,  # a recall's interval is the model's, as before
        "heldout_rows_": None,
        "training_labels_": None,
        "ea_log10_prefactor_": None,  # Ea from the forest alone, as before
        "ea_error_quantile_": None,  # intervals away from 25 degC without the Ea error
        "featurizer_defaults_": LEGACY_FEATURIZER_DEFAULTS,  # featurizers' old definitions
        "anion_rule_": "first",  # anion classes by the first group present, as before
        "descriptor_fingerprint_": None,  # nothing to check featurizers against (train sets it)
    }

    def __init__(
        self,
        task: str = "conductivity",
        featurizers: Sequence[str | Featurizer] = ("magpie", "electrolyte"),
        estimator: str = "random_forest",
        estimator_params: dict | None = None,
        conformal_alpha: float = 0.1,
        random_state: int = 0,
        device: str = "auto",
        conformal_method: str = "auto",
        censored: str = "bound",
        conformal_groups: str | Sequence[str] = "chemsys",
        conformal_novelty_bins: int = 1,
        temperature_model: str = "none",
        conformal_scale: str = "spread",
        featurizer_params: dict | None = None,
        conformal_seen_systems: bool = False,
        label_weights: dict | None = None,
    ) -> None:
        self.task = task
        self.featurizers = featurizers
        self.estimator = estimator
        self.estimator_params = estimator_params
        self.conformal_alpha = conformal_alpha
        self.random_state = random_state
        self.device = device
        self.conformal_method = conformal_method
        self.censored = censored
        self.conformal_groups = conformal_groups
        self.conformal_novelty_bins = conformal_novelty_bins
        self.temperature_model = temperature_model
        self.conformal_scale = conformal_scale
        self.featurizer_params = featurizer_params
        self.conformal_seen_systems = conformal_seen_systems
        self.label_weights = label_weights

    # --- configuration -----------------------------------------------------------------------
    def config(self) -> dict:
        """JSON-friendly parameters (featurizers by name: :func:`predictor_config`)."""
        return predictor_config(self.get_params(deep=False))

    def _featurizer_objects(self) -> list[tuple[str, Featurizer]]:
        defaults = getattr(self, "featurizer_defaults_", None)  # fitted: the definitions it saw
        return featurizer_objects(self.featurizers, self.featurizer_params, defaults)

    def _check(self) -> Task:
        """The task, once the parameters are checked (:func:`check_predictor_params`)."""
        return check_predictor_params(self.get_params(deep=False))

    @property
    def requires_structure(self) -> bool:
        """Whether a row without a structure cannot be predicted (no composition featurizer)."""
        if self.estimator == "graph":
            return True
        return not any(isinstance(f, CompositionFeaturizer) for _, f in self._featurizer_objects())

    @property
    def reads_structures(self) -> bool:
        """Whether predicting reads structures at all (see :func:`reads_structures`)."""
        return reads_structures(self.estimator, self.featurizers)

    # --- featurization -----------------------------------------------------------------------
    def featurize(
        self,
        frame: pd.DataFrame,
        *,
        compositions: PackedCompositions | None = None,
        structures: PackedStructures | None = None,
        structure_rows: np.ndarray | None = None,
        as_table: bool = False,
    ) -> Design:
        """The design of ``frame`` (``formula``, optional ``structure``, ``status``).

        ``compositions``, ``structures``, ``structure_rows`` (the frame already packed, not parsed
        again) and ``as_table``: see :func:`~electroscreen.models.featurize.featurize_frame`.
        """
        self._check()
        graph = self.estimator == "graph"
        return featurize_frame(
            frame,
            [] if graph else self._featurizer_objects(),
            graph=graph,
            requires_structure=self.requires_structure,
            compositions=compositions,
            structures=structures,
            structure_rows=structure_rows,
            as_table=as_table,
            anion_rule=getattr(self, "anion_rule_", ANION_RULE),  # fitted: the rule it learned
        )

    def _feature_blocks(self) -> dict[str, np.ndarray]:
        """Column positions of each featurizer in the design (by registry or class name)."""
        return {} if self.estimator == "graph" else feature_blocks(self._featurizer_objects())

    def feature_names(self) -> np.ndarray:
        """Names of the design columns (``[]`` for the graph network)."""
        names = concatenated_feature_names(self._featurizer_objects())
        return np.array([], dtype=object) if self.estimator == "graph" else names

    # --- fitting -----------------------------------------------------------------------------
    def fit(self, table: pd.DataFrame) -> CandidatePredictor:
        """Featurize a labelled task table and fit (see :meth:`fit_design`)."""
        self.featurizer_defaults_ = {}  # refitting an old pickle: today's feature definitions
        self.anion_rule_ = ANION_RULE  # and today's anion classes
        return self.fit_design(self.featurize(table), table)

    def fit_design(self, design: Design, table: pd.DataFrame) -> CandidatePredictor:
        """Fit on a design of ``table`` (row-aligned); rows without a usable target are skipped."""
        task = self._check()
        targets = targets_for(task, table, censored=self.censored)
        use = np.flatnonzero(targets.trainable[design.rows])
        if len(use) < 5:
            raise ValueError(f"only {len(use)} rows can be trained on")
        X = take_rows(design.X, use)
        if task.kind == "regression":
            side = fit_side_models(  # novelty and the activation-energy model
                design,
                table,
                X,
                temperature_model=self.temperature_model,
                estimator_params=self.estimator_params,
                random_state=self.random_state,
                alpha=self.conformal_alpha,
            )
            for name, value in side.items():
                setattr(self, name, value)
        rows = design.rows[use]
        y, weight = targets.y[rows], targets.sample_weight[rows]
        if self.label_weights is not None:  # evidence / exposure weights, fitting only
            weight = label_fit_weights(table, targets.y, self.label_weights)[rows]
        base = build_estimator(
            task,
            self.estimator,
            self.estimator_params,
            self.random_state,
            self.device,
            blocks=self._feature_blocks(),
            feature_names=[str(n) for n in self.feature_names()],
        )
        self.task_ = task
        self.featurizer_defaults_ = {}  # the design has the current feature definitions
        self.anion_rule_ = design.anion_rule
        self.feature_names_ = self.feature_names()
        self.n_train_ = len(use)
        matrix = isinstance(X, np.ndarray)
        self.constant_features_ = ConstantFeatures.of(X, self.feature_names_) if matrix else None
        self.rare_features_ = ConstantFeatures.rare(X, self.feature_names_) if matrix else None
        self.heldout_rows_ = self.heldout_by_anion_class_ = None  # remember_heldout, train set them
        self.descriptor_fingerprint_ = None  # train sets it (models/descriptor_fingerprint.py)
        # what screen shows beside a prediction (training_lookups.py)
        for name, value in fitted_lookups(task, table, targets, rows, self.conformal_alpha).items():
            setattr(self, name, value)
        if task.kind == "classification":
            self.estimator_ = base.fit(X, y.astype(np.int64), sample_weight=weight)
            return self
        # wrapped in conformal intervals (predictor_calibration.fit_conformal)
        self.estimator_ = fit_conformal(self, base, X, design, table, targets, use)
        return self

    def remember_heldout(self, table: pd.DataFrame) -> CandidatePredictor:
        """Keep the measured rows of ``table`` (``formula, log10_sigma, censored, candidate_id``)
        that this fitted conductivity model was not fitted on (the OBELiX test split, rows the leak
        guard kept out): ``screen`` shows them beside a prediction (``training_rows.HELDOUT_COLUMNS``);
        they never enter one."""
        task = self._check()
        check_fitted(self)
        if task.kind != "regression":
            raise ValueError("remember_heldout needs a fitted conductivity model")
        self.heldout_rows_ = heldout_lookup(table, targets_for(task, table, censored=self.censored))
        return self

    def output_columns(self) -> tuple[str, ...]:
        """The prediction columns of :meth:`predict_frame` (besides ``pred_status``)."""
        gated = hasattr(getattr(self, "estimator_", None), "gate_weight")
        return output_columns(self.task, self.temperature_model, gated)

    # --- prediction --------------------------------------------------------------------------
    def predict_design(
        self,
        design: Design,
        temperature_c: np.ndarray | float | None = None,
        gate_weight: np.ndarray | None = None,
        interval_25c: bool = False,
    ) -> dict[str, np.ndarray]:
        """Output columns (:meth:`output_columns` + ``pred_status``) of a design, row-aligned.

        Parameters
        ----------
        design : Design
        temperature_c : float or ndarray of shape (len(design),), optional
            Temperature of each frame row (degC; default 25). Used by ``temperature_model =
            "arrhenius"``; a model without one predicts only at 25 degC (other rows: NaN and
            ``pred_status = "no_temperature_model"``).
        gate_weight : ndarray of shape (len(design.rows),), optional
            A gated classifier's ``gate_weight(design.X)``, when already computed.
        interval_25c : bool
            See :meth:`predict_frame`.
        """
        check_fitted(self)  # NotFittedError, a ValueError
        return predict_columns(self, design, temperature_c, gate_weight, interval_25c)

    def predict_frame(
        self,
        frame: pd.DataFrame,
        details: bool = False,
        *,
        compositions: PackedCompositions | None = None,
        structures: PackedStructures | None = None,
        structure_rows: np.ndarray | None = None,
        interval_25c: bool = False,
    ) -> pd.DataFrame:
        """Prediction columns for every row of ``frame`` (same index, never a dropped row).

        Parameters
        ----------
        frame : DataFrame
            ``formula`` and optionally ``structure`` (CIF text, pymatgen Structure, None/NaN),
            found as a table file's columns are (``Formula ``, ``Structure``: case and surrounding
            spaces aside; a frame with neither is a ``ValueError`` naming its columns, not a
            DataFrame a ``TypeError``), ``status`` (non-``ok`` rows are passed through), ``temperature_c`` (conductivity,
            degC, default 25, each row's problem after its own, a kelvin-like value or a
            ``Temperature_C`` column noted: :func:`~electroscreen.models.temperature.
            read_temperatures`; a missing cell is 25 degC; air stability ignores the column).
        details : bool
            Add ``pred_feature_status`` (featurizers that left NaN features on a predicted row).
            Without it, kelvin-like temperatures are one ``KelvinWarning`` for the frame, naming
            how many rows and the first ids (``temperature.warn_kelvin_rows``).
        compositions, structures, structure_rows : optional
            The frame already packed (see :meth:`featurize`): a screening batch is parsed and
            packed once, for both models (its reader has compared formulas and structures).
            Otherwise a row whose formula and structure are not one composition is
            ``formula_mismatch``, and a row with a structure is predicted from the structure's
            cell, as ``screen`` reads a table row with a ``cif``.
        interval_25c : bool
            Conductivity: add each row's 25 degC interval (``predictor_outputs.
            INTERVAL_25C_COLUMNS``), which a 25 degC measurement is compared with at any temperature.
        """
        check_fitted(self)
        return frame_predictions(
            self,
            frame,
            details,
            compositions=compositions,
            structures=structures,
            structure_rows=structure_rows,
            interval_25c=interval_25c,
        )

    def feature_importances(self) -> pd.Series:
        """Impurity importances by feature name (NaN where the estimator has none)."""
        return feature_importances(self.estimator_, self.feature_names_)

    def to(self, device: str) -> CandidatePredictor:
        """Move the torch parts (if any) to ``device``; returns ``self``."""
        self.device = device
        move_torch_parts(self.estimator_, device)
        return self
