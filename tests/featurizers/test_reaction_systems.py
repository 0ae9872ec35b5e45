"""Batch-stacked chemical systems against the one-system-at-a-time reference (thermo.chemical_system)."""

from __future__ import annotations

import numpy as np
import pytest

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.thermo.enthalpies import (
    chemical_system,
    composition_key,
    element_bits,
    enthalpy_table,
)
from electroscreen.featurizers.thermo.reaction_systems import stack_systems, unique_sets
from electroscreen.featurizers.thermo.reactivity import REACTANTS

EXTRA = ["Li3PO4", "Li3N", "Li2O", "Li3PS4", "LiCl", "Li2CO3", "Fe3O4", "Li6PS5Cl", "H2O"]


@pytest.fixture(scope="module")
def packed(obelix_table):
    return pack_compositions(list(obelix_table["formula"]) + EXTRA)


def test_element_bits_are_the_element_sets(packed):
    bits = element_bits(packed.offsets, packed.z)
    for i in range(len(packed)):
        expected = set(packed.z[packed.offsets[i] : packed.offsets[i + 1]].tolist())
        found = {z for z in range(128) if int(bits[i, z // 64]) >> (z % 64) & 1}
        assert found == expected


@pytest.mark.parametrize("water", ["liquid", "gas"])
@pytest.mark.parametrize("reactant", sorted(REACTANTS))
def test_every_system_equals_chemical_system(packed, reactant, water):
    """Same elements, entries (in the same order), enthalpies and candidate fractions."""
    table = enthalpy_table(water)
    amounts = REACTANTS[reactant]
    rows = np.flatnonzero(np.diff(packed.offsets) > 0)
    stack = stack_systems(packed, rows, {SYMBOL_TO_Z[s]: a for s, a in amounts.items()}, table)
    assert len(stack.dims) < len(rows)  # systems are shared
    r_z = {SYMBOL_TO_Z[s] for s in amounts}
    for j, i in enumerate(rows):
        z = packed.z[packed.offsets[i] : packed.offsets[i + 1]]
        reference = chemical_system(tuple(sorted(set(z.tolist()) | r_z)), water)
        s = stack.system_of[j]
        d = stack.dims[s]
        block = slice(stack.entry_offsets[s], stack.entry_offsets[s + 1])
        assert tuple(stack.elements[s, :d].tolist()) == reference.elements
        np.testing.assert_array_equal(stack.matrix[block, :d], reference.matrix)
        assert not stack.matrix[block, d:].any()
        np.testing.assert_array_equal(stack.energy[block], reference.energy)
        np.testing.assert_array_equal(stack.table_index[block], reference.table_index)
        amount = packed.as_dict(i)
        total = sum(amount.values())
        expected = [amount.get(e, 0.0) / total for e in reference.elements]
        np.testing.assert_allclose(stack.comps[j, :d], expected, rtol=0, atol=1e-15)
        r_total = sum(amounts.values())
        r_expected = [
            sum(a for sym, a in amounts.items() if SYMBOL_TO_Z[sym] == e) / r_total
            for e in reference.elements
        ]
        np.testing.assert_allclose(stack.reacts[s, :d], r_expected, rtol=0, atol=1e-15)


def test_tabulated_energy_matches_the_table_lookup(packed):
    table = enthalpy_table("liquid")
    rows = np.flatnonzero(np.diff(packed.offsets) > 0)
    stack = stack_systems(packed, rows, {1: 2.0, 8: 1.0}, table)
    found = stack.tabulated_energy()
    n_known = 0
    for j, i in enumerate(rows):
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        hit = table.known.get(composition_key(packed.z[lo:hi], packed.amount[lo:hi]))
        if hit is None:
            assert np.isnan(found[j])
        else:
            n_known += 1
            assert found[j] == table.energy[hit]
    assert n_known >= len(EXTRA) - 3  # Li3PO4, Li3N, Li2O, LiCl, Li2CO3, Fe3O4, H2O at least


def test_member_kernel_equals_a_numpy_scan_of_the_whole_table(packed):
    """The member kernel finds, for every system, exactly the table rows (in table order) whose
    elements all belong to it, as a NumPy scan of the table does."""
    from electroscreen.featurizers.thermo.reaction_systems import _members

    table = enthalpy_table("gas")
    bits = element_bits(packed.offsets, packed.z)
    oxygen = np.zeros(2, dtype=np.uint64)
    oxygen[0] = np.uint64(1) << np.uint64(8)
    systems = np.unique(np.concatenate([bits, bits | oxygen]), axis=0)
    offsets, members = _members(systems, table.element_bits)
    for s, system in enumerate(systems):
        outside = ~system
        expected = np.flatnonzero(((table.element_bits & outside[None, :]) == 0).all(axis=1))
        np.testing.assert_array_equal(members[offsets[s] : offsets[s + 1]], expected)
    assert (np.diff(offsets) > 0).mean() > 0.5


@pytest.mark.parametrize("n", [0, 1, 2, 7, 5000])
def test_unique_sets_equal_numpy_unique_of_the_rows(n):
    rng = np.random.default_rng(n)
    words = rng.integers(0, 2**64 - 1, (40, 2), dtype=np.uint64, endpoint=True)
    words[:5, 1] = 0  # sets within the first 64 atomic numbers
    words[5:8, 0] = words[8:11, 0]  # same first word, second word apart
    words[11, 0] = np.iinfo(np.uint64).max  # the sign bit set: compared unsigned
    bits = words[rng.integers(0, len(words), n)]
    unique, inverse = unique_sets(bits)
    expected, expected_inverse = np.unique(bits, axis=0, return_inverse=True)
    assert unique.dtype == expected.dtype and np.array_equal(unique, expected)
    assert inverse.dtype == np.int64
    assert np.array_equal(inverse, np.asarray(expected_inverse).reshape(-1))
