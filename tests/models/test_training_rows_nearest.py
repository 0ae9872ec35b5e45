"""A screened composition's nearest training composition (``train_nearest_*``): the measured
member of a solid solution a candidate sits next to is named, with its distance, also where the
candidate is no recall (found by a triage audit: Nb-LLZO 0.0021 from OBELiX ``66a`` ranked as new)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from electroscreen.data.composition_match import atomic_fractions
from electroscreen.data.compositions import pack_compositions
from electroscreen.models.training_rows import (
    NEAREST_HELDOUT_COLUMNS,
    NEAREST_TRAINING_COLUMNS,
    TRAINING_MATCH_TOLERANCE,
    TrainingRows,
)


def _rows() -> TrainingRows:
    formulas = [
        "Li54La24Zr14Nb2O96",  # OBELiX 66a as a cell: Li6.75La3Zr1.75Nb0.25O12
        "Li6.75La3Zr1.75Nb0.25O12",  # the same composition measured again
        "Li7La3Zr2O12",
        "Li6.4La3Zr1.4Ta0.6O12",
        "Li1.4Al0.4Ti1.6P3O12",
        "Li10GeP2S12",
    ]
    values = np.array([-3.1, -3.2, -3.8, -3.0, -3.4, -2.0])
    return TrainingRows(
        ["66a", "x2", "llzo", "ta", "latp", "lgps"], formulas, values, values * np.nan
    )


def _distance(a: str, b: str) -> float:
    x, y = atomic_fractions(a), atomic_fractions(b)
    return max(abs(x.get(e, 0.0) - y.get(e, 0.0)) for e in set(x) | set(y))


def test_a_candidate_a_doping_step_from_a_training_row_names_it_and_how_far():
    rows = _rows()
    candidates = ["Li6.804La3Zr1.8Nb0.2O12", "Li6.75La3Zr1.75Nb0.25O12", "Li27La12Zr7NbO48"]
    packed = pack_compositions(candidates)
    found = rows.nearest(packed)
    formula, ids, distance = NEAREST_TRAINING_COLUMNS
    assert found[ids].tolist() == ["66a;x2"] * 3  # both measurements of that composition
    assert found[formula].tolist() == ["Li27La12Zr7NbO48"] * 3  # reduced as results write it
    expected = _distance(candidates[0], "Li6.75La3Zr1.75Nb0.25O12")
    assert found[distance][0] == pytest.approx(expected, rel=1e-12)
    assert found[distance][0] == pytest.approx(0.0021, abs=5e-5)  # the audit's figure
    # no recall (further than the refinement rounding): the lookup of train_id says nothing
    assert found[distance][0] > TRAINING_MATCH_TOLERANCE
    assert rows.lookup(packed)["train_id"].tolist() == ["", "66a;x2", "66a;x2"]
    # the recalls: their own composition, at 0
    assert found[distance][1:].tolist() == [0.0, 0.0]


def test_rows_are_answered_alone_and_other_columns_are_named_as_asked():
    rows = _rows()
    batch = ["Li10.05Ge1.05P1.95S12", "junk(", "Li1.446Ti1.558Al0.442P3O12", "Li7La3Zr2O12"]
    together = rows.nearest(pack_compositions(batch), NEAREST_HELDOUT_COLUMNS)
    assert list(together.columns) == list(NEAREST_HELDOUT_COLUMNS)
    for i, formula in enumerate(batch):
        alone = rows.nearest(pack_compositions([formula]), NEAREST_HELDOUT_COLUMNS)
        pd.testing.assert_frame_equal(alone, together.iloc[[i]].reset_index(drop=True))
    assert together.iloc[1, :2].tolist() == ["", ""] and np.isnan(together.iloc[1, 2])
    assert together.iloc[2, 1] == "latp" and together.iloc[3, 1] == "llzo"


def test_the_prepared_references_never_travel_with_a_pickled_model():
    rows = _rows()
    before = pickle.dumps(rows)
    rows.nearest(pack_compositions(["Li3PS4"]))
    assert pickle.dumps(rows) == before
    again = pickle.loads(before)  # a model saved before nearest existed reads it alike
    assert (
        again.nearest(pack_compositions(["Li6.75La3Zr1.75Nb0.25O12"]))["train_nearest_id"][0]
        == "66a;x2"
    )
