"""Bad input gives a finding or a clear message for that file, and the run goes on;
an analyzer crash is reported per file and makes the exit code 2."""

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import shapelint.analysis as analysis
import shapelint.runner as runner
from shapelint.cli import cli
from shapelint.diagnostics import FileResult
from shapelint.runner import RunOptions, Task, check_task, lint_bytes

REPO = Path(__file__).resolve().parents[2]
BAD_INPUT = REPO / "fixtures" / "bad_input"


def check(*args, **kw):
    return CliRunner().invoke(cli, ["check", "--no-cache", *args], catch_exceptions=False, **kw)


def test_bad_input_fixtures_each_get_a_clear_per_file_result(monkeypatch):
    monkeypatch.chdir(REPO)
    r = check("fixtures/bad_input", "--format", "json")
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    got = {(Path(d["path"]).name, d["code"]) for d in json.loads(r.stdout)}
    assert got == {
        ("syntax_error.py", "SL000"),
        ("latin1_without_declaration.py", "SL001"),
        ("binary_file.py", "SL001"),
        ("truncated.ipynb", "SL001"),
        ("not_a_notebook.ipynb", "SL001"),
        ("deeply_nested.py", "SL002"),  # 600 terms in one sum: CPython runs it, shapelint does not analyze it
    }
    assert "internal error" not in r.stderr


def test_readme_command_lints_all_fixtures_without_traceback(monkeypatch):
    monkeypatch.chdir(REPO)
    r = check("fixtures/", "--format", "concise", "-j", "1")
    assert r.exit_code == 1
    assert "Traceback" not in r.output and "internal error" not in r.output
    for name in ("syntax_error.py", "latin1_without_declaration.py", "binary_file.py", "truncated.ipynb"):
        assert f"fixtures/bad_input/{name}:" in r.stdout


