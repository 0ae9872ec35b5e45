"""Tracking calls retry transient store errors (races between jobs, a locked SQLite file)."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException

from electroscreen.experiments.tracking import is_transient, retry_tracking

RACE = MlflowException(
    "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, datasets.name, "
    "datasets.digest"
)


def _flaky(failures: list[BaseException]):
    calls = []

    def call(value):
        calls.append(value)
        if failures:
            raise failures.pop(0)
        return value * 2

    return call, calls


def test_a_race_or_a_lock_is_retried_until_it_passes():
    call, calls = _flaky([RACE, MlflowException("database is locked")])
    assert retry_tracking(call, 21, base_delay=0.001) == 42
    assert calls == [21, 21, 21]


def test_a_real_error_is_raised_at_once_and_a_lasting_race_in_the_end():
    call, calls = _flaky([MlflowException("RESOURCE_DOES_NOT_EXIST: no run 'x'")])
    with pytest.raises(MlflowException, match="no run"):
        retry_tracking(call, 1, base_delay=0.001)
    assert len(calls) == 1
    call, calls = _flaky([RACE] * 10)
    with pytest.raises(MlflowException, match="UNIQUE"):
        retry_tracking(call, 1, attempts=3, base_delay=0.001)
    assert len(calls) == 3


def test_what_counts_as_transient():
    assert is_transient(RACE) and is_transient(ConnectionError("reset by peer"))
    assert not is_transient(ValueError("bad config field"))


def test_what_mlflow_already_retried_is_not_retried_again():
    down = MlflowException(
        "API request to http://127.0.0.1:9/api/2.0/mlflow/experiments/get-by-name failed with "
        "exception HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url"
    )
    assert not is_transient(down)
    call, calls = _flaky([down])
    with pytest.raises(MlflowException, match="Max retries"):
        retry_tracking(call, 1, base_delay=0.001)
    assert len(calls) == 1
