"""The point a forest regressor predicts: the mean of its trees, their median, or a quantile forest's.

A forest's prediction is the mean of its trees (``point_estimate="mean"``, scikit-learn's). The mean
minimises the squared error; the absolute error is minimised by the conditional median, and the
residuals of conductivity are heavy-tailed (a few rows are off by five decades or more). Two medians
(a forest's ``point_estimate``, :class:`~electroscreen.models.sklearn_models.TreeEnsembleRegressor`):

- ``"median_of_trees"``: the median of the trees' predictions (:func:`tree_median`);
- ``"quantile_forest"``: the median of Meinshausen's quantile regression forest (2006), the weighted
  median of the training targets, training row ``i`` weighing
  ``(1 / T) sum_t [i in leaf_t(x)] w_i / sum_{j in leaf_t(x)} w_j`` (``T`` trees, ``w`` the
  fitting weights): every training row that falls in a leaf the query reaches
  (:class:`LeafMembers`, fitted on the training rows with
  :meth:`~electroscreen.featurizers.tree_arrays.TreeArrays.apply_each`). The rows are those of the
  whole training set, in-bag or not (Meinshausen's definition; extra trees draw no bootstrap). A
  fully grown tree's leaf holds one composition, so where a composition was measured several times
  the forest's mean becomes the median of its measurements.

The ensemble's spread (``std`` of :meth:`predict_dist`) stays the spread of the trees whatever the
point: the conformal intervals score residuals around the point predicted, so they are centred on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from electroscreen.featurizers.tree_arrays import TreeArrays

__all__ = ["POINT_ESTIMATES", "LeafMembers", "tree_median"]

#: Values of a forest regressor's ``point_estimate``.
POINT_ESTIMATES = ("mean", "median_of_trees", "quantile_forest")


def tree_median(outputs: np.ndarray) -> np.ndarray:
    """Median over the members of ``outputs`` (n_members, n_rows), shape (n_rows,): the middle value,
    or the mean of the two middle ones for an even count. A selection and one mean of two values:
    a row's result depends on that row alone."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 2 or outputs.shape[0] == 0:
        raise ValueError(f"outputs must be (n_members >= 1, n_rows), got shape {outputs.shape}")
    return np.median(outputs, axis=0)


@dataclass(frozen=True)
class LeafMembers:
    """The training rows in each leaf of a forest, for the quantile forest's median.

    Parameters
    ----------
    start : ndarray of int64, shape (n_nodes + 1,)
        Node ``g`` (an index into the forest's :class:`TreeArrays` node arrays) holds the training
        rows ``rows[start[g]:start[g + 1]]`` (none for a split node).
    rows : ndarray of int64, shape (n_trees * n_train,)
        Training row indices, ordered by node and, within a node, ascending.
    y, weight : ndarray of float64, shape (n_train,)
        Training targets and fitting weights (positive).
    leaf_weight : ndarray of float64, shape (n_nodes,)
        Sum of the weights of each node's rows.
    """

    start: np.ndarray
    rows: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    leaf_weight: np.ndarray

    @classmethod
    def of(
        cls, trees: TreeArrays, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
    ) -> LeafMembers:
        """The leaves of ``trees`` that the training rows ``X`` (n_train, d; imputed, the columns
        the trees read) fall in, with their targets ``y`` (n_train,) and weights (None: 1 each;
        ``ValueError`` unless all positive and finite)."""
        y = np.asarray(y, dtype=np.float64)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        if weight.shape != y.shape or not (np.isfinite(weight).all() and (weight > 0).all()):
            raise ValueError("a quantile forest needs one positive, finite weight per training row")
        n_nodes = len(trees.value)
        nodes = trees.apply_each(X).ravel()  # tree by tree, each over the training rows in order
        order = np.argsort(nodes, kind="stable")
        counts = np.bincount(nodes, minlength=n_nodes)
        row_of = np.tile(np.arange(len(y), dtype=np.int64), trees.n_trees)
        return cls(
            start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            rows=row_of[order],
            y=y,
            weight=weight,
            leaf_weight=np.bincount(
                nodes, weights=np.tile(weight, trees.n_trees), minlength=n_nodes
            ),
        )

    def median(self, nodes: np.ndarray) -> np.ndarray:
        """The quantile forest's median of each row, shape (n_rows,), from the leaves ``nodes``
        (n_trees, n_rows) the rows reach (:meth:`TreeArrays.apply_each` of the same trees)."""
        nodes = np.ascontiguousarray(nodes, dtype=np.int64)
        return _leaf_median(nodes, self.start, self.rows, self.y, self.weight, self.leaf_weight)


@njit(cache=True, parallel=True)
def _leaf_median(nodes, start, rows, y, weight, leaf_weight):
    """Per row (parallel): the training rows of the leaves it reaches, tree by tree, each weighing
    its weight over its leaf's (the ``1 / T`` is common to all, so left out), and their weighted
    median (:func:`_weighted_median`)."""
    n_trees, n_rows = nodes.shape
    out = np.empty(n_rows)
    for i in prange(n_rows):
        size = 0
        for t in range(n_trees):
            g = nodes[t, i]
            size += start[g + 1] - start[g]
        values = np.empty(size)
        weights = np.empty(size)
        k = 0
        for t in range(n_trees):
            g = nodes[t, i]
            for p in range(start[g], start[g + 1]):
                values[k] = y[rows[p]]
                weights[k] = weight[rows[p]] / leaf_weight[g]
                k += 1
        out[i] = _weighted_median(values, weights)
    return out


@njit(cache=True)
def _weighted_median(values, weights):
    """Weighted median of ``values``: sorted (stable), their weights summed in that order; the mean
    of the first value whose running sum reaches half the total and the first that passes it (the
    middle value, or the mean of the two middle ones, when the weights are equal)."""
    order = np.argsort(values, kind="mergesort")
    running = np.cumsum(weights[order])
    half = 0.5 * running[-1]
    lower = np.nan
    for k in range(len(order)):
        if np.isnan(lower) and running[k] >= half:
            lower = values[order[k]]
        if running[k] > half:
            return 0.5 * (lower + values[order[k]])
    return lower
