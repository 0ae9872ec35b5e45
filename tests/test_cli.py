import pytest
from typer.testing import CliRunner

from electroscreen.cli import app


def test_data_info_reports_statuses_and_errors(tmp_path):
    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\nLi7La3Zr2O12\nLi2XyZ\n")
    (tmp_path / "empty.cif").write_text("")
    args = ["data", "info", str(tmp_path), str(tmp_path / "nope.cif")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "5 candidates" in result.output
    for text in ("ok", "unknown_element", "empty_file", "missing_file", "Li2XyZ", "nope.cif"):
        assert text in result.output
    assert "2 composition-only" in result.output


def test_data_info_names_a_folder_without_candidate_files(tmp_path):
    """An empty folder added nothing and said nothing (a missing file has its own row)."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\n")
    args = ["data", "info", str(tmp_path / "empty"), str(tmp_path / "pool.csv")]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert f"no candidate file in {tmp_path / 'empty'} (the folder holds no candidate file)" in text
    assert text.startswith("1 candidates")


def test_data_info_says_a_cif_cell_is_a_path_not_cif_text(tmp_path):
    """Both rows said ``no data block lists atom sites (_atom_site_fract_x, _y, _z)``."""
    (tmp_path / "paths.csv").write_text("id,formula,cif\na,Li2S,structures/a.cif\n")
    result = CliRunner().invoke(app, ["data", "info", str(tmp_path / "paths.csv")],
                                env={"COLUMNS": "300"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "'structures/a.cif' looks like a file path" in result.output
    assert "no data block" not in result.output


#: Process settings the CLI (never library code) makes before the library that reads them loads:
#: (variable, the CLI's value, a user's value, a probe printing whether importing the CLI loaded
#: that library). OpenMP threads wait passively (spinning ones fight other jobs for the cores);
#: Arrow's allocator keeps off transparent huge pages (4-5 s of system time in a 200,000-formula
#: screen).
PROCESS_SETTINGS = [
    ("OMP_WAIT_POLICY", "PASSIVE", "ACTIVE",
     "import electroscreen.cli; print(any('gomp' in line for line in open('/proc/self/maps')))"),
    ("MIMALLOC_ALLOW_THP", "0", "1",
     "import sys, electroscreen.cli; print('pyarrow' in sys.modules)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "ours", "users", "probe"), PROCESS_SETTINGS)
def test_commands_set_process_settings_unless_the_user_chose(
    name, ours, users, probe, tmp_path, monkeypatch
):
    """Set before the library loads (importing the CLI does not load it), a user's value kept."""
    import os
    import subprocess
    import sys

    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\n")
    args = ["data", "info", str(tmp_path / "pool.csv")]
    monkeypatch.delenv(name, raising=False)
    assert CliRunner().invoke(app, args).exit_code == 0
    assert os.environ[name] == ours
    monkeypatch.setenv(name, users)
    assert CliRunner().invoke(app, args).exit_code == 0
    assert os.environ[name] == users
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_data_info_table_is_written_in_the_format_its_suffix_names(tmp_path):
    """``--table t.parquet`` got CSV text; ``--table t.txt`` is refused before any file is read."""
    import pandas as pd

    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\nLi2XyZ\n")
    for suffix in (".parquet", ".csv"):
        out = tmp_path / f"t{suffix}"
        args = ["data", "info", str(tmp_path / "pool.csv"), "--table", str(out)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert (out.read_bytes()[:4] == b"PAR1") == (suffix == ".parquet")
        frame = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
        assert frame["status"].tolist() == ["ok", "unknown_element"]
    bad = tmp_path / "t.txt"
    args = ["data", "info", str(tmp_path / "nope.csv"), "--table", str(bad)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and not bad.exists()
    assert " ".join(result.output.split()) == (
        f"error: --table {bad}: a table is written to .csv, .parquet or .pq, not '.txt'"
    )
