"""The objective table is the one list of objectives: the config, the batch and the ranking read it.

The recipe of docs/architecture.md ("An objective"), followed: a toy objective registered as one
entry of ``OBJECTIVES`` is computed, written to the results, weighted, ranked and named in
``pareto_objectives`` by an unchanged screen, and old configs load as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from electroscreen.data.compositions import PackedCompositions
from electroscreen.screening.objective_table import OBJECTIVES
from electroscreen.screening.ranking import PARETO_RESOLUTION, objective_steps, pareto_ranks
from electroscreen.screening.screen_config import RankingConfig, load_screening_config

ROOT = Path(__file__).resolve().parents[2]


def element_count(compositions: PackedCompositions, carrier: str) -> np.ndarray:
    """The toy objective's compute function: the number of elements of each composition."""
    return np.diff(compositions.offsets).astype(np.float64)


def test_the_config_fields_are_the_tables():
    fields = RankingConfig.model_fields
    for name, objective in OBJECTIVES.items():
        assert fields[objective.weight_key].default == objective.weight, name
        if objective.range_key:
            assert fields[objective.range_key].default == objective.range, name
        assert PARETO_RESOLUTION[name] == objective.resolution
    keys = {k for k in fields if k.startswith("weight_") or k.endswith("_range")}
    table = {o.weight_key for o in OBJECTIVES.values()}
    assert keys == table | {o.range_key for o in OBJECTIVES.values() if o.range_key}


def test_an_old_screening_yaml_loads_as_before(tmp_path):
    """Every ranking key a config had before the table (anode's included) keeps its meaning."""
    old = {
        "weight_conductivity": 0.6, "weight_air_stability": 0.2, "sigma_range": [-7.0, -1.0],
        "kappa": 0.5, "weight_oxidation": 0.1, "oxidation_range": [2.5, 4.5],
        "weight_cost": 0.05, "log10_cost_range": [0.5, 2.5], "weight_interface": 0.05,
        "interface_range": [-0.5, 0.0], "pareto_max_rows": 10,
        "pareto_objectives": ["anode", "conductivity", "air_stability", "cost", "oxidation"],
    }  # fmt: skip
    path = tmp_path / "screening.yaml"
    path.write_text(yaml.safe_dump({"ranking": old}))
    ranking = load_screening_config(path).ranking
    for key, value in old.items():
        got = getattr(ranking, key)
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    assert load_screening_config().ranking == RankingConfig()  # the shipped file: the defaults


#: Run in a fresh interpreter: the toy objective is registered before the screening modules are
#: imported, as a line in objective_table.py would be.
_TOY_SCREEN = """
import json, sys
import numpy as np
from electroscreen.screening import objective_table as table
table.OBJECTIVES["elements"] = table.Objective(
    "element_count", 1.0, "weight_elements", 0.0, "elements_range", (1.0, 6.0), maximise=False,
    compute="tests.screening.test_objective_table:element_count",
)
from electroscreen.screening import screen
from electroscreen.screening.results import read_results
from electroscreen.screening.screen_config import load_screening_config

config_path, pool, out, uri = sys.argv[1:]
result = screen([pool], out, config=load_screening_config(config_path), tracking_uri=uri,
                track=False, progress=False)
written = read_results(out + "/results.parquet")
print(json.dumps({c: written[c].astype(float).where(written[c].notna()).tolist()
                  for c in ["element_count", "score", "rank", "pareto_rank", "pred_log10_sigma",
                            "p_air_stable"]}
                 | {"status": written["status"].tolist()}))
"""


def test_a_toy_objective_is_one_table_entry(model_store, tmp_path):
    formulas = ["Li7La3Zr2O12", "Li3PS4", "LiCl", "Li6PS5Cl", "NaCl", "Li10GeP2S12"]
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"id": [f"c{i}" for i in range(len(formulas))], "formula": formulas}).to_csv(
        pool, index=False
    )
    config = tmp_path / "screening.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "ranking": {
                    "weight_conductivity": 0.0,
                    "weight_air_stability": 0.0,
                    "weight_elements": 1.0,
                    "pareto_objectives": ["conductivity", "air_stability", "elements"],
                }
            }
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [sys.executable, "-c", _TOY_SCREEN, str(config), str(pool), str(tmp_path / "out"),
         model_store.uri],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    ok = np.array(got["status"]) == "ok"
    assert list(ok) == [True, True, True, True, False, True]  # NaCl: no carrier
    # computed for the ok rows and written, NaN for the rejected one
    counts = np.array(got["element_count"], dtype=float)
    np.testing.assert_array_equal(counts[ok], [4, 3, 2, 4, 4])
    assert np.isnan(counts[~ok]).all()
    # scored by its own weight and range, minimised: 1 - (count - 1) / 5; ties in input order
    np.testing.assert_allclose(np.array(got["score"], dtype=float)[ok], 1 - (counts[ok] - 1) / 5)
    assert np.array(got["rank"], dtype=float)[ok].tolist() == [3, 2, 1, 4, 5]
    # a Pareto objective: the fronts are those over the two predictions and -count, and LiCl,
    # with the fewest elements, is on the first whatever its predictions
    fronts = pareto_ranks(
        objective_steps("conductivity", np.array(got["pred_log10_sigma"], dtype=float)[ok]),
        objective_steps("air_stability", np.array(got["p_air_stable"], dtype=float)[ok]),
        -counts[ok],
    )
    assert np.array(got["pareto_rank"], dtype=float)[ok].tolist() == fronts.tolist()
    assert got["pareto_rank"][2] == 1 and np.isnan(np.array(got["pareto_rank"], dtype=float)[4])
