"""Polyhedral borane anions (closo B12H12 2-, nido B11H14 -, carba-closo CB11H12 -) by composition.

Their boron has no integer oxidation state: with hydride H (-1) and the cage's charge, B12H12 2-
puts boron at +0.83 and CB11H12 - (C at -4) at +1.36. The charge-balance filter accepts such a
fractional boron state in a borane cluster (:mod:`electroscreen.screening.filters`), and the
moisture descriptors flag the cluster (``borane_cluster``, slow to hydrolyse although the hull says
it reacts; :mod:`electroscreen.featurizers.thermo.moisture`), a reduced formula keeps at least one
whole cage per formula unit (:func:`max_formula_units`: ``Li2B12H12``, not ``LiB6H6``;
:mod:`electroscreen.data.formula_reduction`), and a carborane's carbon is written before its boron
(:func:`carborane`: ``LiCB11H12``, as the literature writes it). Tetrahydroborates (BH4 -, 4 H per B, boron +3) are
not clusters. In a hydrate or ammoniate (Li2B12H12·7H2O) only the hydridic hydrogen of the split
(:mod:`electroscreen.data.hydrogen_split`) belongs to the cage: the filter and the moisture
descriptors pass it to :func:`borane_cluster`; the formula rules here count all hydrogen.
"""

from __future__ import annotations

import numpy as np

from electroscreen.data.segments import segment_sum

__all__ = [
    "BORANE_MAX_H_PER_B",
    "BORANE_MIN_CAGE_BORON",
    "CARBORANE_MAX_C_PER_B",
    "boron_and_hydrogen",
    "borane_cluster",
    "carborane",
    "max_formula_units",
]

#: Most hydrogen per boron atom of a polyhedral borane anion (closo B12H12 2-: 1, nido B11H14 -:
#: 1.27, carba-closo CB11H12 -: 1.09); tetrahydroborates (BH4 -) have 4.
BORANE_MAX_H_PER_B = 1.5
#: Fewest boron atoms in the cage of a borate electrolyte's anion (carba-closo CB9H10 -: 9;
#: B10H10 2-: 10, CB11H12 - and nido B11H14 -: 11, B12H12 2-: 12). A formula with a borane
#: cluster is never divided into units of less boron, which would split a cage (``Li2B12H12``
#: read as ``LiB6H6``, the salt of a B6H6 - that does not exist). Smaller cages (closo B6H6 2-)
#: are not electrolytes' and are read as that many boron atoms per cage or more.
BORANE_MIN_CAGE_BORON = 9
#: Most carbon per boron atom of a carborane's cages (dicarba C2B9H12 -: 2 per 9 boron; carba-closo
#: CB11H12 - and CB9H10 -: 1 per 11 and 9); a borane with more carbon holds it outside its cages.
CARBORANE_MAX_C_PER_B = 2 / BORANE_MIN_CAGE_BORON


def _is_cluster(boron: np.ndarray, hydrogen: np.ndarray) -> np.ndarray:
    """Boron and hydrogen with at most :data:`BORANE_MAX_H_PER_B` H per B (elementwise)."""
    return (boron > 0) & (hydrogen > 0) & (hydrogen <= BORANE_MAX_H_PER_B * boron)


def carborane(
    boron: np.ndarray | float, hydrogen: np.ndarray | float, carbon: np.ndarray | float
) -> np.ndarray:
    """Whether each composition is a carborane: a polyhedral borane cluster (at most
    :data:`BORANE_MAX_H_PER_B` H per B) with carbon, at most :data:`CARBORANE_MAX_C_PER_B` per B
    (``LiCB11H12``, ``LiCB9H10``, ``NaCB11H12``).

    Parameters
    ----------
    boron, hydrogen, carbon : float or ndarray of float64, shape (N,)
        Amounts of B, H and C of each composition.

    Returns
    -------
    ndarray of bool, shape (N,) (or 0-d)
    """
    boron = np.asarray(boron, dtype=np.float64)
    carbon = np.asarray(carbon, dtype=np.float64)
    in_cage = (carbon > 0) & (carbon <= CARBORANE_MAX_C_PER_B * boron * (1 + 1e-9))
    return _is_cluster(boron, np.asarray(hydrogen, dtype=np.float64)) & in_cage


def max_formula_units(boron: np.ndarray | float, hydrogen: np.ndarray | float) -> np.ndarray:
    """Most formula units a composition can be divided into without splitting a borane cage.

    Parameters
    ----------
    boron, hydrogen : float or ndarray of float64, shape (N,)
        Amounts of B and H of each composition (a cell, a formula as written).

    Returns
    -------
    ndarray of float64, shape (N,) (or 0-d)
        ``boron / BORANE_MIN_CAGE_BORON`` (:data:`BORANE_MIN_CAGE_BORON`) for a polyhedral borane
        cluster (:func:`borane_cluster`), ``inf`` for any other composition.
    """
    boron = np.asarray(boron, dtype=np.float64)
    hydrogen = np.asarray(hydrogen, dtype=np.float64)
    return np.where(_is_cluster(boron, hydrogen), boron / BORANE_MIN_CAGE_BORON, np.inf)


def borane_cluster(packed: object, hydridic: np.ndarray | None = None) -> np.ndarray:
    """Per row of packed compositions: 1.0 when it holds boron and hydrogen with at most
    :data:`BORANE_MAX_H_PER_B` H per B (a polyhedral borane anion), 0.0 otherwise, NaN when empty.

    Parameters
    ----------
    packed : PackedCompositions
        ``offsets`` (N + 1,), ``z`` and ``amount`` (K,).
    hydridic : ndarray of float64, shape (N,), optional
        The hydridic hydrogen of rows whose hydrogen is split (:func:`~electroscreen.data.
        hydrogen_split.hydrogen_shares`), NaN for the others: a hydrate's or ammoniate's protic H
        is no cage's (Li2B12H12·7H2O holds 12 H- on 12 B). Without it, or where NaN, all hydrogen
        counts.

    Returns
    -------
    ndarray of float64, shape (N,)
    """
    boron, hydrogen = boron_and_hydrogen(packed)
    if hydridic is not None:
        hydrogen = np.where(np.isfinite(hydridic), hydridic, hydrogen)
    flag = _is_cluster(boron, hydrogen).astype(float)
    flag[np.diff(packed.offsets) == 0] = np.nan
    return flag


def boron_and_hydrogen(packed: object) -> tuple[np.ndarray, np.ndarray]:
    """Amounts of B and of H in each row of packed compositions (``offsets``, ``z``, ``amount``),
    two arrays of shape (N,)."""
    offsets = np.asarray(packed.offsets)
    z = np.asarray(packed.z)
    amount = np.asarray(packed.amount, dtype=np.float64)
    return segment_sum(amount * (z == 5), offsets), segment_sum(amount * (z == 1), offsets)
