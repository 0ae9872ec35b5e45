"""Human-readable side of :class:`~electroscreen.featurizers.thermo.reactivity.AirReactivity`: balanced
reactions, product lists and hull stand-in phases as text (``AirReactivity.reactions``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.featurizers.thermo.enthalpies import EnthalpyTable, hull_phases

__all__ = ["DIATOMIC_ELEMENTS", "element_product", "format_reaction", "no_reaction_to_zero"]

NO_REACTION = 1e-6  # eV/atom: reaction energies above -1 ueV/atom count as no reaction
#: Elements whose standard state is a diatomic molecule: a reaction writes them as ``O2``, ``Cl2``
#: (the enthalpy table's element is one atom).
DIATOMIC_ELEMENTS = frozenset({"H", "N", "O", "F", "Cl", "Br", "I"})


def element_product(symbol: str) -> tuple[str, float]:
    """Name and atoms per formula unit of a pure element as a reaction product or phase:
    ``("Cl2", 2.0)`` for a :data:`DIATOMIC_ELEMENTS` member, else ``(symbol, 1.0)``."""
    return (f"{symbol}2", 2.0) if symbol in DIATOMIC_ELEMENTS else (symbol, 1.0)


def no_reaction_to_zero(energy: np.ndarray) -> np.ndarray:
    """Reaction energies with every "no reaction" set to exactly 0.

    Parameters
    ----------
    energy : ndarray of float, shape (n,)
        Reaction energies, eV/atom (<= 0 up to round-off; NaN where undefined).

    Returns
    -------
    ndarray of float64, shape (n,)
        0.0 where ``energy > -NO_REACTION`` (round-off of ~1e-16 included), else ``energy``; NaN
        stays NaN. Afterwards ``== 0.0`` marks exactly the rows with no reaction.
    """
    energy = np.asarray(energy, dtype=np.float64)
    return np.where(energy > -NO_REACTION, 0.0, energy)


def fmt_coeff(value: float) -> str:
    """A reaction coefficient as written before a formula: empty for 1 (within 1e-4), else 4
    significant digits and a space."""
    if abs(value - 1.0) < 1e-4:
        return ""
    text = f"{value:.4g}"
    return f"{text} "


def format_reaction(
    reactants: Sequence[tuple[float, str]], products: Sequence[tuple[float, str]]
) -> str:
    """``[(1, "Li3PS4"), (4, "H2O")], [(1, "Li3PO4"), (4, "H2S")]`` -> ``"Li3PS4 + 4 H2O -> ..."``."""
    left = " + ".join(f"{fmt_coeff(c)}{name}" for c, name in reactants if c > 1e-9)
    right = " + ".join(f"{fmt_coeff(c)}{name}" for c, name in products if c > 1e-9)
    return f"{left} -> {right}"


def hull_columns(
    packed: PackedCompositions, source: np.ndarray, water: str
) -> tuple[list[str], list[str]]:
    """``hull_phases`` and ``hull_elements`` text of each row (``""`` unless hull_decomposition)."""
    phases, elements = [], []
    for i in range(len(packed)):
        if not source[i].startswith("hull_decomposition"):
            phases.append("")
            elements.append("")
            continue
        lo, hi = packed.offsets[i], packed.offsets[i + 1]
        parts = hull_phases(packed.z[lo:hi], packed.amount[lo:hi], water)
        written = [
            element_product(name) if name in SYMBOL_TO_Z else (name, 1.0) for name, _ in parts
        ]
        phases.append(
            " + ".join(
                f"{fmt_coeff(c / atoms)}{text}"
                for (_, c), (text, atoms) in zip(parts, written, strict=True)
            )
        )
        elements.append(" ".join(name for name, _ in parts if name in SYMBOL_TO_Z))
    return phases, elements


def product_lists(
    n: int, products: tuple | None, table: EnthalpyTable
) -> list[list[tuple[str, float, float]]]:
    """Per row: ``(name, atom amount in the mixture, atoms per formula unit)`` of each product
    (a pure element as :func:`element_product` writes it)."""
    lists: list[list[tuple[str, float, float]]] = [[] for _ in range(n)]
    if products is None:
        return lists
    rows, stack, entry, amount = products
    for j, i in enumerate(rows.tolist()):
        s = stack.system_of[j]
        for g, a in zip(entry[j].tolist(), amount[j].tolist(), strict=True):
            if g < 0:
                continue
            t = stack.table_index[g]
            if t >= 0:
                lists[i].append((str(table.names[t]), a, float(table.atoms[t])))
            else:
                z = stack.elements[s, g - stack.entry_offsets[s]]
                name, atoms = element_product(ELEMENT_SYMBOLS[z])
                lists[i].append((name, a, atoms))
    return lists


def formulas_of(X: object, packed: PackedCompositions) -> list[str]:
    """Each row's formula as text: a frame's ``formula`` column, a string item as given, else
    rebuilt from ``packed`` (symbols and ``%g`` amounts)."""
    if isinstance(X, pd.DataFrame):
        return X["formula"].astype(str).tolist()
    items = list(X) if not isinstance(X, PackedCompositions) else [None] * len(packed)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append(item)
        else:
            lo, hi = packed.offsets[i], packed.offsets[i + 1]
            out.append(
                "".join(
                    f"{ELEMENT_SYMBOLS[zz]}{a:g}"
                    for zz, a in zip(packed.z[lo:hi], packed.amount[lo:hi], strict=True)
                )
            )
    return out


def reaction_text(
    formula: str,
    atoms: float,
    x: float,
    energy: float,
    reactant: str,
    reactant_atoms: float,
    products: list[tuple[str, float, float]],
) -> tuple[str, str]:
    """Products and balanced reaction per formula unit of the candidate as written."""
    if np.isnan(energy):
        return "", ""
    if energy > -NO_REACTION or x <= 1e-12:
        return "", "no reaction"
    scale = atoms / x  # mixture atoms per candidate formula unit
    reactant_fu = (1.0 - x) * scale / reactant_atoms
    prods = sorted(((amt * scale / n_at, name) for name, amt, n_at in products), key=lambda t: t[1])
    product_text = " + ".join(f"{fmt_coeff(c)}{name}" for c, name in prods)
    return product_text, format_reaction([(1.0, formula), (reactant_fu, reactant)], prods)
