"""How the activation energy is predicted: the forest, the prefactor rule, or their mean.

Out of fold on the conductivity training rows (OBELiX train + Liverpool, as ``train`` builds them)
that carry an Arrhenius activation energy: folds grouped by chemical system or by family; in each
fold the conductivity at 25 degC is predicted by the default model's learner (extra trees on the
element fractions, fitted on every training row of the fold), the Ea forest
(:data:`~electroscreen.models.temperature.EA_FOREST`) is fitted on the fold's Ea rows, and the
prefactor (:func:`~electroscreen.models.temperature.log10_prefactor`) is their median. Prints the
MAE (eV) and Spearman correlation of ``(1 - w) * forest + w * rule`` for ``w`` in 0, 0.5, 1.

Usage::

    ELECTROSCREEN_DATA=/path/to/data PYTHONPATH=. python benchmarks/ea_rule.py --seeds 0 1 2 3
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.model_selection import GroupKFold

from electroscreen.featurizers.registry import make_featurizer
from electroscreen.models.row_groups import chemical_systems, family_groups
from electroscreen.models.tasks import load_task_table
from electroscreen.models.temperature import (
    EA_FOREST,
    log10_prefactor,
    prefactor_activation_energy,
)

WEIGHTS = (0.0, 0.5, 1.0)


def out_of_fold(X, y, ea, groups, seed: int) -> dict[float, np.ndarray]:
    """Ea predicted out of fold for every row with ``ea`` (NaN elsewhere), by rule weight."""
    has = np.isfinite(ea)
    got = {w: np.full(len(y), np.nan) for w in WEIGHTS}
    for train, test in GroupKFold(5, shuffle=True, random_state=seed).split(X, y, groups):
        fit, held = train[has[train]], test[has[test]]
        if not len(held):
            continue
        sigma = ExtraTreesRegressor(150, max_features=0.33, random_state=seed, n_jobs=-1)
        mu = sigma.fit(X[train], y[train]).predict(X[held])
        forest = RandomForestRegressor(random_state=seed, n_jobs=-1, **EA_FOREST)
        by_forest = forest.fit(X[fit], ea[fit]).predict(X[held])
        by_rule = prefactor_activation_energy(mu, log10_prefactor(y[fit], ea[fit]))
        for w in WEIGHTS:
            got[w][held] = (1 - w) * by_forest + w * by_rule
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    args = parser.parse_args()
    table = load_task_table("conductivity", liverpool=True)
    table = table[table["split"].isin(["train", "extra"])]
    table = table[np.isfinite(table["log10_sigma"].to_numpy(dtype=float))].reset_index(drop=True)
    y = table["log10_sigma"].to_numpy(dtype=float)
    ea = table["ea_ev"].to_numpy(dtype=float)
    X = np.nan_to_num(np.asarray(make_featurizer("element_fractions").transform(table["formula"])))
    groupings = {
        "chemical system": np.asarray(chemical_systems(table["formula"])),
        "family": np.asarray(family_groups(table)),
    }
    has = np.isfinite(ea)
    print(f"{len(table)} training rows, {has.sum()} with an activation energy")
    rows = []
    for name, groups in groupings.items():
        for seed in args.seeds:
            got = out_of_fold(X, y, ea, groups, seed)
            row = {"grouping": name, "seed": seed}
            for w in WEIGHTS:
                error = np.mean(np.abs(got[w][has] - ea[has]))
                rho = pd.Series(got[w][has]).corr(pd.Series(ea[has]), method="spearman")
                row[f"MAE w={w}"], row[f"rho w={w}"] = round(error, 3), round(rho, 2)
            rows.append(row)
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
