"""Synthetic composition pools for load tests: millions of hypothetical formulas, in chunks.

Formulas are derived from base formulas by partial isovalent substitution drawn from the data-mined
substitution model (:mod:`electroscreen.screening.substitution`), so they look like doped
electrolytes and keep the base's charge balance; :func:`write_formula_pool` writes them to CSV or
Parquet chunk by chunk, so memory stays bounded whatever the pool size.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.formula import SYMBOL_TO_Z, FormulaError, format_formula, parse_formula
from electroscreen.data.oxidation import assign_oxidation_states
from electroscreen.screening.substitution import SubstitutionModel, substitution_model

__all__ = ["DOPING_FRACTIONS", "synthetic_formula_chunks", "write_formula_pool"]

DOPING_FRACTIONS = (1.0, 0.5, 0.25, 0.2, 0.125, 0.1, 0.05)


def _base_options(formula: str, carrier: str, model: SubstitutionModel) -> tuple | None:
    """``(amounts, [(element, species, [substitutes], cumulative weights)])`` of one formula."""
    try:
        amounts = parse_formula(formula)
    except FormulaError:
        return None
    oxidation = assign_oxidation_states(amounts)
    if not oxidation.ok or carrier not in amounts:
        return None
    log_cond = model.log_cond
    names = model.names
    options = []
    for el, state in oxidation.states.items():
        old = int(model.index(np.array([SYMBOL_TO_Z[el]]), np.array([state]))[0])
        if el == carrier or old < 0:
            continue
        new = np.flatnonzero(
            (model.charge == model.charge[old])
            & ~np.isin(model.z, [SYMBOL_TO_Z[e] for e in amounts])
        )
        if len(new):
            weights = np.exp(log_cond[new, old])
            cumulative = np.cumsum(weights / weights.sum()).tolist()
            options.append(
                (el, names[old], [(model.symbols[k], names[k]) for k in new], cumulative)
            )
    return (amounts, options) if options else None


def synthetic_formula_chunks(
    base_formulas: Iterable[str],
    n: int,
    *,
    carrier: str = "Li",
    seed: int = 0,
    chunk_size: int = 100_000,
) -> Iterator[pd.DataFrame]:
    """Stream ``n`` charge-balanced hypothetical formulas derived from base formulas.

    Each row picks a base formula (uniformly), one or two of its non-carrier elements (uniformly),
    and for each an *isovalent* substitute drawn with probability ``P(new | old)`` of the
    substitution model, replacing a fraction (one of ``DOPING_FRACTIONS``) of that element.
    Isovalent replacement keeps the base's charge balance. Rows may repeat (it is a load-test pool,
    not a search space).

    Yields
    ------
    DataFrame
        ``candidate_id, formula, base_formula, substitutions``, at most ``chunk_size`` rows each.
    """
    model = substitution_model()
    bases = [
        (f, b) for f in dict.fromkeys(base_formulas) if (b := _base_options(f, carrier, model))
    ]
    if not bases:
        raise ValueError(
            "no base formula is charge balanced, holds the carrier and a substitutable ion"
        )
    rng = np.random.default_rng(seed)
    for start in range(0, n, chunk_size):
        size = min(chunk_size, n - start)
        draws = rng.random((size, 8))
        ids, formulas, origins, subs = [], [], [], []
        for row in range(size):
            u = draws[row]
            formula, (amounts, options) = bases[int(u[0] * len(bases))]
            amounts = dict(amounts)
            first = int(u[1] * len(options))
            chosen = [first]
            if len(options) > 1 and u[2] < 0.5:
                chosen.append((first + 1 + int(u[3] * (len(options) - 1))) % len(options))
            text = []
            for which, draw, x_draw in zip(chosen, u[4:6], u[6:8], strict=False):
                el, old_name, substitutes, cumulative = options[which]
                new_el, new_name = substitutes[
                    min(bisect.bisect(cumulative, draw), len(cumulative) - 1)
                ]
                x = DOPING_FRACTIONS[int(x_draw * len(DOPING_FRACTIONS))]
                moved = amounts[el] * x
                amounts[el] -= moved
                amounts[new_el] = amounts.get(new_el, 0.0) + moved
                text.append(f"{old_name}>{new_name}@{x:g}")
            ids.append(f"syn-{start + row:08d}")
            formulas.append(format_formula({e: a for e, a in amounts.items() if a > 1e-9}))
            origins.append(formula)
            subs.append(";".join(text))
        yield pd.DataFrame(
            {
                "candidate_id": ids,
                "formula": formulas,
                "base_formula": origins,
                "substitutions": subs,
            }
        )


def write_formula_pool(
    path: str | Path,
    n: int,
    base_formulas: Iterable[str],
    *,
    carrier: str = "Li",
    seed: int = 0,
    chunk_size: int = 100_000,
) -> Path:
    """Write :func:`synthetic_formula_chunks` to CSV or Parquet chunk by chunk (bounded memory).

    Raises
    ------
    ValueError
        ``path`` ends in neither ``.csv`` nor ``.parquet`` / ``.pq`` (a formula pool is a table; a
        ``.npz`` holds packed structures).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if path.suffix.lower() not in {".csv", ".parquet", ".pq"}:
        raise ValueError(
            f"{path}: a formula pool is a table: write it to .csv, .parquet or .pq, "
            f"not {path.suffix or 'a file without suffix'}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = synthetic_formula_chunks(
        base_formulas, n, carrier=carrier, seed=seed, chunk_size=chunk_size
    )
    if path.suffix.lower() in {".parquet", ".pq"}:
        writer = None
        try:
            for chunk in chunks:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                writer = writer or pq.ParquetWriter(path, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            for k, chunk in enumerate(chunks):
                chunk.to_csv(fh, index=False, header=k == 0)
    return path
