"""Electrochemical stability window vs the carrier metal from the grand-potential phase diagram.

A candidate ``C`` in contact with a reservoir of the carrier (Li) at chemical potential ``mu``
(relative to the metal; the voltage vs Li/Li+ is ``V = -mu / e``) is stable while it lies on the
grand-potential hull open to Li (Ong et al. 2008; Richards et al. 2016; Zhu, He, Mo 2015). Along
the line of compositions ``C + n Li`` the hull energy ``f(n)`` (per atom of ``C``) is convex and
piecewise linear, so ``C`` (enthalpy ``E_C <= f(0)``) is stable for ``mu`` between its two
supporting slopes::

    mu_red = min over n > 0  of (f(n) - E_C) / n        (lithiation: reduction limit V_red = -mu_red)
    mu_ox  = max over -c_Li <= n < 0 of (E_C - f(n)) / (-n)   (delithiation: V_ox = -mu_ox)

Each is a linear-fractional program, made linear by the Charnes-Cooper substitution
``t = 1/|n|``, ``y = t * lambda`` (``lambda``: atoms of each hull entry), and solved with the same
dense-tableau simplex as the air-reactivity scans (:mod:`~electroscreen.featurizers.thermo.hull`)
on the same stacked chemical systems and enthalpy table. The solution's phases are the products
at each limit (``C + n Li -> products`` at ``V_red``; ``C -> products + n Li`` at ``V_ox``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK, merge_status
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import ELEMENT_SYMBOLS, SYMBOL_TO_Z
from electroscreen.data.protic_hydrogen import protic_hydrogen_of
from electroscreen.data.segments import segment_sum
from electroscreen.featurizers.base import CompositionFeaturizer, as_packed_compositions
from electroscreen.featurizers.thermo.candidate_enthalpy import (
    candidate_enthalpies,
    untabulated_clusters,
)
from electroscreen.featurizers.thermo.enthalpies import EXP_TABLE_CITATION, enthalpy_table
from electroscreen.featurizers.thermo.reaction_systems import StackedSystems, stack_systems
from electroscreen.featurizers.thermo.reaction_text import (
    element_product,
    fmt_coeff,
    formulas_of,
)
from electroscreen.featurizers.thermo.reactivity import RICHARDS_2016, ZHU_2015
from electroscreen.featurizers.thermo.window_kernels import TRACE_FRACTION, window_packed

__all__ = [
    "BORANE_CLUSTER",
    "ELEMENTAL_HULL",
    "METAL_REDUCED_CATIONS",
    "REDUCIBLE_CATION",
    "UNDEFINED_INTERFACES",
    "ElectrochemicalWindow",
    "window_status",
]

ONG_2008 = (
    "S. P. Ong, L. Wang, B. Kang, G. Ceder, Li-Fe-P-O2 phase diagram from first principles "
    "calculations, Chem. Mater. 20, 1798-1807 (2008), doi:10.1021/cm702327g"
)
_METHOD = f"{ONG_2008}; {RICHARDS_2016}; {ZHU_2015}; {EXP_TABLE_CITATION}"
_FEATURES = [
    ("window_red_v", "V vs carrier metal", _METHOD),
    ("window_ox_v", "V vs carrier metal", _METHOD),
    ("window_width_v", "V", _METHOD),
]
_OUT_OF_DOMAIN = "window_out_of_domain"
#: Status of a candidate whose hull holds pure elements: its window (and, in `screen`, its
#: reactions with the electrodes) are undefined.
ELEMENTAL_HULL = "window_elemental_hull"
#: Status of an untabulated salt of a polyhedral borane anion (closo-, nido-, carba-borates): its
#: enthalpy is that of a mixture of other phases (``candidate_enthalpy.untabulated_clusters``), so
#: its window (and, in `screen`, its reactions with the electrodes) are undefined.
BORANE_CLUSTER = "window_borane_cluster"
#: Limits that cross by less than this (V) are one potential: a candidate on its own hull at a
#: single voltage, whose simplex limits differ by rounding (up to 2.4e-10 V in the demo's pool); the
#: oxidation limit is set to the reduction limit (width 0, never negative).
CROSSING_TOLERANCE_V = 1e-6
#: Framework cations that the carrier metal reduces in contact, d0 though they are, observed in
#: oxide electrolytes: Nb5+ (Li6.5La3Zr1.5Nb0.5O12 discolours and its interface resistance with Li
#: grows until it shorts in DC cycling, from Nb5+ -> Nb4+, while Li6.5La3Zr1.5Ta0.5O12 is unchanged:
#: :data:`KIM_2016`) and Ti4+ (the Ti4+/Ti3+ couple of oxides lies at 1.55 V vs Li in
#: Li4Ti5O12: :data:`OHZUKU_1995`; LATP and LLTO are reduced at Li). The enthalpy table does not
#: tell them from Ta5+ (LiNbO3 + 5 Li -> 3 Li2O + Nb at 0.89 V, LiTaO3 -> Ta at 0.78 V), and the
#: stabilisation model's correction of a garnet (0.15-0.18 eV/atom) outweighs a dopant's
#: reduction: Nb- and Ti-doped LLZO came out stable against the metal (0 V, no reaction) as
#: Ta- and Al-doped LLZO do. A model-corrected candidate that holds one of them (more than
#: ``window_kernels.TRACE_FRACTION`` of its atoms) and whose corrected reduction limit is at the
#: metal gets :data:`REDUCIBLE_CATION`. Ga3+ (Ga-LLZO, reported to alloy with Li) is not listed.
#: Protic H (H+1, :mod:`~electroscreen.data.protic_hydrogen`) counts too: Li reduces the LiOH in
#: Li6HLa3Zr2O12's hull, which the correction (-0.200 eV/atom) hid (oxaudit O1).
METAL_REDUCED_CATIONS = ("Nb", "Ti")
#: Status of such a candidate: its reduction limit (and, in `screen`, its reaction with the carrier
#: metal) is NaN, not the 0 V the correction gave; its oxidation limit is kept.
REDUCIBLE_CATION = "window_reducible_cation"
#: The electrode reactions a window status leaves undefined, the screen's interface columns and
#: the candidate card's alike: a hull holding pure elements makes the candidate's enthalpy that of
#: a mixture with elements, so its reactions with both electrodes are those elements' (Br + Li ->
#: LiBr); a cation the metal reduces, kept from it by the model's correction, makes "no reaction"
#: with the metal (the anode) the claim the window could not make.
UNDEFINED_INTERFACES = {ELEMENTAL_HULL: ("anode", "cathode"), REDUCIBLE_CATION: ("anode",)}
KIM_2016 = (
    "Y. Kim, A. Yoo, R. Schmidt, A. Sharafi, H. Lee, J. Wolfenstine, J. Sakamoto, Electrochemical "
    "stability of Li6.5La3Zr1.5M0.5O12 (M = Nb or Ta) against metallic lithium, Front. Energy Res. "
    "4, 20 (2016), doi:10.3389/fenrg.2016.00020"
)
OHZUKU_1995 = (
    "T. Ohzuku, A. Ueda, N. Yamamoto, Zero-strain insertion material of Li[Li1/3Ti5/3]O4 for "
    "rechargeable lithium cells, J. Electrochem. Soc. 142, 1431-1435 (1995), doi:10.1149/1.2048592"
)
_PROBLEMS = (
    OK, "no_carrier", "window_not_converged", _OUT_OF_DOMAIN, ELEMENTAL_HULL, BORANE_CLUSTER,
    REDUCIBLE_CATION,
)  # fmt: skip
#: Cross-validated mean absolute error (eV/atom) of the stabilisation model's corrected enthalpy
#: (``StabilisationModel(water="gas").cross_validate()["mae_model"]`` = 0.092, grouped 5-fold over
#: the table's 649 compounds of >= 3 elements; tests/featurizers/test_window.py checks it).
STABILISATION_MAE_EV = 0.092


class ElectrochemicalWindow(CompositionFeaturizer):
    """Reduction and oxidation limits vs the carrier metal (3 features).

    * ``window_red_v``: lowest voltage vs Li/Li+ (Na/Na+, ...) at which the candidate is stable;
      below it, it takes up the carrier (0 when stable against the metal).
    * ``window_ox_v``: highest voltage; above it, it gives up the carrier.
    * ``window_width_v``: their difference (0 for a candidate that is its hull decomposition inside
      a facet: every phase set has a single potential).

    Candidate enthalpies as in :class:`~electroscreen.featurizers.thermo.reactivity.AirReactivity`
    (tabulated; else the hull energy, lowered by the stabilisation model in proportion to the
    share of the anions inside its domain).

    Parameters
    ----------
    carrier : str
        The element open to its reservoir (``"Li"``, ``"Na"``, ...).
    water : {"gas", "liquid"}
        Standard state of water in the enthalpy table (matters for hydrated compositions only).
    stabilisation : bool
        Correct untabulated candidates by the predicted stabilisation below the hull.
    max_uncertainty_v : float
        Largest propagated uncertainty (V) of a limit computed from a model-corrected enthalpy.
        A limit moves by ``dE / n`` when the candidate's enthalpy moves by ``dE`` (eV/atom), ``n``
        being the carrier atoms exchanged per atom of candidate at that limit. The uncertainty is
        ``max(STABILISATION_MAE_EV, |correction|) / n``: the model's cross-validated error (0.092
        eV/atom) or, when larger, the correction it applied, both no better known than the model
        (both times the share of the anions in its domain where only part of them is:
        ``StabilisationModel.domain_weight``).
        Above this bound (default 1 V) the limit is NaN and the row's status
        ``window_out_of_domain``: the value would be the model's stabilisation divided by the
        carrier exchanged, not a property of the enthalpy data. Examples: Na0.48Li0.02La0.5Nb2O6
        (0.0022 Li/atom leave at the oxidation limit: 94 V otherwise), LATP (0.18 eV/atom over
        0.071 Li/atom: 7.8 V), LiNaSO4 (a 0.27 eV/atom correction over 1/7 Li/atom: 7.7 V, above
        Li2SO4's 5.85 V). A reduction limit at the metal exchanges no carrier (``n`` = 0, the end
        of the range, not a slope) and is not judged by this bound: where only a correction put a
        limit there, the correction itself is in question (fluorides, which the model no longer
        corrects: ``stabilisation_domain.fluoroanion_rows``; Nb and Ti, below). Tabulated and
        plain-hull enthalpies are not affected (a plain-hull candidate's limits are potentials of
        tabulated facets). ``np.inf`` reports every limit.
    Status per row: ``ok``, ``no_carrier`` (the composition lacks the carrier),
    ``window_not_converged``, ``window_out_of_domain`` (see ``max_uncertainty_v``; the other
    limit keeps its value when it is within the bound) or ``window_elemental_hull``: an
    untabulated candidate not wholly inside the stabilisation model's domain (a partial correction
    is checked as its plain hull is) whose hull decomposition holds
    pure elements (more than ``window_kernels.TRACE_FRACTION``, 0.1 % of its atoms), because the
    table lacks compounds of its system (e.g. Li3P, Li8SnP4: no Li-P compound is tabulated;
    Li3YBr6: no Y-Br compound). Its enthalpy would be that of a mixture with elements, so both limits would be
    potentials of the elements (0 V for a phosphide, or a zero-width window at the element's
    potential) rather than of the candidate: both are NaN, unless ``max_uncertainty_v`` is
    ``np.inf`` (the uncertainty of such a limit has no bound). A smaller trace is read as
    composition noise (occupancies rounded off charge balance: a trace of S or Li would pin both
    limits at its potential) and the window is that of the compound part of the decomposition.
    Last, ``window_borane_cluster`` (whatever the hull holds; it wins over the other statuses): a
    salt of a polyhedral borane anion (:func:`~electroscreen.data.borane.borane_cluster`: Li2B12H12,
    Li2B10H10, LiCB11H12, LiB11H14, their Na analogues) whose enthalpy is not tabulated. No such
    salt is, and the stabilisation model gives hydrides no correction, so its enthalpy would be
    that of its hull, LiBH4, boranes and borides (Li2B12H12 -> 1.53 LiBH4 + 0.84 B5H7 + 0.07
    Li7B93): every such borate had the same zero-width window at 1.91 V, where those phases react,
    or a window on pure elements, and no property of its cage anion. Both limits are NaN, unless
    ``max_uncertainty_v`` is ``np.inf``. And ``window_reducible_cation``: a model-corrected
    candidate holding a cation the carrier metal is observed to reduce (:data:`METAL_REDUCED_CATIONS`:
    Nb5+, Ti4+) whose corrected reduction limit is at the metal: Nb-doped LLZO (0 V, as Ta-doped
    LLZO) is reduced at Li, so its reduction limit is NaN (the oxidation limit is kept), unless
    ``max_uncertainty_v`` is ``np.inf``. A reduction limit above the metal (LATP's Ti at 2.1 V,
    LLTO's at 1.2 V) is the hull's own and is kept.

    Examples
    --------
    >>> v = ElectrochemicalWindow().transform(["LiCl"])[0]
    >>> float(v[0]), round(float(v[1]), 2)  # stable against Li; Cl2 evolves above ~4.2 V
    (0.0, 4.23)
    """

    feature_table = _FEATURES

    def __init__(
        self,
        carrier: str = "Li",
        water: str = "gas",
        stabilisation: bool = True,
        max_uncertainty_v: float = 1.0,
    ):
        self.carrier = carrier
        self.water = water
        self.stabilisation = stabilisation
        self.max_uncertainty_v = max_uncertainty_v

    def citations(self) -> list[str]:
        """References of the window method (Ong 2008, Richards 2016, Zhu 2015) and the enthalpy
        table."""
        return [ONG_2008, RICHARDS_2016, ZHU_2015, EXP_TABLE_CITATION]

    def _solve(self, packed: PackedCompositions) -> dict[str, object]:
        if self.carrier not in SYMBOL_TO_Z:
            raise ValueError(f"unknown carrier element {self.carrier!r}")
        if not self.max_uncertainty_v > 0:
            raise ValueError(f"max_uncertainty_v must be > 0, got {self.max_uncertainty_v!r}")
        carrier_z = SYMBOL_TO_Z[self.carrier]
        n = len(packed)
        offsets = packed.offsets
        entry_rows = np.repeat(np.arange(n), np.diff(offsets))
        has = np.zeros(n, dtype=bool)
        has[entry_rows[(packed.z == carrier_z) & (packed.amount > 0)]] = True
        negative = np.zeros(n, dtype=bool)
        negative[entry_rows[packed.amount < 0]] = True
        problem = np.where((packed.status == OK) & ~has, 1, 0)
        rows = np.flatnonzero((packed.status == OK) & has & ~negative)
        out = {"problem": problem, "values": np.full((n, 3), np.nan), "rows": rows}
        if not len(rows):
            return out
        table = enthalpy_table(self.water)
        stack = stack_systems(packed, rows, {carrier_z: 1.0}, table)
        known, used, applied, weight = candidate_enthalpies(
            packed, rows, stack, self.water, self.stabilisation
        )
        carrier_col = np.argmax(stack.elements == carrier_z, axis=1).astype(np.int64)
        # a partial correction is added to the plain hull, checked for pure elements as it is
        partial = (weight > 0) & (weight < 1) & np.isfinite(applied)
        v_red, v_ox, n_red, n_ox, p_idx, p_amt, ok, e_used, fraction = window_packed(
            stack.matrix, stack.energy, stack.entry_offsets, stack.dims, stack.system_of,
            stack.comps, np.where(partial, np.nan, used), carrier_col,
            np.where(partial, applied, 0.0),
        )  # fmt: skip
        # a candidate stable at one potential only: its limits can cross by rounding (1e-10 V)
        crossed = (v_ox < v_red) & (v_red - v_ox < CROSSING_TOLERANCE_V)
        v_ox = np.where(crossed, v_red, v_ox)
        values = out["values"]
        values[rows, 0], values[rows, 1] = v_red, v_ox
        values[rows, 2] = v_ox - v_red
        flagged = _out_of_domain(n_red, n_ox, applied, weight, self.max_uncertainty_v)
        limits = values[rows, :2]
        limits[flagged] = np.nan
        values[rows, :2] = limits
        values[rows, 2] = limits[:, 1] - limits[:, 0]
        problem[rows[flagged.any(axis=1)]] = 3
        hidden = _reduced_at_metal(packed, rows, n_red, applied, weight) & np.isfinite(
            self.max_uncertainty_v
        )  # the correction, not the data, keeps a reducible cation from the metal
        values[rows[hidden], 0] = np.nan
        values[rows[hidden], 2] = np.nan
        problem[rows[hidden]] = 6  # over an out-of-domain oxidation limit: the row note names both
        elemental = (fraction > TRACE_FRACTION) & np.isfinite(self.max_uncertainty_v)
        values[rows[elemental]] = np.nan
        problem[rows[elemental]] = 4
        values[rows[~ok]] = np.nan
        problem[rows[~ok]] = 2
        cluster = untabulated_clusters(packed, rows, known)  # enthalpy of a mixture, not its own
        borane = cluster & np.isfinite(self.max_uncertainty_v)
        values[rows[borane]] = np.nan
        problem[rows[borane]] = 5
        out["cluster"] = cluster  # (InterfaceReactivity's rule: the anode and cathode NaN too)
        out.update(stack=stack, n_red=n_red, n_ox=n_ox, p_idx=p_idx, p_amt=p_amt, energy=e_used)
        out["used"] = used  # candidate enthalpies before the hull cap (InterfaceReactivity)
        return out

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return self._solve(packed)["values"]

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions(X)
        solved = self._solve(packed)
        return solved["values"], window_status(packed, solved)

    def window(self, X: object) -> pd.DataFrame:
        """One row per candidate: the limits and the reaction at each.

        Columns: ``formula``, ``status``, ``formation_enthalpy_ev_per_atom`` (used),
        ``window_red_v``, ``window_ox_v``, ``red_products`` / ``ox_products`` (phases per formula
        unit of the candidate as written, ``""`` when stable against the metal),
        ``red_reaction`` (``C + n Li -> ...``) and ``ox_reaction`` (``C -> ... + n Li``);
        ``"window_out_of_domain"`` for a limit beyond ``max_uncertainty_v`` (the other limit of
        such a row keeps its reaction), ``"window_reducible_cation"`` for the reduction limit of
        such a row.
        """
        packed = as_packed_compositions(X)
        solved = self._solve(packed)
        values, status = solved["values"], window_status(packed, solved)
        formulas = formulas_of(X, packed)
        frame = pd.DataFrame({"formula": formulas, "status": status})
        energy = np.full(len(packed), np.nan)
        frame["window_red_v"], frame["window_ox_v"] = values[:, 0], values[:, 1]
        text = {key: [""] * len(packed) for key in ("red_products", "red_reaction")}
        text.update({key: [""] * len(packed) for key in ("ox_products", "ox_reaction")})
        if "stack" in solved:
            energy[solved["rows"]] = solved["energy"]
            atoms = np.diff(np.concatenate([[0.0], np.cumsum(packed.amount)])[packed.offsets])
            table = enthalpy_table(self.water)
            for j, i in enumerate(solved["rows"].tolist()):
                if status[i] not in (OK, _OUT_OF_DOMAIN, REDUCIBLE_CATION):
                    continue
                for side, n_x in (("red", solved["n_red"][j]), ("ox", solved["n_ox"][j])):
                    if np.isnan(values[i, 0 if side == "red" else 1]):
                        hidden = side == "red" and status[i] == REDUCIBLE_CATION
                        text[f"{side}_reaction"][i] = REDUCIBLE_CATION if hidden else _OUT_OF_DOMAIN
                        continue
                    products = _products(solved, j, 0 if side == "red" else 1, table, atoms[i])
                    exchanged = n_x * atoms[i]
                    names = " + ".join(f"{fmt_coeff(c)}{name}" for c, name in products)
                    text[f"{side}_products"][i] = names
                    if side == "red":
                        text["red_reaction"][i] = (
                            "stable against the metal"
                            if exchanged == 0.0
                            else f"{formulas[i]} + {fmt_coeff(exchanged)}{self.carrier} -> {names}"
                        )
                    else:
                        text["ox_reaction"][i] = (
                            f"{formulas[i]} -> {names} + {fmt_coeff(exchanged)}{self.carrier}"
                        )
        frame.insert(2, "formation_enthalpy_ev_per_atom", energy)
        for key, column in text.items():
            frame[key] = column
        return frame


def _out_of_domain(
    n_red: np.ndarray,
    n_ox: np.ndarray,
    correction: np.ndarray,
    weight: np.ndarray,
    max_uncertainty_v: float,
) -> np.ndarray:
    """(k, 2) bool: limits (reduction, oxidation) of model-corrected rows (``correction``, eV/atom
    <= 0, finite: ``weight`` times the predicted stabilisation) whose propagated uncertainty
    ``max(weight * STABILISATION_MAE_EV, |correction|) / n`` exceeds ``max_uncertainty_v`` (``n``:
    carrier atoms exchanged per atom of candidate; a reduction limit at the metal, ``n = 0``, is
    never flagged: the uncertainty of a potential range's end is not ``dE / n``). A partial
    correction (a trace of an anion the model knows in a sulfide) carries that share of the error."""
    exchanged = np.column_stack([n_red, n_ox])
    error = np.maximum(weight * STABILISATION_MAE_EV, np.abs(correction))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        uncertainty = np.where(exchanged > 0, error / exchanged, 0.0)
    return np.isfinite(correction)[:, None] & (uncertainty > max_uncertainty_v)


def _reduced_at_metal(
    packed: PackedCompositions,
    rows: np.ndarray,
    n_red: np.ndarray,
    correction: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """(k,) bool: rows ``rows`` whose model-corrected enthalpy (``correction`` finite, ``weight``
    > 0) puts the reduction limit at the metal (``n_red`` 0: no carrier taken up) although they
    hold a :data:`METAL_REDUCED_CATIONS` cation or protic hydrogen, more than ``TRACE_FRACTION``
    of their atoms together."""
    listed = np.zeros(len(ELEMENT_SYMBOLS), dtype=bool)
    listed[[SYMBOL_TO_Z[s] for s in METAL_REDUCED_CATIONS]] = True
    amount = np.where(packed.amount > 0, packed.amount, 0.0)
    share = segment_sum(np.where(listed[packed.z], amount, 0.0), packed.offsets)[rows]
    at_metal = np.isfinite(correction) & (weight > 0) & (n_red == 0)
    share[at_metal] += protic_hydrogen_of(packed.take(rows[at_metal]))  # H+: LiOH + Li -> H2
    with np.errstate(divide="ignore", invalid="ignore"):
        share = share / segment_sum(amount, packed.offsets)[rows]
    return at_metal & (share > TRACE_FRACTION)


def window_status(packed: PackedCompositions, solved: dict) -> np.ndarray:
    """Status per row of a solved window (``ElectrochemicalWindow._solve``): the packed status, else
    ``no_carrier``, ``window_not_converged``, ``window_out_of_domain``, ``window_elemental_hull``,
    ``window_borane_cluster``, ``window_reducible_cation`` or ``ok``."""
    status, _ = merge_status(packed.status, np.asarray(_PROBLEMS, dtype=object)[solved["problem"]])
    undefined = np.isnan(solved["values"][:, 0]) & np.isnan(solved["values"][:, 1])
    return merge_status(status, "non_positive_amounts", undefined)[0]


def _products(solved: dict, j: int, side: int, table, atoms: float) -> list[tuple[float, str]]:
    """``(formula units per formula unit of the candidate, name)`` of one limit's products."""
    stack: StackedSystems = solved["stack"]
    s = stack.system_of[j]
    out = []
    slots = zip(solved["p_idx"][j, side].tolist(), solved["p_amt"][j, side].tolist(), strict=True)
    for g, a in slots:
        if g < 0:
            continue
        entry = stack.entry_offsets[s] + g
        t = stack.table_index[entry]
        if t >= 0:
            out.append((a * atoms / float(table.atoms[t]), str(table.names[t])))
        else:
            name, per_unit = element_product(ELEMENT_SYMBOLS[stack.elements[s, g]])
            out.append((a * atoms / per_unit, name))
    return sorted(out, key=lambda item: item[1])
