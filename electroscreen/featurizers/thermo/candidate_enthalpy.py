"""Formation enthalpies of a batch of candidates, as every reaction featurizer uses them.

A candidate's enthalpy is its tabulated one when its composition is in the table; otherwise its
hull energy plus the stabilisation predicted by
:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`, times the share of its
anion atoms inside the model's applicability domain (``domain_cover``: 1 for an oxide, 0.999 for
an oxide with a trace of sulfide, 0 for a sulfide; below 1, predicted for the in-domain analogue,
:mod:`~electroscreen.featurizers.thermo.stabilisation_domain`); with a share of 0 (NaN here) the
kernels use its hull energy. The batch form of
:func:`~electroscreen.featurizers.thermo.stabilisation.corrected_enthalpy`, on the candidates'
stacked chemical systems (air reactivity, window, interfaces).
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.compositions import PackedCompositions
from electroscreen.featurizers.thermo.reaction_systems import StackedSystems
from electroscreen.featurizers.thermo.stabilisation import default_stabilisation_model

__all__ = ["candidate_enthalpies"]


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
        ``weight`` is 1, else ``weight`` times that predicted for the candidate's in-domain
        analogue (``StabilisationModel.predict_analogues``).
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
    weight[unknown], keys = model.domain_cover(candidates)
    full = np.flatnonzero(weight[unknown] == 1.0)
    if len(full):  # the whole anion set in the domain: the candidate's own hull features
        at = unknown[full]
        summary = stack.hull_summary(at)  # hull energy, element fraction, phases
        n_elements = np.diff(candidates.offsets)[full]
        hull = np.column_stack([summary[:, 0], n_elements, summary[:, 1], summary[:, 2]])
        applied[at] = model.predict_with_hull(candidates.take(full), hull)
        used[at] = summary[:, 0] + applied[at]
    part = np.flatnonzero((weight[unknown] > 0) & (weight[unknown] < 1))
    if len(part):  # the prediction for the in-domain analogue, times the share covered
        at = unknown[part]
        applied[at] = weight[at] * model.predict_analogues(candidates.take(part), keys[part])
        used[at] = stack.hull_summary(at)[:, 0] + applied[at]
    return known, used, applied, weight
