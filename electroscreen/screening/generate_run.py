"""``electroscreen generate`` from its options to its files: the command's steps, in order.

:func:`run_generation` checks every option before a seed is read (:func:`_check_options`), reads
the seeds (:func:`_read_seeds`), then writes either a synthetic formula pool (``pool_size``,
:func:`_write_formulas`) or the candidates of
:func:`~electroscreen.screening.generate.generate_candidates` with their table
(:func:`_write_candidates`). What it has to say on the way (seeds read and skipped, the source of
the substitution probabilities, elements not introduced, counts) goes to ``say`` as plain text, one
line each; a problem that stops it is a :class:`GenerationError` whose message says what is wrong.
The command prints both.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from electroscreen.data.input_paths import skipped_files, skipped_message
from electroscreen.data.packed import PackedStructures
from electroscreen.data.pinned import ChecksumError, MissingDataError
from electroscreen.screening.candidate_valence import RARE_OXIDATION_STATE, rare_state_lines
from electroscreen.screening.distributed import check_count
from electroscreen.screening.generate import (
    DEFAULT_THRESHOLD,
    check_generation,
    generate_candidates,
    seed_formulas,
)
from electroscreen.screening.pool_files import (
    Seeds,
    check_pool_paths,
    read_seeds,
    skipped_seeds_lines,
    write_pool,
)
from electroscreen.screening.screen_config import load_screening_config
from electroscreen.screening.seed_charge import adjusted_lines
from electroscreen.screening.seed_maps import skipped_chemistry_lines
from electroscreen.screening.site_charge import CHARGE_MISMATCH, charge_mismatch_lines
from electroscreen.screening.substitution import CITATION
from electroscreen.screening.synthetic import write_formula_pool

__all__ = [
    "SOURCE_LINE",
    "GenerationError",
    "GenerationOptions",
    "GenerationResult",
    "run_generation",
]

#: The line that says where the substitution probabilities come from (both kinds of pool draw on
#: them); the candidate table records the same source in its ``probability_source`` column.
SOURCE_LINE = f"substitution probabilities: {CITATION}"
#: What reading the options and seeds can raise for a user's mistake (a bad option, a missing
#: file or reference data set, a seed folder with nothing readable): a :class:`GenerationError`.
_INPUT_ERRORS = (MissingDataError, ChecksumError, FileNotFoundError, ValueError)


class GenerationError(ValueError):
    """``generate`` cannot go on: an option, a seed input or an output path is wrong, or nothing
    was generated; the message says which and why."""


@dataclass(frozen=True)
class GenerationOptions:
    """The options of ``electroscreen generate`` (its ``--help`` says what each does)."""

    out: Path
    """The packed cache to write (or, with ``pool_size``, the formula table)."""
    seeds: Sequence[str | Path] = ()
    """Seed structure files, folders, globs or packed caches."""
    table: Path | None = None
    """The candidate table (default ``<out stem>_candidates.csv``)."""
    obelix: bool = False
    data_dir: Path | None = None
    max_candidates: int | None = None
    threshold: float = DEFAULT_THRESHOLD
    carrier: str = "Li"
    seed: int = 0
    exclude: Sequence[str] = ()
    config: Path | None = None
    """The screening config whose forbidden elements are never introduced."""
    keep_forbidden: bool = False
    keep_known: bool = False
    keep_mismatched: bool = False
    rescale: bool = True
    pool_size: int | None = None
    """Write this many synthetic formulas instead of substituted structures."""


@dataclass(frozen=True)
class GenerationResult:
    """What :func:`run_generation` wrote."""

    count: int
    """Candidates (or, with ``formulas``, synthetic formulas) written."""
    paths: tuple[Path, ...]
    """The packed structures and the candidate table; the formula table alone with ``formulas``."""
    formulas: bool = False
    """A synthetic formula pool (``pool_size``) was written."""


def run_generation(
    options: GenerationOptions, say: Callable[[str], None] | None = None
) -> GenerationResult:
    """Generate candidates (or a synthetic formula pool) as ``electroscreen generate`` does.

    Parameters
    ----------
    options : GenerationOptions
    say : callable, optional
        Receives each line to show, as plain text: files and seeds skipped and why, the seeds
        read, the source of the substitution probabilities (:data:`SOURCE_LINE`, once), the
        forbidden elements not introduced, the counts of each stage.

    Returns
    -------
    GenerationResult

    Raises
    ------
    GenerationError
        A bad option (before any seed is read), a seed input that cannot be read, no readable
        seed, no candidate generated, or an output that cannot be written.
    """
    say = say or (lambda line: None)
    forbidden = _check_options(options)
    seeds = _read_seeds(options, say)
    say(SOURCE_LINE)
    if options.pool_size is not None:
        return _write_formulas(options, seeds.packed)
    return _write_candidates(options, seeds, forbidden, say)


def _check_options(options: GenerationOptions) -> list[str]:
    """Check every option before a seed is read; returns the screening config's forbidden
    elements, never to be introduced (none with ``keep_forbidden`` or ``pool_size``)."""
    try:
        check_pool_paths(options.out, options.table, formulas=options.pool_size is not None)
        check_generation(options.carrier, options.threshold, options.exclude)
        forbidden: list[str] = []
        if not options.keep_forbidden and options.pool_size is None:  # what `screen` rejects
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a kelvin-like temperature is screen's concern
                forbidden = load_screening_config(options.config).filters.forbidden_elements
        for option, value in (
            ("--max-candidates", options.max_candidates),
            ("--pool-size", options.pool_size),
        ):
            if value is not None:
                check_count(option, value)
    except _INPUT_ERRORS as exc:
        raise GenerationError(str(exc)) from exc
    return forbidden


def _read_seeds(options: GenerationOptions, say: Callable[[str], None]) -> Seeds:
    """The seed structures, with the files, rows and notes that are not seeds said.

    Raises
    ------
    GenerationError
        A seed input that cannot be read, or no readable seed at all.
    """
    try:
        if skipped := skipped_files(options.seeds):
            say(skipped_message(skipped))
        seeds = read_seeds(options.seeds, obelix=options.obelix, data_dir=options.data_dir)
    except _INPUT_ERRORS as exc:
        raise GenerationError(str(exc)) from exc
    say(f"{len(seeds.packed)} seed structures")
    for line in skipped_seeds_lines(seeds.skipped):
        say(line)
    for note in seeds.notes:
        say(note)
    if len(seeds.packed) == 0:
        why = (
            ": every seed was skipped (above)"
            if len(seeds.skipped)
            else " (give files or --obelix)"
        )
        raise GenerationError(f"no readable seed structure{why}")
    return seeds


def _write_formulas(options: GenerationOptions, packed: PackedStructures) -> GenerationResult:
    """Stream ``pool_size`` synthetic formulas from the seeds' compositions to ``out``."""
    try:
        path = write_formula_pool(
            options.out, options.pool_size, seed_formulas(packed), carrier=options.carrier,
            seed=options.seed,
        )  # fmt: skip
    except (ValueError, OSError) as exc:
        raise GenerationError(str(exc)) from exc
    return GenerationResult(options.pool_size, (path,), formulas=True)


