"""Features that never varied in a model's training rows: a prediction that meets another value there
is flagged, because no tree split on it and no weight was learned for it.

For element fractions this is an element no training row holds (``frac_Ho`` of Li3HoCl6): the default
conductivity model predicts such a candidate as if the element were absent. The note joins
``pred_feature_status`` (``training_data:never_varied_in_training=frac_Ho``).

A feature that varied in only a few training rows (fewer than :data:`RARE_ROWS`) is flagged alike,
``training_data:rarely_varied_in_training=frac_Lu``: Lu sits in four NASICON phosphates of the
training data, so Li3LuCl6 is predicted exactly as Li3HoCl6 (as if Lu were absent) while looking
familiar to the never-varied rule.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["NOTE", "RARE_NOTE", "RARE_ROWS", "ConstantFeatures"]

#: ``featurizer:status`` note of a row that differs from training in a constant feature.
NOTE = "training_data:never_varied_in_training"
#: The same for a feature that differed from its usual (median) value in fewer than
#: :data:`RARE_ROWS` training rows.
RARE_NOTE = "training_data:rarely_varied_in_training"
#: A feature is rare when at most this many training rows take another value than its median.
RARE_ROWS = 4
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
    note : str
        The note of a row that differs in them (:data:`NOTE`, :data:`RARE_NOTE`).
    """

    columns: np.ndarray
    values: np.ndarray
    names: np.ndarray
    note: str = NOTE

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

    @classmethod
    def rare(cls, X: np.ndarray, names: np.ndarray, max_rows: int = RARE_ROWS) -> ConstantFeatures:
        """The columns of a training matrix in which 1 to ``max_rows`` rows differ from the
        column's median (NaN ignored), with that median as their value; note :data:`RARE_NOTE`."""
        X = np.asarray(X, dtype=np.float64)
        with warnings.catch_warnings():  # an all-NaN column
            warnings.simplefilter("ignore", RuntimeWarning)
            usual = np.nanmedian(X, axis=0)
        n_other = (np.abs(X - usual) > 1e-12).sum(axis=0)  # NaN compares False
        rare = np.flatnonzero((n_other >= 1) & (n_other <= max_rows))
        named = np.asarray(names, dtype=object)[rare]
        return cls(rare.astype(np.int64), usual[rare], named, RARE_NOTE)

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
            out[i] = f"{self.note}={'+'.join(names[:_MAX_NAMED] + more)}"
        return out
