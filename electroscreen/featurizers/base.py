"""The featurizer contract shared by every descriptor set.

Featurizers are scikit-learn transformers: parameters in ``__init__`` only, ``fit`` learns nothing
(descriptors are fixed functions), ``transform`` returns a float array with NaN where a feature is
undefined, and ``transform_with_status`` also says *why* per row. Inputs are coerced once per batch to
packed arrays, which the Numba kernels consume.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from electroscreen.data.candidates import OK, merge_status
from electroscreen.data.compositions import PackedCompositions, pack_compositions
from electroscreen.data.legacy_state import LegacyStateMixin
from electroscreen.data.packed import PackedStructures, pack_structures

__all__ = [
    "Featurizer",
    "CompositionFeaturizer",
    "StructureFeaturizer",
    "as_packed_compositions",
    "as_packed_structures",
    "blank_rows",
    "PARALLEL_MIN_ROWS",
    "ProblemCodeFeaturizer",
]

#: Batches smaller than this run single-threaded: a parallel launch costs more than it saves there
#: (milliseconds when the cores are oversubscribed, as on shared CI machines).
PARALLEL_MIN_ROWS = 20_000


def as_packed_compositions(X: object) -> PackedCompositions:
    """Coerce a candidate table, formulas, dicts, pymatgen Compositions or Structures to packed
    compositions.

    A candidate table's composition is its ``cell_formula`` (the content as read) where it has one
    (:func:`~electroscreen.data.read_candidates`), else its ``formula``; its rows whose status is
    not ``ok`` come out empty with that status. A Structure is read as its composition, the cell's
    content (a partially occupied site adds its fractional occupancy: ``Li20.74Ge2.7P3.3S24``).
    """
    if isinstance(X, PackedCompositions):
        return X
    if isinstance(X, pd.DataFrame):
        if "formula" not in X and "cell_formula" not in X:
            raise ValueError("a candidate table needs a 'formula' column")
        packed = pack_compositions(X["cell_formula" if "cell_formula" in X else "formula"].tolist())
        if "status" in X:
            packed = blank_rows(packed, X["status"].to_numpy())
        return packed
    if isinstance(X, str):
        raise TypeError("pass a list of formulas, not a single string")
    return pack_compositions([_composition(x) for x in X])  # a list, array or Series


def _composition(item: object) -> object:
    """A pymatgen Structure (or Molecule: any ``SiteCollection``) as its composition; anything else
    as it is, for :func:`~electroscreen.data.compositions.pack_compositions` to read."""
    from pymatgen.core.structure import SiteCollection

    return item.composition if isinstance(item, SiteCollection) else item


def blank_rows(packed: PackedCompositions, status: np.ndarray) -> PackedCompositions:
    """``packed`` with the rows whose input ``status`` is not ``ok`` emptied and given that status.

    Parameters
    ----------
    packed : PackedCompositions
        N rows.
    status : ndarray of str, shape (N,)
        Input status of each row (a candidate table's ``status``).

    Returns
    -------
    PackedCompositions
        ``packed`` itself when every row is ``ok``.
    """
    status = np.asarray(status, dtype=object)
    bad = status != OK
    if not bad.any():
        return packed
    counts = np.diff(packed.offsets).copy()
    keep_entry = np.repeat(~bad, counts)
    counts[bad] = 0
    new_status = packed.status.copy()
    new_status[bad] = status[bad]
    error = packed.error.copy()
    error[bad] = "candidate was not ok on input"
    return PackedCompositions(
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        z=packed.z[keep_entry],
        amount=packed.amount[keep_entry],
        status=new_status,
        error=error,
    )


def as_packed_structures(X: object) -> tuple[PackedStructures, np.ndarray]:
    """Coerce a candidate table, pymatgen Structures or packed arrays to packed structures.

    Returns
    -------
    packed : PackedStructures
        Only the rows that have a structure.
    rows : ndarray of int64
        For each packed structure, its row in the input (inputs without a structure are skipped, and
        come out of a featurizer as NaN with status ``no_structure``).
    """
    if isinstance(X, PackedStructures):
        return X, np.arange(len(X), dtype=np.int64)
    if isinstance(X, pd.DataFrame):
        if "structure" not in X:  # a formula-only table: every row is no_structure, as in screen
            return pack_structures([]), np.zeros(0, dtype=np.int64)
        ok = X["status"] == OK if "status" in X else pd.Series(True, index=X.index)
        has = (X["structure"].notna() & ok).to_numpy()
        rows = np.flatnonzero(has)
        structures = X["structure"].to_numpy()[rows]
        ids = X["candidate_id"].astype(str).to_numpy()[rows] if "candidate_id" in X else rows
        return pack_structures(list(structures), [str(i) for i in ids]), rows
    from pymatgen.core.structure import IStructure

    items = list(X)  # anything that is not a structure (None, a formula) is a no_structure row
    rows = np.array([i for i, s in enumerate(items) if isinstance(s, IStructure)], dtype=np.int64)
    return pack_structures([items[i] for i in rows]), rows


class Featurizer(LegacyStateMixin, TransformerMixin, BaseEstimator):
    """Base class: subclasses implement ``_featurize`` and ``get_feature_names_out``.

    A subclass that gains a parameter names, in ``_legacy_state``, the value that reproduces its
    behaviour before the parameter: a featurizer pickled earlier takes it on loading
    (:class:`~electroscreen.data.legacy_state.LegacyStateMixin`).
    """

    #: Unit of each feature, keyed by feature name (``""`` for dimensionless).
    units: dict[str, str] = {}
    #: ``(name, unit, citation)`` of every feature, for featurizers with a fixed feature list: when
    #: given, names, units, per-feature citations and (unless overridden) :meth:`citations` all
    #: come from it.
    feature_table: ClassVar[Sequence[tuple[str, str, str]]] = ()

    def fit(self, X: object, y: object = None) -> Featurizer:
        """Learn nothing; records ``n_features_out_`` for scikit-learn's bookkeeping."""
        self.n_features_out_ = len(self.get_feature_names_out())
        return self

    def transform(self, X: object) -> np.ndarray:
        """Feature matrix of shape (n_rows, n_features); NaN where a feature is undefined."""
        return self.transform_with_status(X)[0]

    def transform_with_status(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """Features plus one status string per row (``"ok"`` or why the row's features are NaN)."""
        values, status = self._featurize(X)
        return np.asarray(values, dtype=np.float64), np.asarray(status, dtype=object)

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Output feature names (from :attr:`feature_table` unless a subclass overrides this)."""
        if not self.feature_table:
            raise NotImplementedError
        return np.asarray([name for name, _, _ in self.feature_table], dtype=object)

    def feature_units(self) -> dict[str, str]:
        """Unit of every output feature."""
        units = {**self.units, **{name: unit for name, unit, _ in self.feature_table}}
        return {name: units.get(name, "") for name in self.get_feature_names_out()}

    def feature_citations(self) -> dict[str, str]:
        """The reference behind each feature (from :attr:`feature_table`)."""
        return {name: cite for name, _, cite in self.feature_table}

    def citations(self) -> list[str]:
        """References for the descriptors (BibTeX-free plain strings).

        By default the distinct citations of :attr:`feature_table`, in table order (empty without
        one); a featurizer whose references are not one per feature overrides this.
        """
        return list(dict.fromkeys(cite for _, _, cite in self.feature_table if cite))

    def implementors(self) -> list[str]:
        """Who implemented the featurizer (matminer's ``implementors`` protocol)."""
        return ["electroscreen developers"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags


class CompositionFeaturizer(Featurizer):
    """Featurizer over compositions: subclasses implement ``_featurize_packed``."""

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions(X)
        values = self._featurize_packed(packed)
        status, _ = merge_status(packed.status, "undefined_features", np.isnan(values).all(axis=1))
        return values, status

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        raise NotImplementedError


class StructureFeaturizer(Featurizer):
    """Featurizer over structures: subclasses implement ``_featurize_packed``.

    ``_featurize_packed`` returns ``(values, status)`` for the packed rows; rows without a structure
    get NaN and status ``no_structure``.
    """

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed, rows = as_packed_structures(X)
        total = len(X)
        names = self.get_feature_names_out()
        values = np.full((total, len(names)), np.nan)
        status = np.full(total, "no_structure", dtype=object)
        if isinstance(X, pd.DataFrame) and "status" in X:
            not_ok = (X["status"] != OK).to_numpy()
            status[not_ok] = X["status"].to_numpy()[not_ok]
        if len(rows):
            sub_values, sub_status = self._featurize_packed(packed)
            values[rows] = sub_values
            status[rows] = sub_status
        return values, status

    def _featurize_packed(self, packed: PackedStructures) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class ProblemCodeFeaturizer(CompositionFeaturizer):
    """A composition featurizer whose kernel also returns a problem code per row.

    Subclasses implement ``_run(packed) -> (values, problem)``; code ``problem[i]`` indexes
    :attr:`problem_statuses` (code 0 is ``"ok"``) and becomes the status of every row that was ``ok``
    on input.
    """

    problem_statuses: ClassVar[tuple[str, ...]] = (OK,)

    def _run(self, packed: PackedCompositions) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _featurize_packed(self, packed: PackedCompositions) -> np.ndarray:
        return self._run(packed)[0]

    def _featurize(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        packed = as_packed_compositions(X)
        values, problem = self._run(packed)
        codes = np.asarray(self.problem_statuses, dtype=object)[problem]
        status, _ = merge_status(packed.status, codes)
        return values, status
