"""Checkpoints of a screening run: a manifest that identifies the run and one Parquet file per batch.

Layout of an output folder::

    DIR/manifest.json          what decides the output (config, input and model digests, package
                               version) and, per finished batch, its row count, candidate-id range
                               and the SHA-256 of its file
    DIR/batches/batch-000000.parquet   one file per finished batch (written to a temporary name,
                               then renamed: a file that exists is complete)
    DIR/state.json             the MLflow run id of the run (so a resumed run continues it)
    DIR/screening.yaml         the effective screening config, every field (``--config`` with it
                               repeats the screening; the MLflow run logs it as
                               ``config/screening.yaml``)
    DIR/model_warnings.txt     where the conductivity model errs on ranked candidates, when it
                               does (written with the results: screening/class_warnings.py)
    DIR/.lock                  held (``flock``) by the run using the folder

A rerun with the same arguments finds the same manifest and reuses the batches whose file matches its
record; a batch that fails verification (truncated, replaced, edited, or written after the last
record) is recomputed, and said so. Files that are not batch files are ignored with a warning. A rerun
whose manifest differs refuses to mix outputs (:class:`ManifestMismatchError`) unless asked to start
afresh. A folder that exists, is not empty and holds no manifest is never used (nor emptied), and a
second run on a folder in use is refused (:class:`CheckpointLockedError`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from electroscreen import __version__
from electroscreen.code_identity import code_digest
from electroscreen.data.pinned import sha256_file

__all__ = [
    "CONFIG_FILE",
    "BatchStore",
    "CheckpointLockedError",
    "Manifest",
    "ManifestMismatchError",
    "atomic_temp_path",
]

MANIFEST_VERSION = 2
#: The effective screening config in the output folder (:meth:`BatchStore.write_config`).
CONFIG_FILE = "screening.yaml"
_BATCH_NAME = re.compile(r"batch-(\d{6})\.parquet")


def _is_own(path: Path) -> bool:
    """A file of ours that may sit in an output folder without a manifest: the lock, a manifest
    write a kill interrupted, an empty ``batches/`` (a first start killed before its manifest)."""
    name = path.name
    if name == "batches":
        return path.is_dir() and not any(path.iterdir())
    return name == ".lock" or name.startswith(".manifest.json.tmp-")


class ManifestMismatchError(RuntimeError):
    """The output folder holds checkpoints of a screening with other inputs, config or models, or
    is not a screening's folder at all."""


class CheckpointLockedError(RuntimeError):
    """Another screening is using this output folder now."""


#: What a user changed, for each manifest field that differs on resume.
_MANIFEST_WORDS = {
    "config_digest": "the screening config (--config; it includes --batch-size)",
    "input_digest": "the inputs (their files, bytes or paths as given)",
    "conductivity_model_uri": "--conductivity-model",
    "stability_model_uri": "--stability-model",
    "tracking_uri": "--tracking-uri",
    "batch_size": "--batch-size",
    "conductivity_model_digest": "the conductivity model's files",
    "stability_model_digest": "the air-stability model's files",
    "version": "the checkpoint format",
    "package_version": "the electroscreen version",
    "code_digest": "the electroscreen code (its source or data files; another commit or install)",
}


#: The option that names each model, and the manifest field of its files' digest.
_MODEL_OPTIONS = {
    "conductivity_model_uri": ("--conductivity-model", "conductivity_model_digest"),
    "stability_model_uri": ("--stability-model", "stability_model_digest"),
}


def _mismatch(out: Path, stored: dict, expected: dict) -> str:
    """Why ``out``'s checkpoints are not resumed, in the options' words; when only the models
    differ (a newer version registered since), the recorded model URIs to pin to resume."""
    changed = sorted(k for k in stored.keys() | expected.keys() if stored.get(k) != expected.get(k))
    words = ", ".join(_MANIFEST_WORDS.get(k, k) for k in changed)
    said = f"{out} holds checkpoints of another screening (it differs in: {words})"
    pinned = [k for k in _MODEL_OPTIONS if k in changed and stored.get(k)]
    pins = " ".join(f"{_MODEL_OPTIONS[k][0]} {shlex.quote(str(stored[k]))}" for k in pinned)
    if pinned and set(changed) <= {name for k in pinned for name in (k, _MODEL_OPTIONS[k][1])}:
        return (
            f"{said}; to resume it, give the model URI{'s' * (len(pinned) > 1)} it recorded: {pins} "
            "(or use another --out "
            "folder, or --fresh to discard its checkpoints)"
        )
    recorded = f"; it was screened with {pins}" if pinned else ""
    return f"{said}{recorded}; use another --out folder or --fresh to discard them"


