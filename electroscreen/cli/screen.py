"""The screening pipeline's commands: ``generate``, ``screen``, ``export``, ``card`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from electroscreen.analysis.ordering_limits import (
    MAX_ORDERED_SITES,
    OCCUPANCY_TOLERANCE,
    SEARCH_SECONDS,
)
from electroscreen.cli.common import TRACKING_URI_HELP, console, interruptible, notices_as_lines
from electroscreen.interrupts import RESUME_HINT
from electroscreen.report import log_console


def generate(
    seeds: list[str] = typer.Argument(
        None, help="Seed structure files, folders, globs or packed caches (.npz / packed .parquet)."
    ),
    out: Path = typer.Option(..., help="Packed cache to write (.npz, .parquet or .pq)."),
    table: Path | None = typer.Option(
        None, help="Candidate table (.csv/.parquet; default <out stem>_candidates.csv)."
    ),
    obelix: bool = typer.Option(
        False, "--obelix", help="Also seed from the 321 OBELiX structures."
    ),
    data_dir: Path | None = typer.Option(
        None, help="Reference data folder for --obelix (default: $ELECTROSCREEN_DATA)."
    ),
    max_candidates: int | None = typer.Option(
        None, help="Keep at most N (probability-weighted sample)."
    ),
    threshold: float = typer.Option(
        1e-4, help="Smallest substitution probability kept, in (0, 1]."
    ),
    carrier: str = typer.Option(
        "Li", help="Mobile ion kept in every candidate (an element symbol)."
    ),
    seed: int = typer.Option(0, help="Random seed (sampling for --max-candidates, --pool-size)."),
    exclude: list[str] = typer.Option([], help="Element never introduced (repeatable)."),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="Screening config whose forbidden elements are never introduced "
        "(default configs/screening.yaml).",
    ),
    keep_forbidden: bool = typer.Option(
        False, "--keep-forbidden", help="Also introduce the screening config's forbidden elements."
    ),
    keep_known: bool = typer.Option(
        False,
        help="Keep candidates equal to a seed composition (or an OBELiX or Liverpool one, --obelix).",
    ),
    keep_mismatched: bool = typer.Option(
        False,
        "--keep-mismatched",
        help="Keep candidates whose substituted cation misfits its seed site in size "
        "(radius_mismatch) or charge (charge_change).",
    ),
    rescale: bool = typer.Option(True, help="Scale lattices by the ionic-volume ratio."),
    pool_size: int | None = typer.Option(
        None, help="Instead: stream N synthetic formulas from the seeds' compositions to OUT."
    ),
) -> None:
    """Hypothetical candidates by data-mined ion substitution from seed structures."""
    from rich.markup import escape

    from electroscreen.screening.generate_run import (
        GenerationError,
        GenerationOptions,
        run_generation,
    )

    options = GenerationOptions(
        out=out, seeds=list(seeds or []), table=table, obelix=obelix, data_dir=data_dir,
        max_candidates=max_candidates, threshold=threshold, carrier=carrier, seed=seed,
        exclude=list(exclude), config=config, keep_forbidden=keep_forbidden,
        keep_known=keep_known, keep_mismatched=keep_mismatched, rescale=rescale,
        pool_size=pool_size,
    )  # fmt: skip
    try:
        result = run_generation(
            options, say=lambda line: console.print(escape(line), highlight=False)
        )
    except GenerationError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    if result.formulas:
        console.print(f"{result.count} synthetic formulas -> {result.paths[0]}")
    else:
        packed_path, table_path = result.paths
        console.print(
            f"{result.count} candidates -> {packed_path} (structures), {table_path} (table)"
        )


def screen(
    inputs: list[str] = typer.Argument(
        ..., help="Structure files, folders, globs, formula CSV/Parquet tables, packed caches."
    ),
    out: Path = typer.Option(
        ..., help="Output folder (results.parquet, results.csv, checkpoints)."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="Screening config (default configs/screening.yaml)."
    ),
    conductivity_model: str | None = typer.Option(
        None, help="Model URI (default: newest electroscreen-conductivity in the store)."
    ),
    stability_model: str | None = typer.Option(
        None, help="Model URI (default: newest electroscreen-air-stability in the store)."
    ),
    batch_size: int | None = typer.Option(None, help="Candidates per batch (overrides config)."),
    workers: int | None = typer.Option(None, help="Run on a local Dask cluster of N processes."),
    scheduler: str | None = typer.Option(None, help="Run on the Dask cluster at this address."),
    cluster: str | None = typer.Option(
        None,
        help="Submit Dask workers as batch jobs: slurm, pbs, sge, lsf (dask-jobqueue), or local.",
    ),
    jobs: int = typer.Option(1, help="Batch jobs for --cluster (worker processes for local)."),
    cluster_config: Path | None = typer.Option(
        None, help="YAML of the cluster's arguments (queue, account, cores, memory, walltime...)."
    ),
    device: str = typer.Option("auto", help="Torch device: auto, cpu or cuda."),
    tracking_uri: str | None = typer.Option(None, help=TRACKING_URI_HELP),
    fresh: bool = typer.Option(False, "--fresh", help="Discard checkpoints in --out; start over."),
    track: bool = typer.Option(True, "--track/--no-track", help="Record an MLflow run."),
) -> None:
    """Filter, predict and rank candidates; resumes from the checkpoints in --out."""
    from electroscreen.experiments.tracking import resolve_tracking_uri
    from electroscreen.report import ranked_table, status_line, ui_hint
    from electroscreen.screening.checkpoint import CheckpointLockedError, ManifestMismatchError
    from electroscreen.screening.job_submission import SubmissionError
    from electroscreen.screening.runner import ScreeningError
    from electroscreen.screening.runner import screen as run_screen
    from electroscreen.screening.screen_config import load_screening_config

    log = log_console(stderr=True)
    try:
        with notices_as_lines(log), interruptible(log, RESUME_HINT):
            settings = load_screening_config(config, batch_size=batch_size)
            result = run_screen(
                inputs, out, config=settings, conductivity_model=conductivity_model,
                stability_model=stability_model, workers=workers, scheduler=scheduler,
                cluster=cluster, jobs=jobs, cluster_config=cluster_config, device=device,
                tracking_uri=tracking_uri, track=track, fresh=fresh, log=log.print,
            )  # fmt: skip
    except (
        ScreeningError,
        ManifestMismatchError,
        CheckpointLockedError,
        SubmissionError,
        ValueError,
        OSError,
    ) as exc:
        log.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    except Exception as exc:
        if not type(exc).__module__.startswith("distributed"):
            raise
        # a batch lost with its workers more often than Dask retries it (KilledWorker), ...
        log.print(f"[red]error:[/] {type(exc).__name__}: {exc}; {RESUME_HINT}", markup=True)
        raise typer.Exit(2) from None
    console.print(
        ranked_table(
            result.results,
            settings.top,
            width=console.width,
            coverage=result.interval_coverage,
            temperature_c=settings.temperature_c,
            ranking=settings.ranking,
        )  # fmt: skip
    )
    console.print(status_line(result.counts), highlight=False)
    console.print(f"results: {out / 'results.parquet'}, {out / 'results.csv'}", highlight=False)
    typer.echo(ui_hint(result.run_id, resolve_tracking_uri(tracking_uri), result.tracking_error))


def export(
    results: Path = typer.Argument(..., help="Screening output folder (or its results table)."),
    out: Path = typer.Option(..., help="Folder to write the shortlist to."),
    top: int = typer.Option(20, help="Number of best-ranked candidates exported."),
    order: bool = typer.Option(
        False, "--order", help="Also write an ordered approximant of disordered structures."
    ),
    max_ordered_sites: int = typer.Option(
        MAX_ORDERED_SITES,
        help="Largest supercell tried by --order (of the primitive cell where the given one is larger).",
    ),
    occupancy_tolerance: float = typer.Option(
        OCCUPANCY_TOLERANCE,
        help="Largest change of a site occupancy (in (0, 0.5]) --order may make by rounding when "
        "no supercell of --max-ordered-sites sites makes every occupancy whole (reported).",
    ),
    search_seconds: float = typer.Option(
        SEARCH_SECONDS,
        help="Seconds of each --order Ewald search; then the best ordering found is taken.",
    ),
    dft: str | None = typer.Option(
        None, help="pymatgen VASP input set for relaxation inputs, e.g. MPRelaxSet (no POTCARs)."
    ),
    diverse: bool = typer.Option(
        False,
        "--diverse",
        help="One candidate per chemistry: the --top best by diverse_rank, not by rank "
        "(ranking.diversity_distance).",
    ),
) -> None:
    """Write the shortlist's structures (CIF, POSCAR), optional DFT inputs and shortlist.csv."""
    from electroscreen.analysis.export import export_shortlist

    try:
        result = export_shortlist(
            results, out, top=top, order=order, max_ordered_sites=max_ordered_sites,
            occupancy_tolerance=occupancy_tolerance, search_seconds=search_seconds, dft=dft,
            diverse=diverse,
        )  # fmt: skip
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    table = Table("rank", "candidate_id", "formula", "structure", "ordered approximant", "DFT")
    for row in result.shortlist.itertuples(index=False):
        structure = row.structure_status
        if row.bond_note:
            structure += f"; {row.bond_note}"
        if row.duplicate_of:
            structure = f"duplicate of {row.duplicate_of}"
        elif row.duplicates:
            structure += f" (also {row.duplicates.replace(';', ', ')})"
        table.add_row(
            str(row.rank), str(row.candidate_id), str(row.formula), structure,
            row.ordered_status or "", row.dft_status or "",
        )  # fmt: skip
    console.print(table)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items())
    console.print(f"{len(result.shortlist)} candidates ({counts}) -> {result.csv}", highlight=False)
    console.print(
        f"run, models (URI, SHA-256), temperature, interval level: {result.provenance}",
        highlight=False,
    )
    if (result.shortlist["seed_id"] != "").any():
        console.print(
            "generated candidates (seed_id in shortlist.csv) are their seed's geometry with the "
            "lattice scaled by the ionic volumes, not relaxed: relax them before computing "
            "properties",
            highlight=False,
        )


