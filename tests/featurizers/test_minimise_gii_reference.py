"""The parallel GII minimisation (``gii_kernels._minimise_parallel``, used from 16 structures on)
against a NumPy re-implementation over pymatgen's neighbours, on ordered and disordered OBELiX."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Structure

from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.featurizers.bvse.bond_valence import pair_tables
from electroscreen.featurizers.bvse.gii_kernels import PARALLEL_MIN_STRUCTURES
from electroscreen.featurizers.bvse.plausibility import BondValenceGII

#: Structures compared with the reference: the smallest cells of OBELiX that get a GII.
N_STRUCTURES = 24


class _Reference:
    """Bond-valence sums of one structure at any lattice scale, from pymatgen's neighbour list.

    Valences: one per element from the occupancy-weighted composition (a mixed valence solved
    from charge balance); ``R0``, ``b``: the
    parameter tables of the (element, rounded valence) pairs; a bond: an occupant and a
    counter-occupant of opposite formal sign within ``cutoff`` in the scaled cell, weighted by the
    counter-occupant's fraction.
    """

    def __init__(self, structure: Structure, featurizer: BondValenceGII) -> None:
        amounts = {el.symbol: a for el, a in structure.composition.element_composition.items()}
        result = assign_oxidation_states(amounts)
        states = dict(result.states)
        if result.mixed_valence:  # the dict API rounds states to 6 decimals: rebalance exactly
            el = result.mixed_valence
            others = sum(states[e] * a for e, a in amounts.items() if e != el)
            states[el] = -others / amounts[el]
        occ = [
            (i, sp.Z, frac, float(states[sp.symbol]))
            for i, site in enumerate(structure)
            for sp, frac in site.species.items()
        ]
        self.site = np.array([o[0] for o in occ])
        self.fraction = np.array([o[2] for o in occ])
        self.valence = np.array([o[3] for o in occ])
        types = sorted({(o[1], round(o[3])) for o in occ})
        type_of = np.array([types.index((o[1], round(o[3]))) for o in occ])
        r0, bb = pair_tables(
            np.array([t[0] for t in types]),
            np.array([t[1] for t in types]),
            featurizer.parameters,
            featurizer.b,
        )
        first = np.searchsorted(self.site, np.arange(len(structure)))
        last = np.searchsorted(self.site, np.arange(len(structure)), side="right")
        lo = featurizer.scale_bounds[0]
        centers, points, _, distances = structure.get_neighbor_list(featurizer.cutoff / lo)
        owner, dist, term_r0, term_b, term_f = [], [], [], [], []
        for i, j, d in zip(centers, points, distances, strict=True):
            for a in range(first[i], last[i]):
                for c in range(first[j], last[j]):
                    if self.valence[a] * self.valence[c] < 0:
                        owner.append(a)
                        dist.append(d)
                        term_r0.append(r0[type_of[a], type_of[c]])
                        term_b.append(bb[type_of[a], type_of[c]])
                        term_f.append(self.fraction[c])
        self.owner = np.array(owner, dtype=np.int64)
        self.distance = np.array(dist)
        self.r0, self.b, self.term_fraction = np.array(term_r0), np.array(term_b), np.array(term_f)
        self.cutoff = featurizer.cutoff
        self.charged = self.valence != 0

    def sums(self, scale: float) -> np.ndarray:
        r = scale * self.distance
        inside = r <= self.cutoff
        assert np.isfinite(self.r0[inside]).all()
        bond = self.term_fraction * np.exp((self.r0 - r) / self.b)
        return np.bincount(self.owner[inside], weights=bond[inside], minlength=len(self.valence))

    def gii(self, scale: float) -> float:
        dev = (self.sums(scale) - np.abs(self.valence))[self.charged]
        w = self.fraction[self.charged]
        return float(np.sqrt((w * dev**2).sum() / w.sum()))

    def max_site(self, scale: float) -> float:
        dev = self.fraction * np.abs(self.sums(scale) - np.abs(self.valence)) * self.charged
        return float(np.bincount(self.site, weights=dev).max())


@pytest.fixture(scope="module")
def batch(obelix_structures):
    """The smallest OBELiX cells with a GII, featurized together (parallel minimisation)."""
    featurizer = BondValenceGII()
    structures = list(obelix_structures["structure"])
    values, status = featurizer.transform_with_status(structures)
    ok = np.flatnonzero(status == "ok")
    chosen = ok[np.argsort([len(structures[i]) for i in ok], kind="stable")[:N_STRUCTURES]]
    subset = [structures[i] for i in chosen]
    sub_values, sub_status = featurizer.transform_with_status(subset)
    assert len(subset) >= PARALLEL_MIN_STRUCTURES  # the parallel kernel runs on this batch
    assert (sub_status == "ok").all()
    return featurizer, subset, sub_values, values[chosen]


def test_batch_covers_disordered_cells(batch):
    _, subset, _, _ = batch
    assert sum(not s.is_ordered for s in subset) >= 12


def test_parallel_gii_and_max_site_equal_the_reference_at_the_returned_scale(batch):
    """GII and worst-site deviation recomputed at the scale the kernel returned: the same sums in
    another order, so they agree to round-off (rel 1e-9)."""
    featurizer, subset, values, _ = batch
    for structure, (gii, scale, max_site) in zip(subset, values, strict=True):
        reference = _Reference(structure, featurizer)
        lo, hi = featurizer.scale_bounds
        assert lo <= scale <= hi
        assert gii == pytest.approx(reference.gii(scale), rel=1e-9, abs=1e-12)
        assert max_site == pytest.approx(reference.max_site(scale), rel=1e-9, abs=1e-12)


def test_parallel_minimum_is_the_reference_minimum(batch):
    """The kernel's minimum over ``scale_bounds`` is not above a dense scan of the reference GII.

    The reference scans 241 scales (spacing 1.25e-3) and refines its best one by a fine scan of
    the two neighbouring intervals; the kernel stops its golden-section search at 1e-5 in the scale,
    and the GII moves by less than ~10 v.u. per unit scale, hence the 1e-4 v.u. tolerance.
    """
    featurizer, subset, values, _ = batch
    lo, hi = featurizer.scale_bounds
    coarse = np.linspace(lo, hi, 241)
    for structure, (gii, _, _) in zip(subset, values, strict=True):
        reference = _Reference(structure, featurizer)
        scan = np.array([reference.gii(a) for a in coarse])
        k = int(np.argmin(scan))
        fine = np.linspace(coarse[max(k - 1, 0)], coarse[min(k + 1, len(coarse) - 1)], 201)
        best = min(scan[k], min(reference.gii(a) for a in fine))
        assert gii <= best + 1e-4, structure.composition.reduced_formula
        assert gii >= best - 1e-4, structure.composition.reduced_formula


def test_parallel_batch_equals_the_whole_pool_and_one_at_a_time(batch):
    """A structure's row does not depend on the batch (whole pool, the subset, alone: serial)."""
    featurizer, subset, values, pool_values = batch
    np.testing.assert_array_equal(values, pool_values)
    alone = np.vstack([featurizer.transform([s]) for s in subset[:6]])
    np.testing.assert_array_equal(values[:6], alone)
