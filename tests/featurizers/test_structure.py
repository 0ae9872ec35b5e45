"""StructureDescriptors: OBELiX coverage, a pymatgen/NumPy reference, analytic cells, the contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Element, Lattice, Structure
from sklearn.base import clone

from electroscreen.data import pack_structures
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.featurizers.structure import descriptors as structure_module
from electroscreen.featurizers.structure import kernels as structure_kernels
from electroscreen.featurizers.structure import rdf as rdf_module
from electroscreen.featurizers.structure.descriptors import StructureDescriptors
from electroscreen.featurizers.structure.neighbors import neighbor_list
from electroscreen.featurizers.structure.sites import site_classes

CARRIER_FEATURES = [
    "volume_per_carrier",
    "carrier_anion_nn_distance_mean",
    "carrier_anion_nn_distance_std",
    "carrier_anion_nn_distance_min",
    "carrier_carrier_nn_distance_mean",
    "carrier_carrier_nn_distance_std",
    "carrier_carrier_nn_distance_min",
    "carrier_coordination_mean",
    "carrier_coordination_std",
    "carrier_carrier_bonds_mean",
    "carrier_carrier_bonds_std",
    "carrier_bond_ionicity_mean",
    "carrier_bond_ionicity_std",
]


@pytest.fixture(scope="module")
def obelix_features(obelix_structures):
    sd = StructureDescriptors()
    values, status = sd.transform_with_status(obelix_structures)
    return pd.DataFrame(values, columns=sd.get_feature_names_out()), status


def _states(structure: Structure) -> dict[str, float]:
    amounts = {el.symbol: amt for el, amt in structure.composition.element_composition.items()}
    return assign_oxidation_states(amounts).states


def test_every_obelix_structure_gets_finite_descriptors(obelix_structures, obelix_features):
    frame, status = obelix_features
    assert frame.shape == (321, 24 + 3 * 24)
    has_li = np.array([s.composition["Li"] > 0 for s in obelix_structures["structure"]])
    np.testing.assert_array_equal(status == "ok", has_li)
    assert set(status[~has_li]) == {"no_carrier"} and (~has_li).sum() == 7
    # no framework cation (Li3N, Li3P, Li3OCl, ...): sublattice ionicity is undefined, nothing else
    no_framework = np.array(
        [
            all(v <= 0 for el, v in _states(s).items() if el != "Li")
            for s in obelix_structures["structure"]
        ]
    )
    assert np.isnan(frame["sublattice_bond_ionicity"]).to_numpy().tolist() == no_framework.tolist()
    expected_nan = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    rdf_with_carrier = [c for c in frame.columns if c.startswith("rdf_carrier")]
    expected_nan.loc[~has_li, CARRIER_FEATURES + rdf_with_carrier] = True
    expected_nan.loc[no_framework, "sublattice_bond_ionicity"] = True
    pd.testing.assert_frame_equal(~np.isfinite(frame), expected_nan)


def _site_fractions(structure: Structure, carrier: str) -> tuple[np.ndarray, np.ndarray]:
    states = _states(structure)
    carrier_occ = np.array([site.species.element_composition[carrier] for site in structure])
    anion_occ = np.array(
        [
            sum(
                a
                for sp, a in site.species.items()
                if sp.symbol != carrier and states[sp.symbol] < 0
            )
            for site in structure
        ]
    )
    return carrier_occ, anion_occ


def _reference(
    structure: Structure, carrier: str = "Li", cutoff: float = 6.0, exclusive: float = 2.0
) -> dict[str, float]:
    """The descriptors recomputed from pymatgen's neighbours with plain Python and NumPy (two
    carrier sites closer than ``exclusive``, not both full, are alternative positions: no
    neighbours of each other)."""
    c_occ, a_occ = _site_fractions(structure, carrier)
    neighbours = structure.get_all_neighbors(cutoff)
    chi_c = Element(carrier).X
    states = _states(structure)

    def anion_chi(index: int) -> float:
        items = [(Element(sp.symbol).X, a) for sp, a in structure[index].species.items()
                 if sp.symbol != carrier and states[sp.symbol] < 0]  # fmt: skip
        return sum(x * a for x, a in items) / sum(a for _, a in items)

    def carriers_of(i: int) -> list:
        return [
            nb for nb in neighbours[i]
            if c_occ[nb.index] > 0
            and not (nb.nn_distance < exclusive and min(c_occ[i], c_occ[nb.index]) < 1 - 1e-3)
        ]  # fmt: skip

    rows = []
    for i in np.flatnonzero(c_occ > 0):
        to_anion = [(nb.nn_distance, nb.index) for nb in neighbours[i] if a_occ[nb.index] > 0]
        d_a = min(d for d, _ in to_anion)
        d_c = min(nb.nn_distance for nb in carriers_of(i))
        shell = [(d, j) for d, j in to_anion if d <= 1.25 * d_a]
        cn = sum(a_occ[j] for _, j in shell)
        ionicity = sum(
            a_occ[j] * (1 - np.exp(-((chi_c - anion_chi(j)) ** 2) / 4)) for _, j in shell
        )
        bonds = sum(c_occ[nb.index] for nb in carriers_of(i) if nb.nn_distance <= 4.0)
        rows.append((c_occ[i], d_a, d_c, cn, bonds, ionicity / cn))
    w, d_a, d_c, cn, bonds, lbi = np.array(rows).T
    anion_rows = []
    for i in np.flatnonzero(a_occ > 0):
        to_anion = [(nb.nn_distance, nb.index) for nb in neighbours[i] if a_occ[nb.index] > 0]
        d_aa = min(d for d, _ in to_anion)
        afc = sum(a_occ[j] for d, j in to_anion if d <= 1.25 * d_aa)
        anion_rows.append((a_occ[i], d_aa, afc))
    wa, d_aa, afc = np.array(anion_rows).T
    # framework cations (neither carrier nor anion): bond ionicity over their first anion shell
    framework_rows = []
    for i, site in enumerate(structure):
        cations = [(Element(sp.symbol).X, f) for sp, f in site.species.items()
                   if sp.symbol != carrier and states[sp.symbol] >= 0]  # fmt: skip
        occupancy = sum(f for _, f in cations)
        if occupancy <= 0:
            continue
        chi_f = sum(x * f for x, f in cations) / occupancy
        to_anion = [(nb.nn_distance, nb.index) for nb in neighbours[i] if a_occ[nb.index] > 0]
        d_fa = min(d for d, _ in to_anion)
        shell = [j for d, j in to_anion if d <= 1.25 * d_fa]
        ionicity = sum(a_occ[j] * (1 - np.exp(-((chi_f - anion_chi(j)) ** 2) / 4)) for j in shell)
        framework_rows.append((occupancy, ionicity / sum(a_occ[j] for j in shell)))

    def std(x, weights):
        return np.sqrt(np.average((x - np.average(x, weights=weights)) ** 2, weights=weights))

    # partial RDFs by histogramming pymatgen's pair distances
    edges = np.arange(25) * 0.25
    shell_volume = 4 / 3 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    hist = {k: np.zeros(24) for k in ("ca", "cc", "aa")}
    for i, nbs in enumerate(neighbours):
        for nb in nbs:
            b = np.searchsorted(edges, nb.nn_distance, side="right") - 1
            if b < 24:
                hist["ca"][b] += c_occ[i] * a_occ[nb.index]
                hist["cc"][b] += c_occ[i] * c_occ[nb.index]
                hist["aa"][b] += a_occ[i] * a_occ[nb.index]
    n_c, n_a, volume = c_occ.sum(), a_occ.sum(), structure.volume
    out = {
        "density": structure.density,
        "volume_per_atom": volume / structure.composition.num_atoms,
        "volume_per_anion": volume / n_a,
        "carrier_fraction": n_c / structure.composition.num_atoms,
        "carrier_anion_nn_distance_mean": np.average(d_a, weights=w),
        "carrier_anion_nn_distance_std": std(d_a, w),
        "carrier_anion_nn_distance_min": d_a.min(),
        "carrier_carrier_nn_distance_mean": np.average(d_c, weights=w),
        "carrier_carrier_nn_distance_min": d_c.min(),
        "carrier_carrier_nn_distance_std": std(d_c, w),
        "carrier_carrier_bonds_std": std(bonds, w),
        "carrier_bond_ionicity_std": std(lbi, w),
        "carrier_coordination_mean": np.average(cn, weights=w),
        "carrier_coordination_std": std(cn, w),
        "carrier_carrier_bonds_mean": np.average(bonds, weights=w),
        "carrier_bond_ionicity_mean": np.average(lbi, weights=w),
        "anion_anion_nn_distance_mean": np.average(d_aa, weights=wa),
        "anion_anion_nn_distance_min": d_aa.min(),
        "anion_framework_coordination_mean": np.average(afc, weights=wa),
        "anion_framework_coordination_std": std(afc, wa),
    }
    if framework_rows:
        wf, sbi = np.array(framework_rows).T
        out["sublattice_bond_ionicity"] = np.average(sbi, weights=wf)
    for key, norm in (("ca", n_c * n_a), ("cc", n_c * n_c), ("aa", n_a * n_a)):
        out[f"rdf_{key}"] = hist[key] * volume / (norm * shell_volume)
    return out


def test_matches_pymatgen_reference_on_ordered_and_disordered_obelix(
    obelix_structures, obelix_features
):
    frame, _ = obelix_features
    structures = obelix_structures["structure"]
    has_li = np.array([s.composition["Li"] > 0 for s in structures])
    ordered = np.flatnonzero([s.is_ordered for s in structures] & has_li)[::9]
    disordered = np.flatnonzero(~np.array([s.is_ordered for s in structures]) & has_li)[::25]
    assert len(ordered) >= 6 and len(disordered) >= 8
    rdf_names = {
        key: [c for c in frame.columns if c.startswith(f"rdf_{name}_")]
        for key, name in (("ca", "carrier_anion"), ("cc", "carrier_carrier"), ("aa", "anion_anion"))
    }
    for i in np.concatenate([ordered, disordered]):
        ref = _reference(structures.iloc[i])
        for key, expected in ref.items():
            if key.startswith("rdf_"):
                got = frame.loc[i, rdf_names[key[4:]]].to_numpy()
            else:
                got = frame.loc[i, key]
            rtol = 1e-6 if key == "density" else 1e-9  # element masses: Magpie table vs pymatgen
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-9, err_msg=f"{i} {key}")


def test_rock_salt_by_hand_including_half_occupied_carriers():
    a = 5.64
    ordered = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(a), ["Na", "Cl"], [[0, 0, 0], [0.5] * 3]
    )
    half = ordered.copy()
    half.replace_species({Element("Na"): {"Na": 0.5}})
    sd = StructureDescriptors(carrier="Na")
    values, status = sd.transform_with_status([ordered, half])
    got = pd.DataFrame(values, columns=sd.get_feature_names_out())
    assert status.tolist() == ["ok", "ok"]
    for row, occ in ((0, 1.0), (1, 0.5)):
        f = got.iloc[row]
        assert f["carrier_anion_nn_distance_mean"] == pytest.approx(a / 2)
        assert f["carrier_carrier_nn_distance_mean"] == pytest.approx(a / np.sqrt(2))
        assert f["anion_anion_nn_distance_min"] == pytest.approx(a / np.sqrt(2))
        assert f["carrier_coordination_mean"] == pytest.approx(6.0)
        assert f["carrier_carrier_bonds_mean"] == pytest.approx(12 * occ)
        assert f["anion_framework_coordination_mean"] == pytest.approx(12.0)
        assert f["carrier_fraction"] == pytest.approx(occ / (1 + occ))
        mass = 4 * (occ * Element("Na").atomic_mass + Element("Cl").atomic_mass)
        assert f["density"] == pytest.approx(mass / a**3 * 1.66053906660, rel=1e-6)
        radii = occ * 1.02**3 + 1.81**3  # Shannon Na+ (VI), Cl- (VI)
        assert f["packing_fraction"] == pytest.approx(4 * 4 / 3 * np.pi * radii / a**3, rel=1e-6)
        assert np.isnan(f["sublattice_bond_ionicity"])  # no framework cation
        # six Cl at a/2 from each Na: g = V * 6 / (N_Cl * shell volume) in the bin holding 2.82 A
        assert f["rdf_carrier_anion_2.875A"] == pytest.approx(
            a**3 * 6 / (4 * 4 / 3 * np.pi * (3.0**3 - 2.75**3))
        )


def test_isolated_carriers_fall_back_to_a_wider_search():
    """One Li per 12 A cell: its nearest Li (its own image) lies beyond the 6 A neighbour cutoff."""
    s = Structure(
        Lattice.tetragonal(12.0, 5.0), ["Li", "O", "Si"], [[0, 0, 0], [0, 0, 0.38], [0.5, 0.5, 0.5]]
    )
    sd = StructureDescriptors()
    frame = pd.DataFrame(sd.transform([s]), columns=sd.get_feature_names_out())
    assert frame.loc[0, "carrier_carrier_nn_distance_mean"] == pytest.approx(5.0)
    s2 = Structure(Lattice.cubic(13.0), ["Li", "O"], [[0, 0, 0], [0.15, 0, 0]])
    frame2 = pd.DataFrame(sd.transform([s2]), columns=sd.get_feature_names_out())
    assert frame2.loc[0, "carrier_carrier_nn_distance_min"] == pytest.approx(13.0)
    assert frame2.loc[0, "carrier_carrier_bonds_mean"] == 0.0


def test_kernels_agree_with_python_versions(obelix_packed):
    packed = obelix_packed.take([0, 5, 200])
    sites = site_classes(packed, 3)
    nl = neighbor_list(packed, 5.0)
    args = (packed.site_offsets, nl.site_pair_offsets, nl.neighbor, nl.distance)
    args += tuple(sites[k] for k in structure_kernels.SITE_KERNEL_ARRAYS)
    args += (float(sites["carrier_chi"]), 0.25, 4.0)
    for exclusive in (0.0, 2.0):
        compiled = structure_kernels.environment(*args, exclusive)
        python = structure_kernels.environment.py_func(*args, exclusive)
        np.testing.assert_allclose(compiled[0], python[0], rtol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(compiled[1], python[1])
    weights = np.column_stack([sites["carrier"], sites["anion"]])
    rdf_args = (packed.volume(), *args[:4], weights, np.array([[0, 1], [0, 0], [1, 1]]), 0.25, 20)
    np.testing.assert_allclose(
        rdf_module.partial_rdfs(*rdf_args), rdf_module.partial_rdfs.py_func(*rdf_args), rtol=1e-12
    )


def test_contract_inputs_bad_rows_and_clone(obelix_structures, obelix_features):
    frame, _ = obelix_features
    sd = StructureDescriptors()
    assert clone(sd).get_params() == sd.get_params()
    names = sd.get_feature_names_out()
    assert len(set(names)) == len(names) == frame.shape[1]
    assert set(sd.feature_units()) == set(names)
    assert sd.feature_units()["density"] == "g/cm^3" and len(sd.citations()) >= 3
    assert set(structure_module.SENDEK_FEATURES.values()) <= set(names)
    sources = sd.feature_citations()
    assert list(sources) == list(names) and all(sources.values())
    assert "Sendek" in sources["carrier_carrier_bonds_mean"]
    assert "Schuett" in sources[names[-1]] and names[-1].startswith("rdf_anion_anion_")

    table = obelix_structures.iloc[:4].copy()
    table.loc[table.index[1], "status"] = "parse_error"
    table.loc[table.index[2], "structure"] = None
    values, status = sd.transform_with_status(table)
    assert status.tolist() == ["ok", "parse_error", "no_structure", "ok"]
    assert np.isnan(values[1:3]).all()
    # a list mixing structures and formulas: the formulas are no_structure rows (AttributeError before)
    mixed = [obelix_structures["structure"].iloc[0], "Li3PS4", None]
    mixed_values, mixed_status = sd.transform_with_status(mixed)
    assert mixed_status.tolist() == ["ok", "no_structure", "no_structure"]
    np.testing.assert_allclose(mixed_values[0], frame.iloc[0].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(values[[0, 3]], frame.iloc[[0, 3]].to_numpy(), rtol=1e-12)

    structures = list(obelix_structures["structure"].iloc[:3])
    from_list = sd.fit_transform(structures)
    np.testing.assert_allclose(from_list, frame.iloc[:3].to_numpy(), rtol=1e-12, equal_nan=True)

    packed = pack_structures(structures)
    lattice = packed.lattice.copy()
    lattice[1] = 0.0  # a collapsed cell in the middle of the batch
    broken = type(packed)(**{**packed.__dict__, "lattice": lattice})
    values, status = sd.transform_with_status(broken)
    assert status.tolist() == ["ok", "invalid_structure", "ok"]
    assert np.isnan(values[1]).all()
    np.testing.assert_allclose(values[[0, 2]], frame.iloc[[0, 2]].to_numpy(), rtol=1e-12)

    with pytest.raises(ValueError):
        StructureDescriptors(carrier="Xx").transform(structures)


def test_a_split_site_is_not_its_own_nearest_carrier(obelix_structures):
    """A chemist's audit: the candidate card gave Li6PS5Cl (OBELiX 122) a Li-Li distance of
    1.82 A, the two halves of argyrodite's split 48h pair, which are never occupied at once. They
    are now one ion's two positions; a featurizer pickled before keeps counting them."""
    import pickle

    structure = obelix_structures.set_index("candidate_id").loc["122", "structure"]
    names = list(StructureDescriptors().get_feature_names_out())
    column = names.index("carrier_carrier_nn_distance_min")
    now = StructureDescriptors().transform([structure])[0]
    before = StructureDescriptors(exclusive_distance=0.0).transform([structure])[0]
    assert before[column] < 1.9 < 2.0 < now[column]
    assert now[column] == pytest.approx(_reference(structure)["carrier_carrier_nn_distance_min"])
    old = StructureDescriptors()
    state = dict(pickle.loads(pickle.dumps(old)).__dict__)
    del state["exclusive_distance"]
    unpickled = StructureDescriptors.__new__(StructureDescriptors)
    unpickled.__setstate__(state)
    np.testing.assert_array_equal(unpickled.transform([structure])[0], before)
