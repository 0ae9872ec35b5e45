"""Writing a table to the file a command's option names: the format told by its suffix.

:func:`check_table_out` runs before any work (a ``.txt`` or a folder is an error naming the
option, not a Parquet file under a text name after minutes of featurizing); :func:`write_table`
writes CSV for ``.csv`` and Parquet for ``.parquet`` / ``.pq``
(:data:`~electroscreen.data.input_paths.TABLE_SUFFIXES`, what the readers read back).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from electroscreen.data.input_paths import TABLE_SUFFIXES

__all__ = ["check_table_out", "write_table"]

_PARQUET = {".parquet", ".pq"}


def check_table_out(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a :class:`~pathlib.Path` if a table can be written there.

    Raises
    ------
    ValueError
        ``path`` is a folder, or its suffix is none of :data:`TABLE_SUFFIXES` (the message names
        ``option``, the path and the suffixes allowed).
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path} is a folder: give a file name")
    if path.suffix.lower() not in TABLE_SUFFIXES:
        found = repr(path.suffix) if path.suffix else "a name without a suffix"
        raise ValueError(
            f"{option} {path}: a table is written to .csv, .parquet or .pq, not {found}"
        )
    return path


def write_table(frame: pd.DataFrame, path: str | Path, option: str = "--out") -> Path:
    """Write ``frame`` (without its index) as CSV or Parquet by the suffix of ``path``, creating
    its folder; the suffix is checked first (:func:`check_table_out`)."""
    path = check_table_out(path, option)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in _PARQUET:
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path
