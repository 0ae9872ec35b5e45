"""Seed and pool files of ``electroscreen generate``: read the seeds, write the generated pool.

:func:`load_seeds` packs seed structures from anything the data layer reads (plus packed caches and
OBELiX's CIFs); :func:`write_pool` writes a
:class:`~electroscreen.screening.generate.GeneratedPool` as a packed cache and a candidate table,
both inputs of ``electroscreen screen``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from electroscreen.data.candidates import OK
from electroscreen.data.input_paths import expand_inputs
from electroscreen.data.packed import (
    PackedStructures,
    concat_packed,
    is_packed_file,
    load_packed,
    pack_structures,
)
from electroscreen.data.readers import read_candidates

if TYPE_CHECKING:
    from electroscreen.screening.generate import GeneratedPool

__all__ = ["load_seeds", "write_pool"]


def load_seeds(
    inputs: Iterable[str | Path] = (),
    *,
    obelix: bool = False,
    data_dir: str | Path | None = None,
) -> PackedStructures:
    """Seed structures from files the data layer reads, packed caches, and/or OBELiX's 321 CIFs.

    Rows that fail to parse or validate (and composition-only rows) are not seeds.
    """
    batches: list[PackedStructures] = []
    pending: list[Path] = []

    def flush() -> None:
        if pending:
            table = read_candidates(pending)
            ok = table[(table["status"] == OK) & table["structure"].notna()]
            batches.append(pack_structures(list(ok["structure"]), list(ok["candidate_id"])))
            pending.clear()

    for path in expand_inputs(list(inputs)):
        if path.is_file() and is_packed_file(path):
            flush()
            batches.append(load_packed(path))
        else:
            pending.append(path)
    flush()
    if obelix:
        from electroscreen.data.obelix import obelix_candidates

        table = obelix_candidates(data_dir, structures_only=True)
        ok = table[(table["status"] == OK) & table["structure"].notna()]
        batches.append(pack_structures(list(ok["structure"]), list(ok["candidate_id"])))
    return concat_packed(batches)


def write_pool(
    pool: GeneratedPool, out: str | Path, table_path: str | Path | None = None
) -> tuple[Path, Path]:
    """Write the packed structures (``.npz``/``.parquet``) and the candidate table (``.csv``/...).

    The table defaults to ``<out stem>_candidates.csv`` beside ``out``. Both are inputs of
    ``electroscreen screen``: the cache with structures, the table with formulas and provenance.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table_path = Path(table_path) if table_path else out.with_name(f"{out.stem}_candidates.csv")
    pool.packed.save(out)
    if table_path.suffix.lower() in {".parquet", ".pq"}:
        pool.table.to_parquet(table_path, index=False)
    else:
        pool.table.to_csv(table_path, index=False)
    return out, table_path
