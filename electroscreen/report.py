"""What ``electroscreen screen`` and ``electroscreen demo`` print: the ranked table and where to look."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from electroscreen.report_notes import (
    CONTRADICTS_MARK,
    CONTRADICTS_NOTE,
    FAR_MARK,
    FAR_NOTE,
    PRIOR_NOTE,
    air_marks,
    near_note,
    protonated_note,
)
from electroscreen.screening.progress import is_terminal

if TYPE_CHECKING:  # the CLI imports this module at start-up: no pandas until a table is drawn
    import pandas as pd

    from electroscreen.screening.screen_config import RankingConfig

__all__ = [
    "CONTRADICTS_MARK",
    "FAR_MARK",
    "LOG_WIDTH",
    "legend",
    "log_console",
    "ranked_table",
    "status_line",
    "ui_hint",
]

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


def _numbers(coverage: float | None, at: str = "") -> tuple[tuple[str, int], ...]:
    """Columns after the formula: header, and the narrowest each reads well at (its header wraps).

    The interval is named by its nominal ``coverage`` (unknown: 90 %), ``p_air_stable`` as the
    air-stability score it is (:mod:`electroscreen.experiments.plots` holds both texts); ``at``
    (``" at 80 °C"``) names the conductivity's temperature when it is not 25 degC.
    """
    from electroscreen.experiments.plots import AIR_SCORE_SHORT, interval_label  # not at start-up

    return ((f"log10 σ{at} (S/cm)", 6), (interval_label(coverage), 8), (AIR_SCORE_SHORT, 5),
            ("pareto", 6), ("acq. rank", 4))  # fmt: skip


def legend(
    coverage: float | None = None, ranking: RankingConfig | None = None, diverse: bool = False
) -> str:
    """The line under the ranked table that says what its columns are: what ``rank`` sorts by
    (the score's formula with ``ranking``'s weights and ranges: where a log10 sigma above the
    range's top scores as the top), the interval's nominal ``coverage``, ``pareto`` and
    ``acq. rank`` (None ``ranking``: the formula is named, not written); with ``diverse``, that
    the rows are one per chemistry and what ``similar`` counts (with ``ranking``'s
    ``diversity_distance``)."""
    from electroscreen.experiments.plots import interval_label  # not at CLI start-up
    from electroscreen.screening.objective_table import score_formula

    if ranking is None:
        score, kappa = "score (weighted conductivity and air score: ranking in the config)", "κ"
        within = "ranking.diversity_distance"
    else:
        top = ranking.sigma_range[1]
        score = f"score = {score_formula(ranking)} (log10 σ above {top:g} scores as {top:g})"
        kappa = f"{ranking.kappa:g}"
        within = f"{ranking.diversity_distance:g}"
    text = (
        f"rank: by {score}, best first; {interval_label(coverage)}: conformal interval of log10 "
        "σ (S/cm); pareto: Pareto front, 1 = no candidate better on every objective; acq. rank: "
        f"by the score of the optimistic values, value + {kappa} × std (upper confidence bound)"
    )
    if diverse:
        text += (
            "; one row per chemistry (diverse_rank), similar: the worse-ranked candidates it "
            f"stands for, not shown, each within {within} of its composition in every element's "
            "atomic fraction (represented_by; ranking.diversity_distance, 0: off)"
        )
    return text


def ranked_table(
    results: pd.DataFrame,
    top: int = 15,
    width: int | None = None,
    coverage: float | None = None,
    temperature_c: float = 25.0,
    ranking: RankingConfig | None = None,
) -> Table:
    """The ``top`` best compositions by weighted score, with uncertainties and ranks.

    Where the results hold ``diverse_rank`` (:mod:`~electroscreen.screening.diversity`), the rows
    are the ``top`` best representatives, one per chemistry, by ``diverse_rank``, and a
    ``similar`` column counts the worse-ranked candidates each one represents (``+11``: the rows
    whose ``represented_by`` names it), whatever their temperature. Without it
    (``ranking.diversity_distance: 0``, results written before it), a candidate whose composition
    repeats a better-ranked one (the same substitution of another seed structure, another cell of
    one formula) is not shown again: ``(+n more)`` after the shown row's id counts those repeats
    down to the next row shown
    (:func:`~electroscreen.data.composition_match.distinct_compositions`). A shown composition the
    conductivity model was trained on is listed under the table with its measurement
    (``train_log10_sigma``): its prediction is a recall, not a discovery; one measured in rows the
    model was not fitted on (``heldout_log10_sigma``) likewise, a check of the prediction; a
    composition the air-stability model was fitted on with its literature verdict
    (``train_air_verdict``), which its score need not follow; and an air score given far from
    the labelled compositions to an unlabelled one (mostly the gated model's chemistry member:
    auditors found Na chlorides, unlabelled thiophosphates and Lewis-acid chloro-metallates read
    as stable there) is marked :data:`FAR_MARK` and explained; one that contradicts the composition's own label
    (``p >= 0.5`` for a label of ``unstable`` rows, LiI 0.82) is marked :data:`CONTRADICTS_MARK`
    and named under the table with that label and its number of rows.

    A hydrate, ranked with ``filters.allow_hydrates``, shows its ``hydrate_formula``
    (``Li3YCl6·H2O``) where other rows show their ``formula``.

    Parameters
    ----------
    results : DataFrame
        Screening results (``rank``, ``formula``, ``candidate_id`` and the prediction columns).
    top : int
        Compositions shown.
    width : int, optional
        Width of the console it is printed on (None: as wide as needed). Where a row fits on one
        line, id and formula stand side by side (a log stays greppable); in a narrower console
        the id goes under its formula and the number columns give way (their headers wrap). The
        formula, what a chemist reads first, folds only below ~70 columns; nothing ends in "…".
    coverage : float, optional
        Nominal coverage of the conductivity intervals (``1 - conformal_alpha`` of the model,
        :attr:`~electroscreen.screening.runner.ScreeningResult.interval_coverage`), named in the interval's
        header; default ``results.attrs["interval_coverage"]``, else unknown: 90 %.
    temperature_c : float
        The screening config's temperature (degC): a row's own ``temperature_c`` cell, where it
        has one, is its temperature. When the ranked rows were predicted at several temperatures,
        a ``T (°C)`` column shows each row's, and without ``diverse_rank`` a composition is shown
        once per temperature (its repeats counted within it): its 25 degC row is no repeat of its
        80 degC row.
    ranking : RankingConfig, optional
        The screening's ranking settings: the line under the table (:func:`legend`) writes the
        score's formula with them.
    """
    import numpy as np  # not at CLI start-up

    from electroscreen.data.composition_match import distinct_compositions
    from electroscreen.experiments.plots import COVERAGE_ATTR
    from electroscreen.models.training_rows import MEASURED_AT, measurement_text  # not at start
    from electroscreen.screening.diversity import DIVERSE_RANK
    from electroscreen.screening.hydrate_filter import HYDRATE_COLUMN
    from electroscreen.screening.ranking import is_ranked  # Numba: not at CLI start-up
    from electroscreen.screening.temperatures import used_temperatures

    ranked = is_ranked(results["rank"])
    order = results[ranked].sort_values("rank", kind="stable")
    temperatures = used_temperatures(order, temperature_c)
    several = len(np.unique(temperatures[np.isfinite(temperatures)])) > 1
    similar = _similar_counts(order)
    if similar is not None:  # one row per chemistry: the representatives, by diverse_rank
        groups = [(int(k), []) for k in np.flatnonzero(order[DIVERSE_RANK].notna())][:top]
        about = " (one row per chemistry: diverse_rank)"
    else:  # a composition once per temperature
        groups = []
        for t in np.unique(temperatures) if several else [None]:
            at = np.arange(len(order)) if t is None else np.flatnonzero(temperatures == t)
            found = distinct_compositions(order["formula"].iloc[at].astype(str), limit=top)
            groups += [(at[first], [at[r] for r in same]) for first, same in found]
        groups = sorted(groups)[:top]
        repeats = sum(len(r) for _, r in groups)
        per = " and temperature" if several else ""
        about = (
            f" (one row per composition{per}; {repeats} repeats, '+n more' after the id)"
            if repeats
            else ""
        )
    best = order.iloc[[first for first, _ in groups]]
    title = f"Top {len(best)} of {int(ranked.sum())} ranked candidates{about}"
    marks, against = air_marks(best)
    ids, formulas, cells = [], [], []
    for row, (first, same), mark in zip(best.itertuples(index=False), groups, marks, strict=True):
        ids.append(f"{row.candidate_id}" + (f" (+{len(same)} more)" if same else ""))
        hydrate = getattr(row, HYDRATE_COLUMN, None)  # ranked with filters.allow_hydrates
        formulas.append(hydrate if isinstance(hydrate, str) and hydrate else str(row.formula))
        cells.append((
            *((f"{temperatures[first]:g}",) if several else ()),
            *((f"+{similar.iloc[first]}" if similar.iloc[first] else "",) if similar is not None
              else ()),
            _number(row.pred_log10_sigma),  # the trees' spread (_std) is not the interval
            f"[{_number(row.pred_log10_sigma_lo)}, {_number(row.pred_log10_sigma_hi)}]",
            _number(row.p_air_stable) + mark,
            _rank(row.pareto_rank), _rank(row.acquisition_rank),
        ))  # fmt: skip
    coverage = results.attrs.get(COVERAGE_ATTR) if coverage is None else coverage
    single = np.unique(temperatures[np.isfinite(temperatures)])
    at = f" at {single[0]:g} °C" if len(single) == 1 and single[0] != 25.0 else ""
    headers = _numbers(coverage, at)  # several temperatures: the T (°C) column says
    if similar is not None:  # how many candidates of its chemistry each row stands for
        headers = (("similar", 7), *headers)
    if several:  # one ranking across temperatures: each row says at which it was predicted
        headers = (("T (°C)", 4), *headers)
    ranks = [str(r) for r in best["rank"]]
    rank_w = max([4, *map(len, ranks)])
    id_w = max([12, *map(len, ids)])
    formula_w = max([7, *map(len, formulas)])
    natural = [max([len(h), *(len(c[k]) for c in cells)]) for k, (h, _) in enumerate(headers)]
    notes = [legend(coverage, ranking, diverse=similar is not None)]
    for kind, text in (
        (
            "train",
            f"Trained on (measured log10 σ at {MEASURED_AT}, train_log10_sigma): ",
        ),  # a recall, not a discovery
        (
            "heldout",
            f"Measured at {MEASURED_AT}, not trained on (heldout_log10_sigma): ",
        ),  # a check of the prediction, whatever the table's temperature
    ):
        measured = [measurement_text(row, kind) for row in best.itertuples(index=False)]
        known = [f"rank {r}: {m}" for r, m in zip(ranks, measured, strict=True) if m]
        if known:
            notes.append(text + "; ".join(known))
    notes += near_note(best, ranks)
    column = "train_air_verdict"
    verdicts = best[column].fillna("").tolist() if column in best else [""] * len(best)
    labelled = [f"rank {r}: {v}" for r, v in zip(ranks, verdicts, strict=True) if v]
    if labelled:  # the score beside it may disagree: the model need not recall a label
        notes.append("Air-stability labels (train_air_verdict): " + "; ".join(labelled))
    if any(FAR_MARK in m for m in marks):
        from electroscreen.models.predictor_outputs import FAR_WEIGHT, PRIOR_WEIGHT

        notes.append(
            f"{FAR_MARK} air score of an unlabelled composition few labelled rows lie near "
            f"(p_air_stable_label_weight below {PRIOR_WEIGHT:g}, {PRIOR_NOTE}; below "
            f"{FAR_WEIGHT:g}, {FAR_NOTE}): mostly the chemistry model's guess, not labelled "
            "neighbours' verdicts"
        )
    contradicted = [
        f"rank {r}: {_number(p)} against {a}"
        for r, p, a in zip(ranks, best["p_air_stable"], against, strict=True)
        if a
    ]
    if contradicted:  # what the score says against the label it was fitted on
        notes.append(
            f"{CONTRADICTS_MARK} air score on the other side of 0.5 from the composition's own "
            f"label ({CONTRADICTS_NOTE}; verdict(label rows)): " + "; ".join(contradicted)
        )
    notes += protonated_note(best, ranks)
    caption = "\n".join(notes) or None
    table = Table(
        title=title, caption=caption, caption_justify="left", collapse_padding=True, pad_edge=False
    )
    table.add_column("rank", no_wrap=True, width=rank_w)
    n_columns = 3 + len(headers)  # a border and a space per column
    if width is None or rank_w + id_w + formula_w + sum(natural) + 2 * n_columns <= width:
        # one line per candidate: id and formula side by side (a log, a wide terminal)
        table.add_column("candidate_id", no_wrap=True, width=id_w)
        table.add_column("formula", no_wrap=True, width=formula_w)
        rows = [(r, i, f, *c) for r, i, f, c in zip(ranks, ids, formulas, cells, strict=True)]
        numbers = natural
    else:  # narrower: the id under its formula; then the number columns at their narrowest
        merged_w = max(formula_w, id_w)
        numbers = natural
        if rank_w + merged_w + sum(natural) + 2 * (n_columns - 1) > width:
            numbers = [narrowest for _, narrowest in headers]
        room = width - rank_w - sum(numbers) - 2 * (n_columns - 1)
        table.add_column("formula, candidate_id", overflow="fold",
                         width=max(12, min(merged_w, room)))  # fmt: skip
        rows = [
            (r, Text(f).append(f"\n{i}", style="dim"), *c)
            for r, i, f, c in zip(ranks, ids, formulas, cells, strict=True)
        ]
    for (header, _), w in zip(headers, numbers, strict=True):
        table.add_column(header, overflow="fold", width=w)
    for row in rows:
        table.add_row(*row)
    return table


def _similar_counts(order: pd.DataFrame) -> pd.Series | None:
    """Per ranked row (best first), how many rows name it in ``represented_by``; None where the
    results hold no ``diverse_rank`` (diversity off, ``ranking.diversity_distance: 0``, or results
    written before it): the table is then one row per composition."""
    from electroscreen.screening.diversity import DIVERSE_RANK, represented_counts

    if DIVERSE_RANK not in order or not order[DIVERSE_RANK].notna().any():
        return None
    return represented_counts(order)


def status_line(counts: dict[str, int]) -> str:
    """``N candidates: ok 27, no_carrier 3, ...`` (largest counts first)."""
    total = sum(counts.values())
    parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{total} candidates: {parts}"


def ui_hint(run_id: str | None, tracking_uri: str, tracking_error: str | None = None) -> str:
    """The last line: the MLflow run id and the address of its page in ``electroscreen ui`` (at
    its default port, in the machine-learning view), or why tracking failed."""
    if tracking_error:
        run = f"MLflow run {run_id}" if run_id else "no MLflow run"
        return (
            f"tracking failed ({run} in {tracking_uri}): {tracking_error}; the results are written"
        )
    if run_id is None:
        return "tracking off: no MLflow run recorded"
    from electroscreen.experiments.ui_pages import run_page, ui_url

    try:  # the run's page sits under its experiment
        from electroscreen.experiments.tracking import tracking_client

        page = run_page(tracking_client(tracking_uri).get_run(run_id).info.experiment_id, run_id)
    except Exception:  # noqa: BLE001 - the store went away: the UI's direct route finds the run
        page = f"#/runs/{run_id}"
    return (
        f"MLflow run {run_id}: open it with `electroscreen ui --tracking-uri {tracking_uri}`, "
        f"then {ui_url(page=page)}"
    )
