"""The memo of outputs per row key: the outputs of computing every row, each key computed once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from electroscreen.screening.prediction_memo import PredictionMemo, ScreeningMemos, row_keys


def _outputs(keys: list[str], calls: list[list[str]]):
    """A row-wise computation of ``keys``: a float pair and a text per row; ``calls`` records the
    keys of each call."""

    def compute(at: np.ndarray) -> tuple[np.ndarray, ...]:
        asked = [keys[i] for i in at]
        calls.append(asked)
        values = np.array([[len(k) / 3.0, hash(k) % 97 + 0.5] for k in asked]).reshape(-1, 2)
        return values, np.array([k.upper() for k in asked], dtype=object)

    return compute


@pytest.mark.parametrize("max_rows", [1_000, 3, 0])
def test_outputs_equal_computing_every_row_and_each_key_is_computed_once(max_rows):
    memo, calls = PredictionMemo(max_rows=max_rows), []
    batches = [["LiCl", "Li3YCl6", "LiCl", "Li6PS5Cl"], ["Li6PS5Cl", "Li7La3Zr2O12", "LiCl"], []]
    batches += [["LiCl", "Li3YCl6"]]
    for keys in batches:
        got = memo.outputs(keys, _outputs(keys, calls))
        expected = _outputs(keys, [])(np.arange(len(keys)))
        for a, b in zip(got, expected, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape
            assert a.tobytes() == b.tobytes() if a.dtype.kind == "f" else a.tolist() == b.tolist()
    computed = [k for call in calls for k in call]
    if max_rows >= 4:  # every key computed once, its first row only
        assert sorted(computed) == sorted({k for keys in batches for k in keys})
        assert calls[1] == ["Li7La3Zr2O12"] and calls[-1] == []
    else:  # a full memo computes the rows it does not hold, as without it
        assert len(computed) >= sum(map(len, batches)) - 3


def test_rows_kept_over_many_batches_come_back_in_order_and_type():
    """Each batch that keeps rows adds a block; a later batch takes its rows from 100 of them."""
    memo, calls = PredictionMemo(), []
    formulas = [f"Li{i}Cl" for i in range(100)]
    for key in formulas:
        memo.outputs([key], _outputs([key], calls))
    keys = formulas[::-1] + formulas[::7]
    got = memo.outputs(keys, _outputs(keys, calls))
    expected = _outputs(keys, [])(np.arange(len(keys)))
    assert len(calls) == 100  # the last batch computed nothing: every row came from the memo
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()


def test_row_keys_are_the_tuples_of_a_frames_rows():
    frame = pd.DataFrame({"formula": ["LiCl", "LiCl"], "temperature_c": [25.0, 60.0]})
    assert row_keys(frame) == [("LiCl", 25.0), ("LiCl", 60.0)]


def test_a_screenings_memos_are_one_per_request_and_its_own():
    memos, other = ScreeningMemos(), ScreeningMemos()
    assert memos.get(("conductivity", 1)) is memos.get(("conductivity", 1))
    assert memos.get(("conductivity", 1)) is not memos.get(("known",))
    assert memos.get(("known",)) is not other.get(("known",))


def test_a_screening_with_its_memos_equals_one_computing_every_row(
    model_store, formula_pool, tmp_path, monkeypatch
):
    """The pool repeats its formulas across batches of 5: the rows taken from the memos equal
    those of a screening whose memos keep nothing (every row computed, as before the memos)."""
    from electroscreen.screening import execution, screen
    from electroscreen.screening.screen_config import load_screening_config

    calls = []

    class Counted(ScreeningMemos):
        def get(self, request):
            calls.append(request)
            return super().get(request)

    class Unkept(ScreeningMemos):
        def get(self, request):
            return PredictionMemo(max_rows=0)

    run = dict(
        config=load_screening_config(batch_size=5), tracking_uri=model_store.uri, track=False,
        progress=False,
    )  # fmt: skip
    monkeypatch.setattr(execution, "ScreeningMemos", Counted)
    kept = screen([formula_pool], tmp_path / "kept", **run).results
    monkeypatch.setattr(execution, "ScreeningMemos", Unkept)
    every = screen([formula_pool], tmp_path / "every", **run).results
    assert {r[0] for r in calls} == {"conductivity", "air-stability", "objectives", "known"}
    assert (kept["status"] == "ok").sum() > 10 and kept["batch"].nunique() > 5
    pd.testing.assert_frame_equal(kept, every, check_exact=True)
