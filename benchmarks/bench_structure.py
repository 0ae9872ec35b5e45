"""Structure featurizers: electroscreen's Numba code vs pymatgen and matminer, same inputs, one process.

Parts
-----
1. Neighbour list at r = 6 A on OBELiX structures: ``neighbor_list`` (one batch call) vs pymatgen
   ``Structure.get_all_neighbors`` (the issue's reference, builds ``PeriodicNeighbor`` objects) and
   ``Structure.get_neighbor_list`` (pymatgen's Cython arrays, the fair lower bound). Pair counts are
   checked to agree.
2. ``StructureDescriptors`` (all 96 features, one batch) vs matminer's ``DensityFeatures``,
   ``RadialDistributionFunction`` and ``SiteStatsFingerprint`` (CrystalNN preset) per structure. matminer
   is timed only on the structures it accepts (it raises on partially occupied ones; the count is
   printed); ours is timed on the same subset and on all structures.

BVSE vs bvlain lives in ``benchmarks/bench_bvse.py`` (run it alongside this script).

Numba compilation is excluded (one warm-up call). Times are best-of-``--repeat`` for our batch calls.

Usage
-----
    export ELECTROSCREEN_DATA=/path/to/data
    python benchmarks/bench_structure.py --n 20          # quick check: first 20 structures
    python benchmarks/bench_structure.py                 # all 321 OBELiX structures
    python benchmarks/bench_structure.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np

from electroscreen.data import obelix_candidates, pack_structures
from electroscreen.featurizers.structure.descriptors import StructureDescriptors
from electroscreen.featurizers.structure.neighbors import neighbor_list


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_neighbors(structures, cutoff: float, repeat: int) -> dict:
    packed = pack_structures(structures)
    neighbor_list(packed.take([0]), cutoff)  # compile
    ours = _best(lambda: neighbor_list(packed, cutoff), repeat)
    nl = neighbor_list(packed, cutoff)

    start = time.perf_counter()
    counts_all = [sum(len(n) for n in s.get_all_neighbors(cutoff)) for s in structures]
    t_all = time.perf_counter() - start
    start = time.perf_counter()
    counts_nl = [len(s.get_neighbor_list(cutoff)[0]) for s in structures]
    t_nl = time.perf_counter() - start
    if not (np.array_equal(nl.n_pairs, counts_all) and np.array_equal(nl.n_pairs, counts_nl)):
        raise AssertionError("pair counts differ from pymatgen")
    n = len(structures)
    return {
        "structures": n,
        "pairs": int(len(nl)),
        "ours_ms_per_structure": 1e3 * ours / n,
        "pymatgen_get_all_neighbors_ms": 1e3 * t_all / n,
        "pymatgen_get_neighbor_list_ms": 1e3 * t_nl / n,
        "speedup_vs_get_all_neighbors": t_all / ours,
        "speedup_vs_get_neighbor_list": t_nl / ours,
    }


def _matminer_featurizers() -> dict:
    from matminer.featurizers.structure import (
        DensityFeatures,
        RadialDistributionFunction,
        SiteStatsFingerprint,
    )

    return {
        "DensityFeatures": DensityFeatures(),
        "RadialDistributionFunction": RadialDistributionFunction(cutoff=6.0, bin_size=0.25),
        "SiteStatsFingerprint": SiteStatsFingerprint.from_preset("CrystalNNFingerprint_ops"),
    }


def bench_descriptors(structures, repeat: int, matminer_limit: int | None) -> dict:
    sd = StructureDescriptors()
    packed = pack_structures(structures)
    sd.transform(packed.take([0, 1]))  # compile
    ours_all = _best(lambda: sd.transform(structures), repeat)

    out: dict = {
        "structures": len(structures),
        "ours_all_ms_per_structure": 1e3 * ours_all / len(structures),
    }
    for name, featurizer in _matminer_featurizers().items():
        accepted, seconds, rejected = [], [], 0
        pool = structures if matminer_limit is None else structures[:matminer_limit]
        for s in pool:
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    featurizer.featurize(s)
            except Exception:  # matminer raises on disordered sites; counted, not hidden
                rejected += 1
                continue
            seconds.append(time.perf_counter() - start)
            accepted.append(s)
        row = {"accepted": len(accepted), "rejected": rejected}
        if accepted:
            ours = _best(lambda a=accepted: sd.transform(a), repeat)
            row["matminer_ms_per_structure"] = 1e3 * float(np.sum(seconds)) / len(accepted)
            row["ours_ms_per_structure"] = 1e3 * ours / len(accepted)
            row["speedup"] = float(np.sum(seconds)) / ours
        out[name] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=None, help="first n OBELiX structures only")
    parser.add_argument("--cutoff", type=float, default=6.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--matminer-limit", type=int, default=None, help="cap structures tried with matminer"
    )
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    table = obelix_candidates(os.environ.get("ELECTROSCREEN_DATA"), structures_only=True)
    structures = list(table["structure"])[: args.n]
    print(f"{len(structures)} OBELiX structures, {sum(s.is_ordered for s in structures)} ordered")

    nb = bench_neighbors(structures, args.cutoff, args.repeat)
    print(f"\nNeighbour list, r = {args.cutoff} A ({nb['pairs']} pairs)")
    print(f"  ours                         {nb['ours_ms_per_structure']:8.3f} ms/structure")
    print(f"  pymatgen get_all_neighbors   {nb['pymatgen_get_all_neighbors_ms']:8.3f} ms/structure"
          f"   ratio {nb['speedup_vs_get_all_neighbors']:6.1f}x")  # fmt: skip
    print(f"  pymatgen get_neighbor_list   {nb['pymatgen_get_neighbor_list_ms']:8.3f} ms/structure"
          f"   ratio {nb['speedup_vs_get_neighbor_list']:6.1f}x")  # fmt: skip

    desc = bench_descriptors(structures, args.repeat, args.matminer_limit)
    print(f"\nStructureDescriptors: {desc['ours_all_ms_per_structure']:.3f} ms/structure on all")
    for name in ("DensityFeatures", "RadialDistributionFunction", "SiteStatsFingerprint"):
        row = desc[name]
        line = f"  matminer {name:28s} accepted {row['accepted']:3d}, rejected {row['rejected']:3d}"
        if row["accepted"]:
            line += (
                f"; {row['matminer_ms_per_structure']:9.2f} vs ours "
                f"{row['ours_ms_per_structure']:7.3f} ms/structure, ratio {row['speedup']:8.1f}x"
            )
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"neighbors": nb, "descriptors": desc}, f, indent=2)


if __name__ == "__main__":
    main()
