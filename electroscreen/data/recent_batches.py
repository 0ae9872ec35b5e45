"""Results of a per-batch kernel kept for the last few batches, by the batch's exact content.

In a screening one batch's compositions reach the same pure kernel from several steps: the
oxidation-state search (:func:`~electroscreen.data.oxidation.oxidation_states_packed`) is asked
for the same rows by the electrolyte and HSAB featurizers, and for the same carrier-balanced rows
by the moisture featurizer and the window, about 40 % of its rows twice (324,000 of 767,000 in a
screen of 200,000 formulas); the stabilisation corrections of candidate enthalpies
(:func:`~electroscreen.featurizers.thermo.candidate_enthalpy.candidate_enthalpies`) are asked for
the same carrier-balanced rows by the moisture descriptors' air scan and the window.
:class:`RecentBatches` keys a result by the bytes and dtypes of the packed arrays and the kernel's
parameters, so a hit is the same input to the last bit and the kernel's answer is what it would
compute again; rows never mix (a batch is one key).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np

from electroscreen.data.compositions import PackedCompositions

__all__ = ["RecentBatches", "content_key"]

T = TypeVar("T")


def content_key(packed: PackedCompositions, *parameters: Hashable) -> tuple:
    """A packed batch's exact content (bytes and dtypes of ``offsets``, ``z``, ``amount``) and
    ``parameters``, as a dict key."""
    arrays = (np.asarray(packed.offsets), np.asarray(packed.z), np.asarray(packed.amount))
    return (
        parameters,
        *(a.dtype.str for a in arrays),
        *(np.ascontiguousarray(a).tobytes() for a in arrays),
    )


class RecentBatches(Generic[T]):
    """The results of the last ``size`` distinct batches (least recently asked dropped first).

    Parameters
    ----------
    size : int
        Batches kept.

    Examples
    --------
    >>> from electroscreen.data.compositions import pack_compositions
    >>> recent, calls = RecentBatches(2), []
    >>> def count(packed):
    ...     calls.append(len(packed))
    ...     return len(packed)
    >>> batch = pack_compositions(["LiCl", "Li3YCl6"])
    >>> recent.get(batch, (), count), recent.get(pack_compositions(["LiCl", "Li3YCl6"]), (), count)
    (2, 2)
    >>> calls
    [2]
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        packed: PackedCompositions,
        parameters: tuple,
        compute: Callable[[PackedCompositions], T],
    ) -> T:
        """``compute(packed)``, or the kept result of a batch with the same content and
        ``parameters`` (the same object: a caller that changes its arrays copies them first)."""
        key = content_key(packed, *parameters)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        found = compute(packed)
        with self._lock:
            self._kept[key] = found
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return found

    def clear(self) -> None:
        """Forget every kept result."""
        with self._lock:
            self._kept.clear()
