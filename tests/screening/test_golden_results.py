"""A fixed pool's screening results stay what they were: the guard for refactors and speed work
(issue 14: "the same outputs bit for bit").

``golden/pool.csv`` holds 380 synthetic substitutions of 16 known electrolytes and the odd rows of
the runner tests (bad formulas, each pre-filter's rejections); ``golden/expected.csv`` the results
of screening it with the session's tiny models (``tests/conftest.py:model_store``), every column but
the file-dependent ``source`` and those that follow the air-stability model: that model learns from
the project's own label file, which grows, while the conductivity model learns from the pinned
OBELiX and Liverpool files. ``tests/screening/test_runner.py`` checks the air-stability columns and
the ranking against the model and ``rank_candidates``. Strings and integers must be equal; floats equal to 1e-9 relative
(room for another CPU's last bits, never for a changed result). When a change of results is
intended, regenerate with ``ELECTROSCREEN_REGENERATE_GOLDEN=1 pytest
tests/screening/test_golden_results.py`` (the run then fails, to be rerun without the variable)
and say why in the commit.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from electroscreen.screening import screen
from electroscreen.screening.screen_config import load_screening_config

GOLDEN = Path(__file__).parent / "golden"
#: Columns that move whenever a label is added to ``electroscreen/data/labels/air_stability.csv``
#: (the diversity columns follow ``rank``).
FOLLOW_THE_LABELS = [
    "p_air_stable", "p_air_stable_std", "p_air_stable_label_weight", "pareto_rank", "score", "acquisition", "rank",
    "acquisition_rank", "train_air_verdict", "train_air_id", "represented_by", "diverse_rank",
]  # fmt: skip


@pytest.fixture(scope="module")
def results(model_store, tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("golden")
    pool = Path(shutil.copy(GOLDEN / "pool.csv", folder / "pool.csv"))
    result = screen(
        [pool], folder / "out", config=load_screening_config(batch_size=64),
        tracking_uri=model_store.uri, track=False, progress=False,
    )  # fmt: skip
    results = result.results.drop(columns=["source", *FOLLOW_THE_LABELS])
    results["error"] = results["error"].str.replace(str(pool), "pool.csv", regex=False)
    return results  # messages name the file: the same relative name wherever the clone is


def test_a_fixed_pool_screens_to_the_recorded_results(results):
    path = GOLDEN / "expected.csv"
    if os.environ.get("ELECTROSCREEN_REGENERATE_GOLDEN"):
        results.to_csv(path, index=False, float_format="%.17g")
        pytest.fail(f"regenerated {path}: rerun without ELECTROSCREEN_REGENERATE_GOLDEN")
    expected = pd.read_csv(path, keep_default_na=False, na_values=[""])
    assert list(results.columns) == list(expected.columns)
    assert len(results) == len(expected) == len(pd.read_csv(GOLDEN / "pool.csv"))
    for column in expected.columns:
        got, want = results[column], expected[column]
        # a text column empty on every row (hydrate_formula: the pool holds no hydrate) reads
        # back from the CSV as floats, all NaN: compared as text
        text = pd.api.types.is_object_dtype(got) and want.isna().all()
        if not text and (pd.api.types.is_float_dtype(want) or pd.api.types.is_float_dtype(got)):
            np.testing.assert_allclose(
                got.to_numpy(dtype=float), want.to_numpy(dtype=float),
                rtol=1e-9, atol=0, equal_nan=True, err_msg=column,
            )  # fmt: skip
        else:
            got = got.astype(object).where(got.notna(), "").astype(str).tolist()
            want = want.astype(object).where(want.notna(), "").astype(str).tolist()
            assert got == want, column
