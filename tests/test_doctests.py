"""Every docstring example in the package runs and prints what it says, so the examples cannot drift.

The modules are found by reading the files for ``>>>`` (nothing is imported at collection: a module
that needs an optional dependency is imported in its own test, and skipped, with the missing module
named, where that dependency is not installed). An example that needs data, a trained model or a
tracking store is marked ``# doctest: +SKIP`` in its docstring; a module that cannot be imported
for its examples is listed in :data:`NOT_RUN` with the reason.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import electroscreen

PACKAGE = Path(electroscreen.__file__).parent

#: Modules whose examples are not run here, and why.
NOT_RUN = {
    "electroscreen.cli.__main__": "importing it runs the command line (python -m electroscreen.cli)",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(
    _module_name(path)
    for path in PACKAGE.rglob("*.py")
    if ">>>" in path.read_text(encoding="utf-8")
)


def test_the_examples_are_found():
    """The scan finds the package's examples (a broken scan would run nothing and pass)."""
    assert "electroscreen.featurizers.structure.neighbors" in MODULES
    assert len(MODULES) > 30


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    if name in NOT_RUN:
        pytest.skip(NOT_RUN[name])
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] == "electroscreen":
            raise
        pytest.skip(f"{name} needs the optional module {error.name}, not installed")
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
