"""Fitted decision trees as flat arrays, and the Numba kernels that walk them.

scikit-learn predicts a forest tree by tree (one Python call, one input check and one thread hand-off
per tree); ``screen`` called ``DecisionTreeRegressor.predict`` 90,000 times per 200,000 formulas.
:class:`TreeArrays` holds every tree of an ensemble in one set of node arrays, and
:func:`leaf_values` gives each tree's output for every row in one parallel pass (:func:`leaf_nodes`
the leaf each row reaches, for the quantile forest of ``models/tree_point_estimates.py``). The traversal is
scikit-learn's (``Tree.apply`` on dense input): the features cast to float32, ``x <= threshold``
goes left, so each output is the value scikit-learn's tree returns, bit for bit. Used by the shipped
stabilisation models (``thermo/stabilisation_frozen.py``) and by the tree ensembles of
``electroscreen.models``.

The inputs must be free of NaN (the callers impute): a tree fitted without missing values sends NaN
to its larger child, which this traversal does not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit, prange

__all__ = ["LOCKSTEP_ROWS", "TreeArrays", "leaf_nodes", "leaf_values"]


@dataclass(frozen=True)
class TreeArrays:
    """The nodes of ``n_trees`` fitted trees, tree ``t`` owning nodes ``offsets[t]:offsets[t + 1]``.

    Parameters
    ----------
    offsets : ndarray of int64, shape (n_trees + 1,)
    left, right, feature : ndarray of int64, shape (n_nodes,)
        Children (tree-local indices; -1 at a leaf) and split feature of each node.
    threshold, value : ndarray of float64, shape (n_nodes,)
        Split threshold; the node's output (one column of scikit-learn's ``tree_.value``).
    """

    offsets: np.ndarray
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray

    @classmethod
    def from_sklearn(cls, trees: Sequence, column: int = 0) -> TreeArrays:
        """The arrays of fitted scikit-learn trees (``DecisionTree*`` estimators or their
        ``tree_``), taking output ``column`` of ``tree_.value[:, 0, :]`` (a regressor's value, or
        the probability of class ``classes_[column]``)."""
        structures = [getattr(tree, "tree_", tree) for tree in trees]
        sizes = [s.node_count for s in structures]
        return cls(
            offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            left=np.concatenate([s.children_left for s in structures]).astype(np.int64),
            right=np.concatenate([s.children_right for s in structures]).astype(np.int64),
            feature=np.concatenate([s.feature for s in structures]).astype(np.int64),
            threshold=np.concatenate([s.threshold for s in structures]).astype(np.float64),
            value=np.concatenate([s.value[:, 0, column] for s in structures]).astype(np.float64),
        )

    @property
    def n_trees(self) -> int:
        """Number of trees stored."""
        return len(self.offsets) - 1

    @cached_property
    def children(self) -> np.ndarray:
        """``[left, right]`` of each node, shape (n_nodes, 2): one cache line per step."""
        return np.ascontiguousarray(np.column_stack([self.left, self.right]))

    def predict_each(self, X: np.ndarray) -> np.ndarray:
        """Every tree's output for every row, shape (n_trees, n_rows), for ``X`` of shape
        (n_rows, n_features) without NaN."""
        X32 = np.ascontiguousarray(X, dtype=np.float32)  # as scikit-learn's trees compare them
        return leaf_values(
            X32, self.offsets, self.children, self.feature, self.threshold, self.value
        )

    def apply_each(self, X: np.ndarray) -> np.ndarray:
        """The leaf every row reaches in every tree, shape (n_trees, n_rows), int64, as an index
        into the node arrays (``value[apply_each(X)] == predict_each(X)``); ``X`` as in
        :meth:`predict_each`."""
        X32 = np.ascontiguousarray(X, dtype=np.float32)
        return leaf_nodes(X32, self.offsets, self.children, self.feature, self.threshold)


#: Rows that walk a tree together: their steps are independent, so the CPU overlaps their loads.
LOCKSTEP_ROWS = 4


@njit(cache=True, inline="always")
def _walk_block(
    X32: np.ndarray, first: int, m: int, base: int, children: np.ndarray, feature: np.ndarray,
    threshold: np.ndarray, node: np.ndarray,
) -> None:  # fmt: skip
    """Walk rows ``first:first + m`` (``m <= LOCKSTEP_ROWS``) down the tree whose nodes start at
    ``base``, one step each per pass, until all have reached a leaf; ``node[:m]`` ends as their
    tree-local leaves. A float32 feature ``<=`` the float64 threshold goes left."""
    node[:] = 0
    walking = True
    while walking:
        walking = False
        for r in range(m):
            j = base + node[r]
            if children[j, 0] >= 0:
                side = 0 if X32[first + r, feature[j]] <= threshold[j] else 1
                node[r] = children[j, side]
                walking = True


@njit(cache=True, parallel=True)
def leaf_values(
    X32: np.ndarray, offsets: np.ndarray, children: np.ndarray, feature: np.ndarray,
    threshold: np.ndarray, value: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Output of each tree (rows of the result) for each row of ``X32`` (columns): the value of the
    leaf it reaches, a float32 feature ``<=`` the float64 threshold going left (``children[:, 0]``).

    Parallel over trees (a tree's nodes stay in cache while every row walks it); the rows walk it
    :data:`LOCKSTEP_ROWS` at a time, one step each per pass, until all have reached a leaf.
    """
    n_trees = len(offsets) - 1
    n_rows = X32.shape[0]
    out = np.empty((n_trees, n_rows))
    for t in prange(n_trees):
        base = offsets[t]
        node = np.zeros(LOCKSTEP_ROWS, dtype=np.int64)
        for first in range(0, n_rows, LOCKSTEP_ROWS):
            m = min(LOCKSTEP_ROWS, n_rows - first)
            _walk_block(X32, first, m, base, children, feature, threshold, node)
            for r in range(m):
                out[t, first + r] = value[base + node[r]]
    return out


@njit(cache=True, parallel=True)
def leaf_nodes(
    X32: np.ndarray, offsets: np.ndarray, children: np.ndarray, feature: np.ndarray,
    threshold: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The leaf each row of ``X32`` (columns) reaches in each tree (rows of the result), as an index
    into the concatenated node arrays (``offsets[t]`` + the tree-local leaf), shape
    (n_trees, n_rows), int64; the walk of :func:`leaf_values`."""
    n_trees = len(offsets) - 1
    n_rows = X32.shape[0]
    out = np.empty((n_trees, n_rows), dtype=np.int64)
    for t in prange(n_trees):
        base = offsets[t]
        node = np.zeros(LOCKSTEP_ROWS, dtype=np.int64)
        for first in range(0, n_rows, LOCKSTEP_ROWS):
            m = min(LOCKSTEP_ROWS, n_rows - first)
            _walk_block(X32, first, m, base, children, feature, threshold, node)
            for r in range(m):
                out[t, first + r] = base + node[r]
    return out
