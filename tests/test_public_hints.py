"""Every public function and method of the package has a type hint on each parameter.

Ruff keeps the return types and the docstrings (``ANN201``/``D1`` in pyproject.toml), but its
argument rule (``ANN001``) covers private helpers and Numba kernels too; this test covers the public
ones: functions of a module and methods of a class, neither named with a leading underscore.
"""

from __future__ import annotations

import ast
from pathlib import Path

import electroscreen

PACKAGE = Path(electroscreen.__file__).parent


def _public_functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE.parent).as_posix()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((f"{where}:{node.lineno} {node.name}", node))
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
                        found.append((f"{where}:{sub.lineno} {node.name}.{sub.name}", sub))
    return [(where, fn) for where, fn in found if not fn.name.startswith("_")]


def _unhinted(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = fn.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    return [a.arg for a in params if a.annotation is None and a.arg not in ("self", "cls")]


def test_public_functions_are_found():
    names = {where.rsplit(" ", 1)[1] for where, _ in _public_functions()}
    assert len(names) > 500
    assert {"parse_formula", "CandidatePredictor.fit", "environment"} <= names


def test_every_public_parameter_has_a_type_hint():
    missing = [f"{where} {_unhinted(fn)}" for where, fn in _public_functions() if _unhinted(fn)]
    assert not missing, "parameters without a type hint:\n" + "\n".join(missing)
