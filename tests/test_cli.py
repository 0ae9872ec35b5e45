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
