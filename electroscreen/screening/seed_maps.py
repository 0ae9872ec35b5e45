"""One seed's substitution maps for ``electroscreen generate``, or why the seed is not used.

:func:`seed_maps` gives a seed's occupancy-weighted composition one oxidation state per element
(:func:`~electroscreen.data.assign_oxidation_states`) and enumerates its charge-conserving
substitution maps (:func:`~electroscreen.screening.substitution.enumerate_substitutions`), or
returns a :class:`SeedSkip`: the reason as a short status (``unbalanced_seed``, ``no_carrier``,
``carrier_not_cation``, ``molecular_seed``, ``split_hydrogen_seed`` (hydrogen hydridic and protic
at once, :mod:`~electroscreen.data.hydrogen_split`), ``nothing_to_substitute``, ``empty``) and a sentence
with the numbers (the charge sums of the closest balance, the carrier's state, the species the
substitution model lacks). A seed that balances only by a mixed valence of a non-metal or metalloid
(OBELiX's Li6PS4SeBr ``dlj``, whose CIF holds 3.65 S per formula unit: P+4.30) is an
``unbalanced_seed`` too, as is one that needs I-0.88: its structure lost atoms. :func:`skipped_chemistry_lines` names those seeds under ``generate``'s
counts, as :func:`~electroscreen.screening.pool_files.skipped_seeds_lines` names the seeds that
could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.hydrogen_split import split_shares
from electroscreen.data.oxidation import (
    OxidationResult,
    assign_oxidation_states,
    is_known_valence,
    nonmetal_mixed_valence,
)
from electroscreen.screening.balance_messages import not_balanced_message
from electroscreen.screening.cell_content import (
    cell_formula_units,
    prototype_label,
    species_label,
)
from electroscreen.screening.pool_files import listed_lines
from electroscreen.screening.substitution import enumerate_substitutions, substitution_model

__all__ = [
    "SKIPPED_COLUMNS",
    "SeedMaps",
    "SeedSkip",
    "balanced",
    "balanced_by_known_valences",
    "seed_maps",
    "skipped_chemistry_lines",
]

#: Columns of :attr:`~electroscreen.screening.generate.GeneratedPool.skipped`.
SKIPPED_COLUMNS = ["seed_id", "seed_formula", "status", "error"]
#: Hydrogen stays where it is, as the carrier does: a proton (H+ in NH2-, OH-, H2O) is bound
#: covalently to its N or O and a hydride (H- in BH4-, AlH4-, a borane cage) to its B or Al, so
#: neither is a lattice ion to exchange (the substitution statistics, mined mostly from oxides, offer
#: H+ > Cu+, Ag+, Pt2+, C2+ or F-: Li2OHCl gave Li2CuClO and KLi2OF), and no element becomes
#: hydrogen.
HYDROGEN = 1


@dataclass
class SeedMaps:
    """The accepted substitution maps of one seed (``K`` maps over its ``E`` elements)."""

    index: int
    z: np.ndarray  # (E,) seed elements
    amounts: np.ndarray  # (E,) per cell
    charge: np.ndarray  # (E,) assigned states
    new_z: np.ndarray  # (K, E)
    new_charge: np.ndarray  # (K, E)
    log_probability: np.ndarray  # (K,)
    formula_units: int
    prototype: str
    n_sites: int

    def amounts_by_symbol(self, k: int) -> dict[str, float]:
        """Map ``k``'s candidate: element symbol to amount per cell."""
        return {ELEMENT_SYMBOLS[z]: a for z, a in zip(self.new_z[k], self.amounts, strict=True)}

    def states_by_symbol(self, k: int) -> dict[str, float]:
        """Map ``k``'s candidate: element symbol to its state (the seed's, or the map's species)."""
        return {
            ELEMENT_SYMBOLS[z]: q for z, q in zip(self.new_z[k], self.new_charge[k], strict=True)
        }

    def compositions(self) -> PackedCompositions:
        """The cell composition of each map, packed as they are (every map replaces elements by
        distinct ones: the same amounts, one element each)."""
        n_maps, n_elements = self.new_z.shape
        return PackedCompositions(
            offsets=np.arange(0, n_maps * n_elements + 1, n_elements, dtype=np.int64),
            z=self.new_z.reshape(-1).astype(np.int64),
            amount=np.tile(np.asarray(self.amounts, dtype=np.float64), n_maps),
            status=np.full(n_maps, OK, dtype=object),
            error=np.full(n_maps, "", dtype=object),
        )


@dataclass(frozen=True)
class SeedSkip:
    """Why a seed gives no substitution map: ``reason`` (``unbalanced_seed``, ...) and ``detail``."""

    reason: str
    detail: str


def balanced_by_known_valences(oxidation: OxidationResult) -> bool:
    """Charge balanced, and only by valences the elements have (not I-0.88 or P-0.47: a seed whose
    CIF lacks some sulfur), as the screening's charge-balance filter requires."""
    return oxidation.ok and all(is_known_valence(*item) for item in oxidation.states.items())


