"""The commands that read candidate files: ``data info`` and ``featurize``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from electroscreen.cli.common import console
from electroscreen.data.limits import DEFAULT_MAX_SITES

data_app = typer.Typer(help="Inspect candidate files and datasets.", no_args_is_help=True)


def data_info(
    paths: list[str] = typer.Argument(..., help="Files, directories or glob patterns."),
    max_sites: int = typer.Option(
        DEFAULT_MAX_SITES, help="Structures with more sites are rejected."
    ),
    max_errors: int = typer.Option(20, help="Rows of the error table to print."),
    table: Path | None = typer.Option(
        None,
        help="Also write the candidate table as CSV: one row per candidate, no structures, "
        "formula reduced as screen writes it and cell_formula as read.",
    ),
) -> None:
    """Counts by status, ordered vs disordered structures, elements, and a table of errors."""
    from electroscreen.data import read_candidates, summarize
    from electroscreen.data.input_paths import missing_inputs, skipped_files, skipped_message
    from electroscreen.screening.inputs import candidate_rows

    candidates = read_candidates(paths, max_sites=max_sites)
    if table is not None:
        candidate_rows(candidates).to_csv(table, index=False)
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
    out: Path = typer.Option(..., help="Output table (.parquet, or .csv)."),
    max_sites: int = typer.Option(
        DEFAULT_MAX_SITES, help="Structures with more sites are rejected."
    ),
) -> None:
    """Featurize candidates: every input row, its status and each featurizer's status."""
    from electroscreen.data import read_candidates
    from electroscreen.featurizers.registry import featurize_table

    names = [n.strip() for n in featurizers.split(",") if n.strip()]
    frame = featurize_table(read_candidates(inputs, max_sites=max_sites), names)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    console.print(f"[bold]{len(frame)}[/] rows x {frame.shape[1]} columns written to {out}")
    counts = Table("featurizer", "status", "count", title="Statuses")
    for column in ["featurize_status"] + [f"status_{n}" for n in names]:
        for status, count in frame[column].value_counts().items():
            counts.add_row(column.removeprefix("status_"), str(status), str(count))
    console.print(counts)
