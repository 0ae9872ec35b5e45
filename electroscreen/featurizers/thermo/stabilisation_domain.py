"""How much of a composition the stabilisation model's applicability domain covers, continuously.

The domain (:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`'s
``domain_``) is a list of anion sets: those of at least ``min_domain_count`` training compositions
(anions: elements with a negative oxidation state, :func:`~electroscreen.featurizers.thermo.
stabilisation_anions.anion_amounts`). Corrected only when its whole anion set is in the domain, a
candidate's enthalpy jumped with a trace of a second anion: Li7La3Zr2O11.99S0.01 lost LLZO's
correction (its air score fell from 0.918 to 0.505). Here a candidate is corrected in proportion to
the share of its anion atoms a domain set covers (:func:`domain_cover`), by the correction the model
predicts for its *in-domain analogue* (:func:`domain_analogues`): the composition with its other
anions replaced, charge for charge, by the covering set's. Both tend to those of the undoped
composition as the dopant's amount tends to 0, so a dopant-level anion moves the corrected
enthalpy by a dopant-level amount.

Which training rows count towards a set (:func:`domain_masks`): every row with that anion set,
except a fluoride whose leave-one-out hull holds pure fluorine (:func:`fluoroanion_rows`): KBF4,
NaBF4, Na2SiF6, KHF2, WOF4, BOF. Their fluorine is bound in a molecular anion (BF4-, SiF6 2-,
HF2-) or a molecular oxyfluoride whose binary fluoride (BF3, SiF4, HF, WF6, gases) the table of
solids lacks, so their "stabilisation" (-0.9 to -2.3 eV/atom) is mostly that missing compound's
formation enthalpy, 10 to 700 times the metal fluorides' (K3AlF6 -0.11, Na5Al3F14 -0.04, Li3AlF6
-0.02, Li2BeF4 -0.007, LiBeF3 -0.003, Na3AlF6 +0.006 eV/atom). Counted as analogues, they put
{F} in the domain, and the model, extrapolating from them, lowered LiYF4 by 0.70 eV/atom and
Li2ZrF6 by 0.72, enough to make both stable against Li metal (the table's own binaries reduce
them at 0.46 and 1.48 V). Held out by chemical system, the six metal fluorides are predicted with
a mean absolute error of 0.32 eV/atom by the model and 0.032 by no correction at all; the six of
them alone, under ``min_domain_count``, leave {F} outside the domain, so a fluoride keeps its
hull energy. The rows still train the regressor (oxides are predicted as before).

Which sets are in the domain (:func:`domain_scores`, measured by
:meth:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel.fit`): a set with at
least ``min_domain_count`` counted rows is in the domain only if, held out by chemical system,
the model's correction predicts its rows better (mean absolute error) than no correction (the
plain hull); a set that fails is *excluded*. With the default table (GroupKFold, 5 folds; liquid
/ gas water), {O} (279 rows) passes, 0.100 / 0.099 against 0.189 / 0.194 eV/atom, and {O, Cl}
(10) fails, 0.200 / 0.198 against 0.065 / 0.061: W(ClO)2 and WCl4O are predicted about 0.4
eV/atom below targets of -0.05 and +0.01, and CaCl2O and H4NClO4, above their hull on the table
(+0.13, +0.2 to +0.3), below it.
An excluded set is no correction, not a gap: it takes its share of a composition's anions from a
smaller domain set inside it, as a domain set does, and that share is corrected by 0
(:func:`domain_blend`'s ``excluded``). Otherwise {O} would correct an oxychloride by its O share
of the prediction for its oxide analogue (Li3OCl by half that of Li2O described without its own
rows, -0.13 eV/atom), which held out on the {O, Cl} rows is no better (0.13 against 0.06).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.thermo.stabilisation_anions import (
    ANION_BITS,
    MergedAnions,
    anion_amounts,
    anion_masks,
    merged_anions,
)
from electroscreen.featurizers.thermo.stabilisation_data import leave_one_out_hull

__all__ = [
    "CATION_FULL_SHARE",
    "FULL_SHARE",
    "domain_analogues",
    "domain_blend",
    "domain_cover",
    "domain_masks",
    "domain_scores",
    "fluoroanion_rows",
    "share_ramp",
]

#: Share of a composition's anion atoms from which each member of a several-anion set (domain or
#: excluded: {O, Cl}) counts in full (:func:`domain_cover`): the smallest member share among the
#: default training compositions of {O, Cl}, the one several-anion set with ``min_domain_count``
#: rows (WCl4O: O 0.2; H4NClO4: Cl 0.2), so that each of them counts as {O, Cl} in full (since
#: {O, Cl} is excluded: keeps its plain hull energy in full).
FULL_SHARE = 0.2
#: Share of a composition's cation atoms (atoms with a positive state) from which a cation counts
#: in full (:mod:`~electroscreen.featurizers.thermo.stabilisation_hosts`): the smallest cation
#: share among the default model's training compositions with an anion (Be in BeAl6O10, Li in
#: LiCl.3H2O: 1/7), so that each of them is predicted by itself in full. Below it the model never
#: saw the element's Magpie extremes, element count and hull phase count at that share.
CATION_FULL_SHARE = 1.0 / 7.0


_FLUORINE = 9


def fluoroanion_rows(packed: PackedCompositions, water: str = "liquid") -> np.ndarray:
    """Fluorides (F among their anions, :func:`~electroscreen.featurizers.thermo.
    stabilisation_anions.anion_masks`) whose leave-one-out hull (:func:`~electroscreen.featurizers.
    thermo.stabilisation_data.leave_one_out_hull`, the hull of the model's training features)
    holds pure fluorine: no tabulated compound binds it, because the binary fluoride of the
    molecular anion's centre is a gas the table lacks. Among the default training rows: KBF4,
    NaBF4, Na2SiF6, KHF2, WOF4, BOF; not K3AlF6, Li3AlF6, Li2BeF4 (hull: their binary
    fluorides). Bool, shape (N,)."""
    masks = anion_masks(packed)
    out = np.zeros(len(packed), dtype=bool)
    fluorides = np.flatnonzero((masks > 0) & ((masks & ANION_BITS[_FLUORINE]) > 0))
    for i in fluorides.tolist():
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        _, elements, idx, _ = leave_one_out_hull(packed.z[lo:hi], packed.amount[lo:hi], water)
        pure = elements[idx[(idx >= 0) & (idx < len(elements))]]
        out[i] = bool((pure == _FLUORINE).any())
    return out


def domain_masks(packed: PackedCompositions, water: str = "liquid") -> np.ndarray:
    """The anion set each training composition counts towards (bit masks, :func:`~electroscreen.
    featurizers.thermo.stabilisation_anions.anion_masks`), 0 for a :func:`fluoroanion_rows` row,
    which counts towards none (see the module docstring). Int64, shape (N,)."""
    return np.where(fluoroanion_rows(packed, water), 0, anion_masks(packed)).astype(np.int64)


def domain_scores(
    masks: np.ndarray, target: np.ndarray, held_out: np.ndarray, min_count: int
) -> np.ndarray:
    """The held-out errors that decide the domain, one row per anion set with enough rows.

    Parameters
    ----------
    masks : ndarray of int64, shape (N,)
        The set each training row counts towards (:func:`domain_masks`; 0 or -1: none).
    target : ndarray of float64, shape (N,)
        The rows' stabilisation energies, eV/atom.
    held_out : ndarray of float64, shape (N,)
        Each row's correction predicted by a model that did not see its chemical system (clipped
        to <= 0, as corrections are applied: :func:`~electroscreen.featurizers.thermo.
        stabilisation_heldout.held_out_predictions`).
    min_count : int
        Sets with fewer counted rows are not scored (outside the domain, unmeasured).

    Returns
    -------
    ndarray of float64, shape (K, 4)
        Per set with at least ``min_count`` rows, ascending by mask: the mask, the number of rows,
        the mean absolute error of ``held_out`` and of no correction (``mean |target|``), eV/atom.
        The set is in the domain where the third is below the fourth, else excluded.
    """
    masks = np.asarray(masks, dtype=np.int64)
    sets, counts = np.unique(masks[masks > 0], return_counts=True)
    rows = []
    for mask, count in zip(sets.tolist(), counts.tolist(), strict=True):
        if count >= min_count:
            mine = masks == mask
            error = np.abs(held_out[mine] - target[mine]).mean()
            rows.append((mask, count, error, np.abs(target[mine]).mean()))
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 4)


def share_ramp(share: np.ndarray, full_share: float) -> np.ndarray:
    """How much a member at ``share`` counts: ``min(1, share / full_share)``, 0 at 0 (the ramp of
    both the anions' domain sets, :data:`FULL_SHARE`, and the minor cations,
    :data:`CATION_FULL_SHARE`)."""
    return np.minimum(1.0, np.asarray(share, dtype=np.float64) / full_share)


def domain_blend(
    packed: PackedCompositions,
    domain: list[int],
    full_share: float = FULL_SHARE,
    merged: MergedAnions | None = None,
    excluded: list[int] | tuple[int, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How much of each composition's correction comes from its own prediction and from each
    domain set's in-domain analogue.

    A set ``S`` of ``domain`` contained in the composition's anions covers ``c_S``: the atoms of
    its anions over all anion atoms (every atom with a negative state: the H- of LiAlH4O0.01,
    whose O covers 0.0025, not all of its anions), a set of two or more anions only in proportion
    to its scarcest member, times ``min(1, p_min / full_share)`` (``p_min``: that member's share),
    so that a trace of O does not make a chloride an oxychloride ({O, Cl}) all at once.

    * ``own``: the cover of the composition's own anion set where ``domain`` holds it (and no
      other atom is negative): 1 for Li7La3Zr2O12, Li2SO4 (the model's prediction for the
      composition, as when only whole sets were corrected); with {O, Cl} in ``domain``, 1 for
      Li3OCl and 0.0083 for Li3InCl5.99O0.01 (O at 0.0017 of the anions, 0.0017 / 0.2); 0 for a
      set outside ``domain``.
    * ``weights[:, d]``: the rest, ``1 - own``, times the largest cover of the other contained
      sets, shared among them in proportion to their covers, a set inside a larger contained one
      times ``1 - c`` of that one ({O} gives way to {O, Cl} as it fills: Li3OCl0.999Br0.001 is
      nearly all {O, Cl}), for the prediction of the analogue of set ``d``. Sharing, rather than
      taking the largest set alone, keeps the correction continuous where two sets cover equally
      (Li2TiO2F2: half {O}, half {F}; the largest alone jumped by 0.32 eV/atom there).
    * A set of ``excluded`` (measured and worse than no correction: :func:`domain_scores`) covers
      and gives way exactly as a domain set, and its part is dropped: it is corrected by 0. With
      {O} in the domain and {O, Cl} excluded, Li3OCl's ``own`` is 0 and its {O} part 0 (not 0.5),
      Li2O0.999Cl0.002 keeps nearly all of {O} (its Cl share 0.002 ramps {O, Cl} in by 0.01),
      Li3InCl5.99O0.01's {O} part is its O share 0.0017 times 0.9917.

    Parameters
    ----------
    packed : PackedCompositions
    domain : list of int
        Anion sets as bit masks (:func:`~electroscreen.featurizers.thermo.stabilisation_anions.
        anion_mask`).
    full_share : float
        See :data:`FULL_SHARE`.
    merged : MergedAnions, optional
        :func:`~electroscreen.featurizers.thermo.stabilisation_anions.merged_anions` of ``packed``,
        when already computed (its oxidation states are not assigned again).
    excluded : list of int, optional
        Anion sets (bit masks) that take their share and correct it by 0 (a set also in
        ``domain`` counts as a domain set).

    Returns
    -------
    own : ndarray of float64, shape (N,), in [0, 1]
        0 where the composition's own set is excluded.
    weights : ndarray of float64, shape (N, len(domain)), rows summing to at most ``1 - own``
    sets : ndarray of int64, shape (len(domain),)
        ``domain`` in the order of the columns (ascending).
    masks : ndarray of int64, shape (N,)
        Each composition's anion set (:func:`~electroscreen.featurizers.thermo.stabilisation_anions.
        anion_masks`).
    """
    corrected = sorted(set(domain))
    sets = np.asarray(sorted(set(corrected) | set(excluded)), dtype=np.int64)
    masks, amounts, total = anion_amounts(packed, merged)  # shares over every negative atom
    bits = 1 << np.arange(amounts.shape[1])
    decided = (masks > 0) & (total > 0)
    whole = amounts.sum(axis=1) >= total * (1 - 1e-12)  # no negative atom outside the anion set
    own, own_set = np.zeros(len(masks)), np.zeros(len(masks), dtype=np.int64)
    cover = np.zeros((len(masks), len(sets)))
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = amounts / total[:, None]
        for d, candidate in enumerate(sets.tolist()):
            members = (bits & candidate) > 0
            contained = decided & ((masks & candidate) == candidate)
            ramp = np.ones(len(masks))
            if members.sum() > 1:
                ramp = share_ramp(shares[:, members].min(axis=1), full_share)
            c = shares[:, members].sum(axis=1) * ramp
            itself = contained & (masks == candidate) & whole
            own = np.where(itself, ramp, own)  # its shares sum to 1 (up to rounding): the ramp
            own_set = np.where(itself, candidate, own_set)
            cover[:, d] = np.where(contained & ~itself, np.clip(c, 0.0, 1.0), 0.0)
    own = np.clip(np.nan_to_num(own), 0.0, 1.0)
    share = cover.copy()  # a set inside a larger contained one gives way as that one fills up
    for d, small in enumerate(sets.tolist()):
        for e, large in enumerate(sets.tolist()):
            if large != small and (large & small) == small:
                share[:, d] *= 1.0 - cover[:, e]
    largest, summed = cover.max(axis=1, initial=0.0), share.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(summed > 0, (1.0 - own) * largest / summed, 0.0)
    kept = np.isin(sets, corrected)  # an excluded set's part (its own or an analogue's) is 0
    own = np.where(np.isin(own_set, sets[~kept]), 0.0, own)
    return own, (share * scale[:, None])[:, kept], sets[kept], masks


