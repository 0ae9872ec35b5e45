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


def test_commands_make_openmp_threads_wait_passively_unless_the_user_chose(tmp_path, monkeypatch):
    """The CLI (never library code) asks OpenMP for passive waiting before anything loads OpenMP;
    a value the user set is kept."""
    import os
    import subprocess
    import sys

    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\n")
    args = ["data", "info", str(tmp_path / "pool.csv")]
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert CliRunner().invoke(app, args).exit_code == 0
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert CliRunner().invoke(app, args).exit_code == 0
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
    # importing the CLI loads no OpenMP runtime, so the setting is read when one loads
    probe = (
        "import electroscreen.cli; print(any('gomp' in line for line in open('/proc/self/maps')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_commands_keep_arrow_off_huge_pages_unless_the_user_chose(tmp_path, monkeypatch):
    """The CLI asks Arrow's allocator for small pages (huge ones cost 4-5 s of system time in a
    200,000-formula screen) before pyarrow loads; a user's value is kept."""
    import os
    import subprocess
    import sys

    (tmp_path / "pool.csv").write_text("formula\nLi3PS4\n")
    args = ["data", "info", str(tmp_path / "pool.csv")]
    monkeypatch.delenv("MIMALLOC_ALLOW_THP", raising=False)
    assert CliRunner().invoke(app, args).exit_code == 0
    assert os.environ["MIMALLOC_ALLOW_THP"] == "0"
    monkeypatch.setenv("MIMALLOC_ALLOW_THP", "1")
    assert CliRunner().invoke(app, args).exit_code == 0
    assert os.environ["MIMALLOC_ALLOW_THP"] == "1"
    # importing the CLI loads no Arrow, so mimalloc reads the setting when pyarrow loads
    probe = "import sys, electroscreen.cli; print('pyarrow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_named_data_folder_without_the_data_is_an_error_not_a_traceback(tmp_path):
    """``ELECTROSCREEN_DATA`` set to a folder without OBELiX (the README's tour pasted on a clone
    without ../shared/data) printed an 85-line traceback with exit 1; now one line, exit 2, and
    no MLflow run."""
    from pathlib import Path

    import electroscreen

    config = Path(electroscreen.__file__).parent / "configs" / "conductivity.yaml"
    env = {"ELECTROSCREEN_DATA": str(tmp_path / "nothere"), "COLUMNS": "300"}
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = ["train", "--config", str(config), "--tracking-uri", store]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "missing OBELiX files" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(
        app, ["generate", "--obelix", "--out", str(tmp_path / "g.npz")], env=env
    )
    assert result.exit_code == 2 and "missing OBELiX files" in result.output
