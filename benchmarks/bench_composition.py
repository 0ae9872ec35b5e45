"""Time matminer's Magpie ElementProperty against electroscreen's ElementPropertyStats.

Both run in this process on the same formula strings, formula parsing included (pymatgen's
``Composition(formula)`` for matminer, electroscreen's parser for ours), with both parsers' caches
cleared before each timed pass. Numba compilation is done before timing (``cache=True`` kernels load
from disk after the first run). Inputs: the 599 OBELiX compositions and a synthetic pool of
electrolyte-like formulas with fractional amounts (mostly unique, so caches do not help).

Usage (the figures in benchmarks/README.md)::

    ELECTROSCREEN_DATA=/path/to/data python benchmarks/bench_composition.py --n-synthetic 100000

``--matminer-limit N`` times matminer on the first N formulas of each pool only (its per-composition
time is flat), e.g. for a quick check: ``--n-synthetic 20000 --matminer-limit 2000``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numba
import numpy as np

from electroscreen.data import formula as formula_module
from electroscreen.data import load_obelix, oxidation
from electroscreen.featurizers.composition.electrolyte import ElectrolyteComposition
from electroscreen.featurizers.composition.magpie import ElementPropertyStats

CARRIERS = ("Li", "Na", "K", "Mg")
FRAMEWORK = ("La", "Zr", "Ta", "Ti", "Al", "Ge", "P", "Si", "B", "Y", "Nb", "Ga", "In", "Sc", "Hf")
FRAMEWORK += ("W", "Ca", "Sr", "Ba", "Zn", "Sn", "Sb", "Bi", "Gd", "Er", "V", "Mo", "Ce")
ANIONS = ("O", "S", "Se", "F", "Cl", "Br", "I", "N")


def synthetic_formulas(n: int, seed: int = 0) -> list[str]:
    """Carrier + 1-3 framework cations + 1-2 anions, amounts with two decimals."""
    rng = np.random.default_rng(seed)
    formulas = []
    for _ in range(n):
        elements = [str(rng.choice(CARRIERS))]
        elements += list(rng.choice(FRAMEWORK, size=int(rng.integers(1, 4)), replace=False))
        elements += list(rng.choice(ANIONS, size=int(rng.integers(1, 3)), replace=False))
        formulas.append("".join(f"{el}{rng.uniform(0.05, 12.0):.2f}" for el in elements))
    return formulas


def clear_parse_caches() -> None:
    from pymatgen.core import composition

    formula_module._parse_cached.cache_clear()
    oxidation._assign.cache_clear()
    if hasattr(composition, "_parse_formula_cached"):
        composition._parse_formula_cached.cache_clear()


def time_matminer(formulas: list[str]) -> tuple[float, np.ndarray]:
    from matminer.featurizers.composition import ElementProperty
    from pymatgen.core import Composition

    featurizer = ElementProperty.from_preset("magpie", impute_nan=False)
    clear_parse_caches()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [featurizer.featurize(Composition(f)) for f in formulas]
    return time.perf_counter() - start, np.asarray(rows, dtype=float)


def time_ours(featurizer, formulas: list[str]) -> tuple[float, np.ndarray]:
    featurizer.transform(formulas[:8])  # compile or load the cached kernels
    clear_parse_caches()
    start = time.perf_counter()
    values = featurizer.transform(formulas)
    return time.perf_counter() - start, values


def run_pool(name: str, formulas: list[str], matminer_limit: int | None) -> None:
    reference = formulas[:matminer_limit] if matminer_limit else formulas
    t_ref, expected = time_matminer(reference)
    t_ours, values = time_ours(ElementPropertyStats(), formulas)
    t_elec, _ = time_ours(ElectrolyteComposition(), formulas)
    head = values[: len(reference)]
    scale = np.maximum(1.0, np.abs(np.nan_to_num(expected)))
    diff = float((np.abs(np.nan_to_num(head) - np.nan_to_num(expected)) / scale).max())
    same_nan = bool((np.isnan(head) == np.isnan(expected)).all())
    per_ref = t_ref / len(reference) * 1e6
    per_ours = t_ours / len(formulas) * 1e6
    print(f"\n## {name}: {len(formulas)} formulas (matminer on {len(reference)})")
    print(f"matminer ElementProperty(magpie)   {per_ref:10.2f} us/composition")
    print(f"electroscreen ElementPropertyStats {per_ours:10.2f} us/composition")
    print(f"ratio                              {per_ref / per_ours:10.1f} x")
    print(f"max relative difference {diff:.2e}, NaN pattern identical: {same_nan}")
    print(
        f"electroscreen ElectrolyteComposition {t_elec / len(formulas) * 1e6:8.2f} us/composition"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-synthetic", type=int, default=100_000)
    parser.add_argument("--matminer-limit", type=int, default=None)
    parser.add_argument("--data-dir", default=os.environ.get("ELECTROSCREEN_DATA"))
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
        f"numba threads {numba.get_num_threads()}, Python {platform.python_version()}, "
        f"numba {numba.__version__}"
    )
    obelix = load_obelix(args.data_dir)["true_composition"].tolist()
    run_pool("OBELiX", obelix, args.matminer_limit)
    run_pool("synthetic", synthetic_formulas(args.n_synthetic), args.matminer_limit)


if __name__ == "__main__":
    main()
