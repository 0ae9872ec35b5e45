"""Formation enthalpies of a batch of candidates, as every reaction featurizer uses them.

A candidate's enthalpy is its tabulated one when its composition is in the table; otherwise, inside
the applicability domain of
:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`, its hull energy plus
the predicted stabilisation; otherwise (NaN here) the kernels use its hull energy. The batch form of
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Enthalpies of candidates ``packed[rows]`` stacked in ``stack`` (one per row, eV/atom).

    Returns
    -------
    known : ndarray (len(rows),)
        Tabulated enthalpy, NaN when the composition is not in the table.
    used : ndarray (len(rows),)
        ``known``, or for untabulated rows inside the stabilisation model's domain (when
        ``stabilisation``) the hull energy plus the predicted stabilisation; NaN otherwise (the
        kernels then use the hull energy).
    predicted : ndarray (len(rows),)
        The predicted stabilisation where it was applied, NaN elsewhere.
    """
    known = stack.tabulated_energy()
    used = known.copy()
    predicted = np.full(len(rows), np.nan)
    if not stabilisation:
        return known, used, predicted
    model = default_stabilisation_model(water)
    unknown = np.flatnonzero(np.isnan(known))  # positions in ``rows``
    candidates = packed.take(rows[unknown])
    inside = np.flatnonzero(model.in_domain(candidates))
    if not len(inside):
        return known, used, predicted
    unknown, candidates = unknown[inside], candidates.take(inside)
    summary = stack.hull_summary(unknown)  # hull energy, element fraction, phases
    n_elements = np.diff(candidates.offsets)
    hull = np.column_stack([summary[:, 0], n_elements, summary[:, 1], summary[:, 2]])
    predicted[unknown] = model.predict_with_hull(candidates, hull)
    used[unknown] = summary[:, 0] + predicted[unknown]
    return known, used, predicted
