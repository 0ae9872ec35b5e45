"""The default configs, shipped inside the package, and the default models they train.

The repository's ``configs/`` folder is the editable copy users start from; it holds the same files
(``tests/test_configs.py`` keeps the two equal). Imports nothing from electroscreen, so every layer may
use it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["CONDUCTIVITY_MODEL", "DEFAULT_TRAIN_CONFIGS", "STABILITY_MODEL", "config_path"]

#: Registered model names of the two default models.
CONDUCTIVITY_MODEL = "electroscreen-conductivity"
STABILITY_MODEL = "electroscreen-air-stability"
#: Training config (file name in this package and in the repository's ``configs/``) of each.
DEFAULT_TRAIN_CONFIGS = {
    CONDUCTIVITY_MODEL: "conductivity.yaml",
    STABILITY_MODEL: "air_stability.yaml",
}


def config_path(name: str) -> Path:
    """Path of a shipped config, e.g. ``config_path("screening.yaml")``."""
    path = Path(str(files(__name__) / name))
    if not path.is_file():
        raise FileNotFoundError(f"no shipped config {name!r} in {path.parent}")
    return path