def test_decode_messages_point_at_the_bad_byte():
    out = lint_bytes(b"# ok\nname = 'caf\xe9'\n", "l.py")
    (d,) = out.diagnostics
    assert (d.code, d.line, d.column) == ("SL001", 2, 12) and "0xe9" in d.message
    assert lint_bytes(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n", "l.py").diagnostics == []
    assert lint_bytes(b"\xef\xbb\xbfx = 1\n", "bom.py").diagnostics == []
    (d,) = lint_bytes(b"# coding: nonsense\nx = 1\n", "e.py").diagnostics
    assert d.code == "SL001" and "unknown encoding" in d.message
    (d,) = lint_bytes(b"\x7fELF\x02\x01\x00\x00", "bin.py").diagnostics
    assert d.code == "SL001" and "binary" in d.message
    (d,) = lint_bytes(b'{"cells": []}\xff', "nb.ipynb").diagnostics
    assert d.code == "SL001" and "UTF-8" in d.message


def test_ignoring_sl001_leaves_a_warning_on_stderr(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.py").write_bytes(b"x = '\xe9'\n")
    r = check("l.py", "--ignore", "SL001")
    assert r.exit_code == 0 and "l.py: warning: cannot decode" in r.stderr


def test_file_that_vanished_or_cannot_be_read(tmp_path):
    out = check_task(Task(str(tmp_path / "gone.py"), "gone.py", "gone.py", frozenset({"SL001"})), RunOptions())
    (d,) = out.diagnostics
    assert d.code == "SL001" and d.message.startswith("cannot read:")
    out = check_task(Task(str(tmp_path), "dir.py", "dir.py", frozenset({"SL001"})), RunOptions())
    assert out.diagnostics[0].message == "cannot read: is a directory"


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can read any file")
def test_permission_denied(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.py").write_text("x = 1\n")
    (tmp_path / "secret.py").chmod(0)
    r = check("secret.py")
    assert r.exit_code == 1 and "SL001" in r.stdout and "cannot read" in r.stdout


def test_fifty_thousand_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    body = "".join(f"value_{i} = {i} * 2\n" for i in range(50_000))
    (tmp_path / "big.py").write_text(body + "def broken(:\n")
    (tmp_path / "big_ok.py").write_text(body)
    start = time.perf_counter()
    r = check(".", "--format", "json", "-j", "1")
    assert time.perf_counter() - start < 30
    assert r.exit_code == 1
    assert [(d["path"], d["line"], d["code"]) for d in json.loads(r.stdout)] == [("big.py", 50_001, "SL000")]


def test_internal_error_is_reported_per_file_and_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crash.py").write_text("import numpy as np\nx = 1\n")
    (tmp_path / "fine.py").write_text("def f(:\n")
    real = analysis.analyze_source

    def flaky(source, path="<string>", codes=None, collect_shapes=False, **settings):
        if path.endswith("crash.py"):
            raise KeyError("boom")
        return real(source, path, codes, collect_shapes, **settings)

    monkeypatch.setattr(analysis, "analyze_source", flaky)
    r = check(".", "--format", "concise", "-j", "1")
    assert r.exit_code == 2
    assert "fine.py:1:7: SL000" in r.stdout  # the other file is still checked
    assert "crash.py: internal error: KeyError: 'boom'" in r.stderr
    assert "Traceback" not in r.stderr and "--verbose" in r.stderr
    r = check(".", "--format", "concise", "-j", "1", "--verbose")
    assert r.exit_code == 2 and "Traceback" in r.stderr and "in flaky" in r.stderr
    assert check(".", "--exit-zero", "-j", "1").exit_code == 2  # never a silent pass
    r = check(".", "--format", "sarif", "-j", "1")
    assert json.loads(r.stdout)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_internal_error_flagged_by_the_analyzer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")

    def crashed(source, path="<string>", codes=None, collect_shapes=False, **settings):
        return FileResult(path=path, error="internal error: ValueError: bad\nTraceback (most recent call last):\n  here",
                          internal_error=True)

    monkeypatch.setattr(analysis, "analyze_source", crashed)
    r = check("a.py", "-v")
    assert r.exit_code == 2 and "a.py: internal error: ValueError: bad" in r.stderr and "here" in r.stderr


def test_internal_errors_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(analysis, "analyze_source", lambda *a, **k: 1 / 0)
    r = CliRunner().invoke(cli, ["check", "a.py"], catch_exceptions=False)
    assert r.exit_code == 2
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["check", "a.py"], catch_exceptions=False).exit_code == 0


def test_process_pool_gives_the_same_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(12):
        (tmp_path / f"f{i:02}.py").write_text("def f(:\n" if i % 3 == 0 else f"x = {i}  # shapelint: ignore\n")
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": "y = (\n"}]}))
    calls = []
    real_pool = runner._run_pool

    def spy(tasks, opts, progress, workers):
        calls.append((len(tasks), workers))
        return real_pool(tasks, opts, progress, workers)

    monkeypatch.setattr(runner, "_run_pool", spy)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "_CAN_FORK", False)  # as elsewhere than Linux: -j 1 stays in this process
    in_process = check(".", "--format", "json", "--extend-select", "SL900", "-j", "1")
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "_run_pool", spy)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    serial = check(".", "--format", "json", "--extend-select", "SL900", "-j", "1")
    parallel = check(".", "--format", "json", "--extend-select", "SL900", "-j", "2")
    assert calls == ([(13, 1), (13, 2)] if runner._CAN_FORK else [(13, 2)])
    assert in_process.exit_code == serial.exit_code == parallel.exit_code == 1
    assert json.loads(in_process.stdout) == json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert len(json.loads(serial.stdout)) == 13


def test_small_runs_use_no_pool(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(runner, "_run_pool", lambda *a: pytest.fail("pool used for one small file"))
    assert check(".", "-j", "8").exit_code == 0


def test_one_job_checks_in_one_worker_process(tmp_path, monkeypatch):
    # --jobs 1 with several files: one worker process, so that a crash in a C
    # extension loses one file, not the run (a fork costs milliseconds).
    monkeypatch.chdir(tmp_path)
    for i in range(20):
        (tmp_path / f"f{i}.py").write_text("x = 1\n" * 5000)
    seen = []
    real_pool = runner._run_pool
    monkeypatch.setattr(runner, "_run_pool", lambda t, o, p, w: seen.append(w) or real_pool(t, o, p, w))
    assert check(".", "-j", "1").exit_code == 0
    assert seen == ([1] if runner._CAN_FORK else [])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_skipped_in_folders_and_reported_when_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "ok.py").write_text("x = 1\n")
    os.symlink(tmp_path / "missing.py", tmp_path / "dangling.py")
    assert check(".").exit_code == 0  # neither blocks nor fails
    r = check("pipe.py", "--format", "json")
    (d,) = json.loads(r.stdout)
    assert r.exit_code == 1 and d["code"] == "SL001" and d["message"] == "cannot read: not a regular file"


def test_stub_files_are_checked_only_when_named(tmp_path, monkeypatch):
    # numpy's typing test data: stubs that are wrong on purpose, not code to lint
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "fail.pyi").write_text("def f(:\n")
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    assert check(".").exit_code == 0
    r = check(".", "pkg/fail.pyi", "--format", "concise")
    assert r.exit_code == 1 and r.stdout.startswith("pkg/fail.pyi:1:7: SL000")
