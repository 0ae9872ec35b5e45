"""Time InterfaceReactivity against pymatgen's InterfacialReactivity on the same entries.

Pool: the Li electrolyte-like synthetic compositions of ``bench_window.py`` (fractional amounts),
plus the OBELiX compositions when ``ELECTROSCREEN_DATA`` is set. The featurizer (defaults: Li metal,
water vapour, stabilisation model) is timed on its first call on the pool and on a repeat; Numba
compilation and the stabilisation model's training are done before timing.

The reference is pymatgen on the first ``--reference-limit`` compositions: a ``PhaseDiagram`` of
the chemical system's table entries plus the candidate's entry (at the enthalpy the featurizer
used), then ``InterfacialReactivity(candidate, electrode, pd, norm=True).get_kinks()`` and its most
negative kink, which is what the featurizer computes as one linear program. Each electrode of
``--electrodes`` (default Li metal and LiCoO2) is timed and checked on its own; a compound electrode
enters pymatgen's diagram at the enthalpy the featurizer used for it (LiCoO2: estimated, hull +
stabilisation model). The script ends with the reactions of known electrolytes with Li, with the
cathode and with LiNiO2 and NMC811 (the cathode energies printed with their estimates).

Usage (the figures in benchmarks/README.md)::

    python benchmarks/bench_interface.py --n-synthetic 10000
    python benchmarks/bench_interface.py --n-synthetic 200 --reference-limit 10   # quick check
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
from electroscreen.featurizers.thermo.enthalpies import chemical_system
from electroscreen.featurizers.thermo.interface import (
    InterfaceReactivity,
    electrode_enthalpy,
    electrode_label,
)

KNOWN = [
    "Li10GeP2S12", "Li3PS4", "Li7P3S11", "Li6PS5Cl", "Li7La3Zr2O12", "Li0.33La0.56TiO3",
    "Li1.3Al0.3Ti1.7(PO4)3", "Li1.5Al0.5Ge1.5(PO4)3", "Li3PO4", "Li3YCl6", "Li3InCl6", "Li3N",
]  # fmt: skip


def reference_energies(formulas: list[str], energies: np.ndarray, electrode: str) -> np.ndarray:
    """Most negative kink (eV/atom of mixture, capped at 0) from pymatgen; a compound electrode is
    an entry at the enthalpy the featurizer uses for it (:func:`electrode_enthalpy`)."""
    from pymatgen.analysis.interface_reactions import InterfacialReactivity
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    out = np.full(len(formulas), np.nan)
    for i, formula in enumerate(formulas):
        symbols = set(parse_formula(formula)) | set(parse_formula(electrode))
        system = chemical_system(tuple(SYMBOL_TO_Z[s] for s in symbols), "gas")
        entries = [
            PDEntry(Composition(str(n)), float(e * a), name=str(n))
            for n, e, a in zip(system.names, system.energy, system.atoms, strict=True)
        ]
        comp = Composition(formula)
        entries.append(PDEntry(comp, energies[i] * comp.num_atoms, name=comp.reduced_formula))
        react = Composition(electrode)
        if len(react.elements) > 1:
            e_react = electrode_enthalpy(electrode).enthalpy * react.num_atoms
            entries.append(PDEntry(react, e_react, name=react.reduced_formula))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ir = InterfacialReactivity(
                comp, Composition(electrode), PhaseDiagram(entries), norm=True,
                use_hull_energy=False,
            )  # fmt: skip
            out[i] = min(0.0, min(k[2] for k in ir.get_kinks()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-synthetic", type=int, default=10_000)
    parser.add_argument("--reference-limit", type=int, default=50)
    parser.add_argument("--electrodes", default="Li,LiCoO2", help="comma separated; 2nd = cathode")
    args = parser.parse_args()
    electrodes = args.electrodes.split(",")

    pools = {}
    if args.n_synthetic > 0:
        pools["synthetic"] = [
            f for f in synthetic_formulas(2 * args.n_synthetic) if f.startswith("Li")
        ][: args.n_synthetic]
    if os.environ.get("ELECTROSCREEN_DATA") and args.n_synthetic > 0:
        from electroscreen.data import load_obelix

        pools["OBELiX"] = load_obelix()["true_composition"].astype(str).tolist()
    InterfaceReactivity(tuple(electrodes)).transform(["Li3PS4", "Li7La3Zr2O12"])  # compile, fit
    print(
        f"machine: {_cpu_name()}, {os.cpu_count()} cores, "
        f"Numba threads {numba.get_num_threads()}, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for electrode in electrodes[1:]:
        print(electrode_enthalpy(electrode).note)
    print(
        "| pool | electrode | compositions | ok | first call (s) | again (s) | ms/composition | "
        "pymatgen ms/composition | ratio | max abs diff (eV/atom) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, formulas in pools.items():
        for electrode in electrodes:
            featurizer = InterfaceReactivity((electrode,))
            first, again, values, status = time_transform(featurizer, formulas)
            ok = np.flatnonzero(status == "ok")[: args.reference_limit]
            frame = featurizer.reactions([formulas[i] for i in ok])
            start = time.perf_counter()
            ref = reference_energies(
                frame["formula"].tolist(),
                frame["formation_enthalpy_ev_per_atom"].to_numpy(),
                electrode,
            )
            ref_ms = 1e3 * (time.perf_counter() - start) / max(len(ok), 1)
            diff = np.nanmax(np.abs(ref - values[ok, 0])) if len(ok) else np.nan
            ms = 1e3 * again / len(formulas)
            print(
                f"| {name} | {electrode} | {len(formulas):,} | {int((status == 'ok').sum()):,} | "
                f"{first:.2f} | {again:.2f} | {ms:.3f} | {ref_ms:.0f} (first {len(ok)}) | "
                f"{ref_ms / ms:,.0f} | {diff:.1e} |"
            )
    print()
    cathode = electrodes[1] if len(electrodes) > 1 else "LiCoO2"
    extra = [c for c in ("LiNiO2", "LiNi0.8Mn0.1Co0.1O2") if c != cathode]
    frame = InterfaceReactivity(("Li", cathode, *extra)).reactions(KNOWN)
    labels = [f"interface_{electrode_label(e)}_ev_per_atom" for e in extra]
    cat = f"interface_{electrode_label(cathode)}"
    print(
        f"| composition | enthalpy used (eV/atom) | with Li | with {cathode} | "
        + " | ".join(f"with {e}" for e in extra)
        + f" | reaction with {cathode} |"
    )
    print("|---|---|---|---|" + "---|" * len(extra) + "---|")
    for _, row in frame.iterrows():
        others = " | ".join(f"{row[label]:.3f}" for label in labels)
        print(
            f"| {row['formula']} | {row['formation_enthalpy_ev_per_atom']:.3f} | "
            f"{row['interface_li_ev_per_atom']:.3f} | {row[f'{cat}_ev_per_atom']:.3f} | "
            f"{others} | {row[f'{cat}_reaction']} |"
        )
    print()
    print("| composition | reaction with Li |")
    print("|---|---|")
    for _, row in frame.iterrows():
        print(f"| {row['formula']} | {row['interface_li_reaction']} |")


if __name__ == "__main__":
    main()
