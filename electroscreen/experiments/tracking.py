"""MLflow tracking helpers: where runs go and small logging utilities shared by `train` and `screen`.

The store is resolved once, by :func:`resolve_tracking_uri`, and reached through an explicit
``MlflowClient`` (:func:`tracking_client`). Library code sets no MLflow global: where MLflow's fluent
API needs one (``mlflow.start_run`` and the ``mlflow.log_*`` calls of ``train``),
:func:`fluent_tracking` sets it for the duration of a ``with`` block and restores what was there.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from electroscreen.experiments.sqlite_store import open_sqlite_store, sqlite_file

__all__ = [
    "artifact_root",
    "fluent_tracking",
    "get_or_create_experiment",
    "is_transient",
    "read_run_artifact",
    "resolve_tracking_uri",
    "retry_tracking",
    "tracking_client",
]

T = TypeVar("T")

#: Words in an error that mark a store problem worth retrying: a race with another job (a dataset or
#: experiment created a moment earlier), a locked SQLite file, a busy or restarting server.
_TRANSIENT = (
    "unique constraint failed",
    "integrityerror",
    "already exists",
    "database is locked",
    "operationalerror",
    "temporarily unavailable",
    "connection",
    "timed out",
    "too many requests",
    "503",
    "502",
    "504",
    "429",
)


#: MLflow's HTTP client has already retried with backoff (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``,
#: default 7: minutes) when it says this; retrying again would multiply the wait for a store that is
#: down, not a race.
_ALREADY_RETRIED = "max retries exceeded"


def is_transient(exc: BaseException) -> bool:
    """Whether a tracking error looks transient (a race, a lock, a busy server): worth a retry.

    An HTTP error that MLflow's own client already retried (``Max retries exceeded``) is not.
    """
    text = f"{type(exc).__name__}: {exc}".lower()
    if _ALREADY_RETRIED in text:
        return False
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return any(word in text for word in _TRANSIENT)


def retry_tracking(
    call: Callable[..., T],
    *args: object,
    attempts: int = 6,
    base_delay: float = 0.2,
    **kwargs: object,
) -> T:
    """``call(*args, **kwargs)``, retried with exponential backoff and jitter on transient errors.

    Several jobs sharing one store (a job array on one SQLite file or one ``mlflow server``) race
    to create the same experiment or dataset and meet a locked database; each such error is
    retried up to ``attempts`` times in all (waits ``base_delay * 2**k``, jittered). Other errors,
    and the last transient one, are raised.
    """
    jitter = random.Random()  # noqa: S311 - timing jitter, not a result
    for attempt in range(attempts):
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            time.sleep(base_delay * 2**attempt * (0.5 + jitter.random()))
    raise AssertionError("unreachable")


def resolve_tracking_uri(uri: str | None = None) -> str:
    """The tracking URI to use: ``uri``, else ``$MLFLOW_TRACKING_URI``, else SQLite in the cwd.

    The default is MLflow 3's embedded store, ``sqlite:///<cwd>/mlflow.db`` (artifacts beside it in
    ``mlruns/``, see :func:`artifact_root`), so a run needs no server; ``electroscreen ui`` serves
    the same store. A relative SQLite path (``sqlite:///mlflow.db``) is made absolute here, once:
    a Dask worker or subprocess started in another folder would open (and create) another store.
    """
    chosen = uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not chosen:
        return f"sqlite:///{Path.cwd().resolve() / 'mlflow.db'}"
    prefix = "sqlite:///"
    path = chosen[len(prefix) :]
    if chosen.startswith(prefix) and path and not path.startswith(("/", ":memory:")):
        return f"{prefix}{Path(path).resolve()}"
    return chosen


def tracking_client(uri: str | None = None) -> MlflowClient:
    """An ``MlflowClient`` on the store :func:`resolve_tracking_uri` names (tracking and registry).

    A new SQLite store is created first, one process at a time
    (:func:`~electroscreen.experiments.sqlite_store.open_sqlite_store`).
    """
    resolved = resolve_tracking_uri(uri)
    open_sqlite_store(resolved)
    return MlflowClient(tracking_uri=resolved, registry_uri=resolved)


#: Environment variables MLflow's fluent setters write (so that subprocesses inherit them).
_FLUENT_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID")


def read_run_artifact(
    run_id: str, artifact_path: str, read: Callable[[str], T], tracking_uri: str | None = None
) -> T:
    """``read(path)`` of one artifact of a run, downloaded to a temporary folder removed after.

    Raises MLflow's ``MlflowException`` or ``OSError`` when the run has no such artifact.
    """
    from mlflow.artifacts import download_artifacts

    uri = resolve_tracking_uri(tracking_uri)
    open_sqlite_store(uri)
    with tempfile.TemporaryDirectory(prefix="electroscreen-artifact-") as tmp:
        path = download_artifacts(
            run_id=run_id, artifact_path=artifact_path, dst_path=tmp, tracking_uri=uri
        )
        return read(path)


def _fluent_globals() -> tuple[object, object, object]:
    """MLflow's module-level tracking URI, registry URI and active experiment id (``None`` if unset)."""
    from mlflow.tracking import _model_registry, _tracking_service, fluent

    return (
        getattr(_tracking_service.utils, "_tracking_uri", None),
        getattr(_model_registry.utils, "_registry_uri", None),
        getattr(fluent, "_active_experiment_id", None),
    )


def _restore_fluent_globals(saved: tuple[object, object, object]) -> None:
    from mlflow.tracking import _model_registry, _tracking_service, fluent

    tracking, registry, experiment = saved
    _tracking_service.utils._tracking_uri = tracking
    _model_registry.utils._registry_uri = registry
    fluent._active_experiment_id = experiment


@contextmanager
def fluent_tracking(uri: str | None = None) -> Iterator[str]:
    """Point MLflow's fluent API at :func:`resolve_tracking_uri` inside a ``with`` block.

    ``mlflow.start_run``, ``mlflow.log_*`` and ``mlflow.set_experiment`` read module-level state
    (tracking URI, registry URI, active experiment) and mirror it into environment variables. This
    is the one place electroscreen sets that state; on leaving the block, the previous values (unset
    included) and the environment variables are put back, so a caller's own MLflow setup survives a
    ``train``. Use :func:`tracking_client` wherever a client will do.

    Yields
    ------
    str
        The resolved tracking URI.
    """
    resolved = resolve_tracking_uri(uri)
    open_sqlite_store(resolved)
    saved = _fluent_globals()
    environment = {name: os.environ.get(name) for name in _FLUENT_ENV}
    try:
        mlflow.set_tracking_uri(resolved)
        mlflow.set_registry_uri(resolved)
        yield resolved
    finally:
        _restore_fluent_globals(saved)
        for name, value in environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def artifact_root(uri: str) -> Path | None:
    """Where the artifacts of a local SQLite store live: ``mlruns/`` beside the ``.db`` file.

    MLflow itself puts a new experiment's artifacts under ``./mlruns`` of whatever directory the
    process runs in; tying them to the store's folder keeps a store and its artifacts together
    (and ``electroscreen ui`` serves the same folder). ``None`` for servers and in-memory SQLite.
    """
    path = sqlite_file(uri)
    return None if path is None else path.parent / "mlruns"


def get_or_create_experiment(
    name: str, tracking_uri: str | None = None, kind: str | None = None
) -> str:
    """Id of the experiment ``name``, created if missing (artifacts under :func:`artifact_root`).

    Safe against a concurrent creation of the same experiment by another process. The experiment is
    tagged for MLflow's model-development view and, for ``kind`` ``train`` or ``screen``, gets a
    description unless it has one (:func:`electroscreen.experiments.notes.describe_experiment`).
    """
    from electroscreen.experiments.notes import describe_experiment

    uri = resolve_tracking_uri(tracking_uri)
    client = tracking_client(uri)
    experiment_id = retry_tracking(_get_or_create, client, name, artifact_root(uri))
    retry_tracking(describe_experiment, client, experiment_id, kind or "")
    return experiment_id


def _get_or_create(client: MlflowClient, name: str, root: Path | None) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = (root / name.replace("/", "_")).as_uri() if root is not None else None
    try:
        return client.create_experiment(name, artifact_location=location)
    except MlflowException:  # created meanwhile by another process
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id
