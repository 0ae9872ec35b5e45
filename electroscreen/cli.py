"""The ``electroscreen`` command line. Presentation only: the work happens in the subpackages."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.table import Table

from electroscreen.data.limits import DEFAULT_MAX_SITES
from electroscreen.interrupts import RESUME_HINT, Terminated, interruption, sigterm_as_interrupt
from electroscreen.report import log_console
from electroscreen.screening.progress import is_terminal

app = typer.Typer(
    help="Screening workbench for solid-state battery electrolytes.", no_args_is_help=True
)
data_app = typer.Typer(help="Inspect candidate files and datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class _Out:
    """stdout as a rich Console made at print time: terminal width in a terminal, wide in a log."""

    def print(self, *objects, **kwargs) -> None:
        log_console().print(*objects, **kwargs)

    @property
    def width(self) -> int:
        """Columns the next print has (the terminal's, or the log width)."""
        return log_console().width


console = _Out()


@contextlib.contextmanager
def interruptible(log: object, hint: str) -> Iterator[None]:
    """Run a long command with SIGTERM as Ctrl-C; either ends it with exit 143 / 130 and
    ``hint``, also when the signal landed inside a compiled kernel (a SystemError)."""
    try:
        with sigterm_as_interrupt():
            yield
    except (KeyboardInterrupt, Terminated, SystemError) as exc:
        signal = interruption(exc)
        if signal is None:
            raise
        log.print(f"interrupted ({str(signal) or 'Ctrl-C'}): {hint}", highlight=False)
        raise typer.Exit(143 if isinstance(signal, Terminated) else 130) from None


@app.callback()
def _process_settings() -> None:
    """Process-wide settings, decided here once per command so library code never sets them."""
    # MLflow redraws a download bar on stderr while a model loads; a log should get none.
    if not is_terminal(sys.stderr):
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # OpenMP threads (Numba's parallel kernels) that wait passively instead of spinning: on a
    # machine shared with other jobs, spinning threads fight them for the cores (a screening batch
    # 25 % slower beside one busy process on 2 cores; equal on an idle machine, benchmarks/README).
    # Read when OpenMP loads, which no module imported before this point does; a user's value wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Arrow's allocator (mimalloc) asks for transparent huge pages, which the kernel zeroes on
    # every first touch: 4-5 s of system time in a 200,000-formula screen, 1.5 with small pages
    # (benchmarks/README). Read when pyarrow loads, after this point; a user's value wins.
    os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")
    # The objects alive at exit (imported libraries, models, result frames) are freed with the
    # process: no final collection walking them (1.3 s after a large screen).
    atexit.register(gc.freeze)


@data_app.command("info")
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
    from electroscreen.data.readers import skipped_files, skipped_message
    from electroscreen.screening.inputs import candidate_rows

    candidates = read_candidates(paths, max_sites=max_sites)
    if table is not None:
        candidate_rows(candidates).to_csv(table, index=False)
    summary = summarize(candidates)
    console.print(f"[bold]{summary.n_rows}[/] candidates")
    if skipped := skipped_files(paths):
        console.print(skipped_message(skipped), highlight=False)
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


@app.command("train")
def train(
    config: Path = typer.Option(
        ..., "--config", help="Training config, e.g. configs/conductivity.yaml."
    ),
    tracking_uri: str | None = typer.Option(
        None,
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlflow.db).",
    ),
) -> None:
    """Evaluate, fit, log and register a model in one MLflow run; prints the model URI last."""
    from electroscreen.experiments.train import check_torch_device, headline_metrics, run_training
    from electroscreen.experiments.train_config import ConfigError, load_train_config

    log = log_console(stderr=True)
    try:
        train_config = load_train_config(config)
        check_torch_device(train_config)
    except (ConfigError, ValueError) as exc:
        log.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    from electroscreen.data.pinned import ChecksumError, MissingDataError

    try:
        with interruptible(log, "no model registered"):  # a walltime's SIGTERM ends the run
            result = run_training(
                train_config, tracking_uri=tracking_uri, progress=log.print, config_path=config
            )
    except (MissingDataError, ChecksumError) as exc:  # before any MLflow run is started
        log.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    for name, value in headline_metrics(result.metrics).items():
        log.print(f"{name:>18} {value:.3f}")
    typer.echo(result.model_uri)


