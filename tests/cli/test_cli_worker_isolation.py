"""A worker process that dies or hangs costs its own file only: that file is an
internal error (exit code 2) and every other file still gets its result.

The crashes come from a test-only hook (``_SHAPELINT_TEST_CRASH``) that acts in
worker processes only, never in the process that runs these tests.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import shapelint.runner as runner
from shapelint.rules import default_codes
from shapelint.runner import RunOptions, Task, run_tasks

pytestmark = pytest.mark.skipif(not runner._CAN_FORK, reason="worker isolation of small runs needs fork (Linux)")

BUGGY = "import numpy as np\na = np.ones((2, 3))\nb = np.ones((4, 5))\nc = a + b\n"


def make_files(tmp_path: Path, n: int = 5, pad: int = 0):
    paths = []
    for i in range(n):
        p = tmp_path / f"f{i}.py"
        p.write_text(BUGGY + "# padding\n" * pad)
        paths.append(p)
    victim = tmp_path / "victim.py"
    victim.write_text(BUGGY)
    paths.insert(2, victim)
    codes = frozenset(default_codes())
    return [Task(str(p), p.name, p.name, codes) for p in paths]


def outcomes_by_name(tasks, opts):
    return {o.path: o for o in run_tasks(tasks, opts)}


@pytest.mark.parametrize("how,why", [("segv", "killed by SIGSEGV"), ("exit", "exit code 3")])
def test_a_dead_worker_costs_only_its_file(tmp_path, monkeypatch, how, why):
    monkeypatch.setenv("_SHAPELINT_TEST_CRASH", f"{how}:victim")
    got = outcomes_by_name(make_files(tmp_path), RunOptions(jobs=1))
    victim = got.pop("victim.py")
    assert victim.internal_error and why in victim.message and "tried twice" in victim.message
    assert len(got) == 5
    for outcome in got.values():
        assert not outcome.internal_error
        assert [d.code for d in outcome.diagnostics] == ["SL101"]


def test_several_workers_and_a_dead_one(tmp_path, monkeypatch):
    monkeypatch.setenv("_SHAPELINT_TEST_CRASH", "segv:victim")
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    seen = []
    real = runner._run_pool
    monkeypatch.setattr(runner, "_run_pool", lambda t, o, p, w: seen.append(w) or real(t, o, p, w))
    got = outcomes_by_name(make_files(tmp_path, n=12), RunOptions(jobs=2))
    assert seen == [2]
    assert got.pop("victim.py").internal_error
    assert len(got) == 12 and all([d.code for d in o.diagnostics] == ["SL101"] for o in got.values())


def test_a_worker_that_died_once_is_given_the_file_again(tmp_path, monkeypatch):
    monkeypatch.setenv("_SHAPELINT_TEST_CRASH", "segv-once:victim")
    got = outcomes_by_name(make_files(tmp_path), RunOptions(jobs=1))
    assert (tmp_path / "victim.py.crashed").exists()  # it did crash once
    assert not any(o.internal_error for o in got.values())
    assert [d.code for d in got["victim.py"].diagnostics] == ["SL101"]


def test_a_hung_worker_is_killed_after_the_file_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("_SHAPELINT_TEST_CRASH", "hang:victim")
    start = time.monotonic()
    got = outcomes_by_name(make_files(tmp_path), RunOptions(jobs=1, file_timeout=1.0))
    assert time.monotonic() - start < 30
    victim = got.pop("victim.py")
    assert victim.internal_error and "took more than 1 s" in victim.message
    assert all([d.code for d in o.diagnostics] == ["SL101"] for o in got.values())


def test_file_timeout_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHAPELINT_FILE_TIMEOUT", "7.5")
    assert runner.file_timeout(RunOptions()) == 7.5
    monkeypatch.setenv("SHAPELINT_FILE_TIMEOUT", "soon")
    assert runner.file_timeout(RunOptions()) == runner.FILE_TIMEOUT
    assert runner.file_timeout(RunOptions(file_timeout=2)) == 2


def test_the_command_reports_the_crash_and_the_other_files(tmp_path):
    make_files(tmp_path)
    env = dict(os.environ, _SHAPELINT_TEST_CRASH="segv:victim")
    r = subprocess.run([sys.executable, "-m", "shapelint", "check", "--no-cache", "-j", "1", "--format", "json", "."],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "victim.py: internal error: the process checking this file died (killed by SIGSEGV" in r.stderr
    assert "Traceback" not in r.stderr
    found = json.loads(r.stdout)
    assert sorted(d["path"] for d in found) == [f"f{i}.py" for i in range(5)]


def test_no_worker_can_start_then_the_files_are_checked_here(tmp_path, monkeypatch):
    def no_fork(*args):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(runner, "_Worker", no_fork)
    got = outcomes_by_name(make_files(tmp_path, n=3), RunOptions(jobs=2))
    assert len(got) == 4 and all([d.code for d in o.diagnostics] == ["SL101"] for o in got.values())


def _slow_imports(monkeypatch, seconds: float):
    """Every project module's top level takes ``seconds`` (in the forked workers too)."""
    from shapelint.analysis.imports import ImportsMixin

    real = ImportsMixin.exec_library_module

    def slow(self, ctx):
        time.sleep(seconds)
        return real(self, ctx)

    monkeypatch.setattr(ImportsMixin, "exec_library_module", slow)


