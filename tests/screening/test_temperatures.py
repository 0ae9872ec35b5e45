"""What ``screen`` says about its temperatures: one ranking across several, kelvin-like values,
temperature columns under another name (an ML engineer's audit, finding 10)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from electroscreen.cli import app
from electroscreen.experiments.pyfunc import load_predictor
from electroscreen.screening.runner import screen
from electroscreen.screening.screen_config import KelvinWarning, load_screening_config

RANKING = "the ranking compares conductivities predicted at"
KELVIN_ROWS = "that looks like kelvin"
UNREAD = "input column 'T_C' looks like a temperature but is not read"


@pytest.fixture
def temperature_table(tmp_path):
    """One composition at 25 and 80 degC (ids a, a~2), one at 298.15 "degC", one whose 80 degC
    sits in a column named ``T_C``."""
    path = tmp_path / "temps.csv"
    pd.DataFrame(
        {
            "id": ["a", "a", "k", "u"],
            "formula": ["Li7La3Zr2O12", "Li7La3Zr2O12", "Li3PS4", "Li3InCl6"],
            "temperature_c": ["25", "80", "298.15", ""],
            "T_C": ["", "", "", "80"],
        }
    ).to_csv(path, index=False)
    return path


def _screen(model_store, path, out, said, **overrides):
    return screen(
        [path], out, config=load_screening_config(**overrides), tracking_uri=model_store.uri,
        track=False, progress=False, log=said.append,
    ).results.set_index("candidate_id")  # fmt: skip


def test_a_screen_says_what_it_did_with_its_temperatures(model_store, temperature_table, tmp_path):
    """One ranking across temperatures stays (a row at 80 degC ranks above the same composition
    at 25 degC), said once with the temperatures; a kelvin-like cell is predicted as given and
    noted; a ``T_C`` column is noted on its row, which is predicted at the config's 25 degC."""
    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _screen(model_store, temperature_table, tmp_path / "out", said)
    # the run says it once, below; predict_frame's own warning is for callers without the notes
    assert not [w for w in caught if issubclass(w.category, KelvinWarning)]
    assert (got["status"] == "ok").all()
    assert got.loc["a~2", "rank"] < got.loc["a", "rank"]  # hotter conducts better
    ranking = [line for line in said if RANKING in line]
    assert len(ranking) == 1 and "3 temperatures (25, 80, 298.15 degC" in ranking[0]
    kelvin = [line for line in said if KELVIN_ROWS in line]
    assert len(kelvin) == 1 and kelvin[0].startswith("warning: 1 row has") and "298.15" in kelvin[0]
    assert sum(UNREAD in line for line in said) == 1
    notes = got["pred_feature_status"].str.split(",")
    assert "conductivity:temperature:looks_like_kelvin" in notes["k"]
    assert "conductivity:temperature:unread_column=T_C" in notes["u"]
    assert not any("temperature" in n for n in notes["a"] + notes["a~2"])
    conductivity = load_predictor(model_store.conductivity, model_store.uri)
    with pytest.warns(KelvinWarning, match=r"^1 row\(s\)"):
        expected = conductivity.predict_frame(
            pd.DataFrame({"formula": ["Li3PS4", "Li3InCl6"], "temperature_c": [298.15, 25.0]})
        )["pred_log10_sigma"].to_numpy()
    np.testing.assert_allclose(got.loc[["k", "u"], "pred_log10_sigma"], expected, rtol=1e-12)
    said.clear()  # one temperature, no look-alike: nothing to say
    plain = tmp_path / "plain.csv"
    pd.read_csv(temperature_table).drop(columns=["temperature_c", "T_C"]).to_csv(plain, index=False)
    _screen(model_store, plain, tmp_path / "plain", said, temperature_c=80.0)
    assert not [line for line in said if "temperature" in line]


def test_a_kelvin_like_config_temperature_is_said_once_naming_file_and_field(tmp_path):
    path = tmp_path / "kelvin.yaml"
    path.write_text("temperature_c: 298.15\n")
    with pytest.warns(KelvinWarning, match=f"{path}: temperature_c = 298.15 looks like .* kelvin"):
        config = load_screening_config(path)
    assert config.temperature_c == 298.15  # read as written: 298.15 degC can be meant
    with pytest.warns(KelvinWarning, match="the override temperature_c = 323.15"):
        load_screening_config(path, temperature_c=323.15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in (25, 80, 300, 298.2):
            path.write_text(f"temperature_c: {value}\n")
            load_screening_config(path)


def test_the_cli_says_a_kelvin_config_once_and_shows_each_rows_temperature(
    model_store, temperature_table, tmp_path
):
    """The config's 298.15 is one ``warning:`` line (no Python warning with its source line);
    the row that took it from the config is not counted again among the table's kelvin-like
    cells; the top table shows each row's temperature and both rows of Li7La3Zr2O12 (one row per
    composition and temperature: with one row per chemistry, the default, its 80 degC row is
    represented by its better-ranked one)."""
    config = tmp_path / "kelvin.yaml"
    config.write_text("temperature_c: 298.15\nranking:\n  diversity_distance: 0\n")
    result = CliRunner().invoke(
        app,
        ["screen", str(temperature_table), "--out", str(tmp_path / "out"), "--config", str(config),
         "--tracking-uri", model_store.uri, "--no-track", "--device", "cpu"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert sum(f"warning: {config}: temperature_c = 298.15" in line for line in lines) == 1
    assert "KelvinWarning" not in result.stderr and "warnings.warn" not in result.stderr
    assert sum("1 row has a temperature_c that looks like kelvin" in line for line in lines) == 1
    rows = [line.split("│") for line in result.stdout.splitlines() if line.startswith("│")]
    assert "T (°C)" in result.stdout
    shown = {(r[2].strip(), r[4].strip()) for r in rows if len(r) > 4}
    assert {("a", "25"), ("a~2", "80"), ("k", "298.15"), ("u", "298.15")} <= shown
