"""Electrode phases of the interface scans and the formation enthalpy each one takes.

An element is its own reference (0 eV/atom). A compound takes its tabulated enthalpy when the table
(pymatgen's experimental compilation plus ``featurizers/data/enthalpies_extra.csv``) has one: a cited
row always wins. Otherwise -- LiCoO2, LiNiO2, NMC: no layered-oxide cathode is tabulated, and no
primary calorimetry could be read for one (``benchmarks/README.md``, "Interfaces with the
electrodes") -- it is **estimated** as untabulated candidates are
(:func:`~electroscreen.featurizers.thermo.candidate_enthalpy.corrected_enthalpy`): the hull energy of its
composition from the tabulated phases plus the stabilisation predicted by
:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel` (grouped-CV error ~0.09
eV/atom), and only inside the model's applicability domain. Outside it (e.g. a sulfide cathode such
as LiTiS2) there is no estimate and :func:`electrode_enthalpy` raises ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from electroscreen.data.formula import SYMBOL_TO_Z, parse_formula
from electroscreen.featurizers.thermo.candidate_enthalpy import corrected_enthalpy
from electroscreen.featurizers.thermo.enthalpies import composition_key, enthalpy_table
from electroscreen.featurizers.thermo.stabilisation import SOURCE_CORRECTED, SOURCE_KNOWN
from electroscreen.featurizers.thermo.stabilisation_data import hull_features
from electroscreen.featurizers.thermo.window import STABILISATION_MAE_EV

__all__ = ["ELEMENT", "ESTIMATED", "TABULATED", "Electrode", "electrode_enthalpy"]

#: ``Electrode.source`` values.
ELEMENT, TABULATED, ESTIMATED = "element", "tabulated", "estimated"


@dataclass(frozen=True)
class Electrode:
    """An electrode phase and the formation enthalpy a reaction scan uses for it.

    Attributes
    ----------
    formula : str
        As given, e.g. ``"LiCoO2"``.
    react : dict
        Atomic number -> amount per formula unit.
    enthalpy : float
        Formation enthalpy, eV/atom (0 for an element).
    source : {"element", "tabulated", "estimated"}
        ``estimated``: hull energy plus the stabilisation model's prediction (no measured value).
    hull : float
        Hull energy of the composition from the tabulated phases, eV/atom (``enthalpy`` for an
        element or a tabulated compound).
    """

    formula: str
    react: dict[int, float]
    enthalpy: float
    source: str
    hull: float

    @property
    def note(self) -> str:
        """One line saying where the enthalpy comes from (shown by ``reactions`` and citations)."""
        if self.source == ELEMENT:
            return f"{self.formula}: element, 0 eV/atom"
        if self.source == TABULATED:
            return f"{self.formula}: tabulated {self.enthalpy:.3f} eV/atom"
        return (
            f"{self.formula}: estimated {self.enthalpy:.3f} eV/atom (hull {self.hull:.3f} + "
            f"stabilisation model {self.enthalpy - self.hull:.3f}, typical error "
            f"~{STABILISATION_MAE_EV:.2f} eV/atom), no measured value tabulated"
        )


@lru_cache(maxsize=64)
def electrode_enthalpy(formula: str, water: str = "gas", estimate: bool = True) -> Electrode:
    """The enthalpy of an electrode: 0 for an element, the table's value, or an estimate.

    Parameters
    ----------
    formula : str
        Electrode phase, e.g. ``"Li"``, ``"LiCoO2"``, ``"LiNi0.8Mn0.1Co0.1O2"``.
    water : {"gas", "liquid"}
        Water phase of the enthalpy table.
    estimate : bool
        Allow the estimate (hull + stabilisation model) for an untabulated compound.

    Raises
    ------
    ValueError
        Not a formula with positive amounts; or an untabulated compound when ``estimate`` is False
        or outside the stabilisation model's domain.
    """
    amounts = parse_formula(formula)
    if not amounts or any(a <= 0 for a in amounts.values()):
        raise ValueError(f"electrode {formula!r} is not a formula with positive amounts")
    react = {SYMBOL_TO_Z[s]: float(a) for s, a in amounts.items()}
    if len(react) == 1:
        return Electrode(formula, react, 0.0, ELEMENT, 0.0)
    table = enthalpy_table(water)
    key = composition_key(list(react), list(react.values()))
    if key in table.known:
        energy = float(table.energy[table.known[key]])
        return Electrode(formula, react, energy, TABULATED, energy)
    hint = "add a row with its primary source to featurizers/data/enthalpies_extra.csv"
    if not estimate:
        raise ValueError(f"electrode {formula!r} has no tabulated formation enthalpy: {hint}")
    energy, source = corrected_enthalpy(list(react), list(react.values()), water)
    if source == SOURCE_KNOWN:  # tabulated under another key (cannot happen; kept honest)
        return Electrode(formula, react, energy, TABULATED, energy)
    if source != SOURCE_CORRECTED:
        raise ValueError(
            f"electrode {formula!r} has no tabulated formation enthalpy and is not wholly inside the "
            f"stabilisation model's domain, so it cannot be estimated: {hint}"
        )
    hull = float(hull_features(np.asarray(list(react)), np.asarray(list(react.values())), water)[0])
    return Electrode(formula, react, energy, ESTIMATED, hull)
