"""Formation enthalpies of a batch of candidates, as every reaction featurizer uses them.

A candidate's enthalpy is its tabulated one when its composition is in the table; otherwise its
hull energy plus the stabilisation predicted by
:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`, in the parts of its
anion atoms inside the model's applicability domain (``domain_blend``: all of it for an oxide,
0.999 for an oxide with a trace of sulfide, 0 for a sulfide; a part other than the candidate's
own anion set predicted for that set's in-domain analogue,
:mod:`~electroscreen.featurizers.thermo.stabilisation_domain`), and with a minor cation shared
with its hosts' corrections (:mod:`~electroscreen.featurizers.thermo.stabilisation_hosts`: a
host's is what it gets as a candidate itself, 0 for a tabulated host on the hull; its anions'
parts are the candidate's; each distinct host solved once, in one stacked pass, so that only
rows with a minor cation cost more); with a share of 0 (NaN here) the kernels use its hull
energy. The oxidation states are assigned once per batch (``merged_anions``) for the domain,
the analogues and the hosts. The batch form of :func:`corrected_enthalpy` (one composition:
electrodes, tests, through the same code), on the candidates' stacked chemical systems (air
reactivity, window, interfaces).

:func:`untabulated_clusters` names the candidates none of this describes: a salt of a polyhedral
borane anion (closo B12H12 2-, B10H10 2-, carba-closo CB11H12 -, nido B11H14 -) whose enthalpy the
table lacks. Its hull is a mixture of LiBH4, boranes (B5H7, B10H14) and borides (Li2B12H12 ->
1.53 LiBH4 + 0.84 B5H7 + 0.07 Li7B93) and the stabilisation model, whose domain is oxides and
oxosalts, gives hydrides no correction, so its "enthalpy" is that mixture's, and every reaction
computed from it (window, electrode interfaces) is the mixture's: a zero-width window at 1.91 V and a strong
reaction with Li metal for every closo-borate, whose cage anions are reductively robust.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from electroscreen.data.cage_hydrogen import hydridic_borane_cluster
from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.recent_batches import RecentBatches
from electroscreen.featurizers.thermo.enthalpies import composition_key, enthalpy_table
from electroscreen.featurizers.thermo.reaction_systems import StackedSystems, stack_systems
from electroscreen.featurizers.thermo.stabilisation import (
    SOURCE_CORRECTED,
    SOURCE_HULL,
    SOURCE_KNOWN,
    SOURCE_PARTIAL,
    StabilisationModel,
)
from electroscreen.featurizers.thermo.stabilisation_anions import MergedAnions, merged_anions
from electroscreen.featurizers.thermo.stabilisation_data import hull_features
from electroscreen.featurizers.thermo.stabilisation_frozen import default_stabilisation_model
from electroscreen.featurizers.thermo.stabilisation_hosts import minor_cation_hosts

__all__ = ["candidate_enthalpies", "corrected_enthalpy", "untabulated_clusters"]


def candidate_enthalpies(
    packed: PackedCompositions,
    rows: np.ndarray,
    stack: StackedSystems,
    water: str,
    stabilisation: bool,
    model: StabilisationModel | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Enthalpies of candidates ``packed[rows]`` stacked in ``stack`` (one per row, eV/atom).

    The stabilisation applied to a row is a property of its composition alone: it is worked out
    in the candidate's own chemical system (:func:`_own_corrections`), so every caller's stack
    gets the same, and with the default model a batch's corrections are worked out once for all
    its usable rows and kept for the last few batches by their exact content
    (:mod:`~electroscreen.data.recent_batches`): the moisture descriptors and the window of one
    screening batch ask for the same carrier-balanced rows. Only the hull energy the correction
    is added to is read from ``stack`` (the reaction kernels solve in it).

    Parameters
    ----------
    packed, rows, stack
        The candidates and their stacked chemical systems (any reactant).
    water : {"liquid", "gas"}
    stabilisation : bool
        Correct untabulated candidates (else ``used`` is ``known``).
    model : StabilisationModel, optional
        Default: :func:`default_stabilisation_model` of ``water``.

    Returns
    -------
    known : ndarray (len(rows),)
        Tabulated enthalpy, NaN when the composition is not in the table.
    used : ndarray (len(rows),)
        ``known``, or for untabulated rows with part of their anions in the stabilisation model's
        domain (when ``stabilisation``) the hull energy plus the applied stabilisation; NaN
        otherwise (the kernels then use the hull energy).
    applied : ndarray (len(rows),)
        The stabilisation applied where ``weight > 0``, NaN elsewhere: the predicted one where
        ``weight`` is 1, else the candidate's own prediction and its in-domain analogues'
        (``StabilisationModel.predict_analogues``), each times its part
        (``StabilisationModel.domain_blend``). With a minor cation (:mod:`~electroscreen.
        featurizers.thermo.stabilisation_hosts`), that correction blended with its hosts'.
    weight : ndarray (len(rows),)
        :meth:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel.domain_weight`
        of the untabulated rows (the share of the anion atoms in the domain), 0 elsewhere.
    """
    rows = np.asarray(rows, dtype=np.int64)
    known = stack.tabulated_energy()
    used = known.copy()
    applied = np.full(len(rows), np.nan)
    weight = np.zeros(len(rows))
    if not stabilisation or not len(rows):
        return known, used, applied, weight
    usable = np.flatnonzero(packed.usable_rows()[0])
    at = np.minimum(np.searchsorted(usable, rows), max(len(usable) - 1, 0))
    if model is None and len(usable) and (usable[at] == rows).all():
        parts = _RECENT.get(
            packed, (water, usable.tobytes()), lambda p: _own_corrections(p, usable, water, None)
        )
        own = _Corrections(parts.weight[at], parts.corrected[at], parts.applied[at])  # copies
    else:  # a row a reaction scan could not take, or a model of the caller's: these rows alone
        own = _own_corrections(packed, rows, water, model)
    untabulated = np.isnan(known)
    weight[untabulated] = own.weight[untabulated]
    corrected = np.flatnonzero(untabulated & own.corrected)
    applied[corrected] = own.applied[corrected]
    used[corrected] = stack.hull_summary(corrected)[:, 0] + applied[corrected]
    return known, used, applied, weight


