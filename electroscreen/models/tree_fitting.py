"""How the tree ensembles of :mod:`~electroscreen.models.sklearn_models` use the cores: a forest's
trees built in worker processes, a booster's OpenMP threads."""

from __future__ import annotations

import os

import numpy as np
from joblib import parallel_config
from sklearn.ensemble import BaseEnsemble

from electroscreen.interrupts import leave_signals_to_parent

__all__ = ["fit_forest", "openmp_threads"]


def openmp_threads(n_jobs: int | None) -> int | None:
    """OpenMP threads of the boosters: ``None`` -> 1, ``-1`` -> all cores (``None`` limit).

    scikit-learn's histogram boosters use every core through OpenMP by default; on a shared
    2-core machine that oversubscription made a 40-iteration fit 20x slower (31 s against 1.4 s
    with one thread), so the default here is one thread, as for the forests (``n_jobs=None``).
    """
    if n_jobs is None:
        return 1
    return None if n_jobs < 0 else int(n_jobs)


def fit_forest(
    forest: BaseEnsemble, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
) -> BaseEnsemble:
    """Fit a scikit-learn forest, its trees built in worker processes when ``n_jobs`` asks for more.

    scikit-learn builds a forest's trees in threads, and each task enters and leaves
    ``warnings.catch_warnings()`` around its work. The warning filters are one global list that is
    not thread-safe (Python 3.11): when tasks interleave, a task restores a list another task had
    emptied, the process is left without filters, and every later warning prints once per call
    (thousands of lines on a busy machine). Worker processes each own their filters, so the trees
    are built with the loky backend (one BLAS/OpenMP thread each); one job stays in-process. The
    workers ignore SIGTERM and SIGINT (:func:`~electroscreen.interrupts.leave_signals_to_parent`):
    a process group's SIGTERM (``scancel``, ``timeout``) killed them mid-reply and hung the pool.
    """
    if forest.n_jobs in (None, 1):
        return forest.fit(X, y, sample_weight=sample_weight)
    with parallel_config(
        backend="loky",
        inner_max_num_threads=1,
        initializer=leave_signals_to_parent,
        initargs=(os.getpid(),),
    ):
        return forest.fit(X, y, sample_weight=sample_weight)
