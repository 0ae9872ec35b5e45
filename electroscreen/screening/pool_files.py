"""Seed and pool files of ``electroscreen generate``: read the seeds, write the generated pool.

:func:`read_seeds` packs seed structures from anything the data layer reads (plus packed caches and
OBELiX's CIFs) and keeps the rows that are not seeds, with their status, so that none is dropped
silently (:func:`skipped_seeds_lines` says which); :func:`load_seeds` is its packed structures.
:func:`check_pool_paths` refuses an output path ``generate`` cannot write before any work is done;
:func:`write_pool` writes a :class:`~electroscreen.screening.generate.GeneratedPool` as a packed
cache and a candidate table, both inputs of ``electroscreen screen``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.input_paths import (
    PACKED_SUFFIXES,
    TABLE_SUFFIXES,
    expand_inputs,
    missing_inputs,
)
from electroscreen.data.packed import (
    PackedStructures,
    concat_packed,
    is_packed_file,
    load_packed,
    pack_structures,
)
from electroscreen.data.pinned import MissingDataError
from electroscreen.data.readers import read_candidates

if TYPE_CHECKING:
    from electroscreen.screening.generate import GeneratedPool

__all__ = [
    "COMPOSITION_ONLY",
    "Seeds",
    "check_pool_paths",
    "load_seeds",
    "pool_table_path",
    "read_seeds",
    "listed_lines",
    "skipped_seeds_lines",
    "write_pool",
]

#: Status of a seed row that is read but holds no structure (a formula table's row).
COMPOSITION_ONLY = "composition_only"
#: Suffixes ``write_pool`` writes the structures to (``PackedStructures.save``).
_PACKED_OUT = PACKED_SUFFIXES | {".parquet", ".pq"}
#: Columns of :attr:`Seeds.skipped`.
_SKIPPED_COLUMNS = ["candidate_id", "source", "status", "error"]


@dataclass(frozen=True)
class Seeds:
    """Seed structures read from the inputs, and the rows that are not seeds.

    Attributes
    ----------
    packed : PackedStructures
        The seeds: every row read with status ``ok`` and a structure, in input order.
    skipped : DataFrame
        ``candidate_id, source, status, error`` of every other row (a file or frame that fails to
        parse or validate, a missing file, a formula row without a structure: ``composition_only``),
        in input order.
    known_formulas : tuple of str
        Compositions known besides the seeds' own: with ``obelix``, every OBELiX entry's
        (``true_composition``, those without a CIF too) and every Liverpool composition (its
        readable rows, glass notations included; not the ``not_the_material`` rows), for
        ``generate_candidates``' ``known_formulas``.
    notes : tuple of str
        What the reading could not do, in a sentence each: with ``obelix``, a data folder without
        the Liverpool file (its compositions are then not known; ``generate`` prints the note).
    """

    packed: PackedStructures
    skipped: pd.DataFrame
    known_formulas: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def read_seeds(
    inputs: Iterable[str | Path] = (),
    *,
    obelix: bool = False,
    data_dir: str | Path | None = None,
) -> Seeds:
    """Seed structures from files the data layer reads, packed caches, and/or OBELiX's 321 CIFs.

    Rows that fail to parse or validate, and composition-only rows, are not seeds: they are kept in
    :attr:`Seeds.skipped` with their status.

    Raises
    ------
    FileNotFoundError
        An input leads to no file at all (a path that does not exist, a pattern that matches
        nothing, a folder without structure files), before anything is read.
    """
    inputs = list(inputs)
    if missing := missing_inputs(inputs):
        raise FileNotFoundError(f"no seed file found at {'; '.join(missing)}")
    batches: list[PackedStructures] = []
    skipped: list[pd.DataFrame] = []
    pending: list[Path] = []

    def add(table: pd.DataFrame) -> None:
        ok = (table["status"] == OK) & table["structure"].notna()
        batches.append(
            pack_structures(list(table.loc[ok, "structure"]), list(table.loc[ok, "candidate_id"]))
        )
        rest = table.loc[~ok, _SKIPPED_COLUMNS].copy()
        no_structure = rest["status"] == OK
        rest.loc[no_structure, "status"] = COMPOSITION_ONLY
        rest.loc[no_structure, "error"] = [  # a table's row named as messages name it
            re.sub(r":(\d+)$", r" row \1", str(source))
            + ": a formula without a structure is not a seed"
            for source in rest.loc[no_structure, "source"]
        ]
        skipped.append(rest)

    def flush() -> None:
        if pending:
            add(read_candidates(pending))
            pending.clear()

    for path in expand_inputs(inputs):
        try:
            cache = load_packed(path) if path.is_file() and is_packed_file(path) else None
        except Exception:  # noqa: BLE001 - read_candidates gives an unreadable cache its status row
            cache = None
        if cache is None:
            pending.append(path)
        else:
            flush()
            batches.append(cache)
    flush()
    known: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    if obelix:
        from electroscreen.data.obelix import load_obelix, obelix_candidates

        add(obelix_candidates(data_dir, structures_only=True))
        known = tuple(str(f) for f in load_obelix(data_dir)["true_composition"])
        liverpool, notes = _liverpool_formulas(data_dir)
        known += liverpool
    rows = [s for s in skipped if len(s)]
    return Seeds(
        concat_packed(batches),
        pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_SKIPPED_COLUMNS),
        known,
        notes,
    )


def _liverpool_formulas(data_dir: str | Path | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Liverpool compositions (readable rows, each once), found as OBELiX is (``data_dir``,
    else ``$ELECTROSCREEN_DATA``, else the verified download), and a note when the file is not
    there (a data folder that holds OBELiX only, no network): generate goes on without them. A
    file that fails its checksum raises, as OBELiX's does."""
    from electroscreen.data.liverpool import load_liverpool
    from electroscreen.data.liverpool_errata import USABLE

    try:
        table = load_liverpool(data_dir)
    except (MissingDataError, OSError) as exc:
        return (), (f"Liverpool compositions not known to the known-compound rule: {exc}",)
    usable = table["status"].isin(USABLE)  # a formula that is not the material is not known
    return tuple(dict.fromkeys(table.loc[usable, "formula"].astype(str))), ()


