"""Formation enthalpies of a batch of candidates, as every reaction featurizer uses them.

A candidate's enthalpy is its tabulated one when its composition is in the table; otherwise its
hull energy plus the stabilisation predicted by
:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`, in the parts of its
anion atoms inside the model's applicability domain (``domain_blend``: all of it for an oxide,
0.999 for an oxide with a trace of sulfide, 0 for a sulfide; a part other than the candidate's
own anion set predicted for that set's in-domain analogue,
:mod:`~electroscreen.featurizers.thermo.stabilisation_domain`); with a share of 0 (NaN here) the
kernels use its hull energy. The batch form of :func:`corrected_enthalpy` (one composition:
electrodes, tests), on the candidates' stacked chemical systems (air reactivity, window,
interfaces).

:func:`untabulated_clusters` names the candidates none of this describes: a salt of a polyhedral
borane anion (closo B12H12 2-, B10H10 2-, carba-closo CB11H12 -, nido B11H14 -) whose enthalpy the
table lacks. Its hull is a mixture of LiBH4, boranes (B5H7, B10H14) and borides (Li2B12H12 ->
1.53 LiBH4 + 0.84 B5H7 + 0.07 Li7B93) and the stabilisation model, fitted on oxides and fluorides,
gives hydrides no correction, so its "enthalpy" is that mixture's, and every reaction computed
from it (window, electrode interfaces) is the mixture's: a zero-width window at 1.91 V and a strong
reaction with Li metal for every closo-borate, whose cage anions are reductively robust.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.borane import borane_cluster
from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.thermo.enthalpies import composition_key, enthalpy_table
from electroscreen.featurizers.thermo.reaction_systems import StackedSystems
from electroscreen.featurizers.thermo.stabilisation import (
    SOURCE_CORRECTED,
    SOURCE_HULL,
    SOURCE_KNOWN,
    SOURCE_PARTIAL,
    StabilisationModel,
)
from electroscreen.featurizers.thermo.stabilisation_data import hull_features
from electroscreen.featurizers.thermo.stabilisation_frozen import default_stabilisation_model

__all__ = ["candidate_enthalpies", "corrected_enthalpy", "untabulated_clusters"]


def candidate_enthalpies(
    packed: PackedCompositions,
    rows: np.ndarray,
    stack: StackedSystems,
    water: str,
    stabilisation: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Enthalpies of candidates ``packed[rows]`` stacked in ``stack`` (one per row, eV/atom).

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
        (``StabilisationModel.domain_blend``).
    weight : ndarray (len(rows),)
        :meth:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel.domain_weight`
        of the untabulated rows (the share of the anion atoms in the domain), 0 elsewhere.
    """
    known = stack.tabulated_energy()
    used = known.copy()
    applied = np.full(len(rows), np.nan)
    weight = np.zeros(len(rows))
    if not stabilisation:
        return known, used, applied, weight
    model = default_stabilisation_model(water)
    unknown = np.flatnonzero(np.isnan(known))  # positions in ``rows``
    candidates = packed.take(rows[unknown])
    own, parts, sets = model.domain_blend(candidates)
    weight[unknown] = np.clip(own + parts.sum(axis=1), 0.0, 1.0)
    correction = np.zeros(len(unknown))
    corrected = np.flatnonzero(weight[unknown] > 0)
    summary = stack.hull_summary(unknown[corrected])  # hull energy, element fraction, phases
    mine = np.flatnonzero(own[corrected] > 0)  # the own anion set in the domain: own hull features
    if len(mine):
        n_elements = np.diff(candidates.offsets)[corrected[mine]]
        hull = np.column_stack([summary[mine, 0], n_elements, summary[mine, 1], summary[mine, 2]])
        predicted = model.predict_with_hull(candidates.take(corrected[mine]), hull)
        correction[corrected[mine]] = own[corrected[mine]] * predicted
    for d, key in enumerate(sets.tolist()):  # the in-domain analogues' predictions, by share
        part = np.flatnonzero(parts[:, d] > 0)
        if len(part):
            keys = np.full(len(part), key, dtype=np.int64)
            predicted = model.predict_analogues(candidates.take(part), keys)
            correction[part] += parts[part, d] * predicted
    at = unknown[corrected]
    applied[at] = correction[corrected]
    used[at] = summary[:, 0] + applied[at]
    return known, used, applied, weight


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
    cluster = borane_cluster(packed)[np.asarray(rows, dtype=np.int64)] == 1.0
    return cluster & np.isnan(np.asarray(tabulated, dtype=np.float64))


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
        the domain: Li7La3Zr2O11.99S0.01 nearly all of it, an O-doped sulfide a trace).

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
    hull = hull_features(z, amount, water)
    packed = PackedCompositions(
        offsets=np.asarray([0, len(z)], dtype=np.int64),
        z=z,
        amount=amount,
        status=np.asarray([OK], dtype=object),
        error=np.asarray([""], dtype=object),
    )
    own, parts, sets = model.domain_blend(packed)
    weight = min(1.0, float(own[0] + parts[0].sum()))
    if weight == 0.0:
        return hull[0], SOURCE_HULL
    correction = 0.0
    if own[0] > 0:
        correction = float(own[0] * model.predict_with_hull(packed, np.array([hull]))[0])
    for d in np.flatnonzero(parts[0] > 0):
        keys = np.full(1, sets[d], dtype=np.int64)
        correction += float(parts[0, d] * model.predict_analogues(packed, keys)[0])
    return hull[0] + correction, SOURCE_CORRECTED if weight == 1.0 else SOURCE_PARTIAL
