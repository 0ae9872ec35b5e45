"""The Python heap of a long run: start-up's objects kept out of the garbage collector's passes.

A screening imports some hundred thousand long-lived objects (pandas, scikit-learn, MLflow, Numba,
the models) before its first batch. CPython's cyclic collector walks every tracked object of a
generation at each of its collections, and the oldest generation's passes over these objects,
which are never garbage, took 1.9 of the 2.3 s the collector spent in a screen of 200,000
formulas (gc callbacks; 0.4 s with this block and the command line's rarer collections:
benchmarks/README.md, *Issue 14, 2026-12-07 (twenty-sixth session)*). :func:`frozen_heap` moves
what exists when it is entered, and again at each ``refreeze()``, to the collector's permanent
generation (:func:`gc.freeze`) and back at its exit (:func:`gc.unfreeze`), so the collector only
walks what the batches create. Nothing is freed later than it would be otherwise except cycles
among the frozen objects, which wait until the exit; what is computed is unchanged.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["frozen_heap"]


@contextmanager
def frozen_heap() -> Iterator[Callable[[], None]]:
    """Freeze the objects alive now for the block; yields ``refreeze`` (freeze those alive then,
    e.g. after loading models).

    At the exit the frozen objects return to the collector (:func:`gc.unfreeze`), unless objects
    were frozen before the block (by the caller's own :func:`gc.freeze`, as a server does before
    forking): those are left as the caller froze them, with the block's.

    Examples
    --------
    >>> import gc
    >>> before = gc.get_freeze_count()
    >>> with frozen_heap() as refreeze:
    ...     models = [[] for _ in range(3)]
    ...     refreeze()
    ...     gc.get_freeze_count() >= before + 3
    True
    >>> gc.get_freeze_count() == before or before > 0
    True
    """
    already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        if not already:
            gc.unfreeze()
