"""Filters, candidate generation, the batch pipeline, ranking and Dask scale-out.

The public names below are imported on first use, so ``import electroscreen.screening`` stays cheap
(the pipeline pulls in MLflow; generation and filters do not).

>>> from electroscreen.screening import screen, load_screening_config  # doctest: +SKIP
>>> result = screen(  # doctest: +SKIP
...     ["pool.npz"], "screen_out", config=load_screening_config(batch_size=500)
... )
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "screen": "runner",
    "ScreeningResult": "runner",
    "ScreeningError": "runner",
    "ScreeningConfig": "screen_config",
    "FilterConfig": "filter_config",
    "RankingConfig": "screen_config",
    "load_screening_config": "screen_config",
    "apply_filters": "filters",
    "apply_bond_valence": "plausibility",
    "rank_candidates": "ranking",
    "pareto_ranks": "ranking",
    "generate_candidates": "generate",
    "load_seeds": "generate",
    "write_pool": "generate",
    "write_formula_pool": "synthetic",
    "process_batch": "batch",
    "plan_inputs": "inputs",
    "iter_batches": "inputs",
    "ManifestMismatchError": "checkpoint",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
