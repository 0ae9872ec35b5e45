"""Which electroscreen code a run ran: the files' digest, and the git commit of a checkout.

The version number stays ``0.1.0`` across the commits of a development install, so neither a
resumed screening (its checkpoints) nor a run in the MLflow UI could tell one commit's code from
another's by it. :func:`code_digest` hashes the package's files as imported (another commit, a
local edit or another install gives another digest); :func:`code_tags` adds the version and, when
the package is a git checkout, its commit (``+dirty`` when the package's files differ from it).
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

from electroscreen import __version__

__all__ = ["code_digest", "code_tags", "git_commit"]

#: The package folder whose files are the code.
PACKAGE_ROOT = Path(__file__).resolve().parent


@functools.cache
def code_digest() -> str:
    """SHA-256 of the electroscreen package's files (source and shipped data, not caches)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_ROOT.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def git_commit() -> str | None:
    """The commit of the git checkout the package was imported from (``+dirty`` when its files
    differ from it); None for an installed wheel or without git."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(PACKAGE_ROOT), *args],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        return done.stdout.strip()

    try:
        git("ls-files", "--error-unmatch", "__init__.py")  # a wheel inside a checkout's .venv: no
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit


def code_tags() -> dict[str, str]:
    """MLflow tags of a run: ``electroscreen.version``, ``electroscreen.code_sha256`` and, in a
    git checkout, ``electroscreen.git_commit``."""
    tags = {"electroscreen.version": __version__, "electroscreen.code_sha256": code_digest()}
    if commit := git_commit():
        tags["electroscreen.git_commit"] = commit
    return tags
