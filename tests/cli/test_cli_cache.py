"""The result cache: hits, invalidation, corrupt entries, unwritable folders, concurrent runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import shapelint.cache as cache_mod
from shapelint.cache import Cache, atomic_write
from shapelint.cli import cli

REPO = Path(__file__).resolve().parents[2]
BAD = "def f(x:\n    return x\n"


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(BAD if i == 0 else f"x = {i}  # shapelint: ignore\n")
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, ["check", ".", "-v", "-j", "1", "--format", "json", *args], catch_exceptions=False)


def cached_count(result) -> int:
    line = next(l for l in result.stderr.splitlines() if "from the cache" in l)
    return int(line.split("(")[1].split()[0])


def entries(root: Path):
    return [p for p in (root / ".shapelint_cache").rglob("*.json")]


def test_second_run_is_served_from_the_cache(proj):
    first = run()
    assert cached_count(first) == 0
    second = run()
    assert cached_count(second) == 3
    assert json.loads(first.stdout) == json.loads(second.stdout) and first.exit_code == second.exit_code == 1
    assert len(entries(proj)) == 3
    cache_dir = proj / ".shapelint_cache"
    assert (cache_dir / ".gitignore").read_text().strip().endswith("*")
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert not [p for p in cache_dir.rglob("*.tmp")]


def test_content_and_configuration_invalidate(proj):
    run()
    (proj / "m1.py").write_text("x = 10\n")
    assert cached_count(run()) == 2
    r = run("--extend-select", "SL900")
    assert cached_count(r) == 0 and {d["code"] for d in json.loads(r.stdout)} == {"SL000", "SL900"}
    (proj / "shapelint.toml").write_text('severity = {SL000 = "warning"}\n')
    r = run("--extend-select", "SL900")
    assert cached_count(r) == 0
    assert [d["severity"] for d in json.loads(r.stdout) if d["code"] == "SL000"] == ["warning"]


def test_no_cache_neither_reads_nor_writes(proj):
    r = run("--no-cache")
    assert cached_count(r) == 0 and not (proj / ".shapelint_cache").exists()


def test_shapelint_source_hash_is_in_the_key(proj, monkeypatch):
    run()
    monkeypatch.setattr(cache_mod, "_package_hash", "an edited analyzer")
    assert cached_count(run()) == 0


def test_corrupt_and_foreign_entries_are_misses(proj):
    first = run()
    files = entries(proj)
    files[0].write_text("{not json")
    files[1].write_text(json.dumps({"key": "another", "result": {}}))
    files[2].write_bytes(b"\x00\xff")
    again = run()
    assert cached_count(again) == 0
    assert json.loads(again.stdout) == json.loads(first.stdout)
    wrong_shape = entries(proj)[0]
    key = wrong_shape.stem
    wrong_shape.write_text(json.dumps({"key": key, "result": {"diagnostics": [{"bogus": 1}], "shapes": []}}))
    assert json.loads(run().stdout) == json.loads(first.stdout)


def test_unwritable_cache_folder_turns_caching_off(proj, monkeypatch):
    (proj / "not_a_dir").write_text("a file where the cache folder should be")
    r = run("--cache-dir", "not_a_dir/cache")
    assert r.exit_code == 1 and len(json.loads(r.stdout)) == 1

    def refuse(*a, **k):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(cache_mod.os, "replace", refuse)
    r = run("--cache-dir", "ro_cache")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert not list((proj / "ro_cache").rglob("*.json")) and not list((proj / "ro_cache").rglob("*.tmp"))


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root ignores file permissions")
def test_read_only_cache_folder(proj):
    ro = proj / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = run("--cache-dir", "ro")
        assert r.exit_code == 1 and len(json.loads(r.stdout)) == 1
    finally:
        ro.chmod(0o700)


def test_two_runs_sharing_the_cache_at_once(tmp_path):
    for i in range(40):
        (tmp_path / f"f{i}.py").write_text(BAD if i % 4 == 0 else f"x{i} = {i}  # shapelint: ignore\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-c", "from shapelint.cli import main; main()", "check", ".", "--format", "json",
           "--extend-select", "SL900", "-j", "1"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1, 1], [e for _, e in outs]
    results = [json.loads(o) for o, _ in outs]
    assert results[0] == results[1] == results[2] and len(results[0]) == 40
    p = subprocess.run(cmd + ["-v"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "(40 from the cache)" in p.stderr and json.loads(p.stdout) == results[0]
    assert not list((tmp_path / ".shapelint_cache").rglob("*.tmp"))


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    atomic_write(target, b"old")

    def boom(*a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_cache_key_parts(tmp_path):
    c = Cache(tmp_path)
    k = c.key(b"x = 1\n", "a.py", {"SL000"}, {}, False)
    assert k != c.key(b"x = 2\n", "a.py", {"SL000"}, {}, False)
    assert k != c.key(b"x = 1\n", "b.py", {"SL000"}, {}, False)
    assert k != c.key(b"x = 1\n", "a.py", {"SL000", "SL101"}, {}, False)
    assert k != c.key(b"x = 1\n", "a.py", {"SL000"}, {"SL000": "warning"}, False)
    assert k != c.key(b"x = 1\n", "a.py", {"SL000"}, {}, True)
    assert k == Cache(tmp_path / "elsewhere").key(b"x = 1\n", "a.py", ["SL000"], {}, False)


def test_entries_of_old_builds_are_pruned(proj, monkeypatch):
    run()
    v1 = proj / ".shapelint_cache" / f"v{cache_mod.FORMAT}"
    (current,) = list(v1.iterdir())
    old, recent = v1 / "0123456789abcdef", v1 / "fedcba9876543210"
    for gen in (old, recent):
        (gen / "ab").mkdir(parents=True)
        (gen / "ab" / "x.json").write_text("{}")
    os.utime(old, (0, 0))
    monkeypatch.setattr(cache_mod, "_package_hash", "f" * 64)  # a new build writes: prune
    assert cached_count(run()) == 0
    assert sorted(p.name for p in v1.iterdir()) == sorted([current.name, recent.name, "f" * 16])
