"""The table ``electroscreen featurize`` writes: candidate rows as ``screen`` writes them, then the
featurizers' statuses and features.

``formula`` is the reduced formula and ``cell_formula`` the content as read, as in ``data info
--table`` and ``screen`` (:func:`~electroscreen.screening.inputs.candidate_rows`, the one home of
that rule), so features join screening results on ``candidate_id`` or ``formula``; the features are
computed on the content as read (``cell_formula``), which is what the models read in ``screen``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from electroscreen.featurizers.registry import featurize_table
from electroscreen.screening.inputs import candidate_rows

__all__ = ["feature_rows"]


def feature_rows(
    candidates: pd.DataFrame,
    names: Sequence[str],
    params: Mapping[str, Mapping[str, object]] | None = None,
) -> pd.DataFrame:
    """Featurize a candidate table into ``featurize``'s output.

    Parameters
    ----------
    candidates : DataFrame
        N rows of :func:`~electroscreen.data.read_candidates` (``formula``, ``cell_formula``,
        ``structure``).
    names, params
        Featurizers and their arguments, as for
        :func:`~electroscreen.featurizers.registry.featurize_table`.

    Returns
    -------
    DataFrame
        N rows in input order: ``candidate_id, formula, cell_formula, source, status, error,
        n_sites`` and a table's other columns (:func:`candidate_rows`), then
        ``featurize_status``, ``status_<name>`` and the features (those of ``featurize_table``).
    """
    features = featurize_table(candidates, names, params)
    rows = candidate_rows(candidates.copy()).reset_index(drop=True)  # it writes into its input
    added = features.drop(columns=[c for c in candidates.columns if c != "structure"])
    clash = sorted(set(added.columns) & set(rows.columns))
    if clash:  # featurize_table prefixes a feature named like an input column, not these
        raise ValueError(f"features named like candidate columns: {clash}")
    return pd.concat([rows, added], axis=1)