@dataclass(frozen=True)
class _Corrections:
    """Per row of :func:`_own_corrections`: the share of its anion atoms in the model's domain
    (``weight``, 0 for a tabulated row), whether a correction is applied (``corrected``: an
    untabulated row with ``weight > 0``) and that correction (``applied``, NaN elsewhere)."""

    weight: np.ndarray
    corrected: np.ndarray
    applied: np.ndarray


#: The last batches' corrections with the default model (:mod:`~electroscreen.data.
#: recent_batches`), keyed by the batch's content, ``water`` and its usable rows.
_RECENT: RecentBatches[_Corrections] = RecentBatches(4)


def _own_corrections(
    packed: PackedCompositions, rows: np.ndarray, water: str, model: StabilisationModel | None
) -> _Corrections:
    """The stabilisation of candidates ``packed[rows]`` worked out in their own chemical systems
    (a stack with no reactant): its hull features are those of the candidate's own system, as in
    any larger one (``StackedSystems.hull_summary``). The oxidation states are assigned once
    (``merged_anions``) for the domain, the analogues and the hosts."""
    model = default_stabilisation_model(water) if model is None else model
    stack = stack_systems(packed, rows, {}, enthalpy_table(water))
    n = len(rows)
    weight, applied = np.zeros(n), np.full(n, np.nan)
    is_corrected = np.zeros(n, dtype=bool)
    unknown = np.flatnonzero(np.isnan(stack.tabulated_energy()))  # positions in ``rows``
    candidates = packed.take(rows[unknown])
    merged = merged_anions(candidates)  # their oxidation states, assigned once
    own, parts, sets = model.domain_blend(candidates, merged)
    weight[unknown] = np.clip(own + parts.sum(axis=1), 0.0, 1.0)
    corrected = np.flatnonzero(weight[unknown] > 0)
    summary = stack.hull_summary(unknown[corrected][own[corrected] > 0])  # own hull features
    correction = _anion_corrections(model, candidates, own, parts, sets, summary, merged)
    blend = minor_cation_hosts(candidates.take(corrected), merged=merged.take(corrected))
    hosts = np.flatnonzero(blend.weight > 0)  # a host of weight 0 (two equal shares) adds nothing
    if len(hosts):  # the rows with a minor cation: blended with their hosts' corrections
        of = corrected[blend.row[hosts]]  # each host's candidate; its anions are the candidate's
        predicted = _host_corrections(
            model, blend.hosts.take(hosts), own[of], parts[of], sets, water
        )
        from_hosts = np.bincount(
            blend.row[hosts], weights=blend.weight[hosts] * predicted, minlength=len(corrected)
        )
        doped = np.flatnonzero(blend.own < 1.0)
        correction[corrected[doped]] = (
            blend.own[doped] * correction[corrected[doped]] + from_hosts[doped]
        )
    applied[unknown[corrected]] = correction[corrected]
    is_corrected[unknown[corrected]] = True
    return _Corrections(weight, is_corrected, applied)


