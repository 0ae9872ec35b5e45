"""What is known of a screened composition beyond its predictions: the measurements and labels of it
that the models hold (a recall, or a check of the prediction), never used in a prediction.

:data:`~electroscreen.models.training_rows.TRAINING_COLUMNS` and
:data:`~electroscreen.models.training_rows.HELDOUT_COLUMNS` come from the conductivity model,
:data:`~electroscreen.models.training_labels.LABEL_COLUMNS` from the air-stability model; so do
the nearest measured compositions, whether or not the candidate is one of them
(:data:`~electroscreen.models.training_rows.NEAREST_TRAINING_COLUMNS`,
:data:`~electroscreen.models.training_rows.NEAREST_HELDOUT_COLUMNS`): a member of a measured solid
solution a doping step away is no new material either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from electroscreen.data.compositions import PackedCompositions
from electroscreen.models.training_labels import LABEL_COLUMNS
from electroscreen.models.training_rows import (
    HELDOUT_COLUMNS,
    NEAREST_HELDOUT_COLUMNS,
    NEAREST_TRAINING_COLUMNS,
    NEIGHBOURS_SPREAD_COLUMN,
    TRAINING_COLUMNS,
)

if TYPE_CHECKING:
    from electroscreen.screening.prediction_memo import ScreeningMemos

__all__ = ["known_columns", "remembered_known_columns"]


def known_columns(
    conductivity: Any,
    stability: Any,
    compositions: PackedCompositions,
    rows: np.ndarray,
    index: pd.Index,
) -> pd.DataFrame:
    """:data:`TRAINING_COLUMNS` and :data:`HELDOUT_COLUMNS` (the conductivity model's),
    :data:`LABEL_COLUMNS` (the air-stability model's), then :data:`NEAREST_TRAINING_COLUMNS` and
    :data:`NEAREST_HELDOUT_COLUMNS` (the conductivity model's) of the predicted ``rows`` (NaN /
    ``""`` elsewhere, and for a model saved before it kept those rows), and last
    :data:`NEIGHBOURS_SPREAD_COLUMN` (for the batch's note, not a results column: the caller
    pops it)."""
    known, packed = {}, compositions.take(rows) if len(rows) else None
    for attribute, (value, ids) in (
        ("training_rows_", TRAINING_COLUMNS),
        ("heldout_rows_", HELDOUT_COLUMNS),
    ):
        known[value] = np.full(len(index), np.nan)
        known[ids] = np.full(len(index), "", dtype=object)
        lookup = getattr(conductivity, attribute, None)
        if lookup is not None and packed is not None:
            found = lookup.lookup(packed, (value, ids))
            known[value][rows] = found[value].to_numpy()
            known[ids][rows] = found[ids].to_numpy()
    labels = getattr(stability, "training_labels_", None)
    for column in LABEL_COLUMNS:
        known[column] = np.full(len(index), "", dtype=object)
    if labels is not None and packed is not None:
        found = labels.lookup(packed)
        for column in LABEL_COLUMNS:
            known[column][rows] = found[column].to_numpy()
    for attribute, columns in (
        ("training_rows_", NEAREST_TRAINING_COLUMNS),
        ("heldout_rows_", NEAREST_HELDOUT_COLUMNS),
    ):
        formula, ids, distance = columns
        known[formula] = np.full(len(index), "", dtype=object)
        known[ids] = np.full(len(index), "", dtype=object)
        known[distance] = np.full(len(index), np.nan)
        lookup = getattr(conductivity, attribute, None)
        training = attribute == "training_rows_"
        if training:
            known[NEIGHBOURS_SPREAD_COLUMN] = np.full(len(index), np.nan)
        if lookup is not None and packed is not None:
            found = lookup.nearest(packed, columns, spread=training)
            for column in (*columns, NEIGHBOURS_SPREAD_COLUMN) if training else columns:
                known[column][rows] = found[column].to_numpy()
    return pd.DataFrame(known, index=index)


def remembered_known_columns(
    conductivity: Any,
    stability: Any,
    compositions: PackedCompositions,
    rows: np.ndarray,
    index: pd.Index,
    keys: list,
    memos: ScreeningMemos | None,
) -> pd.DataFrame:
    """:func:`known_columns`; with ``memos``, a row's values taken from those the screening found
    for an earlier row with the same key (``keys``, one per row of ``rows``: the formula as read,
    which fixes the composition; :mod:`~electroscreen.screening.prediction_memo`)."""
    if memos is None:
        return known_columns(conductivity, stability, compositions, rows, index)
    frame = known_columns(conductivity, stability, compositions, rows[:0], index)
    if not len(rows):
        return frame

    def compute(at: np.ndarray) -> tuple[np.ndarray, ...]:
        some = known_columns(
            conductivity, stability, compositions, rows[at], pd.RangeIndex(len(index))
        ).iloc[rows[at]]
        return tuple(some[c].to_numpy() for c in frame.columns)

    found = memos.get(("known",)).outputs(keys, compute)
    columns = {}
    for name, values in zip(frame.columns, found, strict=True):
        column = frame[name].to_numpy().copy()
        column[rows] = values
        columns[name] = column
    return pd.DataFrame(columns, index=index)
