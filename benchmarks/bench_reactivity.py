"""Time AirReactivity (H2O/O2/CO2 reaction scans on the experimental-enthalpy hull).

Pool: synthetic electrolyte-like compositions (carrier + 1-3 framework cations + 1-2 anions,
fractional amounts), plus the 599 OBELiX compositions when ``ELECTROSCREEN_DATA`` is set. The
featurizer with its defaults (water vapour, stabilisation model) is timed twice on each pool: the
first call and a repeat (every batch builds its chemical systems afresh, so the two should agree).
Numba compilation and the stabilisation model's training are done before timing.

The reference is pymatgen's ``InterfacialReactivity`` on a ``PhaseDiagram`` of the same entries,
timed on the first ``--reference-limit`` compositions (its per-composition time is flat), against
``AirReactivity(stabilisation=False)`` (the plain hull approximation pymatgen also uses); the
largest difference in reaction energy is printed.

Then two tables that need no timing: the textbook cases of the air-stability issue (H2O reaction
energy with water vapour and liquid water, with and without the stabilisation model, H2S yes/no,
enthalpy source), and the ROC-AUC of single descriptors as scores for the literature air-stability
labels (``air_stability`` task; plain and with the task's row weights, which give repeated
compositions a total weight of 1).

Usage (the figures in benchmarks/README.md)::

    python benchmarks/bench_reactivity.py --n-synthetic 10000
    python benchmarks/bench_reactivity.py --n-synthetic 200 --reference-limit 20   # quick check
    python benchmarks/bench_reactivity.py --n-synthetic 0      # only the textbook and label tables
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numba
import numpy as np

from electroscreen.data import parse_formula
from electroscreen.featurizers.thermo import enthalpies as thermo
from electroscreen.featurizers.thermo.reactivity import REACTANTS, AirReactivity

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


def time_transform(featurizer, formulas: list[str]) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Seconds of a first ``transform`` (Numba compile or cache load included) and of a second call
    (``transform_with_status``), with the second call's values and statuses."""
    start = time.perf_counter()
    featurizer.transform(formulas)
    first = time.perf_counter() - start
    start = time.perf_counter()
    values, status = featurizer.transform_with_status(formulas)
    return first, time.perf_counter() - start, values, status


