"""Prediction tasks: what is predicted, from which table, and how awkward labels are handled.

Two tasks:

``conductivity``
    Regression of the room-temperature ionic conductivity as ``log10(sigma / (S/cm))`` on OBELiX.
    Censored entries (``<1E-10``, ``<1E-8``: 37 of 599) are upper bounds, not values. **Choice:** they
    enter *training* at their bound (``log10_sigma_upper``, the largest value consistent with the
    measurement, so the model learns "very low" without inventing a number below the bound); they are
    **excluded** from every error metric (MAE, RMSE, R2, Spearman, interval coverage) and from
    conformal calibration; in the ROC-AUC for ``sigma >= 1e-4 S/cm`` they are negatives (their bound is
    below 1e-4). ``censored="drop"`` removes them from training instead.
    With ``liverpool=True`` (:func:`load_task_table`) the table also holds one row per Liverpool
    Ionics Dataset composition (``split = "extra"``: its 25 degC value and Arrhenius activation
    energy ``ea_ev``; :func:`liverpool_rows`); those rows only ever train, leak-guarded
    (:func:`electroscreen.models.evaluation.guard_extra_rows`).

``air_stability``
    Binary classification, ``p_air_stable`` = probability that the material is *not* unstable in air.
    The literature verdict has three levels; **collapse:** ``stable`` and ``moderate`` -> 1 (no rapid
    decomposition or H2S release; ``moderate`` means surface carbonate / reversible hydration only),
    ``unstable`` -> 0. The same composition can carry several verdicts (different exposures): each
    row is kept and weighted ``1 / (rows of that composition)`` so a composition counts once in total,
    and cross-validation groups rows by composition so no composition is on both sides of a split
    (one composition: atomic fractions within 2e-4, however the formula is written).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.composition_match import composition_groups

__all__ = [
    "AIR_STABILITY",
    "CARRIER_NOTE",
    "CONDUCTIVITY",
    "FAST_ION_LOG10_SIGMA",
    "TASKS",
    "Targets",
    "Task",
    "air_stability_targets",
    "collapse_verdict",
    "conductivity_targets",
    "get_task",
    "liverpool_rows",
    "load_task_table",
    "targets_for",
]

#: Threshold of a "fast ion conductor" for the ROC-AUC metric: sigma >= 1e-4 S/cm.
FAST_ION_LOG10_SIGMA = -4.0
#: ``featurizer:status`` note of a prediction for a carrier the task's training data do not hold
#: (``training_data:carrier_not_in_training=Na``: a Li-ion conductivity model asked about a Na
#: conductor).
CARRIER_NOTE = "training_data:carrier_not_in_training"
#: Three-level literature verdict -> binary air-stable label.
VERDICT_TO_LABEL = {"stable": 1, "moderate": 1, "unstable": 0}


@dataclass(frozen=True)
class Task:
    """A prediction task.

    Attributes
    ----------
    name : str
    kind : {"regression", "classification"}
    output_columns : tuple of str
        Columns of ``CandidatePredictor.predict_frame`` (besides ``pred_status``); the first is
        the point prediction (:attr:`point_column`).
    summary : str
        What a model of the task predicts, with units: the registered model's description.
    carriers : tuple of str
        The mobile ions of the materials its training data describe: a screening for another
        carrier gets this task's predictions with a note (:data:`CARRIER_NOTE`); empty: any
        (the air-stability labels hold Li, Na, K and Mg compounds).
    """

    name: str
    kind: str
    output_columns: tuple[str, ...]
    summary: str = ""
    carriers: tuple[str, ...] = ()

    @property
    def point_column(self) -> str:
        """The point prediction: ``pred_log10_sigma`` or ``p_air_stable``, what
        ``CandidatePredictor.predict`` returns."""
        return self.output_columns[0]

    def carrier_note(self, carrier: str) -> str:
        """``""``, or :data:`CARRIER_NOTE` ``=carrier`` when the task's training data hold no
        material with that mobile ion (``carrier`` empty: not checked)."""
        if not carrier or not self.carriers or carrier in self.carriers:
            return ""
        return f"{CARRIER_NOTE}={carrier}"


CONDUCTIVITY = Task(
    name="conductivity",
    kind="regression",
    output_columns=(
        "pred_log10_sigma",
        "pred_log10_sigma_std",
        "pred_log10_sigma_lo",
        "pred_log10_sigma_hi",
    ),
    summary=(
        "Ionic conductivity of a candidate solid electrolyte: pred_log10_sigma (log10 S/cm, at "
        "25 degC or the row's temperature_c) with a 90 % interval by default (_lo, _hi, decades; "
        "1 - conformal_alpha), the "
        "ensemble spread (_std) and the distance to the training compositions (_novelty); "
        "pred_ea_ev (eV) where the model has an Arrhenius temperature model. Trained on OBELiX "
        "(+ the Liverpool Ionics Dataset, leak-guarded). `electroscreen screen` uses the newest "
        "version unless given a model URI."
    ),
    carriers=("Li",),  # OBELiX and the Liverpool Ionics Dataset: Li-ion conductors only
)
AIR_STABILITY = Task(
    name="air_stability",
    kind="classification",
    output_columns=("p_air_stable", "p_air_stable_std"),
    summary=(
        "Air / moisture stability of a candidate solid electrolyte: p_air_stable (0-1, a score "
        "to rank by: the probability that the literature would call it stable or moderately "
        "stable in air; not calibrated on unseen families) and its spread (_std). Trained on "
        "electroscreen's sourced literature labels. `electroscreen screen` uses the newest "
        "version unless given a model URI."
    ),
)
TASKS = {t.name: t for t in (CONDUCTIVITY, AIR_STABILITY)}


def get_task(name: str) -> Task:
    """The task called ``name`` (``conductivity`` or ``air_stability``)."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; choose from {sorted(TASKS)}") from None


