"""A wheel install (not editable, outside the repository) has its default configs and screens.

The wheel is built from a copy of the package sources and installed without dependencies into a
fresh virtual environment; the dependencies come from the test environment's site-packages through
a ``.pth`` line (the editable install's finder is not loaded that way), so the import of
``electroscreen`` can only resolve to the wheel. The wheel's kernels start from the Numba cache the
test session already wrote for the same sources (Numba keys that cache on each source file's hash,
so a file that differs is compiled again): the screen in the wheel runs the wheel's own code without
compiling the same kernels a second time (about 50 s of CI time).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory) -> Path:
    """``bin/`` of a fresh venv holding only the electroscreen wheel (deps seen through a .pth)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "electroscreen", source / "electroscreen",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))  # fmt: skip
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(source)],
        check=True,
    )
    (wheel,) = (root / "dist").glob("electroscreen-*.whl")
    with zipfile.ZipFile(wheel) as archive:  # the fitted stabilisation models ship as data
        assert "electroscreen/featurizers/data/stabilisation_models.npz" in archive.namelist()
    env = root / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib, "test_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    _copy_jit_cache(REPO / "electroscreen", Path(purelib) / "electroscreen")
    return env / "bin"


def _jit_cache_dir(folder: Path) -> Path:
    """Where Numba caches the kernels of the modules in ``folder``: its subfolder of
    ``$NUMBA_CACHE_DIR`` when that is set (the Makefile sets it), else ``folder/__pycache__``."""
    from numba.core import config
    from numba.core.caching import UserProvidedCacheLocator

    if config.CACHE_DIR:
        subpath = UserProvidedCacheLocator.get_suitable_cache_subpath(str(folder / "__init__.py"))
        return Path(config.CACHE_DIR) / subpath
    return folder / "__pycache__"


def _copy_jit_cache(package: Path, installed: Path) -> int:
    """Copy the Numba cache files (``*.nbi``, ``*.nbc``) of ``package``'s modules to where Numba
    looks for those of the same modules under ``installed``; the number copied. Numba uses an
    entry only where the installed source file hashes as the one it was compiled from."""
    copied = 0
    for folder in sorted({path.parent for path in package.rglob("*.py")}):
        target = _jit_cache_dir(installed / folder.relative_to(package))
        for cached in sorted(_jit_cache_dir(folder).glob("*.nb[ic]")):
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, target / cached.name)
            copied += 1
    return copied


def _run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "electroscreen"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_wheel_imports_from_itself_with_configs(wheel_env, tmp_path):
    code = (
        "import electroscreen, electroscreen.configs as c; "
        "print(electroscreen.__file__); print(c.config_path('screening.yaml').is_file())"
    )
    run = subprocess.run(
        [str(wheel_env / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    where, found = run.stdout.split()
    assert str(wheel_env.parent) in where and str(REPO) not in where
    assert found == "True"
    help_run = _run(wheel_env, "demo", "--help", cwd=tmp_path)
    assert help_run.returncode == 0 and "demo" in help_run.stdout


def test_the_wheel_screens_formulas_from_an_empty_folder(wheel_env, tmp_path, model_store):
    pool = tmp_path / "pool.csv"
    pd.DataFrame({"formula": ["Li3PS4", "Li7La3Zr2O12", "LiXx2"]}).to_csv(pool, index=False)
    run = _run(wheel_env, "screen", str(pool), "--out", "out", "--tracking-uri", model_store.uri,
               cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert len(results) == 3
    assert results.set_index("formula").loc["Li3PS4", "status"] == "ok"
    assert results["pred_log10_sigma"].notna().sum() == 2
