"""Time AirReactivity (H2O/O2/CO2 reaction scans on the experimental-enthalpy hull).

Pool: synthetic electrolyte-like compositions (carrier + 1-3 framework cations + 1-2 anions,
fractional amounts), plus the 599 OBELiX compositions when ``ELECTROSCREEN_DATA`` is set. Two passes
are timed: a *cold* pass (chemical-system cache cleared: every phase diagram is built) and a *warm*
pass (systems cached, as in a long screening run). Numba compilation is done before timing.

The reference is pymatgen's ``InterfacialReactivity`` on a ``PhaseDiagram`` of the same entries,
timed on the first ``--reference-limit`` compositions (its per-composition time is flat); the largest
difference in reaction energy is printed.

Usage (the figures in benchmarks/README.md)::

    python benchmarks/bench_reactivity.py --n-synthetic 10000
    python benchmarks/bench_reactivity.py --n-synthetic 200 --reference-limit 20   # quick check
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numba
import numpy as np

from electroscreen.featurizers import thermo
from electroscreen.featurizers.reactivity import REACTANTS, AirReactivity

CARRIERS = ("Li", "Li", "Li", "Na")
FRAMEWORK = ("La", "Zr", "Ta", "Ti", "Al", "Ge", "P", "Si", "B", "Y", "Nb", "Ga", "In", "Sc")
FRAMEWORK += ("Sn", "Sb", "Bi", "Zn", "Ca", "W")
ANIONS = ("O", "S", "Cl", "Br", "I", "F", "N", "Se")


def synthetic_formulas(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    formulas = []
    for _ in range(n):
        elements = [str(rng.choice(CARRIERS))]
        elements += list(rng.choice(FRAMEWORK, size=int(rng.integers(1, 4)), replace=False))
        elements += list(rng.choice(ANIONS, size=int(rng.integers(1, 3)), replace=False))
        formulas.append("".join(f"{el}{rng.uniform(0.05, 12.0):.2f}" for el in elements))
    return formulas


def reference_energies(formulas: list[str], water: str) -> np.ndarray:
    """Most negative kink of pymatgen's InterfacialReactivity per formula and reactant."""
    from pymatgen.analysis.interface_reactions import InterfacialReactivity
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    from electroscreen.data import parse_formula
    from electroscreen.data.formula import SYMBOL_TO_Z

    table = thermo.enthalpy_table(water)
    out = np.zeros((len(formulas), len(REACTANTS)))
    for i, formula in enumerate(formulas):
        amounts = parse_formula(formula)
        key = thermo.composition_key([SYMBOL_TO_Z[s] for s in amounts], list(amounts.values()))
        for j, reactant in enumerate(REACTANTS.values()):
            elements = {SYMBOL_TO_Z[s] for s in amounts} | {SYMBOL_TO_Z[s] for s in reactant}
            system = thermo.chemical_system(tuple(sorted(elements)), water)
            entries = [
                PDEntry(Composition(str(n)), float(e * a), name=str(n))
                for n, e, a in zip(system.names, system.energy, system.atoms, strict=True)
            ]
            label = "".join(f"{s}{a:g}" for s, a in reactant.items())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ir = InterfacialReactivity(
                    Composition(formula),
                    Composition(label),
                    PhaseDiagram(entries),
                    norm=True,
                    use_hull_energy=key not in table.known,
                )
                out[i, j] = min(0.0, min(k[2] for k in ir.get_kinks()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-synthetic", type=int, default=10_000)
    parser.add_argument("--reference-limit", type=int, default=50)
    parser.add_argument("--water", default="liquid", choices=("liquid", "gas"))
    args = parser.parse_args()

    pools = {"synthetic": synthetic_formulas(args.n_synthetic)}
    if os.environ.get("ELECTROSCREEN_DATA"):
        from electroscreen.data import load_obelix

        pools["OBELiX"] = load_obelix()["true_composition"].astype(str).tolist()

    featurizer = AirReactivity(water=args.water)
    featurizer.transform(["Li3PS4", "Li7La3Zr2O12"])  # compile / load the Numba kernels
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Numba threads {numba.get_num_threads()}, Python {platform.python_version()}"
    )
    print(
        "| pool | compositions | systems | cold (s) | warm (s) | ms/composition (warm) | "
        "reference (ms/composition) | max abs diff (eV/atom) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, formulas in pools.items():
        thermo.chemical_system.cache_clear()
        start = time.perf_counter()
        values, status = featurizer.transform_with_status(formulas)
        cold = time.perf_counter() - start
        systems = thermo.chemical_system.cache_info().currsize
        start = time.perf_counter()
        featurizer.transform(formulas)
        warm = time.perf_counter() - start
        ok = np.flatnonzero(status == "ok")[: args.reference_limit]
        start = time.perf_counter()
        ref = reference_energies([formulas[i] for i in ok], args.water)
        ref_time = (time.perf_counter() - start) / max(len(ok), 1)
        diff = float(np.max(np.abs(values[ok][:, :3] - ref))) if len(ok) else float("nan")
        print(
            f"| {name} | {len(formulas):,} | {systems:,} | {cold:.1f} | {warm:.1f} | "
            f"{1e3 * warm / len(formulas):.2f} | {1e3 * ref_time:.0f} (first {len(ok)}) | "
            f"{diff:.1e} |"
        )


if __name__ == "__main__":
    main()
