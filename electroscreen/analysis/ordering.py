"""Ordered approximants of partially occupied structures, for DFT (``electroscreen export --order``).

An ordered approximant lives in a supercell of ``m`` cells in which every group of sites that share
one occupancy (species and fractions, each to 1e-6) holds a whole number of each species:

* **exact**: the smallest ``m`` (at most ``max_sites`` sites) that makes every summed occupancy
  whole (within 1e-3, denominators up to 1000). The composition is kept; status ``ok``.
* **rounded** (the practice of the ``supercell`` program and of SOD): when no exact ``m`` fits, the
  smallest ``m`` whose occupancies round to whole counts moving no site occupancy by more than
  ``occupancy_tolerance``. In a group of ``n`` sites each species' count ``T m`` (``T`` its summed
  occupancy) and the vacancies' count become the integer below or above, summing to the ``m n``
  sites, so a site never sums above 1 and a fully occupied site stays full; the occupancy change
  is ``|r - T m| / (m n)``. Of these roundings the one taken is charge balanced (one oxidation state
  per species: the structure's own, else :func:`~electroscreen.data.oxidation.
  assign_oxidation_states` of its composition) with the smallest largest change (then the smallest
  summed change). A species rounded to 0 leaves its sites; a site left empty is removed. Status
  ``rounded: <m> cells, occupancies moved by at most <change> (<species> <old> -> <new>)``.

The supercell is then ordered by pymatgen's ``OrderDisorderedStructureTransformation`` (ALGO_FAST:
branch and bound on the Ewald energy), stopped after ``search_seconds`` with the best ordering found
(said in the status): the search is exhaustive up to pruning and takes minutes on cells with
several partially occupied sublattices. The rounding is :mod:`~electroscreen.analysis.occupancy_rounding`.

Where the given cell is too large (a garnet's conventional Ia-3d cell, 256 sites, above the
default 200 alone), the same is tried in its primitive cell when that is smaller (128 sites), and
the status says so; a structure the given cell orders is ordered in it.
"""

from __future__ import annotations

import time

import numpy as np
from pymatgen.core import Structure

from electroscreen.analysis.occupancy_rounding import (
    SLACK,
    Rounding,
    check_tolerance,
    has_oxidation_states,
    search_roundings,
    species_charges,
    whole_multiplier,
)
from electroscreen.analysis.ordering_limits import (
    MAX_ORDERED_SITES,
    OCCUPANCY_TOLERANCE,
    SEARCH_SECONDS,
)

__all__ = ["SHORT_CATION_CONTACT", "TOO_LARGE", "ordered_approximant"]

#: Status of a structure no supercell of at most ``max_sites`` sites orders, the given cell's nor
#: its primitive cell's.
TOO_LARGE = "too_large"

#: Shortest cation-cation distance (A) of an ordering that passes without a note: below it, two
#: cations are most likely split sites of the disordered model both taken.
SHORT_CATION_CONTACT = 2.0


def _order(work: Structure, seconds: float) -> tuple[Structure, str]:
    """pymatgen's ``OrderDisorderedStructureTransformation`` (ALGO_FAST: branch and bound on the
    Ewald energy), its search stopped after ``seconds`` with the best ordering found by then.

    The first ordering the search reaches comes from a greedy descent (milliseconds); the time
    limit only cuts the search for a better one, so an unlimited search gives the same result
    whenever it ends in time.

    Returns
    -------
    structure : Structure
        The lowest-Ewald-energy ordering found.
    note : str
        ``""``, or that the search was stopped and / or that two cations sit too close
        (:func:`_contact_note`), for the status.
    """
    import pymatgen.transformations.standard_transformations as transformations

    minimizer = transformations.EwaldMinimizer
    deadline = time.monotonic() + seconds
    stopped: list[bool] = []

    class _TimedMinimizer(minimizer):
        def _recurse(self, *args, **kwargs):
            # pymatgen's private state, read defensively: should it be renamed, the search runs
            # unlimited (test_a_long_search_stops_with_the_best_ordering_found says so)
            found = getattr(self, "_output_lists", None)
            if found and not getattr(self, "_finished", True) and time.monotonic() > deadline:
                self._finished = True  # keep the best ordering found so far
                stopped.append(True)
            return super()._recurse(*args, **kwargs)

    # the transformation's own search, timed (module state: one ordering at a time per process)
    transformations.EwaldMinimizer = _TimedMinimizer
    try:
        ordered = transformations.OrderDisorderedStructureTransformation(
            algo=transformations.OrderDisorderedStructureTransformation.ALGO_FAST
        ).apply_transformation(work)
    finally:
        transformations.EwaldMinimizer = minimizer
    stop = f"Ewald search stopped after {seconds:g} s (best ordering found by then)"
    return ordered, "; ".join(n for n in (stop if stopped else "", _contact_note(ordered)) if n)


