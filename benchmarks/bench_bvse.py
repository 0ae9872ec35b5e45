"""BVSE barriers: electroscreen's Numba featurizer vs bvlain 0.25.1, same structures, one process.

Both get the same oxidation states (``assign_oxidation_states``). bvlain runs with its default settings
(``r_cut=10``, ``resolution=0.2``, ``k=100``, ``encut=10``); ours with ``BVSE()``'s defaults
(``resolution=0.2``, ``r_cut=7``; benchmarks/README.md explains the differences this leaves). Times are per structure and include, for
bvlain, ``read_structure`` + ``bvse_distribution`` + ``percolation_barriers`` and, for electroscreen,
``BVSE().transform`` on the pymatgen structure (packing, oxidation states, grid, percolation). Numba
compilation is excluded (one warm-up call first).

Usage
-----
    export ELECTROSCREEN_DATA=/path/to/data
    python benchmarks/bench_bvse.py --n 5                 # timing on the 5 smallest ordered structures
    python benchmarks/bench_bvse.py --all --json out.json # all 72 ordered OBELiX structures: timing
                                                          # plus agreement (Spearman, |difference|)
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from scipy.stats import spearmanr

from electroscreen.data import obelix_candidates
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.featurizers.bvse.barriers import BVSE


def _decorated(structure):
    amounts = {el.symbol: amt for el, amt in structure.composition.element_composition.items()}
    result = assign_oxidation_states(amounts)
    if not result.ok:
        return None
    decorated = structure.copy()
    decorated.add_oxidation_state_by_element(result.states)
    return decorated


def run_bvlain(structure) -> tuple[np.ndarray, float, str]:
    """bvlain's three barriers (inf above encut), seconds, and an error message ('' if none)."""
    from bvlain import Lain

    decorated = _decorated(structure)
    if decorated is None:
        return np.full(3, np.nan), 0.0, "no balanced oxidation states"
    start = time.perf_counter()
    try:
        calc = Lain(verbose=False)
        calc.read_structure(decorated, oxi_check=False)
        calc.bvse_distribution(mobile_ion="Li1+", r_cut=10.0, resolution=0.2, k=100)
        energies = calc.percolation_barriers(encut=10.0)
    except KeyError as exc:  # bvlain raises KeyError for missing BV parameters
        return np.full(3, np.nan), time.perf_counter() - start, f"KeyError {exc}"
    return np.array([energies[f"E_{d}D"] for d in (1, 2, 3)]), time.perf_counter() - start, ""


def run_ours(featurizer: BVSE, structure) -> tuple[np.ndarray, float, str]:
    start = time.perf_counter()
    values, status = featurizer.transform_with_status([structure])
    return values[0], time.perf_counter() - start, "" if status[0] == "ok" else status[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5, help="number of ordered structures (smallest)")
    parser.add_argument("--all", action="store_true", help="all 72 ordered OBELiX structures")
    parser.add_argument("--json", help="write per-structure results here")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    table = obelix_candidates(structures_only=True)
    table = table[[s.is_ordered for s in table["structure"]]].copy()
    table["n_sites"] = [len(s) for s in table["structure"]]
    table = table.sort_values(["n_sites", "candidate_id"])
    if not args.all:
        table = table.head(args.n)

    featurizer = BVSE()
    featurizer.transform(table["structure"].iloc[:1].tolist())  # compile (or load the cache)
    rows = []
    print(
        f"{'id':5s} {'formula':16s} {'bvlain 3D':>9s} {'ours 3D':>8s} {'bvlain s':>9s} "
        f"{'ours s':>7s} {'ratio':>6s}"
    )
    for cid, s in zip(table["candidate_id"], table["structure"], strict=True):
        ref, t_ref, err_ref = run_bvlain(s)
        ours, t_ours, err_ours = run_ours(featurizer, s)
        rows.append(
            {
                "id": cid,
                "formula": s.composition.reduced_formula,
                "bvlain": ref.tolist(),
                "ours": ours.tolist(),
                "t_bvlain": t_ref,
                "t_ours": t_ours,
                "error_bvlain": err_ref,
                "status_ours": err_ours,
            }
        )
        ratio = t_ref / t_ours if t_ours > 0 and not err_ref else float("nan")
        print(
            f"{cid:5s} {rows[-1]['formula']:16s} {ref[2]:9.3f} {ours[2]:8.3f} {t_ref:9.3f} "
            f"{t_ours:7.3f} {ratio:6.1f}  {err_ref or err_ours}"
        )

    both = [r for r in rows if not r["error_bvlain"] and not r["status_ours"]]
    t_ref = np.array([r["t_bvlain"] for r in both])
    t_ours = np.array([r["t_ours"] for r in both])
    print(
        f"\n{len(both)} structures computed by both; total time bvlain {t_ref.sum():.2f} s, "
        f"ours {t_ours.sum():.2f} s: ratio {t_ref.sum() / t_ours.sum():.1f}x "
        f"(median per-structure ratio {np.median(t_ref / t_ours):.1f}x)"
    )
    ref = np.array([r["bvlain"] for r in both])
    ours = np.array([r["ours"] for r in both])
    for d in range(3):
        finite = np.isfinite(ref[:, d])
        diff = np.abs(ours[finite, d] - ref[finite, d])
        rho = spearmanr(ours[:, d], ref[:, d]).statistic if len(both) > 2 else float("nan")
        print(
            f"{d + 1}D barrier: Spearman {rho:.4f}, median |diff| {np.median(diff):.4f} eV, "
            f"max |diff| {diff.max():.4f} eV ({len(diff)} finite in bvlain)"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
