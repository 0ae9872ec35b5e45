"""One screened candidate, up close: structure, descriptors, BVSE barriers, air reactions, neighbours.

``candidate_card(results, "cand-17")`` gathers, for one row of a screening results table:

- the predictions of the run (conductivity with its interval, air-stability score, ranks);
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

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Structure

from electroscreen.analysis.candidate_structure import (
    as_structure,
    find_structure,
    run_inputs,
    structure_summary,
)
from electroscreen.analysis.neighbours import nearest_obelix
from electroscreen.featurizers.bvse.barriers import BVSE
from electroscreen.featurizers.structure.descriptors import StructureDescriptors
from electroscreen.featurizers.thermo.interface import InterfaceReactivity
from electroscreen.featurizers.thermo.reactivity import AirReactivity
from electroscreen.featurizers.thermo.window import ElectrochemicalWindow
from electroscreen.screening.batch import OBJECTIVE_COLUMNS, WINDOW_STATUS_COLUMN
from electroscreen.screening.batch import PREDICTION_COLUMNS as BATCH_PREDICTION_COLUMNS
from electroscreen.screening.screen_config import ObjectivesConfig

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
    WINDOW_STATUS_COLUMN,
    "gii",  # bond-valence plausibility, in runs that have it
    "pareto_rank",
    "score",
    "acquisition",
    "rank",
    "acquisition_rank",
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
        (``filters.carrier`` and ``objectives.cathode`` in ``results.attrs["params"]``; Li and the
        default cathode otherwise).
    neighbours : DataFrame
        Nearest OBELiX materials (:func:`nearest_obelix`).
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

    def sections(self) -> dict[str, pd.DataFrame]:
        """The card as titled tables (what the HTML and text forms show)."""

        def table(values: dict | pd.Series, name: str = "value") -> pd.DataFrame:
            shown = pd.Series(values, dtype=object).map(_readable)
            return shown.rename(name).to_frame()

        return {
            "Predictions": table(self.predictions),
            "Structure": table(self.structure_summary),
            "Descriptors": table(self.descriptors),
            "Featurizer status": table(self.descriptor_status, "status"),
            "Air reactivity": table(self.air_reactions),
            "Window and electrodes": table(self.electrodes),
            "Nearest OBELiX materials": self.neighbours,
        }

    def __repr__(self) -> str:
        # short: the structure and tables would flood a terminal; print(card) shows them all
        status = ", ".join(f"{k}={v}" for k, v in self.descriptor_status.items())
        return f"CandidateCard({self.candidate_id!r}, {self.formula!r}, status: {status or 'n/a'})"

    def _repr_html_(self) -> str:
        parts = [f"<h3>{self.candidate_id}: {self.formula}</h3>"]
        for title, frame in self.sections().items():
            parts.append(f"<h4>{title}</h4>{frame.to_html(na_rep='NaN')}")
        return "\n".join(parts)

    def __str__(self) -> str:
        parts = [f"{self.candidate_id}: {self.formula}"]
        for title, frame in self.sections().items():
            parts.append(f"\n{title}\n{frame.to_string(na_rep='NaN')}")
        return "\n".join(parts)


def _readable(value: object) -> object:
    """A float to 4 significant digits (-2.271, 0.0001234, 1235), as a card shows it; the
    card's fields keep full precision. Anything else as it is."""
    if isinstance(value, float | np.floating) and np.isfinite(value):
        return float(f"{value:.4g}")
    return value


def _featurize(featurizer, structure: Structure) -> tuple[pd.Series, str]:
    values, status = featurizer.transform_with_status([structure])
    names = featurizer.get_feature_names_out()
    return pd.Series(values[0], index=names, dtype=float), str(status[0])


def _air_reactions(formula: str) -> pd.Series:
    """AirReactivity's reaction row for one formula (its status says when it is undefined)."""
    row = AirReactivity().reactions([formula]).iloc[0]
    return row.drop(labels=["formula"], errors="ignore")


def _electrodes(formula: str, params: dict) -> pd.Series:
    """Window limits, reactions and status, and the reactions with the carrier metal and the
    cathode (with the note on its enthalpy) of the screening run's ``params``, for one formula."""
    carrier = params.get("filters.carrier") or "Li"
    cathode = params.get("objectives.cathode") or ObjectivesConfig().cathode
    window = ElectrochemicalWindow(carrier=carrier).window([formula]).iloc[0]
    window = window.rename({"status": "window_status"})
    reactions = InterfaceReactivity(electrodes=(carrier, cathode)).reactions([formula]).iloc[0]
    keep = ["window_red_v", "red_reaction", "window_ox_v", "ox_reaction", "window_status"]
    return pd.concat([window[keep], reactions.filter(like="interface_")])


def candidate_card(
    results: pd.DataFrame,
    candidate_id: str,
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
        The row to show (``results["candidate_id"]``).
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
    rows = results[results["candidate_id"] == candidate_id]
    if not len(rows):
        raise KeyError(f"candidate {candidate_id!r} is not in the results table")
    row = rows.iloc[0]
    formula = str(row["formula"])
    predictions = row[[c for c in PREDICTION_COLUMNS if c in row.index]]
    card = CandidateCard(candidate_id=candidate_id, formula=formula, predictions=predictions)

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
    card.air_reactions = _air_reactions(formula)
    card.descriptor_status["air_reactivity"] = str(card.air_reactions.get("status", "ok"))
    card.electrodes = _electrodes(formula, results.attrs.get("params", {}))
    try:
        card.neighbours = nearest_obelix(found if found is not None else formula, k, data_dir)
    except ValueError as exc:
        card.descriptor_status["nearest_obelix"] = str(exc)
    return card
