"""A screening run's description (``mlflow.note.content``) and name: its inputs, models and
temperature, then what it found (the funnel and promising count of
:mod:`~electroscreen.screening.run_summary`, the best candidates one row per chemistry), every
table cell written as text (:func:`markdown_cell`)."""

from __future__ import annotations

import re
from pathlib import PurePath

import numpy as np
import pandas as pd

from electroscreen.data.candidates import LINE_BREAKING_CHARACTER
from electroscreen.experiments.plots import AIR_SCORE
from electroscreen.models.training_rows import MEASURED_AT, measurement_text
from electroscreen.screening.diversity import DIVERSE_RANK, represented_counts
from electroscreen.screening.near_measured import (
    NEAR_MEASURED,
    near_sentence,
    nearest_measured,
    nearest_text,
)
from electroscreen.screening.run_summary import (
    MEASURED_METRIC,
    NEAR_METRIC,
    PROMISING,
    PROMISING_METRIC,
    left_out_text,
)
from electroscreen.screening.temperatures import (
    predicted_at,
    ranked_temperatures,
    used_temperatures,
)

__all__ = ["markdown_cell", "screening_note", "screening_run_name"]


def screening_note(
    inputs: list[str],
    model_uris: dict[str, str],
    results: pd.DataFrame | None = None,
    metrics: dict[str, float] | None = None,
    top: int = 5,
    *,
    links: dict[str, str] | None = None,
    temperature_c: float | None = None,
    warnings: list[str] | None = None,
) -> str:
    """Markdown description of a screening run: its inputs, models and temperature, then (when
    finished) what it found: the funnel, the promising count, the best candidates.

    Parameters
    ----------
    inputs : list of str
        The input arguments.
    model_uris : dict
        Model URI per role.
    results : DataFrame, optional
        The ranked results (None: the run is running).
    metrics : dict, optional
        :func:`review_metrics` of ``results``.
    top : int
        Best-ranked rows in the table.
    links : dict, optional
        Markdown per role linking each model to its UI pages
        (:func:`~electroscreen.screening.model_links.model_links`); a role without one shows its
        URI as code.
    temperature_c : float, optional
        The screening's ``temperature_c``: named with every predicted conductivity ("σ at 80 °C");
        when the ranked rows were predicted at several temperatures, the range is named and the
        table gets a ``T (°C)`` column.
    warnings : list of str, optional
        Where the conductivity model errs on a class of the ranked candidates
        (:mod:`~electroscreen.screening.class_warnings`): one ``warning:`` item each, after the
        promising count.
    """
    links = links or {}
    at = predicted_at(results, temperature_c)
    lines = [
        "**electroscreen screen** of " + ", ".join(f"`{p}`" for p in inputs[:10])
        + (f" and {len(inputs) - 10} more" if len(inputs) > 10 else "")
        + (f", conductivity predicted at **{at}**" if at else ""),
        "",
        *(f"- {role} model: {links.get(role) or f'`{uri}`'}" for role, uri in model_uris.items()),
    ]  # fmt: skip
    if results is None or metrics is None:
        return "\n".join([*lines, "", "_running_"])
    funnel = " → ".join(
        f"{k.removeprefix('passed_')} {int(v)}"
        for k, v in metrics.items()
        if k.startswith("passed_")
    )
    sigma = f"σ at {at}" if at else "σ"
    lines += [
        "",
        f"{len(results)} candidates; passing each filter: {funnel}; "
        f"{int(metrics.get('n_predicted', 0))} predicted.",
        f"Promising: {int(metrics.get(PROMISING_METRIC, 0))} with predicted {sigma} above 1e-4 S/cm and "
        f"{AIR_SCORE} ≥ {PROMISING['min_p_air_stable']}{left_out_text(metrics)}, of which {int(metrics.get(MEASURED_METRIC, 0))} already measured "
        f"(train_id / heldout_id); {near_sentence(metrics.get(NEAR_METRIC))}; "
        f"Pareto front of {int(metrics.get('pareto_front_size', 0))}.",
    ]  # fmt: skip
    if warnings:
        lines += ["", *(f"- **warning:** {line}" for line in warnings)]
    if "rank" in results:
        best, similar = _best_rows(results, top)
        default = 25.0 if temperature_c is None else float(temperature_c)
        mixed = len(ranked_temperatures(results, default)) > 1  # each row's beside it
        if len(best):
            row_t = used_temperatures(best, default)
            near = nearest_measured(best).itertuples(index=False)
            header = "log10 σ (S/cm) | T (°C)" if mixed else f"log10 {sigma} (S/cm)"
            diverse = similar is not None
            if diverse:
                lines += ["", "One row per chemistry (`diverse_rank`); *similar*: the worse-ranked "
                          "candidates it represents (`represented_by`)."]  # fmt: skip
            measured = f"measured at {MEASURED_AT}"  # whatever the predictions' temperature
            lines += ["", f"| rank | candidate | formula | {header} | {measured} | {AIR_SCORE} |"
                      + " similar |" * diverse,
                      "|---|---|---|---|---|---|" + "---|" * mixed + "---|" * diverse]  # fmt: skip
            counts = similar if diverse else [0] * len(best)
            lines += [
                f"| {int(r.rank)} | {markdown_cell(r.candidate_id)} | {markdown_cell(r.formula)} | "
                f"{r.pred_log10_sigma:.2f} | "
                + (f"{t:g} | " if mixed else "")
                + f"{_measurement(r, n)} | {r.p_air_stable:.2f} |"
                + (f" {f'+{c}' if c else ''} |" if diverse else "")
                for r, t, n, c in zip(
                    best.itertuples(index=False), row_t, near, counts, strict=True
                )
            ]
    return "\n".join(lines)


