"""Time ElectrochemicalWindow against pymatgen's phase diagram on the same entries.

Pool: synthetic Li electrolyte-like compositions (Li + 1-3 framework cations + 1-2 anions, fractional
amounts; the generator of ``bench_reactivity.py`` with the carrier fixed to Li), plus the OBELiX
compositions when ``ELECTROSCREEN_DATA`` is set. The featurizer (defaults: water vapour,
stabilisation model) is timed on its first call on the pool and on a repeat; Numba compilation and
the stabilisation model's training are done before timing.

The reference is pymatgen on the first ``--reference-limit`` compositions: a ``PhaseDiagram`` of
the system's table entries plus the candidate's entry (at the enthalpy the featurizer used, 1e-9
eV/atom lower so that a candidate that is its own hull decomposition is a vertex), and
``get_chempot_range_stability_phase(candidate, Li)``, the range of Li chemical potential over which
the candidate is on the grand-potential hull. This is the cheapest exact pymatgen route (a
``GrandPotentialPhaseDiagram`` per trial potential with bisection would be tens of times slower).

Then the windows of known electrolytes (no timing).

Usage (the figures in benchmarks/README.md)::

    python benchmarks/bench_window.py --n-synthetic 10000
    python benchmarks/bench_window.py --n-synthetic 200 --reference-limit 10   # quick check
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numba
import numpy as np
from bench_reactivity import _cpu_name, synthetic_formulas, time_transform

from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.enthalpies import (
    chemical_system,
    composition_key,
    enthalpy_table,
)
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow

KNOWN = [
    "Li10GeP2S12", "Li3PS4", "Li7P3S11", "Li6PS5Cl", "Li7La3Zr2O12", "Li0.33La0.56TiO3",
    "Li1.3Al0.3Ti1.7(PO4)3", "Li1.5Al0.5Ge1.5(PO4)3", "Li3PO4", "Li3YCl6", "Li3YBr6", "Li3InCl6",
    "Li2S", "Li2O", "LiF", "LiCl", "LiI", "Li3N",
]  # fmt: skip


def reference_windows(formulas: list[str], energies: np.ndarray) -> np.ndarray:
    """(n, 2) reduction and oxidation limits (V vs Li/Li+) from pymatgen."""
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition, Element

    out = np.full((len(formulas), 2), np.nan)
    for i, formula in enumerate(formulas):
        amounts = parse_formula(formula)
        system = chemical_system(tuple(SYMBOL_TO_Z[s] for s in amounts), "gas")
        entries = [
            PDEntry(Composition(str(n)), float(e * a), name=str(n))
            for n, e, a in zip(system.names, system.energy, system.atoms, strict=True)
        ]
        comp = Composition(formula)
        entries.append(PDEntry(comp, (energies[i] - 1e-9) * comp.num_atoms, name="candidate"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mu = PhaseDiagram(entries).get_chempot_range_stability_phase(comp, Element("Li"))
        low, high = mu[Element("Li")]
        out[i] = (-high, -low)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-synthetic", type=int, default=10_000)
    parser.add_argument("--reference-limit", type=int, default=50)
    args = parser.parse_args()

    pools = {}
    if args.n_synthetic > 0:
        pools["synthetic"] = [
            f for f in synthetic_formulas(2 * args.n_synthetic) if f.startswith("Li")
        ][: args.n_synthetic]
    if os.environ.get("ELECTROSCREEN_DATA") and args.n_synthetic > 0:
        from electroscreen.data import load_obelix

        pools["OBELiX"] = load_obelix()["true_composition"].astype(str).tolist()
    featurizer = ElectrochemicalWindow()
    featurizer.transform(["Li3PS4", "Li7La3Zr2O12"])  # compile, train the stabilisation model
    print(
        f"machine: {_cpu_name()}, {os.cpu_count()} cores, "
        f"Numba threads {numba.get_num_threads()}, Python {platform.python_version()}"
    )
    print(
        "| pool | compositions | ok | first call (s) | again (s) | ms/composition | "
        "pymatgen ms/composition | ratio | max abs diff (V) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, formulas in pools.items():
        first, again, values, status = time_transform(featurizer, formulas)
        ok = np.flatnonzero(status == "ok")[: args.reference_limit]
        frame = featurizer.window([formulas[i] for i in ok])
        start = time.perf_counter()
        ref = reference_windows(
            frame["formula"].tolist(), frame["formation_enthalpy_ev_per_atom"].to_numpy()
        )
        ref_ms = 1e3 * (time.perf_counter() - start) / max(len(ok), 1)
        diff = np.nanmax(np.abs(ref - values[ok, :2])) if len(ok) else np.nan
        ms = 1e3 * again / len(formulas)
        print(
            f"| {name} | {len(formulas):,} | {int((status == 'ok').sum()):,} | {first:.2f} | "
            f"{again:.2f} | {ms:.3f} | {ref_ms:.0f} (first {len(ok)}) | {ref_ms / ms:,.0f} | "
            f"{diff:.1e} |"
        )
    print()
    print(
        "| composition | enthalpy | enthalpy used (eV/atom) | status | V_red | V_ox | reduction "
        "| oxidation |"
    )
    print("|---|---|---|---|---|---|---|---|")
    frame = featurizer.window(KNOWN)
    sources = enthalpy_sources(KNOWN)
    for row, source in zip(frame.itertuples(), sources, strict=True):
        print(
            f"| {row.formula} | {source} | {row.formation_enthalpy_ev_per_atom:.3f} | {row.status} "
            f"| {row.window_red_v:.2f} | {row.window_ox_v:.2f} | {row.red_reaction} "
            f"| {row.ox_reaction} |"
        )


def enthalpy_sources(formulas: list[str]) -> list[str]:
    """Where each candidate's enthalpy comes from: ``known`` (tabulated), ``hull`` (its hull
    decomposition) or ``hull+model`` (hull energy lowered by the stabilisation model)."""
    table = enthalpy_table("gas")
    plain = ElectrochemicalWindow(stabilisation=False).window(formulas)
    model = ElectrochemicalWindow().window(formulas)
    out = []
    for i, formula in enumerate(formulas):
        amounts = parse_formula(formula)
        key = composition_key([SYMBOL_TO_Z[s] for s in amounts], list(amounts.values()))
        e_plain = plain["formation_enthalpy_ev_per_atom"].iloc[i]
        e_model = model["formation_enthalpy_ev_per_atom"].iloc[i]
        if key in table.known:
            out.append("known")
        elif np.isclose(e_plain, e_model, rtol=0.0, atol=1e-9):
            out.append("hull")
        else:
            out.append("hull+model")
    return out


if __name__ == "__main__":
    main()
