"""One screened candidate, up close: structure, descriptors, BVSE barriers, air reactions, neighbours.

``candidate_card(results, "cand-17")`` gathers, for one row of a screening results table:

- the predictions of the run (conductivity with its interval, air-stability score, ranks), each
  with its unit, the interval's bounds with its level and the conductivity with its temperature
  (:func:`~electroscreen.analysis.card_format.result_units`);
- the row's notes (``pred_feature_status``, ``window_status`` when not ``ok``), one line each with
  what the common ones mean (:mod:`~electroscreen.analysis.row_notes`; no section without one);
- a structure summary (formula, space group when the structure is ordered, sites, partially
  occupied sites, density) when the candidate's structure can be found;
- the structure descriptors (:class:`~electroscreen.featurizers.structure.descriptors.StructureDescriptors`,
  radial distribution bins left out) and BVSE migration barriers
  (:class:`~electroscreen.featurizers.bvse.barriers.BVSE`);
- the air-reactivity reactions (:class:`~electroscreen.featurizers.thermo.reactivity.AirReactivity`):
  reaction energies with H2O, O2, CO2 and their products;
- the electrodes: the electrochemical window with the reaction at each limit
  (:class:`~electroscreen.featurizers.thermo.window.ElectrochemicalWindow`) and the reactions with
  the Li metal anode and the default cathode, LiCoO2 (estimated enthalpy, with its note)
  (:class:`~electroscreen.featurizers.thermo.interface.InterfaceReactivity`);
- its nearest known OBELiX materials (:func:`nearest_obelix`) with measured conductivity and family.

The air reactions and the electrodes are computed where the screen computes the window and the
interfaces: at the row's content balanced exactly by the run's carrier
(:mod:`~electroscreen.analysis.card_thermo`), so the card's window is the results' ``window_*``; the
card names that composition (``thermo_formula``) when it differs from the formula. Values are shown
with their units and readable numbers (:mod:`~electroscreen.analysis.card_format`).

Where does the structure come from? Screening results hold no structures, so the card looks, in
order, at the ``structure`` argument, a ``structure`` column of the table (CIF text or a pymatgen
Structure), and the screening inputs (the run's ``inputs`` param or the ``inputs`` argument: packed
caches, structure files, tables with a CIF column). The run records its inputs as given on the
command line, so relative paths are read from the current directory: from a notebook in another
folder, pass ``inputs=`` with paths that exist there. A composition-only candidate gets a card without
structure sections; every section that cannot be computed says why instead of raising.

Finding and summarising the structure lives in :mod:`~electroscreen.analysis.candidate_structure`,
the OBELiX neighbours in :mod:`~electroscreen.analysis.neighbours` (:func:`find_structure`,
:func:`structure_summary` and :func:`nearest_obelix` are re-exported here).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pymatgen.core import Structure

from electroscreen.analysis.candidate_structure import (
    as_structure,
    find_structure,
    run_inputs,
    structure_summary,
)
from electroscreen.analysis.card_format import RESULT_UNITS, result_units, value_table
from electroscreen.analysis.card_thermo import (
    air_reactions,
    electrodes,
    run_carrier,
    thermo_composition,
)
from electroscreen.analysis.neighbours import nearest_obelix
from electroscreen.analysis.row_notes import notes_table
from electroscreen.experiments.plots import COVERAGE_ATTR
from electroscreen.featurizers.bvse.barriers import BVSE
from electroscreen.featurizers.structure.descriptors import StructureDescriptors
from electroscreen.featurizers.thermo.interface import InterfaceReactivity
from electroscreen.featurizers.thermo.reactivity import AirReactivity
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow
from electroscreen.models.temperature import TEMPERATURE_COLUMN
from electroscreen.screening.batch import PREDICTION_COLUMNS as BATCH_PREDICTION_COLUMNS
from electroscreen.screening.charge_residual import CHARGE_RESIDUAL_COLUMN
from electroscreen.screening.objective_columns import OBJECTIVE_COLUMNS
from electroscreen.screening.plausibility import PLAUSIBILITY_COLUMNS
from electroscreen.screening.screen_config import ObjectivesConfig
from electroscreen.screening.temperatures import used_temperatures

__all__ = [
    "CandidateCard",
    "candidate_card",
    "find_structure",
    "nearest_obelix",
    "structure_summary",
]

#: Result columns shown as the card's prediction section (those present): the row's status and
#: error first (why a rejected row has no prediction), and a training composition's measurement
#: (``train_log10_sigma``, ``train_id``: its prediction recalls it, it is not a discovery), and a
#: measurement the model did not see (``heldout_log10_sigma``, ``heldout_id``), and a labelled
#: composition's literature verdict (``train_air_verdict``, ``train_air_id``: beside the score).
#: The row's notes (``pred_feature_status``, ``window_status``) are the *Notes* section instead.
PREDICTION_COLUMNS = (
    "status",
    "error",
    "train_log10_sigma",
    "train_id",
    "heldout_log10_sigma",
    "heldout_id",
    "train_air_verdict",
    "train_air_id",
    *BATCH_PREDICTION_COLUMNS,
    *OBJECTIVE_COLUMNS,
    CHARGE_RESIDUAL_COLUMN,  # in runs that have it
    *PLAUSIBILITY_COLUMNS,  # bond-valence plausibility, in runs that have it
    "pareto_rank",
    "score",
    "acquisition",
    "rank",
    "acquisition_rank",
    "diverse_rank",
    "represented_by",
)


@dataclass
class CandidateCard:
    """Everything known about one candidate; displays as HTML tables in a notebook.

    In a notebook the card renders as titled tables (:meth:`sections`); ``print(card)`` gives the
    same as text, ``repr(card)`` a one-line summary.

    Attributes
    ----------
    candidate_id, formula : str
    predictions : Series
        The run's prediction and ranking columns for this row.
    notes : DataFrame
        The row's ``pred_feature_status`` and ``window_status`` notes, one row each with
        ``note`` and ``meaning`` (:func:`~electroscreen.analysis.row_notes.notes_table`); empty
        when it has none.
    structure : Structure or None
    structure_summary : dict
        Formula, space group (ordered structures), sites, disorder, density; or why it is missing.
    descriptors : Series
        Structure descriptors and BVSE barriers (eV), NaN where undefined.
    descriptor_status : dict
        Status string of each featurizer (``ok`` or why not).
    air_reactions : Series
        Reaction energies (eV/atom) and products with H2O, O2, CO2; or the reason it is empty.
    electrodes : Series
        Window limits (V vs the carrier metal) with the reaction at each and the window's status,
        and the reactions with the carrier metal and the cathode, those of the screening run
        (``filters.carrier``, ``objectives.cathode`` and ``objectives.window_max_uncertainty_v``
        in ``results.attrs["params"]``; Li and the defaults otherwise).
    neighbours : DataFrame
        Nearest OBELiX materials (:func:`nearest_obelix`).
    thermo_formula : str
        The composition the air reactions and electrodes were computed at: the formula, or the
        content balanced by its carrier as the screen computes the window (``Li2.955Y1.015Cl6``
        for ``Li3Y1.015Cl6``); :attr:`thermo_note` says so.
    thermo_note : str
        One line naming that composition and why it differs from the formula.
    units : dict
        Unit of each descriptor and reaction value (the featurizers'), shown beside it.
    result_units : dict
        Unit of each prediction (:func:`~electroscreen.analysis.card_format.result_units`: the
        interval's level and the temperature of the run where known).
    """

    candidate_id: str
    formula: str
    predictions: pd.Series
    structure: Structure | None = None
    structure_summary: dict = field(default_factory=dict)
    descriptors: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    descriptor_status: dict = field(default_factory=dict)
    air_reactions: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    electrodes: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    neighbours: pd.DataFrame = field(default_factory=pd.DataFrame)
    thermo_formula: str = ""
    thermo_note: str = ""
    units: dict = field(default_factory=dict)
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)
    result_units: dict = field(default_factory=lambda: dict(RESULT_UNITS))

    def sections(self) -> dict[str, pd.DataFrame]:
        """The card as titled tables (what the HTML and text forms show); *Notes* only for a row
        that has one."""

        computed_at = {"computed at": self.thermo_note} if self.thermo_note else {}
        notes = {"Notes": self.notes} if len(self.notes) else {}
        return {
            "Predictions": value_table(self.predictions, self.result_units),
            **notes,
            "Structure": value_table(self.structure_summary),
            "Descriptors": value_table(self.descriptors, self.units),
            "Featurizer status": value_table(self.descriptor_status, name="status"),
            "Air reactivity": value_table({**computed_at, **self.air_reactions}, self.units),
            "Window and electrodes": value_table({**computed_at, **self.electrodes}, self.units),
            "Nearest OBELiX materials": self.neighbours,
        }

    def __repr__(self) -> str:
        # short: the structure and tables would flood a terminal; print(card) shows them all
        status = ", ".join(f"{k}={v}" for k, v in self.descriptor_status.items())
        return f"CandidateCard({self.candidate_id!r}, {self.formula!r}, status: {status or 'n/a'})"

    def _heading(self) -> str:
        if self.thermo_formula and self.thermo_formula != self.formula:
            return f"{self.candidate_id}: {self.formula} (thermochemistry at {self.thermo_formula})"
        return f"{self.candidate_id}: {self.formula}"

    def _repr_html_(self) -> str:
        parts = [f"<h3>{html.escape(self._heading())}</h3>"]  # ids and formulas are data
        for title, frame in self.sections().items():
            parts.append(f"<h4>{title}</h4>{frame.to_html(na_rep='NaN')}")
        return "\n".join(parts)

    def __str__(self) -> str:
        parts = [self._heading()]
        for title, frame in self.sections().items():
            parts.append(f"\n{title}\n{frame.to_string(na_rep='NaN')}")
        return "\n".join(parts)


def _featurize(featurizer, structure: Structure) -> tuple[pd.Series, str]:
    values, status = featurizer.transform_with_status([structure])
    names = featurizer.get_feature_names_out()
    return pd.Series(values[0], index=names, dtype=float), str(status[0])


def _units(params: dict) -> dict[str, str]:
    """Unit of every descriptor and reaction value a card shows (its featurizers')."""
    carrier = run_carrier(params)
    cathode = params.get("objectives.cathode") or ObjectivesConfig().cathode
    units: dict[str, str] = {}
    for featurizer in (
        StructureDescriptors(), BVSE(), AirReactivity(), ElectrochemicalWindow(carrier=carrier),
        InterfaceReactivity(electrodes=(carrier, cathode)),
    ):  # fmt: skip
        units.update(featurizer.feature_units())
    units["stabilisation_ev_per_atom"] = "eV/atom"
    for name in [n for n in units if n.startswith("interface_") and n.endswith("_ev_per_atom")]:
        units[name.replace("_ev_per_atom", "_electrode_enthalpy_ev_per_atom")] = "eV/atom"
    return units


def _thermochemistry(card: CandidateCard, row: pd.Series, params: dict) -> None:
    """The card's air reactions and electrodes, at the composition the screen computed its
    window at (:func:`~electroscreen.analysis.card_thermo.thermo_composition`); a formula that
    cannot be read leaves both sections with the reason."""
    carrier = run_carrier(params)
    card.units = _units(params)
    try:
        composition = thermo_composition(row, carrier)
    except ValueError as exc:
        card.air_reactions = pd.Series({"status": str(exc)}, dtype=object)
        card.electrodes = pd.Series({"window_status": str(exc)}, dtype=object)
        card.descriptor_status["air_reactivity"] = str(exc)
        return
    card.thermo_formula = composition.text
    if composition.moved:
        card.thermo_note = composition.note(carrier)
    card.air_reactions = air_reactions(composition)
    card.descriptor_status["air_reactivity"] = str(card.air_reactions.get("status", "ok"))
    card.electrodes = electrodes(composition, params)


def candidate_card(
    results: pd.DataFrame,
    candidate_id: str | int,
    structure: Structure | str | None = None,
    inputs: str | Path | list[str | Path] | None = None,
    k: int = 5,
    bvse: bool = True,
    data_dir: str | Path | None = None,
) -> CandidateCard:
    """Gather what is known about one screened candidate (see the module docstring).

    Parameters
    ----------
    results : DataFrame
        A screening results table (:func:`~electroscreen.analysis.triage.load_results`).
    candidate_id : str
        The row to show (``results["candidate_id"]``, compared as text: ``824`` finds ``"824"``).
    structure : Structure or CIF text, optional
        The candidate's structure, when you have it at hand.
    inputs : path or list of paths, optional
        Screening inputs to look the structure up in (default: the run's ``inputs`` param, from
        ``results.attrs["params"]``: comma-separated paths as given to ``electroscreen screen``).
    k : int
        Number of nearest OBELiX materials.
    bvse : bool
        Compute BVSE barriers (0.1-1 s per structure).
    data_dir : path, optional
        Reference data folder for the OBELiX neighbours.

    Returns
    -------
    CandidateCard

    Raises
    ------
    KeyError
        When ``candidate_id`` is not in ``results``.
    """
    candidate_id = str(candidate_id)  # ids are text: 824 is the CIF 824.cif's "824"
    rows = results[results["candidate_id"].astype(str) == candidate_id]
    if not len(rows):
        raise KeyError(f"candidate {candidate_id!r} is not in the results table")
    row = rows.iloc[0]
    formula = str(row["formula"])
    predictions = row[[c for c in PREDICTION_COLUMNS if c in row.index]]
    card = CandidateCard(candidate_id=candidate_id, formula=formula, predictions=predictions)
    card.notes = notes_table(row)
    run_temperature = results.attrs.get("params", {}).get(TEMPERATURE_COLUMN)
    temperature = None  # unknown: a table without its run's params and without the row's own
    if run_temperature is not None or TEMPERATURE_COLUMN in row.index:
        default = 25.0 if run_temperature is None else float(run_temperature)
        temperature = used_temperatures(rows.iloc[:1], default)[0]
    card.result_units = result_units(results.attrs.get(COVERAGE_ATTR), temperature)

    found = as_structure(structure) if structure is not None else None
    if found is None and "structure" in row.index:
        found = as_structure(row["structure"])
    if found is None:
        if inputs is None:
            inputs = run_inputs(results.attrs.get("params", {}).get("inputs"))
        if inputs:
            found = find_structure(candidate_id, inputs)
    card.structure = found

    if found is None:
        where = f" in the screening inputs {inputs}" if inputs else ""
        card.structure_summary = {
            "structure": f"not available (composition-only candidate, or not found{where})"
        }
    else:
        card.structure_summary = structure_summary(found)
        descriptors, card.descriptor_status["structure"] = _featurize(StructureDescriptors(), found)
        parts = [descriptors[[n for n in descriptors.index if not n.startswith("rdf_")]]]
        if bvse:
            barriers, card.descriptor_status["bvse"] = _featurize(BVSE(), found)
            parts.append(barriers)
        card.descriptors = pd.concat(parts)
    _thermochemistry(card, row, results.attrs.get("params", {}))
    try:
        card.neighbours = nearest_obelix(found if found is not None else formula, k, data_dir)
    except ValueError as exc:
        card.descriptor_status["nearest_obelix"] = str(exc)
    return card
