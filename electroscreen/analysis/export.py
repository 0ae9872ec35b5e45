"""Hand a shortlist on to the next calculation: structures as CIF/POSCAR, a CSV, DFT inputs.

``electroscreen export OUT --top N --out DIR`` reads a finished screening (``OUT/results.parquet``),
takes the ``N`` best ranked candidates and finds each one's structure again from its ``source``
(``path:row`` of a packed cache or table, ``path`` or ``path#frame`` of a structure file), with paths
resolved through ``OUT/inputs.json`` (written by ``screen``) so the export works from any directory.
Generated pools are packed caches, so generated candidates export like any other. Per candidate::

    DIR/<NNN>_<id>/structure.cif        as screened; partial occupancies kept for disordered sites
    DIR/<NNN>_<id>/POSCAR               ordered structures only (VASP has no partial occupancy)
    DIR/<NNN>_<id>/ordered.cif, ordered_POSCAR
                                        with ``order=True``: an ordered approximant of a disordered
                                        structure (:mod:`electroscreen.analysis.ordering`: pymatgen's
                                        OrderDisorderedStructureTransformation in the smallest
                                        supercell of at most ``max_ordered_sites`` sites that makes
                                        every occupancy whole, else whose rounded occupancies move
                                        by at most ``occupancy_tolerance``, reported in the status)
    DIR/<NNN>_<id>/relax/               with ``dft="MPRelaxSet"`` (any pymatgen VASP input set,
                                        :mod:`electroscreen.analysis.export_dft`):
                                        INCAR, KPOINTS, POSCAR and POTCAR.spec (symbols, no POTCAR)
    DIR/shortlist.csv                   rank, id, formula (a hydrate's ``hydrate_formula``
                                        beside it, ranked with ``filters.allow_hydrates``),
                                        every prediction, measurement,
                                        objective and rank column of the results with the
                                        row's notes (``pred_feature_status``, ``window_status``)
                                        under the results' names (:data:`SHORTLIST_COLUMNS`), the
                                        temperature each row was predicted at (``temperature_c``),
                                        a generated candidate's seed, substitutions and lattice
                                        scale, what was written, status, the ordered
                                        approximant's formula (``ordered_formula``); text a
                                        spreadsheet would run as a formula behind an apostrophe
                                        (:mod:`electroscreen.data.spreadsheet_text`)
    DIR/shortlist_provenance.json       what every row shares: the run id, the models' URIs and
                                        SHA-256, the temperature, the interval's level, the
                                        config (:mod:`electroscreen.analysis.export_run`)

Every CIF starts with comment lines naming the candidate and its rank and, for a generated one,
its seed and substitutions and that its geometry is the seed's with the lattice scaled by the
ionic volumes, unrelaxed (:mod:`electroscreen.analysis.export_provenance`); its data block is named
after the folder. A generated candidate whose introduced cation sits closer to its nearest anion
than 0.85 times their Shannon radius sum gets a ``bond_note``
(:mod:`electroscreen.analysis.substituted_bonds`): relax it before any property calculation.

A candidate whose structure is one already written for a better-ranked row (the same cell read from
two files: :mod:`electroscreen.analysis.export_duplicates`) gets no folder: its status is
``duplicate`` and ``duplicate_of`` names that row's id, whose ``duplicates`` lists the ids it
stands for.

Formula-only candidates are listed in ``shortlist.csv`` with ``structure_status=formula_only``: no
structure is invented for them. One whose composition is a better-ranked formula-only row's (one
composition written two ways, ``Li3YBr3Cl3`` and ``Li3YCl3Br3``, ``Li3YCl6`` and ``Cl6Li3Y``:
:func:`~electroscreen.data.composition_match.composition_groups`, as the console folds them) is
``duplicate`` of it the same way (halaudit L2). A structure is never a duplicate of a formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pymatgen.core import Structure

from electroscreen.analysis.export_dft import input_set, write_dft
from electroscreen.analysis.export_duplicates import WrittenStructures
from electroscreen.analysis.export_provenance import (
    PROVENANCE_COLUMNS,
    PoolProvenance,
    cif_header,
    write_structure,
)
from electroscreen.analysis.export_run import (
    PROVENANCE_FILE,
    row_temperatures,
    run_provenance,
    write_provenance,
)
from electroscreen.analysis.export_sources import StructureFinder, source_resolver, split_source
from electroscreen.analysis.folder_results import results_table
from electroscreen.analysis.occupancy_rounding import check_tolerance
from electroscreen.analysis.ordering import ordered_approximant
from electroscreen.analysis.ordering_limits import (
    MAX_ORDERED_SITES,
    OCCUPANCY_TOLERANCE,
    SEARCH_SECONDS,
)
from electroscreen.analysis.substituted_bonds import short_bond_note
from electroscreen.data.composition_match import composition_groups
from electroscreen.data.spreadsheet_text import spreadsheet_safe
from electroscreen.models.predictor_outputs import FEATURE_STATUS_COLUMN
from electroscreen.models.temperature import TEMPERATURE_COLUMN
from electroscreen.models.training_labels import LABEL_COLUMNS
from electroscreen.models.training_rows import (
    HELDOUT_COLUMNS,
    NEAREST_HELDOUT_COLUMNS,
    NEAREST_TRAINING_COLUMNS,
    TRAINING_COLUMNS,
)
from electroscreen.screening.batch import (
    CONDUCTIVITY_COLUMNS,
    CONDUCTIVITY_OPTIONAL,
    STABILITY_COLUMNS,
    STABILITY_OPTIONAL,
)
from electroscreen.screening.charge_residual import CHARGE_RESIDUAL_COLUMN
from electroscreen.screening.diversity import DIVERSE_RANK, DIVERSITY_COLUMNS
from electroscreen.screening.hydrate_filter import HYDRATE_COLUMN
from electroscreen.screening.inputs_record import INPUTS_RECORD
from electroscreen.screening.objective_columns import OBJECTIVE_COLUMNS, WINDOW_STATUS_COLUMN
from electroscreen.screening.plausibility import PLAUSIBILITY_COLUMNS
from electroscreen.screening.ranking import RANKING_COLUMNS
from electroscreen.screening.results import read_results

__all__ = ["ExportResult", "export_shortlist", "ordered_approximant"]

#: Columns of ``shortlist.csv`` before the file columns (those present in the results, and
#: ``temperature_c``), named where the results' columns are: every column of the results but the
#: bookkeeping (``status``, ``error``: a ranked row is ``ok``; ``n_sites``, ``batch``) and the
#: input table's own columns.
SHORTLIST_COLUMNS = (
    "rank", "candidate_id", "formula", HYDRATE_COLUMN, *CONDUCTIVITY_COLUMNS, TEMPERATURE_COLUMN,
    *CONDUCTIVITY_OPTIONAL, *TRAINING_COLUMNS, *HELDOUT_COLUMNS, *NEAREST_TRAINING_COLUMNS,
    *NEAREST_HELDOUT_COLUMNS, *STABILITY_COLUMNS, *STABILITY_OPTIONAL,
    *LABEL_COLUMNS, FEATURE_STATUS_COLUMN, *OBJECTIVE_COLUMNS, WINDOW_STATUS_COLUMN,
    CHARGE_RESIDUAL_COLUMN, *PLAUSIBILITY_COLUMNS, *(c for c in RANKING_COLUMNS if c != "rank"),
    *DIVERSITY_COLUMNS, "cell_formula", "source",
)  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_shortlist` wrote: the shortlist table, its CSV and the provenance
    beside it (``shortlist_provenance.json``, :func:`~electroscreen.analysis.export_run.
    run_provenance`)."""

    shortlist: pd.DataFrame
    csv: Path
    provenance: Path | None = None

    def counts(self) -> dict[str, int]:
        """Candidates per ``structure_status`` (empty for an empty shortlist)."""
        return self.shortlist["structure_status"].value_counts().to_dict()


