"""The final step of a screening: rank the whole pool and write ``results.parquet`` / ``results.csv``.

Memory stays bounded by the pool's *prediction columns*, not its rows: the ranking reads only
``status`` and the prediction columns of every batch file, and the output files are then written
batch by batch (input order) with the ranking columns attached.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from electroscreen.data.candidates import OK, unique_ids
from electroscreen.data.spreadsheet_text import from_spreadsheet, spreadsheet_safe_arrow
from electroscreen.data.tables import read_parquet
from electroscreen.screening.batch import PREDICTION_COLUMNS
from electroscreen.screening.charge_residual import CHARGE_RESIDUAL_COLUMN
from electroscreen.screening.checkpoint import atomic_temp_path
from electroscreen.screening.diversity import (
    DIVERSE_RANK,
    DIVERSITY_COLUMNS,
    REPRESENTED_BY,
    diversity_columns,
)
from electroscreen.screening.hydrate_filter import HYDRATE_COLUMN
from electroscreen.screening.objective_columns import OBJECTIVE_COLUMNS, WINDOW_STATUS_COLUMN
from electroscreen.screening.plausibility import PLAUSIBILITY_COLUMNS
from electroscreen.screening.ranking import (
    RANK_COLUMNS,
    RANKING_COLUMNS,
    as_rank_columns,
    rank_candidates,
)
from electroscreen.screening.screen_config import RankingConfig

__all__ = ["RESULT_COLUMNS", "rank_pool", "read_results", "write_results"]

#: Leading columns of ``results.parquet`` (extra input columns follow them).
RESULT_COLUMNS = (
    "candidate_id",
    "formula",
    "cell_formula",
    "source",
    "status",
    "error",
    HYDRATE_COLUMN,
    *PREDICTION_COLUMNS,
    *OBJECTIVE_COLUMNS,
    WINDOW_STATUS_COLUMN,
    CHARGE_RESIDUAL_COLUMN,
    *PLAUSIBILITY_COLUMNS,
    *RANKING_COLUMNS,
    *DIVERSITY_COLUMNS,
    "n_sites",
    "batch",
)


def rank_pool(paths: list[Path], config: RankingConfig) -> tuple[pd.DataFrame, Counter]:
    """Ranking columns of every row of the batch files ``paths`` (in order) and status counts.

    Only ``ok`` rows are ranked; every other row gets empty (``<NA>``) ranks and NaN scores. The
    frame also holds each row's ``candidate_id`` made unique over the whole pool, as the readers
    make a table's (the second ``x`` is ``x~2``): batches are built apart, so a repeated id (two
    files, one id) is only seen here; and the diversity columns of the best
    ``config.diversity_rows`` ranked rows (:mod:`~electroscreen.screening.diversity`), which name
    those unique ids.
    """
    values = [*PREDICTION_COLUMNS, *OBJECTIVE_COLUMNS]
    columns = ["candidate_id", "formula", "status", *values]
    parts = []
    for path in paths:  # batch files of runs before the objectives existed lack their columns
        names = set(pq.read_schema(path).names)
        part = read_parquet(path, columns=[c for c in columns if c in names]).to_pandas()
        parts.append(part.reindex(columns=columns))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    counts = Counter(frame["status"].astype(str))
    predictions = frame[values].astype(np.float64)
    predictions.loc[frame["status"].to_numpy() != OK, :] = np.nan
    ranking = rank_candidates(predictions, config)
    ranking.insert(0, "candidate_id", unique_ids(frame["candidate_id"].astype(str).tolist()))
    diverse = diversity_columns(
        ranking["candidate_id"], frame["formula"].tolist(), ranking["rank"],
        config.diversity_distance, config.diversity_rows,
    )  # fmt: skip
    return pd.concat([ranking, diverse], axis=1), counts


def _unified_schema(paths: list[Path], ranking: pd.DataFrame) -> pa.Schema:
    """One schema for every batch file and the ranking. A user's column that pandas typed per
    batch (empty, so ``double``, in early batches; text later) becomes text: it failed the whole
    run after its last batch, and every resume of it."""
    schemas = [pq.read_schema(p).remove_metadata() for p in paths]
    schemas.append(pa.Schema.from_pandas(ranking.head(0), preserve_index=False).remove_metadata())
    try:
        unified = pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        unified = pa.unify_schemas([_text_where_types_differ(schemas, s) for s in schemas])
    names = [c for c in RESULT_COLUMNS if c in unified.names]
    names += [c for c in unified.names if c not in names]
    return pa.schema([unified.field(n) for n in names])


def _text_where_types_differ(schemas: list[pa.Schema], schema: pa.Schema) -> pa.Schema:
    """``schema`` with every field that no permissive promotion unifies across ``schemas`` as
    text (``null`` fields are no conflict)."""
    fields = []
    for field in schema:
        others = [s.field(field.name) for s in schemas if field.name in s.names]
        try:
            pa.unify_schemas([pa.schema([f]) for f in others], promote_options="permissive")
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            field = field.with_type(pa.string())
        fields.append(field)
    return pa.schema(fields)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    arrays = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _nan_as_null(table: pa.Table) -> pa.Table:
    """``table`` with NaN floats as nulls, so ``results.csv`` leaves them empty (Arrow would write
    ``nan``). Ranks need nothing: they arrive as nullable ``int64`` from the ranking and are written
    as integers, unranked ones empty."""
    arrays = [
        pc.if_else(pc.fill_null(pc.is_nan(column), False), None, column)
        if pa.types.is_floating(column.type)
        else column
        for column in table.columns
    ]
    return pa.Table.from_arrays(arrays, schema=table.schema)


def write_results(paths: list[Path], ranking: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """Write ``out/results.parquet`` and ``out/results.csv``: batch rows plus ranking columns.

    Both files are written to temporary names unique to this process and call, the old results are
    removed, and then both are renamed into place: an existing results file is always complete,
    and a crash never leaves one new and one old file (at worst the new parquet without the csv).
    The CSV is Arrow's (RFC 4180, text fields quoted, missing values empty, floats in their
    shortest round-trip form) for people to open: a text cell a spreadsheet would run as a formula
    gets a leading apostrophe (:mod:`~electroscreen.data.spreadsheet_text`), which
    :func:`read_results` takes off again, so it reads back to the Parquet's values.
    """
    schema = _unified_schema(paths, ranking)
    csv_schema = spreadsheet_safe_arrow(schema.empty_table()).schema
    parquet, csv = out / "results.parquet", out / "results.csv"
    tmp_parquet, tmp_csv = atomic_temp_path(parquet), atomic_temp_path(csv)
    start = 0
    with (
        pq.ParquetWriter(tmp_parquet, schema) as writer,
        pa_csv.CSVWriter(tmp_csv, csv_schema) as csv_writer,
    ):
        for path in paths:
            table = read_parquet(path)
            rank = ranking.iloc[start : start + len(table)]
            start += len(table)
            if "candidate_id" in rank:  # unique over the pool (rank_pool)
                ids = pa.array(rank["candidate_id"].tolist(), type=pa.string())
                table = table.set_column(
                    table.schema.get_field_index("candidate_id"), "candidate_id", ids
                )
            for name in (*RANKING_COLUMNS, *DIVERSITY_COLUMNS):
                table = table.append_column(name, pa.Array.from_pandas(rank[name]))
            table = _conform(table, schema)
            writer.write_table(table)
            csv_writer.write_table(spreadsheet_safe_arrow(_nan_as_null(table)))
        if not paths:
            writer.write_table(schema.empty_table())
    if start != len(ranking):
        raise RuntimeError(f"batch files hold {start} rows but {len(ranking)} were ranked")
    csv.unlink(missing_ok=True)
    parquet.unlink(missing_ok=True)
    tmp_parquet.replace(parquet)
    tmp_csv.replace(csv)
    return parquet, csv


def read_results(path: str | Path) -> pd.DataFrame:
    """Read a ``results.parquet`` or ``results.csv`` back, ranks as nullable ``Int64``.

    Parquet and CSV keep an integer column with gaps as float; this restores the rank columns
    (:data:`~electroscreen.screening.ranking.RANK_COLUMNS` and ``diverse_rank``), so sorting by a
    rank puts unranked rows last. A table written before ranks were nullable (0 = unranked) reads the same way. A CSV's
    text comes back as written to the Parquet (without the apostrophe that keeps a spreadsheet from
    running it: :func:`~electroscreen.data.spreadsheet_text.from_spreadsheet`).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        # round_trip: pandas' default float parser can miss the last bit of a shortest-repr float
        frame = pd.read_csv(
            path,
            keep_default_na=False,
            na_values=[""],
            float_precision="round_trip",
            dtype={"candidate_id": str, REPRESENTED_BY: str},  # ids are text, "1" is no 1.0
        )
        frame = from_spreadsheet(frame)
    else:
        frame = read_parquet(path).to_pandas()
    return as_rank_columns(frame, (*RANK_COLUMNS, DIVERSE_RANK))