def _write_candidates(
    options: GenerationOptions, seeds: Seeds, forbidden: list[str], say: Callable[[str], None]
) -> GenerationResult:
    """Substitute the seeds, say the counts, the seeds not substituted, those whose charge residual
    the carrier closed, and the candidates that need a rare oxidation state or change a cation's
    charge, and write the packed structures and their candidate table.

    Raises
    ------
    GenerationError
        No candidate (the message says what removed them), or the files cannot be written.
    """
    if forbidden:
        say(
            f"not introduced: the {len(forbidden)} forbidden elements of "
            f"{options.config or 'configs/screening.yaml'} (--keep-forbidden introduces them)"
        )
    pool = generate_candidates(
        seeds.packed, carrier=options.carrier, threshold=options.threshold,
        max_candidates=options.max_candidates, seed=options.seed,
        rescale_lattice=options.rescale,
        forbidden_elements=list(dict.fromkeys([*options.exclude, *forbidden])),
        keep_known=options.keep_known, known_formulas=seeds.known_formulas,
        keep_mismatched=options.keep_mismatched,
    )  # fmt: skip
    say(", ".join(f"{k} {v}" for k, v in pool.counts.items()))
    for line in [
        *skipped_chemistry_lines(pool.skipped),
        *adjusted_lines(pool.adjusted),
        *rare_state_lines(pool.rejected),
        *charge_mismatch_lines(pool.rejected),
    ]:
        say(line)
    if len(pool) == 0:
        why = _why_none(pool.counts)
        raise GenerationError(f"no candidate generated: {why}; {options.out} not written")
    try:
        packed_path, table_path = write_pool(pool, options.out, options.table)
    except OSError as exc:
        raise GenerationError(str(exc)) from exc
    return GenerationResult(len(pool), (packed_path, table_path))


def _why_none(counts: dict[str, int]) -> str:
    """Why ``generate`` has no candidate, from its counts."""
    used = counts.get("seeds_used", 0)
    if not used:
        return "no seed could be substituted (above)"
    lost = [
        f"{counts[key]} {label}"
        for key, label in (
            ("known_compound", "known compounds"),
            ("unbalanced", "unbalanced"),
            (RARE_OXIDATION_STATE, "needing a rare oxidation state"),
            (CHARGE_MISMATCH, "charge mismatches, --keep-mismatched keeps them"),
            ("size_mismatch", "size mismatches, --keep-mismatched keeps them"),
        )
        if counts.get(key)
    ]
    found = f"{counts.get('enumerated', 0)} substitutions above --threshold"
    return f"{used} usable seed{'s' * (used != 1)}, {found}" + (
        f" ({', '.join(lost)})" if lost else ""
    )
