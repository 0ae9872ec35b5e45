"""Start-up's objects kept out of the collector's passes while a screen runs (electroscreen/heap.py)
and the command line's collector pace; neither changes what is computed."""

from __future__ import annotations

import gc

import pytest

from electroscreen.heap import frozen_heap


@pytest.fixture
def unfrozen():
    if gc.get_freeze_count():
        pytest.skip("objects were frozen before this test (a caller's gc.freeze)")
    yield
    gc.unfreeze()


def _collected(obj: object) -> bool:
    """Whether the collector's passes reach ``obj`` (``gc.get_objects`` leaves the frozen out)."""
    return any(o is obj for o in gc.get_objects())


def test_the_block_freezes_what_exists_and_gives_it_back(unfrozen):
    # by identity, not by gc.get_freeze_count(): a frozen object freed by its reference count
    # leaves the frozen generation, so the count may fall at any time (it did in CI, by 2)
    kept = []
    assert _collected(kept)
    with frozen_heap() as refreeze:
        assert not _collected(kept)
        later = []
        assert _collected(later)  # new objects are the collector's
        refreeze()
        assert not _collected(later)
    assert _collected(kept) and _collected(later) and gc.get_freeze_count() == 0


def test_an_error_in_the_block_still_gives_the_objects_back(unfrozen):
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("a batch failed")
    assert gc.get_freeze_count() == 0


def test_a_callers_frozen_objects_stay_frozen(unfrozen):
    mine = []
    gc.freeze()
    at_entry = []
    with frozen_heap():
        pass
    assert not _collected(mine) and not _collected(at_entry)  # left frozen, with the block's


def test_the_command_line_collects_the_youngest_generation_less_often(monkeypatch):
    from electroscreen import cli

    for name in ("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "OMP_WAIT_POLICY", "MIMALLOC_ALLOW_THP"):
        monkeypatch.setenv(name, "as the user set it")
    threshold = gc.get_threshold()
    try:
        cli._process_settings()
        assert gc.get_threshold() == (cli._GC_YOUNG_THRESHOLD, *threshold[1:])
        assert cli._GC_YOUNG_THRESHOLD > 700  # CPython's default
    finally:
        gc.set_threshold(*threshold)
