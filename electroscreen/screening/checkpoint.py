"""Checkpoints of a screening run: a manifest that identifies the run and one Parquet file per batch.

Layout of an output folder::

    DIR/manifest.json          what decides the output: config digest, input digest, model URIs
    DIR/batches/batch-000000.parquet   one file per finished batch (written to a temporary name,
                               then renamed: a file that exists is complete)
    DIR/state.json             the MLflow run id of the run (so a resumed run continues it)

A rerun with the same arguments finds the same manifest and skips the batches already on disk; a
rerun whose manifest differs refuses to mix outputs (:class:`ManifestMismatchError`) unless asked to
start afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

__all__ = ["BatchStore", "Manifest", "ManifestMismatchError"]

MANIFEST_VERSION = 1


class ManifestMismatchError(RuntimeError):
    """The output folder holds checkpoints of a screening with other inputs, config or models."""


@dataclass(frozen=True)
class Manifest:
    """Everything that decides a screening's output; equal manifests mean resumable checkpoints."""

    config_digest: str
    input_digest: str
    conductivity_model_uri: str
    stability_model_uri: str
    tracking_uri: str
    batch_size: int
    version: int = MANIFEST_VERSION

    def digest(self) -> str:
        """SHA-256 of the manifest's canonical JSON."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


class BatchStore:
    """The checkpoint files of one output folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.batches = self.out / "batches"

    @property
    def manifest_path(self) -> Path:
        return self.out / "manifest.json"

    def open(self, manifest: Manifest, fresh: bool = False) -> int:
        """Prepare the folder for ``manifest``; returns how many finished batches can be reused.

        Raises
        ------
        ManifestMismatchError
            When the folder holds checkpoints of another screening and ``fresh`` is false.
        """
        self.batches.mkdir(parents=True, exist_ok=True)
        if self.manifest_path.is_file() and not fresh:
            stored = json.loads(self.manifest_path.read_text())
            if stored != asdict(manifest):
                changed = sorted(k for k in stored.keys() | asdict(manifest).keys()
                                 if stored.get(k) != asdict(manifest).get(k))  # fmt: skip
                raise ManifestMismatchError(
                    f"{self.out} holds checkpoints of another screening (differs in {changed}); "
                    "use another --out folder or --fresh to discard them"
                )
            return len(self.finished())
        shutil.rmtree(self.batches)
        self.batches.mkdir(parents=True)
        for name in ("state.json", "results.parquet", "results.csv"):
            (self.out / name).unlink(missing_ok=True)
        _atomic_write_text(self.manifest_path, json.dumps(asdict(manifest), indent=2))
        return 0

    def path(self, index: int) -> Path:
        """File of batch ``index``."""
        return self.batches / f"batch-{index:06d}.parquet"

    def finished(self) -> set[int]:
        """Indices of the batches already written."""
        return {int(p.stem.split("-")[1]) for p in self.batches.glob("batch-*.parquet")}

    def write(self, index: int, frame: pd.DataFrame) -> Path:
        """Write one batch's rows atomically (temporary file, fsync, rename)."""
        path = self.path(index)
        tmp = self.batches / f".{path.name}.tmp-{os.getpid()}"
        frame.to_parquet(tmp, index=False)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        return path

    def paths(self) -> Iterator[Path]:
        """Batch files in batch order."""
        yield from (self.path(i) for i in sorted(self.finished()))

    def read_state(self) -> dict:
        path = self.out / "state.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def write_state(self, **values: object) -> None:
        _atomic_write_text(self.out / "state.json", json.dumps({**self.read_state(), **values}))
