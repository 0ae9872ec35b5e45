"""Summaries of a candidate table (what `electroscreen data info` prints)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from electroscreen.data.candidates import OK
from electroscreen.data.formula import FormulaError, parse_formula

__all__ = ["TableSummary", "summarize"]


@dataclass(frozen=True)
class TableSummary:
    """Counts describing a candidate table."""

    n_rows: int
    status_counts: dict[str, int]
    n_ordered: int
    n_disordered: int
    n_composition_only: int
    element_counts: dict[str, int]
    errors: pd.DataFrame


def summarize(table: pd.DataFrame) -> TableSummary:
    """Count rows by status, ordered vs partially occupied structures, and elements present.

    ``element_counts`` maps each element to the number of ``ok`` candidates containing it.
    ``errors`` holds ``candidate_id, source, status, error`` for every row that is not ``ok``.
    """
    ok = table[table["status"] == OK]
    structures = [s for s in ok["structure"] if s is not None]
    n_ordered = sum(1 for s in structures if s.is_ordered)
    elements: Counter[str] = Counter()
    for formula in ok["formula"]:
        try:
            elements.update(parse_formula(formula).keys())
        except FormulaError:
            continue
    return TableSummary(
        n_rows=len(table),
        status_counts={k: int(v) for k, v in table["status"].value_counts().sort_index().items()},
        n_ordered=n_ordered,
        n_disordered=len(structures) - n_ordered,
        n_composition_only=len(ok) - len(structures),
        element_counts=dict(elements.most_common()),
        errors=table.loc[table["status"] != OK, ["candidate_id", "source", "status", "error"]],
    )
