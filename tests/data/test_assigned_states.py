"""Oxidation states assigned once in a batch and handed on: the same states as assigning again."""

from __future__ import annotations

import numpy as np
import pytest

import electroscreen.data.assigned_states as assigned_states
from electroscreen.data.assigned_states import AssignedStates
from electroscreen.data.compositions import pack_compositions
from electroscreen.data.hydrates import find_hydrates
from electroscreen.data.oxidation import oxidation_states_packed

FORMULAS = [
    "Li3YCl6·H2O", "Li3InCl6·2H2O", "Li3YH2Cl6O", "LiOH", "Li2B12H12·7H2O", "", "Xx2O",
    "Li4(BH4)(NH2)3", "Li3PS4", "Li2OHCl", "LiFe2.5O4",
]  # fmt: skip


def _same(got, expected) -> None:
    np.testing.assert_array_equal(got.states, expected.states)
    np.testing.assert_array_equal(got.residual, expected.residual)
    np.testing.assert_array_equal(got.status, expected.status)
    np.testing.assert_array_equal(got.mixed_valence, expected.mixed_valence)


@pytest.mark.parametrize("kept", [[], [0, 2, 4, 7], list(range(len(FORMULAS)))])
def test_states_handed_on_are_those_assigned_again(kept):
    """Rows kept, rows assigned now, empty and unparsed rows, in any order: bit for bit the
    kernel's states of ``packed.take(rows)``."""
    packed = pack_compositions(FORMULAS)
    kept = np.asarray(kept, dtype=np.int64)
    known = AssignedStates(kept, oxidation_states_packed(packed.take(kept)))
    for rows in ([10, 2, 7, 0, 5], list(range(len(FORMULAS)))[::-1], []):
        rows = np.asarray(rows, dtype=np.int64)
        _same(known.for_rows(packed, rows), oxidation_states_packed(packed.take(rows)))


def test_only_the_rows_not_kept_are_assigned(monkeypatch):
    packed = pack_compositions(FORMULAS)
    kept = np.array([0, 1, 2])
    known = AssignedStates(kept, oxidation_states_packed(packed.take(kept)))
    sizes = []

    def counted(batch):
        sizes.append(len(batch))
        return oxidation_states_packed(batch)

    monkeypatch.setattr(assigned_states, "oxidation_states_packed", counted)
    known.for_rows(packed, np.array([2, 0, 1]))
    assert sizes == []  # every row kept: nothing assigned
    known.for_rows(packed, np.array([2, 4, 1, 9]))
    assert sizes == [2]


def test_hydrates_found_with_states_handed_on_are_those_found_alone(monkeypatch):
    """The hydrate rule reads the states it is given: same hydrates, no state assigned again."""
    packed = pack_compositions(FORMULAS)
    alone = find_hydrates(packed, written=FORMULAS)
    every = np.arange(len(FORMULAS))
    known = AssignedStates(every, oxidation_states_packed(packed))
    monkeypatch.setattr(assigned_states, "oxidation_states_packed", _refused)
    handed = find_hydrates(packed, written=FORMULAS, states=known)
    for name in ("waters", "formula", "dry", "per_unit", "written"):
        np.testing.assert_array_equal(getattr(handed, name), getattr(alone, name))
    assert handed.formula[:5].tolist() == [
        "Li3YCl6·H2O", "Li3InCl6·2H2O", "Li3YCl6·H2O", "", "Li2B12H12·7H2O",
    ]  # fmt: skip


def _refused(batch):
    raise AssertionError(f"{len(batch)} rows assigned again")
