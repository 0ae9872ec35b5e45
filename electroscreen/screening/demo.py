"""The demo job behind ``make demo``: load OBELiX, read its structures, report what the data holds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console

from electroscreen.data import (
    assign_oxidation_states,
    obelix_candidates,
    pack_structures,
    parse_formula,
)
from electroscreen.data.summary import summarize


def run_demo(out: Path, data_dir: Path | None = None, console: Console | None = None) -> Path:
    """Load OBELiX, pack its structures to ``out/obelix_packed.npz`` and print a data summary."""
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    table = obelix_candidates(data_dir)
    summary = summarize(table)
    console.print(f"OBELiX: {summary.n_rows} candidates, statuses {summary.status_counts}")
    console.print(
        f"structures: {summary.n_ordered} ordered, {summary.n_disordered} partially occupied; "
        f"{summary.n_composition_only} composition-only"
    )
    oxidation = Counter(assign_oxidation_states(parse_formula(f)).status for f in table["formula"])
    console.print(f"oxidation-state assignment: {dict(oxidation)}")
    with_structure = table[table["structure"].notna()]
    packed = pack_structures(
        list(with_structure["structure"]), list(with_structure["candidate_id"])
    )
    path = packed.save(out / "obelix_packed.npz")
    console.print(f"packed {len(packed)} structures ({packed.n_sites.sum()} sites) -> {path}")
    return path
