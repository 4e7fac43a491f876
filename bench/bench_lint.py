"""Benchmark `shapelint check` on real code: the installed scikit-learn and scipy.

    python -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install scikit-learn scipy pylint flake8 ruff psutil
    python bench/bench_lint.py /tmp/bench-venv/lib/python3.11/site-packages
    python bench/bench_lint.py SITE --packages sklearn --first 150 --skip pylint,flake8,ruff,cold1
        # issue 15's case: the first 150 scikit-learn files, shapelint cold against the bare parse

Every tool gets the same explicit list of .py files.  shapelint is timed cold
(empty cache) and warm (from that cache), with 1 job and with all cores;
then bare ``libcst.parse_module`` over the same files (the floor of any
libcst-based linter; shapelint hands libcst only the files that mention
NumPy, so the floor is also given for those), and over every text the check
parses (the files and the project modules they import: the floor of
whole-project analysis, cold), ruff, flake8 and pylint
(errors only: ``--disable=all --enable=E``).  Prints seconds, lines per
second, the ratio to shapelint's cold 1-job time, and peak memory: the
largest single process (``ru_maxrss`` of the finished children) and, with
psutil, the sampled peak RSS of the whole process tree.  ``--repeat N``
takes the median of N runs for the fast measurements (a shared machine is
noisy); the slow ones (cold runs, pylint) run once unless ``--repeat-slow``.

Without an argument, the site-packages that holds sklearn is looked for in
/tmp/bench-venv and in this interpreter's own paths.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]

# Run a command and report the largest resident set of its (waited-for) descendants.
_WRAPPER = r"""
import json, resource, subprocess, sys, time
cmd = json.loads(open(sys.argv[1]).read())
t = time.perf_counter()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": dt, "cpu": u.ru_utime + u.ru_stime, "maxrss_kb": u.ru_maxrss, "rc": p.returncode,
                  "stderr": p.stderr.decode(errors="replace")[-2000:]}))
"""

_PARSE = r"""
import sys, time
import libcst
paths = open(sys.argv[1]).read().split("\n")
only_numpy = sys.argv[2] == "numpy"
t = time.perf_counter()
n = 0
for p in paths:
    if not p:
        continue
    try:
        src = open(p, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError):
        continue
    if only_numpy and "numpy" not in src:
        continue
    try:
        libcst.parse_module(src)
        n += 1
    except Exception:
        pass
print(n, time.perf_counter() - t)
"""


# Every text one process's check of the files hands to libcst (the files, and the project modules
# they import or that drive them): written to a JSON list, for the floor of whole-project analysis.
_CLOSURE = r"""
import json, sys
import libcst
from shapelint.rules import default_codes
from shapelint.runner import RunOptions, Task, check_task
paths = [p for p in open(sys.argv[1]).read().split("\n") if p]
texts = {}
parse = libcst.parse_module
def recording_parse(source, *args, **kwargs):
    texts[source] = None
    return parse(source, *args, **kwargs)
libcst.parse_module = recording_parse
codes = frozenset(default_codes())
for path in paths:
    check_task(Task(path, path, path, codes), RunOptions())
open(sys.argv[2], "w").write(json.dumps(list(texts)))
"""

# The bare parse of those texts.
_PARSE_TEXTS = r"""
import json, sys, time
import libcst
texts = json.loads(open(sys.argv[1]).read())
t = time.perf_counter()
for text in texts:
    libcst.parse_module(text)
print(len(texts), time.perf_counter() - t)
"""


def find_site_packages(given: Optional[str]) -> Path:
    if given:
        return Path(given)
    candidates = glob.glob("/tmp/bench-venv/lib/python3*/site-packages") + sys.path
    for c in candidates:
        if c and (Path(c) / "sklearn").is_dir() and (Path(c) / "scipy").is_dir():
            return Path(c)
    sys.exit("bench_lint: no site-packages with sklearn and scipy found; pass its path "
             "(python -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install scikit-learn scipy pylint flake8 ruff)")


def tool(site: Path, name: str) -> Optional[str]:
    exe = site.parents[2] / "bin" / name
    if exe.exists():
        return str(exe)
    return shutil.which(name)


class TreeSampler(threading.Thread):
    """Peak total RSS of a process tree, sampled every 50 ms (needs psutil)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self.stop.wait(0.05)


