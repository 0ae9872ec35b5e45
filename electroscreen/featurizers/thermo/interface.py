"""Chemical reactivity of an electrolyte with its electrodes over every mixing ratio.

The electrolyte ``C`` and an electrode phase ``R`` (Li metal, a cathode such as LiCoO2)
in contact can react to the equilibrium phases of any mixture ``x C + (1 - x) R``. The
interface's most negative reaction energy (Richards et al., Chem. Mater. 28, 266 (2016); Zhu, He,
Mo, ACS Appl. Mater. Interfaces 7, 23685 (2015)) is::

    E_rxn = min over x in [0, 1] of  E_hull(x c + (1 - x) r) - x E_C - (1 - x) E_R

(eV per atom of the mixture; ``c``, ``r`` atom fractions), the quantity pymatgen's
``InterfacialReactivity`` reads off the kinks of the hull along the tie line. Because the hull is
convex this is one linear program per electrolyte and electrode, solved by the same kernel as the
air-reactivity scans (:func:`~electroscreen.featurizers.thermo.hull.reaction_scan_packed`) on the
same stacked chemical systems and experimental enthalpy table.

Electrodes: ``Li`` (the metal anode, 0 eV/atom) by default; any element or compound. A compound
takes its tabulated enthalpy, else an estimate (hull + stabilisation model, inside its domain; LiCoO2
-1.711 eV/atom with water vapour): :mod:`~electroscreen.featurizers.thermo.electrodes`, whose note
:meth:`InterfaceReactivity.electrode_enthalpies`, :meth:`~InterfaceReactivity.reactions` and the
feature citations carry. The electrode is a point of the reaction's cost, not an entry of the hull;
adding it as an entry cannot change the minimum (an unreacted part of a reactant only dilutes the
mixture), so the result equals pymatgen's on a diagram that holds it at the same energy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.compositions import PackedCompositions
from electroscreen.data.formula import parse_formula
from electroscreen.featurizers.base import CompositionFeaturizer, as_packed_compositions
from electroscreen.featurizers.thermo.candidate_enthalpy import (
    candidate_enthalpies,
    untabulated_clusters,
)
from electroscreen.featurizers.thermo.electrodes import (
    ELEMENT,
    ESTIMATED,
    Electrode,
    electrode_enthalpy,
)
from electroscreen.featurizers.thermo.enthalpies import EXP_TABLE_CITATION, enthalpy_table
from electroscreen.featurizers.thermo.hull import reaction_scan_packed
from electroscreen.featurizers.thermo.reaction_systems import stack_systems
from electroscreen.featurizers.thermo.reaction_text import (
    formulas_of,
    no_reaction_to_zero,
    product_lists,
    reaction_text,
)
from electroscreen.featurizers.thermo.reactivity import RICHARDS_2016, ZHU_2015
from electroscreen.featurizers.thermo.stabilisation import BARTEL_2020

__all__ = [
    "BORANE_CLUSTER",
    "Electrode",
    "InterfaceReactivity",
    "electrode_enthalpy",
    "electrode_label",
    "window_and_anode",
]

_METHOD = f"{RICHARDS_2016}; {ZHU_2015}; {EXP_TABLE_CITATION}"
#: Status of an untabulated salt of a polyhedral borane anion: its reactions would be those of a
#: mixture of other phases (``candidate_enthalpy.untabulated_clusters``), so they are NaN.
BORANE_CLUSTER = "interface_borane_cluster"


def electrode_label(formula: str) -> str:
    """Column label of an electrode: ``"Li"`` -> ``"li"``, ``"LiCoO2"`` -> ``"licoo2"``."""
    return "".join(ch for ch in formula.lower() if ch.isalnum() or ch == ".").replace(".", "p")


class InterfaceReactivity(CompositionFeaturizer):
    """Most negative reaction energy with each electrode over all mixing ratios (2 per electrode).

    For each electrode ``e`` (label :func:`electrode_label`, ``li`` for Li metal):

    * ``interface_<e>_ev_per_atom``: most negative reaction energy, eV per atom of the reacting
      mixture (<= 0; 0 = no reaction).
    * ``interface_<e>_mixing_ratio``: atom fraction of the electrolyte in that mixture (1 when
      nothing reacts).

    Candidate enthalpies as in :class:`~electroscreen.featurizers.thermo.reactivity.AirReactivity`
    (tabulated; else the hull energy, lowered by the stabilisation model inside its domain).
    Electrode enthalpies: :func:`electrode_enthalpy` (element, tabulated, or estimated);
    :meth:`electrode_enthalpies` lists them with a note, which the feature citations repeat.

    Parameters
    ----------
    electrodes : tuple of str
        Electrode phases: elements (reference 0 eV/atom) or compounds. Default ``("Li",)``: the
        metal anode; e.g. ``("Li", "LiCoO2")`` adds the cathode (estimated enthalpy).
    water : {"gas", "liquid"}
        Standard state of water in the table (matters for hydrated compositions only).
    stabilisation : bool
        Correct untabulated candidates by the predicted stabilisation below the hull.
    estimate_electrodes : bool
        Estimate an untabulated compound electrode (hull + stabilisation model, inside its domain;
        independent of ``stabilisation``, which concerns the candidates: a cathode at its plain
        hull energy would be a mixture of its decomposition products, not a cathode); ``False``:
        only tabulated electrodes, others raise ``ValueError``.

    Status per row: ``ok``, ``non_positive_amounts`` or ``interface_borane_cluster``: a salt of a
    polyhedral borane anion (closo-, nido-, carba-borates:
    :func:`~electroscreen.data.borane.borane_cluster`) whose enthalpy is not tabulated, with every
    value NaN. Its enthalpy would be its hull's, a mixture of LiBH4, boranes and borides (the
    stabilisation model gives hydrides no correction), and its "reaction" with Li metal (-0.34 to
    -0.41 eV/atom for Li2B10H10, Li2B12H12, LiCB11H12, LiB11H14) that mixture's, whereas the cage
    anions are reductively robust (the window's ``window_borane_cluster``, same rule).

    Examples
    --------
    >>> values = InterfaceReactivity().transform(["Li3PS4", "Li2O"])
    >>> bool(values[0, 0] < -0.1), float(values[1, 0])  # Li3PS4 is reduced by Li; Li2O is not
    (True, 0.0)
    """

    #: Pickled before ``estimate_electrodes`` existed: estimated, as the option's default does.
    _legacy_state = {"estimate_electrodes": True}

    def __init__(
        self,
        electrodes: tuple[str, ...] = ("Li",),
        water: str = "gas",
        stabilisation: bool = True,
        estimate_electrodes: bool = True,
    ) -> None:
        self.electrodes = electrodes
        self.water = water
        self.stabilisation = stabilisation
        self.estimate_electrodes = estimate_electrodes

    @property
    def feature_table(self) -> list[tuple[str, str, str]]:  # type: ignore[override]
        """``(name, unit, method)`` per feature: for each electrode, the reaction energy (eV/atom of
        reacting mixture) and the mixing ratio (atom fraction of candidate)."""
        out = []
        for formula in self.electrodes:
            label = electrode_label(formula)
            out.append((f"interface_{label}_ev_per_atom", "eV/atom of reacting mixture", _METHOD))
            out.append((f"interface_{label}_mixing_ratio", "atom fraction of candidate", _METHOD))
        return out

    def _electrodes(self) -> list[Electrode]:
        return [
            electrode_enthalpy(f, self.water, self.estimate_electrodes) for f in self.electrodes
        ]

    def electrode_enthalpies(self) -> pd.DataFrame:
        """One row per electrode: ``electrode``, ``label``, ``enthalpy_ev_per_atom``, ``source``
        (``element`` / ``tabulated`` / ``estimated``), ``hull_ev_per_atom`` and ``note``."""
        return pd.DataFrame(
            [
                {
                    "electrode": e.formula,
                    "label": electrode_label(e.formula),
                    "enthalpy_ev_per_atom": e.enthalpy,
                    "source": e.source,
                    "hull_ev_per_atom": e.hull,
                    "note": e.note,
                }
                for e in self._electrodes()
            ]
        )

    def feature_citations(self) -> dict[str, str]:
        """Method and table; for a compound electrode also where its enthalpy comes from."""
        out = {}
        for e in self._electrodes():
            cite = _METHOD if e.source == ELEMENT else f"{_METHOD}; {e.note}"
            label = electrode_label(e.formula)
            out[f"interface_{label}_ev_per_atom"] = cite
            out[f"interface_{label}_mixing_ratio"] = cite
        return out

    def citations(self) -> list[str]:
        """References of the interface reaction scan and the enthalpy table, plus Bartel 2020 and
        the notes of any electrode whose enthalpy is estimated."""
        out = [RICHARDS_2016, ZHU_2015, EXP_TABLE_CITATION]
        estimated = [e.note for e in self._electrodes() if e.source == ESTIMATED]
        if estimated:
            out += [BARTEL_2020, *estimated]
        return out

    def _scan(
        self, packed: PackedCompositions, used: np.ndarray | None = None
    ) -> dict[str, object]:
        """Scan every electrode; ``used``: candidate enthalpies of the usable rows (else computed)."""
        n = len(packed)
        table = enthalpy_table(self.water)
        electrodes = self._electrodes()
        usable, total = packed.usable_rows()
        rows = np.flatnonzero(usable)
        out: dict[str, object] = {
            "rows": rows,
            "atoms": np.where(usable, total, np.nan),
            "energy": np.full(n, np.nan),
            "values": np.full((n, 2 * len(electrodes)), np.nan),
            "products": [None] * len(electrodes),
            "electrodes": electrodes,
        }
        cluster = np.zeros(len(rows), dtype=bool)
        for k, electrode in enumerate(electrodes):
            if not len(rows):
                break
            stack = stack_systems(packed, rows, electrode.react, table)
            if k == 0:  # the candidates' own compositions: the same in every electrode's stack
                cluster = untabulated_clusters(packed, rows, stack.tabulated_energy())
            if used is None:  # candidate compositions are the same for every electrode
                _, used, _, _ = candidate_enthalpies(
                    packed, rows, stack, self.water, self.stabilisation
                )
            energy, x, e_cand, p_idx, p_amt, _ = reaction_scan_packed(
                stack.matrix, stack.energy, stack.entry_offsets, stack.dims, stack.system_of,
                stack.comps, used, stack.reacts, np.full(len(stack.dims), electrode.enthalpy),
            )  # fmt: skip
            energy = np.where(cluster, np.nan, no_reaction_to_zero(energy))
            x = np.where(cluster, np.nan, np.where(energy == 0.0, 1.0, x))  # 1: nothing reacts
            out["values"][rows, 2 * k] = energy
            out["values"][rows, 2 * k + 1] = x
            out["energy"][rows] = e_cand
            entry = np.where(p_idx >= 0, stack.entry_offsets[stack.system_of][:, None] + p_idx, -1)
            out["products"][k] = (rows, stack, entry, p_amt)
        out["cluster"] = rows[cluster]
        return out

    @staticmethod
    def _status(packed: PackedCompositions, scan: dict[str, object]) -> np.ndarray:
        """Per row: the packed status, else ``interface_borane_cluster``, ``non_positive_amounts``
        (a usable row without values) or ``ok``."""
        status = packed.status.copy()
        status[scan["cluster"]] = BORANE_CLUSTER
        values = scan["values"]
        if values.shape[1]:
            status[np.isnan(values[:, 0]) & (status == OK)] = "non_positive_amounts"
        return status

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return self._scan(packed)["values"]

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions(X)
        scan = self._scan(packed)
        return scan["values"], self._status(packed, scan)

    def reactions(self, X: object) -> pd.DataFrame:
        """One row per candidate: per electrode the energy, mixing ratio, products and reaction.

        Columns: ``formula``, ``status``, ``formation_enthalpy_ev_per_atom`` (used), and for each
        electrode label ``e``: ``interface_<e>_ev_per_atom``, ``interface_<e>_mixing_ratio``,
        ``interface_<e>_products`` (phases per formula unit of the candidate as written),
        ``interface_<e>_reaction`` (balanced, ``"no reaction"`` when nothing is exothermic),
        ``interface_<e>_electrode_enthalpy_ev_per_atom`` and ``interface_<e>_electrode_note``
        (element, tabulated, or estimated with the model's typical error: see
        :func:`electrode_enthalpy`).
        """
        packed = as_packed_compositions(X)
        scan = self._scan(packed)
        values = scan["values"]
        formulas = formulas_of(X, packed)
        frame = pd.DataFrame({"formula": formulas, "status": self._status(packed, scan)})
        frame["formation_enthalpy_ev_per_atom"] = scan["energy"]
        table = enthalpy_table(self.water)
        for k, electrode in enumerate(scan["electrodes"]):
            formula = electrode.formula
            label = f"interface_{electrode_label(formula)}"
            frame[f"{label}_ev_per_atom"] = values[:, 2 * k]
            frame[f"{label}_mixing_ratio"] = values[:, 2 * k + 1]
            products = product_lists(len(packed), scan["products"][k], table)
            n_atoms = float(sum(parse_formula(formula).values()))
            texts = [
                reaction_text(
                    formulas[i],
                    scan["atoms"][i],
                    values[i, 2 * k + 1],
                    values[i, 2 * k],
                    formula,
                    n_atoms,
                    products[i],
                )  # fmt: skip
                for i in range(len(packed))
            ]
            frame[f"{label}_products"] = [t[0] for t in texts]
            frame[f"{label}_reaction"] = [t[1] for t in texts]
            frame[f"{label}_electrode_enthalpy_ev_per_atom"] = electrode.enthalpy
            frame[f"{label}_electrode_note"] = electrode.note
        return frame


def window_and_anode(
    X: object,
    carrier: str = "Li",
    water: str = "gas",
    stabilisation: bool = True,
    max_uncertainty_v: float = 1.0,
    cathode: str | None = None,
    anode: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """``ElectrochemicalWindow(carrier).transform(X)``, the reaction with the carrier metal
    (``InterfaceReactivity((carrier,)).transform(X)[:, 0]``; NaN when ``anode`` is False) and, with
    ``cathode``, the reaction with the cathode (``InterfaceReactivity((cathode,)).transform(X)[:,
    0]``) in one pass, shape (n, 4), or (n, 5) with ``cathode``; and the window's status per row,
    shape (n,) (as ``ElectrochemicalWindow.transform_with_status``: why a limit is NaN).

    The window and the anode open the candidate's chemical system to the same element, so their
    stacked systems and candidate enthalpies (most of the cost) are built once; the cathode scan
    has its own stacked systems (candidate plus cathode elements) but reuses those candidate
    enthalpies. The values are those of the featurizers (rows without the carrier, which the
    window leaves NaN, get the featurizers' own scans): an untabulated borane-cluster salt's anode
    and cathode columns are NaN (``interface_borane_cluster``) whatever ``max_uncertainty_v``, its
    window as the window featurizer's (``window_borane_cluster`` below ``np.inf``).
    """
    from electroscreen.featurizers.thermo.window import ElectrochemicalWindow, window_status

    packed = as_packed_compositions(X)
    window = ElectrochemicalWindow(carrier, water, stabilisation, max_uncertainty_v)
    solved = window._solve(packed)
    status = window_status(packed, solved)
    out = np.full((len(packed), 4 if cathode is None else 5), np.nan)
    out[:, :3] = solved["values"]
    done = np.full(len(packed), not anode)  # rows whose anode column is settled
    if anode and "stack" in solved:
        stack, rows = solved["stack"], solved["rows"]
        energy = reaction_scan_packed(
            stack.matrix, stack.energy, stack.entry_offsets, stack.dims, stack.system_of,
            stack.comps, solved["used"], stack.reacts, np.zeros(len(stack.dims)),
        )[0]  # fmt: skip
        # as the featurizer: NaN for an untabulated borane-cluster salt
        out[rows, 3] = np.where(solved["cluster"], np.nan, no_reaction_to_zero(energy))
        done[rows] = True
    rest = np.flatnonzero(~done & (packed.status == OK))
    if len(rest):
        metal = InterfaceReactivity((carrier,), water, stabilisation)
        out[rest, 3] = metal._featurize_packed(packed.take(rest))[:, 0]
    if cathode is not None:
        out[:, 4] = _cathode_scan(packed, solved, cathode, water, stabilisation)
    return out, status


def _cathode_scan(
    packed: PackedCompositions, solved: dict[str, object], cathode: str, water: str, stab: bool
) -> np.ndarray:
    """Reaction energy with ``cathode`` of every row, reusing the window's candidate enthalpies."""
    featurizer = InterfaceReactivity((cathode,), water, stab)
    usable, _ = packed.usable_rows()
    rows = np.flatnonzero(usable)
    used = np.full(len(packed), np.nan)
    known = np.zeros(len(packed), dtype=bool)
    if "stack" in solved:
        used[solved["rows"]] = solved["used"]  # NaN = hull energy, the same in any larger system
        known[solved["rows"]] = True
    missing = rows[~known[rows]]
    if len(missing):  # rows the window did not solve (no carrier): their own enthalpies
        react = featurizer._electrodes()[0].react
        stack = stack_systems(packed, missing, react, enthalpy_table(water))
        used[missing] = candidate_enthalpies(packed, missing, stack, water, stab)[1]
    return featurizer._scan(packed, used[rows])["values"][:, 0]
