"""Pre-filters: cheap checks that reject a candidate before featurization, with the reason.

Each check only looks at candidates that are still ``ok``; the first failing check sets the row's
``status`` (``no_carrier``, ``too_many_elements``, ``forbidden_element``, ``element_not_allowed``,
``redox_active``, ``too_many_sites``, ``not_charge_balanced``, ``anion_former_as_cation``,
``oxidising_cation``, ``rare_oxidation_state``) and a message in ``error``. Rows are never dropped. A structure that carries
its own oxidation states (a generated candidate: ``Sn4+>Nb4+``) is held to the same state rules with
those states (:func:`apply_stored_states`), since a formula's balance may find other ones. The
rules on oxidation states and their tables live in :mod:`electroscreen.screening.state_rules`
(Ce is ``redox_active`` beside oxide or fluoride, or off Ce3+, after the balance). One status of
:data:`FILTER_STATUSES` is not set here: ``hydrate``, which ``screen``'s batches set after these
rules (:mod:`electroscreen.screening.hydrate_filter`), so :func:`apply_filters` alone passes a
hydrate as ``ok``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.assigned_states import AssignedStates
from electroscreen.data.cage_hydrogen import hydridic_borane_cluster
from electroscreen.data.candidates import OK, merge_status
from electroscreen.data.carrier_balance import noise_residuals
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.hydrogen_split import hydrogen_shares
from electroscreen.data.limits import sites_problem
from electroscreen.data.oxidation import (
    PackedOxidation,
    is_known_valence,
    oxidation_states_packed,
)
from electroscreen.data.packed import PackedStructures
from electroscreen.data.segments import segment_any, segment_ids
from electroscreen.data.stored_states import stored_states
from electroscreen.featurizers.composition.electrolyte import CARRIER_IONS
from electroscreen.screening.balance_messages import (
    SCREEN_THE_FORMULA,
    UNLOCATED_CARRIER,
    carrier_deficit_hint,
    not_balanced_message,
)
from electroscreen.screening.charge_residual import CHARGE_RESIDUAL_COLUMN, formula_unit_residuals
from electroscreen.screening.filter_config import FilterConfig
from electroscreen.screening.ligand_check import former_without_ligands
from electroscreen.screening.state_rules import (
    AFTER_BALANCE_REDOX,
    CATION_LIGANDS,
    INERT_STATE,
    INERT_STATES,
    OXIDE_FLUORIDE_ONLY_ABOVE,
    REDUCED_D0,
    state_rules,
)

__all__ = [
    "AFTER_BALANCE_REDOX",
    "CATION_LIGANDS",
    "FILTER_STATUSES",
    "INERT_STATES",
    "INERT_STATE",
    "OXIDE_FLUORIDE_ONLY_ABOVE",
    "REDUCED_D0",
    "STORED_STATES",
    "apply_filters",
    "apply_stored_states",
    "filter_batch",
]

FILTER_STATUSES = (
    "no_carrier",
    "too_many_elements",
    "forbidden_element",
    "element_not_allowed",
    "redox_active",
    "too_many_sites",
    "not_charge_balanced",
    "anion_former_as_cation",
    "oxidising_cation",
    "rare_oxidation_state",  # screening/anion_state_rules.py: anion states no solid combines
    "hydrate",  # screening/hydrate_filter.py: after the state rules, stored states included
    "implausible_bond_valence",  # screening/plausibility.py: structures, after the checks above
)


#: How a rejection by a structure's own oxidation states (:func:`apply_stored_states`) starts its
#: message; those rules run after every formula rule.
STORED_STATES = "stored states: "
BORON = SYMBOL_TO_Z["B"]
HYDROGEN = SYMBOL_TO_Z["H"]
_SYMBOLS = np.asarray(ELEMENT_SYMBOLS, dtype=object)


def _element_mask(symbols: list[str] | None) -> np.ndarray:
    mask = np.zeros(len(ELEMENT_SYMBOLS), dtype=bool)
    for symbol in symbols or ():
        mask[SYMBOL_TO_Z[symbol]] = True
    return mask


def _rows_with(packed: PackedCompositions, element_mask: np.ndarray) -> np.ndarray:
    """Per composition: whether any of its elements is in ``element_mask`` (indexed by Z)."""
    return segment_any(element_mask[packed.z], packed.offsets)


def _first_symbols(packed: PackedCompositions, element_mask: np.ndarray) -> np.ndarray:
    """Per composition: the symbol of its first element (in packed order) in ``element_mask``,
    ``""`` for none (object array, shape (N,)); one pass over the batch, not a loop per row."""
    out = np.full(len(packed), "", dtype=object)
    at = np.flatnonzero(element_mask[packed.z])  # ascending, so each row's first comes first
    rows, first = np.unique(segment_ids(packed.offsets)[at], return_index=True)
    out[rows] = _SYMBOLS[np.asarray(packed.z)[at[first]]]
    return out


def _ionic(packed: PackedCompositions, oxidation: PackedOxidation) -> np.ndarray:
    """Per row: a cation and an anion, and any state outside the element's list is a real mixed
    valence.

    ``Li`` (an element: state 0) and ``LiCl2`` (Cl at -0.5, between no two chloride states) are
    "balanced" by the oxidation-state search but are not charge-balanced ionic compounds. A
    non-integer state must lie between two of the element's states of its sign (Fe 2.67 in Fe3O4),
    and a mixed valence that lands on an integer must be one of them (not B+2 in Li2BH4, LiBH4 with
    an extra Li). Two exceptions: boron's state between 0 and +3 in a polyhedral borane anion (B
    +0.83 in Li2B12H12; boron's only positive state is +3: :mod:`electroscreen.data.borane`), and
    hydrogen's average state where it is split into hydridic H- on B/Al and protic H+ on N/O (H+0.2
    in Li4(BH4)(NH2)3: :mod:`electroscreen.data.hydrogen_split`, whose hydridic share alone counts
    for the cage, as in Li2B12H12·7H2O).
    """
    states = oxidation.states
    ionic = segment_any(states > 0, packed.offsets) & segment_any(states < 0, packed.offsets)
    fractional = np.isfinite(states) & (np.abs(states - np.round(states)) > 1e-6)
    mixed_row = np.repeat(np.asarray(oxidation.mixed_valence, dtype=bool), np.diff(packed.offsets))
    odd = fractional | (mixed_row & np.isfinite(states))  # a mixed valence may land on an integer
    hydridic, _ = hydrogen_shares(packed, states)
    split = np.isfinite(hydridic)
    cluster = hydridic_borane_cluster(packed, hydridic) == 1.0
    row = segment_ids(packed.offsets)
    z = np.asarray(packed.z)
    checked = odd & ionic[row]  # the entries whose state must be one of the element's
    checked &= ~(split[row] & (z == HYDROGEN))
    checked &= ~(cluster[row] & (z == BORON) & (states > 0.0) & (states < 3.0))
    at = np.flatnonzero(checked)
    pairs = list(zip(z[at].tolist(), states[at].tolist(), strict=True))
    known = {p: is_known_valence(ELEMENT_SYMBOLS[p[0]], p[1]) for p in dict.fromkeys(pairs)}
    for r, pair in zip(row[at].tolist(), pairs, strict=True):  # each (element, state) asked once
        if not known[pair]:
            ionic[r] = False
    return ionic


def apply_filters(
    batch: pd.DataFrame, config: FilterConfig, compositions: PackedCompositions | None = None
) -> pd.DataFrame:
    """Apply the pre-filters to a candidate batch.

    Parameters
    ----------
    batch : DataFrame
        Candidate table rows with ``formula`` (``cell_formula``, the content as read, when
        present), ``status``, ``error`` and optionally ``n_sites``
        (number of sites of the structure, NaN for composition-only rows).
    config : FilterConfig
    compositions : PackedCompositions, optional
        The batch's formulas (``cell_formula``, else ``formula``) already packed, row-aligned: not
        parsed again.

    Returns
    -------
    DataFrame
        A copy of ``batch`` whose ``status``/``error`` say why a candidate was rejected, with
        ``charge_residual`` (:mod:`~electroscreen.screening.charge_residual`).
    """
    return filter_batch(batch, config, compositions)[0]


def filter_batch(
    batch: pd.DataFrame,
    config: FilterConfig,
    compositions: PackedCompositions | None = None,
    full_framework: np.ndarray | None = None,
) -> tuple[pd.DataFrame, AssignedStates]:
    """:func:`apply_filters`'s table and the oxidation states its charge balance assigned (to
    the rows still ``ok`` when it ran; none without ``require_charge_balance``), which a later
    step of the batch reads instead of assigning them again (the hydrate rule:
    :func:`~electroscreen.data.hydrates.find_hydrates`). ``full_framework`` (bool per row,
    optional): the rows whose structure has every site but the carrier's full
    (:func:`~electroscreen.screening.balance_messages.full_framework`); where such a row's charge
    does not balance for want of carrier, its message says how much more would balance it and
    that refinements leave the carrier unlocated (:func:`~electroscreen.screening.
    balance_messages.carrier_deficit_hint`)."""
    out = batch.copy()
    status = out["status"].to_numpy(dtype=object).copy()
    error = out["error"].to_numpy(dtype=object).copy()
    packed = compositions
    if packed is None:
        packed = pack_compositions(
            out["cell_formula" if "cell_formula" in out else "formula"].tolist()
        )
    elif len(packed) != len(out):
        raise ValueError(f"compositions has {len(packed)} rows; the batch has {len(out)}")
    residual = np.full(len(out), np.nan)  # charge_residual: rows the balance reads
    sites = out["n_sites"] if "n_sites" in out else pd.Series(np.nan, index=out.index)
    from_sites = np.isfinite(pd.to_numeric(sites, errors="coerce").to_numpy(dtype=float))
    short_of_carrier = np.zeros(len(out), dtype=bool) if full_framework is None else full_framework
    assigned = AssignedStates.none()
    status, parse_failed = merge_status(status, packed.status)
    error[parse_failed] = packed.error[parse_failed]

    def reject(mask: np.ndarray, code: str, message) -> None:
        status[:], taken = merge_status(status, code, mask)
        for row in np.flatnonzero(taken):
            error[row] = message(row) if callable(message) else message

    if config.carrier:
        has_carrier = _rows_with(packed, _element_mask([config.carrier]))
        others = [c for c in CARRIER_IONS if c != config.carrier]  # Na3SbS4 with carrier Li
        other = _first_symbols(packed, _element_mask(others))
        reject(
            ~has_carrier,
            "no_carrier",
            lambda r: _no_carrier(config.carrier, from_sites[r], other[r]),
        )
    n_elements = np.diff(packed.offsets)
    reject(
        n_elements > config.max_elements,
        "too_many_elements",
        lambda r: f"{n_elements[r]} elements exceeds max_elements={config.max_elements}",
    )
    forbidden = _first_symbols(packed, _element_mask(config.forbidden_elements))
    reject(
        forbidden != "",
        "forbidden_element",
        lambda r: f"contains forbidden element {forbidden[r]}",
    )
    if config.allowed_elements is not None:
        not_allowed = _first_symbols(packed, ~_element_mask(config.allowed_elements))
        reject(
            not_allowed != "",
            "element_not_allowed",
            lambda r: f"element {not_allowed[r]} is not in allowed_elements",
        )
    if not config.allow_redox_active:
        redox = _element_mask(config.redox_active_elements)
        if config.require_charge_balance:  # their states decide, after the balance
            redox &= ~_element_mask(list(INERT_STATES))
        redox_symbol = _first_symbols(packed, redox)
        reject(
            redox_symbol != "",
            "redox_active",
            lambda r: (
                f"redox-active cation {redox_symbol[r]} changes valence inside "
                "the working window (electronic conductor); allow_redox_active keeps it"
            ),
        )
    if "n_sites" in out:
        n_sites = out["n_sites"].to_numpy(dtype=np.float64)
        reject(
            np.nan_to_num(n_sites, nan=0.0) > config.max_sites,
            "too_many_sites",
            lambda r: sites_problem(int(n_sites[r]), config.max_sites)[1],
        )
    if config.require_charge_balance:  # only rows still in: rejected ones may be costly
        still_ok = np.flatnonzero(status == OK)
        kept = packed.take(still_ok)
        oxidation = oxidation_states_packed(kept)
        assigned = AssignedStates(still_ok, oxidation)
        unbalanced = np.zeros(len(status), dtype=bool)
        unbalanced[still_ok] = (oxidation.status != OK) | ~_ionic(kept, oxidation)
        position = np.full(len(status), -1, dtype=np.int64)
        position[still_ok] = np.arange(len(still_ok))
        cells = "cell_formula" in out and len(still_ok)  # else the formula itself was read
        formulas = out["formula"].to_numpy()[still_ok].tolist() if cells else None
        net = noise_residuals(kept, oxidation)[1]  # LiPON's N-2.83 read as N-3, as the window does
        residual[still_ok] = formula_unit_residuals(net, kept, formulas)

        def not_balanced(r: int) -> str:
            k = position[r]
            lo, hi = kept.offsets[k], kept.offsets[k + 1]
            symbols = [ELEMENT_SYMBOLS[z] for z in kept.z[lo:hi]]
            parts = (symbols, kept.amount[lo:hi], oxidation.states[lo:hi], oxidation.residual[k])
            balanced = oxidation.status[k] == OK
            hint = ""  # a structure short of its carrier: a refinement's unlocated sites
            if short_of_carrier[r] and not balanced and config.carrier:
                hint = carrier_deficit_hint(config.carrier, *parts)
            return not_balanced_message(*parts, balanced) + hint

        reject(unbalanced, "not_charge_balanced", not_balanced)
        residual[unbalanced] = np.nan  # its error gives the sums
        for rule, code in state_rules(config):  # states no chemist would accept
            message = np.full(len(status), "", dtype=object)
            message[still_ok] = rule(kept, oxidation)
            reject(message != "", code, message.__getitem__)
    out["status"] = status
    out["error"] = error
    out[CHARGE_RESIDUAL_COLUMN] = residual
    return out, assigned


def apply_stored_states(
    table: pd.DataFrame, config: FilterConfig, structures: PackedStructures, rows: np.ndarray
) -> pd.DataFrame:
    """The oxidation-state rules of :func:`apply_filters` applied to the states structures carry,
    and the anion-former rule applied to each site's first shell
    (:func:`~electroscreen.screening.ligand_check.former_without_ligands`).

    ``screen`` balances a formula's charge itself and may find other states than those the
    structure was built with: ``generate`` writes ``Sn4+>Nb4+`` (a d1 cation) into
    ``Li10.42Nb0.3Si1.2P1.5S12``, whose formula balances within 1 % with Nb5+. A structure whose
    every occupant has a state is held to the rules with its own states (each element's
    occupancy-weighted mean); other structures and formula rows are left as they are.

    Parameters
    ----------
    table : DataFrame
        Filtered candidate rows (``status``, ``error``).
    config : FilterConfig
        Only ``allow_redox_active`` is read.
    structures : PackedStructures
        Structure ``k`` is that of table row ``rows[k]``.
    rows : ndarray of int64, shape (K,)

    Returns
    -------
    DataFrame
        A copy whose ``status``/``error`` name the first rule a row fails.
    """
    out = table.copy()
    packed, oxidation, complete = stored_states(structures)
    status = out["status"].to_numpy(dtype=object)
    error = out["error"].to_numpy(dtype=object).copy()
    for rule, code in state_rules(config):  # the first problem wins, as in apply_filters
        message = np.full(len(status), "", dtype=object)
        message[rows] = np.where(complete, rule(packed, oxidation), "")
        status, taken = merge_status(status, code, message != "")
        error[taken] = [f"{STORED_STATES}{m}" for m in message[taken]]
    # the composition may hold a former's ligand that its own site lacks (Li6SeS5O: SeS4)
    message = np.full(len(status), "", dtype=object)
    message[rows] = former_without_ligands(structures, CATION_LIGANDS, complete)
    status, taken = merge_status(status, "anion_former_as_cation", message != "")
    error[taken] = [f"{STORED_STATES}{m}" for m in message[taken]]
    out["status"] = status
    out["error"] = error
    return out


def _no_carrier(carrier: str, structure: bool, other: str = "") -> str:
    """The ``no_carrier`` reason: where the row holds another carrier ion (``other``: Na3SbS4
    screened for Li), the config field that screens it for that one; else, for a structure, that
    its sites hold none (a refinement that left the carrier unlocated, as perovskite and NASICON
    CIFs often do, reads so: the formula may hold it)."""
    where = "the structure's sites" if structure else "the composition"
    hint = f"; {UNLOCATED_CARRIER}: {SCREEN_THE_FORMULA}" if structure else ""
    if other:
        verb = "hold" if structure else "holds"
        hint = (
            f", which {verb} {other}: to screen it as a {other}-ion conductor, set "
            f"filters.carrier: {other} in the screening config"
        )
    return f"no {carrier} (carrier ion, filters.carrier) in {where}{hint}"
