"""The candidate table: one row per input candidate, failures kept as a status, never dropped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from electroscreen.data.table_text import NUL_STAND_IN

__all__ = [
    "CANDIDATE_COLUMNS",
    "OK",
    "RESERVED_COLUMNS",
    "RESERVED_PREFIXES",
    "STRUCTURE_PARSE_ERROR",
    "LINE_BREAKING_CHARACTER",
    "candidate_table",
    "id_problem",
    "is_reserved_column",
    "join_statuses",
    "merge_status",
    "ok_mask",
    "unique_ids",
]

#: Columns every candidate table has, in this order (``structure`` holds a pymatgen Structure or None).
CANDIDATE_COLUMNS = ("candidate_id", "formula", "source", "status", "error", "structure")
OK = "ok"
#: The status of a row whose structure text (a table's ``cif`` cell, a pyfunc / ``serve`` row's
#: ``structure``) is not a CIF pymatgen reads: one name on every path (a structure file that cannot
#: be read is the files' ``parse_error``).
STRUCTURE_PARSE_ERROR = "structure_parse_error"


#: Column names electroscreen writes beside a table's own columns, in any of its output tables:
#: the candidate table's (:data:`CANDIDATE_COLUMNS`), ``screen``'s results (``cell_formula``,
#: ``hydrate_formula`` of ``screening.hydrate_filter``, ``n_sites``, ``batch``; the models'
#: prediction columns, ``models.tasks`` and ``screening.batch.PREDICTION_COLUMNS``; the measurements, ``TRAINING_COLUMNS``, ``HELDOUT_COLUMNS``;
#: the nearest measured compositions, ``NEAREST_TRAINING_COLUMNS``, ``NEAREST_HELDOUT_COLUMNS``;
#: the labels, ``LABEL_COLUMNS``; the
#: objectives and ``window_status``, ``screening.objective_columns``; ``charge_residual``,
#: ``screening.charge_residual``; the bond-valence columns,
#: ``screening.plausibility``; the ranking columns, ``screening.ranking.RANKING_COLUMNS``, and
#: ``screening.diversity.DIVERSITY_COLUMNS``) and
#: ``featurize``'s (``featurize_status``, and ``status_<featurizer>``: :data:`RESERVED_PREFIXES`).
#: The one list the table reader checks a table's own columns against: a column of one of these
#: names is kept as ``input_<name>`` (:func:`~electroscreen.data.tables.table_columns`), the same
#: in ``data info``, ``featurize`` and ``screen``. The data layer cannot import the later layers
#: that define these names, so ``tests/screening/test_table_columns.py`` checks that every column
#: they write is listed here.
RESERVED_COLUMNS = frozenset(
    {
        *CANDIDATE_COLUMNS,
        "cell_formula",
        "hydrate_formula",
        "n_sites",
        "batch",
        "pred_log10_sigma",
        "pred_log10_sigma_std",
        "pred_log10_sigma_lo",
        "pred_log10_sigma_hi",
        "pred_log10_sigma_novelty",
        "pred_ea_ev",
        "p_air_stable",
        "p_air_stable_std",
        "p_air_stable_label_weight",
        "pred_status",
        "pred_feature_status",
        "train_log10_sigma",
        "train_id",
        "heldout_log10_sigma",
        "heldout_id",
        "train_air_verdict",
        "train_air_id",
        "train_nearest_formula",
        "train_nearest_id",
        "train_nearest_distance",
        "heldout_nearest_formula",
        "heldout_nearest_id",
        "heldout_nearest_distance",
        "window_red_v",
        "window_ox_v",
        "cost_usd_per_kg",
        "interface_anode_ev_per_atom",
        "interface_cathode_ev_per_atom",
        "window_status",
        "charge_residual",
        "gii",
        "gii_scale",
        "gii_max_site",
        "pareto_rank",
        "score",
        "acquisition",
        "rank",
        "acquisition_rank",
        "represented_by",
        "diverse_rank",
        "featurize_status",
    }
)
#: Name prefixes electroscreen writes (``featurize``'s ``status_<featurizer>`` columns).
RESERVED_PREFIXES = ("status_",)
#: A generated id's ending: ``x~2`` is the second ``x``.
_ID_SUFFIX = re.compile(r"~\d+$")


def is_reserved_column(name: object) -> bool:
    """Whether a table column named ``name`` (surrounding spaces aside) would clash with a column
    electroscreen writes (:data:`RESERVED_COLUMNS`, :data:`RESERVED_PREFIXES`)."""
    text = str(name).strip()
    return text in RESERVED_COLUMNS or text.startswith(RESERVED_PREFIXES)


def id_problem(cid: str) -> str | None:
    """Why a table's id cell is no candidate id, or None: it holds a control character (line feed,
    CR, tab, NUL: :data:`~electroscreen.data.table_text.NUL_STAND_IN` in a CSV, ...) or a line or
    paragraph separator (Unicode ``Cc``, ``Zl``, ``Zp``), which would split or hide it wherever it
    is shown. Both table readers (:func:`~electroscreen.data.tables.table_records`,
    ``screening.standard_rows.formula_table_rows``) give such a row the status ``bad_character``.

    >>> id_problem("LLZO (Ta) #2") is None
    True
    >>> print(id_problem("LiCl-1\\ndata_x"))
    candidate id 'LiCl-1\\ndata_x' holds '\\n', a control character or line break
    """
    found = _ID_BREAKER.search(cid)
    if found is None:
        return None
    c = "\x00" if found.group() == NUL_STAND_IN else found.group()
    return f"candidate id {cid!r} holds {c!r}, a control character or line break"


#: A character that breaks or hides a line of text wherever it is shown: Unicode's ``Cc`` (C0,
#: DEL, C1), ``Zl`` and ``Zp`` characters. The one rule of candidate ids (:func:`id_problem`), the
#: exported CIF header (``analysis.export_provenance.one_line``) and the run description's table
#: cells (``screening.run_description.markdown_cell``).
LINE_BREAKING_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Those, and a CSV's NUL as read.
_ID_BREAKER = re.compile(LINE_BREAKING_CHARACTER.pattern[:-1] + NUL_STAND_IN + "]")


def unique_ids(ids: Sequence[str]) -> list[str]:
    """Make ids unique deterministically, in order: an id not taken yet stays as it is; one already
    taken (written earlier, or made here) becomes ``x~k``, ``x`` the id without a ``~k`` ending and
    ``k`` the smallest number from 2 up whose ``x~k`` is not taken. So ``a, a, a`` become
    ``a, a~2, a~3``, and ``a, a, a~2`` become ``a, a~2, a~3``: a made id never repeats an id
    already there. Only earlier ids count, so making each part of a list unique first and then the
    whole list gives the same ids as the whole list at once (``screen``: each batch of files, then
    the pool), whatever the parts."""
    taken: set[str] = set()
    next_k: dict[str, int] = {}
    out = []
    for raw in ids:
        new = raw
        if new in taken:
            base = _ID_SUFFIX.sub("", raw)
            k = next_k.get(base, 2)
            while f"{base}~{k}" in taken:
                k += 1
            next_k[base] = k + 1  # every x~j below is taken, and taken only grows
            new = f"{base}~{k}"
        taken.add(new)
        out.append(new)
    return out


def candidate_table(records: Iterable[dict]) -> pd.DataFrame:
    """Build a candidate table from record dicts.

    Each record has at least ``candidate_id``, ``source`` and ``status``; missing standard columns are
    filled (``formula=""``, ``error=""``, ``structure=None``). Extra keys become extra columns after
    the standard ones. Ids are made unique deterministically.
    """
    frame = pd.DataFrame.from_records(list(records))
    for col in CANDIDATE_COLUMNS:
        if col not in frame:
            frame[col] = None if col == "structure" else ""
    frame["candidate_id"] = unique_ids(frame["candidate_id"].astype(str).tolist())
    for col in ("formula", "error"):
        frame[col] = frame[col].fillna("").astype(str)
    frame["structure"] = frame["structure"].astype(object)
    frame["structure"] = frame["structure"].where(frame["structure"].notna(), None)
    extras = [c for c in frame.columns if c not in CANDIDATE_COLUMNS]
    return frame[list(CANDIDATE_COLUMNS) + extras].reset_index(drop=True)


def ok_mask(table: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows whose status is ``ok``."""
    return (table["status"] == OK).to_numpy()


