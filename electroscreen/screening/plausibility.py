"""Bond-valence plausibility of structure candidates: the ``gii`` columns and the ``max_gii`` filter.

Every candidate with a structure that is still ``ok`` after the pre-filters
(:mod:`electroscreen.screening.filters`) gets ``gii`` (global instability index, v.u., at the lattice
scale that minimises it), ``gii_scale`` (that scale) and ``gii_max_site`` (the largest
occupancy-weighted deviation of one site there, reported, not filtered) from
:class:`~electroscreen.featurizers.bvse.plausibility.BondValenceGII`; formula-only rows keep NaN.
A candidate whose ``gii`` exceeds ``filters.max_gii`` gets status ``implausible_bond_valence`` (the
substituted ions do not fit the seed's sites) before any model runs; ``max_gii: null`` turns the filter
off and keeps the columns. Rows the featurizer cannot score (no oxidation states, no parameters) keep
their status and NaN: an unknown plausibility is not a rejection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.packed import PackedStructures
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.inputs import BatchStructures

__all__ = ["IMPLAUSIBLE", "PLAUSIBILITY_COLUMNS", "apply_bond_valence"]

PLAUSIBILITY_COLUMNS = ("gii", "gii_scale", "gii_max_site")
IMPLAUSIBLE = "implausible_bond_valence"


def apply_bond_valence(
    table: pd.DataFrame,
    packed: PackedStructures | None,
    config: FilterConfig,
    structures: BatchStructures | None = None,
) -> pd.DataFrame:
    """Add the :data:`PLAUSIBILITY_COLUMNS`; apply ``config.max_gii`` to a materialized, pre-filtered
    batch.

    Parameters
    ----------
    table : DataFrame
        Candidate rows (``status``, ``error``, ``structure`` unless ``packed`` is given).
    packed : PackedStructures or None
        The batch's packed structures (row ``i`` of ``table`` is structure ``i``), if the batch came
        packed.
    config : FilterConfig
        ``max_gii`` (v.u.; None: no filter) and the featurizer settings ``gii_cutoff``,
        ``gii_scale_bounds``.
    structures : BatchStructures, optional
        The batch's structures already packed (at least those of the rows that are ``ok``); packed
        here otherwise.

    Returns
    -------
    DataFrame
        A copy with the three columns (NaN for rows without a structure, rejected earlier, or not
        scorable) and ``status``/``error`` set for rows above ``max_gii``.
    """
    out = table.copy()
    values = np.full((len(out), len(PLAUSIBILITY_COLUMNS)), np.nan)
    ok = np.flatnonzero((out["status"] == OK).to_numpy())
    if structures is None:
        structures = BatchStructures.of(out, packed, ok)
    given = structures.for_rows(ok)
    rows = ok[given["structure_rows"]]
    if len(rows):  # formula-only batches never load the Numba kernels
        from electroscreen.featurizers.bvse.plausibility import BondValenceGII

        featurizer = BondValenceGII(
            cutoff=config.gii_cutoff, scale_bounds=tuple(config.gii_scale_bounds)
        )
        values[rows] = featurizer.transform(given["structures"])
    for k, name in enumerate(PLAUSIBILITY_COLUMNS):
        out[name] = values[:, k]
    if config.max_gii is not None:
        status = out["status"].to_numpy(dtype=object).copy()
        error = out["error"].to_numpy(dtype=object).copy()
        over = np.flatnonzero((status == OK) & (np.nan_to_num(values[:, 0]) > config.max_gii))
        for r in over:
            status[r] = IMPLAUSIBLE
            error[r] = (
                f"global instability index {values[r, 0]:.2f} v.u. (at lattice scale "
                f"{values[r, 1]:.3f}) exceeds max_gii={config.max_gii}: the ions do not fit "
                "their sites (the default, 0.86, also rejects 1 in 20 known OBELiX structures; "
                "filters.max_gii: null keeps every candidate)"
            )
        out["status"] = status
        out["error"] = error
    return out
