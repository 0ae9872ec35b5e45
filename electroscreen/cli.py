"""The ``electroscreen`` command line. Presentation only: the work happens in the subpackages."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Screening workbench for solid-state battery electrolytes.", no_args_is_help=True
)
data_app = typer.Typer(help="Inspect candidate files and datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console()


@data_app.command("info")
def data_info(
    paths: list[str] = typer.Argument(..., help="Files, directories or glob patterns."),
    max_sites: int = typer.Option(5000, help="Structures with more sites are rejected."),
    max_errors: int = typer.Option(20, help="Rows of the error table to print."),
) -> None:
    """Counts by status, ordered vs disordered structures, elements, and a table of errors."""
    from electroscreen.data import read_candidates, summarize

    summary = summarize(read_candidates(paths, max_sites=max_sites))
    console.print(f"[bold]{summary.n_rows}[/] candidates")
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


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("demo_out"), help="Output folder."),
    data_dir: Path | None = typer.Option(
        None, help="Reference data folder (default: $ELECTROSCREEN_DATA)."
    ),
) -> None:
    """Run the demo job on the default data (OBELiX) and say what it did."""
    from electroscreen.screening.demo import run_demo

    run_demo(out=out, data_dir=data_dir, console=console)


def main() -> None:  # pragma: no cover - console entry point
    app()
