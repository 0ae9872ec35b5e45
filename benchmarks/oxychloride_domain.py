"""Should the stabilisation model correct an anion set? Held-out errors on each set's own rows.

``StabilisationModel.fit`` keeps a set of ``min_domain_count`` counted training rows in the domain
only if its correction, held out by chemical system (GroupKFold, ``domain_folds`` 5), predicts
those rows better than no correction (``stabilisation_domain.domain_scores``); {O, Cl} fails and is
excluded. This script prints, per water phase and per set of 10 rows:

* ``fit (GroupKFold 5)``: the fit's own measurement (``domain_scores_``), what decides;
* ``leave one system out``: each row predicted by a model fitted without its chemical system (the
  method of ``benchmarks/fluoride_domain.py``; for {O}, 212 fits per water phase, only with
  ``--all``);
* ``zero``: no correction (the plain hull energy);

and for the {O, Cl} rows the alternative to excluding the set, leaving it out of the domain so
that {O} corrects an oxychloride by its O share of the prediction for its oxide analogue
(``{O} share``, leave one system out), row by row.

    ELECTROSCREEN_DATA=... python benchmarks/oxychloride_domain.py          # ~1 min on one core
    ELECTROSCREEN_DATA=... python benchmarks/oxychloride_domain.py --all    # ~15 min
"""

from __future__ import annotations

import argparse

import numpy as np

from electroscreen.data.formula import ELEMENT_SYMBOLS
from electroscreen.featurizers.thermo.stabilisation import StabilisationModel
from electroscreen.featurizers.thermo.stabilisation_anions import ANION_BITS, mask_anions
from electroscreen.featurizers.thermo.stabilisation_data import stabilisation_training_set
from electroscreen.featurizers.thermo.stabilisation_domain import domain_masks

OXIDE, OXYCHLORIDE = int(ANION_BITS[8]), int(ANION_BITS[8] | ANION_BITS[17])


def _name(mask: int) -> str:
    return "{" + ", ".join(ELEMENT_SYMBOLS[z] for z in sorted(mask_anions(mask))) + "}"


def _without_system(model, X, y, groups, i):
    """A copy of ``model`` (domain {O} alone) whose regressor did not see row ``i``'s system."""
    keep = groups != groups[i]
    held = StabilisationModel(water=model.water)
    held.regressor_ = held._regressor().fit(X[keep], y[keep])
    held.domain_, held.excluded_ = frozenset([mask_anions(OXIDE)]), frozenset()
    return held


def main(every_set: bool) -> None:
    print("| water | set | rows | fit (GroupKFold 5) | leave one system out | zero | in domain |")
    print("|---|---|---|---|---|---|---|")
    blends = []
    for water in ("liquid", "gas"):
        model = StabilisationModel(water=water).fit()
        X, y, groups = model.training_data()
        packed, _, _, targets = stabilisation_training_set(water, model.min_elements)
        masks = domain_masks(packed, water)
        for mask, n, fit_mae, zero in model.domain_scores_:
            rows = np.flatnonzero(masks == int(mask))
            logo = "-"
            if every_set or int(mask) == OXYCHLORIDE:
                fits, pred = {}, np.zeros(len(rows))
                for j, i in enumerate(rows):
                    if groups[i] not in fits:
                        fits[groups[i]] = _without_system(model, X, y, groups, i)
                    pred[j] = min(fits[groups[i]].regressor_.predict(X[i : i + 1])[0], 0.0)
                logo = f"{np.abs(pred - y[rows]).mean():.3f}"
            inside = "yes" if mask_anions(int(mask)) in model.domain_ else "excluded"
            print(
                f"| {water} | {_name(int(mask))} | {int(n)} | {fit_mae:.3f} | {logo} | "
                f"{zero:.3f} | {inside} |"
            )
        for i in np.flatnonzero(masks == OXYCHLORIDE):
            held = _without_system(model, X, y, groups, i)
            one = packed.take(np.array([i]))
            _, parts, sets = held.domain_blend(one)
            share = parts[0].sum()
            blend = share * held.predict_analogues(one, sets[:1])[0] if share > 0 else 0.0
            own = min(held.regressor_.predict(X[i : i + 1])[0], 0.0)
            blends.append((water, targets["name"].iloc[i], y[i], own, share, blend))
    print()
    print("| water | {O, Cl} row | target | own prediction | O share | {O} share | zero |")
    print("|---|---|---|---|---|---|---|")
    for water, name, target, own, share, blend in blends:
        print(f"| {water} | {name} | {target:+.3f} | {own:+.3f} | {share:.3f} | {blend:+.3f} | 0 |")
    for water in ("liquid", "gas"):
        rows = np.array([b[2:] for b in blends if b[0] == water], dtype=np.float64)
        target, own, _, blend = rows.T
        print(
            f"| {water} | mean absolute error | | {np.abs(own - target).mean():.3f} | | "
            f"{np.abs(blend - target).mean():.3f} | {np.abs(target).mean():.3f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="leave one system out for {O} too")
    main(parser.parse_args().all)
