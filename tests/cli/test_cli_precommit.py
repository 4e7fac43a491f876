"""The pre-commit hook (.pre-commit-hooks.yaml), run for real by pre-commit in a scratch repository.

Slow-ish (pre-commit builds a virtualenv and installs shapelint into it from
this checkout, with its dependencies from PyPI), so it is marked `slow`.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / ".pre-commit-hooks.yaml"


def test_hook_definition():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "shapelint"
    assert hook["entry"] == "shapelint check --force-exclude"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "pyi", "jupyter"]
    assert hook["require_serial"] is True


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
                            GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed (pip install pre-commit)")
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_run_all_files(tmp_path):
    scratch = tmp_path / "project"
    scratch.mkdir()
    git(scratch, "init", "-q")
    (scratch / "bad.py").write_text("import numpy as np\n\ndef f(x:\n    return x\n")
    (scratch / "good.py").write_text("x = 1\n")
    (scratch / "build").mkdir()
    (scratch / "build" / "generated.py").write_text("def broken(:\n")  # excluded by default: --force-exclude
    (scratch / "nb.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# t\n"]},
                  {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": ["y = (\n"]}],
        "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4, "nbformat_minor": 5}))
    (scratch / "notes.txt").write_text("def not_python(:\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "init")

    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    cmd = ["pre-commit", "try-repo", str(REPO), "shapelint", "--all-files", "--color", "never"]
    p = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, env=env, timeout=900)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "shapelint" in out and "Failed" in out
    assert "bad.py:3:6: SL000" in out
    assert "nb.ipynb:cell 2:1:5: SL000" in out
    assert "generated.py" not in out and "notes.txt" not in out
    # Each try-repo builds a fresh environment (~20 s), so the clean case is
    # left to the other tests: one real run is the point here.
