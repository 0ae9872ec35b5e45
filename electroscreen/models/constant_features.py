"""Features that never varied in a model's training rows: a prediction that meets another value there
is flagged, because no tree split on it and no weight was learned for it.

For element fractions this is an element no training row holds (``frac_Ho`` of Li3HoCl6): the default
conductivity model predicts such a candidate as if the element were absent. The note joins
``pred_feature_status`` (``training_data:never_varied_in_training=frac_Ho``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["NOTE", "ConstantFeatures"]

#: ``featurizer:status`` note of a row that differs from training in a constant feature.
NOTE = "training_data:never_varied_in_training"
_MAX_NAMED = 3


@dataclass(frozen=True)
class ConstantFeatures:
    """The design columns that held one value in every training row, and that value.

    Attributes
    ----------
    columns : ndarray of int64, shape (k,)
        Their positions in the design.
    values : ndarray of float64, shape (k,)
        The value each held (NaN entries of training rows ignored).
    names : ndarray of object, shape (k,)
        Their feature names.
    """

    columns: np.ndarray
    values: np.ndarray
    names: np.ndarray

    @classmethod
    def of(cls, X: np.ndarray, names: np.ndarray) -> ConstantFeatures:
        """The constant columns of a training matrix ``X`` (n_rows, n_features); NaN is ignored,
        an all-NaN column is not constant."""
        X = np.asarray(X, dtype=np.float64)
        with warnings.catch_warnings():  # an all-NaN column: "All-NaN slice encountered"
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        constant = np.flatnonzero(low == high)
        return cls(
            constant.astype(np.int64), low[constant], np.asarray(names, dtype=object)[constant]
        )

    def notes(self, X: np.ndarray) -> np.ndarray:
        """Per row of ``X``: ``""``, or :data:`NOTE` ``=`` the (first three) columns it differs in,
        ``+``-separated (``never_varied_in_training=frac_Tb+frac_Dy+frac_Ho+1_more``)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.full(len(X), "", dtype=object)
        if not len(self.columns) or not len(X):
            return out
        block = X[:, self.columns]
        differs = np.abs(block - self.values) > 1e-12  # NaN compares False: not flagged
        for i in np.flatnonzero(differs.any(axis=1)):
            names = [str(n) for n in self.names[differs[i]]]
            more = [f"{len(names) - _MAX_NAMED}_more"] if len(names) > _MAX_NAMED else []
            out[i] = f"{NOTE}={'+'.join(names[:_MAX_NAMED] + more)}"
        return out
