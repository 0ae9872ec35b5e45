"""The Numba neighbour list against pymatgen's, on every OBELiX structure and on awkward cells."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from electroscreen.data import pack_structures
from electroscreen.featurizers.structure import neighbors
from electroscreen.featurizers.structure.neighbors import NeighborList, neighbor_list


def _majority_decoration(structure: Structure) -> Structure:
    """Ordered twin: every site gets its majority species with occupancy 1, same coordinates."""
    species = [max(site.species.items(), key=lambda kv: kv[1])[0] for site in structure]
    return Structure(structure.lattice, species, structure.frac_coords)


def _pymatgen_pairs(structure: Structure, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """(center, neighbor, image) keys and distances from ``get_all_neighbors``, sorted by key."""
    keys, dists = [], []
    for i, neighbours in enumerate(structure.get_all_neighbors(cutoff)):
        for nb in neighbours:
            keys.append((i, nb.index, *nb.image))
            dists.append(nb.nn_distance)
    keys = np.asarray(keys, dtype=np.int64).reshape(-1, 5)
    order = np.lexsort(keys.T[::-1])
    return keys[order], np.asarray(dists)[order]


def _our_pairs(nl: NeighborList, offsets: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = nl.pair_offsets[i], nl.pair_offsets[i + 1]
    keys = np.column_stack(
        [nl.center[lo:hi] - offsets[i], nl.neighbor[lo:hi] - offsets[i], nl.image[lo:hi]]
    )
    order = np.lexsort(keys.T[::-1])
    return keys[order], nl.distance[lo:hi][order]


def _assert_same_as_pymatgen(structures: list[Structure], cutoff: float) -> NeighborList:
    packed = pack_structures(structures)
    nl = neighbor_list(packed, cutoff)
    for i, s in enumerate(structures):
        ref_keys, ref_d = _pymatgen_pairs(s, cutoff)
        keys, d = _our_pairs(nl, packed.site_offsets, i)
        assert keys.shape == ref_keys.shape, f"structure {i}: {len(keys)} vs {len(ref_keys)} pairs"
        np.testing.assert_array_equal(keys, ref_keys, err_msg=f"structure {i}")
        np.testing.assert_allclose(d, ref_d, rtol=0, atol=1e-8, err_msg=f"structure {i}")
    return nl


def test_every_obelix_structure_matches_pymatgen_at_6A(obelix_structures):
    """Ordered OBELiX structures as they are, disordered ones through their majority decoration."""
    originals = list(obelix_structures["structure"])
    ordered = [s if s.is_ordered else _majority_decoration(s) for s in originals]
    assert sum(s.is_ordered for s in originals) == 72
    nl_ordered = _assert_same_as_pymatgen(ordered, 6.0)

    # The disordered originals have the same geometry: same pairs, weights = product of occupancies.
    packed = pack_structures(originals)
    nl = neighbor_list(packed, 6.0)
    for name in ("pair_offsets", "site_pair_offsets", "center", "neighbor", "image", "distance"):
        np.testing.assert_array_equal(getattr(nl, name), getattr(nl_ordered, name), err_msg=name)
    occupancy = np.concatenate([[site.species.num_atoms for site in s] for s in originals])
    np.testing.assert_allclose(nl.weight, occupancy[nl.center] * occupancy[nl.neighbor], atol=1e-12)
    assert (nl.weight < 1).mean() > 0.1  # the weights really carry the disorder
    np.testing.assert_allclose(nl_ordered.weight, 1.0)


def test_layout_is_grouped_by_structure_then_centre(obelix_packed):
    packed = obelix_packed.take(range(0, 321, 40))
    nl = neighbor_list(packed, 5.0)
    site_of_pair = np.repeat(
        np.arange(len(nl.site_pair_offsets) - 1), np.diff(nl.site_pair_offsets)
    )
    np.testing.assert_array_equal(nl.center, site_of_pair)
    np.testing.assert_array_equal(nl.pair_offsets, nl.site_pair_offsets[packed.site_offsets])
    structure_of_pair = np.repeat(np.arange(len(packed)), nl.n_pairs)
    for idx in (nl.center, nl.neighbor):
        assert (idx >= packed.site_offsets[structure_of_pair]).all()
        assert (idx < packed.site_offsets[structure_of_pair + 1]).all()
    # every pair appears from both sides with the opposite image and the same distance
    forward = np.column_stack([nl.center, nl.neighbor, nl.image])
    backward = np.column_stack([nl.neighbor, nl.center, -nl.image])
    f_order, b_order = np.lexsort(forward.T[::-1]), np.lexsort(backward.T[::-1])
    np.testing.assert_array_equal(forward[f_order], backward[b_order])
    np.testing.assert_allclose(nl.distance[f_order], nl.distance[b_order], atol=1e-10)


def _random_cells(seed: int, n: int) -> list[Structure]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a, b, c = rng.uniform(1.8, 9.0, size=3)
        alpha, beta, gamma = rng.uniform(55, 125, size=3)
        lattice = Lattice.from_parameters(a, b, c, alpha, beta, gamma)
        if not np.isfinite(lattice.matrix).all() or not lattice.volume > 2.0:
            continue  # impossible angle triple
        n_sites = int(rng.integers(1, 5))
        coords = rng.uniform(-1.5, 2.5, size=(n_sites, 3))  # unwrapped on purpose
        out.append(Structure(lattice, ["Li", "O", "S", "La"][:n_sites], coords))
    return out


@pytest.mark.parametrize("cutoff", [1.5, 4.0, 8.0])
def test_triclinic_and_tiny_cells_match_pymatgen(cutoff):
    """Skewed cells, cells much thinner than the cutoff, coordinates outside [0, 1)."""
    structures = _random_cells(seed=int(cutoff * 10), n=25)
    structures.append(Structure(Lattice.cubic(2.0), ["Li"], [[0, 0, 0]]))  # 8 A >> 2 A cell
    structures.append(  # a nearly flat cell: c* is long, many images along c
        Structure(
            Lattice.from_parameters(6, 6, 1.9, 90, 90, 150), ["Na", "Cl"], [[0, 0, 0], [0.5] * 3]
        )
    )
    _assert_same_as_pymatgen(structures, cutoff)


def test_bad_structures_get_no_pairs_and_leave_the_rest_alone(obelix_packed):
    good = obelix_packed.take([0, 1])
    lattice = good.lattice.copy()
    lattice[0] = [[1, 0, 0], [2, 0, 0], [0, 0, 1]]  # singular
    frac = good.frac_coords.copy()
    frac[good.site_offsets[1]] = np.nan  # a NaN coordinate in the second structure
    broken = type(good)(**{**good.__dict__, "lattice": lattice, "frac_coords": frac})
    nl = neighbor_list(broken, 4.0)
    assert len(nl) == 0 and nl.pair_offsets.tolist() == [0, 0, 0]

    mixed = type(good)(**{**good.__dict__, "lattice": lattice})
    nl_mixed = neighbor_list(mixed, 4.0)
    nl_good = neighbor_list(good, 4.0)
    assert nl_mixed.n_pairs[0] == 0
    assert nl_mixed.n_pairs[1] == nl_good.n_pairs[1] > 0
    np.testing.assert_array_equal(nl_mixed.distance, nl_good.distance[nl_good.pair_offsets[1] :])

    empty = neighbor_list(good.take([]), 4.0)
    assert len(empty) == 0 and empty.pair_offsets.tolist() == [0]
    with pytest.raises(ValueError):
        neighbor_list(good, 0.0)


def test_kernels_agree_with_their_python_versions():
    """The compiled count/fill kernels against ``py_func`` on a small triclinic batch."""
    structures = _random_cells(seed=7, n=3)
    packed = pack_structures(structures)
    nl = neighbor_list(packed, 3.5)
    radius = 3.5 + neighbors.DEFAULT_TOLERANCE
    lattice, offsets, frac = packed.lattice, packed.site_offsets, packed.frac_coords
    usable = neighbors._usable_structures.py_func(lattice, offsets, frac)
    wrapped, shift, cart, site_struct = neighbors._wrap_sites.py_func(
        lattice, offsets, frac, usable
    )
    grid, reach = neighbors._bin_grid.py_func(lattice, offsets, usable, radius, 2)
    bin_struct = np.concatenate([[0], np.cumsum(grid.prod(axis=1))])
    atoms, bins = neighbors._bin_sites.py_func(offsets, wrapped, grid, bin_struct, usable)
    common = (lattice, offsets, wrapped, shift, cart, site_struct, grid, reach, bin_struct)
    counts, pairs = [], []
    for i in range(len(frac)):
        n = neighbors._visit_site.py_func(
            i, *common, bins, atoms, radius, 0, *([np.zeros(1, np.int64)] * 2),
            np.zeros((1, 3), np.int64), np.zeros(1), np.zeros(1), np.zeros(1), False,
        )  # fmt: skip
        out = (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros((n, 3), np.int64))
        dist, weight = np.zeros(n), np.zeros(n)
        neighbors._visit_site.py_func(
            i, *common, bins, atoms, radius, 0, *out, dist, weight, np.ones(len(frac)), True
        )
        counts.append(n)
        pairs.append((out, dist))
    np.testing.assert_array_equal(np.diff(nl.site_pair_offsets), counts)
    np.testing.assert_array_equal(nl.neighbor, np.concatenate([p[0][1] for p in pairs]))
    np.testing.assert_array_equal(nl.image, np.concatenate([p[0][2] for p in pairs]))
    np.testing.assert_allclose(nl.distance, np.concatenate([p[1] for p in pairs]), atol=1e-12)
