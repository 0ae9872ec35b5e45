"""Parquet reads finish in the calling thread: the file is closed when they return (a close left
pending on Arrow's I/O threads can abort the process at exit, after its work is done)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from electroscreen.data.tables import read_parquet, table_chunks


def _open(path: Path) -> bool:
    """Whether this process holds a file descriptor on ``path`` (Linux /proc)."""
    fds = Path("/proc/self/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:  # closed since listed
            continue
    return str(path.resolve()) in targets


def test_parquet_files_are_closed_when_read(tmp_path):
    path = tmp_path / "t.parquet"
    frame = pd.DataFrame({"formula": ["Li3PS4", "Li6PS5Cl", "LiCl"], "x": [1.0, 2.0, 3.0]})
    frame.to_parquet(path, index=False)
    table = read_parquet(path, columns=["x"])
    assert table.column_names == ["x"] and table["x"].to_pylist() == [1.0, 2.0, 3.0]
    assert not _open(path)
    assert read_parquet(path).to_pandas().equals(frame)
    chunks = table_chunks(path, chunk_rows=1)
    assert next(chunks)["formula"].tolist() == ["Li3PS4"]
    assert _open(path)  # still reading
    chunks.close()  # a caller that stops early
    assert not _open(path)
