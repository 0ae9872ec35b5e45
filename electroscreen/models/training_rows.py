"""The measured rows a conductivity model was fitted on, looked up by composition.

A screened candidate can *be* one of them: a generated substitution that lands on a known
electrolyte (the demo's best-ranked candidate, ``Li10.354Ge1.35P1.65S12`` made from a Si seed, is
OBELiX's training row ``824``). Its prediction is then a recall of that measurement, and a chemist wants the
measurement beside it: ``screen`` writes ``train_log10_sigma`` and ``train_id``
(:data:`TRAINING_COLUMNS`), also when the candidate differs from it only by a seed CIF's rounding
(:data:`TRAINING_MATCH_TOLERANCE`). The measured rows the model was *not* fitted on (the OBELiX test
split, the Liverpool rows the leak guard kept out) are looked up alike, into
:data:`HELDOUT_COLUMNS`: Li7P3S11, ranked near the bottom by the default model, was measured at
about 1e-2.5 S/cm in the test split, and a chemist wants to see that beside the prediction. These
values never enter a prediction; a composition measured in neither dataset is not flagged. Where a
held-out value lies outside the row's own interval (:func:`heldout_gaps`: Li7P3S11 predicted
-7.41 [-8.90, -5.91], measured -2.28, 3.63 decades above), ``screen`` notes the row
:data:`HELDOUT_OUTSIDE` (:func:`heldout_note`) and the tables say by how much.

A candidate only a little further from a measured composition is a member of a measured solid
solution, not a new material: Nb-doped LLZO ``Li6.804La3Zr1.8Nb0.2O12`` lies 0.0021 from OBELiX's
``Li6.75La3Zr1.75Nb0.25O12`` (``66a``). :meth:`TrainingRows.nearest` names, for every candidate,
the nearest composition of the rows and how far it lies (:data:`NEAREST_TRAINING_COLUMNS`,
:data:`NEAREST_HELDOUT_COLUMNS`; the distance of
:mod:`~electroscreen.data.composition_nearest`, the largest difference of any element's atomic
fraction, the measure of :data:`TRAINING_MATCH_TOLERANCE`), whatever its elements.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from electroscreen.data.composition_match import CompositionIndex, composition_groups
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.formula_reduction import reduce_formula_text
from electroscreen.data.formula_units import COMPOSITE_NOTATION, MIXTURE_NOTATION

if TYPE_CHECKING:
    from electroscreen.data.composition_nearest import NearestReferences

__all__ = [
    "CENSORED_ID",
    "HELDOUT_COLUMNS",
    "HELDOUT_OUTSIDE",
    "MEASURED_AT",
    "NEIGHBOURS_DISAGREE",
    "NEIGHBOURS_SPREAD_COLUMN",
    "NEAREST_HELDOUT_COLUMNS",
    "NEAREST_TRAINING_COLUMNS",
    "TRAINING_COLUMNS",
    "TRAINING_MATCH_TOLERANCE",
    "TrainingRows",
    "by_composition",
    "measured_values",
    "heldout_gaps",
    "heldout_note",
    "neighbours_note",
    "measurement_text",
]

#: Screening columns: the measured log10 sigma (S/cm, 25 degC) of the training rows with the
#: candidate's composition (their median; NaN: none, or only censored measurements), and their ids
#: (``;``-joined; ``""``: none; only censored ones read ``<id> (< 1e-10 S/cm)``).
TRAINING_COLUMNS = ("train_log10_sigma", "train_id")
#: The same for the measured rows the model was not fitted on (held out for its test metrics, or
#: kept out by the leak guard): a candidate's prediction did not see them.
HELDOUT_COLUMNS = ("heldout_log10_sigma", "heldout_id")
#: The temperature of the measurements in :data:`TRAINING_COLUMNS` and :data:`HELDOUT_COLUMNS`
#: (OBELiX's room-temperature values, the Liverpool rows' 25 degC values), as the tables name it
#: beside predictions made at another temperature.
MEASURED_AT = "25 °C"
#: The note (``pred_feature_status``: ``conductivity:measurements:heldout_outside_interval=+3.63
#: decades``) of a row whose held-out measurement lies outside its 25 degC interval, at whatever
#: temperature it was predicted (:func:`heldout_gaps`, :func:`heldout_note`).
HELDOUT_OUTSIDE = "conductivity:measurements:heldout_outside_interval"
#: The note (``pred_feature_status``: ``conductivity:measurements:neighbours_disagree=6.5
#: decades``) of a row whose nearest measured training compositions
#: (:data:`NEIGHBOURS_COUNT` nearest within :data:`NEIGHBOURS_RADIUS`) differ by more than
#: :data:`NEIGHBOURS_DECADES` in log10 sigma: amorphous against crystalline, film against bulk, or
#: processing. Bates' LiPON film ``Li2.9PO3.3N0.46`` (measured ~1e-5.5 S/cm) lies 0.043 from
#: Liverpool's LiPON film ``Li3.2PO3.1N0.7`` (-6.30) and 0.051 from a crystalline nitrided Li3PO4
#: (-12.85): predicted -10.27, it matches neither (oxaudit O6).
NEIGHBOURS_DISAGREE = "conductivity:measurements:neighbours_disagree"
#: How many of the nearest measured training compositions :data:`NEIGHBOURS_DISAGREE` compares.
NEIGHBOURS_COUNT = 3
#: How far (the distance of :mod:`~electroscreen.data.composition_nearest`) they may lie: a few
#: doping steps (~0.01 each in a garnet), so that a family's members count and other families not.
#: With 3 within 0.06 and 3 decades, the note fires on 24 of 392 rows of the golden pool and 3 of
#: 121 OBELiX test compositions (the default model's training rows; twenty-eighth session).
NEIGHBOURS_RADIUS = 0.06
#: The spread (decades of log10 S/cm) above which the neighbours are said to disagree.
NEIGHBOURS_DECADES = 3.0
#: The column :meth:`TrainingRows.nearest` adds when asked for the spread (``spread=True``): the
#: largest minus the smallest measurement of the candidate's :data:`NEIGHBOURS_COUNT` nearest
#: training compositions within :data:`NEIGHBOURS_RADIUS` (decades; NaN: fewer than two). Screening
#: turns it into the :data:`NEIGHBOURS_DISAGREE` note; it is not a results column.
NEIGHBOURS_SPREAD_COLUMN = "train_neighbours_spread"
#: Screening columns: the training composition nearest the candidate, whatever its elements (its
#: first row's formula reduced as the results' ``formula``; its rows' ids, ``;``-joined; ``""``: none), and its distance (the
#: largest difference of any element's atomic fraction, an element missing from one counting as 0
#: there; 0 for the candidate's own composition; NaN: none). A recall lies within
#: :data:`TRAINING_MATCH_TOLERANCE` of its ``train_id``; a member of a measured solid solution a
#: doping step away lies a few 1e-3 from it.
NEAREST_TRAINING_COLUMNS = ("train_nearest_formula", "train_nearest_id", "train_nearest_distance")
#: The same among the measured rows the model was not fitted on (:data:`HELDOUT_COLUMNS`).
NEAREST_HELDOUT_COLUMNS = (
    "heldout_nearest_formula",
    "heldout_nearest_id",
    "heldout_nearest_distance",
)
#: Largest difference of any element's atomic fraction between a candidate and the training row
#: it is taken for. Wider than the leak guard's 2e-4 (``MATCH_TOLERANCE``): a substitution into a
#: seed CIF carries the CIF's refinement rounding, up to 1.4e-3 (``Li6In2.03Cl12`` for Li3InCl6,
#: ``Li20.056Ge2P4S24`` for LGPS), and was shown as a new material; a doping step of a tenth of a
#: formula unit (Li6.4 against Li6.5 in a garnet) is several times wider. ``generate`` takes its
#: known compounds and duplicates with it (:data:`electroscreen.screening.generate.ROUNDING_TOLERANCE`).
TRAINING_MATCH_TOLERANCE = 2e-3
#: The end of a ``train_id`` whose composition was only measured below a bound; group 1 is the
#: bound's exponent (``824 (< 1e-10 S/cm)``).
CENSORED_ID = re.compile(r"\(< 1e(-?\d+(?:\.\d+)?) S/cm\)")


def measured_values(targets: object, rows: np.ndarray) -> np.ndarray:
    """The exact measurements (log10 S/cm) of ``rows`` (positions) of a conductivity table's
    ``targets`` (:class:`~electroscreen.models.tasks.Targets`): NaN where a row is censored or has
    no value, so a censored row counts as unmeasured in every training lookup."""
    return np.where(targets.evaluable[rows], targets.y[rows], np.nan)


def by_composition(
    ids: Sequence[object], formulas: Sequence[object], group: np.ndarray | None = None
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, CompositionIndex]:
    """Rows grouped by composition (``composition_groups``), as the training lookups keep them.

    ``group``, when given, is ``composition_groups`` of ``formulas`` already computed
    (:func:`~electroscreen.models.training_lookups.fitted_lookups`: one grouping for the training
    rows and the recall intervals of a fit).

    Returns
    -------
    members : list of ndarray of int
        The row positions of each composition, in order of first appearance.
    formulas, ids : ndarray of object, one per composition
        Its first row's formula, and its rows' ids joined by ``;``.
    index : CompositionIndex
        Over ``formulas``: where a screened composition is found.
    """
    ids = np.asarray([str(i) for i in ids], dtype=object)
    formulas = [str(f) for f in formulas]
    group = composition_groups(formulas) if group is None else np.asarray(group)
    members = [np.flatnonzero(group == g) for g in range(group.max() + 1 if len(group) else 0)]
    first = np.array([formulas[m[0]] for m in members], dtype=object)
    joined = np.array([";".join(ids[m]) for m in members], dtype=object)
    return members, first, joined, CompositionIndex(first.tolist())


class TrainingRows:
    """The compositions a model was fitted on, each with its rows' ids and measurements.

    Rows of one composition (several groups measured LGPS: five training rows) are one
    entry: its value is the median of their measured values, its id their ids joined by ``;``.

    Parameters
    ----------
    ids, formulas : sequence of str, length M
        The training rows.
    log10_sigma : ndarray of float, shape (M,)
        Measured values (NaN where censored).
    upper : ndarray of float, shape (M,)
        Upper bound of a censored measurement (log10 S/cm), NaN otherwise.
    group : ndarray of int, shape (M,), optional
        The rows' composition groups, when already computed (:func:`by_composition`).
    """

    def __init__(
        self,
        ids: Sequence[object],
        formulas: Sequence[object],
        log10_sigma: np.ndarray,
        upper: np.ndarray,
        group: np.ndarray | None = None,
    ) -> None:
        values = np.asarray(log10_sigma, dtype=np.float64)
        upper = np.asarray(upper, dtype=np.float64)
        members, self.formulas, self.ids, self.index = by_composition(ids, formulas, group)
        measured = [values[m][np.isfinite(values[m])] for m in members]
        self.log10_sigma = np.array([np.median(v) if len(v) else np.nan for v in measured])
        self.upper = np.array(
            [
                np.nan if len(v) else np.nanmax(upper[m])
                for v, m in zip(measured, members, strict=True)
            ]
        )  # a bound only where every row of the composition is censored

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_rows(
        cls, table: pd.DataFrame, targets: object, rows: np.ndarray, group: np.ndarray | None = None
    ) -> TrainingRows:
        """The rows ``rows`` (positions) of a conductivity table with their ``targets``
        (:class:`~electroscreen.models.tasks.Targets`: measured values, censored bounds) and,
        optionally, their composition groups."""
        return cls(
            table["candidate_id"].to_numpy()[rows] if "candidate_id" in table else rows,
            table["formula"].to_numpy()[rows],
            measured_values(targets, rows),
            targets.censored_bound[rows],
            group,
        )

    def lookup(
        self, compositions: PackedCompositions, columns: tuple[str, str] = TRAINING_COLUMNS
    ) -> pd.DataFrame:
        """``columns`` (value, ids; :data:`TRAINING_COLUMNS` or :data:`HELDOUT_COLUMNS`) of each
        composition (row-aligned)."""
        found = self.index.find(compositions, tol=TRAINING_MATCH_TOLERANCE)
        hit = found >= 0
        values = np.full(len(found), np.nan)
        values[hit] = self.log10_sigma[found[hit]]
        ids = np.full(len(found), "", dtype=object)
        for row, ref in zip(np.flatnonzero(hit).tolist(), found[hit].tolist(), strict=True):
            bound = self.upper[ref]
            ids[row] = self.ids[ref] + (f" (< 1e{bound:g} S/cm)" if np.isfinite(bound) else "")
        return pd.DataFrame({columns[0]: values, columns[1]: ids})

    def nearest(
        self,
        compositions: PackedCompositions,
        columns: tuple[str, str, str] = NEAREST_TRAINING_COLUMNS,
        spread: bool = False,
    ) -> pd.DataFrame:
        """``columns`` (formula, ids, distance; :data:`NEAREST_TRAINING_COLUMNS` or
        :data:`NEAREST_HELDOUT_COLUMNS`) of each composition (row-aligned): the nearest of these
        compositions, whatever its elements, and how far it lies
        (:class:`~electroscreen.data.composition_nearest.NearestReferences`). Each row's answer
        depends on that row alone; a row that cannot be compared gets ``""`` and NaN. With
        ``spread``, also :data:`NEIGHBOURS_SPREAD_COLUMN`, from the same search."""
        references, formulas = _nearest_references(self)
        found, distance, spreads = references.nearest_with_spread(
            compositions,
            self.log10_sigma if spread else None,
            NEIGHBOURS_RADIUS,
            NEIGHBOURS_COUNT,
        )
        hit = found >= 0
        formula = np.full(len(found), "", dtype=object)
        ids = np.full(len(found), "", dtype=object)
        formula[hit] = formulas[found[hit]]
        ids[hit] = self.ids[found[hit]]
        out = {columns[0]: formula, columns[1]: ids, columns[2]: distance}
        if spread:
            out[NEIGHBOURS_SPREAD_COLUMN] = spreads
        return pd.DataFrame(out)


#: :class:`TrainingRows`' compositions ready for :meth:`TrainingRows.nearest`, with their reduced
#: formulas: made once per loaded model (a screening's batches reuse them), never pickled with it.
_NEAREST: weakref.WeakKeyDictionary[TrainingRows, tuple[NearestReferences, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def _nearest_references(rows: TrainingRows) -> tuple[NearestReferences, np.ndarray]:
    """The references of ``rows`` and their reduced formulas (cached in :data:`_NEAREST`)."""
    if rows not in _NEAREST:
        from electroscreen.data.composition_nearest import NearestReferences  # Numba: lazily

        formulas = [str(f) for f in rows.formulas]
        reduced = [reduce_formula_text(f) or f for f in formulas]  # as results write `formula`
        reduced = np.array(reduced, dtype=object)
        _NEAREST[rows] = (NearestReferences(pack_compositions(formulas)), reduced)
    return _NEAREST[rows]


def measurement_text(row: object, kind: str = "train") -> str:
    """A result row's measurement of its composition as the tables print it.

    Parameters
    ----------
    row : namedtuple or object
        A row of ``screen``'s results (``itertuples``), read for ``<kind>_log10_sigma`` and
        ``<kind>_id``.
    kind : {"train", "heldout"}
        :data:`TRAINING_COLUMNS` or :data:`HELDOUT_COLUMNS`.

    Returns
    -------
    str
        The value to two decimals (``-1.84``), ``<-10`` where the composition was only measured
        below a bound (:data:`CENSORED_ID`), ``""`` for none or results without the columns; a
        held-out value outside the row's interval says by how much (its :data:`HELDOUT_OUTSIDE`
        note): ``-2.28, 3.63 decades above the 25 °C interval``; a row whose formula was written as a
        mixture of binaries says so (``-6.32, input written as a mixture: a glass can differ``).
    """
    value = getattr(row, f"{kind}_log10_sigma", None)
    if value is not None and np.isfinite(value):
        return f"{value:.2f}" + _caveats(row, kind)
    bound = CENSORED_ID.search(str(getattr(row, f"{kind}_id", "") or ""))
    return f"<{bound.group(1)}" if bound else ""


def heldout_gaps(measured: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far each held-out measurement lies outside its row's interval (decades).

    Parameters
    ----------
    measured, lo, hi : array-like of float, shape (n,)
        ``heldout_log10_sigma`` (:data:`HELDOUT_COLUMNS`: a measurement of the composition the
        model was not fitted on, 25 degC) and the row's ``pred_log10_sigma_lo`` and
        ``pred_log10_sigma_hi`` (log10 S/cm).

    Returns
    -------
    ndarray of float, shape (n,)
        ``measured - hi`` (> 0) above the interval, ``measured - lo`` (< 0) below it, 0 inside,
        NaN where a value is missing (no held-out measurement, no prediction). Li7P3S11 (measured
        -2.28, predicted [-8.90, -5.91]): +3.63.

    Examples
    --------
    >>> heldout_gaps([-2.28, -6.0, -9.5, np.nan], [-8.9] * 4, [-5.91] * 4).round(2).tolist()
    [3.63, 0.0, -0.6, nan]
    """
    measured, lo, hi = (np.asarray(a, dtype=np.float64) for a in (measured, lo, hi))
    gap = np.where(measured > hi, measured - hi, np.where(measured < lo, measured - lo, 0.0))
    return np.where(np.isfinite(measured) & np.isfinite(lo) & np.isfinite(hi), gap, np.nan)


