"""A batch's oxidation states searched once however many steps ask (data/recent_batches.py)."""

from __future__ import annotations

import numpy as np

import electroscreen.data.oxidation as oxidation
from electroscreen.data.compositions import pack_compositions
from electroscreen.data.recent_batches import RecentBatches

BATCH = ["Li3YCl6", "Li7La3Zr2O12", "Li10GeP2S12", "LiFePO4", "Li2B12H12", "Xx", ""]


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    kernel = oxidation._assign_packed

    def counted(offsets, *args):
        calls.append(len(offsets) - 1)
        return kernel(offsets, *args)

    monkeypatch.setattr(oxidation, "_assign_packed", counted)
    oxidation._RECENT.clear()
    return calls


def test_a_batch_asked_again_is_not_searched_again_and_gets_the_same_states(monkeypatch):
    calls = _counting(monkeypatch)
    first = oxidation.oxidation_states_packed(pack_compositions(BATCH))
    again = oxidation.oxidation_states_packed(pack_compositions(list(BATCH)))  # packed anew
    assert calls == [len(BATCH)]
    for name in ("states", "residual", "status", "mixed_valence"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    oxidation._RECENT.clear()
    fresh = oxidation.oxidation_states_packed(pack_compositions(BATCH))
    np.testing.assert_array_equal(first.states, fresh.states)
    assert calls == [len(BATCH)] * 2


def test_another_batch_or_tolerance_is_searched_and_a_callers_change_stays_its_own(monkeypatch):
    calls = _counting(monkeypatch)
    first = oxidation.oxidation_states_packed(pack_compositions(BATCH))
    first.states[:] = 99.0  # a caller writing into its arrays
    again = oxidation.oxidation_states_packed(pack_compositions(BATCH))
    assert not np.any(again.states == 99.0)
    oxidation.oxidation_states_packed(pack_compositions(BATCH), tol=0.02)
    oxidation.oxidation_states_packed(pack_compositions(BATCH[:3]))
    oxidation.oxidation_states_packed(pack_compositions(BATCH[::-1]))
    assert calls == [7, 7, 3, 7]


def test_the_least_recently_asked_batch_is_dropped_first():
    recent: RecentBatches[int] = RecentBatches(2)
    calls: list[str] = []

    def compute(packed):
        calls.append(packed.z.tobytes().hex())
        return len(calls)

    a, b, c = (pack_compositions([f]) for f in ("LiCl", "LiBr", "LiI"))
    assert [recent.get(x, (), compute) for x in (a, b, a, c, a, b)] == [1, 2, 1, 3, 1, 4]
