"""Which code a run ran (``electroscreen/code_identity.py``)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from electroscreen import code_identity


def test_the_tags_name_the_files_and_the_checkout():
    tags = code_identity.code_tags()
    assert tags["electroscreen.version"] == code_identity.__version__
    assert tags["electroscreen.code_sha256"] == code_identity.code_digest()
    assert len(code_identity.code_digest()) == 64
    if shutil.which("git") is None:
        assert "electroscreen.git_commit" not in tags
        return
    head = subprocess.run(
        ["git", "-C", str(code_identity.PACKAGE_ROOT), "rev-parse", "HEAD"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if head.returncode:  # the package is not a checkout (an installed wheel)
        assert "electroscreen.git_commit" not in tags
    else:
        assert tags["electroscreen.git_commit"].removesuffix("+dirty") == head.stdout.strip()


@pytest.mark.parametrize("inside_checkout", [False, True])
def test_a_package_git_does_not_track_has_no_commit(tmp_path, monkeypatch, inside_checkout):
    """An installed copy, also one inside an ignored folder of a checkout (a wheel in the
    repository's .venv), must not claim the checkout's commit."""
    root = tmp_path
    if inside_checkout:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")  # the first case still runs
        git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        (tmp_path / ".gitignore").write_text("venv/\n")
        subprocess.run([*git, "add", ".gitignore"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "a checkout with a HEAD"], check=True)
        root = tmp_path / "venv" / "electroscreen"
    root.mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").write_text("")
    monkeypatch.setattr(code_identity, "PACKAGE_ROOT", root)
    code_identity.git_commit.cache_clear()
    try:
        assert code_identity.git_commit() is None
    finally:
        code_identity.git_commit.cache_clear()
