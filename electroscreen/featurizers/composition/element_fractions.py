"""Atomic fractions of every element: the raw input of composition-attention networks.

:class:`ElementFractions` maps a formula to a vector of length 103 whose entry ``Z - 1`` is the atomic
fraction of element ``Z`` (the amounts per formula unit divided by their sum), so a cell formula and
its reduced formula give the same row. The rows are what Roost (Goodall & Lee 2020) and CrabNet (Wang
et al. 2021) read: the set of elements and their fractional amounts, with no hand-made statistics.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.featurizers.base import CompositionFeaturizer
from electroscreen.featurizers.elements import MAX_Z

__all__ = ["ElementFractions", "element_fractions"]

_CITATION = (
    "Goodall, R. E. A. & Lee, A. A. Predicting materials properties without crystal structure: "
    "deep representation learning from stoichiometry. Nat. Commun. 11, 6280 (2020)"
)


def element_fractions(offsets: np.ndarray, z: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Atomic fractions of a packed batch.

    Parameters
    ----------
    offsets : ndarray of int64, shape (N + 1,)
    z : ndarray of int64, shape (K,)
        Atomic numbers (1..103).
    amount : ndarray of float64, shape (K,)
        Amount per formula unit.

    Returns
    -------
    ndarray, shape (N, 103)
        Row ``i``, column ``Z - 1``: atomic fraction of ``Z``; a row with no atoms is NaN.
    """
    n = len(offsets) - 1
    row = np.repeat(np.arange(n), np.diff(offsets))
    out = np.zeros((n, MAX_Z))
    np.add.at(out, (row, np.asarray(z) - 1), np.asarray(amount, dtype=np.float64))
    largest = out.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = out / np.where(largest > 0, largest, 1.0)  # no overflow for amounts near 1e308
    total = out.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = out / total
    out[total[:, 0] <= 0] = np.nan
    return out


class ElementFractions(CompositionFeaturizer):
    """Atomic fraction of each element Z = 1..103 (103 features, ``frac_<symbol>``).

    Examples
    --------
    >>> x = ElementFractions().transform(["Li2O", "Li4O2"])
    >>> round(float(x[0, 2]), 4), bool((x[0] == x[1]).all())
    (0.6667, True)
    """

    feature_table = [
        (f"frac_{s}", "atomic fraction", _CITATION) for s in ELEMENT_SYMBOLS[1 : MAX_Z + 1]
    ]

    def citations(self) -> list[str]:
        """Reference of the element-fraction features."""
        return [_CITATION]

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return element_fractions(packed.offsets, packed.z, packed.amount)