def _read_results(results: str | Path) -> tuple[pd.DataFrame, Path, Path]:
    """The results table, its path and the screening's output folder (the table's)."""
    table_path, folder = results_table(results)
    return read_results(table_path), table_path, folder  # ranks as Int64, floats bit for bit


#: Per-candidate outputs besides the structure columns (``shortlist.csv``).
_STATUS_COLUMNS = (
    "structure_status", "bond_note", "ordered", "files", "ordered_status", "ordered_formula",
    "dft_status", "duplicates", "duplicate_of",
)  # fmt: skip
_CANDIDATE_FOLDER = re.compile(r"\d{3}_.+")


def _shortlist_columns(table: pd.DataFrame) -> list[str]:
    present = [c for c in SHORTLIST_COLUMNS if c in table.columns or c == TEMPERATURE_COLUMN]
    return present + list(PROVENANCE_COLUMNS) + list(_STATUS_COLUMNS)


def _prepare_out(out: Path) -> Path:
    """``out`` ready for a shortlist: new, empty, or a previous export's (whose candidate folders
    and shortlist.csv are removed, so the folder holds only what the new shortlist lists)."""
    import shutil

    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file")
    entries = list(out.iterdir()) if out.is_dir() else []
    if entries and not (out / "shortlist.csv").is_file():
        raise ValueError(
            f"--out {out} is not empty and holds no shortlist.csv: it is not an export folder, "
            "so it is left alone; choose a new or empty folder"
        )
    for entry in entries:
        if entry.is_dir() and _CANDIDATE_FOLDER.fullmatch(entry.name):
            shutil.rmtree(entry)
    for name in ("shortlist.csv", PROVENANCE_FILE):
        (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _formula(structure: Structure) -> str:
    """Reduced formula as the results write it (no oxidation states), e.g. ``Li40SiGe3P8S48``."""
    from electroscreen.data.formula_reduction import reduced_formula

    return reduced_formula(structure.composition.element_composition.get_el_amt_dict())


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80] or "candidate"


