"""A frame of candidates as model inputs: the :class:`Design` and how a frame is featurized.

:func:`featurize_frame` is the body of
:meth:`~electroscreen.models.predictor.CandidatePredictor.featurize`: it parses the frame's
structures (or takes them pre-packed), packs its formulas once, decides which rows can be predicted
(see the predictor's module docstring) and concatenates the featurizers' columns. Rows that cannot be
predicted keep a status saying why; a row is never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from electroscreen.data.anion_classes import ANION_RULE, anion_classes
from electroscreen.data.candidates import OK, STRUCTURE_PARSE_ERROR, merge_status
from electroscreen.data.composition_match import element_set_codes, formula_mismatch
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.packed import PackedStructures, pack_structures
from electroscreen.featurizers.base import (
    CompositionFeaturizer,
    Featurizer,
    StructureFeaturizer,
    as_packed_compositions,
    blank_rows,
)
from electroscreen.featurizers.registry import make_featurizer
from electroscreen.models.design import take_rows
from electroscreen.models.frame_columns import candidate_frame
from electroscreen.models.frame_structures import missing_value, parse_structures

__all__ = ["Design", "featurize_frame", "reads_structures"]


def reads_structures(estimator: str, featurizers: Sequence[str | Featurizer]) -> bool:
    """Whether a model of this estimator and these featurizers reads structures.

    The graph network always does; a descriptor model does when any featurizer is a
    :class:`~electroscreen.featurizers.base.StructureFeaturizer`. The one rule behind
    ``CandidatePredictor.reads_structures``, ``TrainConfig.reads_structures()`` and screening.
    """
    if estimator == "graph":
        return True
    objects = (make_featurizer(f) if isinstance(f, str) else f for f in featurizers)
    return any(isinstance(f, StructureFeaturizer) for f in objects)


@dataclass
class Design:
    """Model inputs of a frame: one entry of ``X`` per predictable row.

    Attributes
    ----------
    X : ndarray or PackedStructures
        Feature matrix (may hold NaN) or packed structures, rows ``rows`` of the frame.
    rows : ndarray of int64
        Positions (0-based) in the frame of the predictable rows.
    status : ndarray of object
        Per frame row: ``"ok"`` or why it cannot be predicted.
    feature_status : ndarray of object
        Per frame row: ``""`` or the ``featurizer:status`` notes of featurizers that left NaN,
        ``;``-separated.
    element_sets : ndarray of uint64, shape (len(rows),), optional
        Per predictable row, the code of its element set
        (:func:`~electroscreen.data.composition_match.element_set_codes`); ``None`` when unknown.
    anion_classes : ndarray of int8, shape (len(rows),), optional
        Per predictable row, its anion class (:func:`~electroscreen.data.anion_classes.anion_classes`);
        ``None`` when unknown.
    anion_rule : str
        The rule those classes follow (:data:`~electroscreen.data.anion_classes.ANION_RULES`):
        what a predictor fitted on this design records (``anion_rule_``).
    compositions : PackedCompositions, optional
        The compositions of the predictable rows (``len(rows)``): where a conductivity model finds
        a recall of a training composition (:mod:`~electroscreen.models.recall_intervals`);
        ``None`` when unknown.
    """

    X: np.ndarray | PackedStructures
    rows: np.ndarray
    status: np.ndarray
    feature_status: np.ndarray
    element_sets: np.ndarray | None = None
    anion_classes: np.ndarray | None = None
    anion_rule: str = ANION_RULE
    compositions: PackedCompositions | None = None

    def __len__(self) -> int:
        return len(self.status)

    def with_status(self, problem: np.ndarray) -> Design:
        """This design with a later check's per-row ``problem`` (``"ok"`` where none) merged
        into its statuses, the first problem winning: rows it stops leave ``X``."""
        status, _ = merge_status(self.status, problem)
        keep = status[self.rows] == OK
        return Design(
            X=take_rows(self.X, np.flatnonzero(keep)),
            rows=self.rows[keep],
            status=status,
            feature_status=self.feature_status,
            element_sets=_take(self.element_sets, keep),
            anion_classes=_take(self.anion_classes, keep),
            anion_rule=self.anion_rule,
            compositions=_take_packed(self.compositions, np.flatnonzero(keep)),
        )

    def take(self, positions: np.ndarray) -> Design:
        """The design of frame rows ``positions`` (renumbered 0..len-1)."""
        positions = np.asarray(positions, dtype=np.int64)
        where = np.full(len(self), -1, dtype=np.int64)
        where[self.rows] = np.arange(len(self.rows))
        inner = where[positions]
        keep = inner >= 0
        return Design(
            X=take_rows(self.X, inner[keep]),
            rows=np.flatnonzero(keep).astype(np.int64),
            status=self.status[positions],
            feature_status=self.feature_status[positions],
            element_sets=_take(self.element_sets, inner[keep]),
            anion_classes=_take(self.anion_classes, inner[keep]),
            anion_rule=self.anion_rule,
            compositions=_take_packed(self.compositions, inner[keep]),
        )


def _take(values: np.ndarray | None, which: np.ndarray) -> np.ndarray | None:
    """``values[which]``, or ``None`` for unknown values."""
    return None if values is None else values[which]


def _take_packed(packed: PackedCompositions | None, which: np.ndarray) -> PackedCompositions | None:
    """``packed.take(which)``, or ``None`` for unknown compositions."""
    return None if packed is None else packed.take(which)


def featurize_frame(
    frame: pd.DataFrame,
    objects: list[tuple[str, Featurizer]],
    *,
    graph: bool,
    requires_structure: bool,
    compositions: PackedCompositions | None = None,
    structures: PackedStructures | None = None,
    structure_rows: np.ndarray | None = None,
    as_table: bool = False,
    anion_rule: str = ANION_RULE,
) -> Design:
    """The design of ``frame`` (``formula``, optional ``structure``, ``status``).

    Parameters
    ----------
    frame : DataFrame
        Its formula and structure columns are found as a table file's are, case and surrounding
        spaces aside (:func:`~electroscreen.models.frame_columns.candidate_frame`: a frame with
        neither is a ``ValueError``, what is not a DataFrame a ``TypeError``).
    objects : list of (str, Featurizer)
        The model's featurizers (key, fresh instance), concatenated in this order; empty for the
        graph network.
    graph : bool
        The graph network: ``X`` is the packed structures of the predictable rows.
    requires_structure : bool
        A row without a structure cannot be predicted (status ``no_structure``).
    compositions : PackedCompositions, optional
        ``frame["formula"]`` already packed (row-aligned): not parsed again.
    structures : PackedStructures, optional
        The frame's structures already packed, for the rows ``structure_rows`` (ascending
        positions in ``frame``; other rows have none): no ``structure`` column is read.
    structure_rows : ndarray of int, optional
        Required with ``structures``.
    as_table : bool, default False
        Read the rows as a screening reads a table's (pyfunc, ``serve``): a row whose formula and
        structure (parsed here from ``frame["structure"]``) are not one composition gets status
        ``formula_mismatch`` (the table readers' rule,
        :func:`~electroscreen.data.composition_match.formula_mismatch`), and a row with a structure is
        featurized from the structure's cell, which its formula only has to match (``screen``
        reads a table row's ``cif`` so: ``cell_formula``). Otherwise (training) a given formula
        is read as written beside its structure.
    anion_rule : str
        The rule of the rows' anion classes (:func:`~electroscreen.data.anion_classes.
        anion_classes`): a fitted predictor's own (``anion_rule_``).

    Returns
    -------
    Design
        ``X`` of shape ``(n_predictable, n_features)`` (or packed structures), and per frame row
        the status and feature notes.
    """
    frame = candidate_frame(frame, need_columns=compositions is None and structures is None)
    n = len(frame)
    formula = frame["formula"] if "formula" in frame else pd.Series([""] * n, index=frame.index)
    in_status = (
        frame["status"].fillna(OK).astype(str).to_numpy(dtype=object)
        if "status" in frame
        else np.full(n, OK, dtype=object)
    )
    given = structures  # pre-packed structures (or None): taken, never re-packed
    if given is not None:
        s_status = np.full(n, "no_structure", dtype=object)
        s_status[structure_rows] = OK
        structures = [None] * n
    elif "structure" in frame:
        structures, s_status = parse_structures(frame["structure"].tolist())
    else:
        structures, s_status = [None] * n, np.full(n, "no_structure", dtype=object)
    formulas = [  # a structure's cell as the readers write its cell_formula
        s.composition.formula.replace(" ", "") if s is not None and (as_table or missing_value(f))
        else f
        for f, s in zip(formula.tolist(), structures, strict=True)
    ]  # fmt: skip
    status, _ = merge_status(in_status, s_status, s_status == STRUCTURE_PARSE_ERROR)
    if as_table and given is None:
        mismatch = np.array(
            [
                s is not None and not missing_value(f) and formula_mismatch(f, s) is not None
                for f, s in zip(formula.tolist(), structures, strict=True)
            ],
            dtype=bool,
        )
        status, _ = merge_status(status, "formula_mismatch", mismatch)
    has_structure = s_status == OK
    comp = [(k, f) for k, f in objects if isinstance(f, CompositionFeaturizer)]
    if comp:
        packed = as_packed_compositions(
            pd.DataFrame({"formula": formulas, "status": status})
            if compositions is None
            else blank_rows(compositions, status)
        )
        status, _ = merge_status(status, packed.status)
    if requires_structure:
        status, _ = merge_status(status, "no_structure", ~has_structure)
    ok = status == OK
    s_rows = np.flatnonzero(ok & has_structure)
    if not len(s_rows):
        s_packed = None
    elif given is not None:
        s_packed = given.take(np.searchsorted(structure_rows, s_rows))
    else:
        s_packed = pack_structures([structures[i] for i in s_rows])
    rows = np.flatnonzero(ok)
    if comp:  # the element sets and anion classes of the predictable rows
        element_sets = element_set_codes(packed)[rows]
        classes = anion_classes(packed, anion_rule)[rows]
        own = packed.take(rows)
    else:  # only structures are read: the formulas of the predictable rows, packed here
        own = pack_compositions([str(formulas[i]) for i in rows])
        element_sets, classes = element_set_codes(own), anion_classes(own, anion_rule)
    if graph:
        blank = np.full(n, "", dtype=object)
        return Design(s_packed, rows, status, blank, element_sets, classes, anion_rule, own)
    blocks, notes = [], np.full(n, "", dtype=object)
    for key, f in objects:
        if isinstance(f, StructureFeaturizer):
            width = len(f.get_feature_names_out())
            values = np.full((n, width), np.nan)
            f_status = np.full(n, "no_structure", dtype=object)
            if s_packed is not None:
                values[s_rows], f_status[s_rows] = f.transform_with_status(s_packed)
        else:
            values, f_status = f.transform_with_status(packed)
        bad = ok & (f_status != OK)
        separator = np.where(notes[bad] == "", "", ";")
        notes[bad] = notes[bad] + separator + f"{key}:" + f_status[bad].astype(str)
        blocks.append(values)
    X = np.hstack(blocks)
    return Design(X[rows], rows, status, notes, element_sets, classes, anion_rule, own)
