"""Where ``electroscreen ui`` and ``electroscreen serve`` listen by default, in one light module.

Read by :mod:`~electroscreen.experiments.ui`, :mod:`~electroscreen.experiments.serve` and the CLI's
option defaults; it imports nothing, so the CLI reads it without loading MLflow.
"""

__all__ = ["DEFAULT_HOST", "SERVE_PORT", "UI_PORT"]

#: Loopback only: neither server has authentication, so neither is exposed unless asked.
DEFAULT_HOST = "127.0.0.1"
#: The MLflow UI (``electroscreen ui``).
UI_PORT = 5000
#: The model server (``electroscreen serve``), beside the UI's port.
SERVE_PORT = 5001
