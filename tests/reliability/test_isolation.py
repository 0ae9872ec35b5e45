"""Each row's outputs depend on that row only: extreme rows beside normal ones change nothing.

A batch-wide running sum lets one huge amount turn every later row's total into 0 or NaN; these tests
put extreme rows (huge, tiny and overflowing amounts; huge cells) between normal rows and require the
normal rows' features and statuses to be bit-identical to a batch without them.
"""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.data.segments import segment_any, segment_sum
from electroscreen.featurizers.base import CompositionFeaturizer
from electroscreen.featurizers.registry import FEATURIZERS, featurizer_class, make_featurizer

NORMAL = ["Li3PS4", "Li10GeP2S12", "Li7La3Zr2O12", "Li6PS5Cl", "Li3YCl6"]
EXTREME = [
    {"Li": 1e20, "Cl": 1.0},
    {"Li": 1.0, "Cl": 1.0, "O": 1e-30},
    {"Li": 1e300, "S": 1e300},
    {"Na": 1e-30, "Cl": 1e-30},
]


def _interleaved() -> tuple[list[object], np.ndarray]:
    """Extreme rows first, between and after the normal ones; and where the normal rows are."""
    items: list[object] = [EXTREME[0]]
    where = []
    for i, formula in enumerate(NORMAL):
        where.append(len(items))
        items.append(parse_formula(formula))
        items.append(EXTREME[(i + 1) % len(EXTREME)])
    return items, np.asarray(where)


def _raw_pack(items: list[dict[str, float]]) -> PackedCompositions:
    """Packed compositions built directly, without the amount validation of ``pack_compositions``
    (the kernels must keep rows apart even for input that never went through it)."""
    counts = [len(item) for item in items]
    return PackedCompositions(
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        z=np.array([SYMBOL_TO_Z[s] for item in items for s in item], dtype=np.int64),
        amount=np.array([float(a) for item in items for a in item.values()]),
        status=np.full(len(items), "ok", dtype=object),
        error=np.full(len(items), "", dtype=object),
    )


def _normal_dicts() -> list[object]:
    return [parse_formula(f) for f in NORMAL]


COMPOSITION_NAMES = sorted(
    {
        name
        for name in FEATURIZERS
        if issubclass(featurizer_class(name), CompositionFeaturizer) and name != "reactivity"
    }
)


def test_segment_sum_is_per_segment():
    values = np.array([1e20, 1.0, 2.0, np.inf, 3.0, 4.0])
    offsets = np.array([0, 1, 3, 3, 4, 6])
    np.testing.assert_array_equal(segment_sum(values, offsets), [1e20, 3.0, 0.0, np.inf, 7.0])
    np.testing.assert_array_equal(
        segment_any(values > 2.5, offsets), [True, False, False, True, True]
    )
    assert segment_sum(np.array([]), np.array([0, 0, 0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", COMPOSITION_NAMES)
def test_composition_rows_independent(name):
    assert {"magpie", "electrolyte", "air_reactivity", "hsab"} <= set(COMPOSITION_NAMES)
    _assert_rows_independent(make_featurizer(name))


def test_every_moisture_feature_rows_independent():
    """``h2s_h2se_per_atom`` (not a default column) divided by atoms from a batch-wide running sum."""
    from electroscreen.featurizers.thermo.moisture import MOISTURE_FEATURES, MoistureChemistry

    _assert_rows_independent(MoistureChemistry([name for name, _, _ in MOISTURE_FEATURES]))


def _assert_rows_independent(featurizer: CompositionFeaturizer) -> None:
    items, where = _interleaved()
    alone_values, alone_status = featurizer.transform_with_status(_raw_pack(_normal_dicts()))
    mixed_values, mixed_status = featurizer.transform_with_status(_raw_pack(items))
    assert list(mixed_status[where]) == list(alone_status)
    assert (alone_status == "ok").all(), alone_status
    np.testing.assert_array_equal(mixed_values[where], alone_values)
    assert mixed_values[where].tobytes() == alone_values.tobytes()


def test_air_reactivity_reactions_independent():
    items, where = _interleaved()
    featurizer = make_featurizer("air_reactivity")
    alone = featurizer.reactions(_raw_pack(_normal_dicts())).reset_index(drop=True)
    mixed = featurizer.reactions(_raw_pack(items)).iloc[where].reset_index(drop=True)
    for column in alone.columns:
        a, b = alone[column].to_numpy(), mixed[column].to_numpy()
        if a.dtype.kind == "f":
            assert a.tobytes() == b.tobytes(), column
        else:
            assert a.tolist() == b.tolist(), column


@pytest.mark.parametrize("tiny", [1e-30, 1e-12])
def test_oxidation_skips_amounts_that_round_to_zero(tiny):
    from electroscreen.data import assign_oxidation_states
    from electroscreen.data.oxidation import oxidation_states_packed

    for amounts, status in [({"Li": 2, "Cl": 1}, "unbalanced"), ({"Li": 1, "Cl": 1}, "ok")]:
        with_tiny = {**amounts, "O": tiny}
        assert assign_oxidation_states(with_tiny).status == status
        packed = oxidation_states_packed(_raw_pack([amounts, with_tiny, amounts]))
        assert packed.status.tolist() == [status] * 3
        assert (
            assign_oxidation_states(with_tiny).residual == assign_oxidation_states(amounts).residual
        )


def _rock_salt(a: float, cation: str = "Li", anion: object = "Cl") -> Structure:
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(a), [cation, anion], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def _structures() -> tuple[list[Structure], list[Structure], np.ndarray]:
    normal = [
        _rock_salt(5.13),
        _rock_salt(4.62, "Li", "F"),
        _rock_salt(5.64, {"Li": 0.5, "Na": 0.5}, "Cl"),
    ]
    extreme = [
        Structure(Lattice.cubic(80.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),  # huge cell
        Structure(Lattice.cubic(5.13), [{"Li": 1e-9}, "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
        Structure(Lattice.cubic(1e-3 + 2.0), ["Li", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
    ]
    items, where = [extreme[0]], []
    for i, structure in enumerate(normal):
        where.append(len(items))
        items.append(structure)
        items.append(extreme[(i + 1) % len(extreme)])
    return normal, items, np.asarray(where)


@pytest.mark.parametrize("name", ["structure", "bvse"])
def test_structure_rows_independent(name):
    normal, items, where = _structures()
    featurizer = make_featurizer(name)
    alone_values, alone_status = featurizer.transform_with_status(normal)
    mixed_values, mixed_status = featurizer.transform_with_status(items)
    assert list(mixed_status[where]) == list(alone_status)
    assert mixed_values[where].tobytes() == alone_values.tobytes()
