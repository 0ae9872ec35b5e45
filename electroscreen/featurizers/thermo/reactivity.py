"""Reactivity with air components (H2O, O2, CO2) from experimental formation enthalpies.

For each candidate and each reactant the featurizer finds the most negative reaction energy over every
mixing ratio on the convex hull of the combined chemical system (the quantity pymatgen's
``InterfacialReactivity`` reads off its kinks; Richards et al., Chem. Mater. 28, 266 (2016)), as
used to screen solid electrolytes against moisture and air (Zhu, He, Mo, ACS Appl. Mater. Interfaces
7, 23685 (2015); Nolan et al., Joule 2, 2016 (2018)). The hull is built offline from experimental
enthalpies (:mod:`electroscreen.featurizers.thermo.enthalpies`) and solved as one small linear program per
candidate and reactant (:mod:`electroscreen.featurizers.thermo.hull`), grouped by chemical system.

Candidate enthalpy (reported per candidate as ``enthalpy_source``):

``known``
    The composition (up to scale) is in the table: its tabulated enthalpy.
``hull_decomposition``
    Otherwise: the hull energy of its composition, i.e. the candidate is approximated by its
    equilibrium decomposition into tabulated compounds and elements. This ignores the candidate's own
    stabilisation below that hull, so reaction energies are an upper bound on reactivity (too
    negative by at most ``x * E_stabilisation``; e.g. LLZO is treated as Li2ZrO3 + Li2O + La2O3 ...).
    :meth:`AirReactivity.reactions` lists these stand-in phases (``hull_phases``) and flags pure
    elements among them (``hull_elements``: the table lacks a compound binding them, e.g. ``S`` for
    Li3PS4 since no P(V) sulfide is tabulated), where the approximation is cruder still.
``hull_decomposition+stabilisation_model``
    The hull energy plus the stabilisation predicted by
    :class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel` (trained on the same table,
    leave-one-out), for untabulated candidates whose anions are all inside its applicability domain
    (default ``stabilisation=True``). With none inside (e.g. sulfides: the table has no ternary
    sulfide to learn from, its O-S compounds are sulfates; chlorides) the plain hull energy is kept.
``hull_decomposition+partial_stabilisation_model``
    Some of the anions inside, some not: the hull energy plus the predicted stabilisation times the
    share of the anion atoms inside (``stabilisation_weight``, :meth:`~electroscreen.featurizers.
    thermo.stabilisation.StabilisationModel.domain_weight`): 0.999 for LLZO with 0.01 S per formula
    unit, 0.0008 for Li10GeP2S11.99O0.01, 0.25 for Li3PS3O. A dopant-level anion so moves the
    enthalpy by a dopant-level amount instead of switching the correction on or off.

In both, a cation under 1/7 of the cation atoms shares the correction with the composition's
hosts (:mod:`~electroscreen.featurizers.thermo.stabilisation_hosts`: Li2.99Ba0.005OCl is 0.012 of
its own prediction and 0.988 of Li3OCl's), so a dopant-level cation does the same; the
``stabilisation_ev_per_atom`` column is that blend, ``stabilisation_weight`` the anions' share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.candidates import merge_status
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import SYMBOL_TO_Z
from electroscreen.featurizers.base import CompositionFeaturizer, as_packed_compositions
from electroscreen.featurizers.thermo.candidate_enthalpy import candidate_enthalpies
from electroscreen.featurizers.thermo.enthalpies import (
    EXP_TABLE_CITATION,
    EnthalpyTable,
    composition_key,
    enthalpy_table,
)
from electroscreen.featurizers.thermo.hull import reaction_scan_packed
from electroscreen.featurizers.thermo.hydrolysis import TOXIC_GASES, hydrolysis_scan
from electroscreen.featurizers.thermo.reaction_systems import stack_systems
from electroscreen.featurizers.thermo.reaction_text import (
    NO_REACTION,
    format_reaction,
    formulas_of,
    hull_columns,
    product_lists,
    reaction_text,
)
from electroscreen.featurizers.thermo.stabilisation import (
    SOURCE_CORRECTED,
    SOURCE_HULL,
    SOURCE_KNOWN,
    SOURCE_PARTIAL,
)
from electroscreen.featurizers.thermo.window_kernels import TRACE_FRACTION

__all__ = [
    "REACTANTS",
    "AirReactivity",
    "format_reaction",
]

#: Reactant name -> {symbol: amount}.
REACTANTS: dict[str, dict[str, float]] = {
    "h2o": {"H": 2.0, "O": 1.0},
    "o2": {"O": 2.0},
    "co2": {"C": 1.0, "O": 2.0},
}
RICHARDS_2016 = (
    "W. D. Richards, L. J. Miara, Y. Wang, J. C. Kim, G. Ceder, Interface stability in solid-state "
    "batteries, Chem. Mater. 28, 266-273 (2016), doi:10.1021/acs.chemmater.5b04082"
)
ZHU_2015 = (
    "Y. Zhu, X. He, Y. Mo, Origin of outstanding stability in the lithium solid electrolyte "
    "materials: insights from thermodynamic analyses based on first-principles calculations, "
    "ACS Appl. Mater. Interfaces 7, 23685-23693 (2015), doi:10.1021/acsami.5b07517"
)
NOLAN_2018 = (
    "A. M. Nolan, Y. Zhu, X. He, Q. Bai, Y. Mo, Computation-accelerated design of materials and "
    "interfaces for all-solid-state lithium-ion batteries, Joule 2, 2016-2046 (2018), "
    "doi:10.1016/j.joule.2018.08.017"
)
CODATA = (
    "CODATA Key Values for Thermodynamics (Cox, Wagman, Medvedev, 1989), via enthalpies_extra.csv"
)
_METHOD = f"{RICHARDS_2016}; {EXP_TABLE_CITATION}; {CODATA}"

_FEATURES: list[tuple[str, str, str]] = [
    ("rxn_h2o_ev_per_atom", "eV/atom of reacting mixture", _METHOD),
    ("rxn_o2_ev_per_atom", "eV/atom of reacting mixture", _METHOD),
    ("rxn_co2_ev_per_atom", "eV/atom of reacting mixture", _METHOD),
    ("h2s_released", "0/1", _METHOD),  # H2S or H2Se, by hydrolysis without redox
    (
        "h2s_per_formula_unit",
        "mol H2S + H2Se per mol candidate (formula as written), hydrolysis without redox",
        _METHOD,
    ),
    ("hydrate_formed", "0/1", _METHOD),
    ("h2o_mixing_ratio", "atom fraction of candidate", _METHOD),
    ("formation_enthalpy_ev_per_atom", "eV/atom", EXP_TABLE_CITATION),
    ("enthalpy_known", "0/1", EXP_TABLE_CITATION),
]
#: Status of a row whose features were computed, but on a hull that stands in pure elements for
#: compounds the table lacks (Li3YBr6 as 3 LiBr + 3 Br + Y: no Y-Br compound is tabulated), so its
#: enthalpy is too high and its reaction energies too negative; a model using them notes it in
#: ``pred_feature_status``. The window of such a row is NaN (``window_elemental_hull``, same rule).
ELEMENTAL_HULL = "elemental_hull"
_RXN_FEATURE = {"h2o": 0, "o2": 1, "co2": 2}
_COL = {name: i for i, (name, _, _) in enumerate(_FEATURES)}


def _is_hydrate(names: np.ndarray) -> np.ndarray:
    """Table entries that are hydrates (written ``X(H2O)n``), the hydration channel of the H2O scan."""
    return np.array(["(H2O)" in str(n) for n in names], dtype=bool)


class AirReactivity(CompositionFeaturizer):
    """Reaction energies with H2O, O2 and CO2 on the experimental-enthalpy convex hull (9 features).

    Features, in order:

    * ``rxn_h2o_ev_per_atom``, ``rxn_o2_ev_per_atom``, ``rxn_co2_ev_per_atom``: most negative
      reaction energy (eV per atom of the reacting mixture, <= 0) over all mixing ratios.
    * ``h2s_released``: 1 when the hydrolysis without redox (:mod:`~electroscreen.featurizers.thermo.
      hydrolysis`: products keep every anion's state; the global reaction can be a redox one not
      seen in air, ``Na2S + 4 H2O -> Na2SO4 + 4 H2``) releases H2S or H2Se.
    * ``h2s_per_formula_unit``: mol H2S + H2Se it releases per mol of candidate (formula as
      written; 4 for Li3PS4 + 4 H2O -> Li3PO4 + 4 H2S, 1 for Na2S, 4 H2Se for Li6PSe5Cl), 0 when
      none; H2Te is not tabulated (a telluride reads 0).
    * ``hydrate_formed``: 1 when a tabulated hydrate (e.g. LiCl(H2O)3) is among the products: the
      hydration channel of chlorides, which otherwise would score "no reaction".
    * ``h2o_mixing_ratio``: atom fraction of the candidate in that mixture (1 when nothing reacts).
    * ``formation_enthalpy_ev_per_atom``: the candidate enthalpy used (tabulated, hull, or hull
      plus predicted stabilisation).
    * ``enthalpy_known``: 1 when the composition is tabulated, 0 for an approximation.

    Parameters
    ----------
    water : {"gas", "liquid"}
        Standard state of water in the hull: ``"gas"`` (default; water vapour, as in humid air,
        -241.83 kJ/mol) or ``"liquid"`` (condensed water, -285.83 kJ/mol: 44 kJ per mol H2O less
        reactive).
    stabilisation : bool
        Correct untabulated candidates inside the applicability domain of the stabilisation model
        (:class:`~electroscreen.featurizers.thermo.stabilisation.StabilisationModel`: oxides and
        oxysalts; not sulfides with S-II, which its training table lacks, nor fluorides, nor
        oxychlorides, whose correction held out is worse than none) by their predicted
        stabilisation below the hull, times the share of their anion atoms inside that domain (an
        oxysulfide in part). ``False``: the plain hull approximation everywhere.

    Notes
    -----
    Candidate enthalpies: see the module docstring (``known`` / ``hull_decomposition`` /
    ``hull_decomposition+stabilisation_model``); :meth:`reactions` reports which one each candidate
    used, the predicted stabilisation, and the balanced reactions.
    The chemical systems of a batch are built together (:mod:`~electroscreen.featurizers.thermo.reaction_systems`).

    Examples
    --------
    >>> values = AirReactivity().transform(["Li3PS4", "Li3PO4"])
    >>> bool(values[0, 0] < -0.1), float(values[1, 0]), float(values[0, 3])
    (True, 0.0, 1.0)
    """

    feature_table = _FEATURES
    #: Pickled before ``stabilisation`` existed: not stabilised (unlike the default, ``True``).
    _legacy_state = {"stabilisation": False}

    def __init__(self, water: str = "gas", stabilisation: bool = True) -> None:
        self.water = water
        self.stabilisation = stabilisation

    def citations(self) -> list[str]:
        """References of the reaction scan, the enthalpy table and the CODATA values."""
        return [RICHARDS_2016, ZHU_2015, NOLAN_2018, EXP_TABLE_CITATION, CODATA]

    # -- computation -------------------------------------------------------------------------
    def _scan(self, packed: PackedCompositions) -> dict[str, object]:
        """Run every reactant on every usable row; per-row arrays and, per reactant, the products."""
        n = len(packed)
        table = enthalpy_table(self.water)
        usable, total = packed.usable_rows()
        rows = np.flatnonzero(usable)
        out: dict[str, object] = {
            "known_energy": np.full(n, np.nan),  # tabulated
            "candidate_energy": np.full(n, np.nan),  # tabulated or corrected; NaN: hull
            "stabilisation": np.full(n, np.nan),  # applied (weight x predicted), where weight > 0
            "weight": np.zeros(n),  # share of the anion atoms in the model's domain
            "energy": np.full(n, np.nan),  # used
            "atoms": np.where(usable, total, np.nan),
            "elemental": np.zeros(n),  # atom fraction of pure elements in an untabulated hull
            "rxn_hydrolysis": np.full(n, np.nan),  # the H2O scan without redox (hydrolysis.py)
            "mixing_hydrolysis": np.full(n, np.nan),
            "products_hydrolysis": None,
        }
        out.update({f"{gas}_atoms_hydrolysis": np.zeros(n) for gas in TOXIC_GASES})
        is_hydrate = _is_hydrate(table.names)
        for name, reactant in REACTANTS.items():
            rxn, mixing = np.full(n, np.nan), np.full(n, np.nan)
            hydrate = np.zeros(n, dtype=bool)
            products = None
            if len(rows):
                stack = stack_systems(
                    packed, rows, {SYMBOL_TO_Z[s]: a for s, a in reactant.items()}, table
                )
                if name == "h2o":  # the first reactant: candidate compositions are the same
                    known, used, stabilisation, weight = candidate_enthalpies(
                        packed, rows, stack, self.water, self.stabilisation
                    )
                    out["known_energy"][rows] = known
                    out["candidate_energy"][rows] = used
                    out["stabilisation"][rows] = stabilisation
                    out["weight"][rows] = weight
                    unknown = np.flatnonzero(np.isnan(known))
                    out["elemental"][rows[unknown]] = stack.hull_summary(unknown)[:, 1]
                e_react = np.full(len(stack.dims), _reactant_energy(reactant, table))
                energy, x, e_cand, p_idx, p_amt, _ = reaction_scan_packed(
                    stack.matrix,
                    stack.energy,
                    stack.entry_offsets,
                    stack.dims,
                    stack.system_of,
                    stack.comps,
                    out["candidate_energy"][rows],
                    stack.reacts,
                    e_react,
                )
                rxn[rows], mixing[rows], out["energy"][rows] = energy, x, e_cand
                entry = np.where(
                    p_idx >= 0, stack.entry_offsets[stack.system_of][:, None] + p_idx, -1
                )
                table_row = np.where(entry >= 0, stack.table_index[entry], -1)
                found = table_row >= 0
                hydrate[rows] = (is_hydrate[table_row] & found).any(axis=1)
                products = (rows, stack, entry, p_amt)
                if name == "h2o":  # the same systems, products that keep the anions' states
                    hyd = hydrolysis_scan(stack, e_cand, float(e_react[0]), self.water)
                    out["rxn_hydrolysis"][rows] = hyd.energy
                    out["mixing_hydrolysis"][rows] = hyd.mixing
                    for gas in TOXIC_GASES:
                        out[f"{gas}_atoms_hydrolysis"][rows] = hyd.gas_atoms[gas]
                    out["products_hydrolysis"] = (rows, stack, hyd.entry, hyd.amount)
            mixing[rxn > -NO_REACTION] = 1.0  # no reaction: the candidate alone
            out[f"rxn_{name}"] = rxn
            out[f"mixing_{name}"] = mixing
            out[f"hydrate_{name}"] = hydrate
            out[f"products_{name}"] = products
        return out

    def _values(self, scan: dict[str, object], n: int) -> np.ndarray:
        values = np.full((n, len(_FEATURES)), np.nan)
        for name, col in _RXN_FEATURE.items():
            values[:, col] = scan[f"rxn_{name}"]
        done = ~np.isnan(values[:, 0])
        reacted = scan["rxn_h2o"] < -NO_REACTION
        per_fu = sum(_gas_per_formula_unit(scan, gas) for gas in TOXIC_GASES)
        values[done, _COL["h2s_released"]] = (per_fu > 0.0)[done].astype(float)
        values[done, _COL["h2s_per_formula_unit"]] = per_fu[done]
        x = scan["mixing_h2o"]
        values[done, _COL["hydrate_formed"]] = (scan["hydrate_h2o"] & reacted)[done].astype(float)
        values[:, _COL["h2o_mixing_ratio"]] = x
        values[:, _COL["formation_enthalpy_ev_per_atom"]] = scan["energy"]
        known = (~np.isnan(scan["known_energy"]))[done].astype(float)
        values[done, _COL["enthalpy_known"]] = known
        return values

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return self._values(self._scan(packed), len(packed))

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions(X)
        scan = self._scan(packed)
        values = self._values(scan, len(packed))
        status, _ = merge_status(packed.status, "non_positive_amounts", np.isnan(values[:, 0]))
        status, _ = merge_status(status, ELEMENTAL_HULL, scan["elemental"] > TRACE_FRACTION)
        return values, status

    def reactions(self, X: object) -> pd.DataFrame:
        """One row per candidate: enthalpy used, and per reactant the energy and balanced reaction.

        Columns: ``formula``, ``status``, ``enthalpy_source`` (``known`` / ``hull_decomposition``
        / ``hull_decomposition+stabilisation_model`` / ``hull_decomposition+partial_stabilisation_model``,
        ``""`` when not computed), ``formation_enthalpy_ev_per_atom``,
        ``stabilisation_ev_per_atom`` (the stabilisation applied, NaN where none),
        ``stabilisation_weight`` (the share of the anion atoms inside the model's domain, by which
        the predicted stabilisation was multiplied; 0 for tabulated rows), ``hull_phases`` (for
        ``hull_decomposition``: the tabulated phases and elements standing in for the candidate, per
        formula unit), ``hull_elements`` (pure elements among them, space separated: a warning that
        the table lacks a compound binding them, so the enthalpy is too high and the reaction
        energies too negative; see :func:`~electroscreen.featurizers.thermo.enthalpies.hull_phases`), and for
        each reactant ``r`` in
        ``h2o, o2, co2``: ``rxn_<r>_ev_per_atom``, ``<r>_mixing_ratio``, ``<r>_products`` (products
        per formula unit of the candidate as written) and ``<r>_reaction`` (the balanced reaction,
        ``"no reaction"`` when nothing is exothermic); then ``h2s_released``,
        ``h2s_per_formula_unit`` (H2S + H2Se) and ``hydrate_formed`` as the features, and the
        hydrolysis without redox they come from (:mod:`~electroscreen.featurizers.thermo.hydrolysis`):
        ``h2se_per_formula_unit`` (H2Se alone), ``hydrolysis_ev_per_atom``,
        ``hydrolysis_mixing_ratio`` and ``hydrolysis_reaction`` (``Na2S + 2 H2O -> H2S + 2 NaHO``
        where ``h2o_reaction`` reads ``Na2S + 4 H2O -> 4 H2 + Na2SO4``).
        """
        packed = as_packed_compositions(X)
        scan = self._scan(packed)
        values = self._values(scan, len(packed))
        formulas = formulas_of(X, packed)
        frame = pd.DataFrame({"formula": formulas})
        frame["status"] = merge_status(
            packed.status, "non_positive_amounts", np.isnan(values[:, 0])
        )[0]
        source = np.where(np.isnan(scan["known_energy"]), SOURCE_HULL, SOURCE_KNOWN)
        partial = np.where(scan["weight"] < 1.0, SOURCE_PARTIAL, SOURCE_CORRECTED)
        source = np.where(np.isnan(scan["stabilisation"]), source, partial)
        frame["enthalpy_source"] = np.where(np.isnan(values[:, 0]), "", source)
        frame["formation_enthalpy_ev_per_atom"] = scan["energy"]
        frame["stabilisation_ev_per_atom"] = scan["stabilisation"]
        frame["stabilisation_weight"] = np.where(np.isnan(values[:, 0]), np.nan, scan["weight"])
        phases, elements = hull_columns(packed, frame["enthalpy_source"].to_numpy(), self.water)
        frame["hull_phases"] = phases
        frame["hull_elements"] = elements
        table = enthalpy_table(self.water)
        for name, reactant in REACTANTS.items():
            products = product_lists(len(packed), scan[f"products_{name}"], table)
            frame[f"rxn_{name}_ev_per_atom"] = scan[f"rxn_{name}"]
            frame[f"{name}_mixing_ratio"] = scan[f"mixing_{name}"]
            products_text, reactions_text = [], []
            for i in range(len(packed)):
                p, r = reaction_text(
                    formulas[i],
                    scan["atoms"][i],
                    scan[f"mixing_{name}"][i],
                    scan[f"rxn_{name}"][i],
                    _REACTANT_LABEL[name],
                    sum(reactant.values()),
                    products[i],
                )
                products_text.append(p)
                reactions_text.append(r)
            frame[f"{name}_products"] = products_text
            frame[f"{name}_reaction"] = reactions_text
        frame["h2s_released"] = values[:, _COL["h2s_released"]]
        frame["h2s_per_formula_unit"] = values[:, _COL["h2s_per_formula_unit"]]
        frame["h2se_per_formula_unit"] = np.where(
            np.isnan(values[:, 0]), np.nan, _gas_per_formula_unit(scan, "H2Se")
        )
        frame["hydrolysis_ev_per_atom"] = e = scan["rxn_hydrolysis"]
        frame["hydrolysis_mixing_ratio"] = x = scan["mixing_hydrolysis"]
        hydrolysis = product_lists(len(packed), scan["products_hydrolysis"], table)
        frame["hydrolysis_reaction"] = [
            reaction_text(formulas[i], scan["atoms"][i], x[i], e[i], "H2O", 3.0, hydrolysis[i])[1]
            for i in range(len(packed))
        ]
        frame["hydrate_formed"] = values[:, _COL["hydrate_formed"]]
        return frame


def _gas_per_formula_unit(scan: dict[str, object], gas: str) -> np.ndarray:
    """Molecules of ``gas`` (a :data:`~electroscreen.featurizers.thermo.hydrolysis.TOXIC_GASES`
    name) the hydrolysis releases per candidate formula unit, ``(n,)``: mixture atoms per formula
    unit are ``atoms / x``; 0 where it does not react."""
    reacted = scan["rxn_hydrolysis"] < -NO_REACTION
    x = scan["mixing_hydrolysis"]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_fu = scan[f"{gas}_atoms_hydrolysis"] * scan["atoms"] / (TOXIC_GASES[gas] * x)
    return np.where(reacted, per_fu, 0.0)


def _reactant_energy(reactant: dict[str, float], table: EnthalpyTable) -> float:
    """Enthalpy (eV/atom) of a reactant: its lowest tabulated entry, 0 for an element."""
    if len(reactant) == 1:
        return 0.0
    z = [SYMBOL_TO_Z[s] for s in reactant]
    return float(table.energy[table.known[composition_key(z, list(reactant.values()))]])


_REACTANT_LABEL = {"h2o": "H2O", "o2": "O2", "co2": "CO2"}
