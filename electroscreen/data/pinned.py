"""Files pinned by SHA-256: their hash, the download cache, and a verified download."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

__all__ = ["ChecksumError", "MissingDataError", "cache_dir", "download_verified", "sha256_file"]


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
