"""Ordered approximants by rounded occupancies (``electroscreen export --order``), on real structures.

Screened substituted candidates carry occupancies such as Ge 0.6781 / Si 0.3219: no supercell of at
most 200 sites makes them whole, so each gets the smallest supercell whose rounded occupancies move
no site occupancy by more than the tolerance, charge balanced, with the change reported.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from pymatgen.core import Composition, Lattice, Structure
from typer.testing import CliRunner

from electroscreen.analysis.occupancy_rounding import round_occupancies, whole_multiplier
from electroscreen.analysis.ordering import ordered_approximant
from electroscreen.cli import app

SECONDS = 1.0  # Ewald search per ordering: the greedy first ordering is found in milliseconds
ROUNDED = re.compile(r"^rounded: (\d+) cells?, occupancies moved by at most ([0-9.e-]+) \((.+)\)")


@pytest.fixture(scope="module")
def obelix(obelix_structures):
    return dict(zip(obelix_structures["candidate_id"], obelix_structures["structure"], strict=True))


def _substituted(obelix) -> Structure:
    """Li10.032Si0.3219Ge0.6781P2S12 (per formula unit), the export example's candidate (docs/export.md): the
    LGPS-type kop (Li20.064Sn0.64372Ge1.35628P4S24) with Sn substituted by Si on its shared
    Ge/Sn/P site, as ``electroscreen generate`` writes it."""
    structure = obelix["kop"].copy()
    structure.replace_species({"Sn": "Si"})
    return structure


def _site_changes(original: Structure, rounded: Structure) -> float:
    """Largest change of a site occupancy (any species or the vacancy) from ``original`` to
    ``rounded`` (same cell; a site missing from ``rounded`` is empty), matched by position."""
    by_position = {tuple(np.round(s.frac_coords, 6)): s.species for s in rounded}
    assert len(by_position) == len(rounded)
    largest = 0.0
    for site in original:
        new = by_position.get(tuple(np.round(site.frac_coords, 6)))
        old = {str(sp): x for sp, x in site.species.items()}
        new = {} if new is None else {str(sp): x for sp, x in new.items()}
        assert set(new) <= set(old)  # rounding never puts a species on another's site
        for name in old:
            largest = max(largest, abs(new.get(name, 0.0) - old[name]))
        largest = max(largest, abs(sum(new.values()) - sum(old.values())))  # the vacancy
    return largest


def _charge(structure: Structure) -> float:
    return sum(sp.oxi_state * x for site in structure for sp, x in site.species.items())


def _check_rounded(structure: Structure, max_sites: int, tolerance: float = 0.05) -> str:
    """Every property a rounded approximant promises; returns its status."""
    limit = max_sites // len(structure)
    assert whole_multiplier(structure, limit) is None  # was `too_large` before rounding existed
    screened = structure.copy()
    ordered, status = _ordered(structure, max_sites, tolerance)
    match = ROUNDED.match(status)
    assert match, status
    m, reported = int(match.group(1)), float(match.group(2))
    assert 1 <= m <= limit
    assert ordered is not None and ordered.is_ordered
    rounding = round_occupancies(structure, m)
    assert rounding is not None and rounding.multiplier == m
    # at most max_sites sites before ordering (empty sites removed), never more after
    assert len(ordered) <= len(rounding.structure) * m <= max_sites
    # no site of the rounded structure sums above 1
    assert all(site.species.num_atoms <= 1 + 1e-9 for site in rounding.structure)
    # the reported largest change is the one recomputed site by site, and within the tolerance
    recomputed = _site_changes(structure, rounding.structure)
    assert recomputed == pytest.approx(rounding.max_change, abs=1e-9)
    assert reported == pytest.approx(recomputed, rel=5e-3)
    assert 0 < recomputed <= tolerance + 1e-9
    # no smaller supercell rounds within the tolerance (charge balanced)
    for smaller in range(1, m):
        other = round_occupancies(structure, smaller)
        assert other is None or other.max_change > tolerance + 1e-9
    # the ordered composition per original cell: each element moved by at most the tolerance
    # times the number of sites that hold it
    before = structure.composition.element_composition
    after = ordered.composition.element_composition / m
    assert after.almost_equals(
        rounding.structure.composition.element_composition, rtol=1e-6, atol=1e-6
    )
    for el in set(before) | set(after):
        holders = sum(1 for site in structure if el in site.species.element_composition)
        assert abs(after[el] - before[el]) <= tolerance * holders + 1e-9, el
    # charge balanced, with oxidation states on every site
    assert _charge(ordered) == pytest.approx(0, abs=1e-6)
    # the screened structure is left as it was
    assert structure == screened and not structure.is_ordered
    return status


def test_lgps_with_three_cations_on_one_site_is_rounded(obelix):
    """kop, Li20.064Sn0.64372Ge1.35628P4S24: Ge/Sn/P share the 4d site (0.339/0.161/0.5)."""
    status = _check_rounded(obelix["kop"], 200)
    assert status.startswith("rounded: 2 cells")


def test_the_readme_candidate_is_rounded_not_too_large(obelix):
    """The export example's Li10.032Si0.3219Ge0.6781P2S12 was `too_large` at any tolerance: now 2
    cells (140 sites), Ge 0.3391 -> 0.375, and its Li 40.128 rounded to a charge-balanced 40."""
    structure = _substituted(obelix)
    assert structure.composition.almost_equals(
        Composition("Li10.032Si0.32186Ge0.67814P2S12") * 2, rtol=1e-6
    )
    status = _check_rounded(structure, 200)
    assert status.startswith("rounded: 2 cells") and "Ge 0.3391 -> 0.375" in status
    # the nearest rounding of each group alone loses a Li (Li39: charge -1); the rounding taken
    # rounds one Li group up instead
    free = round_occupancies(structure, 2, charge_balanced=False)
    assert (free.structure.composition * 2)["Li"] == pytest.approx(39)
    assert (round_occupancies(structure, 2).structure.composition * 2)["Li"] == pytest.approx(40)


def test_garnet_is_rounded_in_its_cell(obelix):
    """72f, Al-doped LLZO (Li50.064La24Zr16Al1.92O96, 256 sites): Li and Al share the Li sites."""
    status = _check_rounded(obelix["72f"], 256)
    assert status.startswith("rounded: 1 cell,")


def test_a_tolerance_too_small_is_too_large_and_names_the_best_change(obelix):
    structure = _substituted(obelix)
    ordered, status = ordered_approximant(structure, 200, occupancy_tolerance=0.005)
    assert ordered is None and status.startswith("too_large:"), status
    best = re.search(r"best: (\d+) cells?, occupancies moved by at most ([0-9.e-]+)", status)
    assert best, status
    changes = {
        m: round_occupancies(structure, m, charge_balanced=False).max_change
        for m in range(1, 200 // len(structure) + 1)
    }
    assert int(best.group(1)) == min(changes, key=changes.get)
    assert float(best.group(2)) == pytest.approx(min(changes.values()), rel=5e-3)
    assert min(changes.values()) > 0.005


def _ordered(structure: Structure, max_sites: int, tolerance: float = 0.05):
    return ordered_approximant(structure, max_sites, tolerance, search_seconds=SECONDS)


def _cell(species: list[dict], coords: list[list[float]]) -> Structure:
    return Structure(Lattice.cubic(6.0), species, coords)


def test_a_rounding_never_overfills_a_site():
    """Li 0.4 / Na 0.3 / K 0.3 on one site: in 5 cells the nearest counts 2 / 1.5 / 1.5 round to
    2 / 2 / 2, six atoms on five sites. The rounding keeps the site full and never above."""
    full = _cell([{"Li": 0.4, "Na": 0.3, "K": 0.3}, {"Cl": 1}], [[0, 0, 0], [0.5, 0.5, 0.5]])
    with_vacancies = _cell(
        [{"Li": 0.45, "Na": 0.45}, {"Li": 0.45, "Na": 0.45}, {"Cl": 0.9}, {"Cl": 0.9}],
        [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0.5, 0.5], [0, 0, 0.5]],
    )
    for structure in (full, with_vacancies):
        for m in range(1, 13):
            for balanced in (True, False):
                rounding = round_occupancies(structure, m, charge_balanced=balanced)
                assert rounding is not None
                totals = [site.species.num_atoms for site in rounding.structure]
                assert max(totals) <= 1 + 1e-9, (m, totals)
                if structure is full:  # a full site stays full, with whole counts per species
                    assert totals[0] == pytest.approx(1)
                    counts = np.array(list(rounding.structure[0].species.values())) * m
                    assert counts == pytest.approx(np.round(counts))
    assert round_occupancies(full, 5).max_change == pytest.approx(0.1)  # Na or K 1.5 -> 2 of 5
    # in 3 cells Li 1.2 / Na 0.9 / K 0.9 -> 1 / 1 / 1: Li moved by 0.2 of 3 sites
    ordered, status = _ordered(full, max_sites=10, tolerance=0.1)
    assert status.startswith(
        "rounded: 3 cells, occupancies moved by at most 0.0667 (Li 0.4 -> 0.3333)"
    )
    assert ordered.composition.element_composition.almost_equals(
        round_occupancies(full, 3).structure.composition.element_composition * 3, rtol=1e-6
    )
    assert ordered_approximant(full, max_sites=10)[1].startswith("too_large:")  # 0.05: none


def test_exact_occupancies_are_never_rounded(obelix):
    """A structure whose occupancies a supercell within the limit makes whole keeps its
    composition (status ok), even where a smaller rounded supercell is within the tolerance."""
    structure = _cell([{"Li": 0.2, "Na": 0.8}, {"Cl": 1}], [[0, 0, 0], [0.5, 0.5, 0.5]])
    assert round_occupancies(structure, 4).max_change == pytest.approx(0.05)  # Li 0.2 -> 0.25
    ordered, status = _ordered(structure, max_sites=10)
    assert status == "ok" and len(ordered) == 10
    assert ordered.composition.element_composition.almost_equals(
        structure.composition.element_composition * 5
    )


@pytest.mark.parametrize("tolerance", [0, -0.1, 0.51, 1.0])
def test_the_tolerance_is_validated(tolerance, tmp_path):
    structure = _cell([{"Li": 0.5}, {"Cl": 0.5}], [[0, 0, 0], [0.5, 0.5, 0.5]])
    with pytest.raises(ValueError, match=r"not in \(0, 0.5\]"):
        ordered_approximant(structure, occupancy_tolerance=tolerance)
    result = CliRunner().invoke(
        app,
        ["export", str(tmp_path), "--out", str(tmp_path / "x"),
         "--occupancy-tolerance", str(tolerance)],
    )  # fmt: skip
    assert result.exit_code == 2 and "not in (0, 0.5]" in result.stdout, result.output
    assert not (tmp_path / "x").exists()


def test_a_long_search_stops_with_the_best_ordering_found(obelix):
    """The Ewald search (pymatgen's, its private state read to stop it) ends at the time limit
    with the best ordering found by then, and the status says so; a search given no time still
    returns a whole ordering of the rounded composition."""
    structure = _substituted(obelix)
    ordered, status = ordered_approximant(structure, 200, 0.05, search_seconds=0.0)
    assert "; Ewald search stopped after 0 s (best ordering found by then)" in status
    assert ROUNDED.match(status) and ordered.is_ordered
    rounded = round_occupancies(structure, int(ROUNDED.match(status).group(1)))
    expected = rounded.structure.composition.element_composition * int(
        ROUNDED.match(status).group(1)
    )
    assert ordered.composition.element_composition.almost_equals(expected, rtol=1e-6)


def test_an_ordering_that_fills_split_sites_says_so():
    """A disordered model's split sites (two Li sites 1.6 A apart, each 0.75 full) cannot all be
    avoided by an ordering: three Li on two pairs of sites. The status says so before DFT."""
    lattice = Lattice.cubic(6.0)
    species = [{"Li+": 0.75}, {"Li+": 0.75}, {"Cl-": 1.0}, {"Cl-": 0.5}]
    coords = [[0, 0, 0], [1.6 / 6.0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.0, 0.5]]
    structure = Structure(lattice, species, coords)
    ordered, status = ordered_approximant(structure, search_seconds=SECONDS)
    assert ordered is not None and ordered.composition.reduced_formula == "LiCl"
    assert status.startswith("ok") and "short cation contact Li-Li 1.60 A" in status
    # half-filled rocksalt sites 3.6 A apart: two Li, never closer, no note
    fcc = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
    far = Structure(
        Lattice.cubic(5.14),
        [{"Li+": 0.5}] * 4 + [{"Cl-": 0.5}] * 4,
        fcc + [[(c + 0.5) % 1 for c in site] for site in fcc],
    )
    far_ordered, far_status = ordered_approximant(far, search_seconds=SECONDS)
    assert far_ordered is not None and far_ordered.composition["Li"] == 2
    assert far_status == "ok"


def test_a_garnet_is_ordered_in_its_primitive_cell_within_the_default_limit(obelix):
    """OBELiX's Ta-LLZO kji (Ia-3d, 256 sites in the conventional cell) was `too_large: the cell
    alone has 256 sites, above 200` with the default --max-ordered-sites: no garnet got an
    approximant (oxaudit O11). Its body-centred cell halves to a primitive one of 128 sites."""
    structure = obelix["kji"]
    assert len(structure) == 256
    ordered, status = _ordered(structure, 200)
    assert ordered is not None and ordered.is_ordered, status
    assert status.startswith("rounded: 1 cell,"), status
    assert status.endswith("built on the primitive cell (128 sites; 256 given)"), status
    # the primitive cell's content: half the conventional cell's, the occupancies rounded
    ratio = ordered.composition.element_composition["La"] / 12
    assert ratio == pytest.approx(1.0)
    assert ordered.composition.element_composition["O"] == pytest.approx(48)
    assert abs(_charge(ordered)) < 1e-6
    # a cell that fits is ordered in it as before (72f in its 256-site cell, 256 allowed)
    assert "primitive" not in _ordered(obelix["72f"], 256)[1]
