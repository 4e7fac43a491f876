"""How quiet is shapelint on mature NumPy code?  Lints installed packages, prints findings per code.

    python bench/quiet_on_mature_code.py /path/to/site-packages/sklearn /path/to/site-packages/scipy

Prints, per package: files, lines, seconds, error findings, warnings per 1,000 lines per code,
and every error finding (so each one can be read and fixed or explained).  --sample N prints
N randomly chosen warnings (seeded) for reading by hand.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shapelint.analysis import analyze_source  # noqa: E402
from shapelint.rules import default_codes  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--sample", type=int, default=0, help="print this many random warnings")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    codes = default_codes()
    all_warnings = []
    for root in args.roots:
        files = sorted(Path(root).rglob("*.py"))
        lines = 0
        per_code: collections.Counter = collections.Counter()
        errors = []
        internal = []
        start = time.perf_counter()
        for f in files:
            try:
                src = f.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            lines += src.count("\n") + 1
            res = analyze_source(src, str(f), codes)
            if res.internal_error:
                internal.append((f, res.error.splitlines()[0] if res.error else ""))
            for d in res.diagnostics:
                if d.code == "SL000":
                    continue
                per_code[d.code] += 1
                if d.severity == "error":
                    errors.append(d)
                else:
                    all_warnings.append(d)
        elapsed = time.perf_counter() - start
        print(f"== {root}: {len(files)} files, {lines} lines, {elapsed:.1f} s ({lines / elapsed:.0f} lines/s)")
        print(f"   error findings: {len(errors)}; internal errors: {len(internal)}")
        for code in sorted(per_code):
            print(f"   {code}: {per_code[code]} ({per_code[code] * 1000 / lines:.3f} per 1,000 lines)")
        total_warn = sum(n for c, n in per_code.items() if c.startswith("SL2"))
        print(f"   warnings in total: {total_warn} ({total_warn * 1000 / lines:.3f} per 1,000 lines)")
        for d in errors:
            print(f"   ERROR {d.path}:{d.line}: {d.code} {d.message}")
        for f, msg in internal[:20]:
            print(f"   INTERNAL {f}: {msg}")
    if args.sample and all_warnings:
        rng = random.Random(args.seed)
        print(f"== sample of {min(args.sample, len(all_warnings))} of {len(all_warnings)} warnings")
        for d in rng.sample(all_warnings, min(args.sample, len(all_warnings))):
            print(f"   {d.path}:{d.line}: {d.code} {d.message}\n      | {d.source_line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
