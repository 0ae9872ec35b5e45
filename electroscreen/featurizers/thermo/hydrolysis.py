"""Hydrolysis without redox: the H2S and H2Se a candidate releases with water, on the same hull.

The most negative reaction with water on the experimental-enthalpy hull
(:class:`~electroscreen.featurizers.thermo.reactivity.AirReactivity`'s ``rxn_h2o_ev_per_atom``) is a
global equilibrium, and for some sulfides and every selenide it is a redox reaction that is not what
happens in humid air: water oxidising S2- to sulfate or Se2- to Se with H2 evolving
(``Na2S + 4 H2O -> Na2SO4 + 4 H2``, ``Li6PSe5Cl + 5 H2O -> 4 H2 + Li2Se + Li3PO4 + LiCl(H2O) + 4 Se``).
That needs an electron transfer which is kinetically hindered at room temperature; what a sulfide
does in air is hydrolyse (S2- + H2O -> HS- + OH-, then H2S), and a selenide releases H2Se.

:func:`hydrolysis_scan` reruns the reaction scan of the same stacked chemical systems with every
product that changes an anion's oxidation state priced out: entries are allowed only when H is +1,
O -2, N -3, the halogens -1 and the chalcogens S, Se, Te -2 in them
(:func:`~electroscreen.data.oxidation.oxidation_states_packed` on the table's formulas), and the
pure elements H, N, O, the halogens and the chalcogens are not allowed either. With every anion and
the water's H and O held at their states, charge balance leaves the cations' total charge fixed, so
no anion is oxidised and no proton reduced (cations could still exchange electrons among
themselves, Sn(IV) + 2 Fe(II) -> Sn(II) + 2 Fe(III); none of the electrolytes checked does). The
one exception is a candidate whose stand-in hull holds pure elements (``elemental_hull``: P and Se
for Li6PSe5Cl, no P-Se compound being tabulated): those react as the compound's cations and anions
would (P + Se -> Li3PO4 + H2Se). The penalised entries keep their place in the stack (the kernels start from the
pure elements as a basis) with :data:`PENALTY_EV_PER_ATOM` added to their enthalpy: the linear
program uses one only where nothing else balances the atoms, and then by at most about
``5 / PENALTY_EV_PER_ATOM`` atoms per atom of mixture (the deepest enthalpies are about -5 eV/atom),
so a candidate that cannot hydrolyse without redox (a sulfate, a persulfide) reads "no reaction".

The candidate enthalpy is the one the full scan used (tabulated, hull or corrected), so the two
scans differ only in the products allowed. The energy of the hydrolysis is not a descriptor (the
driving force stays ``rxn_h2o_ev_per_atom``); its products give the H2S and H2Se counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from electroscreen.data.compositions import pack_compositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.data.oxidation import oxidation_states_packed
from electroscreen.data.segments import segment_any, segment_ids
from electroscreen.featurizers.thermo.enthalpies import EnthalpyTable, enthalpy_table
from electroscreen.featurizers.thermo.hull import reaction_scan_packed
from electroscreen.featurizers.thermo.reaction_systems import StackedSystems

__all__ = [
    "FIXED_STATES",
    "PENALTY_EV_PER_ATOM",
    "TOXIC_GASES",
    "HydrolysisScan",
    "allowed_entries",
    "hydrolysis_scan",
]

#: Elements whose oxidation state a hydrolysis keeps: water's H and O, and the anions.
FIXED_STATES: dict[str, float] = {
    "H": 1.0,
    "O": -2.0,
    "N": -3.0,
    "F": -1.0,
    "Cl": -1.0,
    "Br": -1.0,
    "I": -1.0,
    "S": -2.0,
    "Se": -2.0,
    "Te": -2.0,
}
#: Added to the enthalpy (eV/atom) of an entry a hydrolysis may not form.
PENALTY_EV_PER_ATOM = 1000.0
#: The toxic hydrides counted, table name -> atoms per molecule.
TOXIC_GASES: dict[str, int] = {"H2S": 3, "H2Se": 3}
_FIXED_Z = {SYMBOL_TO_Z[s]: state for s, state in FIXED_STATES.items()}


@cache
def allowed_entries(water: str) -> np.ndarray:
    """Per table entry (bool, ``(n_table,)``): may a hydrolysis form it?

    True when every element of :data:`FIXED_STATES` in it takes its fixed state in the entry's
    balanced oxidation-state assignment (Li2S, LiOH, H2S, Li3PO4, SnO2, LiCl(H2O)), False otherwise
    (Li2SO4, Na2S2 written NaS, SO2, SeO2, NaH, Na2O2) and for an entry with a fixed element whose
    states do not balance. An entry without any fixed element (an intermetallic) is allowed.
    """
    table = enthalpy_table(water)
    packed = pack_compositions([str(n) for n in table.names])
    oxidation = oxidation_states_packed(packed)
    fixed = np.array([_FIXED_Z.get(int(z), np.nan) for z in packed.z])
    has_fixed = ~np.isnan(fixed)
    wrong = has_fixed & ~(np.abs(oxidation.states - fixed) < 1e-6)  # NaN state: wrong
    bad = segment_any(wrong, packed.offsets)
    with_fixed = segment_any(has_fixed, packed.offsets)
    balanced = oxidation.status == "ok"
    return ~bad & (balanced | ~with_fixed)


@dataclass(frozen=True)
class HydrolysisScan:
    """Result of :func:`hydrolysis_scan` for ``k`` stacked candidates.

    Attributes
    ----------
    energy : float64 (k,)
        Most negative hydrolysis energy, eV per atom of reacting mixture (<= 0).
    mixing : float64 (k,)
        Atom fraction of the candidate in that mixture.
    entry : int64 (k, d_max + 1)
        Products as rows of the stack (-1 padding).
    amount : float64 (k, d_max + 1)
        Their atoms per atom of mixture.
    gas_atoms : dict of str -> float64 (k,)
        Atoms of each :data:`TOXIC_GASES` species per atom of mixture.
    penalised : float64 (k,)
        Atoms per atom of mixture of products a hydrolysis may not form (0 unless the candidate
        cannot hydrolyse without redox and the penalty was cheaper than not reacting; a trace).
    """

    energy: np.ndarray
    mixing: np.ndarray
    entry: np.ndarray
    amount: np.ndarray
    gas_atoms: dict[str, np.ndarray]
    penalised: np.ndarray


def hydrolysis_scan(
    stack: StackedSystems,
    candidate_energy: np.ndarray,
    water_energy: float,
    water: str,
) -> HydrolysisScan:
    """The reaction scan of ``stack`` (candidates with H2O) restricted to non-redox products.

    Parameters
    ----------
    stack : StackedSystems
        The H2O stack of the full scan (:func:`~electroscreen.featurizers.thermo.reaction_systems.stack_systems`).
    candidate_energy : float64 (k,)
        Enthalpy (eV/atom) of each candidate the full scan used.
    water_energy : float
        Enthalpy of water, eV/atom (of the ``water`` phase).
    water : {"gas", "liquid"}
        Which table ``stack`` was built from.

    Returns
    -------
    HydrolysisScan
    """
    table: EnthalpyTable = enthalpy_table(water)
    energy = stack.energy.copy()
    compound = stack.table_index >= 0
    blocked = np.zeros(len(energy), dtype=bool)
    blocked[compound] = ~allowed_entries(water)[stack.table_index[compound]]
    system = segment_ids(stack.entry_offsets)
    position = np.arange(len(energy)) - stack.entry_offsets[system]
    element = ~compound  # the first dims[s] entries of system s: elements[s, position]
    z = stack.elements[system[element], position[element]]
    blocked[element] = np.isin(z, list(_FIXED_Z))
    energy[blocked] += PENALTY_EV_PER_ATOM
    e_react = np.full(len(stack.dims), water_energy)
    rxn, x, _, p_idx, p_amt, _ = reaction_scan_packed(
        stack.matrix,
        energy,
        stack.entry_offsets,
        stack.dims,
        stack.system_of,
        stack.comps,
        np.asarray(candidate_energy, dtype=np.float64),
        stack.reacts,
        e_react,
    )
    entry = np.where(p_idx >= 0, stack.entry_offsets[stack.system_of][:, None] + p_idx, -1)
    table_row = np.where(entry >= 0, stack.table_index[np.maximum(entry, 0)], -1)
    gas_atoms = {
        name: np.where((table_row >= 0) & (table.names[table_row] == name), p_amt, 0.0).sum(axis=1)
        for name in TOXIC_GASES
    }
    penalised = np.where((entry >= 0) & blocked[np.maximum(entry, 0)], p_amt, 0.0).sum(axis=1)
    return HydrolysisScan(rxn, x, entry, p_amt, gas_atoms, penalised)
