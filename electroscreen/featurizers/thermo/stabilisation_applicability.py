"""The stabilisation model's applicability domain: fitted, then read per composition.

:class:`ApplicabilityDomainMixin` holds the part of
:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel` that decides where its
correction applies: :meth:`~ApplicabilityDomainMixin._fit_domain` (at ``fit``) measures, per anion
set of ``min_domain_count`` counted training rows (:func:`~electroscreen.featurizers.thermo.
stabilisation_domain.domain_masks`), whether the correction held out by chemical system predicts
them better than no correction (``domain_``, ``excluded_``, ``domain_scores_``); the readers give
each composition its weight (:meth:`~ApplicabilityDomainMixin.domain_cover`,
:meth:`~ApplicabilityDomainMixin.domain_weight`, :meth:`~ApplicabilityDomainMixin.in_domain`) and
the parts of the blend (:meth:`~ApplicabilityDomainMixin.domain_blend`), none below
``min_elements`` distinct elements. The rules themselves live in
:mod:`~electroscreen.featurizers.thermo.stabilisation_domain`.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.thermo.stabilisation_anions import (
    MergedAnions,
    anion_mask,
    mask_anions,
)
from electroscreen.featurizers.thermo.stabilisation_data import system_labels
from electroscreen.featurizers.thermo.stabilisation_domain import (
    domain_blend,
    domain_cover,
    domain_masks,
    domain_scores,
)
from electroscreen.featurizers.thermo.stabilisation_heldout import held_out_predictions

__all__ = ["ApplicabilityDomainMixin"]


class ApplicabilityDomainMixin:
    """The applicability domain of a stabilisation model (module docstring).

    The class it is mixed into provides the parameters ``water``, ``min_elements``,
    ``min_domain_count`` and ``domain_folds`` and ``_regressor()`` (a new unfitted regressor),
    as :class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel` does.
    """

    water: str
    min_elements: int
    min_domain_count: int
    domain_folds: int

    def _fit_domain(self, packed: PackedCompositions, features: np.ndarray, y: np.ndarray) -> None:
        """``domain_``, ``excluded_``, ``domain_scores_``: the sets of ``min_domain_count``
        counted rows (:func:`domain_masks`), in the domain where the held-out correction's mean
        absolute error on their rows is below that of no correction."""
        masks = domain_masks(packed, self.water)
        counts = np.unique(masks[masks > 0], return_counts=True)[1]
        held_out = np.zeros(len(y))
        if (counts >= self.min_domain_count).any():  # something to measure
            groups = system_labels(packed)
            held_out = held_out_predictions(self._regressor, features, y, groups, self.domain_folds)
        scores = domain_scores(masks, y, held_out, self.min_domain_count)
        better = scores[:, 2] < scores[:, 3]
        self.domain_ = frozenset(mask_anions(int(m)) for m in scores[better, 0])
        self.excluded_ = frozenset(mask_anions(int(m)) for m in scores[~better, 0])
        self.domain_scores_ = scores

    def domain_cover(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        """Weight of the correction of each composition and the domain's anion set that gives it
        (:func:`~electroscreen.featurizers.thermo.stabilisation_domain.domain_cover`: the share of
        its anion atoms that a set of ``domain_`` covers; 0 with fewer than ``min_elements``
        distinct elements). Weight float (n,) in [0, 1], set as a bit mask int (n,)."""
        check_is_fitted(self, "domain_")
        weight, key = np.zeros(len(packed)), np.zeros(len(packed), dtype=np.int64)
        rows = np.flatnonzero(self._enough_elements(packed))
        if len(rows):
            domain = [anion_mask(k) for k in self.domain_]
            weight[rows], key[rows] = domain_cover(
                packed.take(rows), domain, excluded=self._excluded_masks()
            )
        return weight, key

    def domain_blend(
        self, packed: PackedCompositions, merged: MergedAnions | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`~electroscreen.featurizers.thermo.stabilisation_domain.domain_blend`'s parts:
        own (n,), each set's analogue's (n, D), the sets (D,); 0 below ``min_elements``.
        ``merged``: :func:`~electroscreen.featurizers.thermo.stabilisation_anions.merged_anions`
        of ``packed`` when already computed."""
        check_is_fitted(self, "domain_")
        sets = np.asarray(sorted(anion_mask(k) for k in self.domain_), dtype=np.int64)
        own, weights = np.zeros(len(packed)), np.zeros((len(packed), len(sets)))
        rows = np.flatnonzero(self._enough_elements(packed))
        if len(rows):
            taken = None if merged is None else merged.take(rows)
            parts = domain_blend(
                packed.take(rows), sets.tolist(), merged=taken, excluded=self._excluded_masks()
            )
            own[rows], weights[rows] = parts[0], parts[1]
        return own, weights, sets

    def _excluded_masks(self) -> list[int]:
        return [anion_mask(k) for k in getattr(self, "excluded_", frozenset())]

    def domain_weight(self, packed: PackedCompositions) -> np.ndarray:
        """The weight of :meth:`domain_cover`: 1 for oxides and oxosalts (the correction as
        before), 0 for sulfides, chlorides, fluorides and oxychlorides ({O, Cl} excluded),
        0.99917 for Li7La3Zr2O11.99S0.01, 0.00083 for Li10GeP2S11.99O0.01, 0.25 for Li3PS3O."""
        return self.domain_cover(packed)[0]

    def in_domain(self, packed: PackedCompositions) -> np.ndarray:
        """Whether each composition is wholly inside the applicability domain (see
        ``min_domain_count``), :meth:`domain_weight` == 1: at least ``min_elements`` distinct
        elements and a set of anions (:func:`anion_masks`) that ``domain_`` holds (each member at
        least ``FULL_SHARE`` of the anion atoms if it has several). Bool (n,)."""
        return self.domain_weight(packed) == 1.0

    def _enough_elements(self, packed: PackedCompositions) -> np.ndarray:
        """bool (n,): at least ``min_elements`` distinct elements."""
        n = len(packed)
        rows = np.repeat(np.arange(n), np.diff(packed.offsets))
        z = np.asarray(packed.z, dtype=np.int64)
        distinct = np.unique(rows * 256 + z) // 256  # one entry per (row, element)
        return np.bincount(distinct, minlength=n) >= self.min_elements