def card(
    results: Path = typer.Argument(..., help="Screening output folder (or its results table)."),
    candidate_id: str = typer.Argument(..., help="The candidate's candidate_id in the results."),
    html: Path | None = typer.Option(None, help="Also write the card as an HTML page here."),
    neighbours: int = typer.Option(5, help="Number of nearest OBELiX materials shown."),
    bvse: bool = typer.Option(
        True, "--bvse/--no-bvse", help="Compute BVSE barriers (0.1-1 s per structure)."
    ),
    data_dir: Path | None = typer.Option(
        None, help="Reference data folder for the OBELiX neighbours (default: $ELECTROSCREEN_DATA)."
    ),
) -> None:
    """Print everything known about one screened candidate: predictions, notes, structure,
    descriptors, air reactions, window and electrodes, nearest OBELiX materials."""
    from electroscreen.analysis.candidate_card import candidate_card
    from electroscreen.analysis.folder_results import load_folder_results

    try:
        table = load_folder_results(results)
        found = candidate_card(table, candidate_id, k=neighbours, bvse=bvse, data_dir=data_dir)
    except (FileNotFoundError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        console.print(f"[red]error:[/] {message}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    console.print(str(found), highlight=False, markup=False, soft_wrap=True)
    if html is not None:
        html.write_text(f"<!doctype html><meta charset=utf-8>{found._repr_html_()}\n")
        console.print(f"-> {html}", highlight=False)


def demo(
    out: Path = typer.Option(Path("demo_out"), help="Output folder."),
    data_dir: Path | None = typer.Option(
        None, help="Reference data folder (default: $ELECTROSCREEN_DATA)."
    ),
    pool_size: int = typer.Option(3000, help="Candidates generated from the OBELiX structures."),
    tracking_uri: str | None = typer.Option(None, help=TRACKING_URI_HELP),
) -> None:
    """Train (or reuse) the default models, generate a pool from OBELiX, screen it, show the top."""
    from electroscreen.demo import run_demo

    run_demo(
        out=out, data_dir=data_dir, pool_size=pool_size, tracking_uri=tracking_uri,
        console=log_console(),
    )  # fmt: skip
