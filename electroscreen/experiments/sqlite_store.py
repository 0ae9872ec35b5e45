"""The first opening of a SQLite tracking store, one process at a time.

MLflow creates a new SQLite store's tables, and runs its schema migrations, the first time a process
opens it (``SqlAlchemyStore.__init__``). Two processes doing this at once on a new file (a job array
started together) break each other half-way (``table ... already exists``, an alembic
``CommandError``), and the store is left half made: retrying cannot repair it. :func:`open_sqlite_store`
opens such a store under an exclusive lock on a sibling file (``<db>.lock``) so the first process
makes it whole and the others find it done. A store already whole is opened without the lock.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

__all__ = ["open_sqlite_store", "sqlite_file"]

_PREFIX = "sqlite:///"

#: URIs this process has opened (MLflow keeps the store objects it built for the process's lifetime).
_OPENED: set[str] = set()
_OPENING = threading.Lock()


def sqlite_file(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (absolute), ``None`` for other stores and ``:memory:``."""
    if not uri.startswith(_PREFIX):
        return None
    path = uri.removeprefix(_PREFIX)
    if not path or path.startswith(":memory:"):
        return None
    return Path(path).absolute()


def open_sqlite_store(uri: str) -> None:
    """Make sure the SQLite store ``uri`` exists whole, creating it under a lock if it does not.

    Does nothing for other URIs, or when this process has already opened ``uri``. A store whose
    schema is already current (MLflow's latest migration and the default experiment recorded) is
    opened without the lock; otherwise the tracking and registry stores are built while holding an
    exclusive ``flock`` on ``<db>.lock`` (the file stays; the lock goes with the process). When
    the lock file cannot be opened (a read-only folder) the store is opened as before, unlocked.
    """
    path = sqlite_file(uri)
    if path is None or uri in _OPENED:
        return
    with _OPENING:
        if uri in _OPENED:
            return
        if not _schema_current(path):
            _build_locked(uri, path.with_name(path.name + ".lock"))
        _OPENED.add(uri)


def _build_locked(uri: str, lock_path: Path) -> None:
    from mlflow import MlflowClient

    try:
        handle = lock_path.open("a")
    except OSError:  # a read-only folder, a missing one (MLflow's own error says so below)
        handle = None
    try:
        if handle is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError:  # a file system without locks: open it as before
                pass
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)  # builds the tracking store: tables, migrations
        client.search_registered_models(max_results=1)  # and the registry's
    finally:
        if handle is not None:
            handle.close()  # releases the lock


def _schema_current(path: Path) -> bool:
    """Whether the store at ``path`` is whole: MLflow's latest migration and experiment 0 recorded.

    Read with the standard library, read-only; any doubt (no file, a busy database, an MLflow that
    names its latest revision differently) answers ``False``, which only means taking the lock.
    """
    if not path.is_file():
        return False
    try:
        from mlflow.store.db.utils import _get_latest_schema_revision

        latest = _get_latest_schema_revision()
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1)) as db:
            (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
            default = db.execute("SELECT 1 FROM experiments WHERE experiment_id = 0").fetchone()
    except Exception:  # noqa: BLE001 - any doubt means "take the lock"
        return False
    return version == latest and default is not None
