"""Memory of one process checking many files: does it stay flat?

    python bench/memory_over_files.py /tmp/bench-venv/lib/python3.11/site-packages
    python bench/memory_over_files.py SITE --packages sklearn --every 50

One worker of ``shapelint check`` checks its files one after the other in one
process, keeping what it learnt about the project's modules (parsed trees,
module summaries) for the next file.  This script does the same work in one
process (``runner.check_task`` on every file, sorted by path; no cache, or with ``--cache``
a new one, as ``shapelint check`` has by default),
and prints the resident set size after every ``--every`` files, the CPU time so
far, and at the end the peak (``ru_maxrss``).  A cache that is never bounded
shows as a line that keeps rising with the number of files.

    python bench/memory_over_files.py SITE --cli --cache NEW_DIR [--jobs 1]

checks the same files as a user does, ``shapelint check -j 1 --cache-dir NEW_DIR`` in a
subprocess: its worker checks them one after the other and is replaced when its memory
passes ``runner.WORKER_MEMORY_MB`` (``--worker-mb N`` sets it for this run; 0 never replaces
one).  Prints the peak RSS of the largest process (``ru_maxrss`` of the finished children:
the workers included), the CPU time of all of them, and the findings.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    """The resident set size now (Linux /proc; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return peak_mb()


def peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site_packages", help="a site-packages folder holding the packages")
    ap.add_argument("--packages", default="sklearn,scipy", help="packages to check (default: sklearn,scipy)")
    ap.add_argument("--every", type=int, default=100, help="print a sample after this many files")
    ap.add_argument("--first", type=int, default=0, help="only the first N files")
    ap.add_argument("--cache", metavar="DIR",
                    help="check with a cache in this new folder, as `shapelint check` does by default "
                         "(results and the imported modules' trees are stored; each file is checked once, "
                         "so no result is read back); default: no cache")
    ap.add_argument("--cli", action="store_true", help="run `shapelint check` on the files in a subprocess")
    ap.add_argument("--jobs", type=int, default=1, help="with --cli: its -j (default 1)")
    ap.add_argument("--worker-mb", type=int, default=None,
                    help="with --cli: replace a worker past this many MB (0: never; default: the runner's own)")
    args = ap.parse_args()
    if args.cli:
        return run_cli(args)
    sys.path.insert(0, str(REPO))
    from shapelint.rules import default_codes
    from shapelint.runner import RunOptions, Task, check_task, tune_collector

    tune_collector()  # as a worker of `shapelint check` does

    files = files_of(args)
    codes = frozenset(default_codes())
    cache = None
    if args.cache:
        from shapelint.cache import Cache

        if Path(args.cache).exists():
            ap.error(f"--cache {args.cache}: give a folder that does not exist yet")
        cache = Cache(Path(args.cache))
    opts = RunOptions(cache=cache)
    print(f"memory over files: {len(files)} files of {args.packages}, one process, "
          f"{'a new cache in ' + args.cache if cache else 'no cache'}")
    print(f"{'files':>6} {'rss MB':>8} {'cpu s':>8}")
    start = time.process_time()
    findings = internal = 0
    samples = []
    for n, path in enumerate(files, start=1):
        outcome = check_task(Task(path, path, path, codes), opts)
        findings += len(outcome.diagnostics)
        internal += outcome.internal_error
        if n % args.every == 0 or n == len(files):
            samples.append(rss_mb())
            print(f"{n:>6} {samples[-1]:>8.0f} {time.process_time() - start:>8.1f}", flush=True)
    half = samples[len(samples) // 2] if samples else 0.0
    print(f"done: {len(files)} files, {findings} findings, {internal} internal errors, "
          f"{time.process_time() - start:.1f} s CPU; peak RSS {peak_mb():.0f} MB; "
          f"RSS at half way {half:.0f} MB, at the end {samples[-1] if samples else 0:.0f} MB")
    return 0


def files_of(args: argparse.Namespace) -> list:
    """The .py files of the packages, sorted by path (the first ``--first`` of them)."""
    site = Path(args.site_packages)
    files = []
    for pkg in args.packages.split(","):
        files += sorted(str(p) for p in (site / pkg).rglob("*.py"))
    return files[:args.first] if args.first else files


def run_cli(args: argparse.Namespace) -> int:
    import json
    import subprocess

    if not args.cache or Path(args.cache).exists():
        print("--cli needs --cache NEW_DIR, a folder that does not exist yet", file=sys.stderr)
        return 2
    files = files_of(args)
    limit = "" if args.worker_mb is None else f"runner.WORKER_MEMORY_MB = {args.worker_mb or 10 ** 9}; "
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); import shapelint.runner as runner; {limit}"
            "from shapelint.cli import cli; cli()")
    command = [sys.executable, "-c", code, "check", "--isolated", "--format", "json", "-j", str(args.jobs),
               "--cache-dir", args.cache, *files]
    print(f"memory over files: {len(files)} files of {args.packages}, `shapelint check -j {args.jobs}` in a "
          f"subprocess, a new cache in {args.cache}, workers replaced past "
          f"{'the default' if args.worker_mb is None else (args.worker_mb or 'no limit')} MB")
    wall = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - wall
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        findings = len(json.loads(done.stdout))
    except ValueError:
        findings = -1
    peak = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    print(f"done: exit {done.returncode}, {findings} findings, {wall:.1f} s wall, "
          f"{usage.ru_utime + usage.ru_stime:.1f} s CPU; the largest process peaked at {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