def untabulated_clusters(
    packed: PackedCompositions, rows: np.ndarray, tabulated: np.ndarray
) -> np.ndarray:
    """Which candidates ``packed[rows]`` are borane-cluster salts without a tabulated enthalpy.

    Parameters
    ----------
    packed : PackedCompositions
    rows : ndarray of int, shape (k,)
        The candidates' rows.
    tabulated : ndarray of float64, shape (k,)
        Their tabulated enthalpies, NaN where the table lacks the composition
        (``StackedSystems.tabulated_energy``, the ``known`` of :func:`candidate_enthalpies`).

    Returns
    -------
    ndarray of bool, shape (k,)
        True where the candidate holds a polyhedral borane anion
        (:func:`~electroscreen.data.borane.borane_cluster`: boron and at most 1.5 H per B) and is
        not tabulated (module docstring): its enthalpy, and every reaction from it, would be those of
        a mixture of other phases.
    """
    cluster = hydridic_borane_cluster(packed.take(np.asarray(rows, dtype=np.int64))) == 1.0
    return cluster & np.isnan(np.asarray(tabulated, dtype=np.float64))


def _anion_corrections(
    model: StabilisationModel,
    packed: PackedCompositions,
    own: np.ndarray,
    parts: np.ndarray,
    sets: np.ndarray,
    own_hulls: np.ndarray,
    merged: MergedAnions,
) -> np.ndarray:
    """The correction of untabulated compositions by their anions' domain shares alone (n,; 0
    where no share is in the domain).

    ``own, parts, sets``: :meth:`StabilisationModel.domain_blend` of ``packed``; ``own_hulls``:
    the ``(k, 3)`` hull summaries (energy, element fraction, phases) of its rows with
    ``own > 0``, in order; ``merged``: its :func:`merged_anions` (the analogues' anions and
    charges).
    """
    correction = np.zeros(len(packed))
    mine = np.flatnonzero(own > 0)  # the own anion set in the domain: own hull features
    if len(mine):
        n_elements = np.diff(packed.offsets)[mine]
        hull = np.column_stack([own_hulls[:, 0], n_elements, own_hulls[:, 1], own_hulls[:, 2]])
        correction[mine] = own[mine] * model.predict_with_hull(packed.take(mine), hull)
    pair_row, pair_set = np.nonzero(parts > 0)  # the in-domain analogues, in one stacked pass
    if len(pair_row):
        taken = merged.take(pair_row)
        predicted = model.predict_analogues(taken.merged, sets[pair_set], taken)
        for d in range(len(sets)):  # added by share, one set after the other
            part = pair_set == d
            correction[pair_row[part]] += parts[pair_row[part], d] * predicted[part]
    return correction


def _host_corrections(
    model: StabilisationModel,
    hosts: MergedAnions,
    own: np.ndarray,
    parts: np.ndarray,
    sets: np.ndarray,
    water: str,
) -> np.ndarray:
    """The correction each host composition gets as a candidate itself: its enthalpy minus its
    hull energy. Tabulated: its tabulated enthalpy minus the hull's (0 on the hull).
    Untabulated: :func:`_anion_corrections` with its candidate's anion parts ``own, parts``
    (one row per host: the anions are the candidate's), none with fewer than the model's
    ``min_elements`` (Li2.0017O, the host of Li4.4133Al0.4Sn0.6O4 without Al and Sn, keeps its
    hull energy, as it would as a candidate). Each distinct host is solved once, its hulls in one
    stacked pass."""
    enough = np.diff(hosts.merged.offsets) >= model.min_elements  # merged: distinct elements
    own, parts = np.where(enough, own, 0.0), np.where(enough[:, None], parts, 0.0)
    first, inverse = _distinct(hosts.merged, own, parts)
    hosts, own, parts = hosts.take(first), own[first], parts[first]
    out = np.zeros(len(first))
    stack = stack_systems(hosts.merged, np.arange(len(first)), {}, enthalpy_table(water))
    known = stack.tabulated_energy()
    tabulated = np.flatnonzero(np.isfinite(known))
    if len(tabulated):
        out[tabulated] = known[tabulated] - stack.hull_summary(tabulated)[:, 0]
    unknown = np.flatnonzero(np.isnan(known))
    own_hulls = stack.hull_summary(unknown[own[unknown] > 0])
    taken = hosts.take(unknown)
    out[unknown] = _anion_corrections(
        model, taken.merged, own[unknown], parts[unknown], sets, own_hulls, taken
    )
    return out[inverse]


