"""The charge-balance filter's ionic test (:func:`~electroscreen.screening.filters._ionic`) asks
each distinct (element, state) of the rows it checks once: the same rows as the per-entry loop it
replaced (the reference below), on the measured tables' formulas, a synthetic pool and edge cases
(boranes, split hydrogen, mixed valences, non-ionic balances)."""

from __future__ import annotations

import numpy as np

from electroscreen.data.cage_hydrogen import hydridic_borane_cluster
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.data.hydrogen_split import hydrogen_shares
from electroscreen.data.liverpool import load_liverpool
from electroscreen.data.obelix import load_obelix
from electroscreen.data.oxidation import (
    PackedOxidation,
    is_known_valence,
    oxidation_states_packed,
)
from electroscreen.data.segments import segment_any
from electroscreen.screening.filters import _ionic
from electroscreen.screening.synthetic import synthetic_formula_chunks

EDGES = [
    "Li", "LiCl2", "Li2BH4", "LiBH4", "Li2B12H12", "Li2B12H12·7H2O", "Li4(BH4)(NH2)3", "Fe3O4",
    "Li2FeCl4", "LiFe2Cl5", "Li3PS4.3", "LiTi2(PO4)3", "Li0.5TiO2", "Li7La3Zr2O12", "LiI0.88",
    "Li2B10H10", "LiCB11H12", "Li3OCl", "LiH", "Li2NH", "LiNH2", "LiAlH4", "Li3AlH6", "CeO1.8",
]  # fmt: skip


def _reference(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """The per-entry loop :func:`_ionic` ran before (electroscreen bf63a4b)."""
    states = oxidation.states
    ionic = segment_any(states > 0, packed.offsets) & segment_any(states < 0, packed.offsets)
    fractional = np.isfinite(states) & (np.abs(states - np.round(states)) > 1e-6)
    mixed_row = np.repeat(np.asarray(oxidation.mixed_valence, dtype=bool), np.diff(packed.offsets))
    odd = fractional | (mixed_row & np.isfinite(states))
    hydridic, _ = hydrogen_shares(packed, states)
    split = np.isfinite(hydridic)
    cluster = hydridic_borane_cluster(packed, hydridic) == 1.0
    for row in np.flatnonzero(segment_any(odd, packed.offsets) & ionic):
        lo, hi = packed.offsets[row], packed.offsets[row + 1]
        for k in range(lo, hi):
            if not odd[k]:
                continue
            if split[row] and packed.z[k] == 1:
                continue
            if cluster[row] and packed.z[k] == 5 and 0.0 < states[k] < 3.0:
                continue
            if not is_known_valence(ELEMENT_SYMBOLS[packed.z[k]], states[k]):
                ionic[row] = False
    return ionic


def test_ionic_rows_equal_the_per_entry_loop(data_dir):
    liverpool = load_liverpool(data_dir)
    obelix = load_obelix(data_dir)
    bases = [*obelix["formula"].dropna().astype(str)]
    pool = next(synthetic_formula_chunks(bases, 4000, seed=3, chunk_size=4000))["formula"]
    formulas = [
        *liverpool["composition"].dropna().astype(str),
        *obelix["formula"].dropna().astype(str),
        *pool.astype(str),
        *EDGES,
    ]
    packed = pack_compositions(formulas)
    packed = packed.take(np.flatnonzero(packed.status == "ok"))
    oxidation = oxidation_states_packed(packed)
    got, expected = _ionic(packed, oxidation), _reference(packed, oxidation)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype
    assert expected.sum() > len(expected) / 2 and (~expected).sum() > 10  # both kinds of row