def _with_note(status: str, note: str) -> str:
    return f"{status}; {note}" if note else status


def _contact_note(ordered: Structure) -> str:
    """A note when two cations of an ordering sit closer than :data:`SHORT_CATION_CONTACT`
    (split sites of a disordered model both taken, e.g. two Li 1.6 A apart): a relaxation may
    fail or wander; ``""`` otherwise."""
    cations = [i for i, site in enumerate(ordered) if getattr(site.specie, "oxi_state", 0) > 0]
    if len(cations) < 2:
        return ""
    distance = ordered.distance_matrix[np.ix_(cations, cations)]
    np.fill_diagonal(distance, np.inf)
    i, j = np.unravel_index(np.argmin(distance), distance.shape)
    if distance[i, j] >= SHORT_CATION_CONTACT:
        return ""
    pair = f"{ordered[cations[i]].specie.symbol}-{ordered[cations[j]].specie.symbol}"
    return f"short cation contact {pair} {distance[i, j]:.2f} A (check before relaxing)"


def _exact(structure: Structure, multiplier: int, seconds: float) -> tuple[Structure | None, str]:
    """The exact ordering: supercell, oxidation states when missing (the project's assignment,
    as for a rounding: pymatgen's guess took over a minute on some compositions), order."""
    try:
        work = structure.copy()
        work.make_supercell(_supercell_matrix(work, multiplier))  # whole amounts from here on
        if not has_oxidation_states(work):
            states = species_charges(work)[1]
            if not states:
                return None, "ordering_failed: no charge-balanced oxidation states"
            work.add_oxidation_state_by_element(states)
        ordered, note = _order(work, seconds)
        return ordered, _with_note("ok", note)
    except Exception as exc:  # noqa: BLE001 - a failure is this candidate's status
        return None, f"ordering_failed: {type(exc).__name__}: {exc}"


def _rounded(rounding: Rounding, seconds: float) -> tuple[Structure | None, str]:
    """Supercell of the rounded cell, its oxidation states, ordered."""
    try:
        work = rounding.structure.copy()
        work.make_supercell(_supercell_matrix(work, rounding.multiplier))
        if rounding.oxidation_states:
            work.add_oxidation_state_by_element(rounding.oxidation_states)
        if abs(work.charge) > 1e-6:  # the rounding is balanced: a guard, never expected
            return None, f"ordering_failed: rounded supercell has charge {work.charge:.3g}"
        ordered, note = _order(work, seconds)
    except Exception as exc:  # noqa: BLE001 - a failure is this candidate's status
        return None, f"ordering_failed: {type(exc).__name__}: {exc}"
    return ordered, _with_note(f"rounded: {rounding.describe()}", note)


