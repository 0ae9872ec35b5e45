"""Files pinned by SHA-256: their hash, the download cache, a verified download, and the one rule
for where a dataset's files are (:func:`pinned_folder`: the OBELiX and Liverpool loaders)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = [
    "ChecksumError",
    "MissingDataError",
    "cache_dir",
    "download_verified",
    "pinned_folder",
    "sha256_file",
]


class ChecksumError(RuntimeError):
    """A data file whose SHA-256 differs from the pinned upstream release."""


class MissingDataError(FileNotFoundError):
    """A data folder that was named (``data_dir``, ``$ELECTROSCREEN_DATA``) lacks a dataset's
    files: the message names the folder and the files (the CLI prints it as an error)."""


def sha256_file(path: str | Path) -> str:
    """SHA-256 (hex) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_dir(name: str) -> Path:
    """``$ELECTROSCREEN_CACHE/<name>`` (default ``~/.cache/electroscreen/<name>``)."""
    root = os.environ.get("ELECTROSCREEN_CACHE") or Path.home() / ".cache" / "electroscreen"
    return Path(root) / name


def download_verified(url: str, target: Path, sha256: str) -> None:
    """Download ``url`` to ``target`` through a temporary file kept only if its SHA-256 matches.

    Raises
    ------
    ChecksumError
        The download's SHA-256 differs from ``sha256`` (nothing is left at ``target``).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            shutil.copyfileobj(response, tmp)
    tmp_path = Path(tmp.name)
    if sha256_file(tmp_path) != sha256:
        tmp_path.unlink()
        raise ChecksumError(f"downloaded {url} does not match its SHA-256")
    tmp_path.replace(target)


def pinned_folder(
    name: str,
    files: Mapping[str, str],
    data_dir: str | Path | None,
    url_of: Callable[[str], str],
    dataset: str,
) -> Path:
    """The folder holding a dataset's pinned ``files``, each checked against its SHA-256.

    The folder is ``data_dir``, else ``$ELECTROSCREEN_DATA``: that folder, or its ``<name>/``
    subfolder when it has one. Without either, it is :func:`cache_dir` ``(name)``, where each
    missing file is downloaded from ``url_of(file)`` (:func:`download_verified`).

    Parameters
    ----------
    name : str
        The dataset's subfolder and cache name (``obelix``).
    files : mapping of str to str
        File name -> its pinned SHA-256 (hex).
    data_dir : path, optional
        The data folder; ``None`` (or empty): ``$ELECTROSCREEN_DATA``, else the cache.
    url_of : callable
        File name -> the URL it is downloaded from.
    dataset : str
        The dataset's name in messages (``OBELiX``).

    Raises
    ------
    MissingDataError
        A named folder lacks some of ``files`` (the message names the folder and the files).
    ChecksumError
        A file's SHA-256 differs from its pin.
    """
    data_dir = data_dir or os.environ.get("ELECTROSCREEN_DATA") or None
    if data_dir is not None:
        root = Path(data_dir)
        folder = root / name if (root / name).is_dir() else root
        missing = [n for n in files if not (folder / n).is_file()]
        if missing:
            raise MissingDataError(
                f"{folder}: missing {dataset} files {missing} (unset ELECTROSCREEN_DATA and give "
                "no data_dir to download them)"
            )
    else:
        folder = cache_dir(name)
        for file, expected in files.items():
            if not (folder / file).is_file():
                download_verified(url_of(file), folder / file, expected)
    for file, expected in files.items():
        if sha256_file(folder / file) != expected:
            raise ChecksumError(f"{folder / file}: SHA-256 differs from the pinned release")
    return folder
