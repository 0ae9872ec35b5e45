"""Occupancies of a partially occupied cell rounded to whole site counts in a supercell.

The rounding half of an ordered approximant (:mod:`electroscreen.analysis.ordering`): sites that
share one occupancy form a group; in a supercell of ``m`` cells each group's species and vacancy
counts are rounded to the integers next to them, filling the group's sites exactly (never above a
full site), charge balanced when asked; :func:`search_roundings` takes the smallest ``m`` within a
tolerance. The rule, with its sources, is in :mod:`~electroscreen.analysis.ordering`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from pymatgen.core import Structure

__all__ = [
    "SLACK",
    "Rounding",
    "check_tolerance",
    "has_oxidation_states",
    "round_occupancies",
    "search_roundings",
    "species_charges",
    "whole_multiplier",
]

#: Float slack of the tolerance test (occupancy changes are exact multiples of 1 / sites).
SLACK = 1e-9
#: Charge totals kept per group by the charge-balance search (the best ones).
_MAX_CHARGES = 20_000


@dataclass(frozen=True)
class _Group:
    """Sites sharing one occupancy: their indices and each species' summed occupancy."""

    indices: tuple[int, ...]
    species: tuple  # Species or Element, as on the sites
    totals: np.ndarray  # shape (n_species,), summed occupancy over the group's sites


@dataclass(frozen=True)
class _Option:
    """One rounding of a group in a supercell: whole counts and what they change."""

    counts: tuple[int, ...]  # per species, in the supercell
    change: float  # largest |count - target| / sites over the species and the vacancies
    worst: int  # index of that change (len(counts): the vacancies)
    summed: float  # sum of those changes
    charge: float  # sum of count * oxidation state (0 without states)


@dataclass(frozen=True)
class Rounding:
    """Occupancies of one cell rounded to whole counts in a supercell of ``multiplier`` cells.

    Attributes
    ----------
    multiplier : int
        Cells in the supercell.
    structure : Structure
        The original cell with the rounded occupancies (``count / (multiplier * n_sites)``), sites
        left empty removed; its supercell of ``multiplier`` cells holds whole counts.
    max_change : float
        Largest change of a site occupancy (fraction of a site, 0 to 1; vacancies included).
    worst : tuple of (str, float, float)
        The species (or ``vacancy``) of that change, its occupancy before and after.
    oxidation_states : dict or None
        Element to oxidation state the rounding balances (None: the structure's own states; an
        empty dict: not charge balanced).
    """

    multiplier: int
    structure: Structure
    max_change: float
    worst: tuple[str, float, float]
    oxidation_states: dict[str, float] | None

    def describe(self) -> str:
        """E.g. ``4 cells, occupancies moved by at most 0.0319 (Ge 0.6781 -> 0.65)``."""
        name, before, after = self.worst
        return (
            f"{self.multiplier} cell{'s' if self.multiplier > 1 else ''}, occupancies moved by "
            f"at most {self.max_change:.3g} "
            f"({name} {before:.4g} -> {after:.4g})"
        )


def _groups(structure: Structure) -> list[_Group]:
    """Sites grouped by their species and occupancies (each to 1e-6), in order of appearance."""
    members: dict[tuple, list[int]] = {}
    for i, site in enumerate(structure):
        key = tuple(sorted((str(sp), round(occ, 6)) for sp, occ in site.species.items()))
        members.setdefault(key, []).append(i)
    groups = []
    for indices in members.values():
        species = tuple(structure[indices[0]].species)
        totals = np.array([sum(structure[i].species[sp] for i in indices) for sp in species])
        groups.append(_Group(tuple(indices), species, totals.astype(float)))
    return groups


def whole_multiplier(structure: Structure, limit: int) -> int | None:
    """Smallest m <= limit with every site's occupancy times m (summed per distinct site) whole."""
    denominator = 1
    for group in _groups(structure):
        for amount in group.totals:
            fraction = Fraction(float(amount)).limit_denominator(1000)
            if abs(float(fraction) - amount) > 1e-3:
                return None
            denominator = math.lcm(denominator, fraction.denominator)
    return denominator if denominator <= limit else None


def _options(group: _Group, multiplier: int, charges: dict[str, float]) -> list[_Option]:
    """Every rounding of ``group`` to the integers next to its species' and vacancies' counts
    that fills its ``multiplier * n`` sites exactly (none when the occupancies sum above 1)."""
    sites = len(group.indices) * multiplier
    targets = np.round(group.totals * multiplier, 9)  # shape (n_species,)
    vacancy = round(max(0.0, sites - float(targets.sum())), 9)
    empty_allowed = {math.floor(vacancy), math.ceil(vacancy)}
    states = [charges.get(str(sp), 0.0) for sp in group.species]
    options = []
    for counts in itertools.product(*({math.floor(t), math.ceil(t)} for t in targets)):
        empty = sites - sum(counts)
        if empty not in empty_allowed:
            continue
        changes = [abs(c - t) / sites for c, t in zip(counts, targets, strict=True)]
        changes.append(abs(empty - vacancy) / sites)
        worst = int(np.argmax(changes))
        charge = sum(c * q for c, q in zip(counts, states, strict=True))
        options.append(_Option(tuple(counts), changes[worst], worst, sum(changes), charge))
    return options


def _score(option: _Option) -> tuple[float, float]:
    return option.change, option.summed


