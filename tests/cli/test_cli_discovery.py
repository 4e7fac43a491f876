"""File discovery: recursion, default excludes, .gitignore, --exclude, explicit files, --force-exclude."""

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.cli import cli
from shapelint.config import DEFAULT_EXCLUDE, DEFAULT_INCLUDE
from shapelint.discovery import GitIgnore, MissingPath, discover, glob_match


def files(root: Path, paths=("."), **kw):
    kw.setdefault("exclude", DEFAULT_EXCLUDE)
    kw.setdefault("include", DEFAULT_INCLUDE)
    return [d for _, d in discover(list(paths), root, cwd=root, **kw)]


def touch(root: Path, *names: str) -> None:
    for n in names:
        p = root / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x = 1\n")


def test_recursion_include_and_default_excludes(tmp_path):
    touch(tmp_path, "a.py", "stub.pyi", "nb.ipynb", "readme.md", "pkg/sub/b.py",
          ".git/hooks/h.py", ".venv/lib/c.py", "venv/d.py", "build/e.py", "dist/f.py",
          "__pycache__/g.py", "node_modules/h.py", ".tox/i.py", "pkg/build/j.py")
    assert files(tmp_path) == ["a.py", "nb.ipynb", "pkg/sub/b.py"]  # stubs only when named
    assert files(tmp_path, paths=(".", "stub.pyi")) == ["a.py", "nb.ipynb", "pkg/sub/b.py", "stub.pyi"]
    assert files(tmp_path, include=[*DEFAULT_INCLUDE, "*.pyi"]) == ["a.py", "nb.ipynb", "pkg/sub/b.py", "stub.pyi"]


def test_gitignore_in_walked_folders_and_negation(tmp_path):
    touch(tmp_path, "keep.py", "gen/out.py", "pkg/tmp_x.py", "pkg/tmp_keep.py", "pkg/mod.py", "logs/deep/l.py")
    (tmp_path / ".gitignore").write_text("# generated\ngen/\nlogs\n")
    (tmp_path / "pkg" / ".gitignore").write_text("tmp_*.py\n!tmp_keep.py\n")
    assert files(tmp_path) == ["keep.py", "pkg/mod.py", "pkg/tmp_keep.py"]
    assert files(tmp_path, respect_gitignore=False) == [
        "gen/out.py", "keep.py", "logs/deep/l.py", "pkg/mod.py", "pkg/tmp_keep.py", "pkg/tmp_x.py"]


def test_gitignore_above_the_walked_folder_counts_inside_a_git_repo(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    touch(tmp_path, "src/a.py", "src/skip_me.py")
    (tmp_path / ".gitignore").write_text("/src/skip_me.py\n")
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("a.py\n")
    touch(tmp_path, "src/b.py")
    out = [d for _, d in discover(["src"], tmp_path, DEFAULT_EXCLUDE, DEFAULT_INCLUDE, cwd=tmp_path)]
    assert out == ["src/b.py"]


def test_anchored_and_dir_only_gitignore_patterns():
    gi = GitIgnore("/r", ["/top.py", "build/", "**/cache/*.py", "a/**/z.py", "\\#hash.py", "  ", "# c"])
    assert gi.verdict("/r/top.py", False) is True
    assert gi.verdict("/r/sub/top.py", False) is None
    assert gi.verdict("/r/x/build", True) is True
    assert gi.verdict("/r/x/build", False) is None
    assert gi.verdict("/r/p/q/cache/m.py", False) is True
    assert gi.verdict("/r/a/z.py", False) is True and gi.verdict("/r/a/b/c/z.py", False) is True
    assert gi.verdict("/r/#hash.py", False) is True
    assert gi.verdict("/elsewhere/top.py", False) is None


def test_exclude_and_extend_exclude_globs(tmp_path):
    touch(tmp_path, "a.py", "a_pb2.py", "scripts/gen/x.py", "scripts/run.py", "build/b.py")
    assert files(tmp_path, exclude=[*DEFAULT_EXCLUDE, "*_pb2.py", "scripts/gen"]) == ["a.py", "scripts/run.py"]
    # `exclude` replaces the default list: build/ comes back.
    assert files(tmp_path, exclude=["scripts"]) == ["a.py", "a_pb2.py", "build/b.py"]


def test_explicit_files_are_always_linted_unless_force_exclude(tmp_path):
    touch(tmp_path, "build/b.py", "gen/g.py", "notes.txt")
    (tmp_path / ".gitignore").write_text("gen/\n")
    assert files(tmp_path, ["build/b.py", "gen/g.py", "notes.txt"]) == ["build/b.py", "gen/g.py", "notes.txt"]
    assert files(tmp_path, ["build/b.py", "gen/g.py"], force_exclude=True) == ["gen/g.py"]
    assert files(tmp_path, ["build"], force_exclude=True) == []
    assert files(tmp_path, ["build"]) == ["build/b.py"]  # a folder named explicitly is entered


def test_duplicates_and_missing_paths(tmp_path):
    touch(tmp_path, "a.py")
    assert files(tmp_path, [".", "a.py", "./a.py"]) == ["a.py"]
    with pytest.raises(MissingPath, match="nope.py"):
        files(tmp_path, ["a.py", "nope.py"])


@pytest.mark.parametrize("pattern, path, expected", [
    ("*.py", "a/b/c.py", True),
    ("tests/*", "tests/unit/test_x.py", True),
    ("tests/*", "src/tests.py", False),
    ("src/**/gen_*.py", "src/a/b/gen_x.py", True),
    ("src/**/gen_*.py", "src/gen_x.py", True),
    ("b", "a/b/c.py", True),
    ("c.p?", "a/b/c.py", True),
    ("[ab].py", "b.py", True),
    ("[!ab].py", "b.py", False),
    ("./a/b", "a/b/c.py", True),
    ("a/b/", "a/bc/d.py", False),
])
def test_glob_match(pattern, path, expected):
    assert glob_match(pattern, path) is expected


def test_cli_force_exclude_and_exclude_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "bad.py").write_text("def f(:\n")
    (tmp_path / "bad.py").write_text("def f(:\n")
    run = lambda *a: CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", *a], catch_exceptions=False)
    paths = lambda r: sorted(d["path"] for d in json.loads(r.stdout))
    assert paths(run(".")) == ["bad.py", "gen/bad.py"]
    assert paths(run(".", "--extend-exclude", "gen")) == ["bad.py"]
    assert paths(run(".", "--exclude", "bad.py")) == []
    assert paths(run("gen/bad.py", "--extend-exclude", "gen")) == ["gen/bad.py"]
    r = run("gen/bad.py", "--extend-exclude", "gen", "--force-exclude")
    assert r.exit_code == 0 and paths(r) == []
    (tmp_path / ".gitignore").write_text("gen\n")
    assert paths(run(".")) == ["bad.py"]
    assert paths(run(".", "--no-respect-gitignore")) == ["bad.py", "gen/bad.py"]


def test_no_files_found_is_a_warning_not_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("hi\n")
    r = CliRunner().invoke(cli, ["check", "--no-cache"], catch_exceptions=False)
    assert r.exit_code == 0 and "no Python files" in r.stderr
