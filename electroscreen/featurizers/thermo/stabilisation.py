"""Stabilisation below the hull of tabulated phases: a correction for untabulated candidates.

When a candidate's formation enthalpy is not tabulated, :mod:`electroscreen.featurizers.thermo.reactivity`
uses its hull energy: the candidate is replaced by the mixture of tabulated phases (and elements) it
would decompose into. A real, synthesised compound usually lies *below* that mixture by a
stabilisation energy ``E_stab = H_f(compound) - E_hull(others) <= 0``, so the hull approximation
overstates its reactivity (by at most ``x * |E_stab|`` for a mixing ratio ``x``).

Method
------
1. Targets (:func:`stabilisation_targets`). For every tabulated composition with at least
   ``min_elements`` elements (default 3), leave it out (all table rows with that composition) and
   compute the hull energy of its composition from the remaining entries of its chemical system
   (:func:`~electroscreen.featurizers.thermo.enthalpies.chemical_system`,
   :func:`~electroscreen.featurizers.thermo.hull.hull_decomposition`). ``E_stab`` = tabulated enthalpy
   minus that hull energy (eV/atom); negative = more stable than the mixture of the others. About
   30 % of the 646 targets are positive (metastable molecular compounds, ammonium salts,
   intermetallics whose tabulated binaries come from other sources).
2. Features (:func:`stabilisation_features`): the 132 Magpie statistics (Ward et al. 2016, our Numba
   :class:`~electroscreen.featurizers.composition.magpie.ElementPropertyStats`, missing element data
   imputed as matminer does) plus four descriptors of that leave-one-out hull: its energy (eV/atom),
   the number of elements, the atom fraction of the decomposition that is pure elements (a compound
   the table lacks, e.g. ``S`` for Li3PS4) and the number of phases. For an untabulated candidate
   the leave-one-out hull *is* its hull, so training and prediction features mean the same thing.
3. Model: scikit-learn ``GradientBoostingRegressor`` (Friedman 2001) with the Huber loss (the target
   has a long tail: fluoroborates and sulfates reach -2 eV/atom), seeded, single-threaded.
   Predictions are clipped to ``<= 0``: a synthesised candidate is assumed not above its own
   decomposition.
4. Applicability domain (:meth:`StabilisationModel.domain_blend`): the anion sets of at least
   ``min_domain_count`` (10) training compositions, a composition's anions being the elements
   among O, S, Se, Te, N, F, Cl, Br, I its oxidation states make negative (:func:`~electroscreen.
   featurizers.thermo.stabilisation_anions.anion_masks`), whose rows the correction, held out by
   chemical system, predicts better than no correction (:func:`~electroscreen.featurizers.
   thermo.stabilisation_domain.domain_scores`, measured in :meth:`StabilisationModel.fit`): {O}
   (oxides and oxosalts, S, N, Se being cations there). {O, Cl} (10 oxychlorides and LiCl
   hydrates) fails and is *excluded*: an oxychloride keeps its plain hull energy. Not sulfides
   (no ternary sulfide is tabulated), oxynitrides with N-III, chlorides, bromides, iodides,
   fluorides (six metal fluorides: the fluoroborates, Na2SiF6, KHF2 and the B and W oxyfluorides
   do not count, their leave-one-out hull holding pure fluorine, :func:`~electroscreen.
   featurizers.thermo.stabilisation_domain.fluoroanion_rows`). A candidate is corrected by the share of
   its anion atoms a domain set covers (:mod:`~electroscreen.featurizers.thermo.
   stabilisation_domain`): all of it where its whole anion set is in the domain, none where no
   part is (the plain hull energy, not an extrapolation), a mixed-anion candidate by that share of
   the prediction for its in-domain analogue (other anions replaced, charge for charge):
   Li7La3Zr2O11.99S0.01 0.9992 of LLZO's, Li3PS3O 0.25 of Li3PO4's.
5. Minor cations (:mod:`~electroscreen.featurizers.thermo.stabilisation_hosts`): a cation under
   1/7 of the cation atoms (below any in the training compositions with an anion) is blended out
   by the same ramp, the correction shared between the composition's own and its hosts' (minor
   cations replaced, charge for charge, by the cation of the closest state): Li4SiO4 with one Ba
   per 20,000 formula units moves by 5e-6 eV/atom (Li3OCl, predicted for itself, moved by 0.097
   while {O, Cl} was corrected) (:func:`~electroscreen.featurizers.
   thermo.candidate_enthalpy.candidate_enthalpies` applies 4 and 5). So a dopant-level anion or
   cation moves the enthalpy by a dopant-level amount.

Caveat. Formation-energy models predict *stability* (the small difference to competing phases)
much worse than formation energies themselves (Bartel et al. 2020): here the target already is that
difference, but it is learned from ~650 experimental compounds, most unlike solid electrolytes, and
the cross-validated error (:meth:`StabilisationModel.cross_validate`, grouped by chemical system) is
of the same order as the stabilisation energies themselves. The table has no ternary sulfide
(S-II), so predictions for thiophosphates or thiostannates would be extrapolations (they are
outside the domain). Treat the corrected enthalpy as a documented approximation, reported per
candidate (``enthalpy_source``), not as a measurement.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.base import as_packed_compositions
from electroscreen.featurizers.composition.magpie import WARD_2016
from electroscreen.featurizers.thermo.enthalpies import EXP_TABLE_CITATION, WATER_PHASES
from electroscreen.featurizers.thermo.stabilisation_anions import MergedAnions
from electroscreen.featurizers.thermo.stabilisation_applicability import ApplicabilityDomainMixin
from electroscreen.featurizers.thermo.stabilisation_data import (
    batch_hull_features,
    stabilisation_features,
    stabilisation_training_set,
    with_magpie,
)
from electroscreen.featurizers.thermo.stabilisation_domain import domain_analogues
from electroscreen.featurizers.thermo.stabilisation_heldout import cross_validation_scores

__all__ = [
    "BARTEL_2020",
    "SOURCE_CORRECTED",
    "SOURCE_HULL",
    "SOURCE_KNOWN",
    "SOURCE_PARTIAL",
    "StabilisationModel",
]

BARTEL_2020 = (
    "C. J. Bartel, A. Trewartha, Q. Wang, A. Dunn, A. Jain, G. Ceder, A critical examination of "
    "compound stability predictions from machine-learned formation energies, npj Comput. Mater. 6, "
    "97 (2020), doi:10.1038/s41524-020-00362-y"
)
FRIEDMAN_2001 = (
    "J. H. Friedman, Greedy function approximation: a gradient boosting machine, Ann. Stat. 29, "
    "1189-1232 (2001), doi:10.1214/aos/1013203451"
)
#: ``enthalpy_source`` values of :func:`~electroscreen.featurizers.thermo.candidate_enthalpy.corrected_enthalpy`.
SOURCE_KNOWN = "known"
SOURCE_HULL = "hull_decomposition"
SOURCE_CORRECTED = "hull_decomposition+stabilisation_model"
#: Part of the anions in the domain (:meth:`StabilisationModel.domain_weight` strictly between 0
#: and 1): the hull energy plus that share of the predicted stabilisation.
SOURCE_PARTIAL = "hull_decomposition+partial_stabilisation_model"


class StabilisationModel(ApplicabilityDomainMixin, RegressorMixin, BaseEstimator):
    """Predicted stabilisation (eV/atom, <= 0) of a composition below its tabulated-phase hull.

    A scikit-learn regressor: parameters in ``__init__`` only (``get_params``/``clone`` work),
    learned state in trailing-underscore attributes, ``check_is_fitted`` before predicting. Its
    inputs are compositions (formulas, a candidate table or ``PackedCompositions``), turned into
    :func:`~electroscreen.featurizers.thermo.stabilisation_data.stabilisation_features`.

    Parameters
    ----------
    water : {"liquid", "gas"}
        Water phase of the enthalpy table (only H-O systems differ).
    min_elements : int
        Train on tabulated compositions with at least this many elements (default 3; adding the
        binaries did not lower the CV error on the ternaries and up).
    n_estimators, learning_rate, max_depth, subsample, max_features
        Of ``sklearn.ensemble.GradientBoostingRegressor`` (Huber loss).
    random_state : int
        Seed of the boosting subsamples; same seed, same predictions.
    min_domain_count : int
        Applicability domain: the anion sets (elements with a negative oxidation state,
        :func:`anion_masks`) of at least this many training compositions ({O} 279, sulfates,
        nitrates and selenites included; {O, Cl} 10; {F} 6, the molecular fluorides not counted:
        :func:`~electroscreen.featurizers.thermo.stabilisation_domain.domain_masks`; no ternary
        with S-II: the table holds no sulfide beyond binaries), and among them only those whose
        rows the correction predicts better than no correction, held out by chemical system
        (``domain_folds``). A composition with at least ``min_elements`` elements is corrected
        by the share of its anion atoms a domain set covers (:meth:`domain_cover`; all of it
        where its whole set is in the domain); elsewhere the model would extrapolate.
    domain_folds : int
        Folds of the GroupKFold (groups: chemical systems) whose held-out predictions decide
        which sets of ``min_domain_count`` rows are in the domain (:func:`~electroscreen.
        featurizers.thermo.stabilisation_heldout.held_out_predictions`, :func:`~electroscreen.
        featurizers.thermo.stabilisation_domain.domain_scores`); at most
        the number of chemical systems. Fitting costs ``domain_folds`` more boosting fits.

    Attributes
    ----------
    targets_ : DataFrame or None
        :func:`stabilisation_targets` when fitted on the enthalpy table (``fit()``), else None.
    regressor_ : GradientBoostingRegressor
    domain_ : frozenset of frozenset
        Anion sets (atomic numbers of the negative elements) inside the applicability domain. The
        weighting by anion share needs no other fitted attribute, so models fitted before it
        predict with it.
    excluded_ : frozenset of frozenset
        Sets of ``min_domain_count`` rows that the held-out correction predicts no better than
        no correction (default table: {O, Cl}); their share of a composition's anions is
        corrected by 0 (:func:`~electroscreen.featurizers.thermo.stabilisation_domain.
        domain_blend`). Empty for a model fitted before it existed.
    domain_scores_ : ndarray of float64, shape (K, 4)
        The measurement behind both: per set of ``min_domain_count`` rows, its mask, rows,
        held-out MAE of the correction and of no correction, eV/atom (:func:`~electroscreen.
        featurizers.thermo.stabilisation_domain.domain_scores`).

    Examples
    --------
    >>> model = StabilisationModel().fit()  # the enthalpy table's leave-one-out training set
    >>> bool((model.predict(["Li7La3Zr2O12", "Li3PS4"]) <= 0).all())
    True
    """

    def __init__(
        self,
        water: str = "liquid",
        min_elements: int = 3,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        max_depth: int = 3,
        subsample: float = 0.8,
        max_features: float | None = 0.3,
        random_state: int = 0,
        min_domain_count: int = 10,
        domain_folds: int = 5,
    ) -> None:
        self.water = water
        self.min_elements = min_elements
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.max_features = max_features
        self.random_state = random_state
        self.min_domain_count = min_domain_count
        self.domain_folds = domain_folds

    def _validate_params(self) -> None:
        if self.water not in WATER_PHASES:
            raise ValueError(f"water must be one of {WATER_PHASES}, got {self.water!r}")
        for name, low in (("min_elements", 1), ("min_domain_count", 1), ("domain_folds", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")

    def _regressor(self):
        from sklearn.ensemble import GradientBoostingRegressor

        return GradientBoostingRegressor(
            loss="huber",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            subsample=self.subsample,
            max_features=self.max_features,
            random_state=self.random_state,
        )

    def training_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(features, stabilisation eV/atom, chemical-system group)`` of the enthalpy table's
        training set (:func:`stabilisation_training_set`, built explicitly and cached)."""
        packed, y, groups, _ = stabilisation_training_set(self.water, self.min_elements)
        features, _ = stabilisation_features(packed, self.water)
        return features, y, groups

    def fit(self, X: object = None, y: object = None) -> StabilisationModel:
        """Fit the boosting model and the applicability domain.

        Parameters
        ----------
        X : formulas, candidate table or PackedCompositions, optional
            Training compositions. Default (``X`` and ``y`` None): the enthalpy table's own
            compositions with at least ``min_elements`` elements
            (:func:`stabilisation_training_set`), each described by its leave-one-out hull.
        y : array-like of shape (n,), optional
            Stabilisation energies of ``X`` (eV/atom); required with ``X``.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Bad parameters, ``X`` without ``y`` (or lengths that differ), or a training row that
            cannot be featurized (named by its index and status).
        """
        self._validate_params()
        if X is None and y is None:
            X, y, _, self.targets_ = stabilisation_training_set(self.water, self.min_elements)
        elif X is None or y is None:
            raise ValueError("pass both X (compositions) and y (eV/atom), or neither")
        else:
            self.targets_ = None
        packed = as_packed_compositions(X)
        target = np.asarray(y, dtype=np.float64)
        if target.shape != (len(packed),):
            raise ValueError(f"y has shape {target.shape}; expected ({len(packed)},)")
        features, status = stabilisation_features(packed, self.water)
        bad = np.flatnonzero((status != OK) | ~np.isfinite(target))
        if len(bad):
            i = int(bad[0])
            raise ValueError(
                f"training row {i} cannot be used ({status[i]}, y={target[i]!r}); "
                f"{len(bad)} such row(s)"
            )
        self.regressor_ = self._regressor().fit(features, target)
        self._fit_domain(packed, features, target)
        return self

    def predict_analogues(
        self, packed: PackedCompositions, keys: np.ndarray, merged: MergedAnions | None = None
    ) -> np.ndarray:
        """:meth:`predict` of each composition's in-domain analogue (its anions outside ``keys``
        replaced by those of ``keys``: :func:`~electroscreen.featurizers.thermo.
        stabilisation_domain.domain_analogues`, with ``merged`` when given), the correction a
        partial weight scales.

        The analogues' hulls: :func:`~electroscreen.featurizers.thermo.stabilisation_data.
        batch_hull_features` (an analogue the table holds, Li3PO4 for Li3PS3O, is described
        without its own rows, as :meth:`predict` describes it).
        """
        check_is_fitted(self, "regressor_")
        analogues = domain_analogues(packed, keys, merged)
        out = np.full(len(analogues), np.nan)
        rows, hull = batch_hull_features(analogues, self.water)
        if len(rows):
            out[rows] = self.predict_with_hull(analogues.take(rows), hull)
        return out

    def predict_with_hull(self, packed: PackedCompositions, hull: np.ndarray) -> np.ndarray:
        """:meth:`predict` from already computed :data:`HULL_FEATURES` (rows of ``hull``)."""
        check_is_fitted(self, "regressor_")
        if len(packed) == 0:
            return np.zeros(0)
        return np.minimum(self.regressor_.predict(with_magpie(packed, hull)), 0.0)

    def predict(self, X: object) -> np.ndarray:
        """Stabilisation (eV/atom, clipped to <= 0) of each composition; NaN for unreadable rows.

        ``X``: formulas, a candidate table or PackedCompositions. A tabulated composition is
        predicted as if it were not tabulated (its own rows are left out of its hull).
        """
        check_is_fitted(self, "regressor_")
        features, status = stabilisation_features(X, self.water)
        out = np.full(len(features), np.nan)
        ok = status == OK
        if ok.any():
            out[ok] = np.minimum(self.regressor_.predict(features[ok]), 0.0)
        return out

    def cross_validate(self, n_splits: int = 5) -> dict[str, float]:
        """Grouped (by chemical system) K-fold MAE of the model and of trivial baselines, eV/atom,
        on the default training set (:func:`~electroscreen.featurizers.thermo.
        stabilisation_heldout.cross_validation_scores`: ``mae_model``, ``mae_zero``, ...)."""
        features, y, groups = self.training_data()
        return cross_validation_scores(self._regressor, features, y, groups, n_splits)

    def citations(self) -> list[str]:
        """References of the stabilisation model (Bartel 2020, Ward 2016, Friedman 2001) and the
        enthalpy table."""
        return [BARTEL_2020, WARD_2016, FRIEDMAN_2001, EXP_TABLE_CITATION]
