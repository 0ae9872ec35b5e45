"""End-to-end screening throughput: candidates per second through ``electroscreen.screening.screen``.

Pools (made once in a work folder, reused on later runs):

- ``composition``: synthetic formulas (``write_formula_pool`` from the OBELiX compositions), Parquet;
- ``structure``: ion-substitution candidates from the 321 OBELiX structures, a packed ``.npz`` cache.

Each pool is screened in-process (``serial``) and on local Dask clusters of 1 and 2 worker processes
(``--workers``), every time from scratch (``fresh=True``), tracking off by default. The models are the
default configs' (``configs/conductivity.yaml``, ``configs/air_stability.yaml``), trained once into
``<work>/mlflow.db`` and reused, unless ``--conductivity-model`` / ``--stability-model`` are given.
A cProfile of one batch of each pool says where the time goes (read, filter, featurize, predict).

Command (figures in benchmarks/README.md)::

    ELECTROSCREEN_DATA=/path/to/data python benchmarks/bench_screening.py \\
        --n-composition 200000 --n-structure 20000 --modes serial,1,2
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import resource
import time
from pathlib import Path

from electroscreen.demo import ensure_models
from electroscreen.experiments.tracking import resolve_tracking_uri
from electroscreen.screening.batch import cached_predictor, process_batch
from electroscreen.screening.generate import (
    generate_candidates,
    load_seeds,
    seed_formulas,
    write_pool,
)
from electroscreen.screening.inputs import iter_batches, plan_inputs
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import load_screening_config
from electroscreen.screening.synthetic import write_formula_pool

#: Functions whose cumulative time the batch profile reports (name as cProfile shows it).
PROFILE_STEPS = {
    "materialize": "read rows (materialize)",
    "filter_batch": "pre-filters",
    "as_packed_compositions": "parse formulas",
    "transform_with_status": "featurizers (all)",
    "objective_values": "computed objectives (window, cost, anode)",
    "predict_design": "model predict",
    "process_batch": "whole batch",
}


def make_pools(work: Path, n_composition: int, n_structure: int, seed: int) -> dict[str, Path]:
    """The two pools, written once (a pool already there with the same size is reused)."""
    pools = {}
    seeds = None
    composition = work / f"composition_{n_composition}.parquet"
    structure = work / f"structure_{n_structure}.npz"
    if n_composition and not composition.is_file():
        seeds = seeds or load_seeds(obelix=True)
        write_formula_pool(composition, n_composition, seed_formulas(seeds), seed=seed)
    if n_structure and not structure.is_file():
        seeds = seeds or load_seeds(obelix=True)
        pool = generate_candidates(seeds, max_candidates=n_structure, seed=seed)
        write_pool(pool, structure)
    if n_composition:
        pools["composition"] = composition
    if n_structure:
        pools["structure"] = structure
    return pools


def profile_batch(pool: Path, batch_size: int, models: dict[str, str], uri: str) -> dict:
    """Cumulative seconds of the main steps of one batch, in-process (models loaded beforehand)."""
    config = load_screening_config(batch_size=batch_size)
    batch = next(iter_batches(plan_inputs([pool]), batch_size))
    conductivity = cached_predictor(models["conductivity"], uri)
    stability = cached_predictor(models["air_stability"], uri)
    process_batch(batch, config.filters, conductivity, stability)  # warm-up (Numba, caches)
    profiler = cProfile.Profile()
    profiler.enable()
    frame = process_batch(batch, config.filters, conductivity, stability)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    seconds = dict.fromkeys(PROFILE_STEPS, 0.0)
    for (_, _, name), (_, _, _, cumulative, _) in stats.items():
        if name in seconds:
            seconds[name] = max(seconds[name], cumulative)  # outermost call (no double count)
    by_class: dict[str, float] = {}
    for (filename, _, name), (_, _, _, cumulative, _) in stats.items():
        if name == "_featurize":
            key = Path(filename).stem
            by_class[key] = by_class.get(key, 0.0) + cumulative
    seconds["rows"] = len(frame)
    seconds["featurizer_modules"] = by_class
    return seconds


def run_mode(
    pool: Path, mode: str, work: Path, batch_size: int, models: dict, uri: str, track: bool
) -> dict:
    workers = None if mode == "serial" else int(mode)
    out = work / f"out_{pool.stem}_{mode}"
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tick = time.perf_counter()
    result = screen(
        [pool], out, config=load_screening_config(batch_size=batch_size),
        conductivity_model=models["conductivity"], stability_model=models["air_stability"],
        workers=workers, tracking_uri=uri, track=track, fresh=True, progress=False, device="cpu",
    )  # fmt: skip
    wall = time.perf_counter() - tick
    # CPU seconds of this process and of the Dask worker processes (reaped when the cluster closes):
    # a figure the other jobs on a shared machine disturb much less than the wall time.
    cpu = sum(
        after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        for after, before in (
            (resource.getrusage(resource.RUSAGE_SELF), self_before),
            (resource.getrusage(resource.RUSAGE_CHILDREN), children_before),
        )
    )
    n = len(result.results)
    return {
        "pool": pool.stem.split("_")[0],
        "mode": mode if mode == "serial" else f"dask x{mode}",
        "candidates": n,
        "ok": result.counts.get("ok", 0),
        "wall_s": wall,
        "batches_s": result.timings.get("batches", float("nan")),
        "per_s": n / wall,
        "per_min": 60 * n / wall,
        "tracking_s": wall - result.timings.get("total", wall),
        "cpu_s": cpu,
        "per_cpu_s": n / cpu if cpu > 0 else float("nan"),
    }


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        ram = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        ram = float("nan")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{model}, {os.cpu_count()} cores, {ram:.0f} GB RAM, Python {platform.python_version()}, "
        f"load average {load:.1f} at start, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-composition", type=int, default=100_000)
    parser.add_argument("--n-structure", type=int, default=10_000)
    parser.add_argument("--modes", default="serial,1,2", help="serial and/or Dask worker counts.")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--work", type=Path, default=Path("bench_screening_work"))
    parser.add_argument("--tracking-uri", default=None, help="Default: <work>/mlflow.db.")
    parser.add_argument("--conductivity-model", default=None)
    parser.add_argument("--stability-model", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--track", action="store_true", help="Record each screening as an MLflow run (timed)."
    )
    args = parser.parse_args()

    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    os.chdir(
        args.work
    )  # MLflow's SQLite store puts artifacts in ./mlruns: keep them in the work folder
    uri = args.tracking_uri or f"sqlite:///{args.work / 'mlflow.db'}"
    uri = resolve_tracking_uri(uri)
    print(machine())
    models = {"conductivity": args.conductivity_model, "air_stability": args.stability_model}
    if not all(models.values()):
        trained = ensure_models(uri)
        models = {
            "conductivity": models["conductivity"] or trained["electroscreen-conductivity"],
            "air_stability": models["air_stability"] or trained["electroscreen-air-stability"],
        }
    print(f"models: {models['conductivity']}, {models['air_stability']} ({uri})")
    tick = time.perf_counter()
    pools = make_pools(args.work, args.n_composition, args.n_structure, args.seed)
    print(
        f"pools ready in {time.perf_counter() - tick:.1f} s: {', '.join(map(str, pools.values()))}"
    )

    rows = []
    for pool in pools.values():
        for mode in args.modes.split(","):
            row = run_mode(pool, mode.strip(), args.work, args.batch_size, models, uri, args.track)
            rows.append(row)
            print(
                f"{row['pool']:>12} {row['mode']:>8}: {row['candidates']:>8} candidates "
                f"({row['ok']} ok) in {row['wall_s']:7.1f} s = {row['per_s']:9.0f}/s "
                f"= {row['per_min']:10.0f}/min (batches {row['batches_s']:.1f} s, "
                f"MLflow finish {row['tracking_s']:.1f} s; CPU {row['cpu_s']:.1f} s = "
                f"{row['per_cpu_s']:.0f}/CPU-s)",
                flush=True,
            )
    print(
        "\n| pool | mode | candidates | ok | wall (s) | candidates/s | candidates/min "
        "| CPU (s) | candidates/CPU-s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['pool']} | {r['mode']} | {r['candidates']:,} | {r['ok']:,} | {r['wall_s']:.1f} "
            f"| {r['per_s']:,.0f} | {r['per_min']:,.0f} | {r['cpu_s']:.0f} | {r['per_cpu_s']:,.0f} |"
        )
    if args.no_profile:
        return
    for name, pool in pools.items():
        profile = profile_batch(pool, args.batch_size, models, uri)
        whole = profile["process_batch"] or float("nan")
        print(f"\nprofile of one batch of the {name} pool ({profile['rows']} rows, in-process):")
        for key, label in PROFILE_STEPS.items():
            print(f"  {label:<26} {profile[key]:7.3f} s  {100 * profile[key] / whole:5.1f} %")
        for module, seconds in sorted(profile["featurizer_modules"].items(), key=lambda x: -x[1]):
            print(f"    featurizers in {module:<16} {seconds:7.3f} s")


if __name__ == "__main__":
    main()