def _mark_duplicate(entry: dict, kept: dict) -> None:
    """Make the shortlist row ``entry`` a ``duplicate`` of the better-ranked row ``kept``."""
    entry.update(structure_status="duplicate", duplicate_of=kept["candidate_id"])
    kept["duplicates"] = ";".join(filter(None, [kept["duplicates"], entry["candidate_id"]]))


def _best_rows(table: pd.DataFrame, top: int, diverse: bool) -> pd.DataFrame:
    """The ``top`` best-ranked rows of the results, or with ``diverse`` the ``top`` best
    representatives (``diverse_rank``)."""
    column = DIVERSE_RANK if diverse else "rank"
    if diverse and (column not in table or not table[column].notna().any()):
        raise ValueError(
            "the results hold no diverse_rank (screened with ranking.diversity_distance: 0, or by "
            "an electroscreen before it): leave out --diverse, or screen again with a distance"
        )
    return table[table[column] > 0].nsmallest(max(int(top), 0), column)


def export_shortlist(
    results: str | Path,
    out: str | Path,
    *,
    top: int = 20,
    order: bool = False,
    max_ordered_sites: int = MAX_ORDERED_SITES,
    occupancy_tolerance: float = OCCUPANCY_TOLERANCE,
    search_seconds: float = SEARCH_SECONDS,
    dft: str | None = None,
    diverse: bool = False,
) -> ExportResult:
    """Write the ``top`` ranked candidates' structures, DFT inputs and ``shortlist.csv`` to ``out``.

    Parameters
    ----------
    results : path
        A screening output folder (``results.parquet``, ``inputs.json``) or a results table.
    out : path
        Folder to write (created).
    top : int
        Number of best-ranked candidates exported.
    order : bool
        Also write an ordered approximant of each disordered structure (``ordered.cif``,
        ``ordered_POSCAR``), used for the DFT inputs when given.
    max_ordered_sites : int
        Largest supercell tried for an ordered approximant.
    occupancy_tolerance : float
        Largest change of a site occupancy (fraction of a site, in (0, 0.5]) an ordered approximant
        may make when no supercell of at most ``max_ordered_sites`` sites makes every occupancy
        whole (status ``rounded: ...``; the screened ``structure.cif`` is never changed).
    search_seconds : float
        Time of each approximant's Ewald search (> 0), after which the best ordering found is
        taken (the status says so).
    dft : str, optional
        Name of a pymatgen VASP input set (``MPRelaxSet``, ``MPScanRelaxSet``, ...): write its
        relaxation inputs to ``relax/`` with ``POTCAR.spec`` (no POTCAR files). Needs an ordered
        structure: a disordered one needs ``order=True``.
    diverse : bool
        Take the ``top`` best representatives, one per chemistry, by ``diverse_rank``
        (:mod:`~electroscreen.screening.diversity`), instead of the ``top`` best ranks; results
        without a ``diverse_rank`` (screened with ``ranking.diversity_distance: 0``, or before
        it existed) are a ``ValueError``.

    Returns
    -------
    ExportResult
        ``shortlist`` has one row per exported candidate with ``structure_status`` (``ok``,
        ``formula_only``, ``not_found: ...``), ``files`` (';'-separated, relative to ``out``),
        ``ordered_status`` (``ok``, ``rounded: ...``, ``too_large: ...``, ``ordering_failed: ...``),
        ``ordered_formula`` (the approximant's reduced formula, beside the screened ``formula``),
        ``dft_status``, ``duplicates`` (';'-separated ids whose structure this row's folder holds,
        or, for a formula-only row, the ids of the worse-ranked formula-only rows of its
        composition) and ``duplicate_of`` (for status ``duplicate``: the id of the row written
        for it).
    """
    check_tolerance(occupancy_tolerance)  # a bad value stops here, before anything is read
    if not search_seconds > 0:
        raise ValueError(f"search_seconds {search_seconds} is not positive")
    table, table_path, folder = _read_results(results)
    if dft is not None:
        input_set(dft)  # an unknown name stops here, before anything is written
    best = _best_rows(table, top, diverse)
    out = _prepare_out(Path(out))
    provenance = run_provenance(folder, table_path, top, DIVERSE_RANK if diverse else "rank")
    best[TEMPERATURE_COLUMN] = row_temperatures(best, provenance["temperature_c"])
    record = folder / INPUTS_RECORD
    finder = StructureFinder(source_resolver(record if record.is_file() else None))
    pools = PoolProvenance()
    written = WrittenStructures()
    compositions = composition_groups(best["formula"].astype(str).tolist())
    formula_rows: dict[int, dict] = {}  # the first formula-only row listed of each composition
    rows = []
    for position, row in enumerate(best.to_dict("records"), start=1):
        entry = {c: row[c] for c in SHORTLIST_COLUMNS if c in row}
        structure, status = finder.find(row["source"], row.get("cell_formula"))
        origin = pools.find(
            split_source(str(row["source"]), finder.resolve)[0], row["candidate_id"]
        )
        entry.update({c: origin.get(c, "") for c in PROVENANCE_COLUMNS})
        entry.update(structure_status=status, bond_note="", ordered=None, files="",
                     ordered_status="", ordered_formula="", dft_status="", duplicates="",
                     duplicate_of="")  # fmt: skip
        if structure is not None and (kept := written.same_as(structure)) is not None:
            _mark_duplicate(entry, kept)
            structure = None  # one folder, one set of DFT inputs, for one structure
        if status == "formula_only":
            kept = formula_rows.setdefault(int(compositions[position - 1]), entry)
            if kept is not entry:  # one composition written two ways: Li3YCl6, Cl6Li3Y
                _mark_duplicate(entry, kept)
        if structure is not None:
            written.add(structure, entry)
            folder = out / f"{position:03d}_{_safe(str(row['candidate_id']))}"
            entry["bond_note"] = short_bond_note(structure, origin.get("substitutions", ""))
            header = cif_header(row["rank"], row["candidate_id"], origin)
            files = [f"{folder.name}/{f}" for f in write_structure(structure, folder, "", header)]
            entry["ordered"] = bool(structure.is_ordered)
            for_dft = structure if structure.is_ordered else None
            if order and not structure.is_ordered:
                approximant, entry["ordered_status"] = ordered_approximant(
                    structure, max_ordered_sites, occupancy_tolerance, search_seconds
                )
                if approximant is not None:
                    entry["ordered_formula"] = _formula(approximant)
                    header = cif_header(row["rank"], row["candidate_id"], origin,
                                        "ordered approximant, " + entry["ordered_status"])  # fmt: skip
                    names = write_structure(approximant, folder, "ordered", header)
                    files += [f"{folder.name}/{f}" for f in names]
                    for_dft = approximant
            if dft is not None:
                if for_dft is None:
                    entry["dft_status"] = (
                        f"skipped: no ordered approximant ({entry['ordered_status']})"
                        if order
                        else "skipped: disordered (use --order)"
                    )
                else:
                    write_dft(for_dft, folder / "relax", dft)
                    files.append(f"{folder.name}/relax/")
                    entry["dft_status"] = "ok"
            entry["files"] = ";".join(files)
        rows.append(entry)
    shortlist = pd.DataFrame(rows, columns=_shortlist_columns(table))
    csv = out / "shortlist.csv"
    spreadsheet_safe(shortlist).to_csv(csv, index=False)
    return ExportResult(shortlist, csv, write_provenance(provenance, out))
