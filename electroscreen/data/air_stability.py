"""Literature verdicts on air / moisture stability of solid electrolytes, as a candidate table.

The labels (``verdict`` = stable / moderate / unstable, one row per statement read in a source, each
with its DOI or citation) were compiled for electroscreen; see ``README.md`` beside the shared copy
(``$ELECTROSCREEN_DATA/air_stability/``). The package ships a copy (``labels/air_stability.csv``) so
the task works without the data folder.

Formulas are written as in the sources. :func:`normalise_label_formula`
(:mod:`~electroscreen.data.label_formulas`) turns what it can into one composition (mixtures such
as ``90(75Li2S-15P2S5-10P2O5)-10ZnO`` or ``(Li2S)75(P2S5)25 + 20 mol% LiI``, phase names such as
``Li7P3S11 glass (70Li2S-30P2S5)``, dopant notes, ``Na beta-alumina`` as its ideal formula
NaAl11O17); anything else (a variable ``x``, a described phase, a beta''-alumina
whose stabiliser is not given) keeps its text and gets status ``unparsed_formula``.

A row measured on a *modified* sample (coated, surface-fluorinated or otherwise surface-treated, a
composite with a polymer or resin) gets status ``modified_sample``: its verdict describes the
coating or the composite, not the composition, so it is kept in the file (it is sourced) and
excluded from training (:func:`sample_modification`). A particle size or shape of the bare material
(nanofibres, small grains, a thin film) is not a modification: such rows are trained on.

A row whose source states only a comparison with a parent or reference ("less H2S than Li3PS4",
"improved vs LGPS", "comparable to Li3PS4") names that reference in the optional ``relative_to``
column and gets status ``relative_claim``: the verdict rules make "more stable than a named
reference but not inert" ``moderate``, and ``p_air_stable`` is P(not unstable), so a relative
improvement over an unstable parent would read as air-stable; the row is kept in the file and
excluded from training. A row that states an exposure outcome of its own (an H2S amount, a
conductivity retention) has no ``relative_to``, whatever it also compares.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK, candidate_table
from electroscreen.data.composition_match import composition_groups
from electroscreen.data.formula import format_formula
from electroscreen.data.label_formulas import normalise_label_formula, sample_modification
from electroscreen.data.table_text import row_place

__all__ = [
    "AIR_STABILITY_LABELS",
    "EXPOSURE_COLUMNS",
    "LABEL_COLUMNS",
    "VERDICTS",
    "LabelFileError",
    "RELATIVE_CLAIM",
    "RELATIVE_TO",
    "air_stability_candidates",
    "excluded_label_rows",
    "excluded_summary",
    "label_counts",
    "labels_path",
    "load_air_stability",
    "normalise_label_formula",
    "read_label_file",
    "sample_modification",
]

_LOG = logging.getLogger(__name__)

#: The package copy of the labels.
AIR_STABILITY_LABELS = Path(__file__).parent / "labels" / "air_stability.csv"
VERDICTS = ("stable", "moderate", "unstable")
#: Exposure fields of a label row (optional in the CSV; ``""`` / NaN when the source does not say):
#: relative humidity (%), dew point (deg C), duration (hours), what was measured and its value.
EXPOSURE_COLUMNS = (
    "rh_percent",
    "dew_point_c",
    "duration_h",
    "measured_quantity",
    "measured_value",
)
_NUMERIC_EXPOSURE = ("rh_percent", "dew_point_c", "duration_h")
#: Optional column naming the reference composition a row's verdict only compares with.
RELATIVE_TO = "relative_to"
#: Columns a label file must have (the exposure fields :data:`EXPOSURE_COLUMNS` are optional).
LABEL_COLUMNS = (
    "formula",
    "family",
    "carrier",
    "verdict",
    "evidence",
    "condition",
    "source",
    "note",
)
#: Status of a row whose verdict is not one of :data:`VERDICTS`.
BAD_VERDICT = "bad_verdict"
#: Status of a row measured on a modified sample (:func:`sample_modification`).
MODIFIED_SAMPLE = "modified_sample"
#: Status of a row whose source only compares it with a reference (column :data:`RELATIVE_TO`).
RELATIVE_CLAIM = "relative_claim"


def labels_path(data_dir: str | Path | None) -> Path:
    """The label file: ``data_dir`` when it *is* a file, the package copy when it is a folder or
    None.

    The shared data folder (``$ELECTROSCREEN_DATA/air_stability/labels.csv``) holds the 75-row seed
    the project's labels grew from; the package copy supersedes it, so a data folder alone does not
    switch the labels back to the seed. Pass the path of a CSV to train on another label file.

    Raises
    ------
    FileNotFoundError
        ``data_dir`` is neither an existing file nor an existing folder (a mistyped label path
        must not train on the package copy without a word).
    """
    if data_dir is None or Path(data_dir).is_dir():
        return AIR_STABILITY_LABELS
    if Path(data_dir).is_file():
        return Path(data_dir)
    raise FileNotFoundError(
        f"air-stability labels: {data_dir} is neither a label file nor a folder"
    )


class LabelFileError(ValueError):
    """A label file that is not a label table (not CSV, or required columns missing): the message
    names the file and the reason (the CLI prints it as an error)."""


def read_label_file(path: str | Path) -> pd.DataFrame:
    """The raw rows of a label CSV (all text, ``""`` where empty), its columns checked.

    Raises
    ------
    LabelFileError
        The file is not CSV text, or lacks one of :data:`LABEL_COLUMNS` (named, with the columns
        the file has); a bad formula or verdict is not an error here but a row status. The
        optional columns (:data:`EXPOSURE_COLUMNS`, :data:`RELATIVE_TO`) are added as ``""``
        where the file lacks them.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LabelFileError(f"{path}: not a label CSV ({reason})") from None
    missing = [col for col in LABEL_COLUMNS if col not in raw.columns]
    if missing:
        raise LabelFileError(
            f"{path}: label file lacks required column(s) {', '.join(missing)} (it has "
            f"{', '.join(map(str, raw.columns))}; a label file has {', '.join(LABEL_COLUMNS)}, "
            f"optionally {', '.join((*EXPOSURE_COLUMNS, RELATIVE_TO))})"
        )
    for col in (*EXPOSURE_COLUMNS, RELATIVE_TO):
        if col not in raw:
            raw[col] = ""
    return raw


