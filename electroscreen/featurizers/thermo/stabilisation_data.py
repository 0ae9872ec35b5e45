"""Training data of the stabilisation model: leave-one-out hulls of the tabulated compounds.

For every tabulated composition the *stabilisation energy* is its enthalpy minus the hull energy of
the other entries of its chemical system; the model
(:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`) learns it from Magpie
statistics plus four descriptors of that hull (:data:`HULL_FEATURES`). For an untabulated candidate
the leave-one-out hull *is* its hull, so the features mean the same thing at prediction time.

The applicability domain is keyed on each composition's anions
(:mod:`~electroscreen.featurizers.thermo.stabilisation_anions`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.featurizers.base import as_packed_compositions
from electroscreen.featurizers.composition.magpie import ElementPropertyStats
from electroscreen.featurizers.thermo.enthalpies import (
    enthalpy_table,
    fraction_rows,
    system_composition,
)
from electroscreen.featurizers.thermo.hull import hull_decomposition
from electroscreen.featurizers.thermo.reaction_systems import stack_systems

__all__ = [
    "HULL_FEATURES",
    "batch_hull_features",
    "hull_features",
    "leave_one_out_hull",
    "stabilisation_features",
    "stabilisation_targets",
    "stabilisation_training_set",
    "system_labels",
    "table_compositions",
    "tabulated_hull_features",
    "with_magpie",
]

HULL_FEATURES = ("hull_energy_ev_per_atom", "n_elements", "hull_element_fraction", "hull_n_phases")


def hull_features(
    z: np.ndarray | list[int], amount: np.ndarray | list[float], water: str = "liquid"
) -> tuple[float, float, float, float]:
    """Hull of a composition built from every *other* tabulated compound of its chemical system.

    Table rows with exactly this composition (up to scale) are left out, so a tabulated compound is
    described as an untabulated candidate would be.

    Parameters
    ----------
    z, amount : array-like
        Atomic numbers and amounts (any scale; repeated elements are summed).
    water : {"liquid", "gas"}

    Returns
    -------
    tuple of float
        ``(hull energy eV/atom, number of elements, atom fraction of the decomposition that is pure
        elements, number of phases)``, in the order of ``HULL_FEATURES``.
    """
    energy, elements, idx, amt = leave_one_out_hull(z, amount, water)
    d = len(elements)
    used = idx >= 0
    element_fraction = float(amt[used & (idx < d)].sum())
    return float(energy), float(d), element_fraction, float(used.sum())


def leave_one_out_hull(
    z: np.ndarray | list[int], amount: np.ndarray | list[float], water: str = "liquid"
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """The decomposition behind :func:`hull_features`: ``(energy eV/atom, the system's elements
    (atomic numbers, shape (d,)), phase index per slot (d,), atom fraction per slot (d,))``; an
    index below ``d`` is the pure element ``elements[index]``, -1 an unused slot."""
    system, comp = system_composition(z, amount, water)
    d = len(system.elements)
    comp /= comp.sum()
    keep = ~np.all(np.abs(system.matrix - comp[None, :]) < 1e-6, axis=1)
    keep[:d] = True  # the elements stay (a one-element "composition" is its own reference)
    idx = np.full(d, -1, dtype=np.int64)
    amt = np.zeros(d)
    energy = hull_decomposition(
        np.ascontiguousarray(system.matrix[keep]), system.energy[keep], comp, idx, amt
    )
    return float(energy), np.asarray(system.elements, dtype=np.int64), idx, amt


def batch_hull_features(packed: PackedCompositions, water: str) -> tuple[np.ndarray, np.ndarray]:
    """:data:`HULL_FEATURES` of compositions holding each element once per row, as
    :func:`stabilisation_features` describes them, their hulls solved in one stacked pass
    (:func:`~electroscreen.featurizers.thermo.reaction_systems.stack_systems`), not one Python
    call each; a composition the table holds is described without its own rows
    (:func:`tabulated_hull_features`).

    Returns
    -------
    rows : ndarray of int64
        The rows described (status ok, with elements).
    hull : ndarray of float64, shape (len(rows), 4)
    """
    rows = np.flatnonzero((packed.status == OK) & (np.diff(packed.offsets) > 0))
    if not len(rows):
        return rows, np.zeros((0, len(HULL_FEATURES)))
    stack = stack_systems(packed, rows, {}, enthalpy_table(water))
    summary = stack.hull_summary(np.arange(len(rows)))
    n_elements = np.diff(packed.offsets)[rows]  # one entry per element
    hull = np.column_stack([summary[:, 0], n_elements, summary[:, 1], summary[:, 2]])
    for k in np.flatnonzero(np.isfinite(stack.tabulated_energy())):
        lo, hi = packed.offsets[rows[k]], packed.offsets[rows[k] + 1]
        hull[k] = tabulated_hull_features(packed.z[lo:hi], packed.amount[lo:hi], water)
    return rows, hull


def tabulated_hull_features(
    z: np.ndarray, amount: np.ndarray, water: str = "liquid"
) -> tuple[float, float, float, float]:
    """:func:`hull_features`, remembered per composition as given (the same tabulated analogue
    recurs in a batch: Li3PO4 for every Li3PS(4-x)Ox)."""
    z_bytes = np.ascontiguousarray(z, dtype=np.int64).tobytes()
    return _remembered_hull(
        z_bytes, np.ascontiguousarray(amount, dtype=np.float64).tobytes(), water
    )


@lru_cache(maxsize=4096)
def _remembered_hull(z: bytes, amount: bytes, water: str) -> tuple[float, float, float, float]:
    return hull_features(np.frombuffer(z, dtype=np.int64), np.frombuffer(amount), water)


def _system_label(z: np.ndarray) -> str:
    """``"Li-O-P"``: the distinct elements of ``z``, symbols sorted."""
    return "-".join(sorted({ELEMENT_SYMBOLS[int(e)] for e in z}))


def system_labels(packed: PackedCompositions) -> np.ndarray:
    """Chemical system of each composition (``"Li-O-P"``, :func:`stabilisation_targets`' held-out
    group), object array (N,)."""
    spans = zip(packed.offsets[:-1], packed.offsets[1:], strict=True)
    return np.asarray([_system_label(packed.z[lo:hi]) for lo, hi in spans], dtype=object)


def stabilisation_targets(water: str = "liquid", min_elements: int = 3) -> pd.DataFrame:
    """Leave-one-out stabilisation energy of every tabulated composition with >= ``min_elements``.

    Returns
    -------
    DataFrame
        One row per composition (the lowest-enthalpy table row when a composition is tabulated more
        than once): ``name``, ``table_index``, ``chemical_system`` (``"Li-O-P"``: the CV group),
        ``enthalpy_ev_per_atom``, the :data:`HULL_FEATURES` and ``stabilisation_ev_per_atom`` =
        enthalpy - hull energy of the other entries.
    """
    table = enthalpy_table(water)
    rows = []
    for index in sorted(table.known.values()):
        z = np.flatnonzero(table.fractions[index] > 0)
        if len(z) < min_elements:
            continue
        feats = hull_features(z, table.fractions[index, z], water)
        rows.append(
            (
                table.names[index],
                index,
                _system_label(z),
                table.energy[index],
                *feats,
                table.energy[index] - feats[0],
            )
        )
    columns = ["name", "table_index", "chemical_system", "enthalpy_ev_per_atom"]
    return pd.DataFrame(rows, columns=[*columns, *HULL_FEATURES, "stabilisation_ev_per_atom"])


@lru_cache(maxsize=4)
def stabilisation_training_set(
    water: str = "liquid", min_elements: int = 3
) -> tuple[PackedCompositions, np.ndarray, np.ndarray, pd.DataFrame]:
    """The stabilisation model's default training set, built from the enthalpy table (cached).

    Returns
    -------
    compositions : PackedCompositions
        The tabulated compositions of :func:`stabilisation_targets` (atom fractions).
    y : ndarray of shape (n,)
        Their leave-one-out stabilisation energies, eV/atom.
    groups : ndarray of object, shape (n,)
        Chemical system of each (the cross-validation group).
    targets : DataFrame
        :func:`stabilisation_targets` itself.

    The arrays are shared by every caller: do not modify them.
    """
    targets = stabilisation_targets(water, min_elements)
    packed = table_compositions(targets["table_index"].to_numpy(), water)
    y = targets["stabilisation_ev_per_atom"].to_numpy()
    return packed, y, targets["chemical_system"].to_numpy(), targets


def stabilisation_features(X: object, water: str = "liquid") -> tuple[np.ndarray, np.ndarray]:
    """Model inputs of compositions: 132 Magpie statistics + the four :func:`hull_features`.

    Parameters
    ----------
    X : list of formulas, candidate table or PackedCompositions
    water : {"liquid", "gas"}

    Returns
    -------
    features : ndarray (n, 136)
        NaN rows where the composition could not be read.
    status : ndarray of object (n,)
        ``"ok"`` or the parse status of the row.
    """
    packed = as_packed_compositions(X)
    hull = np.full((len(packed), len(HULL_FEATURES)), np.nan)
    status = packed.status.copy()
    for i in range(len(packed)):
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        if status[i] != OK or lo == hi:
            continue
        amount = packed.amount[lo:hi]
        if not amount.sum() > 0 or (amount < 0).any():
            status[i] = "non_positive_amounts"
            continue
        hull[i] = hull_features(packed.z[lo:hi], amount, water)
    values = with_magpie(packed, hull)
    values[status != OK] = np.nan
    return values, status


def with_magpie(packed: PackedCompositions, hull: np.ndarray) -> np.ndarray:
    """The model inputs: Magpie statistics of ``packed`` followed by its hull features."""
    return np.hstack([ElementPropertyStats(impute_nan=True).transform(packed), hull])


def table_compositions(table_index: np.ndarray, water: str) -> PackedCompositions:
    """Table rows as PackedCompositions (atom fractions as amounts)."""
    return fraction_rows(enthalpy_table(water).fractions[table_index])
