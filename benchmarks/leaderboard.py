"""OBELiX conductivity leaderboard: every conductivity config evaluated as ``electroscreen train`` does.

For each config (default ``configs/conductivity*.yaml``) the script builds the same predictor as
``electroscreen train --config <config>`` (:func:`electroscreen.experiments.train.build_predictor`),
featurizes the same task table once and calls the same
:func:`electroscreen.experiments.train.evaluate_scheme` for each evaluation scheme, so a row's ``test_*``
numbers are the ``test_*`` metrics that ``electroscreen train --config <config>`` logs to MLflow
(same seed, same data; forests are identical whatever ``n_jobs`` is). No MLflow run is made here.

Schemes: ``official`` (OBELiX train -> test, the published benchmark's split) and ``family_cv``
(5 folds grouped by the ``Family`` column: whole structural families are held out). Metrics are on
log10(sigma / (S/cm)) over exact test values; censored ``<1E-10``-style rows are excluded from
MAE/RMSE/R2/Spearman/coverage and count as negatives in the ROC-AUC of sigma >= 1e-4 S/cm.

Usage (the table in benchmarks/README.md)::

    ELECTROSCREEN_DATA=/path/to/data python benchmarks/leaderboard.py
    python benchmarks/leaderboard.py --configs configs/conductivity.yaml --schemes official
    python benchmarks/leaderboard.py --json leaderboard.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from electroscreen.data.obelix import load_obelix_structures
from electroscreen.experiments.train import build_predictor, evaluate_scheme
from electroscreen.experiments.train_config import TrainConfig, load_train_config
from electroscreen.models.tasks import load_task_table

REPO = Path(__file__).resolve().parents[1]
#: Columns of the printed table: (heading, scheme, metric).
COLUMNS = (
    ("test MAE", "official", "mae"),
    ("test MAE (CIF rows)", "official", "mae_cif"),
    ("test RMSE", "official", "rmse"),
    ("test R2", "official", "r2"),
    ("test Spearman", "official", "spearman"),
    ("test ROC-AUC", "official", "roc_auc"),
    ("test cov90", "official", "coverage_90"),
    ("test width", "official", "interval_width"),
    ("famCV MAE", "family_cv", "mae"),
    ("famCV R2", "family_cv", "r2"),
    ("famCV cov90", "family_cv", "coverage_90"),
)


def default_configs() -> list[Path]:
    """``configs/conductivity*.yaml`` of the repository, sorted."""
    return sorted((REPO / "configs").glob("conductivity*.yaml"))


def inputs_kind(config: TrainConfig) -> str:
    """``composition`` or ``structure`` (the two published OBELiX input settings)."""
    return "structure" if config.needs_structures() else "composition"


def evaluate_config(
    path: Path, schemes: list[str] | None, tables: dict[bool, pd.DataFrame]
) -> dict[str, object]:
    """Evaluate one config; ``tables`` caches the task table by whether it holds structures."""
    config = load_train_config(path)
    if config.task != "conductivity":
        raise ValueError(
            f"{path}: the leaderboard is for conductivity configs (task={config.task})"
        )
    structures = config.needs_structures()
    if structures not in tables:
        tables[structures] = load_task_table(
            config.task, config.data_dir, structures=structures
        ).reset_index(drop=True)
    table = tables[structures]
    tick = time.perf_counter()
    design = build_predictor(config).featurize(table)
    row: dict[str, object] = {
        "config": str(path.relative_to(REPO) if path.is_relative_to(REPO) else path),
        "inputs": inputs_kind(config),
        "estimator": config.estimator,
        "featurizers": "+".join(config.featurizers) or "(graph)",
        "featurize_s": time.perf_counter() - tick,
    }
    for scheme in schemes or config.evaluation.schemes:
        tick = time.perf_counter()
        result = evaluate_scheme(config, table, scheme, design)
        row[f"{scheme}_seconds"] = time.perf_counter() - tick
        for key, value in result.metrics.items():
            row[f"{scheme}.{key}"] = value
        row[f"{scheme}.mae_cif"] = mae_with_cif(result.predictions, config)
    row["command"] = f"electroscreen train --config {row['config']}"
    return row


@functools.cache
def cif_ids(data_dir: Path | None) -> frozenset[str]:
    """IDs of the OBELiX entries that have a CIF (321 of 599)."""
    return frozenset(load_obelix_structures(data_dir))


def mae_with_cif(predictions: pd.DataFrame, config: TrainConfig) -> float:
    """MAE over the exact held-out rows that have a CIF (the rows the published graph models see)."""
    with_cif = predictions["candidate_id"].isin(cif_ids(config.data_dir))
    exact = predictions[with_cif & ~predictions["censored"] & predictions["y_pred"].notna()]
    return float((exact["y_true"] - exact["y_pred"]).abs().mean())


def markdown(rows: list[dict[str, object]]) -> str:
    """The leaderboard as a Markdown table (missing metrics as ``-``)."""
    head = ["config", "inputs", "model", *[c[0] for c in COLUMNS], "eval s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in sorted(rows, key=lambda r: (r["inputs"], r.get("official.mae", float("inf")))):
        cells = [
            f"`{row['config']}`",
            str(row["inputs"]),
            f"{row['estimator']} ({row['featurizers']})",
        ]
        for _, scheme, metric in COLUMNS:
            value = row.get(f"{scheme}.{metric}")
            cells.append("-" if value is None else f"{value:.3f}")
        seconds = sum(v for k, v in row.items() if k.endswith("_seconds"))
        cells.append(f"{seconds + float(row['featurize_s']):.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    """One line describing where the numbers were measured."""
    import numpy as np
    import sklearn
    import torch

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"torch {torch.__version__}, NumPy {np.__version__}, load {os.getloadavg()[0]:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configs", nargs="+", type=Path, default=None, help="configs (default conductivity*)"
    )
    parser.add_argument(
        "--schemes",
        default=None,
        help="comma-separated schemes (official,family_cv); default: each config's own",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every metric as JSON")
    args = parser.parse_args(argv)
    configs = [p.resolve() for p in (args.configs or default_configs())]
    schemes = args.schemes.split(",") if args.schemes else None
    tables: dict[bool, pd.DataFrame] = {}
    rows = []
    for path in configs:
        tick = time.perf_counter()
        row = evaluate_config(path, schemes, tables)
        rows.append(row)
        summary = ", ".join(
            f"{k}={row[k]:.3f}"
            for k in ("official.mae", "official.coverage_90", "family_cv.mae")
            if k in row
        )
        print(f"{row['config']}: {summary} ({time.perf_counter() - tick:.0f} s)", file=sys.stderr)
        if args.json:  # after every config, so a long run keeps what it has measured
            args.json.write_text(json.dumps(rows, indent=2, default=float))
    print(markdown(rows))
    print(f"\nMachine: {machine()}")
    print("Reproduce a row's test_* metrics: " + "; ".join(str(r["command"]) for r in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
