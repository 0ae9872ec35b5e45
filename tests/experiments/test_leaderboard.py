"""benchmarks/leaderboard.py: its arguments are checked before any config is evaluated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from electroscreen.models.splits import SCHEMES

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "leaderboard.py"


@pytest.fixture(scope="module")
def leaderboard():
    spec = importlib.util.spec_from_file_location("leaderboard", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_misspelt_scheme_is_refused_at_argument_parsing(leaderboard, capsys, monkeypatch):
    """It failed as a traceback after featurizing and after every scheme listed before it."""
    monkeypatch.setattr(leaderboard, "evaluate_config", pytest.fail)  # nothing may be evaluated
    with pytest.raises(SystemExit) as info:
        leaderboard.main(
            ["--configs", "configs/conductivity.yaml", "--schemes", "official,famly_cv"]
        )
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --schemes: unknown scheme(s) ['famly_cv']" in err
    assert all(scheme in err for scheme in SCHEMES)
    assert leaderboard.scheme_list("official, family_lofo") == ["official", "family_lofo"]


def test_help_lists_every_scheme(leaderboard, capsys):
    with pytest.raises(SystemExit):
        leaderboard.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(scheme in text for scheme in SCHEMES)  # it listed 4 of the 7
    assert "composition_cv, family_lofo: metrics in --json only" in text


def test_the_published_table_holds_only_figures_on_all_121_test_rows(leaderboard):
    """A structure model predicts only the test rows with a CIF: its protocol MAE is a mean over
    other rows and was printed beside the paper's 121-row figures."""
    table = leaderboard.published_table(
        [
            {"config": "configs/a.yaml", "official.mae_obelix_protocol": 1.5,
             "official.n_obelix_protocol": 121},
            {"config": "configs/graph.yaml", "official.mae_obelix_protocol": 1.9,
             "official.n_obelix_protocol": 67},
        ]
    )  # fmt: skip
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert rows == ["| `configs/a.yaml` (ours) | 1.500 |"]
    assert "`configs/graph.yaml` (67 rows)" in table
