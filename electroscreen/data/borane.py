"""Polyhedral borane anions (closo B12H12 2-, nido B11H14 -, carba-closo CB11H12 -) by composition.

Their boron has no integer oxidation state: with hydride H (-1) and the cage's charge, B12H12 2-
puts boron at +0.83 and CB11H12 - (C at -4) at +1.36. The charge-balance filter accepts such a
fractional boron state in a borane cluster (:mod:`electroscreen.screening.filters`), and the
moisture descriptors flag the cluster (``borane_cluster``, slow to hydrolyse although the hull says
it reacts; :mod:`electroscreen.featurizers.thermo.moisture`), a reduced formula keeps whole cage
anions per formula unit (:func:`cage_formula_units`: ``Li2B12H12``, not ``LiB6H6``;
``Na4(B12H12)(B10H10)`` as ``Na4B22H22``, not ``Na2B11H11``;
:mod:`electroscreen.data.formula_reduction`), and a carborane's carbon is written before its boron
(:func:`carborane`: ``LiCB11H12``, as the literature writes it). Tetrahydroborates (BH4 -, 4 H per B, boron +3) are
not clusters. In a hydrate or ammoniate (Li2B12H12·7H2O) only the hydridic hydrogen of the split
(:mod:`electroscreen.data.hydrogen_split`) belongs to the cage: the filter and the moisture
descriptors pass it to :func:`borane_cluster`; the formula rules here count all hydrogen.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from electroscreen.data.segments import segment_sum

__all__ = [
    "BORANE_MAX_H_PER_B",
    "BORANE_MIN_CAGE_BORON",
    "CARBORANE_MAX_C_PER_B",
    "ELECTROLYTE_CAGES",
    "TETRAHYDROBORATE",
    "boron_and_hydrogen",
    "borane_cluster",
    "cage_formula_units",
    "carborane",
    "whole_cages",
]

#: Most hydrogen per boron atom of a polyhedral borane anion (closo B12H12 2-: 1, nido B11H14 -:
#: 1.27, carba-closo CB11H12 -: 1.09); tetrahydroborates (BH4 -) have 4.
BORANE_MAX_H_PER_B = 1.5
#: Fewest boron atoms in the cage of a borate electrolyte's anion (carba-closo CB9H10 -: 9;
#: B10H10 2-: 10, CB11H12 - and nido B11H14 -: 11, B12H12 2-: 12).
BORANE_MIN_CAGE_BORON = 9
#: The cage anions of borate electrolytes, (boron, carbon, hydrogen) each: closo B10H10 2- and
#: B12H12 2-, carba-closo CB9H10 - and CB11H12 -, nido B11H14 -, dicarba-nido C2B9H12 -. A reduced
#: formula holds whole ones (:func:`cage_formula_units`): ``Li2B12H12``, not ``LiB6H6`` (a B6H6 -
#: that does not exist); ``Na4B22H22`` (B12H12 + B10H10), not ``Na2B11H11``. Smaller or other
#: cages (closo B6H6 2-, B11H11 2-) are no electrolytes' anions: a salt of them is not reduced.
ELECTROLYTE_CAGES: tuple[tuple[int, int, int], ...] = (
    (10, 0, 10), (12, 0, 12), (9, 1, 10), (11, 1, 12), (11, 0, 14), (9, 2, 12)
)  # fmt: skip
#: A tetrahydroborate BH4 - beside the cages (Na3(BH4)(B12H12)): (boron, carbon, hydrogen).
TETRAHYDROBORATE = (1, 0, 4)
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


def _units(values: tuple[float, ...]) -> int | None:
    """gcd of amounts that are all integers (within 1e-6), else ``None``."""
    rounded = [round(v) for v in values]
    if any(abs(v - r) > 1e-6 * max(1.0, v) for v, r in zip(values, rounded, strict=True)):
        return None
    return math.gcd(*rounded)


@lru_cache(maxsize=4096)
def _cage_hydrogen(boron: int, carbon: int) -> float:
    """Least hydrogen of whole :data:`ELECTROLYTE_CAGES` and tetrahydroborates holding exactly
    ``boron`` boron and ``carbon`` carbon (``inf`` when none do): a dynamic programme over
    (boron, carbon)."""
    least = np.full((boron + 1, carbon + 1), np.inf)
    least[0, 0] = 0.0
    pieces = (*ELECTROLYTE_CAGES, TETRAHYDROBORATE)
    for b in range(1, boron + 1):
        for c in range(carbon + 1):
            for pb, pc, ph in pieces:
                if pb <= b and pc <= c:
                    least[b, c] = min(least[b, c], least[b - pb, c - pc] + ph)
    return float(least[boron, carbon])


def whole_cages(boron: float, carbon: float, hydrogen: float) -> bool:
    """Whether ``boron`` B, ``carbon`` C and ``hydrogen`` H (one formula unit) can be whole cage
    anions of :data:`ELECTROLYTE_CAGES`, with any tetrahydroborates (``Na3(BH4)(B12H12)``): all
    boron and carbon in them, hydrogen at least theirs (the rest may be a hydrate's).
    ``Na4B22H22`` is B12H12 + B10H10; ``Na2B11H11`` is none (closo-B11H11 2- is no electrolyte's
    anion, nido-B11H14 - has 3 H more); ``LiB6H6`` none."""
    if _units((boron, carbon, hydrogen)) is None:
        return False
    b, c = round(boron), round(carbon)
    return b > 0 and _cage_hydrogen(b, c) <= round(hydrogen)


def cage_formula_units(
    boron: np.ndarray | float, hydrogen: np.ndarray | float, carbon: np.ndarray | float = 0.0
) -> np.ndarray:
    """The formula units a composition's cages allow: a reduction divides by a divisor of it only.

    A polyhedral borane cluster (:func:`borane_cluster`'s rule) is divided only into units that
    hold whole cage anions (:func:`whole_cages`): ``Li8B48H48`` into 4 (``Li2B12H12``), not 8
    (``LiB6H6``, a B6H6 - salt that does not exist); the mixed-cage ``Na4(B12H12)(B10H10)``
    (``Na4B22H22``) into 1, not 2 (``Na2B11H11``, an undecaborate), and a cell of two of its units,
    ``Na8B44H44``, into 2. The composition does not say which cages it holds; the largest divisor
    of its B, C, H amounts whose unit holds whole cages is taken, and every divisor of that one
    holds them too.

    Parameters
    ----------
    boron, hydrogen, carbon : float or ndarray of float64, shape (N,)
        Amounts of B, H and C of each composition (a cell, a formula as written).

    Returns
    -------
    ndarray of int64, shape (N,) (or 0-d)
        0 (no limit) for a composition without a borane cluster; else the largest ``f`` such that
        ``B / f``, ``C / f``, ``H / f`` are whole cages, 1 where no division keeps them (amounts
        that are not integers: a partly occupied cage site).
    """
    shape = np.shape(boron)
    boron = np.atleast_1d(np.asarray(boron, dtype=np.float64))
    hydrogen = np.broadcast_to(np.asarray(hydrogen, dtype=np.float64), boron.shape)
    carbon = np.broadcast_to(np.asarray(carbon, dtype=np.float64), boron.shape)
    out = np.zeros(boron.shape, dtype=np.int64)
    for i in np.flatnonzero(_is_cluster(boron, hydrogen)):
        b, h, c = float(boron[i]), float(hydrogen[i]), float(carbon[i])
        common = _units((b, h, c) if c > 0 else (b, h)) or 1
        divisors = {d for k in range(1, math.isqrt(common) + 1) if common % k == 0
                    for d in (k, common // k)}  # fmt: skip
        out[i] = next(
            (f for f in sorted(divisors, reverse=True) if whole_cages(b / f, c / f, h / f)), 1
        )
    return out.reshape(shape)


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
