"""Which columns of a caller's frame are the formula and the structure (``predict_frame``, ``fit``).

A frame given to :meth:`~electroscreen.models.predictor.CandidatePredictor.predict_frame` has its
columns found by the rule the table files use (:func:`~electroscreen.data.tables.find_column`: a
column named exactly so, else one so named once lower-cased and stripped of surrounding spaces):
``Formula`` or ``formula `` is the formula, ``Structure`` the structure. A frame with neither a
formula nor a structure column is a ``ValueError`` naming the columns found and those expected,
never a frame of ``empty_formula`` rows; what is not a DataFrame is a ``TypeError``.
"""

from __future__ import annotations

import pandas as pd

from electroscreen.data.tables import FORMULA_COLUMNS, find_column

__all__ = ["STRUCTURE_COLUMNS", "candidate_frame"]

#: Column names read as the structure column of a frame, in order of preference (the documented
#: ``structure``, then a table's ``cif``).
STRUCTURE_COLUMNS = ("structure", "cif")


def candidate_frame(frame: object, *, need_columns: bool = True) -> pd.DataFrame:
    """``frame`` with its formula and structure columns named ``formula`` and ``structure``.

    Parameters
    ----------
    frame : DataFrame
        A caller's candidates.
    need_columns : bool, default True
        Raise when the frame has neither column (False: the caller packed the rows already).

    Returns
    -------
    DataFrame
        ``frame`` itself when its columns are already so named, else a renamed shallow copy.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    ValueError
        ``frame`` has neither a formula nor a structure column (the message names both).

    Examples
    --------
    >>> candidate_frame(pd.DataFrame({"Formula ": ["LiCl"]})).columns.tolist()
    ['formula']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"expected a DataFrame with a 'formula' (and/or 'structure') column, got "
            f"{type(frame).__name__}: wrap a list of formulas as pd.DataFrame({{'formula': [...]}})"
        )
    rename = {}
    for name, names in (("formula", FORMULA_COLUMNS), ("structure", STRUCTURE_COLUMNS)):
        found = find_column(frame.columns, names)
        if found is not None and found != name:
            rename[found] = name
    if not rename:
        if need_columns and "formula" not in frame and "structure" not in frame:
            raise ValueError(
                f"the frame has no formula or structure column: found columns "
                f"{[str(c) for c in frame.columns]}; expected one of {list(FORMULA_COLUMNS)} or "
                f"{list(STRUCTURE_COLUMNS)} (case and surrounding spaces aside)"
            )
        return frame
    return frame.rename(columns=rename, copy=False)