def _distinct(
    packed: PackedCompositions, own: np.ndarray, parts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One row of each distinct (composition, anion parts) and each row's distinct index: rows
    equal bit for bit only, so a distinct host is solved once, as it would be alone."""
    n = len(packed)
    counts = np.diff(packed.offsets)
    width = int(counts.max(initial=0))
    rows = np.repeat(np.arange(n), counts)
    column = np.arange(len(packed.z)) - np.repeat(packed.offsets[:-1], counts)
    key = np.zeros((n, 2 * width + 1 + parts.shape[1]), dtype=np.uint64)  # z 0: no entry
    key[rows, column] = packed.z
    key[rows, width + column] = np.ascontiguousarray(packed.amount, dtype=np.float64).view(
        np.uint64
    )
    key[:, 2 * width] = np.ascontiguousarray(own, dtype=np.float64).view(np.uint64)
    key[:, 2 * width + 1 :] = np.ascontiguousarray(parts, dtype=np.float64).view(np.uint64)
    raw, size = key.tobytes(), key.shape[1] * 8
    seen: dict[bytes, int] = {}
    inverse = np.fromiter(
        (seen.setdefault(raw[i * size : (i + 1) * size], len(seen)) for i in range(n)),
        dtype=np.int64,
        count=n,
    )
    return np.unique(inverse, return_index=True)[1].astype(np.int64), inverse


def corrected_enthalpy(
    z: np.ndarray | list[int],
    amount: np.ndarray | list[float],
    water: str = "liquid",
    model: StabilisationModel | None = None,
) -> tuple[float, str]:
    """Formation enthalpy (eV/atom) of a candidate and which approximation gave it.

    Parameters
    ----------
    z, amount : array-like
        Atomic numbers and amounts per formula unit.
    water : {"liquid", "gas"}
    model : StabilisationModel, optional
        Default: :func:`default_stabilisation_model` of ``water``.

    Returns
    -------
    energy : float
        eV/atom.
    source : str
        ``"known"``: tabulated enthalpy (0 for a pure element). ``"hull_decomposition"``: hull
        energy only, used outside the model's applicability domain (fewer elements than it was
        trained on, or no anion in its training set's anion sets, e.g. sulfides with S-II,
        chlorides). ``"hull_decomposition+stabilisation_model"``: hull energy plus the predicted
        stabilisation (every anion in the domain). ``"hull_decomposition+partial_stabilisation_model"``:
        hull energy plus the share :meth:`StabilisationModel.domain_weight` of it (some anions in
        the domain: Li7La3Zr2O11.99S0.01 nearly all of it, an O-doped sulfide a trace). With a
        minor cation, blended with its hosts' (:func:`candidate_enthalpies`).

    Examples
    --------
    >>> energy, source = corrected_enthalpy([3, 15, 8], [3, 1, 4])  # Li3PO4 is tabulated
    >>> source
    'known'
    """
    z = np.asarray(z, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    if len(z) == 0 or len(z) != len(amount) or not amount.sum() > 0 or (amount < 0).any():
        raise ValueError(f"need matching non-empty z and positive amounts, got {z!r}, {amount!r}")
    table = enthalpy_table(water)
    hit = table.known.get(composition_key(z, amount))
    if hit is not None:
        return float(table.energy[hit]), SOURCE_KNOWN
    if len(set(z.tolist())) == 1:
        return 0.0, SOURCE_KNOWN
    model = default_stabilisation_model(water) if model is None else model
    hull = hull_features(z, amount, water)[0]
    packed = PackedCompositions(
        offsets=np.asarray([0, len(z)], dtype=np.int64),
        z=z,
        amount=amount,
        status=np.asarray([OK], dtype=object),
        error=np.asarray([""], dtype=object),
    )
    row = np.zeros(1, dtype=np.int64)
    stack = stack_systems(packed, row, {}, enthalpy_table(water))
    _, _, applied, weight = candidate_enthalpies(packed, row, stack, water, True, model)
    if weight[0] == 0.0:
        return hull, SOURCE_HULL
    return hull + float(applied[0]), SOURCE_CORRECTED if weight[0] == 1.0 else SOURCE_PARTIAL
