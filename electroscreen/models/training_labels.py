"""The literature verdicts an air-stability model was fitted on, looked up by composition.

A screened candidate can be a labelled composition, and its score need not agree with its label:
the default model (``gated``) recalls a label through its forest only where several labelled rows
lie close by, so ``Li2S`` and ``LiI``, each labelled ``unstable`` by one row, are scored about 0.7
and 0.9 by the far (logistic) member. A chemist wants the verdict beside the score: ``screen``
writes ``train_air_verdict`` and ``train_air_id`` (:data:`LABEL_COLUMNS`) for the compositions the
air-stability model was fitted on, matched as the conductivity training rows are
(:data:`~electroscreen.models.training_rows.TRAINING_MATCH_TOLERANCE`). These values never enter
a prediction; a composition no label row holds is not flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from electroscreen.data.air_stability import VERDICTS
from electroscreen.data.compositions import PackedCompositions
from electroscreen.models.training_rows import TRAINING_MATCH_TOLERANCE, by_composition

__all__ = ["LABEL_COLUMNS", "TrainingLabels"]

#: Screening columns: the verdict of the label rows with the candidate's composition (``""``: not
#: labelled; where its rows disagree, each verdict with its count, ``moderate (14), unstable (1)``),
#: and their ids (``;``-joined).
LABEL_COLUMNS = ("train_air_verdict", "train_air_id")


def _verdict_text(verdicts: np.ndarray) -> str:
    """One composition's verdicts: ``unstable``, or ``moderate (2), unstable (5)`` (in
    :data:`~electroscreen.data.air_stability.VERDICTS` order) where its rows disagree."""
    counts = {v: int((verdicts == v).sum()) for v in VERDICTS if (verdicts == v).any()}
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{v} ({n})" for v, n in counts.items())


class TrainingLabels:
    """The compositions an air-stability model was fitted on, each with its rows' verdicts and ids.

    Parameters
    ----------
    ids, formulas, verdicts : sequence of str, length M
        The label rows the model was fitted on (verdicts among
        :data:`~electroscreen.data.air_stability.VERDICTS`).
    """

    def __init__(
        self, ids: Sequence[object], formulas: Sequence[object], verdicts: Sequence[object]
    ) -> None:
        verdicts = np.asarray([str(v) for v in verdicts], dtype=object)
        members, self.formulas, self.ids, self.index = by_composition(ids, formulas)
        self.verdicts = np.array([_verdict_text(verdicts[m]) for m in members], dtype=object)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_rows(cls, table: pd.DataFrame, rows: np.ndarray) -> TrainingLabels:
        """The rows ``rows`` (positions) of an air-stability label table (``formula``,
        ``verdict``, ``candidate_id``)."""
        return cls(
            table["candidate_id"].to_numpy()[rows] if "candidate_id" in table else rows,
            table["formula"].to_numpy()[rows],
            table["verdict"].to_numpy()[rows],
        )

    def lookup(self, compositions: PackedCompositions) -> pd.DataFrame:
        """:data:`LABEL_COLUMNS` of each composition (row-aligned)."""
        found = self.index.find(compositions, tol=TRAINING_MATCH_TOLERANCE)
        hit = found >= 0
        verdicts = np.full(len(found), "", dtype=object)
        ids = np.full(len(found), "", dtype=object)
        verdicts[hit] = self.verdicts[found[hit]]
        ids[hit] = self.ids[found[hit]]
        return pd.DataFrame({LABEL_COLUMNS[0]: verdicts, LABEL_COLUMNS[1]: ids})
