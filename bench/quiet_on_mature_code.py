"""How quiet is shapelint on mature NumPy code?  Lints installed packages with their test suites.

    python bench/quiet_on_mature_code.py                       # the seven packages below, 2 jobs
    python bench/quiet_on_mature_code.py numpy sklearn --jobs 1
    python bench/quiet_on_mature_code.py /some/other/package --sample 40 --seed 1
    python bench/quiet_on_mature_code.py --flake8 /tmp/mature/bin/flake8   # numpy first: timed against flake8

Packages are names looked up in ``--site`` (default: the scratch venv
``/tmp/mature/lib/python3.11/site-packages``) or paths to folders.  Default:
numpy, scipy, sklearn, skimage, statsmodels, filterpy, pywt.  The packages are
measured, never imported.

It lints through the pipeline a user gets from ``shapelint check --no-cache
--isolated PACKAGE``: files are found by ``shapelint.discovery.discover`` with
the default include (``*.py``, ``*.pyi``, ``*.ipynb``) and exclude lists, and
checked by ``shapelint.runner.run_tasks`` (``lint_bytes`` per file: decoding,
notebooks, the analyzer, ``# noqa`` suppressions) with the default rules, in
``--jobs`` processes.  So ``.pyi`` stubs are linted exactly as the CLI lints them.

Prints, per package and in total: files, lines, seconds, error findings,
warnings per 1,000 lines by code, internal errors (with the first line of
each message), files skipped with a warning, the warning rate outside
``numpy/matrixlib`` (where ``np.matrix`` is the subject); then every error
finding (``path:line: CODE message``, paths relative to the site folder) and,
with ``--sample N``, N warnings drawn with ``--seed`` for reading by hand
(``--sample-outside-matrixlib``: only from warnings outside ``numpy/matrixlib``).
``--json FILE`` also writes every finding and internal error to FILE.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Counter, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shapelint.config import DEFAULT_EXCLUDE, DEFAULT_INCLUDE  # noqa: E402
from shapelint.diagnostics import Diagnostic  # noqa: E402
from shapelint.discovery import discover  # noqa: E402
from shapelint.rules import default_codes  # noqa: E402
from shapelint.runner import FileOutcome, RunOptions, make_tasks, run_tasks  # noqa: E402

DEFAULT_SITE = "/tmp/mature/lib/python3.11/site-packages"
DEFAULT_PACKAGES = ("numpy", "scipy", "sklearn", "skimage", "statsmodels", "filterpy", "pywt")
# np.matrix is the subject of this folder, so its SL203 warnings are expected there.
MATRIX_FOLDER = "numpy/matrixlib/"


@dataclass
class Tally:
    name: str
    files: int = 0
    lines: int = 0
    seconds: float = 0.0
    lines_outside_matrixlib: int = 0
    warnings_outside_matrixlib: int = 0
    per_code: Counter[str] = field(default_factory=collections.Counter)
    errors: List[Diagnostic] = field(default_factory=list)
    warnings: List[Diagnostic] = field(default_factory=list)
    internal: List[Tuple[str, str]] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.files += other.files
        self.lines += other.lines
        self.seconds += other.seconds
        self.lines_outside_matrixlib += other.lines_outside_matrixlib
        self.warnings_outside_matrixlib += other.warnings_outside_matrixlib
        self.per_code.update(other.per_code)
        self.errors += other.errors
        self.warnings += other.warnings
        self.internal += other.internal
        self.skipped += other.skipped


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def resolve(package: str, site: Path) -> Path:
    path = Path(package)
    if path.is_dir():
        return path.resolve()
    candidate = site / package
    if candidate.is_dir():
        return candidate.resolve()
    raise SystemExit(f"no package folder {package!r} (neither a folder nor {candidate})")


def lint_package(folder: Path, display_root: Path, jobs: int) -> Tally:
    """Discover and lint one package folder as `shapelint check --no-cache --isolated` does."""
    files = discover([str(folder)], root=folder, exclude=list(DEFAULT_EXCLUDE), include=list(DEFAULT_INCLUDE),
                     respect_gitignore=True, cwd=display_root)
    codes = default_codes()
    tasks = make_tasks(files, folder, lambda rel: codes)
    tally = Tally(folder.name, files=len(files))
    start = time.perf_counter()
    outcomes: List[FileOutcome] = run_tasks(tasks, RunOptions(jobs=jobs))
    tally.seconds = time.perf_counter() - start
    for (abs_path, display), outcome in zip(files, outcomes):
        assert outcome.path == display
        try:
            n = count_lines(abs_path.read_bytes())
        except OSError:
            n = 0
        in_matrixlib = display.startswith(MATRIX_FOLDER)
        tally.lines += n
        if not in_matrixlib:
            tally.lines_outside_matrixlib += n
        if outcome.message_kind == "internal":
            tally.internal.append((display, (outcome.message or "").splitlines()[0] if outcome.message else ""))
        elif outcome.message:
            tally.skipped.append((display, outcome.message.splitlines()[0]))
        for d in outcome.diagnostics:
            tally.per_code[d.code] += 1
            if d.severity == "error":
                tally.errors.append(d)
            else:
                tally.warnings.append(d)
                if not in_matrixlib:
                    tally.warnings_outside_matrixlib += 1
    return tally


def rate(n: int, lines: int) -> str:
    return f"{n * 1000 / lines:.3f}" if lines else "-"


def print_tally(t: Tally) -> None:
    speed = f"{t.lines / t.seconds:,.0f} lines/s" if t.seconds else "-"
    print(f"== {t.name}: {t.files:,} files, {t.lines:,} lines, {t.seconds:.1f} s ({speed})")
    print(f"   errors: {len(t.errors)}; internal errors: {len(t.internal)}; skipped files: {len(t.skipped)}")
    codes = sorted(t.per_code)
    for code in codes:
        kind = "error" if any(d.code == code for d in t.errors) else "warning"
        print(f"   {code} ({kind}): {t.per_code[code]} ({rate(t.per_code[code], t.lines)} per 1,000 lines)")
    print(f"   warnings: {len(t.warnings)} ({rate(len(t.warnings), t.lines)} per 1,000 lines); "
          f"outside {MATRIX_FOLDER}: {t.warnings_outside_matrixlib} in {t.lines_outside_matrixlib:,} lines "
          f"({rate(t.warnings_outside_matrixlib, t.lines_outside_matrixlib)} per 1,000 lines)")


def write_json_atomically(path: Path, payload: Dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=str(path.parent or Path(".")), prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def time_flake8(flake8: str, folder: Path, jobs: int, shapelint_seconds: float) -> str:
    """flake8's syntax-error and pyflakes checks over ``folder``, timed like shapelint's run of it."""
    import subprocess

    started = time.perf_counter()
    done = subprocess.run([flake8, "--select", "E9,F", "--jobs", str(jobs), str(folder)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        return f"   flake8 failed ({done.returncode}): {done.stderr.strip()[-300:]}"
    return (f"   flake8 --select E9,F --jobs {jobs} over {folder.name}: {seconds:.1f} s; shapelint "
            f"{shapelint_seconds:.1f} s ({shapelint_seconds / seconds:.2f}x flake8's time)")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("packages", nargs="*", default=list(DEFAULT_PACKAGES),
                        help=f"package names under --site, or folders (default: {' '.join(DEFAULT_PACKAGES)})")
    parser.add_argument("--site", default=DEFAULT_SITE, help="where package names are looked up")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--sample", type=int, default=0, help="print this many warnings drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample")
    parser.add_argument("--sample-outside-matrixlib", action="store_true",
                        help=f"draw the sample only from warnings outside {MATRIX_FOLDER}")
    parser.add_argument("--json", type=Path, default=None, help="also write every finding to this file")
    parser.add_argument("--flake8", default=None, metavar="FLAKE8",
                        help="also time this flake8 executable (`--select E9,F`, the same --jobs) over the first "
                             "package, right after shapelint's run of it: the issue's bar is to be faster")
    args = parser.parse_args(argv)

    site = Path(args.site)
    folders = [resolve(p, site) for p in args.packages]
    total = Tally("total")
    tallies = []
    wall = time.perf_counter()
    for folder in folders:
        display_root = folder.parent
        t = lint_package(folder, display_root, args.jobs)
        print_tally(t)
        tallies.append(t)
        total.add(t)
        if args.flake8 and folder == folders[0]:
            print(time_flake8(args.flake8, folder, args.jobs, t.seconds))
        sys.stdout.flush()
    wall = time.perf_counter() - wall
    if len(tallies) > 1:
        print_tally(total)
    print(f"== wall time {wall:.1f} s with --jobs {args.jobs}")

    print(f"== {len(total.errors)} error findings")
    for d in total.errors:
        print(f"   {d.path}:{d.line}: {d.code} {d.message}")
    print(f"== {len(total.internal)} internal errors")
    for path, message in total.internal:
        print(f"   {path}: {message}")
    if total.skipped:
        print(f"== {len(total.skipped)} files skipped with a warning")
        for path, message in total.skipped:
            print(f"   {path}: {message}")
    pool = total.warnings
    if args.sample_outside_matrixlib:
        pool = [d for d in pool if not d.path.startswith(MATRIX_FOLDER)]
    if args.sample and pool:
        k = min(args.sample, len(pool))
        where = f" outside {MATRIX_FOLDER}" if args.sample_outside_matrixlib else ""
        print(f"== sample of {k} of {len(pool)} warnings{where} (seed {args.seed})")
        for i, d in enumerate(random.Random(args.seed).sample(pool, k), 1):
            print(f"   [{i}] {d.path}:{d.line}: {d.code} {d.message}\n        | {d.source_line.strip()}")
    if args.json is not None:
        write_json_atomically(args.json, {
            "packages": [{"name": t.name, "files": t.files, "lines": t.lines, "seconds": round(t.seconds, 2),
                          "per_code": dict(t.per_code)} for t in tallies],
            "findings": [dict(d.to_json(), source_line=d.source_line) for d in total.errors + total.warnings],
            "internal": [{"path": p, "message": m} for p, m in total.internal],
            "skipped": [{"path": p, "message": m} for p, m in total.skipped],
        })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
