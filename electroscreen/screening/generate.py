"""Hypothetical candidates by ion substitution from seed structures (``electroscreen generate``).

For each seed structure:

1. Its occupancy-weighted composition gets one oxidation state per element
   (:func:`~electroscreen.data.assign_oxidation_states`); seeds that do not balance (or balance
   only with a state the element does not have, such as I-0.88 for a seed whose CIF lacks some
   sulfur: :func:`~electroscreen.data.oxidation.is_known_valence`, or with a mixed valence of a
   non-metal or metalloid, such as P+4.30: :data:`~electroscreen.data.oxidation.NO_MIXED_VALENCE`),
   hold an organic molecule
   (carbon and hydrogen without boron: the LiCl-DMF solvate, whose DMF an ionic substitution would
   turn into thio- or seleno-DMF; carboranes such as LiCB11H12 stay), lack the
   carrier ion, or hold nothing substitutable are skipped (counted in
   :attr:`GeneratedPool.counts`, named with the reason in :attr:`GeneratedPool.skipped`:
   :mod:`~electroscreen.screening.seed_maps`).
2. Every element except the carrier whose (element, state) is a species of the data-mined
   substitution model (:mod:`electroscreen.screening.substitution`) may be replaced; species
   outside the model (mixed valence such as Fe2.5+, rare states) stay and contribute a factor 1 to
   the probability.
3. :func:`~electroscreen.screening.substitution.enumerate_substitutions` returns every map whose
   probability (pymatgen's ``cond_prob_list`` over all of the seed's modelled species, the carrier
   included) is at least ``threshold`` and that conserves the net charge exactly; after it every
   substitutable species is a different element, none of them the carrier or a species that stays
   (so no two sites merge into one species; swaps such as Ge->Sn with Sn->Ti are allowed).
4. The candidate is the seed's packed arrays with the species of every occupant replaced, directly
   in the occupancy CSR arrays (disordered sites stay disordered), oxidation states attached, and
   the lattice scaled isotropically by ``(sum_i n_i r_new,i^3 / sum_i n_i r_old,i^3)^(1/3)``
   (Shannon radii, occupancy-weighted amounts; a crude volume estimate, the fractional coordinates
   are unchanged).
5. Unless ``keep_mismatched``, a cation replaced by one of a very different charge is dropped
   (``charge_mismatch``, column ``charge_change``, limit 1: KNa3I4 from Na3SbS4, Sb5+>K+;
   :mod:`~electroscreen.screening.site_charge`), then one of a very different size
   (``size_mismatch``, column ``radius_mismatch``, Shannon radii at the seed site's coordination,
   within :data:`~electroscreen.screening.site_size.RADIUS_MISMATCH_LIMITS`: La3+ for B3+ in a
   borate, +282 %, goes; Sn4+ on LGPS's Ge site, +41 %, stays;
   :mod:`~electroscreen.screening.site_size`). Both limits span the real compounds this
   enumeration reaches from OBELiX.

Both composition rules below compare atomic fractions within :data:`ROUNDING_TOLERANCE`, the
refinement rounding a seed CIF passes on to its candidates (2e-3:
:data:`~electroscreen.models.training_rows.TRAINING_MATCH_TOLERANCE`, with which ``screen`` finds a
candidate's training rows; OBELiX's Li3InCl6 CIF holds ``In2.03`` per cell, so ``In3+>Y3+`` makes
``Li3Y1.015Cl6``, which is Li3YCl6).

Deduplication rule: two candidates are duplicates when they come from seeds of the same *prototype*
(the seed's anonymized formula plus its number of sites per cell, e.g. ``A2B3C7D12|96``) and have
the same composition (seeds of one structure whose CIFs round differently,
``Li3.001Cr0.999Mo3O12`` and ``Li3.0001Fe0.9999Mo3O12``, are one prototype); the more probable one
is kept (ties: the earlier seed, then enumeration order). The same seed with the same substitution
map can only arise once. Candidates whose composition is a seed's composition, or one of
``known_formulas`` (``generate --obelix``: every OBELiX composition, those without a CIF too, and
every Liverpool one), are known compounds and dropped unless ``keep_known``; so are candidates that
``assign_oxidation_states`` cannot balance with the elements' valences and no non-metal's mixed
valence (the seeds' rule), those that need a rare oxidation state the seed does not take
(``rare_oxidation_state``, Sn3+ in Li3SnCl6: :mod:`~electroscreen.screening.candidate_valence`;
named in :attr:`GeneratedPool.rejected`, as charge mismatches are) and the mismatches of step 5,
before duplicates are removed, so that a near-duplicate never stands in for one that fails.

The ``max_candidates`` sample is a weighted sample without replacement whose random key for each
candidate is a hash of ``(seed, candidate_id)``: the same candidates are kept whatever the order the
seeds are given in (:mod:`~electroscreen.screening.weighted_sample`).

Cell labels (formulas, prototypes, species) live in
:mod:`~electroscreen.screening.cell_content`; reading seeds and writing the pool
(:func:`load_seeds`, :func:`write_pool`, re-exported here) in :mod:`~electroscreen.screening.pool_files`;
each kept candidate's row of the table in :mod:`~electroscreen.screening.generated_rows`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from electroscreen.data.candidates import unique_ids
from electroscreen.data.composition_match import CompositionIndex
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.packed import PackedStructures
from electroscreen.models.training_rows import TRAINING_MATCH_TOLERANCE
from electroscreen.screening import site_charge
from electroscreen.screening.candidate_valence import (
    RARE_OXIDATION_STATE,
    REJECTED_COLUMNS,
    charge_problem,
    rejected_row,
    seed_states,
)
from electroscreen.screening.cell_content import (
    element_amounts,
    seed_formulas,
    substitutions_label,
)
from electroscreen.screening.generated_rows import candidate_record, pool_table
from electroscreen.screening.pool_files import load_seeds, write_pool
from electroscreen.screening.seed_charge import (
    ADJUSTED_COLUMNS,
    CARRIER_ADJUSTED,
    RESIDUAL_KEPT,
    close_carrier,
    closed_seeds,
)
from electroscreen.screening.seed_maps import (
    SKIPPED_COLUMNS,
    SeedMaps,
    SeedSkip,
    seed_maps,
)
from electroscreen.screening.site_size import outside_limits, seed_mismatches
from electroscreen.screening.substitution import substitute_packed
from electroscreen.screening.weighted_sample import weighted_sample

__all__ = [
    "DEFAULT_THRESHOLD",
    "ROUNDING_TOLERANCE",
    "GeneratedPool",
    "check_generation",
    "element_amounts",
    "generate_candidates",
    "load_seeds",
    "seed_formulas",
    "write_pool",
]

DEFAULT_THRESHOLD = 1e-4
#: Largest difference of any element's atomic fraction between two compositions taken for one
#: (a known compound, a duplicate): the seed CIFs' refinement rounding, the tolerance ``screen``
#: finds training rows with (one value, kept in :mod:`~electroscreen.models.training_rows`).
ROUNDING_TOLERANCE = TRAINING_MATCH_TOLERANCE


def check_generation(
    carrier: str, threshold: float, forbidden_elements: Sequence[str] = ()
) -> None:
    """``ValueError`` naming the option (``--carrier``, ``--threshold``, ``--exclude``) unless the
    carrier and the excluded elements are element symbols and ``threshold`` is a probability in
    (0, 1]: what ``generate`` checks before it reads a seed."""
    if carrier not in SYMBOL_TO_Z:
        raise ValueError(f"--carrier must be an element symbol such as Li or Na, got {carrier!r}")
    if unknown := [s for s in forbidden_elements if s not in SYMBOL_TO_Z]:
        raise ValueError(
            f"--exclude must name element symbols, got {', '.join(map(repr, unknown))}"
        )
    if not 0 < threshold <= 1:
        raise ValueError(f"--threshold {threshold:g} is not a probability in (0, 1]")


@dataclass(frozen=True)
class GeneratedPool:
    """Generated candidates: packed structures and their candidate table, row-aligned.

    Attributes
    ----------
    packed : PackedStructures
        One structure per candidate; ``ids`` are the candidate ids; ``occ_oxidation`` is set.
    table : DataFrame
        ``candidate_id, formula, source, status, error`` plus provenance: ``seed_id, seed_formula,
        prototype, substitutions, n_substituted, probability, log10_probability, probability_source,
        lattice_scale, radius_mismatch, charge_change, n_sites``; ``probability_source`` is the DOI
        of the substitution probabilities' paper (``doi:10.1021/ic102031h``, every row;
        :data:`~electroscreen.screening.substitution.CITATION` in full); ``radius_mismatch`` and
        ``charge_change`` a replaced cation's size mismatch and charge change of largest magnitude,
        signed (``+0.41``: 41 % larger; NaN: no cation replaced, or by one Shannon does not list).
    counts : dict
        Seeds by outcome (``seeds``, ``seeds_used``, ``skipped_<reason>``) and candidates at each
        stage (``enumerated``, ``known_compound``, ``unbalanced``, ``rare_oxidation_state``,
        ``charge_mismatch``, ``size_mismatch``, ``duplicate``, ``unselected``, ``kept``).
    skipped : DataFrame
        ``seed_id, seed_formula, status, error``: each seed that gives no candidate, its reason
        (``unbalanced_seed``, ``no_carrier``, ...) and why in words
        (:func:`~electroscreen.screening.seed_maps.skipped_chemistry_lines` prints them).
    rejected : DataFrame
        ``candidate_id, formula, seed_id, state, status, error``: each candidate rejected for a
        rare oxidation state (``rare_oxidation_state``, the state such as ``Sn3+``) or a charge
        change (``charge_mismatch``, ``Sb5+>K+``) and the sentence that names it.
    """

    packed: PackedStructures
    table: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    adjusted: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ADJUSTED_COLUMNS))

    def __len__(self) -> int:
        return len(self.table)


def generate_candidates(
    seeds: PackedStructures,
    *,
    carrier: str = "Li",
    threshold: float = DEFAULT_THRESHOLD,
    max_candidates: int | None = None,
    seed: int = 0,
    rescale_lattice: bool = True,
    forbidden_elements: Sequence[str] = (),
    keep_known: bool = False,
    known_formulas: Sequence[str] = (),
    keep_mismatched: bool = False,
) -> GeneratedPool:
    """Charge-balanced, deduplicated candidates by data-mined ion substitution from seed structures.

    Parameters
    ----------
    seeds : PackedStructures
        Seed structures (ordered or partially occupied); ``ids`` become ``seed_id``.
    carrier : str
        Mobile ion kept in every candidate (never substituted, never introduced).
    threshold : float
        Smallest substitution probability kept (pymatgen's ``Substitutor`` default is 1e-3).
    max_candidates : int, optional
        Keep at most this many: a weighted sample without replacement (weights = probability,
        Efraimidis-Spirakis keys from a hash of ``seed`` and the candidate id), so the pool is
        reproducible given ``seed`` and the same whatever the order of the seeds.
    seed : int
        Random seed of that sample (the only random step).
    rescale_lattice : bool
        Scale each lattice by the ionic-volume ratio (see the module docstring).
    forbidden_elements : sequence of str
        Elements never introduced by a substitution.
    keep_known : bool
        Keep candidates whose composition equals one of the seeds' or of ``known_formulas``
        (within :data:`ROUNDING_TOLERANCE`).
    known_formulas : sequence of str
        Further known compositions (``generate --obelix``: OBELiX's and Liverpool's); ones that do
        not parse are never matched.
    keep_mismatched : bool
        Keep candidates whose ``radius_mismatch`` lies outside
        :data:`~electroscreen.screening.site_size.RADIUS_MISMATCH_LIMITS` (counted as
        ``size_mismatch`` otherwise) or whose ``charge_change`` exceeds 1 (``charge_mismatch``).

    Returns
    -------
    GeneratedPool
        Candidates in seed order, most probable first within a seed.

    Raises
    ------
    ValueError
        An unknown carrier or forbidden element, or a threshold outside (0, 1]
        (:func:`check_generation`).
    """
    check_generation(carrier, threshold, forbidden_elements)
    carrier_z = SYMBOL_TO_Z[carrier]
    forbidden_z = np.array([SYMBOL_TO_Z[s] for s in forbidden_elements], dtype=np.int64)
    amounts = element_amounts(seeds)
    n_sites = seeds.n_sites
    seed_ids = unique_ids(seeds.ids or tuple(str(i) for i in range(len(seeds))))
    counts: Counter[str] = Counter(seeds=len(seeds))
    seed_texts = seed_formulas(seeds)
    groups: list[SeedMaps] = []
    skipped = []
    for i in range(len(seeds)):
        result = seed_maps(
            i, amounts[i], int(n_sites[i]), carrier_z, float(np.log(threshold)), forbidden_z
        )
        if isinstance(result, SeedSkip):
            counts[f"skipped_{result.reason}"] += 1
            skipped.append((seed_ids[i], seed_texts[i], result.reason, result.detail))
        else:
            counts["seeds_used"] += 1
            counts["enumerated"] += len(result.log_probability)
            groups.append(result)

    # a seed's charge residual closed on its carrier, so that its candidates are neutral
    closures = [close_carrier(seeds, g, carrier_z, seed_texts[g.index]) for g in groups]
    as_read = groups
    groups = [replace(g, amounts=c.amounts) for g, c in zip(groups, closures, strict=True)]
    counts["carrier_adjusted"] = sum(c.adjusted for c in closures)
    adjusted = [
        (seed_ids[g.index], seed_texts[g.index], CARRIER_ADJUSTED if c.adjusted else RESIDUAL_KEPT,
         c.residual, c.note)
        for g, c in zip(groups, closures, strict=True)
        if c.note
    ]  # fmt: skip

    # a seed's composition however its CIF rounded it (Y1.99998, In2.03): ROUNDING_TOLERANCE
    known = None if keep_known else CompositionIndex([*seed_texts, *map(str, known_formulas)])
    mismatch = seed_mismatches(seeds, groups)
    recharge = [site_charge.charge_changes(g.z, g.charge, g.new_z, g.new_charge) for g in groups]
    new: list[tuple[float, int, int]] = []  # (-log p, seed group, map): most probable first
    rejected: list[tuple] = []
    for gi, g in enumerate(groups):
        is_known = np.zeros(len(g.log_probability), dtype=bool)
        if known is not None and len(is_known):  # closed or as read: the CIF's rounding either way
            is_known = known.find(g.compositions(), ROUNDING_TOLERANCE) >= 0
            if closures[gi].adjusted:  # Li3In1.015Cl6 closes as Li2.955In1.015Cl6
                is_known |= known.find(as_read[gi].compositions(), ROUNDING_TOLERANCE) >= 0
        counts["known_compound"] += int(is_known.sum())
        misfit = outside_limits(mismatch[gi]) & (not keep_mismatched)
        recharged = site_charge.outside_charge_limit(recharge[gi]) & (not keep_mismatched)
        allowed = seed_states(g.z, g.charge)  # a seed's own states are never rare for its children
        for k in np.flatnonzero(~is_known):
            amounts_k = g.amounts_by_symbol(k)
            if problem := charge_problem(amounts_k, allowed, g.states_by_symbol(k)):
                counts[problem[0]] += 1
                if problem[0] == RARE_OXIDATION_STATE:
                    subs = substitutions_label(g.z, g.charge, g.new_z[k], g.new_charge[k])
                    row = (seed_ids[g.index], closures[gi].units, subs, amounts_k, problem)
                    rejected.append(rejected_row(*row))
            elif recharged[k]:
                counts[site_charge.CHARGE_MISMATCH] += 1
                row = (g, k, seed_ids[g.index], closures[gi].units, amounts_k)
                rejected.append(site_charge.charge_rejection(*row))
            elif misfit[k]:
                counts["size_mismatch"] += 1
            else:
                new.append((-float(g.log_probability[k]), gi, k))
    kept = _distinct(groups, sorted(new))
    counts["duplicate"] += len(new) - len(kept)

    # in seed order, the most probable first within a seed
    picks = [(gi, k) for _, gi, k in sorted(kept, key=lambda entry: (entry[1], entry[0], entry[2]))]
    records = [
        candidate_record(groups[gi], k, seed_ids[groups[gi].index], seed_texts[groups[gi].index],
                rescale_lattice, (mismatch[gi][k], recharge[gi][k]), closures[gi])
        for gi, k in picks
    ]  # fmt: skip
    table = pd.DataFrame.from_records(records)
    if max_candidates is not None and len(table) > max_candidates:
        keep = weighted_sample(table, max_candidates, seed)
        counts["unselected"] += len(table) - len(keep)
        table = table.iloc[keep].reset_index(drop=True)
        picks = [picks[j] for j in keep]
    counts["kept"] = len(table)
    packed = substitute_packed(
        closed_seeds(seeds, groups, closures),
        np.array([groups[gi].index for gi, _ in picks], dtype=np.int64),
        [groups[gi].z for gi, _ in picks],
        [groups[gi].new_z[k] for gi, k in picks],
        [groups[gi].new_charge[k] for gi, k in picks],
        table["lattice_scale"].to_numpy(dtype=float) if len(table) else np.zeros(0),
        tuple(table["candidate_id"]) if len(table) else (),
    )
    if len(table):  # per formula unit of the candidate's cell (cell_units.structure_formulas)
        table.insert(1, "formula", seed_formulas(packed))
    return GeneratedPool(
        packed, pool_table(table), dict(counts), pd.DataFrame(skipped, columns=SKIPPED_COLUMNS),
        pd.DataFrame(rejected, columns=REJECTED_COLUMNS),
        pd.DataFrame(adjusted, columns=ADJUSTED_COLUMNS),
    )  # fmt: skip


def _distinct(groups: list[SeedMaps], ranked: list[tuple[float, int, int]]) -> list:
    """The candidates of ``ranked`` (most probable first; ties: earlier seed, then enumeration
    order) that duplicate no candidate before them: the same number of sites per cell, the same
    elements and every atomic fraction within :data:`ROUNDING_TOLERANCE`. A map keeps its seed's
    amounts, so such candidates also come from one prototype; seeds of one structure whose CIFs
    round differently (``Li3.001Cr0.999Mo3O12`` and ``Li3.0001Fe0.9999Mo3O12``) give one
    candidate per composition."""
    kept = []
    buckets: dict[tuple, list[np.ndarray]] = {}
    for entry in ranked:
        g, k = groups[entry[1]], entry[2]
        order = np.argsort(g.new_z[k], kind="stable")
        fractions = g.amounts[order] / g.amounts.sum()
        bucket = buckets.setdefault((g.n_sites, tuple(g.new_z[k][order].tolist())), [])
        if not any(np.abs(fractions - other).max() <= ROUNDING_TOLERANCE for other in bucket):
            bucket.append(fractions)
            kept.append(entry)
    return kept
