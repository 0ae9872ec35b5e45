"""Checkpoints are verified: tampered, truncated or unrecorded batches are recomputed, stray files
ignored, a foreign --out folder refused untouched, one run per folder, versions never mixed."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from electroscreen import __version__
from electroscreen.screening.checkpoint import (
    BatchStore,
    CheckpointLockedError,
    Manifest,
    ManifestMismatchError,
    atomic_temp_path,
)

MANIFEST = Manifest("cfg", "pool", "models:/c/1", "models:/a/1", "sqlite:///x.db", 2)


def _batch(index: int) -> pd.DataFrame:
    return pd.DataFrame({"candidate_id": [f"c{2 * index}", f"c{2 * index + 1}"], "x": [index] * 2})


def _store_with_batches(out, n: int = 3) -> BatchStore:
    store = BatchStore(out)
    store.open(MANIFEST)
    for i in range(n):
        store.write(i, _batch(i))
    return store


def test_manifest_records_version_rows_id_range_and_hash(tmp_path):
    _store_with_batches(tmp_path)
    stored = json.loads((tmp_path / "manifest.json").read_text())
    assert stored["package_version"] == __version__
    assert stored["batches"]["1"]["rows"] == 2
    assert (stored["batches"]["1"]["first_id"], stored["batches"]["1"]["last_id"]) == ("c2", "c3")
    assert len(stored["batches"]["1"]["sha256"]) == 64


def test_replaced_truncated_and_unrecorded_batches_are_recomputed(tmp_path):
    store = _store_with_batches(tmp_path, 4)
    shutil.copy(store.path(0), store.path(1))  # another valid batch: duplicated / missing ids
    data = store.path(2).read_bytes()
    store.path(2).write_bytes(data[: len(data) // 2])  # truncated
    _batch(9).to_parquet(store.path(9))  # not written by this run
    lines: list[str] = []
    again = BatchStore(tmp_path, log=lines.append)
    assert again.open(MANIFEST) == 2
    assert again.finished() == {0, 3}
    assert not store.path(1).exists() and not store.path(2).exists() and not store.path(9).exists()
    said = "\n".join(lines)
    assert "batch 1" in said and "batch 2" in said and "batch 9" in said and "recomputing" in said
    again.write(1, _batch(1))
    assert BatchStore(tmp_path).open(MANIFEST) == 3


def test_stray_files_are_ignored_with_a_warning(tmp_path):
    store = _store_with_batches(tmp_path, 2)
    (store.batches / "batch-abc.parquet").write_bytes(b"junk")
    (store.batches / "notes.txt").write_text("mine")
    with pytest.warns(UserWarning, match="batch-abc.parquet"):
        assert BatchStore(tmp_path).open(MANIFEST) == 2
    assert (store.batches / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2]"])
def test_unreadable_manifest_names_the_file(tmp_path, text):
    _store_with_batches(tmp_path, 1)
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(ManifestMismatchError, match="manifest.json"):
        BatchStore(tmp_path).open(MANIFEST)
    assert BatchStore(tmp_path).open(MANIFEST, fresh=True) == 0


def test_another_package_version_is_not_resumed(tmp_path):
    _store_with_batches(tmp_path, 1)
    upgraded = Manifest(*[getattr(MANIFEST, f) for f in ("config_digest", "input_digest",
                         "conductivity_model_uri", "stability_model_uri", "tracking_uri",
                         "batch_size")], package_version="99.0")  # fmt: skip
    with pytest.raises(ManifestMismatchError, match="package_version"):
        BatchStore(tmp_path).open(upgraded)


@pytest.mark.parametrize("fresh", [False, True])
def test_a_foreign_folder_is_refused_and_left_alone(tmp_path, fresh):
    (tmp_path / "batches").mkdir()
    (tmp_path / "batches" / "mine.parquet").write_text("user data")
    (tmp_path / "results.csv").write_text("user,results\n")
    (tmp_path / "state.json").write_text("{}")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    store = BatchStore(tmp_path)
    with pytest.raises(ManifestMismatchError, match="no manifest"):
        store.lock()
    with pytest.raises(ManifestMismatchError, match="no manifest"):
        store.open(MANIFEST, fresh=fresh)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "results.csv").read_text() == "user,results\n"


def test_one_run_per_folder(tmp_path):
    first = BatchStore(tmp_path)
    first.lock()
    try:
        with pytest.raises(CheckpointLockedError, match="in use"):
            BatchStore(tmp_path).lock()
    finally:
        first.unlock()
    with BatchStore(tmp_path):  # free again
        pass


def test_temporary_names_are_unique(tmp_path):
    names = {atomic_temp_path(tmp_path / "results.parquet") for _ in range(50)}
    assert len(names) == 50 and all(n.name.startswith(".results.parquet.tmp-") for n in names)
