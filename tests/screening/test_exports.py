"""The lazy public names of ``electroscreen.screening`` resolve to their modules' objects."""

from __future__ import annotations

import importlib

import pytest

import electroscreen.screening as screening


@pytest.mark.parametrize("name", screening.__all__)
def test_every_public_name_resolves(name):
    module = importlib.import_module(f"electroscreen.screening.{screening._EXPORTS[name]}")
    assert getattr(screening, name) is getattr(module, name)
