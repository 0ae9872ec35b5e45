"""The model commands: ``train``, and ``ui`` and ``serve`` on the MLflow store."""

from __future__ import annotations

from pathlib import Path

import typer

from electroscreen.cli.common import TRACKING_URI_HELP, console, interruptible
from electroscreen.experiments.server_defaults import DEFAULT_HOST, SERVE_PORT, UI_PORT
from electroscreen.report import log_console


def train(
    config: Path = typer.Option(
        ..., "--config", help="Training config, e.g. configs/conductivity.yaml."
    ),
    tracking_uri: str | None = typer.Option(None, help=TRACKING_URI_HELP),
) -> None:
    """Evaluate, fit, log and register a model in one MLflow run; prints the model URI last."""
    from electroscreen.experiments.config_files import ConfigError
    from electroscreen.experiments.train import check_torch_device, headline_metrics, run_training
    from electroscreen.experiments.train_config import load_train_config

    log = log_console(stderr=True)
    try:
        train_config = load_train_config(config)
        check_torch_device(train_config)
    except (ConfigError, ValueError) as exc:
        log.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    from electroscreen.data.air_stability import LabelFileError
    from electroscreen.data.pinned import ChecksumError, MissingDataError

    try:
        with interruptible(log, "no model registered"):  # a walltime's SIGTERM ends the run
            result = run_training(
                train_config, tracking_uri=tracking_uri, progress=log.print, config_path=config
            )
    except (MissingDataError, ChecksumError, LabelFileError) as exc:  # before any MLflow run
        log.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    headline = headline_metrics(result.metrics)
    width = max([18, *map(len, headline)])  # test_mae_obelix_protocol overflowed 18
    for name, value in headline.items():
        log.print(f"{name:>{width}} {value:.3f}")
    typer.echo(result.model_uri)


def ui(
    tracking_uri: str | None = typer.Option(
        None, help="Store to serve (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlflow.db)."
    ),
    port: int = typer.Option(UI_PORT, help="Port to listen on."),
    host: str = typer.Option(DEFAULT_HOST, help="Interface to bind (loopback by default)."),
    allow_remote: bool = typer.Option(
        False, "--allow-remote", help="Allow a non-loopback --host (no authentication: see README)."
    ),
    workers: int | None = typer.Option(None, help="Server worker processes (MLflow's default)."),
) -> None:
    """Start the MLflow UI (mlflow server) on the tracking store; stop it with Ctrl-C."""
    from electroscreen.experiments.ui import is_loopback, serve_ui, ui_command
    from electroscreen.experiments.ui_pages import ui_url

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
    console.print(f"MLflow UI on {ui_url(host, port)} (store {argv[5]}); Ctrl-C stops it")
    raise typer.Exit(
        serve_ui(tracking_uri, host=host, port=port, allow_remote=allow_remote, workers=workers)
    )


def serve(
    model_uri: str = typer.Argument(..., help="e.g. models:/electroscreen-conductivity/1."),
    tracking_uri: str | None = typer.Option(
        None,
        help="Store the model URI resolves in (default: $MLFLOW_TRACKING_URI, else ./mlflow.db).",
    ),
    port: int = typer.Option(SERVE_PORT, help="Port to listen on."),
    host: str = typer.Option(DEFAULT_HOST, help="Interface to bind (loopback by default)."),
    allow_remote: bool = typer.Option(
        False, "--allow-remote", help="Allow a non-loopback --host (no authentication)."
    ),
) -> None:
    """Serve a registered model over REST (POST candidates to /invocations); Ctrl-C stops it."""
    from electroscreen.experiments.model_registry import model_location
    from electroscreen.experiments.serve import serve_command, serve_model
    from electroscreen.experiments.tracking import resolve_tracking_uri, tracking_client
    from electroscreen.experiments.ui import is_loopback

    try:
        serve_command(model_uri, tracking_uri, host=host, port=port, allow_remote=allow_remote)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    store = resolve_tracking_uri(tracking_uri)
    path = store.removeprefix("sqlite:///")
    if store.startswith("sqlite:///") and path != ":memory:" and not Path(path).is_file():
        console.print(  # opening it would leave an empty mlflow.db behind (an ML engineer's audit)
            f"[red]error:[/] no tracking store at {path}: --tracking-uri or MLFLOW_TRACKING_URI "
            "names the store that holds the model",
            markup=True, highlight=False,
        )  # fmt: skip
        raise typer.Exit(2)
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