@dataclass(frozen=True)
class Targets:
    """Training targets of a table, row-aligned.

    Attributes
    ----------
    y : ndarray of float64
        Value used for training (NaN: row not usable for training).
    evaluable : ndarray of bool
        Rows whose ``y`` is an exact value (used in error metrics and conformal calibration).
    censored_bound : ndarray of float64
        Upper bound of censored rows (NaN elsewhere).
    sample_weight : ndarray of float64
    """

    y: np.ndarray
    evaluable: np.ndarray
    censored_bound: np.ndarray
    sample_weight: np.ndarray

    @property
    def trainable(self) -> np.ndarray:
        """Rows with a finite training target."""
        return np.isfinite(self.y)


def conductivity_targets(table: pd.DataFrame, censored: str = "bound") -> Targets:
    """Targets of an OBELiX-like table (``log10_sigma``, ``censored``, ``log10_sigma_upper``).

    Parameters
    ----------
    table : DataFrame
    censored : {"bound", "drop"}
        Train censored rows at their upper bound, or leave them out of training.
    """
    if censored not in {"bound", "drop"}:
        raise ValueError(f"censored must be 'bound' or 'drop', not {censored!r}")
    value = table["log10_sigma"].to_numpy(dtype=float)
    is_censored = table["censored"].fillna(False).to_numpy(dtype=bool)
    bound = np.where(is_censored, table["log10_sigma_upper"].to_numpy(dtype=float), np.nan)
    y = value.copy()
    if censored == "bound":
        y[is_censored] = bound[is_censored]
    evaluable = np.isfinite(value) & ~is_censored
    return Targets(
        y=y,
        evaluable=evaluable,
        censored_bound=bound,
        sample_weight=np.ones(len(table)),
    )


def collapse_verdict(verdict: pd.Series | np.ndarray) -> np.ndarray:
    """``stable``/``moderate`` -> 1.0, ``unstable`` -> 0.0, anything else NaN."""
    text = pd.Series(np.asarray(verdict, dtype=object)).astype(str).str.strip().str.lower()
    return text.map(VERDICT_TO_LABEL).to_numpy(dtype=float)


def air_stability_targets(table: pd.DataFrame) -> Targets:
    """Targets of an air-stability label table (``verdict`` column, ``formula`` for grouping).

    Rows whose ``status`` is not ``ok`` (formula not a composition, verdict not one of the three)
    get ``y = NaN``: they are excluded from training and scoring, never guessed.
    """
    y = collapse_verdict(table["verdict"])
    if "status" in table:
        y[table["status"].astype(str).to_numpy() != "ok"] = np.nan
    # one composition however it is written (Li2Sc0.667Cl4 = Li3ScCl6): the leak guard's match
    group = composition_groups(table["formula"].astype(str).tolist())
    counts = np.bincount(group)[group].astype(float)
    return Targets(
        y=y,
        evaluable=np.isfinite(y),
        censored_bound=np.full(len(table), np.nan),
        sample_weight=1.0 / counts,
    )


