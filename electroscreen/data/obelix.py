"""OBELiX: 599 Li solid electrolytes with measured room-temperature ionic conductivity (321 with CIFs).

Therrien et al., "OBELiX: A Curated Dataset of Crystal Structures and Experimentally Measured Ionic
Conductivities for Lithium Solid-State Electrolytes", arXiv:2502.14234, Digital Discovery (2026).
License CC BY 4.0. The files are read from a data directory, or downloaded once from the upstream
repository into a user cache; either way their SHA-256 sums are checked.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from electroscreen.data.candidates import OK, candidate_table
from electroscreen.data.pinned import ChecksumError, pinned_folder
from electroscreen.data.readers import structure_from_text, structure_record

__all__ = [
    "FAMILY_SPELLINGS",
    "OBELIX_FILES",
    "OBELIX_URL",
    "ObelixChecksumError",
    "load_obelix",
    "load_obelix_structures",
    "obelix_candidates",
    "obelix_dir",
]

OBELIX_COMMIT = "4eaac889809dd489e3bae468c45d5c0e02b9147a"
OBELIX_URL = f"https://raw.githubusercontent.com/NRC-Mila/OBELiX/{OBELIX_COMMIT}/data/downloads"
#: SHA-256 of each upstream file (as listed in the reference data README).
OBELIX_FILES = {
    "all.csv": "54f6265ef84d16a919d08c6815f14b0fd7465fa00090bee2511c16c042e57f3c",
    "train.csv": "01d87779862807e24bc45bb2c759852f892390b99f9340f13906c54805aa8776",
    "test.csv": "b2c266eb74e22f403743d52959bea7c43b1531a850994870a70dd909200e5297",
    "all_cifs.tar.gz": "bfa2a3c92e3b8ca1b9859992e686c9e19f98924e7ff369c05db7006548217d49",
}
CITATION = (
    "F. Therrien et al., OBELiX: A Curated Dataset of Crystal Structures and Experimentally Measured "
    "Ionic Conductivities for Lithium Solid-State Electrolytes, arXiv:2502.14234 (2025)"
)
_RENAME = {
    "Reduced Composition": "formula",
    "True Composition": "true_composition",
    "Ionic conductivity (S cm-1)": "sigma_raw",
    "Space group": "space_group",
    "Space group #": "space_group_number",
    "Family": "family",
    "DOI": "doi",
}

#: OBELiX writes some families two ways; each pair is one family (the majority spelling kept), so that
#: family-grouped CV never scores a row while its family's other spelling trains (``Halide`` /
#: ``halides``, Li3InCl6 among the halides) and the leak guard holds out both.
FAMILY_SPELLINGS = {
    "Halide": "halides",
    "argyrodite": "argyrodites",
    "cholorides": "chlorides",
    "nitride": "nitrides",
    "garnet-like": "garnet",
    "diphosphate": "pyrophosphate",
}

#: Raised when an OBELiX (or Liverpool) file's SHA-256 differs from the pinned release.
ObelixChecksumError = ChecksumError


def obelix_dir(data_dir: str | Path | None = None, *, base_url: str = OBELIX_URL) -> Path:
    """Locate (or download) the verified OBELiX files and return their folder.

    Parameters
    ----------
    data_dir : path, optional
        A folder holding the files, or its parent with an ``obelix/`` subfolder. Defaults to the
        ``ELECTROSCREEN_DATA`` environment variable; without either, the files are downloaded from
        ``base_url`` into ``$ELECTROSCREEN_CACHE/obelix`` (``~/.cache/electroscreen/obelix``).

    Raises
    ------
    MissingDataError
        ``data_dir`` was given but holds no OBELiX files (a ``FileNotFoundError``).
    ObelixChecksumError
        A file's SHA-256 differs from the pinned release.
    """
    return pinned_folder("obelix", OBELIX_FILES, data_dir, lambda f: f"{base_url}/{f}", "OBELiX")


def _parse_sigma(raw: pd.Series) -> pd.DataFrame:
    text = raw.astype(str).str.strip()
    censored = text.str.startswith("<")
    bound = pd.to_numeric(text.str.lstrip("<"), errors="coerce")
    value = pd.to_numeric(text.where(~censored), errors="coerce")
    return pd.DataFrame(
        {
            "sigma": value,
            "log10_sigma": np.log10(value),
            "censored": censored,
            "log10_sigma_upper": np.where(censored, np.log10(bound), np.nan),
        }
    )


def load_obelix(data_dir: str | Path | None = None, split: str = "all") -> pd.DataFrame:
    """The OBELiX table with a parsed conductivity target.

    Parameters
    ----------
    data_dir : path, optional
        See :func:`obelix_dir`.
    split : {"all", "train", "test"}
        ``train``/``test`` are the official splits (478/121 entries).

    Returns
    -------
    DataFrame
        Indexed by ``ID``; columns include ``formula``, ``true_composition``, ``family`` (OBELiX's
        ``Family``, spelling variants merged: :data:`FAMILY_SPELLINGS`),
        ``log10_sigma`` (S/cm; NaN when censored), ``censored`` and ``log10_sigma_upper`` (the bound
        of a censored entry such as ``<1E-10``), ``split`` and ``has_cif``.
    """
    if split not in {"all", "train", "test"}:
        raise ValueError(f"split must be 'all', 'train' or 'test', not {split!r}")
    folder = obelix_dir(data_dir)
    frame = pd.read_csv(folder / f"{split}.csv").rename(columns=_RENAME)
    frame["family"] = frame["family"].replace(FAMILY_SPELLINGS)
    frame = pd.concat([frame, _parse_sigma(frame["sigma_raw"])], axis=1)
    test_ids = set(pd.read_csv(folder / "test.csv")["ID"])
    frame["split"] = np.where(frame["ID"].isin(test_ids), "test", "train")
    with tarfile.open(folder / "all_cifs.tar.gz") as tar:
        cif_ids = {Path(m.name).stem for m in tar.getmembers() if m.name.endswith(".cif")}
    frame["has_cif"] = frame["ID"].isin(cif_ids)
    return frame.set_index("ID", drop=False)


def load_obelix_structures(data_dir: str | Path | None = None) -> dict[str, str]:
    """CIF text of every OBELiX structure, keyed by ID (321 entries)."""
    folder = obelix_dir(data_dir)
    texts = {}
    with tarfile.open(folder / "all_cifs.tar.gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and member.name.endswith(".cif"):
                texts[Path(member.name).stem] = tar.extractfile(member).read().decode()
    return texts


def obelix_candidates(
    data_dir: str | Path | None = None, split: str = "all", structures_only: bool = False
) -> pd.DataFrame:
    """OBELiX entries as a candidate table (structure where a CIF exists) with the target columns."""
    table = load_obelix(data_dir, split)
    cifs = load_obelix_structures(data_dir)
    records = []
    for row in table.itertuples(index=False):
        cif = cifs.get(row.ID)
        if structures_only and cif is None:
            continue
        source = f"obelix:{row.ID}"
        if cif is None:
            rec = {"candidate_id": row.ID, "source": source, "status": OK}
        else:
            rec = structure_record(row.ID, source, structure_from_text(cif, "cif")[0])
        rec["formula"] = row.true_composition
        for col in ("family", "log10_sigma", "censored", "log10_sigma_upper", "split"):
            rec[col] = getattr(row, col)
        records.append(rec)
    return candidate_table(records)
