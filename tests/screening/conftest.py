"""Fixtures of the screening tests: small candidate pools (the tiny model store is in
``tests/conftest.py``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

#: Formulas of a small pool: good candidates, each pre-filter's rejections and unparseable rows.
POOL_FORMULAS = [
    "Li7La3Zr2O12",
    "Li3PS4",
    "NaCl",  # no carrier
    "Li6PS5Cl",
    "LiPbCl3",  # forbidden element (Pb)
    "Li3YCl6",
    "LiXx2",  # unknown element
    "Li10GeP2S12",
    "Li2O3",  # not charge balanced
    "",  # empty formula
    "Li3InCl6",
    "LiCoO2",  # redox-active cation (Co)
    "Li1.3Al0.3Ti1.7(PO4)3",
    "Li3N",
]


@pytest.fixture
def formula_pool(tmp_path) -> Path:
    """A formula CSV with ids, :data:`POOL_FORMULAS` repeated 3 times (42 rows)."""
    formulas = POOL_FORMULAS * 3
    path = tmp_path / "pool.csv"
    pd.DataFrame({"id": [f"c{i:03d}" for i in range(len(formulas))], "formula": formulas}).to_csv(
        path, index=False
    )
    return path