def _choose(per_group: list[list[_Option]], balanced: bool) -> list[_Option] | None:
    """One option per group: the smallest largest change (then summed change), with a total charge
    of 0 when ``balanced`` (a search over the reachable charge totals), or None."""
    if any(not options for options in per_group):
        return None
    if not balanced:
        return [min(options, key=_score) for options in per_group]
    reached: dict[float, tuple[tuple[float, float], list[_Option]]] = {0.0: ((0.0, 0.0), [])}
    for options in per_group:
        nxt: dict[float, tuple[tuple[float, float], list[_Option]]] = {}
        for charge, (score, chosen) in reached.items():
            for option in options:
                key = round(charge + option.charge, 6)
                new = (max(score[0], option.change), score[1] + option.summed)
                if key not in nxt or new < nxt[key][0]:
                    nxt[key] = (new, [*chosen, option])
        reached = dict(sorted(nxt.items(), key=lambda item: item[1][0])[:_MAX_CHARGES])
    neutral = [value for charge, value in reached.items() if abs(charge) < 1e-6]
    return min(neutral, key=lambda value: value[0])[1] if neutral else None


def has_oxidation_states(structure: Structure) -> bool:
    """Whether every species on every site of ``structure`` carries an oxidation state."""
    return all(getattr(sp, "oxi_state", None) is not None for s in structure for sp in s.species)


def species_charges(structure: Structure) -> tuple[dict[str, float], dict[str, float] | None]:
    """Oxidation state per species (as ``str``) and the element states to decorate with (None: the
    structure's own). Both empty when the composition has no charge-balanced assignment."""
    from electroscreen.data.oxidation import assign_oxidation_states

    if has_oxidation_states(structure):
        return {str(sp): float(sp.oxi_state) for site in structure for sp in site.species}, None
    amounts = structure.composition.element_composition.get_el_amt_dict()
    result = assign_oxidation_states(amounts)
    return (dict(result.states), dict(result.states)) if result.ok else ({}, {})


def _build(structure: Structure, groups: list[_Group], chosen: list[_Option], m: int) -> Structure:
    """``structure`` with each group's sites at the chosen counts over ``m * n`` sites."""
    work, empty = structure.copy(), []
    for group, option in zip(groups, chosen, strict=True):
        if option.change < 1e-12:
            continue  # whole already (ordered sites among them): left as they are
        sites = len(group.indices) * m
        species = {sp: c / sites for sp, c in zip(group.species, option.counts, strict=True) if c}
        for i in group.indices:
            if species:
                work.replace(i, species, properties=structure[i].properties, label=work[i].label)
            else:
                empty.append(i)
    work.remove_sites(empty)
    return work


def _rounding(
    structure: Structure, groups: list[_Group], chosen: list[_Option], m: int, states
) -> Rounding:
    best = max(range(len(chosen)), key=lambda g: chosen[g].change)
    group, option = groups[best], chosen[best]
    sites = len(group.indices) * m
    if option.worst < len(option.counts):
        k = option.worst
        name, before = str(group.species[k]), float(group.totals[k]) / len(group.indices)
        after = option.counts[k] / sites
    else:
        name, before = "vacancy", 1 - float(group.totals.sum()) / len(group.indices)
        after = 1 - sum(option.counts) / sites
    built = _build(structure, groups, chosen, m)
    return Rounding(m, built, option.change, (name, before, after), states)


def round_occupancies(
    structure: Structure, multiplier: int, charge_balanced: bool = True
) -> Rounding | None:
    """Occupancies rounded to whole counts in a supercell of ``multiplier`` cells.

    Parameters
    ----------
    structure : Structure
        A partially occupied cell (vacancies allowed).
    multiplier : int
        Cells in the supercell (>= 1).
    charge_balanced : bool
        Take the best rounding whose supercell has a total charge of 0 (see the module docstring);
        else the best rounding.

    Returns
    -------
    Rounding or None
        None when no rounding fills the sites (occupancies summing above 1) or none balances.
    """
    groups = _groups(structure)
    charges, states = species_charges(structure)
    if charge_balanced and not charges:
        return None
    per_group = [_options(group, multiplier, charges) for group in groups]
    chosen = _choose(per_group, charge_balanced)
    if chosen is None:
        return None
    return _rounding(structure, groups, chosen, multiplier, states if charge_balanced else {})


def search_roundings(
    structure: Structure, limit: int, tolerance: float
) -> tuple[Rounding | None, Rounding | None, Rounding | None]:
    """``(taken, best, best_balanced)``: the charge-balanced rounding of the smallest m <= limit
    within ``tolerance`` (or None), and the roundings with the smallest change regardless of charge
    and balanced (over every m <= limit, for the reasons; None when none)."""
    groups = _groups(structure)
    charges, states = species_charges(structure)
    best = best_balanced = None  # (change, m, chosen)
    for m in range(1, limit + 1):
        per_group = [_options(group, m, charges) for group in groups]
        free = _choose(per_group, balanced=False)
        if free is None:
            continue
        change = max(option.change for option in free)
        if best is None or change < best[0] - 1e-12:
            best = (change, m, free)
        balanced = _choose(per_group, balanced=True) if charges else None
        if balanced is None:
            continue
        change = max(option.change for option in balanced)
        if best_balanced is None or change < best_balanced[0] - 1e-12:
            best_balanced = (change, m, balanced)
        if change <= tolerance + SLACK:
            taken = _rounding(structure, groups, balanced, m, states)
            return taken, None, taken

    def built(found, states_) -> Rounding | None:
        return None if found is None else _rounding(structure, groups, found[2], found[1], states_)

    return None, built(best, {}), built(best_balanced, states)


def check_tolerance(occupancy_tolerance: float) -> float:
    """``occupancy_tolerance`` if in (0, 0.5], else ValueError."""
    if not 0 < occupancy_tolerance <= 0.5:
        raise ValueError(f"occupancy tolerance {occupancy_tolerance} is not in (0, 0.5]")
    return occupancy_tolerance
