"""Choose the bond-valence plausibility threshold (``filters.max_gii``) from data.

Known structures: OBELiX's CIFs (read from ``$ELECTROSCREEN_DATA``). Implausible structures: random
substitutions of them -- every framework cation (every cation but the carrier) replaced by a random
element that has the same oxidation state among its common states (so the charge still balances),
not already in the structure, with Brese-O'Keeffe constants; the lattice rescaled by the ionic-volume
ratio (``screening.generate``'s machinery: ``substitute_packed``, ``ionic_volume_scale``). Probable
substitutions (``generate_candidates``, the pool ``screen`` sees) are scored as well, to show what the
filter would remove from a real screening.

``BondValenceGII`` (defaults) scores all three; the threshold is the ``--keep`` quantile of the known
structures' GII. Prints the distributions, the threshold, and the fraction of each pool it rejects.

    ELECTROSCREEN_DATA=/path/to/data python benchmarks/gii_threshold.py --per-seed 5 --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from electroscreen.data.candidates import OK
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.oxidation import element_oxidation_states
from electroscreen.data.packed import PackedStructures, pack_structures
from electroscreen.featurizers.bvse.bond_valence import brese_okeeffe_r0
from electroscreen.featurizers.bvse.plausibility import BondValenceGII, occupant_valences
from electroscreen.screening.generate import generate_candidates
from electroscreen.screening.substitution import ionic_volume_scale, substitute_packed

NOBLE = {"He", "Ne", "Ar", "Kr", "Xe", "Rn"}


def _candidates_by_state(carrier_z: int) -> dict[int, list[int]]:
    """Oxidation state -> elements with that state among their common states and BV constants."""
    by_state: dict[int, list[int]] = {}
    for z in range(1, 104):
        symbol = ELEMENT_SYMBOLS[z]
        if symbol in NOBLE or z == carrier_z or np.isnan(brese_okeeffe_r0(z, 8)):
            continue
        for state, _ in element_oxidation_states(symbol):
            if state > 0 and float(state).is_integer():
                by_state.setdefault(int(state), []).append(z)
    return by_state


def random_substitutions(
    seeds: PackedStructures, per_seed: int, rng: np.random.Generator, carrier: str = "Li"
) -> PackedStructures:
    """``per_seed`` random charge-compatible substitutions of every framework cation of each seed."""
    carrier_z = SYMBOL_TO_Z[carrier]
    by_state = _candidates_by_state(carrier_z)
    valence, status = occupant_valences(seeds)
    n = len(seeds)
    occ_struct = np.repeat(np.repeat(np.arange(n), seeds.n_sites), np.diff(seeds.occ_offsets))
    index, old, new, charge, scale, ids = [], [], [], [], [], []
    for i in np.flatnonzero(status == OK):
        mine = occ_struct == i
        z_all, amounts = np.unique(seeds.occ_species[mine], return_inverse=True)
        amount = np.bincount(amounts, weights=seeds.occ_fraction[mine])
        q = np.array([valence[mine][seeds.occ_species[mine] == z][0] for z in z_all])
        movable = (q > 0) & (z_all != carrier_z) & (q == np.round(q))
        if not movable.any():
            continue
        for k in range(per_seed):
            new_z = z_all.copy()
            used = set(z_all.tolist())
            ok = True
            for e in np.flatnonzero(movable):
                options = [z for z in by_state.get(int(q[e]), []) if z not in used]
                if not options:
                    ok = False
                    break
                new_z[e] = rng.choice(options)
                used.add(int(new_z[e]))
            if not ok:
                continue
            index.append(i)
            old.append(z_all)
            new.append(new_z)
            charge.append(q)
            scale.append(ionic_volume_scale(amount, z_all, q, new_z, q))
            ids.append(f"{seeds.ids[i]}:random{k}")
    return substitute_packed(seeds, np.array(index), old, new, charge, np.array(scale), tuple(ids))


def _summary(name: str, gii: np.ndarray, status: np.ndarray, threshold: float | None) -> None:
    ok = gii[status == OK]
    q = np.percentile(ok, [5, 25, 50, 75, 95]) if len(ok) else [np.nan] * 5
    line = f"{name:<24} n={len(gii):5d} scored={len(ok):5d}  GII p5/p25/p50/p75/p95 = " + "/".join(
        f"{v:.3f}" for v in q
    )
    if threshold is not None and len(ok):
        line += f"  rejected={np.mean(ok > threshold):.1%}"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-seed", type=int, default=5, help="random substitutions per seed")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--keep", type=float, default=0.95, help="quantile of known GII kept")
    parser.add_argument(
        "--parameters", nargs="+", default=["softbv"], help="softbv, tabulated and/or brese1991"
    )
    parser.add_argument("--max-generated", type=int, default=3000)
    args = parser.parse_args()

    from electroscreen.data.obelix import obelix_candidates

    table = obelix_candidates(structures_only=True)
    table = table[(table["status"] == OK) & table["structure"].notna()]
    # one structure per CIF (OBELiX lists some CIFs under several entries)
    table = table.drop_duplicates("candidate_id")
    seeds = pack_structures(list(table["structure"]), list(table["candidate_id"]))
    rng = np.random.default_rng(args.seed)
    randoms = random_substitutions(seeds, args.per_seed, rng)
    generated = generate_candidates(seeds, max_candidates=args.max_generated, seed=args.seed)
    print(f"seed={args.seed} per_seed={args.per_seed} keep={args.keep}")
    for parameters in args.parameters:
        _report(BondValenceGII(parameters=parameters), seeds, randoms, generated.packed, args.keep)


def _report(featurizer, seeds, randoms, generated, keep: float) -> None:
    t0 = time.perf_counter()
    known, known_status = featurizer.transform_with_status(seeds)
    t_known = time.perf_counter() - t0
    rand, rand_status = featurizer.transform_with_status(randoms)
    gen, gen_status = featurizer.transform_with_status(generated)
    ok_known = known[known_status == OK, 0]
    threshold = float(np.quantile(ok_known, keep))
    print(f"\n== parameters={featurizer.parameters}")
    print(
        f"known structures: {len(seeds)}, {t_known:.2f} s ({1e3 * t_known / len(seeds):.1f} ms each)"
    )
    for name, values, status in (
        ("OBELiX known", known[:, 0], known_status),
        ("random substitutions", rand[:, 0], rand_status),
        ("generated (probable)", gen[:, 0], gen_status),
    ):
        _summary(name, values, status, threshold)
        bad = status[status != OK]
        if len(bad):
            kinds, counts = np.unique(bad.astype(str), return_counts=True)
            print("    not scored:", dict(zip(kinds.tolist(), counts.tolist(), strict=True)))
    ok_rand = rand[rand_status == OK, 0]
    auc = np.mean(ok_rand[:, None] > ok_known[None, :]) + 0.5 * np.mean(
        ok_rand[:, None] == ok_known[None, :]
    )
    print(f"ROC AUC known vs random = {auc:.3f}")
    scales = known[known_status == OK, 1]
    print(f"known gii_scale p5/p50/p95 = {np.percentile(scales, [5, 50, 95]).round(3).tolist()}")
    print(f"threshold (quantile {keep} of known) = {threshold:.3f} v.u.")
    worst = np.argsort(-np.nan_to_num(known[:, 0]))[:8]
    print("highest-GII known:", [(seeds.ids[i], round(float(known[i, 0]), 3)) for i in worst])


if __name__ == "__main__":
    main()
