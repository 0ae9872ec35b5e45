"""``screen --cluster``: job scripts of the batch schedulers (no scheduler needed) and the same code
path end to end on a LocalCluster."""

from __future__ import annotations

import sys
import tempfile

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.screening.cluster import cluster_client, make_cluster
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import load_screening_config

from .conftest import POOL_FORMULAS

pytest.importorskip("dask_jobqueue", reason="pip install 'electroscreen[cluster]'")

SLURM = {
    "queue": "cpu", "account": "battery-project", "cores": 4, "memory": "16GB",
    "walltime": "02:00:00", "interface": "lo",
    "job_script_prologue": ["export ELECTROSCREEN_DATA=/shared/data"],
    "job_extra_directives": ["--constraint=skylake"],
    "shared_temp_directory": tempfile.gettempdir(),  # the jobs' TLS credentials
}  # fmt: skip


def test_slurm_job_script_runs_single_threaded_workers_of_this_python():
    with make_cluster("slurm", SLURM) as cluster:
        script = cluster.job_script()
        address = cluster.scheduler_address
    lines = script.splitlines()
    assert lines[0].startswith("#!")
    for directive in ("#SBATCH -p cpu", "#SBATCH -A battery-project", "#SBATCH -t 02:00:00",
                      "#SBATCH --cpus-per-task=4", "#SBATCH --constraint=skylake"):  # fmt: skip
        assert directive in lines, (directive, script)
    assert "export NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1" in lines
    assert "export ELECTROSCREEN_DATA=/shared/data" in lines
    # the exports come before the worker command, which is this interpreter's, 4 processes x 1 thread
    worker = next(line for line in lines if "distributed.cli.dask_worker" in line)
    assert lines.index(worker) > lines.index("export ELECTROSCREEN_DATA=/shared/data")
    assert worker.startswith(sys.executable)
    assert "--nworkers 4" in worker and "--nthreads 1" in worker
    assert address in worker


@pytest.mark.parametrize(
    ("kind", "directive"),
    [("pbs", "#PBS -q cpu"), ("sge", "#$ -q cpu"), ("lsf", "#BSUB -q cpu")],
)
def test_other_schedulers_share_the_path(kind, directive):
    drop = {"job_extra_directives", "account"}  # SGE and LSF have no `account`
    options = {k: v for k, v in SLURM.items() if k not in drop}
    with make_cluster(kind, options) as cluster:
        script = cluster.job_script()
    assert directive in script.splitlines()
    assert "export NUMBA_NUM_THREADS=1" in script and "--nthreads 1" in script


def test_a_jobqueue_scheduler_speaks_tls_and_its_dashboard_stays_on_loopback(tmp_path):
    """The scheduler of a batch-system cluster listens on the network: without TLS anyone who
    reaches the login node could run code in the jobs; its dashboard bound 0.0.0.0."""
    options = {**SLURM, "shared_temp_directory": str(tmp_path)}
    with make_cluster("slurm", options) as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        assert cluster.dashboard_link.startswith("http://127.0.0.1:")
        script = cluster.job_script()
        assert "--tls-ca-file" in script and str(tmp_path) in script
        ports = {s.getsockname()[:2] for s in cluster.scheduler.http_server._sockets.values()}
        assert {host for host, _ in ports} <= {"127.0.0.1"}
    with make_cluster("slurm", {**options, "security": False}) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")


def test_bad_kind_and_jobs_are_refused():
    with pytest.raises(ValueError, match="slurm, pbs, sge, lsf, local"):
        make_cluster("condor")
    with pytest.raises(ValueError, match="--jobs"), cluster_client("local", 0):
        pass


def test_screen_on_a_local_cluster_matches_the_serial_run(model_store, tmp_path):
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": POOL_FORMULAS * 4}).to_csv(pool, index=False)
    config = load_screening_config(batch_size=9)
    common = dict(config=config, tracking_uri=model_store.uri, track=False, progress=False)
    serial = screen([pool], tmp_path / "serial", **common)
    messages: list[str] = []
    on_cluster = screen([pool], tmp_path / "cluster", cluster="local", jobs=2,
                        cluster_config={"dashboard_address": None}, log=messages.append,
                        **common)  # fmt: skip
    assert_frame_equal(on_cluster.results, serial.results)
    assert (serial.results["rank"] > 0).sum() > 20


def test_cli_takes_cluster_options_and_reports_a_bad_config(model_store, tmp_path):
    config = tmp_path / "cluster.yaml"
    config.write_text(yaml.safe_dump(["not", "a", "mapping"]))
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": POOL_FORMULAS}).to_csv(pool, index=False)
    result = CliRunner().invoke(
        app, ["screen", str(pool), "--out", str(tmp_path / "o"), "--cluster", "slurm", "--jobs",
              "2", "--cluster-config", str(config), "--tracking-uri", model_store.uri, "--no-track"],
    )  # fmt: skip
    assert result.exit_code == 2 and "mapping of keyword arguments" in result.stderr
    unknown = CliRunner().invoke(
        app, ["screen", str(pool), "--out", str(tmp_path / "o"), "--cluster", "condor",
              "--tracking-uri", model_store.uri, "--no-track"],
    )  # fmt: skip
    assert unknown.exit_code == 2 and "condor" in unknown.stderr


@pytest.mark.parametrize("text", ["- not\n- a mapping\n", "3\n", "just text\n"])
def test_only_a_cluster_config_that_is_not_a_mapping_is_reworded(tmp_path, text):
    """``load_cluster_config`` rewords ``read_mapping``'s :class:`NotAMappingError` by its type,
    not by its text: a missing file or broken YAML whose message happens to hold "expected a
    mapping" (here: in the file's name) keeps its own message."""
    from electroscreen.experiments.config_files import ConfigError, NotAMappingError, read_mapping
    from electroscreen.screening.cluster import load_cluster_config

    folder = tmp_path / "expected a mapping"
    folder.mkdir()
    config = folder / "cluster.yaml"
    config.write_text(text)
    with pytest.raises(NotAMappingError):
        read_mapping(config)
    with pytest.raises(ConfigError) as reworded:
        load_cluster_config(config)
    assert str(reworded.value) == (
        f"{config}: the cluster config must be a mapping of keyword arguments"
    )
    with pytest.raises(ConfigError, match="config file not found"):
        load_cluster_config(folder / "absent.yaml")
    config.write_text("queue: [cpu\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_cluster_config(config)