def targets_for(task: Task, table: pd.DataFrame, censored: str = "bound") -> Targets:
    """Dispatch to :func:`conductivity_targets` or :func:`air_stability_targets`."""
    if task.name == "conductivity":
        return conductivity_targets(table, censored=censored)
    return air_stability_targets(table)


def load_task_table(
    task: Task | str,
    data_dir: str | Path | None = None,
    *,
    structures: bool = False,
    liverpool: bool = False,
) -> pd.DataFrame:
    """The labelled candidate table of a task.

    Parameters
    ----------
    task : Task or str
    data_dir : path, optional
        Reference data folder (default ``$ELECTROSCREEN_DATA``).
    structures : bool
        Conductivity only: parse the 321 OBELiX CIFs into the ``structure`` column (otherwise every
        row is composition-only, which is much faster).
    liverpool : bool
        Conductivity only: append the Liverpool Ionics Dataset as extra training rows
        (:func:`liverpool_rows`, ``split = "extra"``).

    Returns
    -------
    DataFrame
        A candidate table (``candidate_id, formula, source, status, error, structure``) plus the
        task's label columns (``log10_sigma, censored, log10_sigma_upper, family, split`` or
        ``verdict, family``).
    """
    task = get_task(task) if isinstance(task, str) else task
    if task.name == "conductivity":
        from electroscreen.data import candidate_table, load_obelix, obelix_candidates

        if structures:
            table = obelix_candidates(data_dir)
            return _with_liverpool(table, data_dir) if liverpool else table
        table = load_obelix(data_dir)
        records = [
            {
                "candidate_id": row.ID,
                "formula": row.true_composition,
                "source": f"obelix:{row.ID}",
                "status": "ok",
                "family": row.family,
                "log10_sigma": row.log10_sigma,
                "censored": row.censored,
                "log10_sigma_upper": row.log10_sigma_upper,
                "split": row.split,
            }
            for row in table.itertuples(index=False)
        ]
        table = candidate_table(records)
        return _with_liverpool(table, data_dir) if liverpool else table
    return _air_stability_table(data_dir)


def liverpool_rows(obelix: pd.DataFrame, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The Liverpool compositions as extra training rows beside an OBELiX task table.

    One row per composition (:func:`~electroscreen.data.liverpool.liverpool_compositions`: repeated
    measurements pooled into one Arrhenius fit or one room-temperature mean), ``candidate_id``
    ``liverpool:<ID>`` with the dataset's smallest ``ID`` of that composition, ``split = "extra"``,
    ``log10_sigma`` = the 25 degC value, ``ea_ev`` = the fitted activation energy (NaN without a fit).
    A composition that matches *any* OBELiX entry (:func:`match_compositions`) keeps its ``ea_ev``
    but loses its ``log10_sigma``: OBELiX's curated room-temperature value of that material is
    already a row, and one material must not count twice. Which extra rows a model evaluated on
    held-out OBELiX rows may see is decided per split by
    :func:`electroscreen.models.evaluation.guard_extra_rows` (the leak guard).
    """
    from electroscreen.data import candidate_table
    from electroscreen.data.composition_match import match_compositions
    from electroscreen.data.liverpool import liverpool_compositions, load_liverpool

    comps = liverpool_compositions(load_liverpool(data_dir))
    in_obelix = match_compositions(
        comps["formula"].tolist(), obelix["formula"].astype(str).tolist()
    )
    records = [
        {
            "candidate_id": f"liverpool:{row.first_id}",
            "formula": row.formula,
            "source": f"liverpool:{row.composition_key}",
            "status": "ok",
            "family": row.family,
            "log10_sigma": np.nan if dup else row.log10_sigma_25,
            "censored": False,
            "log10_sigma_upper": np.nan,
            "split": "extra",
            "ea_ev": row.ea_ev,
            "liverpool_status": "in_obelix" if dup else row.fit_status,
        }
        for row, dup in zip(comps.itertuples(index=False), in_obelix, strict=True)
    ]
    return candidate_table(records)


def _with_liverpool(table: pd.DataFrame, data_dir: str | Path | None) -> pd.DataFrame:
    extra = liverpool_rows(table, data_dir)
    out = pd.concat([table.assign(ea_ev=np.nan), extra], ignore_index=True)
    return out


def _air_stability_table(data_dir: str | Path | None) -> pd.DataFrame:
    from electroscreen.data.air_stability import load_air_stability  # the air-stability issue

    return load_air_stability(data_dir)