def _cpu_name() -> str:
    """CPU model from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-synthetic", type=int, default=10_000)
    parser.add_argument("--reference-limit", type=int, default=50)
    parser.add_argument("--water", default="gas", choices=("liquid", "gas"))
    args = parser.parse_args()

    pools = {"synthetic": synthetic_formulas(args.n_synthetic)} if args.n_synthetic > 0 else {}
    if os.environ.get("ELECTROSCREEN_DATA") and args.n_synthetic > 0:
        from electroscreen.data import load_obelix

        pools["OBELiX"] = load_obelix()["true_composition"].astype(str).tolist()

    featurizer = AirReactivity(water=args.water)  # the default: with the stabilisation model
    plain = AirReactivity(water=args.water, stabilisation=False)  # what pymatgen computes
    for f in (featurizer, plain):
        f.transform(["Li3PS4", "Li7La3Zr2O12"])  # compile the kernels, train the model
    print(
        f"machine: {_cpu_name()}, {os.cpu_count()} cores, "
        f"Numba threads {numba.get_num_threads()}, Python {platform.python_version()}"
    )
    if pools:
        print(
            "| pool | compositions | element sets | first call (s) | again (s) | "
            "ms/composition | reference (ms/composition) | max abs diff (eV/atom) |"
        )
        print("|---|---|---|---|---|---|---|---|")
    for name, formulas in pools.items():
        start = time.perf_counter()
        featurizer.transform(formulas)
        first = time.perf_counter() - start
        start = time.perf_counter()
        featurizer.transform(formulas)
        again = time.perf_counter() - start
        values, status = plain.transform_with_status(formulas)
        systems = len(
            {frozenset(parse_formula(formulas[i])) for i in np.flatnonzero(status == "ok")}
        )
        ok = np.flatnonzero(status == "ok")[: args.reference_limit]
        start = time.perf_counter()
        ref = reference_energies([formulas[i] for i in ok], args.water)
        ref_time = (time.perf_counter() - start) / max(len(ok), 1)
        diff = float(np.max(np.abs(values[ok][:, :3] - ref))) if len(ok) else float("nan")
        print(
            f"| {name} | {len(formulas):,} | {systems:,} | {first:.2f} | {again:.2f} | "
            f"{1e3 * again / len(formulas):.3f} | {1e3 * ref_time:.0f} (first {len(ok)}) | "
            f"{diff:.1e} |"
        )
    textbook_table()
    label_auc_table()


TEXTBOOK = {
    "Li3PS4": "strong, H2S",
    "Li7P3S11": "strong, H2S",
    "Li10GeP2S12": "strong, H2S",
    "Li6PS5Cl": "strong, H2S",
    "Li4SnS4": "milder",
    "Li3SbS4": "milder",
    "Li7La3Zr2O12": "near inert",
    "Li1.3Al0.3Ti1.7(PO4)3": "near inert",
    "Li3PO4": "near inert",
    "Li3N": "strong",
}


def textbook_table() -> None:
    """H2O reaction energy and H2S release of the issue's textbook cases, four variants."""
    cases = list(TEXTBOOK)
    runs = {
        (water, stab): AirReactivity(water=water, stabilisation=stab).reactions(cases)
        for water in ("gas", "liquid")
        for stab in (True, False)
    }
    default = runs[("gas", True)]
    print(
        "\n| composition | expected | enthalpy (default) | stabilisation (eV/atom) | "
        "E_rxn H2O(g) | H2S | E_rxn H2O(l) | E_rxn H2O(g), hull only | E_rxn H2O(l), hull only | "
        "products with H2O(g) (default) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    yes = {1.0: "yes", 0.0: "no"}
    for i, formula in enumerate(cases):
        energies = [runs[key]["rxn_h2o_ev_per_atom"][i] for key in runs]
        stab = default["stabilisation_ev_per_atom"][i]
        print(
            f"| {formula} | {TEXTBOOK[formula]} | {default['enthalpy_source'][i]} | "
            f"{'' if np.isnan(stab) else f'{stab:.3f}'} | {energies[0]:.3f} | "
            f"{yes[default['h2s_released'][i]]} | {energies[2]:.3f} | {energies[1]:.3f} | "
            f"{energies[3]:.3f} | {default['h2o_products'][i] or 'no reaction'} |"
        )


def label_auc_table() -> None:
    """ROC-AUC of single descriptors for the air-stable label (stable or moderate vs unstable)."""
    from electroscreen.data.air_stability import load_air_stability
    from electroscreen.models.metrics import descriptor_roc_auc
    from electroscreen.models.tasks import air_stability_targets

    table = load_air_stability()
    targets = air_stability_targets(table)
    print(
        "\n| water | stabilisation | descriptor | rows | ROC-AUC | ROC-AUC (task weights) |\n"
        "|---|---|---|---|---|---|"
    )
    for water, stab in (("gas", True), ("liquid", True), ("gas", False), ("liquid", False)):
        featurizer = AirReactivity(water=water, stabilisation=stab)
        values = featurizer.transform(table)
        names = list(featurizer.get_feature_names_out())
        for name, higher_is_stable in (
            ("rxn_h2o_ev_per_atom", True),
            ("h2s_released", False),
            ("rxn_o2_ev_per_atom", True),
            ("rxn_co2_ev_per_atom", True),
        ):
            col = values[:, names.index(name)]
            plain = descriptor_roc_auc(col, targets.y, higher_is_stable)
            weighted = descriptor_roc_auc(col, targets.y, higher_is_stable, targets.sample_weight)
            rows = int(np.isfinite(col).sum())
            print(f"| {water} | {stab} | {name} | {rows} | {plain:.3f} | {weighted:.3f} |")


if __name__ == "__main__":
    main()