def ordered_approximant(
    structure: Structure,
    max_sites: int = MAX_ORDERED_SITES,
    occupancy_tolerance: float = OCCUPANCY_TOLERANCE,
    search_seconds: float = SEARCH_SECONDS,
) -> tuple[Structure | None, str]:
    """An ordered approximant of a disordered structure, or None and the reason.

    Parameters
    ----------
    structure : Structure
        Possibly partially occupied (vacancies allowed). Never modified.
    max_sites : int
        Largest supercell (number of sites before ordering) tried.
    occupancy_tolerance : float
        Largest change of a site occupancy (fraction of a site, in (0, 0.5]) allowed when no
        supercell of at most ``max_sites`` sites makes the occupancies whole.
    search_seconds : float
        Time after which the Ewald search stops with the best ordering found (said in the status).

    Returns
    -------
    structure : Structure or None
        The lowest-Ewald-energy ordering found by pymatgen's fast algorithm, with oxidation states
        (guessed when the structure has none).
    status : str
        ``ok`` (exact composition), ``already_ordered``, ``rounded: ...`` (cells, largest
        occupancy change and where), ``too_large: ...`` (with the best change found) or
        ``ordering_failed: ...``. Where the given cell is ``too_large`` and its primitive cell is
        smaller (a centred cell: OBELiX's garnet CIFs, Ia-3d, 256 sites of which 128 primitive,
        above the default 200), the primitive cell's, with the note ``built on the primitive
        cell (128 sites; 256 given)``; a structure the given cell orders is ordered as before.
    """
    check_tolerance(occupancy_tolerance)
    if structure.is_ordered:
        return structure, "already_ordered"
    ordered, status = _approximant(structure, max_sites, occupancy_tolerance, search_seconds)
    if ordered is None and status.startswith(TOO_LARGE):
        primitive = _primitive_cell(structure)
        if primitive is not None:  # a centred cell: a garnet's Ia-3d holds 256 sites, 128 primitive
            smaller, why = _approximant(primitive, max_sites, occupancy_tolerance, search_seconds)
            if not why.startswith(TOO_LARGE):
                cell = (
                    f"built on the primitive cell ({len(primitive)} sites; {len(structure)} given)"
                )
                return smaller, _with_note(why, cell)
    return ordered, status


def _primitive_cell(structure: Structure) -> Structure | None:
    """pymatgen's primitive cell of the structure (partial occupancies compared as written), or
    None when it is not smaller."""
    try:
        primitive = structure.get_primitive_structure()
    except Exception:  # noqa: BLE001 - no primitive cell found: the given cell stands
        return None
    return primitive if len(primitive) < len(structure) else None


def _approximant(
    structure: Structure, max_sites: int, occupancy_tolerance: float, search_seconds: float
) -> tuple[Structure | None, str]:
    """:func:`ordered_approximant` of one disordered cell, as given."""
    n = len(structure)
    limit = max_sites // max(1, n)  # 0: the cell alone is above max_sites
    if limit < 1:
        return None, f"{TOO_LARGE}: the cell alone has {n} sites, above {max_sites}"
    multiplier = whole_multiplier(structure, limit)
    if multiplier is not None:
        return _exact(structure, multiplier, search_seconds)
    if not species_charges(structure)[0]:
        formula = structure.composition.formula.replace(" ", "")
        return None, f"ordering_failed: no charge-balanced oxidation states for {formula}"
    taken, best, balanced = search_roundings(structure, limit, occupancy_tolerance)
    if taken is not None:
        return _rounded(taken, search_seconds)
    within = f"within {occupancy_tolerance:g} in a supercell of at most {max_sites} sites"
    if best is None or best.max_change > occupancy_tolerance + SLACK:
        found = f"best: {best.describe()}" if best is not None else "every rounding overfills"
        return None, f"{TOO_LARGE}: no rounding of the occupancies {within} (cell has {n}); {found}"
    found = f"best balanced: {balanced.describe()}" if balanced is not None else "none balances"
    return None, f"ordering_failed: no charge-balanced rounding {within}; {found}"


def _supercell_matrix(structure: Structure, multiplier: int) -> list[int]:
    """Scaling of the shortest axis first, so that the supercell stays close to isotropic."""
    scale = [1, 1, 1]
    lengths = list(structure.lattice.abc)
    remaining = multiplier
    for p in _prime_factors(remaining):
        axis = min(range(3), key=lambda i: lengths[i] * scale[i])
        scale[axis] *= p
    return scale


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return sorted(factors, reverse=True)