def measure(cmd: Sequence[str], cwd: Path, env: Dict[str, str]) -> Dict[str, float]:
    # The command goes through a file: one argv string is limited to 128 KiB.
    cmd_file = cwd / "cmd.json"
    cmd_file.write_text(json.dumps(list(cmd)))
    wrapper = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(cmd_file)], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = None
    if importlib.util.find_spec("psutil") is not None:
        sampler = TreeSampler(wrapper.pid)
        sampler.start()
    out, err = wrapper.communicate()
    if sampler is not None:
        sampler.stop.set()
        sampler.join()
    if wrapper.returncode != 0:
        raise RuntimeError(f"{cmd[0]}: wrapper failed: {err[-500:]}")
    res = json.loads(out)
    if res["rc"] not in (0, 1):
        print(f"  note: {' '.join(cmd[:4])}... exited {res['rc']}: {res['stderr'][-300:]}", file=sys.stderr)
    return {"seconds": res["seconds"], "cpu_seconds": res["cpu"], "max_proc_mb": res["maxrss_kb"] / 1024,
            "tree_mb": (sampler.peak / 2**20) if sampler is not None and sampler.peak else float("nan")}


def median_of(n: int, fn) -> Dict[str, float]:
    runs = [fn() for _ in range(max(1, n))]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {"runs": len(runs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site_packages", nargs="?", help="a site-packages folder holding sklearn and scipy")
    ap.add_argument("--packages", default="sklearn,scipy", help="packages to lint (default: sklearn,scipy)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per fast measurement (median)")
    ap.add_argument("--repeat-slow", type=int, default=1, help="runs per slow measurement (cold shapelint, pylint)")
    ap.add_argument("--skip", default="", help="comma-separated: pylint,flake8,ruff,parse,closure,cold1")
    ap.add_argument("--jobs", type=int, default=0, help="'all cores' job count (default: os.cpu_count())")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--first", type=int, default=0,
                    help="only the first N files (sorted by path) of the packages, e.g. 150 scikit-learn files")
    ap.add_argument("--source", default=str(REPO),
                    help="the checkout whose shapelint/ is timed (default: this one; another commit's worktree "
                         "compares two versions on one machine)")
    ap.add_argument("--pylint-every", type=int, default=1,
                    help="time pylint on every Nth file only (pylint -E runs at ~200 lines/s; its lines/s is "
                         "computed on that sample)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    site = find_site_packages(args.site_packages)
    cores = args.jobs or os.cpu_count() or 1

    files: List[str] = []
    for pkg in args.packages.split(","):
        files += sorted(str(p) for p in (site / pkg).rglob("*.py"))
    if args.first:
        files = files[:args.first]
    lines = 0
    numpy_files = numpy_lines = 0
    line_counts: Dict[str, int] = {}
    for f in files:
        try:
            text = Path(f).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        n = line_counts[f] = text.count("\n")
        lines += n
        if "numpy" in text:
            numpy_files += 1
            numpy_lines += n
    print(f"shapelint bench: {len(files)} files, {lines:,} lines ({numpy_files} files / {numpy_lines:,} lines "
          f"mention numpy) from {args.packages} in {site}")
    print(f"machine: {os.cpu_count()} cores; 'all cores' = {cores} jobs; python {sys.version.split()[0]}")

    work = Path(tempfile.mkdtemp(prefix="shapelint-bench-"))
    listfile = work / "files.txt"
    listfile.write_text("\n".join(files))
    # A snapshot of the package: the cache key includes a hash of shapelint's
    # sources, so edits made while the bench runs would make every warm run cold.
    shutil.copytree(Path(args.source) / "shapelint", work / "src" / "shapelint",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = dict(os.environ, PYTHONPATH=str(work / "src"), NO_COLOR="1")
    sl = [sys.executable, "-c", "from shapelint.cli import main; main()", "check", "--isolated", "--exit-zero",
          "--format", "json", "-q"]
    base_key = "shapelint cold, 1 job" if "cold1" not in skip else f"shapelint cold, {cores} jobs"
    print(f"\n{'measurement':<48} {'runs':>4} {'wall s':>8} {'cpu s':>8} {'lines/s':>10} "
          f"{'speed vs ' + base_key:>32} {'max proc MB':>12} {'tree MB':>8}", flush=True)

    class Results(dict):
        def __setitem__(self, name, r):
            super().__setitem__(name, r)
            base = self[base_key]["seconds"]
            n = r.get("lines", lines)
            # The speed ratio compares lines per second (a sample has fewer lines).
            ratio = (n / r["seconds"]) / (lines / base)
            print(f"{name:<48} {int(r['runs']):>4} {r['seconds']:>8.2f} {r['cpu_seconds']:>8.2f} "
                  f"{n / r['seconds']:>10,.0f} {ratio:>31.2f}x {r['max_proc_mb']:>12.0f} "
                  f"{r['tree_mb']:>8.0f}", flush=True)

    results = Results()

    def shapelint_run(jobs: int, cache: Path, fresh: bool):
        def go():
            if fresh and cache.exists():
                shutil.rmtree(cache)
            return measure(sl + ["--cache-dir", str(cache), "-j", str(jobs), *files], work, env)
        return go

    cache1, cacheN = work / "cache1", work / f"cache{cores}"
    if "cold1" not in skip:
        results["shapelint cold, 1 job"] = median_of(args.repeat_slow, shapelint_run(1, cache1, True))
        results["shapelint warm, 1 job"] = median_of(args.repeat, shapelint_run(1, cache1, False))
    results[f"shapelint cold, {cores} jobs"] = median_of(args.repeat_slow, shapelint_run(cores, cacheN, True))
    results[f"shapelint warm, {cores} jobs"] = median_of(args.repeat, shapelint_run(cores, cacheN, False))
    if "parse" not in skip:
        for which, label in (("all", "libcst.parse_module, all files (floor)"),
                             ("numpy", "libcst.parse_module, files mentioning numpy")):
            def parse(which=which):
                m = measure([sys.executable, "-c", _PARSE, str(listfile), which], work, env)
                return m
            results[label] = median_of(args.repeat_slow, parse)
    if "closure" not in skip:
        # Whole-project analysis parses what the files import too: no check of them can cost
        # less than this parse, whatever it does with the trees.
        closure = work / "closure.json"
        subprocess.run([sys.executable, "-c", _CLOSURE, str(listfile), str(closure)], cwd=work, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        count = len(json.loads(closure.read_text()))
        results[f"libcst.parse_module, the {count} texts the check parses"] = median_of(
            args.repeat_slow, lambda: measure([sys.executable, "-c", _PARSE_TEXTS, str(closure)], work, env))
    if "ruff" not in skip and tool(site, "ruff"):
        results["ruff (default rules)"] = median_of(args.repeat, lambda: measure(
            [tool(site, "ruff"), "check", "--isolated", "--no-cache", "--exit-zero", "-q", *files], work, env))
    if "flake8" not in skip and tool(site, "flake8"):
        results[f"flake8 ({cores} jobs)"] = median_of(args.repeat_slow, lambda: measure(
            [tool(site, "flake8"), "--isolated", "--exit-zero", "-j", str(cores), *files], work, env))
    if "pylint" not in skip and tool(site, "pylint"):
        sample = files[::max(1, args.pylint_every)]
        label = f"pylint -E ({cores} jobs)"
        if len(sample) < len(files):
            label += f", every {args.pylint_every}th file"
        r = median_of(args.repeat_slow, lambda: measure(
            [tool(site, "pylint"), "--disable=all", "--enable=E", f"--jobs={cores}", "--exit-zero",
             "--score=n", "--reports=n", *sample], work, env))
        r["lines"] = sum(line_counts.get(f, 0) for f in sample)
        print(f"  ({label}: {len(sample)} files, {r['lines']:,} lines)", flush=True)
        results[label] = r

    print("\nlines/s and the speed ratio use wall time (shared machine: compare cpu s too); "
          "'max proc MB' is the largest single process, 'tree MB' the sampled peak of the whole process tree.")
    if args.json:
        Path(args.json).write_text(json.dumps({"files": len(files), "lines": lines, "results": results}, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
