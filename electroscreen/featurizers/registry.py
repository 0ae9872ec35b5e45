"""Featurizers by name, so configs and the CLI can say ``featurizers: [magpie, electrolyte]``.

Classes are imported on first use: naming a featurizer costs nothing until it is built.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from importlib import import_module

import numpy as np
import pandas as pd

from electroscreen.data.candidates import join_statuses
from electroscreen.featurizers.base import Featurizer

__all__ = [
    "FEATURIZERS",
    "check_featurizer_names",
    "featurize_table",
    "featurizer_class",
    "make_featurizer",
]

#: Name -> ``"module:Class"`` of every featurizer a config can ask for.
FEATURIZERS: dict[str, str] = {
    "magpie": "electroscreen.featurizers.composition.magpie:ElementPropertyStats",
    "electrolyte": "electroscreen.featurizers.composition.electrolyte:ElectrolyteComposition",
    "structure": "electroscreen.featurizers.structure.descriptors:StructureDescriptors",
    "bvse": "electroscreen.featurizers.bvse.barriers:BVSE",
    "gii": "electroscreen.featurizers.bvse.plausibility:BondValenceGII",
    "air_reactivity": "electroscreen.featurizers.thermo.reactivity:AirReactivity",
    "reactivity": "electroscreen.featurizers.thermo.reactivity:AirReactivity",
    "hsab": "electroscreen.featurizers.composition.hsab_pairs:HSABPairing",
    "cost": "electroscreen.featurizers.composition.cost:MaterialCost",
    "element_fractions": "electroscreen.featurizers.composition.element_fractions:ElementFractions",
    "element_group_fractions": (
        "electroscreen.featurizers.composition.element_groups:ElementGroupFractions"
    ),
    "window": "electroscreen.featurizers.thermo.window:ElectrochemicalWindow",
    "interface": "electroscreen.featurizers.thermo.interface:InterfaceReactivity",
    "moisture": "electroscreen.featurizers.thermo.moisture:MoistureChemistry",
}


def _unknown(name: str) -> str:
    """``unknown featurizer 'x' (did you mean 'y'?); choose from ...`` (the closest registered
    name, looked up case-insensitively, when one is close)."""
    lower = {n.lower(): n for n in FEATURIZERS}
    close = difflib.get_close_matches(str(name).lower(), list(lower), n=1)
    hint = f" (did you mean {lower[close[0]]!r}?)" if close else ""
    return f"unknown featurizer {name!r}{hint}; choose from {', '.join(sorted(FEATURIZERS))}"


def check_featurizer_names(names: Sequence[str]) -> list[str]:
    """``names`` as a list if each is registered and none repeats; imports nothing, so a command
    checks its featurizers before it reads any input.

    Raises
    ------
    ValueError
        The first unknown name (with the closest registered one and the list of all), or the
        names when one repeats.
    """
    names = list(names)
    for name in names:
        if name not in FEATURIZERS:
            raise ValueError(_unknown(name))
    if len(set(names)) != len(names):
        raise ValueError(f"featurizer names repeat: {names}")
    return names


def featurizer_class(name: str) -> type[Featurizer]:
    """The featurizer class registered under ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not registered (the message lists the names that are).
    """
    if name not in FEATURIZERS:
        raise ValueError(_unknown(name))
    module, cls = FEATURIZERS[name].split(":")
    return getattr(import_module(module), cls)


def make_featurizer(name: str, **params: object) -> Featurizer:
    """Build the featurizer ``name`` with ``params`` (its ``__init__`` arguments)."""
    return featurizer_class(name)(**params)


def featurize_table(
    table: pd.DataFrame,
    names: Sequence[str],
    params: Mapping[str, Mapping[str, object]] | None = None,
) -> pd.DataFrame:
    """Run the named featurizers on a candidate table; one output row per input row, in order.

    Parameters
    ----------
    table : DataFrame
        A candidate table (``candidate_id``, ``formula``, ``status``, ``error`` and, for structure
        featurizers, ``structure``), e.g. from :func:`~electroscreen.data.read_candidates`. Without
        a ``structure`` column, a structure featurizer gives every row ``no_structure``.
    names : sequence of str
        Registered featurizer names (:data:`FEATURIZERS`), run in this order.
    params : mapping, optional
        ``name -> __init__`` arguments of that featurizer.

    Returns
    -------
    DataFrame
        The input's columns except ``structure`` (objects that do not serialize), then
        ``featurize_status`` (``"ok"`` when every featurizer said ok, else ``"<name>:<status>"`` of
        each one that did not, comma-joined), one ``status_<name>`` column per featurizer, and the
        features of each featurizer (NaN where undefined). A feature name that an earlier
        featurizer already produced is prefixed with ``"<name>__"``.

    Raises
    ------
    ValueError
        An unknown or repeated featurizer name (before any work is done).
    TypeError
        ``table`` is not a DataFrame.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"featurize_table expects a candidate table (a DataFrame with a 'formula' and/or "
            f"'structure' column, e.g. from read_candidates), got {type(table).__name__}: wrap a "
            f"list of formulas as pd.DataFrame({{'formula': [...]}})"
        )
    names = check_featurizer_names(names)
    params = params or {}
    featurizers = {name: make_featurizer(name, **dict(params.get(name, {}))) for name in names}
    base = table.drop(columns=["structure"], errors="ignore").reset_index(drop=True)
    statuses: dict[str, np.ndarray] = {}
    blocks: list[pd.DataFrame] = []
    taken = set(base.columns)
    for name, featurizer in featurizers.items():
        values, status = featurizer.transform_with_status(table)
        columns = [
            f"{name}__{c}" if c in taken else str(c) for c in featurizer.get_feature_names_out()
        ]
        taken.update(columns)
        statuses[name] = np.asarray(status, dtype=object)
        blocks.append(pd.DataFrame(values, columns=columns))
    status_frame = pd.DataFrame({"featurize_status": join_statuses(statuses, len(base))})
    for name in names:
        status_frame[f"status_{name}"] = statuses[name]
    return pd.concat([base, status_frame, *blocks], axis=1)