def merge_status(
    status: Sequence[str] | np.ndarray,
    new: str | Sequence[str] | np.ndarray,
    where: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A later step's verdict merged into the statuses rows already have: the first problem wins.

    A row that is ``ok`` takes the later step's status (where ``where`` holds); a row with a
    problem keeps it. This is how every step (reader, packer, filters, featurizers, predictors)
    adds its verdict to a row.

    Parameters
    ----------
    status : array-like of str, shape (n,)
        Statuses so far.
    new : str or array-like of str, shape (n,)
        The later step's status of each row (or one code for every row in ``where``).
    where : bool ndarray of shape (n,), optional
        The rows the later step speaks for (default: all).

    Returns
    -------
    merged : ndarray of object, shape (n,)
        A new array; ``status`` is not modified.
    taken : bool ndarray of shape (n,)
        Rows whose status changed (``ok`` before, a problem now): where to write an error message.

    Examples
    --------
    >>> merge_status(["ok", "bad_formula", "ok"], ["no_carrier", "no_carrier", "ok"])[0].tolist()
    ['no_carrier', 'bad_formula', 'ok']
    """
    merged = np.asarray(status, dtype=object).copy()
    later = np.broadcast_to(np.asarray(new, dtype=object), merged.shape)
    taken = (merged == OK) & (later != OK)
    if where is not None:
        taken &= np.asarray(where, dtype=bool)
    merged[taken] = later[taken]
    return merged, taken


def join_statuses(statuses: Mapping[str, Sequence[str] | np.ndarray], n: int) -> np.ndarray:
    """Per row, every named step's problem as ``"name:status"`` (comma-joined), else ``"ok"``.

    A step's status that holds several problems (``;``-separated, as a predictor's feature notes
    ``"moisture:elemental_hull;labels:far_from_labels"``) gives one ``"name:problem"`` each.

    Parameters
    ----------
    statuses : mapping of str to array-like of str, each of shape (n,)
        Status of each row by step name (a featurizer, a model), in reporting order.
    n : int
        Number of rows.

    Returns
    -------
    ndarray of object, shape (n,)

    Examples
    --------
    >>> join_statuses({"magpie": ["ok", "empty"], "bvse": ["ok", "no_structure"]}, 2).tolist()
    ['ok', 'magpie:empty,bvse:no_structure']
    >>> join_statuses({"air": ["moisture:elemental_hull;labels:far_from_labels"]}, 1).tolist()
    ['air:moisture:elemental_hull,air:labels:far_from_labels']
    """
    notes: list[list[str]] = [[] for _ in range(n)]
    for name, column in statuses.items():
        column = np.asarray(column, dtype=object)
        for i in np.flatnonzero(column != OK):
            notes[i].extend(f"{name}:{part}" for part in str(column[i]).split(";"))
    return np.asarray([",".join(row) or OK for row in notes], dtype=object)