def domain_cover(
    packed: PackedCompositions,
    domain: list[int],
    full_share: float = FULL_SHARE,
    excluded: list[int] | tuple[int, ...] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Share of each composition's correction the domain covers, and the set that covers most.

    Returns
    -------
    weight : ndarray of float64, shape (N,), in [0, 1]
        ``own + weights.sum(axis=1)`` of :func:`domain_blend`: 1 exactly where the composition's
        own anion set is in ``domain`` (each member at least ``full_share`` if it has several):
        Li7La3Zr2O12, Li2SO4. 0 where no set of ``domain`` is contained in its anions, without
        anions, with an anion element left without a state, or where an ``excluded`` set takes
        it all: Li3PS4, Li3InCl6, LiAl, Li3OCl (``excluded`` {O, Cl}). In between otherwise,
        with the default domain ({O}; {O, Cl} excluded): Li7La3Zr2O11.99S0.01 0.99917,
        Li10GeP2S11.99O0.01 0.00083, Li3PS3O 0.25, Li2TiO2F2 0.5 (its O).
    key : ndarray of int64, shape (N,)
        The set with the largest part (its own anion set where that is its ``own`` part), 0
        where ``weight`` is 0.
    """
    own, weights, sets, masks = domain_blend(packed, domain, full_share, excluded=excluded)
    weight = np.clip(own + weights.sum(axis=1), 0.0, 1.0)
    key = masks.copy()
    if len(sets):
        best = weights.argmax(axis=1)
        larger = weights[np.arange(len(own)), best] > own
        key[larger] = sets[best[larger]]
    return weight, np.where(weight > 0, key, 0).astype(np.int64)


def domain_analogues(
    packed: PackedCompositions, keys: np.ndarray, merged: MergedAnions | None = None
) -> PackedCompositions:
    """Each composition with its anions outside ``keys`` replaced by those inside, charge for charge.

    The anions of the set ``keys[i]`` are scaled up together (their ratio kept) until they carry
    the negative charge the removed anions carried (oxidation states of
    :func:`~electroscreen.featurizers.thermo.stabilisation_anions.merged_anions`), so a
    charge-balanced composition stays balanced and its hull keeps its phases; cations (and S, N, Se
    of oxoanions, which are not anions) stay. Li7La3Zr2O11.99S0.01 with {O} gives Li7La3Zr2O12,
    Li10GeP2S11.99O0.01 gives Li10GeP2O12, Li3OCl0.99Br0.01 with {O, Cl} gives Li3O1.00333Cl0.99333
    (Li+3: balanced). A row whose ``keys`` holds none of its anions (``keys`` 0) is returned merged
    but unchanged.

    Parameters
    ----------
    packed : PackedCompositions
    keys : ndarray of int64, shape (N,)
        The set of each row (a column of :func:`domain_blend`'s ``sets``).
    merged : MergedAnions, optional
        :func:`~electroscreen.featurizers.thermo.stabilisation_anions.merged_anions` of ``packed``
        when already computed, or the states a host of :mod:`~electroscreen.featurizers.thermo.
        stabilisation_hosts` keeps from its composition; default: assigned here.

    Returns
    -------
    PackedCompositions
        Repeated elements merged, elements ascending; statuses as ``packed``'s.
    """
    n = len(packed)
    merged, entry_rows, anion, _, states = merged_anions(packed) if merged is None else merged
    inside = anion & ((ANION_BITS[merged.z] & keys[entry_rows]) > 0)
    moved = anion & ~inside & (keys[entry_rows] > 0)
    charge = merged.amount * np.abs(np.nan_to_num(states))
    removed = np.bincount(entry_rows[moved], weights=charge[moved], minlength=n)
    kept = np.bincount(entry_rows[inside], weights=charge[inside], minlength=n)
    amount = merged.amount.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(kept > 0, 1.0 + removed / kept, 1.0)
    amount[inside] *= scale[entry_rows[inside]]
    keep = ~moved
    rows = entry_rows[keep]
    return PackedCompositions(
        offsets=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]),
        z=merged.z[keep],
        amount=amount[keep],
        status=packed.status,
        error=packed.error,
    )
