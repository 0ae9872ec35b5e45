"""What ``electroscreen screen`` and ``electroscreen demo`` print: the ranked table and where to look."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from electroscreen.screening.progress import is_terminal

if TYPE_CHECKING:  # the CLI imports this module at start-up: no pandas until a table is drawn
    import pandas as pd

__all__ = ["LOG_WIDTH", "log_console", "ranked_table", "status_line", "ui_hint"]

#: Width of tables and lines when the output is not a terminal (a batch job's log, a pipe): wide
#: enough that no candidate id, formula or path is cut to "…".
LOG_WIDTH = 1000


def log_console(stderr: bool = False) -> Console:
    """A rich Console for stdout (or stderr) that reads well in a terminal and in a log file.

    In a terminal it is rich's usual console (terminal width, colours). When the stream is not a
    terminal (``sbatch`` log, ``| tee``, CI) it is :data:`LOG_WIDTH` columns wide, without colour
    codes, so tables keep full ids and formulas and every line is plain text.

    Parameters
    ----------
    stderr : bool
        Write to ``sys.stderr`` instead of ``sys.stdout``.

    Returns
    -------
    rich.console.Console
    """
    stream = sys.stderr if stderr else sys.stdout
    if is_terminal(stream):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=LOG_WIDTH, no_color=True, highlight=False, emoji=False)


def _rank(value: object) -> str:
    """A rank as shown: the integer, or an em dash when unranked."""
    import pandas as pd  # not at CLI start-up

    return "—" if pd.isna(value) else str(int(value))


def _number(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return ""
    return f"{value:.{digits}f}"


#: Columns after the formula: header, and the narrowest each reads well at (its header wraps).
_NUMBER_COLUMNS = (("log10 σ (S/cm)", 7), ("90% interval", 8), ("P(air stable)", 7),
                   ("pareto", 6), ("acq. rank", 4))  # fmt: skip


def ranked_table(results: pd.DataFrame, top: int = 15, width: int | None = None) -> Table:
    """The ``top`` best compositions by weighted score, with uncertainties and ranks.

    A candidate whose composition repeats a better-ranked one (the same substitution of another
    seed structure, another cell of one formula) is not shown again: ``(+n more)`` after the shown
    row's id counts those repeats down to the next row shown
    (:func:`~electroscreen.data.composition_match.distinct_compositions`).

    Parameters
    ----------
    results : DataFrame
        Screening results (``rank``, ``formula``, ``candidate_id`` and the prediction columns).
    top : int
        Compositions shown.
    width : int, optional
        Width of the console it is printed on. The formula is what a chemist reads first: it is
        shown whole (its id under it), and in a narrow console the number columns give way (their
        headers wrap); only below ~70 columns does a formula fold. Nothing ends in "…".
    """
    from electroscreen.data.composition_match import distinct_compositions
    from electroscreen.screening.ranking import is_ranked  # Numba: not at CLI start-up

    ranked = is_ranked(results["rank"])
    order = results[ranked].sort_values("rank", kind="stable")
    groups = distinct_compositions(order["formula"].astype(str), limit=top)
    best = order.iloc[[first for first, _ in groups]]
    repeats = sum(len(r) for _, r in groups)
    title = f"Top {len(best)} of {int(ranked.sum())} ranked candidates"
    if repeats:
        title += f" (one row per composition; {repeats} repeats, '+n more' after the id)"
    names, cells = [], []
    for row, (_, same) in zip(best.itertuples(index=False), groups, strict=True):
        name = Text(str(row.formula))
        name.append(
            f"\n{row.candidate_id}" + (f" (+{len(same)} more)" if same else ""), style="dim"
        )
        names.append(name)
        cells.append((
            f"{_number(row.pred_log10_sigma)} ± {_number(row.pred_log10_sigma_std)}",
            f"[{_number(row.pred_log10_sigma_lo)}, {_number(row.pred_log10_sigma_hi)}]",
            _number(row.p_air_stable), _rank(row.pareto_rank), _rank(row.acquisition_rank),
        ))  # fmt: skip
    ranks = [str(r) for r in best["rank"]]
    rank_width = max([4, *map(len, ranks)])
    name_width = max([21, *(len(line) for n in names for line in n.plain.splitlines())])
    natural = [
        max([len(h), *(len(c[k]) for c in cells)]) for k, (h, _) in enumerate(_NUMBER_COLUMNS)
    ]
    narrow = [n for _, n in _NUMBER_COLUMNS]
    chrome = len(_NUMBER_COLUMNS) + 3 + len(_NUMBER_COLUMNS) + 1  # borders + one space each
    numbers = natural
    if width is not None and rank_width + name_width + sum(natural) + chrome > width:
        numbers = narrow
        name_width = max(12, min(name_width, width - rank_width - sum(narrow) - chrome))
    table = Table(title=title, collapse_padding=True, pad_edge=False)
    table.add_column("rank", no_wrap=True, width=rank_width)
    table.add_column("formula, candidate_id", overflow="fold", width=name_width)
    for (header, _), w in zip(_NUMBER_COLUMNS, numbers, strict=True):
        table.add_column(header, overflow="fold", width=w)
    for rank, name, row_cells in zip(ranks, names, cells, strict=True):
        table.add_row(rank, name, *row_cells)
    return table


def status_line(counts: dict[str, int]) -> str:
    """``N candidates: ok 27, no_carrier 3, ...`` (largest counts first)."""
    total = sum(counts.values())
    parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{total} candidates: {parts}"


def ui_hint(run_id: str | None, tracking_uri: str, tracking_error: str | None = None) -> str:
    """The last line: the MLflow run id and how to open it, or why tracking failed."""
    if tracking_error:
        run = f"MLflow run {run_id}" if run_id else "no MLflow run"
        return (
            f"tracking failed ({run} in {tracking_uri}): {tracking_error}; the results are written"
        )
    if run_id is None:
        return "tracking off: no MLflow run recorded"
    return (
        f"MLflow run {run_id}: open it with `electroscreen ui --tracking-uri {tracking_uri}` "
        f"(then http://127.0.0.1:5000/#/experiments?workflowType=machine_learning)"
    )