@app.command("generate")
def generate(
    seeds: list[str] = typer.Argument(
        None, help="Seed structure files, folders, globs or packed caches (.npz / packed .parquet)."
    ),
    out: Path = typer.Option(..., help="Packed cache to write (.npz or .parquet)."),
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
    threshold: float = typer.Option(1e-4, help="Smallest substitution probability kept."),
    carrier: str = typer.Option("Li", help="Mobile ion kept in every candidate."),
    seed: int = typer.Option(0, help="Random seed (sampling for --max-candidates, --pool-size)."),
    exclude: list[str] = typer.Option([], help="Element never introduced (repeatable)."),
    keep_known: bool = typer.Option(False, help="Keep candidates equal to a seed composition."),
    rescale: bool = typer.Option(True, help="Scale lattices by the ionic-volume ratio."),
    pool_size: int | None = typer.Option(
        None, help="Instead: stream N synthetic formulas from the seeds' compositions to OUT."
    ),
) -> None:
    """Hypothetical candidates by data-mined ion substitution from seed structures."""
    from electroscreen.data.pinned import ChecksumError, MissingDataError
    from electroscreen.screening.generate import (
        generate_candidates,
        load_seeds,
        seed_formulas,
        write_pool,
    )
    from electroscreen.screening.synthetic import write_formula_pool

    try:
        packed = load_seeds(seeds or [], obelix=obelix, data_dir=data_dir)
    except (MissingDataError, ChecksumError) as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"{len(packed)} seed structures")
    if len(packed) == 0:
        console.print("[red]error:[/] no readable seed structure (give files or --obelix)")
        raise typer.Exit(2)
    if pool_size is not None:
        try:
            path = write_formula_pool(
                out, pool_size, seed_formulas(packed), carrier=carrier, seed=seed
            )
        except ValueError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        console.print(f"{pool_size} synthetic formulas -> {path}")
        return
    pool = generate_candidates(
        packed, carrier=carrier, threshold=threshold, max_candidates=max_candidates, seed=seed,
        rescale_lattice=rescale, forbidden_elements=exclude, keep_known=keep_known,
    )  # fmt: skip
    packed_path, table_path = write_pool(pool, out, table)
    console.print(", ".join(f"{k} {v}" for k, v in pool.counts.items()))
    console.print(f"{len(pool)} candidates -> {packed_path} (structures), {table_path} (table)")


@app.command("screen")
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
    tracking_uri: str | None = typer.Option(
        None,
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlflow.db).",
    ),
    fresh: bool = typer.Option(False, "--fresh", help="Discard checkpoints in --out; start over."),
    track: bool = typer.Option(True, "--track/--no-track", help="Record an MLflow run."),
) -> None:
    """Filter, predict and rank candidates; resumes from the checkpoints in --out."""
    from electroscreen.experiments.tracking import resolve_tracking_uri
    from electroscreen.report import ranked_table, status_line, ui_hint
    from electroscreen.screening.checkpoint import CheckpointLockedError, ManifestMismatchError
    from electroscreen.screening.runner import ScreeningError
    from electroscreen.screening.runner import screen as run_screen
    from electroscreen.screening.screen_config import load_screening_config

    log = log_console(stderr=True)
    try:
        settings = load_screening_config(config, batch_size=batch_size)
        with interruptible(log, RESUME_HINT):
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
            result.results, settings.top, width=console.width, coverage=result.interval_coverage
        )
    )
    console.print(status_line(result.counts), highlight=False)
    console.print(f"results: {out / 'results.parquet'}, {out / 'results.csv'}", highlight=False)
    typer.echo(ui_hint(result.run_id, resolve_tracking_uri(tracking_uri), result.tracking_error))