def heldout_note(gap: float) -> str:
    """The :data:`HELDOUT_OUTSIDE` note of a gap (:func:`heldout_gaps`), as ``screen`` writes it
    in ``pred_feature_status``
    (``conductivity:measurements:heldout_outside_interval=+3.63 decades``); ``""``
    inside the interval or for none."""
    if not (np.isfinite(gap) and round(gap, 2) != 0):
        return ""
    return f"{HELDOUT_OUTSIDE}={gap:+.2f} decades"


def neighbours_note(spread: float) -> str:
    """The :data:`NEIGHBOURS_DISAGREE` note of a row whose nearest training compositions'
    measurements span ``spread`` decades (:data:`NEIGHBOURS_SPREAD_COLUMN`), as ``screen`` writes
    it (``conductivity:measurements:neighbours_disagree=6.5 decades``); ``""`` at or below
    :data:`NEIGHBOURS_DECADES` or for none."""
    if not (np.isfinite(spread) and spread > NEIGHBOURS_DECADES):
        return ""
    return f"{NEIGHBOURS_DISAGREE}={spread:.1f} decades"


def _caveats(row: object, kind: str) -> str:
    """What a row's notes (``pred_feature_status``) add to its measurement: for ``heldout``, its
    :data:`HELDOUT_OUTSIDE` gap (``, 3.63 decades above the 25 °C interval``: the measurement is a
    25 degC value, compared with the row's 25 degC interval at any temperature); for either kind, a formula written as a mixture of binaries
    (:data:`~electroscreen.data.formula_units.MIXTURE_NOTATION`: ``, input written as a mixture: a
    glass can differ``), or as a sum of compounds
    (:data:`~electroscreen.data.formula_units.COMPOSITE_NOTATION`: ``, input written as a sum of
    compounds: may be several phases``); ``""`` for none."""
    notes = str(getattr(row, "pred_feature_status", ""))
    text = ""
    found = re.search(rf"{HELDOUT_OUTSIDE}=([+-][\d.]+)", notes)
    if kind == "heldout" and found is not None:
        gap = float(found.group(1))
        text += (
            f", {abs(gap):.2f} decades {'above' if gap > 0 else 'below'} the {MEASURED_AT} interval"
        )
    if MIXTURE_NOTATION in notes:
        text += ", input written as a mixture: a glass can differ"
    if COMPOSITE_NOTATION in notes:
        text += ", input written as a sum of compounds: may be several phases"
    return text
