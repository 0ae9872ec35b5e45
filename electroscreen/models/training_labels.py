"""The literature verdicts an air-stability model was fitted on, looked up by composition.

A screened candidate can be a labelled composition, and its score need not agree with its label:
the default model (``gated``) recalls a label through its forest only where several labelled rows
lie close by, so ``Li2S`` and ``LiI``, each labelled ``unstable`` by one row, are scored about 0.7
and 0.9 by the far (logistic) member. A chemist wants the verdict beside the score: ``screen``
writes ``train_air_verdict`` and ``train_air_id`` (:data:`LABEL_COLUMNS`) for the compositions the
air-stability model was fitted on, matched as the conductivity training rows are
(:data:`~electroscreen.models.training_rows.TRAINING_MATCH_TOLERANCE`). These values never enter
a prediction; a composition no label row holds is not flagged.

What a fitted model does with them: the predictor's notes (``predict_frame(..., details=True)``,
:mod:`~electroscreen.models.predictor_outputs`) never call a labelled composition's score "far
from every labelled composition", and note a score that contradicts the composition's own label
(:meth:`TrainingLabels.contradicted`: ``p >= 0.5`` where most of its rows say ``unstable``,
``p < 0.5`` where most say ``stable`` or ``moderate``, the model's own collapse of the verdicts).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from electroscreen.data.air_stability import VERDICTS
from electroscreen.data.compositions import PackedCompositions
from electroscreen.models.tasks import VERDICT_TO_LABEL
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


def _counts_of_text(text: str, n_rows: int) -> np.ndarray:
    """A composition's rows per verdict (:data:`VERDICTS` order) from its :func:`_verdict_text`
    and its number of rows (a model pickled before ``verdict_counts`` kept only those)."""
    counts = np.zeros(len(VERDICTS), dtype=np.int64)
    if text in VERDICTS:
        counts[VERDICTS.index(text)] = n_rows
        return counts
    for part in text.split(", "):
        verdict, _, n = part.partition(" (")
        counts[VERDICTS.index(verdict)] = int(n.rstrip(")"))
    return counts


def _counts_text(counts: np.ndarray) -> str:
    """``unstable(1)``, or ``stable(1)+unstable(5)`` where the rows disagree: each verdict with
    its number of label rows (sources), in :data:`VERDICTS` order; no comma, semicolon or colon,
    so it can stand in a note (``labels:contradicts_label=unstable(1)``)."""
    return "+".join(f"{v}({n})" for v, n in zip(VERDICTS, counts, strict=True) if n)


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
        #: Rows per verdict of each composition, shape (n_compositions, 3), :data:`VERDICTS` order.
        self.verdict_counts = np.array(
            [[int((verdicts[m] == v).sum()) for v in VERDICTS] for m in members], dtype=np.int64
        ).reshape(len(members), len(VERDICTS))

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

    def find(self, compositions: PackedCompositions) -> np.ndarray:
        """Per composition, the position of its labelled composition (``-1``: not labelled),
        shape ``(len(compositions),)``; matched within
        :data:`~electroscreen.models.training_rows.TRAINING_MATCH_TOLERANCE`."""
        return self.index.find(compositions, tol=TRAINING_MATCH_TOLERANCE)

    def counts(self) -> np.ndarray:
        """Label rows per verdict of each labelled composition, shape ``(len(self), 3)``
        (:data:`~electroscreen.data.air_stability.VERDICTS` order)."""
        counts = getattr(self, "verdict_counts", None)
        if counts is None:  # pickled before it was kept: from the verdict texts and ids
            pairs = zip(self.verdicts, self.ids, strict=True)
            counts = np.array(
                [_counts_of_text(t, len(i.split(";"))) for t, i in pairs], dtype=np.int64
            ).reshape(len(self.ids), len(VERDICTS))
        return counts

    def contradicted(self, found: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Per row, ``""`` or its label's counts (``unstable(1)``, ``stable(2)+unstable(5)``)
        where the score ``p`` contradicts them.

        A composition's label says "air-stable" where more of its rows say ``stable`` or
        ``moderate`` than ``unstable`` (the model's collapse, ``VERDICT_TO_LABEL``), and
        "unstable" where fewer; a score contradicts it when ``p < 0.5`` for the first,
        ``p >= 0.5`` for the second (the threshold of ``predict``). A composition whose rows
        split evenly is contradicted by no score, nor is a row without a label or a score.

        Parameters
        ----------
        found : ndarray of int, shape (n,)
            :meth:`find` of the rows.
        p : ndarray of float, shape (n,)
            The rows' ``p_air_stable``.

        Returns
        -------
        ndarray of object, shape (n,)

        Examples
        --------
        >>> from electroscreen.data.compositions import pack_compositions
        >>> labels = TrainingLabels(["a", "b", "c"], ["LiI", "Li3PS4", "Li3PS4"],
        ...                         ["unstable", "stable", "unstable"])
        >>> found = labels.find(pack_compositions(["LiI", "Li3PS4", "LiBr"]))
        >>> labels.contradicted(found, np.array([0.8, 0.9, 0.9])).tolist()
        ['unstable(1)', '', '']
        """
        found = np.asarray(found, dtype=np.int64)
        p = np.asarray(p, dtype=np.float64)
        out = np.full(len(found), "", dtype=object)
        hit = (found >= 0) & np.isfinite(p)
        if not hit.any():
            return out
        counts = self.counts()[found[hit]]
        positive = np.array([VERDICT_TO_LABEL[v] == 1 for v in VERDICTS])
        n_stable, n_unstable = counts[:, positive].sum(axis=1), counts[:, ~positive].sum(axis=1)
        q = p[hit]
        against = ((n_stable > n_unstable) & (q < 0.5)) | ((n_unstable > n_stable) & (q >= 0.5))
        rows = np.flatnonzero(hit)[against]
        out[rows] = [_counts_text(c) for c in counts[against]]
        return out

    def lookup(self, compositions: PackedCompositions) -> pd.DataFrame:
        """:data:`LABEL_COLUMNS` of each composition (row-aligned)."""
        found = self.find(compositions)
        hit = found >= 0
        verdicts = np.full(len(found), "", dtype=object)
        ids = np.full(len(found), "", dtype=object)
        verdicts[hit] = self.verdicts[found[hit]]
        ids[hit] = self.ids[found[hit]]
        return pd.DataFrame({LABEL_COLUMNS[0]: verdicts, LABEL_COLUMNS[1]: ids})
