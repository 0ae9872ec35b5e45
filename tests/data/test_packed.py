import numpy as np
import pytest
from pymatgen.core import Lattice, Species, Structure

from electroscreen.data import PackedStructures, concat_packed, load_packed, pack_structures


def _assert_same_structure(a: Structure, b: Structure) -> None:
    assert len(a) == len(b)
    np.testing.assert_array_equal(a.lattice.matrix, b.lattice.matrix)
    np.testing.assert_array_equal(a.frac_coords, b.frac_coords)
    for site_a, site_b in zip(a, b, strict=True):
        assert site_a.species == site_b.species  # species, oxidation states and occupancies


def test_all_obelix_structures_round_trip_losslessly(obelix_structures, obelix_packed):
    assert len(obelix_packed) == 321
    for i, structure in enumerate(obelix_structures["structure"]):
        _assert_same_structure(obelix_packed.to_structure(i), structure)


def test_ordered_and_partially_occupied_counts(obelix_packed):
    assert obelix_packed.is_ordered.sum() == 72
    assert (~obelix_packed.is_ordered).sum() == 249
    per_site = np.add.reduceat(obelix_packed.occ_fraction, obelix_packed.occ_offsets[:-1])
    assert (per_site <= 1 + 1e-3).all()
    assert (per_site < 1 - 1e-6).any()  # vacancy-containing sites are kept as they are


@pytest.mark.parametrize("suffix", [".npz", ".parquet", ".pq", ".NPZ", ".PARQUET"])
def test_save_and_load_give_identical_arrays(obelix_packed, tmp_path, suffix):
    """Every suffix ``is_packed_file`` accepts is read and written (``.pq`` and upper case failed)."""
    from electroscreen.data.packed import is_packed_file

    path = obelix_packed.save(tmp_path / f"pool{suffix}")
    assert is_packed_file(path)
    loaded = load_packed(path)
    assert loaded.ids == obelix_packed.ids
    for name in ("lattice", "site_offsets", "frac_coords", "occ_offsets", "occ_species"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(obelix_packed, name))
    np.testing.assert_array_equal(loaded.occ_fraction, obelix_packed.occ_fraction)
    np.testing.assert_array_equal(
        np.isnan(loaded.occ_oxidation), np.isnan(obelix_packed.occ_oxidation)
    )


def test_take_matches_packing_the_subset(obelix_structures, obelix_packed):
    idx = [5, 0, 300, 17]
    subset = obelix_packed.take(idx)
    expected = pack_structures(
        [obelix_structures["structure"].iloc[i] for i in idx],
        [obelix_structures["candidate_id"].iloc[i] for i in idx],
    )
    for name in PackedStructures.__dataclass_fields__:
        a, b = getattr(subset, name), getattr(expected, name)
        if name == "occ_oxidation":
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        elif name == "ids":
            assert a == b
        else:
            np.testing.assert_array_equal(a, b)


def test_oxidation_states_and_vacancies_survive_the_round_trip(tmp_path):
    structure = Structure(
        Lattice.cubic(5.0),
        [{Species("Li", 1): 0.5}, {Species("Zr", 4): 0.7, Species("Ta", 5): 0.3}, "O2-"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]],
    )
    packed = pack_structures([structure], ["x"])
    assert packed.has_oxidation.tolist() == [True]
    assert packed.is_ordered.tolist() == [False]
    for path in (tmp_path / "a.npz", tmp_path / "a.parquet"):
        _assert_same_structure(load_packed(packed.save(path)).to_structure(0), structure)


def test_unknown_suffix_is_a_clear_error(obelix_packed, tmp_path):
    with pytest.raises(ValueError, match="unknown suffix"):
        obelix_packed.save(tmp_path / "pool.h5")


def test_concat_of_pieces_gives_back_the_whole(obelix_packed):
    pieces = [
        obelix_packed.take(range(0, 100)),
        obelix_packed.take([]),
        obelix_packed.take(range(100, 321)),
    ]
    whole = concat_packed(pieces)
    assert whole.ids == obelix_packed.ids
    for name in (
        "lattice",
        "site_offsets",
        "frac_coords",
        "occ_offsets",
        "occ_species",
        "occ_fraction",
    ):
        np.testing.assert_array_equal(getattr(whole, name), getattr(obelix_packed, name))
    np.testing.assert_array_equal(
        np.isnan(whole.occ_oxidation), np.isnan(obelix_packed.occ_oxidation)
    )
    assert len(concat_packed([])) == 0
