"""The candidate table: one row per input candidate, failures kept as a status, never dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "CANDIDATE_COLUMNS",
    "OK",
    "candidate_table",
    "join_statuses",
    "merge_status",
    "ok_mask",
    "unique_ids",
]

#: Columns every candidate table has, in this order (``structure`` holds a pymatgen Structure or None).
CANDIDATE_COLUMNS = ("candidate_id", "formula", "source", "status", "error", "structure")
OK = "ok"


def unique_ids(ids: Sequence[str]) -> list[str]:
    """Make ids unique deterministically: the second ``x`` becomes ``x~2`` and so on."""
    seen: dict[str, int] = {}
    out = []
    for raw in ids:
        count = seen.get(raw, 0) + 1
        seen[raw] = count
        out.append(raw if count == 1 else f"{raw}~{count}")
    return out


def candidate_table(records: Iterable[dict]) -> pd.DataFrame:
    """Build a candidate table from record dicts.

    Each record has at least ``candidate_id``, ``source`` and ``status``; missing standard columns are
    filled (``formula=""``, ``error=""``, ``structure=None``). Extra keys become extra columns after
    the standard ones. Ids are made unique deterministically.
    """
    frame = pd.DataFrame.from_records(list(records))
    for col in CANDIDATE_COLUMNS:
        if col not in frame:
            frame[col] = None if col == "structure" else ""
    frame["candidate_id"] = unique_ids(frame["candidate_id"].astype(str).tolist())
    for col in ("formula", "error"):
        frame[col] = frame[col].fillna("").astype(str)
    frame["structure"] = frame["structure"].astype(object)
    frame["structure"] = frame["structure"].where(frame["structure"].notna(), None)
    extras = [c for c in frame.columns if c not in CANDIDATE_COLUMNS]
    return frame[list(CANDIDATE_COLUMNS) + extras].reset_index(drop=True)


def ok_mask(table: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows whose status is ``ok``."""
    return (table["status"] == OK).to_numpy()


def merge_status(
    status: Sequence[str] | np.ndarray,
    new: str | Sequence[str] | np.ndarray,
    where: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A later step's verdict merged into the statuses rows already have: the first problem wins.

    A row that is ``ok`` takes the later step's status (where ``where`` holds); a row with a
    problem keeps it. This is how every step (reader, packer, filters, featurizers, predictors)
    adds its verdict to a row.

    Parameters
    ----------
    status : array-like of str, shape (n,)
        Statuses so far.
    new : str or array-like of str, shape (n,)
        The later step's status of each row (or one code for every row in ``where``).
    where : bool ndarray of shape (n,), optional
        The rows the later step speaks for (default: all).

    Returns
    -------
    merged : ndarray of object, shape (n,)
        A new array; ``status`` is not modified.
    taken : bool ndarray of shape (n,)
        Rows whose status changed (``ok`` before, a problem now): where to write an error message.

    Examples
    --------
    >>> merge_status(["ok", "bad_formula", "ok"], ["no_carrier", "no_carrier", "ok"])[0].tolist()
    ['no_carrier', 'bad_formula', 'ok']
    """
    merged = np.asarray(status, dtype=object).copy()
    later = np.broadcast_to(np.asarray(new, dtype=object), merged.shape)
    taken = (merged == OK) & (later != OK)
    if where is not None:
        taken &= np.asarray(where, dtype=bool)
    merged[taken] = later[taken]
    return merged, taken


def join_statuses(statuses: Mapping[str, Sequence[str] | np.ndarray], n: int) -> np.ndarray:
    """Per row, every named step's problem as ``"name:status"`` (comma-joined), else ``"ok"``.

    Parameters
    ----------
    statuses : mapping of str to array-like of str, each of shape (n,)
        Status of each row by step name (a featurizer, a model), in reporting order.
    n : int
        Number of rows.

    Returns
    -------
    ndarray of object, shape (n,)

    Examples
    --------
    >>> join_statuses({"magpie": ["ok", "empty"], "bvse": ["ok", "no_structure"]}, 2).tolist()
    ['ok', 'magpie:empty,bvse:no_structure']
    """
    notes: list[list[str]] = [[] for _ in range(n)]
    for name, column in statuses.items():
        column = np.asarray(column, dtype=object)
        for i in np.flatnonzero(column != OK):
            notes[i].append(f"{name}:{column[i]}")
    return np.asarray([",".join(row) or OK for row in notes], dtype=object)
