"""Should the stabilisation model correct fluorides? Held-out errors on the table's own fluorides.

The model's training rows with fluorine among their anions are twelve: six metal fluorides (K3AlF6,
Na5Al3F14, Li3AlF6, Li2BeF4, LiBeF3, Na3AlF6; leave-one-out hull: their binary fluorides) and six
whose leave-one-out hull holds pure fluorine (KBF4, NaBF4, Na2SiF6, KHF2, WOF4, BOF;
``stabilisation_domain.fluoroanion_rows``), because the binary fluoride of their molecular anion's
centre (BF3, SiF4, HF, WF6) is a gas the table of solids lacks. Each fluoride is held out with its
chemical system and predicted by

* ``model``: the default model fitted on every other row (what the {F} domain set corrected with);
* ``refit``: the same, fitted without the six molecular fluorides;
* ``bounded``: ``model`` bounded by the most negative target of the other metal fluorides;
* ``zero``: no correction (the plain hull energy).

Prints each row and the mean absolute error per group (eV/atom), and the same for the {O, Cl} set's
rows (``benchmarks/oxychloride_domain.py`` measures every set; {O, Cl} is now excluded by the fit).

    ELECTROSCREEN_DATA=... python benchmarks/fluoride_domain.py     # ~1 min on one core
"""

from __future__ import annotations

import numpy as np

from electroscreen.featurizers.thermo.stabilisation import StabilisationModel
from electroscreen.featurizers.thermo.stabilisation_anions import ANION_BITS, anion_masks
from electroscreen.featurizers.thermo.stabilisation_data import stabilisation_training_set
from electroscreen.featurizers.thermo.stabilisation_domain import fluoroanion_rows

WATER = "gas"


def held_out(model: StabilisationModel, X, y, groups, rows, train) -> np.ndarray:
    """Clipped prediction of each row in ``rows`` by a model fitted on ``train`` minus its group."""
    out = np.zeros(len(rows))
    for j, i in enumerate(rows):
        keep = train & (groups != groups[i])
        regressor = model._regressor().fit(X[keep], y[keep])
        out[j] = min(regressor.predict(X[i : i + 1])[0], 0.0)
    return out


def main() -> None:
    model = StabilisationModel(water=WATER)
    X, y, groups = model.training_data()
    packed, _, _, targets = stabilisation_training_set(WATER, model.min_elements)
    masks = anion_masks(packed)
    names = targets["name"].to_numpy()
    fluorine = (masks > 0) & ((masks & ANION_BITS[9]) > 0)
    molecular = fluoroanion_rows(packed, WATER)
    metal = fluorine & ~molecular
    rows = np.flatnonzero(fluorine)
    everything = np.ones(len(y), dtype=bool)
    pred = held_out(model, X, y, groups, rows, everything)
    refit = held_out(model, X, y, groups, rows, ~molecular)
    bounded = pred.copy()
    for j, i in enumerate(rows):
        if metal[i]:
            others = y[metal & (np.arange(len(y)) != i)]
            bounded[j] = max(pred[j], min(others.min(), 0.0))
    print("| row | kind | target | model | refit | bounded | zero |")
    print("|---|---|---|---|---|---|---|")
    for j, i in enumerate(rows):
        kind = "molecular" if molecular[i] else "metal"
        print(
            f"| {names[i]} | {kind} | {y[i]:.3f} | {pred[j]:.3f} | {refit[j]:.3f} | "
            f"{bounded[j]:.3f} | 0 |"
        )
    print()
    print("| fluorides held out | n | model | refit | bounded | zero |")
    print("|---|---|---|---|---|---|")
    for label, group in (("metal", metal[rows]), ("molecular", molecular[rows])):
        t = y[rows][group]
        model_mae, refit_mae, bounded_mae = (
            np.abs(p[group] - t).mean() for p in (pred, refit, bounded)
        )
        bound = f"{bounded_mae:.3f}" if label == "metal" else "-"  # the bound is the metal rows'
        print(
            f"| {label} | {group.sum()} | {model_mae:.3f} | {refit_mae:.3f} | {bound} | "
            f"{np.abs(t).mean():.3f} |"
        )
    ocl = np.flatnonzero(masks == (ANION_BITS[8] | ANION_BITS[17]))
    p = held_out(model, X, y, groups, ocl, everything)
    print()
    print(
        f"{{O, Cl}} rows held out ({len(ocl)}): model {np.abs(p - y[ocl]).mean():.3f}, "
        f"zero {np.abs(y[ocl]).mean():.3f} eV/atom"
    )


if __name__ == "__main__":
    main()
