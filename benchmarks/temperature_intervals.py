"""Do the conductivity intervals cover measurements away from 25 degC?

Out of fold on the training rows of a config (OBELiX train + the leak-guarded Liverpool rows, as
``train`` builds them; the official test split is not read): folds hold out whole chemical
systems; in each fold the config's predictor is fitted (``CandidatePredictor.fit``, the code
``train`` runs) and predicts every Liverpool *measurement* (not the pooled 25 degC row) of the
held-out compositions at its own temperature. Coverage of the nominal interval and mean width are
printed per temperature band, for the intervals as predicted and for the same fitted predictor with
``ea_error_quantile_ = None`` (the 25 degC interval only moved along the Arrhenius line, as before
2026-12-06), so the two columns differ only by the activation-energy term.

Usage::

    ELECTROSCREEN_DATA=/path/to/data PYTHONPATH=. python benchmarks/temperature_intervals.py \\
        --config configs/conductivity.yaml --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from electroscreen.data.liverpool import load_liverpool
from electroscreen.experiments.train import build_predictor, load_config_table
from electroscreen.experiments.train_config import load_train_config
from electroscreen.models.row_groups import chemical_systems
from electroscreen.models.splits import guard_extra_rows

#: Temperature bands (degC) of the table.
BANDS = (-np.inf, 40.0, 100.0, 200.0, 400.0, np.inf)


def training_rows(table: pd.DataFrame) -> pd.DataFrame:
    """OBELiX train rows and the Liverpool rows the leak guard allows beside the test split."""
    split = table["split"].to_numpy()
    extra = guard_extra_rows(table, np.flatnonzero(split == "test"))
    rows = np.concatenate([np.flatnonzero(split == "train"), extra])
    return table.iloc[rows].reset_index(drop=True)


def held_out_predictions(config, table: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Every measurement of a held-out training composition, predicted out of fold."""
    measured = load_liverpool(config.data_dir)
    measured = measured[measured["status"].isin(["ok", "mixture"])]
    measured = measured.assign(source=("liverpool:" + measured["composition_key"].astype(str)))
    systems = chemical_systems(table["formula"])
    out = []
    for fold, (train, test) in enumerate(
        GroupKFold(5, shuffle=True, random_state=seed).split(table, groups=systems)
    ):
        start = time.perf_counter()
        predictor = build_predictor(config).fit(table.iloc[train].reset_index(drop=True))
        rows = measured[measured["source"].isin(set(table["source"].iloc[test]))]
        frame = rows[["formula", "temperature_c"]].reset_index(drop=True)
        with_ea = predictor.predict_frame(frame)
        predictor.ea_error_quantile_, q = None, predictor.ea_error_quantile_
        without = predictor.predict_frame(frame)
        got = pd.DataFrame(
            {
                "fold": fold,
                "temperature_c": frame["temperature_c"],
                "measured": rows["log10_sigma"].to_numpy(),
                "mu": with_ea["pred_log10_sigma"],
                "lo": with_ea["pred_log10_sigma_lo"],
                "hi": with_ea["pred_log10_sigma_hi"],
                "lo_before": without["pred_log10_sigma_lo"],
                "hi_before": without["pred_log10_sigma_hi"],
            }
        )
        out.append(got.dropna())
        took = time.perf_counter() - start
        print(f"fold {fold}: {len(got)} measurements, Ea quantile {q:.3f} eV, {took:.0f} s")
    return pd.concat(out, ignore_index=True)


def band_table(got: pd.DataFrame) -> pd.DataFrame:
    """Coverage and mean width per temperature band, with and without the Ea term."""
    band = pd.cut(got["temperature_c"], BANDS)
    rows = []
    for name, part in got.groupby(band, observed=True):
        y = part["measured"]
        row = {"degC": str(name), "measurements": len(part)}
        for label, lo, hi in (("before", "lo_before", "hi_before"), ("with Ea", "lo", "hi")):
            inside = (y >= part[lo]) & (y <= part[hi])
            row[f"cov {label}"] = round(float(inside.mean()), 3)
            row[f"width {label}"] = round(float((part[hi] - part[lo]).mean()), 2)
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="configs/conductivity.yaml")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = load_train_config(args.config)
    table = training_rows(load_config_table(config))
    got = held_out_predictions(config, table, args.seed)
    print(band_table(got).to_markdown(index=False))


if __name__ == "__main__":
    main()
