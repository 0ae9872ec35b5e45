"""The commands that read candidate files: ``data info`` and ``featurize``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from electroscreen.cli.common import console, notices_as_lines
from electroscreen.data.limits import DEFAULT_MAX_SITES
from electroscreen.report import log_console

data_app = typer.Typer(help="Inspect candidate files and datasets.", no_args_is_help=True)


def _fail(exc: Exception) -> typer.Exit:
    """Print ``error: <exc>`` (an option the command cannot use) and give exit 2."""
    console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
    return typer.Exit(2)


def data_info(
    paths: list[str] = typer.Argument(..., help="Files, directories or glob patterns."),
    max_sites: int = typer.Option(
        DEFAULT_MAX_SITES, help="Structures with more sites are rejected."
    ),
    max_errors: int = typer.Option(20, help="Rows of the error table to print."),
    table: Path | None = typer.Option(
        None,
        help="Also write the candidate table (.csv, or .parquet / .pq): one row per candidate, "
        "no structures, formula reduced as screen writes it and cell_formula as read.",
    ),
) -> None:
    """Counts by status, ordered vs disordered structures, elements, and a table of errors."""
    from electroscreen.data import read_candidates, summarize
    from electroscreen.data.input_paths import missing_inputs, skipped_files, skipped_message
    from electroscreen.data.table_out import check_table_out, write_table
    from electroscreen.screening.inputs import candidate_rows

    if table is not None:
        try:  # before any file is read
            check_table_out(table, "--table")
        except ValueError as exc:
            raise _fail(exc) from None
    with notices_as_lines(log_console(stderr=True)):
        candidates = read_candidates(paths, max_sites=max_sites)
        if table is not None:
            write_table(candidate_rows(candidates), table, "--table")
    summary = summarize(candidates)
    console.print(f"[bold]{summary.n_rows}[/] candidates")
    if skipped := skipped_files(paths):
        console.print(skipped_message(skipped), highlight=False)
    folders = [p for p in paths if Path(p).is_dir()]  # a missing file or pattern has its row
    if empty := missing_inputs(folders, "candidate"):
        console.print(f"no candidate file in {'; '.join(empty)}", highlight=False)
    counts = Table("status", "count", title="By status")
    for status, count in summary.status_counts.items():
        counts.add_row(status, str(count))
    console.print(counts)
    console.print(
        f"ok structures: {summary.n_ordered} ordered, {summary.n_disordered} partially occupied; "
        f"{summary.n_composition_only} composition-only"
    )
    top = ", ".join(f"{el} {n}" for el, n in list(summary.element_counts.items())[:30])
    console.print(f"elements ({len(summary.element_counts)}): {top}")
    if len(summary.errors):
        errors = Table("candidate_id", "status", "error", title=f"Errors ({len(summary.errors)})")
        for row in summary.errors.head(max_errors).itertuples(index=False):
            errors.add_row(row.candidate_id, row.status, row.error)
        console.print(errors)


def featurize(
    inputs: list[str] = typer.Argument(..., help="Files, directories or glob patterns."),
    featurizers: str = typer.Option(
        "magpie,electrolyte,structure,bvse", help="Comma-separated featurizer names."
    ),
    out: Path = typer.Option(..., help="Output table (.parquet / .pq, or .csv)."),
    max_sites: int = typer.Option(
        DEFAULT_MAX_SITES, help="Structures with more sites are rejected."
    ),
) -> None:
    """Featurize candidates: every input row, its status and each featurizer's status."""
    from electroscreen.data import read_candidates
    from electroscreen.data.table_out import check_table_out, write_table
    from electroscreen.featurizers.registry import check_featurizer_names
    from electroscreen.screening.feature_rows import feature_rows

    try:  # every option checked before any input is read
        check_table_out(out, "--out")
        names = check_featurizer_names(n.strip() for n in featurizers.split(",") if n.strip())
        if not names:
            raise ValueError("--featurizers names no featurizer")
    except ValueError as exc:
        raise _fail(exc) from None
    with notices_as_lines(log_console(stderr=True)):
        frame = feature_rows(read_candidates(inputs, max_sites=max_sites), names)
    write_table(frame, out, "--out")
    console.print(f"[bold]{len(frame)}[/] rows x {frame.shape[1]} columns written to {out}")
    counts = Table("featurizer", "status", "count", title="Statuses")
    for column in ["featurize_status"] + [f"status_{n}" for n in names]:
        for status, count in frame[column].value_counts().items():
            counts.add_row(column.removeprefix("status_"), str(status), str(count))
    console.print(counts)