@dataclass(frozen=True)
class Manifest:
    """Everything that decides a screening's output; equal manifests mean resumable checkpoints."""

    config_digest: str
    input_digest: str
    conductivity_model_uri: str
    stability_model_uri: str
    tracking_uri: str
    batch_size: int
    #: SHA-256 of each model's files (:func:`~electroscreen.experiments.model_registry.model_fingerprint`).
    conductivity_model_digest: str = ""
    stability_model_digest: str = ""
    version: int = MANIFEST_VERSION
    package_version: str = field(default=__version__)
    code_digest: str = field(default_factory=code_digest)

    def digest(self) -> str:
        """SHA-256 of the manifest's canonical JSON."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def atomic_temp_path(path: Path) -> Path:
    """A temporary name beside ``path``, unique per process and call (for write + ``os.replace``)."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = atomic_temp_path(path)
    tmp.write_text(text)
    os.replace(tmp, path)


class BatchStore:
    """The checkpoint files of one output folder.

    Parameters
    ----------
    out : path
        The output folder.
    log : callable, optional
        Receives one line for each batch that fails verification and is recomputed, and one for
        each file in ``batches/`` that is not a batch file (default: ``warnings.warn``).
    """

    def __init__(self, out: str | Path, log: Callable[[str], None] | None = None) -> None:
        self.out = Path(out)
        self.batches = self.out / "batches"
        self.log = log or (lambda line: warnings.warn(line, stacklevel=3))
        self._manifest: dict = {}
        self._records: dict[str, dict] = {}
        self._ignored: set[Path] = set()  # files in batches/ that are not batch files: said once
        self._lock_handle = None

    @property
    def manifest_path(self) -> Path:
        """The run's ``manifest.json`` in the output folder."""
        return self.out / "manifest.json"

    # -- the lock ----------------------------------------------------------------------------
    def _refuse_foreign(self) -> None:
        """Refuse a folder that exists, is not empty and has no manifest (it is not ours)."""
        if self.manifest_path.is_file() or not self.out.is_dir():
            return
        foreign = sorted(p.name for p in self.out.iterdir() if not _is_own(p))
        if foreign:
            raise ManifestMismatchError(
                f"{self.out} is not empty and holds no manifest.json (it has "
                f"{', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}): it is not a "
                "screening's output folder, so it is left alone; choose a new or empty --out folder"
            )

    def lock(self) -> None:
        """Take the folder's lock (``DIR/.lock``, released when the process ends, even by kill -9).

        Raises
        ------
        CheckpointLockedError
            When another process holds it.
        ManifestMismatchError
            When the folder is not a screening's (see :meth:`open`); nothing is written there.
        """
        self._refuse_foreign()
        self.out.mkdir(parents=True, exist_ok=True)
        handle = (self.out / ".lock").open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                handle.close()
                raise CheckpointLockedError(
                    f"{self.out}: the file system cannot lock files ({exc.strerror}; e.g. Lustre "
                    "mounted noflock, NFS without lockd), so two screenings could write this "
                    "folder at once; use an --out folder on a file system with locking"
                ) from None
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise CheckpointLockedError(
                f"{self.out} is in use by another screening ({holder or 'unknown process'}); "
                "wait for it or use another --out folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._lock_handle = handle

    def unlock(self) -> None:
        """Release the lock taken by :meth:`lock` (the lock file stays; it is ours)."""
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    def __enter__(self) -> BatchStore:
        self.lock()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    # -- the manifest ------------------------------------------------------------------------
    def _read_manifest(self) -> dict:
        try:
            stored = json.loads(self.manifest_path.read_text())
            if not isinstance(stored, dict):
                raise ValueError(f"expected a JSON object, got {type(stored).__name__}")
            records = stored.get("batches", {})
            if not isinstance(records, dict) or not all(
                isinstance(r, dict) for r in records.values()
            ):
                raise ValueError("'batches' is not an object of batch records")
        except (OSError, ValueError) as exc:
            raise ManifestMismatchError(
                f"{self.manifest_path} is not a readable manifest ({exc}); "
                "use --fresh to discard the checkpoints of that folder, or another --out folder"
            ) from exc
        return stored

    def open(self, manifest: Manifest, fresh: bool = False) -> int:
        """Prepare the folder for ``manifest``; returns how many finished batches can be reused.

        Raises
        ------
        ManifestMismatchError
            When the folder holds checkpoints of another screening (or an unreadable manifest) and
            ``fresh`` is false, or when it exists, is not empty and holds no manifest (it is not a
            screening's folder: nothing in it is touched, with or without ``fresh``).
        """
        expected = asdict(manifest)
        if not self.manifest_path.is_file():
            self._refuse_foreign()
        elif not fresh:
            stored = self._read_manifest()
            records = stored.pop("batches", {})
            if stored != expected:
                raise ManifestMismatchError(_mismatch(self.out, stored, expected))
            self._manifest, self._records = expected, dict(records)
            self.batches.mkdir(parents=True, exist_ok=True)
            self._remove_interrupted_writes()
            return len(self.finished())
        if self.batches.is_dir():
            shutil.rmtree(self.batches)
        for name in ("state.json", "results.parquet", "results.csv", "model_warnings.txt"):
            (self.out / name).unlink(missing_ok=True)
        self._remove_interrupted_writes()
        self._manifest, self._records = expected, {}
        self._write_manifest()  # before batches/: a kill in between leaves a folder that is ours
        self.batches.mkdir(parents=True)
        return 0

    def _remove_interrupted_writes(self) -> None:
        """Delete the temporary files of writes a kill interrupted (``.<name>.tmp-<pid>-<id>``:
        :func:`atomic_temp_path`); with the lock held, none is being written."""
        for folder in (self.out, self.batches):
            if folder.is_dir():
                for path in folder.glob(".*.tmp-*"):
                    path.unlink(missing_ok=True)

    def _write_manifest(self) -> None:
        body = {**self._manifest, "batches": dict(sorted(self._records.items()))}
        _atomic_write_text(self.manifest_path, json.dumps(body, indent=1))

    # -- batches -----------------------------------------------------------------------------
    def path(self, index: int) -> Path:
        """File of batch ``index``."""
        return self.batches / f"batch-{index:06d}.parquet"

    def _verify(self, index: int, path: Path) -> str | None:
        """Why batch ``index``'s file cannot be reused, or None."""
        record = self._records.get(str(index))
        if record is None:
            return "no record in the manifest (written after the last one, or not by this run)"
        try:
            digest = sha256_file(path)
        except OSError as exc:
            return f"unreadable ({exc})"
        if digest != record.get("sha256"):
            return "its content hash differs from the manifest's (truncated, replaced or edited)"
        return None

    def finished(self) -> set[int]:
        """Indices of the batches already written whose files pass verification.

        A batch file that fails verification is removed (so it is recomputed) and reported through
        ``log``; a file in ``batches/`` that is not a batch file is ignored with a warning.
        """
        done = set()
        for path in sorted(self.batches.glob("*")):
            if path.name.startswith("."):
                continue  # a temporary file of an interrupted write
            match = _BATCH_NAME.fullmatch(path.name)
            if match is None or not path.is_file():
                if path not in self._ignored:
                    self._ignored.add(path)
                    self.log(f"warning: ignoring {path}: not a batch file of electroscreen")
                continue
            index = int(match.group(1))
            problem = self._verify(index, path)
            if problem is not None:
                self.log(f"batch {index} ({path.name}) failed verification: {problem}; recomputing")
                path.unlink(missing_ok=True)
                self._records.pop(str(index), None)
                continue
            done.add(index)
        return done

    def write(self, index: int, frame: pd.DataFrame) -> Path:
        """Write one batch's rows atomically (temporary file, fsync, rename) and record it."""
        path = self.path(index)
        tmp = atomic_temp_path(path)
        frame.to_parquet(tmp, index=False)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        ids = (
            frame["candidate_id"].astype(str)
            if "candidate_id" in frame
            else pd.Series([], dtype=str)
        )
        self._records[str(index)] = {
            "rows": len(frame),
            "first_id": ids.iloc[0] if len(ids) else None,
            "last_id": ids.iloc[-1] if len(ids) else None,
            "sha256": sha256_file(path),
        }
        if self._manifest:
            self._write_manifest()
        return path

    def paths(self) -> Iterator[Path]:
        """Batch files in batch order (those written or verified in this session)."""
        indices = sorted(int(k) for k in self._records)
        yield from (self.path(i) for i in indices if self.path(i).is_file())

    def read_state(self) -> dict:
        """The run's ``state.json`` (e.g. its MLflow ``run_id``) as a dict; empty when there is
        none."""
        path = self.out / "state.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def write_config(self, text: str) -> None:
        """Write the effective screening config (YAML) to ``screening.yaml``, atomically."""
        _atomic_write_text(self.out / CONFIG_FILE, text)

    def write_state(self, **values: object) -> None:
        """Merge ``values`` into ``state.json``, written atomically."""
        _atomic_write_text(self.out / "state.json", json.dumps({**self.read_state(), **values}))