def _number(text: object) -> float:
    try:
        return float(str(text).strip())
    except ValueError:
        return float("nan")


def load_air_stability(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The air-stability labels as a candidate table (task ``air_stability``).

    Parameters
    ----------
    data_dir : path, optional
        A label CSV of the same columns to read instead of the package copy. A folder (e.g. the
        reference data folder) is ignored: the package copy is the project's label set. A path
        that does not exist raises ``FileNotFoundError`` (:func:`labels_path`), a file that lacks
        one of :data:`LABEL_COLUMNS` :class:`LabelFileError` (:func:`read_label_file`).

    Returns
    -------
    DataFrame
        ``candidate_id, formula, source, status, error, structure`` (None) plus ``verdict``,
        ``family``, ``carrier``, ``evidence``, ``condition``, ``source_ref`` (the label's source as
        written), ``doi`` (``""`` when the source is not a DOI), ``note``, ``formula_as_written``,
        ``formula_normalisation``, ``relative_to`` (the reference a relative-only verdict
        compares with, ``""`` for an exposure outcome) and the exposure fields
        :data:`EXPOSURE_COLUMNS`
        (``rh_percent``, ``dew_point_c``, ``duration_h`` as float, NaN when not given). ``formula``
        is the normalised composition; rows whose formula is not a composition keep the text, with
        status ``unparsed_formula``; rows measured on a modified sample (a coating, a surface
        treatment, a composite: :func:`sample_modification`) keep the composition, with status
        ``modified_sample``; rows with a ``relative_to`` reference keep the composition, with
        status ``relative_claim``; rows whose verdict is not one of :data:`VERDICTS` get status
        ``bad_verdict``. No row is dropped: each bad row is logged (``WARNING``) with its CSV row
        number and reason, and :func:`excluded_label_rows` lists them.
    """
    path = labels_path(data_dir)
    raw = read_label_file(path)
    records = []
    for i, row in enumerate(raw.itertuples(index=False)):
        amounts, how = normalise_label_formula(row.formula)
        ok = amounts is not None
        modified = sample_modification(row.formula) if ok else ""
        reference = str(getattr(row, RELATIVE_TO)).strip()
        status, error = OK, ""
        if not ok:
            status = "unparsed_formula"
            error = f"{row_place(path.name, i, i + 2)}: {row.formula!r} {how}"
        elif modified:
            status = MODIFIED_SAMPLE
            error = (
                f"{row_place(path.name, i, i + 2)}: {row.formula!r} is a modified sample "
                f"({modified}): its verdict describes the modification, not the composition"
            )
        elif reference:
            status = RELATIVE_CLAIM
            error = (
                f"{row_place(path.name, i, i + 2)}: {row.formula!r}: the source only compares "
                f"it with {reference} ({RELATIVE_TO}), so its {row.verdict.strip()!r} verdict "
                "is not an exposure outcome of its own"
            )
        ref = row.source.strip()
        records.append(
            {
                "candidate_id": f"air-{i + 1:03d}",
                "formula": format_formula(amounts) if ok else row.formula,
                "source": f"{path.name}:line {i + 2}",
                "status": status,
                "error": error,
                "verdict": row.verdict.strip().lower(),
                "family": row.family,
                "carrier": row.carrier,
                "evidence": row.evidence,
                "condition": row.condition,
                "source_ref": ref,
                "doi": ref if ref.startswith("10.") else "",
                "note": row.note,
                "formula_as_written": row.formula,
                "formula_normalisation": how,
                RELATIVE_TO: reference,
            }
            | {col: getattr(row, col) for col in EXPOSURE_COLUMNS}
        )
    table = candidate_table(records)
    for col in _NUMERIC_EXPOSURE:
        table[col] = table[col].map(_number).astype(float)
    bad_verdict = ~table["verdict"].isin(VERDICTS).to_numpy()
    if bad_verdict.any():
        table.loc[bad_verdict, "status"] = BAD_VERDICT
        table.loc[bad_verdict, "error"] = [
            f"{row_place(path.name, int(i), int(i) + 2)}: verdict {v!r} is not one of "
            f"{', '.join(VERDICTS)}"
            for i, v in zip(
                np.flatnonzero(bad_verdict), table.loc[bad_verdict, "verdict"], strict=True
            )
        ]
    if (table["status"] != OK).any():
        _LOG.warning("air-stability labels: %s", excluded_summary(table))
    return table


def excluded_label_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a label table that cannot be trained on: ``source`` (file and row), status, reason."""
    bad = table["status"] != OK
    return table.loc[bad, ["candidate_id", "source", "formula_as_written", "status", "error"]]


def excluded_summary(table: pd.DataFrame) -> str:
    """One line naming the excluded rows of a label table by file and row number, with a count per
    status (``"2 rows excluded from training: labels.csv lines 3, 4 (unparsed_formula 1,
    bad_verdict 1); excluded_label_rows() gives each reason"``); ``""`` when none is."""
    bad = excluded_label_rows(table)
    if not len(bad):
        return ""
    where: dict[str, list[str]] = {}
    for source in bad["source"].astype(str):
        name, _, row = source.rpartition(":line ")
        where.setdefault(name, []).append(row)
    rows = "; ".join(f"{name} lines {', '.join(numbers)}" for name, numbers in where.items())
    counts = ", ".join(f"{status} {n}" for status, n in bad["status"].value_counts().items())
    return (
        f"{len(bad)} rows excluded from training: {rows} ({counts}); "
        "excluded_label_rows() gives each reason"
    )


#: Alias (the models issue looks for either name).
air_stability_candidates = load_air_stability


def label_counts(table: pd.DataFrame) -> dict[str, int]:
    """Rows and distinct trainable compositions of a label table, in all and per verdict.

    A composition is one of :func:`~electroscreen.data.composition_match.composition_groups`
    among the rows with status ``ok`` (named phases and bad verdicts do not count;
    ``Li2Sc0.667Cl4`` and ``Li3ScCl6`` are one); one that carries several verdicts (different
    sources or exposures) counts once under each.

    Returns
    -------
    dict
        ``rows``, ``rows_<verdict>`` (all rows, whatever their status), ``compositions`` and
        ``compositions_<verdict>`` for each of :data:`VERDICTS`.
    """
    ok = table[table["status"] == OK]
    group = composition_groups(ok["formula"].astype(str).tolist())
    counts = {"rows": len(table), "compositions": len(np.unique(group))}
    for verdict in VERDICTS:
        counts[f"rows_{verdict}"] = int((table["verdict"] == verdict).sum())
        counts[f"compositions_{verdict}"] = len(
            np.unique(group[(ok["verdict"] == verdict).to_numpy()])
        )
    return counts