def load_seeds(
    inputs: Iterable[str | Path] = (),
    *,
    obelix: bool = False,
    data_dir: str | Path | None = None,
) -> PackedStructures:
    """The seed structures of :func:`read_seeds` (the rows that are not seeds left out)."""
    return read_seeds(inputs, obelix=obelix, data_dir=data_dir).packed


def listed_lines(
    rows: pd.DataFrame, header: str, item: Callable[[tuple], str], shown: int, more: str = ""
) -> list[str]:
    """``header (status counts):``, then ``item(row)`` for the first ``shown`` rows (indented),
    then ``+k more`` (and ``more``); none for no rows. How ``generate`` names what it left out."""
    n = len(rows)
    if n == 0:
        return []
    by_status = ", ".join(f"{s} {c}" for s, c in rows["status"].value_counts().items())
    lines = [f"{header} ({by_status}):"]
    lines += [f"  {item(row)}" for row in rows.head(shown).itertuples(index=False)]
    if n > shown:
        lines.append(f"  +{n - shown} more{more}")
    return lines


def skipped_seeds_lines(skipped: pd.DataFrame, shown: int = 10) -> list[str]:
    """Lines naming the rows that are not seeds (:attr:`Seeds.skipped`): a count by status, then
    the first ``shown`` as ``source (status: reason)``, then ``+k more``; none when none is."""

    def item(row) -> str:
        # the error names the row first (a file, ``path#1``, ``path row 3 (line 5)``)
        place, found, reason = str(row.error).partition(": ")
        if not found or not place.startswith(re.sub(r":\d+$", "", str(row.source))):
            place, reason = str(row.source), str(row.error)
        return f"{place} ({row.status}: {reason})"

    n = len(skipped)
    header = f"skipped {n} seed{'s' * (n != 1)}"
    more = " (electroscreen data info on the seeds lists every row)"
    return listed_lines(skipped, header, item, shown, more)


def check_pool_paths(
    out: str | Path, table_path: str | Path | None = None, *, formulas: bool = False
) -> None:
    """``ValueError`` naming the option unless ``generate`` can write its outputs there.

    ``out`` must end in ``.npz``, ``.parquet`` or ``.pq`` (packed structures), or, for a formula
    pool (``formulas``, ``--pool-size``), in ``.csv``, ``.parquet`` or ``.pq``; ``table_path``
    (``--table``) in ``.csv``, ``.parquet`` or ``.pq``; neither may be a folder.
    """
    allowed = TABLE_SUFFIXES if formulas else _PACKED_OUT
    what = (
        "a formula pool (--pool-size) is a table, written to"
        if formulas
        else "the packed structures are written to"
    )
    checks = [("--out", Path(out), allowed, what)]
    if table_path is not None:
        checks.append(
            ("--table", Path(table_path), TABLE_SUFFIXES, "the candidate table is written to")
        )
    for option, path, suffixes, kind in checks:
        if path.is_dir():
            raise ValueError(f"{option} {path} is a folder: give a file name")
        if path.suffix.lower() not in suffixes:
            *first, last = sorted(suffixes)
            found = repr(path.suffix) if path.suffix else "a name without a suffix"
            raise ValueError(f"{option} {path}: {kind} {', '.join(first)} or {last}, not {found}")


def pool_table_path(out: str | Path) -> Path:
    """Where :func:`write_pool` writes the candidate table of the pool ``out`` unless told:
    ``<out stem>_candidates.csv`` beside it (``pool.npz`` -> ``pool_candidates.csv``)."""
    out = Path(out)
    return out.with_name(f"{out.stem}_candidates.csv")


def write_pool(
    pool: GeneratedPool, out: str | Path, table_path: str | Path | None = None
) -> tuple[Path, Path]:
    """Write the packed structures (``.npz``/``.parquet``) and the candidate table (``.csv``/...).

    The table defaults to :func:`pool_table_path` (``<out stem>_candidates.csv`` beside ``out``,
    where ``export`` finds each candidate's provenance). Both are inputs of
    ``electroscreen screen``: the cache with structures, the table with formulas and provenance.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table_path = Path(table_path) if table_path else pool_table_path(out)
    pool.packed.save(out)
    if table_path.suffix.lower() in {".parquet", ".pq"}:
        pool.table.to_parquet(table_path, index=False)
    else:
        pool.table.to_csv(table_path, index=False)
    return out, table_path
