"""What a fitted predictor keeps of its rows for ``screen`` to show beside a prediction.

Built from the rows :meth:`~electroscreen.models.predictor.CandidatePredictor.fit_design` fits
on: a conductivity model's measured compositions (:class:`~electroscreen.models.training_rows.
TrainingRows`, ``train_log10_sigma``) and the scatter of their repeated measurements
(:class:`~electroscreen.models.recall_intervals.RecallIntervals`, which widens a recall's
interval); an air-stability model's labelled verdicts (:class:`~electroscreen.models.
training_labels.TrainingLabels`); and, set by ``train`` through ``remember_heldout``, the measured
rows a conductivity model was not fitted on (``heldout_log10_sigma``). None of them enters a
prediction except the recall intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from electroscreen.data.composition_match import composition_groups
from electroscreen.models.recall_intervals import RecallIntervals
from electroscreen.models.tasks import Targets, Task
from electroscreen.models.training_labels import TrainingLabels
from electroscreen.models.training_rows import TrainingRows

__all__ = ["fitted_lookups", "heldout_lookup"]


def fitted_lookups(
    task: Task, table: pd.DataFrame, targets: Targets, rows: np.ndarray, alpha: float
) -> dict[str, object]:
    """The predictor's ``training_rows_``, ``recall_intervals_`` and ``training_labels_`` for a
    fit on ``rows`` (positions) of ``table``: the first two for conductivity (``alpha``: the
    predictor's ``conformal_alpha``), the labels for air stability when the table has a
    ``verdict`` column; None where they do not apply."""
    if task.kind == "classification":
        has_verdicts = "verdict" in table  # the labels screen shows beside the scores
        labels = TrainingLabels.of_rows(table, rows) if has_verdicts else None
        return {"training_rows_": None, "recall_intervals_": None, "training_labels_": labels}
    # one composition grouping of the rows for both (each builds its own index from it, so what
    # is pickled is as before)
    group = composition_groups([str(f) for f in table["formula"].to_numpy()[rows]])
    return {
        "training_rows_": TrainingRows.of_rows(table, targets, rows, group),
        "recall_intervals_": RecallIntervals.of_rows(table, targets, rows, alpha, group),
        "training_labels_": None,
    }


def heldout_lookup(table: pd.DataFrame, targets: Targets) -> TrainingRows | None:
    """The measured rows of ``table`` (an exact value or a censored bound in ``targets``) as a
    conductivity predictor's ``heldout_rows_``; None when it has none."""
    rows = np.flatnonzero(targets.evaluable | np.isfinite(targets.censored_bound))
    return TrainingRows.of_rows(table, targets, rows) if len(rows) else None
