"""How the pyfunc model reads its input: a frame with ``formula`` and an optional ``structure``.

:func:`as_frame` takes what a caller passes (a DataFrame, a column dict, a list of formulas) and
refuses a frame without ``formula``, naming a near miss; :func:`read_rows` reads, checks and packs
each row's structure once, as ``screen`` reads a table's ``cif`` cell
(:class:`~electroscreen.experiments.pyfunc.CandidatePredictorModel` calls both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Structure

from electroscreen.data.candidates import OK, merge_status
from electroscreen.data.cell_units import candidate_formulas
from electroscreen.data.composition_match import formula_mismatch
from electroscreen.data.packed import pack_structures
from electroscreen.data.readers import read_cif_cell, structure_record
from electroscreen.data.tables import find_column
from electroscreen.models.frame_structures import missing_value

__all__ = ["InputRows", "as_frame", "read_rows"]


def as_frame(model_input: Any) -> pd.DataFrame:
    """A DataFrame with ``formula`` (and ``structure`` if given) from what a pyfunc caller passes."""
    if isinstance(model_input, pd.DataFrame):
        frame = model_input
    elif isinstance(model_input, dict):
        frame = pd.DataFrame(model_input)
    elif isinstance(model_input, (list, tuple, np.ndarray, pd.Series)):
        frame = pd.DataFrame({"formula": list(model_input)})
    else:
        raise TypeError(f"expected a DataFrame with a 'formula' column, got {type(model_input)}")
    if "formula" not in frame.columns:
        raise ValueError(_no_formula_column(frame.columns))
    frame = _columns_as_rows(frame)
    if "structure" in frame.columns:
        structure = frame["structure"]
        # Empty strings and NaN both mean "no structure for this row".
        blank = structure.isna() | structure.map(lambda s: isinstance(s, str) and not s.strip())
        if blank.any():
            frame = frame.copy()
            frame["structure"] = structure.astype(object).where(~blank, None)
    return frame


def _no_formula_column(columns: pd.Index) -> str:
    """Why a frame without ``formula`` is refused. A ``Formula`` or ``formula `` column, which an
    input file's reader matches (:func:`~electroscreen.data.tables.find_column`), is named: MLflow's
    schema matches column names exactly, so ``load_model(...).predict`` and ``serve`` refuse it
    before the model runs (``Model is missing inputs ['formula']``), and this model does the
    same rather than answer one way in process and another over REST."""
    near = find_column(columns, ("formula",))
    hint = (
        f" (named exactly so, lower case: MLflow's schema matches names exactly; rename {near!r})"
        if near is not None
        else ""
    )
    return f"the input needs a 'formula' column{hint}; got columns {list(columns)}"


def _columns_as_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A column-oriented dict (``{"formula": ["Li3PS4", "LiCl"]}``) as the rows it names: MLflow's
    schema enforcement turns it into one row whose cells are the lists, which would be one
    ``bad_formula`` row instead of two predictions."""
    if len(frame) != 1:
        return frame
    cells = frame.iloc[0]
    if not isinstance(cells["formula"], list | tuple | np.ndarray):
        return frame
    lengths = {len(v) for v in cells if isinstance(v, list | tuple | np.ndarray)}
    if len(lengths) != 1 or not all(isinstance(v, list | tuple | np.ndarray) for v in cells):
        return frame
    return pd.DataFrame({column: list(values) for column, values in cells.items()})


@dataclass(frozen=True)
class InputRows:
    """A pyfunc input read as ``screen`` reads a table row with a ``cif`` cell."""

    #: The input with ``status`` (each row's reading problem) and, for a row with a structure, the
    #: structure's cell as its ``formula``; no ``structure`` column (read here, once).
    frame: pd.DataFrame
    #: What ``screen`` writes as each row's ``formula``.
    formulas: list[str]
    #: ``structures`` and ``structure_rows`` of ``predict_frame``: the rows whose structure passed.
    packed: dict[str, Any]


def _given_structure(value: Any) -> tuple[Structure | None, tuple[str, str] | None]:
    """A row's structure: a pymatgen Structure as given (an in-process caller's), else its text
    read as a ``cif`` cell is, with the reading problem when there is none."""
    if isinstance(value, Structure):
        return value, None
    return read_cif_cell(str(value))


def read_rows(frame: pd.DataFrame) -> InputRows:
    """Each row's structure (CIF text or a pymatgen Structure) read, checked and packed once, as a
    table's ``cif`` cell is: :func:`~electroscreen.data.readers.read_cif_cell` (the text caps, then
    the parser: ``structure_parse_error`` when it fails), then the readers' structure checks
    (:func:`~electroscreen.data.readers.structure_record`: ``overlapping_atoms``,
    ``too_many_sites`` over :data:`~electroscreen.data.limits.DEFAULT_MAX_SITES`, ...), then
    ``formula_mismatch`` where the row's formula is not the structure's. A refused row keeps its
    status and gets no prediction; the ``formula`` written is ``screen``'s
    (:func:`~electroscreen.data.cell_units.candidate_formulas`: a passed structure's per formula
    unit of its cell, a refused one's cell as read, else the formula)."""
    n = len(frame)
    formulas = frame["formula"].tolist()
    given = frame["structure"].tolist() if "structure" in frame.columns else [None] * n
    status = np.full(n, OK, dtype=object)
    written, rows, structures = list(formulas), [], []
    for i, (formula, value) in enumerate(zip(formulas, given, strict=True)):
        if missing_value(value):
            continue
        structure, problem = _given_structure(value)
        if structure is None:
            status[i] = problem[0]
            continue
        read = structure_record("", "", structure)
        written[i] = read["formula"]
        if read["status"] != OK:
            status[i] = read["status"]
        elif formula_mismatch(formula, structure) is not None:
            status[i] = "formula_mismatch"
        else:
            rows.append(i)
            structures.append(structure)
    if "status" in frame.columns:  # a caller's own verdict comes first, as in predict_frame
        prior = frame["status"].fillna(OK).astype(str).to_numpy(dtype=object)
        status, _ = merge_status(prior, status)
    positions = np.asarray(rows, dtype=np.int64)
    packed = pack_structures(structures) if rows else None
    read_frame = frame.drop(columns="structure", errors="ignore").assign(
        formula=pd.Series(written, index=frame.index, dtype=object),
        status=pd.Series(status, index=frame.index, dtype=object),
    )
    return InputRows(
        read_frame,
        candidate_formulas(written, packed, positions),
        {"structures": packed, "structure_rows": positions} if rows else {},
    )
