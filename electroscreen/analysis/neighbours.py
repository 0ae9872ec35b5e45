"""Nearest known OBELiX materials of a formula or structure, in standardized Magpie space."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Composition, Structure

from electroscreen.data.formula import FormulaError, parse_formula
from electroscreen.data.formula_reduction import (
    WRITTEN_DECIMALS,
    reduce_formula_text,
    reduced_formula,
)
from electroscreen.data.obelix import load_obelix
from electroscreen.featurizers.composition.magpie import ElementPropertyStats

__all__ = ["nearest_obelix"]


@functools.lru_cache(maxsize=4)
def _obelix_space(data_dir: str | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """OBELiX table, its standardized Magpie matrix, and the mean/scale used."""
    table = load_obelix(data_dir).reset_index(drop=True)
    features = ElementPropertyStats().transform(table["true_composition"].tolist())
    mean = np.nanmean(features, axis=0)
    scale = np.nanstd(features, axis=0)
    scale[~(scale > 0)] = 1.0
    mean = np.nan_to_num(mean)
    standardized = np.nan_to_num((features - mean) / scale)  # NaN -> the mean (0 after scaling)
    return table, standardized, mean, scale


def _formula_of(query: str | Composition | Structure) -> str:
    if isinstance(query, Structure):
        return query.composition.formula.replace(" ", "")
    if isinstance(query, Composition):
        return query.formula.replace(" ", "")
    return str(query)


def _per_formula_unit(content: object, z: object) -> str:
    """An OBELiX cell content (``Li20.7Ge2.7P3.3S24.0``) per formula unit, written as a reduced
    formula (``Li10.35Ge1.35P1.65S12`` for Z = 2); the content as it is when it cannot be read."""
    text = str(content)
    try:
        amounts = parse_formula(text)
        units = float(z)  # type: ignore[arg-type]
    except (FormulaError, TypeError, ValueError):
        return text
    if not units >= 1:
        return reduce_formula_text(text) or text
    return reduced_formula({el: n / units for el, n in amounts.items()}, WRITTEN_DECIMALS)


def nearest_obelix(
    formula_or_structure: str | Composition | Structure,
    k: int = 5,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """The ``k`` OBELiX materials closest in standardized Magpie composition space.

    Each of the 132 Magpie features (:class:`ElementPropertyStats`) is standardized with the mean
    and standard deviation over the 599 OBELiX entries; missing features take the mean. Distance is
    Euclidean in that space, so it compares chemistry (element properties and their spread), not
    structure.

    Parameters
    ----------
    formula_or_structure : str, Composition or Structure
        The query; a structure is reduced to its (occupancy-weighted) composition.
    k : int
        Number of neighbours.
    data_dir : path, optional
        Reference data folder (default ``$ELECTROSCREEN_DATA``).

    Returns
    -------
    DataFrame
        ``ID, formula, family, log10_sigma, censored, split, space_group, doi, distance``, closest
        first. ``formula`` is the formula per formula unit (OBELiX's content over its ``Z``),
        written as the results tables write formulas (``Li10.35Ge1.35P1.65S12``, not the cell
        content ``Li20.7Ge2.7P3.3S24.0``). ``log10_sigma`` is the measured room-temperature conductivity (log10 S/cm); for
        censored entries it is NaN and ``censored`` is True.

    Raises
    ------
    ValueError
        When the query formula cannot be parsed.
    """
    formula = _formula_of(formula_or_structure)
    try:
        parse_formula(formula)
    except FormulaError as exc:
        raise ValueError(f"cannot read the formula {formula!r}: {exc}") from exc
    table, space, mean, scale = _obelix_space(None if data_dir is None else str(data_dir))
    query = ElementPropertyStats().transform([formula])[0]
    query = np.nan_to_num((query - mean) / scale)
    distance = np.sqrt(((space - query) ** 2).sum(axis=1))
    order = np.argsort(distance, kind="stable")[:k]
    out = table.loc[
        order,
        [
            "ID",
            "true_composition",
            "family",
            "log10_sigma",
            "censored",
            "split",
            "space_group",
            "doi",
        ],
    ].rename(columns={"true_composition": "formula"})
    out["formula"] = [
        _per_formula_unit(f, z) for f, z in zip(out["formula"], table.loc[order, "Z"], strict=True)
    ]
    out["distance"] = distance[order]
    return out.reset_index(drop=True)