def _importing_task(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text("import numpy as np\nW = np.ones((4, 3))\n")
    main = tmp_path / "main.py"
    main.write_text("import numpy as np\nfrom helpers import W\nZ = np.dot(W, np.ones((2, 5)))\n")
    other = tmp_path / "other.py"  # (two files: one alone is checked without a worker)
    other.write_text(BUGGY)
    return [Task(str(p), str(p), p.name, frozenset(default_codes())) for p in (main, other)]


def test_running_the_imported_modules_is_not_the_files_time(tmp_path, monkeypatch):
    # the helper takes 2 s to run, the file's own limit is 1 s: the file is checked
    _slow_imports(monkeypatch, 2.0)
    outcome, _ = run_tasks(_importing_task(tmp_path), RunOptions(jobs=1, file_timeout=1.0))
    assert not outcome.internal_error, outcome.message
    assert [d.code for d in outcome.diagnostics] == ["SL102"]


def test_imported_modules_that_never_finish_are_still_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "IMPORTS_TIMEOUT_FACTOR", 2)
    _slow_imports(monkeypatch, 60.0)
    start = time.monotonic()
    outcome, other = run_tasks(_importing_task(tmp_path), RunOptions(jobs=1, file_timeout=1.0))
    assert time.monotonic() - start < 20
    assert [d.code for d in other.diagnostics] == ["SL101"]
    assert outcome.internal_error and "took more than 1 s" in outcome.message


@pytest.mark.parametrize("limit,least,workers", [(0, 1, 6), (0, 4, 2), (10**6, 1, 1)])
def test_a_worker_past_its_memory_is_replaced_after_its_file(tmp_path, monkeypatch, limit, least, workers):
    monkeypatch.setattr(runner, "WORKER_MEMORY_MB", limit)
    monkeypatch.setattr(runner, "WORKER_MIN_FILES", least)  # (checked before it may be replaced)
    started = []
    real = runner._Worker

    def counted(*args):
        started.append(1)
        return real(*args)

    monkeypatch.setattr(runner, "_Worker", counted)
    got = outcomes_by_name(make_files(tmp_path), RunOptions(jobs=1))
    assert len(started) == workers
    assert len(got) == 6 and all([d.code for d in o.diagnostics] == ["SL101"] for o in got.values())


class _Cyclic:
    pass


def test_a_long_run_frees_its_cyclic_garbage_once_its_memory_has_grown(monkeypatch):
    """What an analysis leaves in reference cycles is collected after a check once the process
    has grown by runner.GARBAGE_GROWTH_MB, not when Python's collector would next get to it."""
    import gc
    import weakref

    if not os.path.exists("/proc/self/statm"):
        pytest.skip("reads the resident memory from /proc")
    monkeypatch.setattr(runner, "_resident_after_collection", None)  # a new process: the first check sets the mark
    monkeypatch.setattr(runner, "_growth_mb", runner.GARBAGE_GROWTH_MB)
    monkeypatch.setattr(runner, "GARBAGE_FLOOR_MB", 0)  # (this process may be smaller than the floor)
    small = _Cyclic()
    small.me = small
    small_ref = weakref.ref(small)
    was_enabled = gc.isenabled()
    gc.disable()  # (Python's own collections would free them either way)
    try:
        del small
        runner.after_a_check()
        assert small_ref() is not None, "collected though the memory has not grown"
        big = _Cyclic()
        big.me = big
        big.payload = b"x" * ((runner.GARBAGE_GROWTH_MB + 16) << 20)
        big_ref = weakref.ref(big)
        del big
        runner.after_a_check()
        assert big_ref() is None and small_ref() is None
    finally:
        if was_enabled:
            gc.enable()


def test_a_collection_that_finds_little_garbage_makes_the_next_one_wait_for_twice_the_growth(monkeypatch):
    """Growth while the caches fill is not garbage: each collection that finds little doubles the
    growth the next waits for, up to a bound, and one that finds garbage brings it back."""
    import gc

    step = runner.GARBAGE_GROWTH_MB
    monkeypatch.setattr(runner, "_growth_mb", step)
    monkeypatch.setattr(runner, "_resident_mb", lambda pid: 10_000.0)
    found = iter([10, 10, 10, 10, 10, runner.USEFUL_COLLECTION])
    monkeypatch.setattr(gc, "collect", lambda *args: next(found))
    steps = []
    for _ in range(6):
        monkeypatch.setattr(runner, "_resident_after_collection", 0.0)  # grown past any step
        runner.collect_garbage_when_grown()
        steps.append(runner._growth_mb)
    assert steps == [2 * step, 4 * step, 4 * step, 4 * step, 4 * step, step]
    assert runner.MAX_GARBAGE_GROWTH_MB == 4 * step  # (the steps above assume it)


def test_a_process_below_the_floor_collects_nothing(monkeypatch):
    import gc

    collections = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    monkeypatch.setattr(runner, "_resident_after_collection", 0.0)
    monkeypatch.setattr(runner, "_resident_mb", lambda pid: runner.GARBAGE_FLOOR_MB - 1.0)
    runner.collect_garbage_when_grown()  # grown by far more than a step, but small
    assert collections == []
    monkeypatch.setattr(runner, "_resident_mb", lambda pid: runner.GARBAGE_FLOOR_MB + 1.0)
    runner.collect_garbage_when_grown()
    assert collections == [1]
