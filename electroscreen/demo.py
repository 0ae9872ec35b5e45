"""The demo job behind ``make demo``: models, a candidate pool from OBELiX, a screening, the top list.

1. Reuse the registered default models (``electroscreen-conductivity``,
   ``electroscreen-air-stability``) of the tracking store, or train them from
   ``configs/conductivity.yaml`` and ``configs/air_stability.yaml``.
2. Generate hypothetical candidates by ion substitution from the 321 OBELiX structures
   (``pool_size`` of them, a reproducible probability-weighted sample), as ``generate --obelix``
   does: no forbidden element of the screening config introduced, no OBELiX composition kept.
3. Screen the pool (:func:`~electroscreen.screening.runner.screen`, starting afresh each time: the
   pool file is rewritten), print the best candidates and the command that opens the run in the
   MLflow UI.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from electroscreen.configs import (
    CONDUCTIVITY_MODEL,
    DEFAULT_TRAIN_CONFIGS,
    STABILITY_MODEL,
    config_path,
)
from electroscreen.data.packed import PackedStructures
from electroscreen.experiments.model_registry import ModelNotFoundError, latest_model_uri
from electroscreen.experiments.tracking import resolve_tracking_uri
from electroscreen.screening.runner import ScreeningResult

__all__ = ["ensure_models", "run_demo"]


def ensure_models(
    tracking_uri: str, data_dir: Path | None = None, console: Console | None = None
) -> dict[str, str]:
    """URIs of both default models, training (and registering) whichever the store lacks."""
    from electroscreen.experiments.train import run_training
    from electroscreen.experiments.train_config import load_train_config

    console = console or Console()
    uris = {}
    for name, config_name in DEFAULT_TRAIN_CONFIGS.items():
        try:
            uris[name] = latest_model_uri(name, tracking_uri)
            console.print(f"reusing {uris[name]}", highlight=False)
            continue
        except ModelNotFoundError:
            pass
        overrides = {"data_dir": data_dir} if data_dir is not None else {}
        path = config_path(config_name)
        config = load_train_config(path, **overrides)
        console.print(f"training {name} from {path} ...", highlight=False)
        tick = time.perf_counter()
        result = run_training(
            config,
            tracking_uri=tracking_uri,
            config_path=path,
            progress=lambda m: console.print(f"  {m}", highlight=False),
        )
        console.print(f"  {result.model_uri} in {time.perf_counter() - tick:.0f} s")
        uris[name] = result.model_uri
    return uris


def run_demo(
    out: Path = Path("demo_out"),
    data_dir: Path | None = None,
    pool_size: int = 3000,
    tracking_uri: str | None = None,
    console: Console | None = None,
    seed: int = 0,
    seeds: PackedStructures | None = None,
) -> ScreeningResult:
    """Run the whole demo; returns the screening result.

    Parameters
    ----------
    out : path
        Folder for the pool (``pool.npz``, ``pool_candidates.csv``) and the screening (``screen/``).
    data_dir : path, optional
        Reference data folder (default ``$ELECTROSCREEN_DATA``).
    pool_size : int
        Number of generated candidates screened.
    tracking_uri : str, optional
        MLflow store (default ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<cwd>/mlflow.db``).
    console : rich Console, optional
    seed : int
        Seed of the pool's sample.
    seeds : PackedStructures, optional
        Seed structures of the pool (default: the 321 OBELiX structures).
    """
    from electroscreen.report import ranked_table, status_line, ui_hint
    from electroscreen.screening.generate import generate_candidates, write_pool
    from electroscreen.screening.pool_files import read_seeds
    from electroscreen.screening.run_summary import promising_line, review_metrics
    from electroscreen.screening.runner import screen
    from electroscreen.screening.screen_config import load_screening_config

    console = console or Console()
    start = time.perf_counter()
    out = Path(out)
    uri = resolve_tracking_uri(tracking_uri)
    console.print(f"tracking store: {uri}", highlight=False)
    models = ensure_models(uri, data_dir, console)
    config = load_screening_config()
    known: tuple[str, ...] = ()
    if seeds is None:  # as `generate --obelix`: OBELiX's and Liverpool's compositions are known
        read = read_seeds(obelix=True, data_dir=data_dir)
        seeds, known = read.packed, read.known_formulas
        for note in read.notes:
            console.print(note, highlight=False)
    pool = generate_candidates(
        seeds, max_candidates=pool_size, seed=seed,
        forbidden_elements=config.filters.forbidden_elements, known_formulas=known,
    )  # fmt: skip
    pool_path, table_path = write_pool(pool, out / "pool.npz")
    console.print(
        f"generated {len(pool)} candidates from {len(seeds)} seed structures -> {pool_path}",
        highlight=False,
    )
    result = screen(
        [pool_path], out / "screen", config=config,
        conductivity_model=models[CONDUCTIVITY_MODEL], stability_model=models[STABILITY_MODEL],
        tracking_uri=uri, fresh=True, log=lambda m: console.print(m, highlight=False),
    )  # fmt: skip
    console.print(
        ranked_table(
            result.results,
            15,
            width=console.width,
            coverage=result.interval_coverage,
            ranking=config.ranking,
        )  # fmt: skip
    )
    console.print(status_line(result.counts), highlight=False)
    promising = promising_line(review_metrics(result.results))
    if promising:
        console.print(promising, highlight=False)
    console.print(f"results: {result.out / 'results.csv'}", highlight=False)
    console.print(
        "next: triage them in Jupyter (`pip install jupyterlab`, then "
        f"`MLFLOW_TRACKING_URI={uri} jupyter lab notebooks/triage.ipynb`; README, A five-minute tour)",
        highlight=False,
    )
    best = result.results.loc[result.results["rank"].eq(1).fillna(False), "candidate_id"]
    if len(best):  # a card quotes its id: ids of generated rows hold ">" and "+"
        console.print(
            f"or one candidate's card here: `electroscreen card {result.out} '{best.iloc[0]}'`",
            highlight=False,
        )
    console.print(f"demo finished in {time.perf_counter() - start:.0f} s", highlight=False)
    console.print(ui_hint(result.run_id, uri), highlight=False)
    return result
