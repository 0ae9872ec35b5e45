"""Bonds a substitution left far too short: a note on an exported generated candidate.

A generated candidate keeps its seed's fractional coordinates; only the lattice is scaled, by the
ionic-volume ratio (:func:`~electroscreen.screening.substitution.ionic_volume_scale`), which the
anions dominate, so a larger ion on a minority site keeps the seed's bond lengths: Sn4+ for Ge4+
in an LGPS cell sits 1.94 A from S, where the Shannon radii give 2.39 A. :func:`short_bond_note`
measures each substituted cation's nearest anion and compares it with the sum of their Shannon
*ionic* radii (:func:`~electroscreen.featurizers.elements.shannon_ionic_radius`), the cation's at
the coordination number found (anions within :data:`SHELL_FACTOR` times the nearest:
:func:`~electroscreen.screening.site_size.coordination_number`), the anion's at six-fold
coordination (the nearest listed coordination where Shannon has no such entry); a bond shorter than :data:`SHORT_BOND_RATIO` times
that sum is named. The note is a warning to relax the structure before any property calculation,
not a filter: the screening has already ranked the candidate.
"""

from __future__ import annotations

import numpy as np
from pymatgen.core import Structure

from electroscreen.featurizers.elements import shannon_ionic_radius
from electroscreen.screening.cell_content import parse_species_label
from electroscreen.screening.site_size import SHELL_CUTOFF, SHELL_FACTOR, coordination_number

__all__ = ["SHELL_FACTOR", "SHORT_BOND_RATIO", "shannon_ionic_radius", "short_bond_note"]

#: A substituted cation's bond to its nearest anion is noted below this fraction of the Shannon
#: radius sum (Sn-S 1.94 A against 2.39 A is 0.81; the tetrahedral P-S and Si-S bonds of the seeds
#: themselves are 0.95-1.0).
SHORT_BOND_RATIO = 0.85


def _charge(species) -> float:
    return float(getattr(species, "oxi_state", 0) or 0)


def short_bond_note(structure: Structure, substitutions: str) -> str:
    """Where a substituted cation sits far too close to its nearest anion, or ``""``.

    Parameters
    ----------
    structure : Structure
        The candidate as exported, with oxidation states (a generated candidate carries them).
    substitutions : str
        The pool table's ``substitutions`` (``Ge4+>Sn4+;S2->Se2-``); only the cations it
        introduces are measured. Empty (a candidate not generated): ``""``.

    Returns
    -------
    str
        For each introduced cation with a bond below :data:`SHORT_BOND_RATIO` of the Shannon sum,
        its shortest: ``short bond Sn-S 1.94 A, 0.81 x Shannon 2.39 A (CN 4)``, ``; ``-joined, then
        ``: seed geometry, relax first``.
    """
    introduced = set()
    for item in filter(None, str(substitutions or "").split(";")):
        try:
            symbol, charge = parse_species_label(item.split(">")[-1])
        except ValueError:  # not a generated pool's text: nothing is measured for it
            continue
        if charge > 0:
            introduced.add((symbol, charge))
    anions = {i for i, site in enumerate(structure) if any(_charge(sp) < 0 for sp in site.species)}
    if not introduced or not anions:
        return ""
    worst: dict[str, tuple[float, str]] = {}
    for site in structure:
        held = [sp for sp in site.species if (sp.symbol, _charge(sp)) in introduced]
        if not held:
            continue
        shell = [n for n in structure.get_neighbors(site, SHELL_CUTOFF) if n.index in anions]
        if not shell:
            continue
        distances = np.array([n.nn_distance for n in shell])
        nearest = shell[int(np.argmin(distances))]
        coordination = coordination_number(distances)
        anion = max(
            (sp for sp in nearest.species if _charge(sp) < 0), key=lambda sp: nearest.species[sp]
        )
        r_anion = shannon_ionic_radius(anion.symbol, _charge(anion), 6)
        for sp in held:
            expected = shannon_ionic_radius(sp.symbol, _charge(sp), coordination) + r_anion
            ratio = distances.min() / expected
            if ratio < SHORT_BOND_RATIO and ratio < worst.get(sp.symbol, (np.inf, ""))[0]:
                worst[sp.symbol] = (
                    ratio,
                    f"short bond {sp.symbol}-{anion.symbol} {distances.min():.2f} A, {ratio:.2f}"
                    f" x Shannon {expected:.2f} A (CN {coordination})",
                )
    if not worst:
        return ""
    return "; ".join(text for _, text in sorted(worst.values())) + ": seed geometry, relax first"
