"""Dask scale-out on loopback with real worker processes: same output as the serial run.

``screen(workers=N)`` is ``dask_client(workers=N)`` plus ``screen(scheduler=...)`` on it; the test
builds the cluster with ``dask_client`` once and screens through its scheduler address.
"""

from __future__ import annotations

import os
import time

import dask
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from electroscreen.screening.distributed import dask_client
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import load_screening_config

from .conftest import POOL_FORMULAS


@pytest.fixture
def pool(tmp_path):
    formulas = POOL_FORMULAS * 8
    path = tmp_path / "pool.csv"
    pd.DataFrame({"formula": formulas}).to_csv(path, index=False)
    return path


def _screen(pool, out, uri, **kwargs):
    return screen(
        [pool], out, config=load_screening_config(batch_size=7), tracking_uri=uri,
        track=False, progress=False, **kwargs,
    )  # fmt: skip


def _tls_config(security, folder) -> dict[str, object]:
    """Dask config naming files (in a private ``folder``) that hold ``security``'s credentials."""
    folder.mkdir(mode=0o700)
    paths = {}
    for key, field in [("ca-file", "tls_ca_file"), ("client.cert", "tls_client_cert"),
                       ("client.key", "tls_client_key")]:  # fmt: skip
        paths[key] = folder / f"{field}.pem"
        paths[key].write_text(getattr(security, field))
    config = {f"distributed.comm.tls.{key}": str(path) for key, path in paths.items()}
    return {**config, "distributed.comm.require-encryption": True}


def _worker_env() -> tuple[str | None, int]:
    import threading

    return os.environ.get("NUMBA_NUM_THREADS"), threading.active_count()


def test_two_worker_processes_rank_like_the_serial_run(model_store, pool, tmp_path):
    serial = _screen(pool, tmp_path / "serial", model_store.uri)
    with dask_client(workers=2) as client:
        info = client.scheduler_info()
        assert info["address"].startswith("tls://127.0.0.1:")
        assert client.dashboard_link.startswith("http://127.0.0.1:")  # no 0.0.0.0 listener
        assert all(w.startswith("tls://127.0.0.1:") for w in info["workers"])
        assert len(info["workers"]) == 2
        assert sorted(client.nthreads().values()) == [1, 1]
        pids = client.run(os.getpid)
        assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
        assert {v[0] for v in client.run(_worker_env).values()} == {"1"}
        # --scheduler on a TLS scheduler: its credentials through Dask's config, as docs/scaling.md
        with dask.config.set(_tls_config(client.security, tmp_path / "tls")):
            joined = _screen(pool, tmp_path / "joined", model_store.uri, scheduler=info["address"])
    assert_frame_equal(joined.results, serial.results)
    assert (serial.results["rank"] > 0).sum() > 50


def _attack(address: str, **kwargs) -> str:
    """What another user on this machine gets when they connect to ``address`` and run code."""
    from distributed import Client

    try:
        with Client(address, timeout=3, **kwargs) as client:
            return f"ran in {sorted(client.run(os.getpid).values())}"
    except (OSError, TimeoutError) as exc:
        return f"refused: {type(exc).__name__}"


def test_another_local_user_cannot_run_code_in_the_local_workers():
    """``--workers`` / ``--cluster local`` bound 127.0.0.1 without authentication: any user of a
    shared login node could find the port (``/proc/net/tcp``) and run code in the workers. Their
    scheduler and workers now speak TLS with temporary credentials held by ``screen`` alone."""
    from distributed import Security

    from electroscreen.screening.cluster import make_cluster

    with dask_client(workers=1) as client:
        address = client.scheduler_info()["address"]
        assert address.startswith("tls://127.0.0.1:")
        assert all(w.startswith("tls://") for w in client.scheduler_info()["workers"])
        hostport = address.split("://", 1)[1]
        assert _attack(f"tcp://{hostport}").startswith("refused")
        assert _attack(address, security=Security.temporary()).startswith("refused")  # other CA
        own = Security.temporary()  # trusts the scheduler, shows a certificate of its own
        forged = Security(tls_ca_file=client.security.tls_ca_file, tls_client_cert=own.tls_client_cert,
                          tls_client_key=own.tls_client_key, require_encryption=True)  # fmt: skip
        assert _attack(address, security=forged).startswith("refused")
        assert _attack(address, security=client.security).startswith("ran in")  # the owner
    with make_cluster("local") as cluster:  # --cluster local: the same options
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")


def test_workers_and_scheduler_are_exclusive(model_store, pool, tmp_path):
    from electroscreen.screening.runner import ScreeningError

    with pytest.raises(ScreeningError, match="either workers or scheduler"):
        _screen(pool, tmp_path / "x", model_store.uri, workers=2, scheduler="tcp://127.0.0.1:1")


class _Batch:
    def __init__(self, index: int) -> None:
        self.index = index


def _timed_work(batch: _Batch) -> tuple[float, float]:
    start = time.time()
    time.sleep(0.3)
    return start, time.time()


def test_workers_joining_after_the_start_get_batches():
    """The window of batches in flight was fixed when the screening started: with batch-system
    jobs still queued then (one worker), later workers sat idle. It now grows as workers join."""
    from distributed import Client, LocalCluster

    from electroscreen.screening.distributed import map_batches

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        spans, seen = [], []
        for k, (index, span) in enumerate(map_batches(client, _timed_work, map(_Batch, range(30)))):
            spans.append(span)
            seen.append(index)
            if k == 0:
                cluster.scale(6)
                client.wait_for_workers(6)
    assert sorted(seen) == list(range(30))
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = np.cumsum([step for _, step in events])
    assert running.max() >= 5  # the fixed window of 4 capped it at 4


def _work_with(batch: _Batch, settings: dict) -> tuple[float, float]:
    assert settings == {"filters": 1}
    return _timed_work(batch)


def test_batches_wait_for_a_first_worker_and_survive_losing_it():
    """With no worker yet (batch-system jobs still queued) the batches wait: a broadcast scatter of
    the arguments failed with "No valid workers found" after ~30 s. A worker that dies takes no
    arguments with it: its batches rerun on the next one (they were "lost scattered data")."""
    import threading

    from distributed import Client, LocalCluster

    from electroscreen.screening.distributed import map_batches

    with (
        LocalCluster(n_workers=0, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        threading.Timer(2.0, cluster.scale, args=(1,)).start()
        seen = []
        for k, (index, _) in enumerate(
            map_batches(client, _work_with, map(_Batch, range(8)), {"filters": 1}, window=2)
        ):
            seen.append(index)
            if k == 1:  # the only worker dies; a new one replaces it
                client.restart_workers(list(client.scheduler_info()["workers"]))
    assert sorted(seen) == list(range(8))


def test_a_worker_in_another_folder_refuses_relative_paths(tmp_path, monkeypatch):
    """A file batch planned in one folder and run by a worker started in another fails with a
    message (it gave missing_file rows, recorded as done, so a rerun kept them)."""
    from electroscreen.screening.batch import _check_worker_folder
    from electroscreen.screening.inputs import Batch

    (tmp_path / "a.cif").write_text("data_x\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    batch = Batch(0, "files", tmp_path, 0, files=[tmp_path / "a.cif", "a.cif"], cwd=str(tmp_path))
    _check_worker_folder(batch)  # the folder it was planned in
    monkeypatch.chdir(elsewhere)
    with pytest.raises(FileNotFoundError, match="give absolute input paths"):
        _check_worker_folder(batch)
    absolute = Batch(0, "files", tmp_path, 0, files=[tmp_path / "a.cif"], cwd=str(tmp_path))
    _check_worker_folder(absolute)