def balanced(oxidation: OxidationResult) -> bool:
    """:func:`balanced_by_known_valences`, and with no mixed valence of a non-metal or metalloid
    (not P+4.30: :data:`~electroscreen.data.oxidation.NO_MIXED_VALENCE`; Fe2.5 or Ce3.27 stays),
    which the screening's filter does not ask: ``generate``'s rule for seeds and candidates."""
    return balanced_by_known_valences(oxidation) and not nonmetal_mixed_valence(oxidation)


def seed_maps(
    i: int,
    amounts: np.ndarray,
    n_sites: int,
    carrier_z: int,
    log_threshold: float,
    forbidden_z: np.ndarray,
) -> SeedMaps | SeedSkip:
    """Substitution maps of seed ``i`` (``amounts``: per cell, indexed by Z), or why it is skipped."""
    model = substitution_model()
    z = np.flatnonzero(amounts > 1e-8)
    carrier = ELEMENT_SYMBOLS[carrier_z]
    if len(z) == 0:
        return SeedSkip("empty", "no occupied site")
    if carrier_z not in z:
        return SeedSkip("no_carrier", f"no {carrier}, the carrier ion (--carrier)")
    if {1, 6} <= set(z.tolist()) and 5 not in z:  # C-H without B: an organic molecule
        return SeedSkip(
            "molecular_seed", "carbon and hydrogen without boron: an organic molecule, not an ionic"
            " solid to substitute",
        )  # fmt: skip
    amt = amounts[z]
    symbols = [ELEMENT_SYMBOLS[k] for k in z]
    oxidation = assign_oxidation_states(dict(zip(symbols, amt, strict=True)))
    if oxidation.ok and (split := _split_hydrogen(symbols, amt, oxidation)):
        return SeedSkip("split_hydrogen_seed", split)
    if not balanced(oxidation):
        states = np.array([oxidation.states.get(el, np.nan) for el in symbols], dtype=float)
        detail = not_balanced_message(symbols, amt, states, oxidation.residual, oxidation.ok)
        return SeedSkip("unbalanced_seed", detail)
    charge = np.array([oxidation.states[el] for el in symbols], dtype=float)
    if (state := charge[z == carrier_z][0]) <= 0:
        return SeedSkip(
            "carrier_not_cation", f"{carrier} takes {state:+g} in the charge balance, no cation"
        )
    species = model.index(z, charge)
    movable = (species >= 0) & (z != carrier_z) & (z != HYDROGEN)
    if not movable.any():
        stay = {carrier_z, HYDROGEN}
        others = [species_label(k, q) for k, q in zip(z, charge, strict=True) if k not in stay]
        held = "; hydrogen is never substituted" if HYDROGEN in z else ""
        return SeedSkip(
            "nothing_to_substitute",
            f"no species but {carrier}+ is one of the substitution model's"
            f" ({', '.join(others) or 'none'}){held}",
        )
    fixed_modelled = species[(species >= 0) & ~movable]
    fixed_logp = float(model.log_cond[fixed_modelled, fixed_modelled].sum())
    found = enumerate_substitutions(
        model, species[movable], amt[movable], fixed_logp, z[~movable], log_threshold,
        forbidden_z=np.union1d(forbidden_z, [HYDROGEN]).astype(np.int64),
    )  # fmt: skip
    new_z = np.repeat(z[None, :], len(found), axis=0)
    new_charge = np.repeat(charge[None, :], len(found), axis=0)
    new_z[:, movable] = model.z[found.new_species]
    new_charge[:, movable] = model.charge[found.new_species]
    f = cell_formula_units(amt)
    return SeedMaps(
        i, z, amt, charge, new_z, new_charge, found.log_probability, f,
        prototype_label(amt / f, n_sites), n_sites,
    )  # fmt: skip


def skipped_chemistry_lines(skipped: pd.DataFrame, shown: int = 20) -> list[str]:
    """Lines naming the seeds that were read but give no candidate (:data:`SKIPPED_COLUMNS`): a
    count by reason, then the first ``shown`` as ``id formula (reason: detail)``, then ``+k more``;
    none when every seed was used."""
    n = len(skipped)
    header = f"{n} seed{'s' * (n != 1)} not substituted"
    return listed_lines(
        skipped, header, lambda r: f"{r.seed_id} {r.seed_formula} ({r.status}: {r.error})", shown
    )


def _split_hydrogen(symbols: list[str], amounts: np.ndarray, oxidation: OxidationResult) -> str:
    """Why a seed whose hydrogen is hydridic and protic at once (:mod:`~electroscreen.data.
    hydrogen_split`: Li4(BH4)(NH2)3) is not substituted, ``""`` for any other seed: its element
    states hold hydrogen's average (H+0.2), which no substitution species is."""
    z = np.array([SYMBOL_TO_Z[el] for el in symbols], dtype=np.int64)
    states = np.array([oxidation.states[el] for el in symbols], dtype=float)
    hydridic, protic, problem = split_shares(z, np.asarray(amounts, dtype=float), states)
    if problem:
        return ""
    return (
        f"hydrogen both hydridic ({hydridic:.3g} H- on B/Al) and protic ({protic:.3g} H+ on N/O), "
        f"H{oxidation.states['H']:+.3g} on average: no substitution species holds such hydrogen"
    )