@app.command("export")
def export(
    results: Path = typer.Argument(..., help="Screening output folder (or its results table)."),
    out: Path = typer.Option(..., help="Folder to write the shortlist to."),
    top: int = typer.Option(20, help="Number of best-ranked candidates exported."),
    order: bool = typer.Option(
        False, "--order", help="Also write an ordered approximant of disordered structures."
    ),
    max_ordered_sites: int = typer.Option(200, help="Largest supercell tried by --order."),
    occupancy_tolerance: float = typer.Option(
        0.05,
        help="Largest change of a site occupancy (in (0, 0.5]) --order may make by rounding when "
        "no supercell of --max-ordered-sites sites makes every occupancy whole (reported).",
    ),
    search_seconds: float = typer.Option(
        10.0, help="Seconds of each --order Ewald search; then the best ordering found is taken."
    ),
    dft: str | None = typer.Option(
        None, help="pymatgen VASP input set for relaxation inputs, e.g. MPRelaxSet (no POTCARs)."
    ),
) -> None:
    """Write the shortlist's structures (CIF, POSCAR), optional DFT inputs and shortlist.csv."""
    from electroscreen.analysis.export import export_shortlist

    try:
        result = export_shortlist(
            results, out, top=top, order=order, max_ordered_sites=max_ordered_sites,
            occupancy_tolerance=occupancy_tolerance, search_seconds=search_seconds, dft=dft,
        )  # fmt: skip
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    table = Table("rank", "candidate_id", "formula", "structure", "ordered approximant", "DFT")
    for row in result.shortlist.itertuples(index=False):
        table.add_row(
            str(row.rank), str(row.candidate_id), str(row.formula), row.structure_status,
            row.ordered_status or "", row.dft_status or "",
        )  # fmt: skip
    console.print(table)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items())
    console.print(f"{len(result.shortlist)} candidates ({counts}) -> {result.csv}", highlight=False)


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("demo_out"), help="Output folder."),
    data_dir: Path | None = typer.Option(
        None, help="Reference data folder (default: $ELECTROSCREEN_DATA)."
    ),
    pool_size: int = typer.Option(3000, help="Candidates generated from the OBELiX structures."),
    tracking_uri: str | None = typer.Option(
        None,
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlflow.db).",
    ),
) -> None:
    """Train (or reuse) the default models, generate a pool from OBELiX, screen it, show the top."""
    from electroscreen.demo import run_demo

    run_demo(
        out=out, data_dir=data_dir, pool_size=pool_size, tracking_uri=tracking_uri,
        console=log_console(),
    )  # fmt: skip


@app.command("featurize")
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


@app.command("ui")
def ui(
    tracking_uri: str | None = typer.Option(
        None, help="Store to serve (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlflow.db)."
    ),
    port: int = typer.Option(5000, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    allow_remote: bool = typer.Option(
        False, "--allow-remote", help="Allow a non-loopback --host (no authentication: see README)."
    ),
    workers: int | None = typer.Option(None, help="Server worker processes (MLflow's default)."),
) -> None:
    """Start the MLflow UI (mlflow server) on the tracking store; stop it with Ctrl-C."""
    from electroscreen.experiments.ui import is_loopback, serve_ui, ui_command

    try:
        argv = ui_command(
            tracking_uri, host=host, port=port, workers=workers, allow_remote=allow_remote
        )
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    if not is_loopback(host):
        log_console(stderr=True).print(
            f"[bold red]WARNING:[/] the MLflow UI listens on {host}:{port} without authentication;"
            " anyone who reaches it can read the store and register models that `screen` will run."
            " A tracking store is code.",
            markup=True, highlight=False,
        )  # fmt: skip
    console.print(f"MLflow UI on http://{host}:{port} (store {argv[5]}); Ctrl-C stops it")
    raise typer.Exit(
        serve_ui(tracking_uri, host=host, port=port, allow_remote=allow_remote, workers=workers)
    )


@app.command("serve")
def serve(
    model_uri: str = typer.Argument(..., help="e.g. models:/electroscreen-conductivity/1."),
    tracking_uri: str | None = typer.Option(
        None,
        help="Store the model URI resolves in (default: $MLFLOW_TRACKING_URI, else ./mlflow.db).",
    ),
    port: int = typer.Option(5001, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    allow_remote: bool = typer.Option(
        False, "--allow-remote", help="Allow a non-loopback --host (no authentication)."
    ),
) -> None:
    """Serve a registered model over REST (POST candidates to /invocations); Ctrl-C stops it."""
    from electroscreen.experiments.model_registry import model_location
    from electroscreen.experiments.serve import serve_command, serve_model
    from electroscreen.experiments.tracking import tracking_client
    from electroscreen.experiments.ui import is_loopback

    try:
        serve_command(model_uri, tracking_uri, host=host, port=port, allow_remote=allow_remote)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    try:  # a model the store does not hold: said here, not after "on http://..." by MLflow
        model_location(model_uri, tracking_client(tracking_uri))
    except Exception as exc:  # noqa: BLE001 - MLflow raises several kinds
        console.print(
            f"[red]error:[/] no model {model_uri} in the store: {exc}", markup=True, highlight=False
        )
        raise typer.Exit(2) from None
    if not is_loopback(host):
        log_console(stderr=True).print(
            f"[bold red]WARNING:[/] the model server listens on {host}:{port} without "
            "authentication; anyone who reaches it can run the model.",
            markup=True, highlight=False,
        )  # fmt: skip
    console.print(f"{model_uri} on http://{host}:{port}/invocations; Ctrl-C or SIGTERM stops it")
    raise typer.Exit(
        serve_model(model_uri, tracking_uri, host=host, port=port, allow_remote=allow_remote)
    )


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m electroscreen.cli`
    main()
