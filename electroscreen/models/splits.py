"""Evaluation splits: the OBELiX official split, grouped cross-validation and the leak guard.

Each scheme of :data:`SCHEMES` becomes a list of ``(train, test)`` row positions
(:func:`scheme_splits`): the official train/test split, folds grouped by structural family,
chemical system or composition (also over the official train rows only, for model selection),
or leave one family out. Extra rows (``split == "extra"``, Liverpool) are never scored, and each
split trains only on those :func:`guard_extra_rows` allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold

from electroscreen.data.composition_match import composition_groups, match_compositions
from electroscreen.models.row_groups import chemical_systems, family_groups, family_missing
from electroscreen.models.tasks import Targets

__all__ = [
    "FAMILY_SCHEMES",
    "SCHEMES",
    "extra_rows",
    "grouped_cv_splits",
    "guard_extra_rows",
    "official_split",
    "scheme_splits",
]

#: Evaluation schemes of :func:`~electroscreen.models.evaluation.evaluate` (one split rule each).
SCHEMES = (
    "official",
    "family_cv",
    "composition_cv",
    "train_family_cv",
    "train_chemsys_cv",
    "train_composition_cv",
    "family_lofo",
)
#: Schemes that hold every family out whole (:func:`~electroscreen.models.row_groups.family_groups`), so
#: each family's held-out errors are its own (:attr:`~electroscreen.models.evaluation.
#: EvaluationResult.per_group`, logged as ``metrics/<stem>_per_family.csv``).
FAMILY_SCHEMES = ("family_lofo", "family_cv", "train_family_cv")


def official_split(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the OBELiX official train and test splits (``split`` column)."""
    if "split" not in table:
        raise ValueError("the table has no 'split' column (not an OBELiX table?)")
    split = table["split"].to_numpy()
    return np.flatnonzero(split == "train"), np.flatnonzero(split == "test")


def grouped_cv_splits(
    groups: np.ndarray, n_splits: int = 5, y_class: np.ndarray | None = None, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """K folds that never put one group (structural family) on both sides.

    Parameters
    ----------
    groups : ndarray
        Group label per row.
    n_splits : int
        Reduced to the number of groups when there are fewer.
    y_class : ndarray, optional
        Binary labels: folds are then also stratified (``StratifiedGroupKFold``).
    seed : int
    """
    groups = np.asarray(groups, dtype=object)
    n_groups = len(np.unique(groups))
    k = min(n_splits, n_groups)
    if k < 2:
        raise ValueError("grouped cross-validation needs at least two groups")
    if y_class is not None:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(groups)), y_class, groups))
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def extra_rows(table: pd.DataFrame) -> np.ndarray:
    """Whether each row is an extra training row (``split == "extra"``: Liverpool), never scored."""
    if "split" not in table:
        return np.zeros(len(table), dtype=bool)
    return table["split"].to_numpy() == "extra"


def guard_extra_rows(
    table: pd.DataFrame,
    held_out: np.ndarray,
    groups: np.ndarray | None = None,
    systems: np.ndarray | None = None,
) -> np.ndarray:
    """The leak guard: positions of the extra rows a model scored on ``held_out`` may train on.

    An extra row is left out when its composition matches a held-out row's (same reduced formula
    or atomic fractions within 2e-4: :func:`~electroscreen.data.composition_match.
    match_compositions`) or, in grouped CV, when its group (family, chemical system) is held out.
    In family-grouped CV (``systems`` given) an extra row without a family, which no family
    fold can hold out, is left out when its chemical system is a held-out row's.

    Parameters
    ----------
    table : DataFrame
        ``formula`` and ``split`` columns (``family`` read with ``systems``).
    held_out : ndarray of int
        Positions of the scored rows.
    groups : ndarray, optional
        Group label per table row (rows of a held-out group are left out).
    systems : ndarray, optional
        Chemical system per table row (:func:`~electroscreen.models.row_groups.chemical_systems`),
        for the extra rows without a family.

    Returns
    -------
    ndarray of int64
        Positions of the extra rows allowed in training.
    """
    extra = np.flatnonzero(extra_rows(table))
    if not len(extra):
        return extra.astype(np.int64)
    formulas = table["formula"].astype(str).to_numpy()
    keep = ~match_compositions(formulas[extra].tolist(), formulas[held_out].tolist())
    if groups is not None:
        keep &= ~np.isin(groups[extra], np.unique(groups[held_out]))
    if systems is not None:
        unfamilied = family_missing(table)[extra]
        keep &= ~(unfamilied & np.isin(systems[extra], np.unique(systems[held_out])))
    return extra[keep].astype(np.int64)


def _groups(scheme: str, table: pd.DataFrame) -> np.ndarray:
    """Group label per row of a grouped scheme: family, chemical system, or composition (one
    composition however it is written: ``Li2Sc0.667Cl4`` and ``Li3ScCl6`` are one group)."""
    if scheme in FAMILY_SCHEMES:
        return family_groups(table)
    if scheme == "train_chemsys_cv":
        return chemical_systems(table["formula"].to_numpy())
    return composition_groups(table["formula"].astype(str).tolist())


def scheme_splits(
    scheme: str,
    table: pd.DataFrame,
    targets: Targets,
    classification: bool,
    n_splits: int,
    seed: int,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train, test)`` row positions of ``scheme`` (see :func:`~electroscreen.models.
    evaluation.evaluate`); ``train`` includes the extra rows the leak guard allows."""
    extra = extra_rows(table)
    if scheme == "official":
        train, test = official_split(table)
        return [(np.concatenate([train, guard_extra_rows(table, test)]), test)]
    scored = targets.trainable & ~extra
    never = np.array([], dtype=np.int64)
    if scheme.startswith("train_"):  # model selection: the official test split is never touched
        scored &= table["split"].to_numpy() == "train"
        never = np.flatnonzero(table["split"].to_numpy() == "test")
    labelled = np.flatnonzero(scored)
    groups = _groups(scheme, table)
    systems = chemical_systems(table["formula"].to_numpy()) if scheme in FAMILY_SCHEMES else None
    if scheme == "family_lofo":  # one fold per family: every family is once the unseen one
        if len(np.unique(groups[labelled])) < 2:
            raise ValueError("leave-one-family-out needs at least two families")
        folds = LeaveOneGroupOut().split(np.zeros(len(labelled)), groups=groups[labelled])
        return [
            (
                np.concatenate(
                    [labelled[tr], guard_extra_rows(table, labelled[te], groups, systems)]
                ),
                labelled[te],
            )
            for tr, te in folds
        ]
    y_class = targets.y[labelled].astype(int) if classification else None
    folds = grouped_cv_splits(groups[labelled], n_splits, y_class=y_class, seed=seed)
    out = []
    for train, test in folds:
        held = labelled[test]
        allowed = guard_extra_rows(table, held, groups, systems)
        if len(never):  # nor a composition of the test split
            allowed = np.intersect1d(allowed, guard_extra_rows(table, never, None))
        out.append((np.concatenate([labelled[train], allowed]), held))
    return out
