"""The analysis helpers read the same real training run as the experiments tests."""

from tests.experiments.conftest import trained_run  # noqa: F401  (a session-scoped fixture)
