"""The candidate table: one row per input candidate, failures kept as a status, never dropped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "CANDIDATE_COLUMNS",
    "OK",
    "candidate_table",
    "ok_mask",
]

#: Columns every candidate table has, in this order (``structure`` holds a pymatgen Structure or None).
CANDIDATE_COLUMNS = ("candidate_id", "formula", "source", "status", "error", "structure")
OK = "ok"


def _unique_ids(ids: Sequence[str]) -> list[str]:
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
    frame["candidate_id"] = _unique_ids(frame["candidate_id"].astype(str).tolist())
    for col in ("formula", "error"):
        frame[col] = frame[col].fillna("").astype(str)
    frame["structure"] = frame["structure"].astype(object)
    frame["structure"] = frame["structure"].where(frame["structure"].notna(), None)
    extras = [c for c in frame.columns if c not in CANDIDATE_COLUMNS]
    return frame[list(CANDIDATE_COLUMNS) + extras].reset_index(drop=True)


def ok_mask(table: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows whose status is ``ok``."""
    return (table["status"] == OK).to_numpy()