def _best_rows(results: pd.DataFrame, top: int) -> tuple[pd.DataFrame, list[int] | None]:
    """The ``top`` rows the description's table shows, and how many rows each represents.

    Where the results hold a ``diverse_rank`` (:mod:`~electroscreen.screening.diversity`), the
    table is one row per chemistry, as the console's: the ``top`` best representatives, each with
    the number of worse-ranked rows naming it in ``represented_by``. Otherwise (diversity off, or
    results written before it) the ``top`` best rows by ``rank`` and ``None``.
    """
    if DIVERSE_RANK in results and results[DIVERSE_RANK].notna().any():
        diverse = results[DIVERSE_RANK]
        best = results.loc[diverse[diverse.notna()].astype(float).nsmallest(top).index]
        similar = represented_counts(results).loc[best.index]
        return best, [int(c) for c in similar]
    rank = results["rank"]
    return results.loc[rank[rank > 0].nsmallest(top).index], None  # no copy of the other rows


#: Characters of a table cell that markdown reads as syntax, and how a cell writes them: links and
#: images (``[ ] ( ) !``), code and emphasis with a backslash; the table's ``|``, HTML (``< > &``) and
#: what makes a bare URL or address a link (``:``, ``@``) as character references. CommonMark and
#: the Showdown renderer of MLflow's UI both show each as the character itself.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]()!~&<>|:@]")
_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", ":": "&#58;", "@": "&#64;"}


def markdown_cell(value: object) -> str:
    """``value`` as the text of one markdown table cell: shown as written, on one line (control
    characters and line separators as spaces), never a link, image, HTML or an extra column.

    Examples
    --------
    >>> markdown_cell("[SI](https://x.example)|a")
    '\\\\[SI\\\\]\\\\(https&#58;//x.example\\\\)&#124;a'
    """
    text = LINE_BREAKING_CHARACTER.sub(" ", str(value))
    text = _MARKDOWN_SYNTAX.sub(lambda m: _REFERENCES.get(m[0]) or "\\" + m[0], text)
    return re.sub(r"(?i)\b(www)\.", r"\1\\.", text)  # no bare www. link either


def screening_run_name(inputs: list[str], temperature: str) -> str:
    """A screening run's name: what was screened, then at which temperature, short enough for the
    UI's runs list (``pool · 80 °C``, ``pool +2 · 25 °C``: the input's stem first, where runs of
    different pools differ; the same pool's runs differ by their temperature).

    Parameters
    ----------
    inputs : list of str
        The input arguments.
    temperature : str
        ``"80 °C"`` or a range (:func:`~electroscreen.screening.temperatures.predicted_at`; its
        note in parentheses is left out).
    """
    first = str(inputs[0]).rstrip("/") if inputs else ""
    stem = PurePath(first).stem or PurePath(first).name or "candidates"
    stem = stem if len(stem) <= 32 else f"{stem[:31]}…"
    more = f" +{len(inputs) - 1}" if len(inputs) > 1 else ""
    degrees = temperature.split(" (", 1)[0]
    return f"{stem}{more} · {degrees}" if degrees else f"{stem}{more}"


def _measurement(row: object, nearest: object = None) -> str:
    """A ranked row's measured log10 sigma: ``-2.69 (trained on)``, ``<-10 (held out)``; else
    the measured composition within ``NEAR_MEASURED`` (``nearest``, a row of
    :func:`~electroscreen.screening.near_measured.nearest_measured`) as a table cell
    (:func:`markdown_cell`): ``near Li6.75La3Zr1.75Nb0.25O12 (66a, trained on) at 0.0021``;
    else ``""``."""
    for kind, label in (("train", "trained on"), ("heldout", "held out")):
        text = measurement_text(row, kind)
        if text:
            return f"{text} ({label})"
    if nearest is not None and getattr(nearest, "distance", np.nan) <= NEAR_MEASURED:
        return "near " + markdown_cell(nearest_text(nearest, getattr(row, "formula", None)))
    return ""
