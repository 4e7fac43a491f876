"""Differential report: shapelint against NumPy on random programs.

    python bench/differential_report.py            # 3000 programs per mode, seeds 0..2999
    python bench/differential_report.py --mode symbolic --n 500 --start 10000 --examples 20
    python bench/differential_report.py --mode symbolic --gaps   # forms the analyzer does not follow yet

Generates programs with tests/differential/progen.py in two modes -- literal
sizes (a module-level program) and symbolic sizes (a function
``f(n, m, k, p, q, X0, X1)`` with declared shapes, run with generic values of
the sizes) -- runs each with NumPy and with the analyzer, and prints crash
recall, error precision and the share of names whose inferred shape is exact /
unknown / wrong (definitions in tests/differential/scoring.py), with counts.
Then, for every kind of failure (wrong shape, false positive, missed crash),
the most frequent statement patterns, each with one example shrunk to the
statements it needs.  Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "differential"))
try:
    import shapelint  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, ROOT)

from scoring import Stats, statement_pattern, evaluate, group_failures, minimize  # noqa: E402
from progen import OUT_OF_SCOPE, generate  # noqa: E402

# crash recall per mode; error precision, wrong shapes (none at all) and exact shapes in both
TARGETS = {"recall": {"literal": 0.99, "symbolic": 0.97}, "precision": 0.995, "wrong": 0.0, "exact": 0.90}


def numbered(source: str, mark: int) -> str:
    return "\n".join(f"  {'>' if i == mark else ' '}{i:3d}  {text}"
                     for i, text in enumerate(source.splitlines(), 1))


def report(mode: str, args: argparse.Namespace) -> bool:
    """Run and print one mode; True when its targets are met."""
    t0 = time.time()
    stats = Stats(mode=mode)
    for seed in range(args.start, args.start + args.n):
        stats.add(evaluate(generate(seed, mode, args.gaps)))
    elapsed = time.time() - t0

    print(f"== {mode} sizes{' (with the forms the analyzer does not follow yet)' if args.gaps else ''}: "
          f"seeds {args.start}..{args.start + args.n - 1} ({elapsed:.1f} s)")
    print(stats.summary())
    print("not counted in recall (outside SL101-SL106): "
          + "; ".join(f"{k}: {v}" for k, v in OUT_OF_SCOPE.items()))
    recall_target = TARGETS["recall"][mode]
    verdicts = [
        ("crash recall", stats.recall, stats.recall >= recall_target, f">= {recall_target}"),
        ("error precision", stats.precision, stats.precision >= TARGETS["precision"], f">= {TARGETS['precision']}"),
        ("wrong shapes", stats.wrong_share, stats.wrong <= TARGETS["wrong"], "0"),
        ("exact shapes", stats.exact_share, stats.exact_share >= TARGETS["exact"], f">= {TARGETS['exact']}"),
    ]
    print()
    for label, value, ok, target in verdicts:
        print(f"  {label:16s} {value:.4f}  target {target:9s} {'ok' if ok else 'MISSED'}")

    groups = group_failures(stats)
    if groups:
        print(f"\n{sum(len(v) for v in groups.values())} failures in {len(groups)} patterns; "
              f"the {min(args.examples, len(groups))} most frequent:")
        for key, fails in list(groups.items())[: args.examples]:
            f = fails[0] if args.no_minimize else minimize(fails[0])
            print(f"\n[{len(fails)}x] {key}")
            print(f"  seed {f.seed}, line {f.line}: {f.statement}")
            print(f"  {f.detail}")
            if mode == "symbolic":
                print(f"  sizes: {f.assignments[0]}")
            print(numbered(f.source, f.line))
    else:
        print("\nno wrong shapes, false positives or missed crashes")

    # Unknown shapes whose inputs were all known exactly: where precision is lost
    # (an unknown operand makes everything after it unknown; those are not listed).
    roots: dict = {}
    for o in stats.outcomes:
        verdict = {}
        for s in o.shapes:
            stmt = o.program.line(s.line).strip()
            if s.verdict == "unknown":
                try:
                    reads = {n.id for n in ast.walk(ast.parse(stmt.split("=", 1)[1].strip()))
                             if isinstance(n, ast.Name)}
                except (SyntaxError, IndexError):
                    reads = set()
                if all(verdict.get(r, "exact") == "exact" for r in reads):
                    roots.setdefault(statement_pattern(stmt), []).append((o.program.seed, s))
            verdict[s.name] = s.verdict
    if roots:
        total = sum(len(v) for v in roots.values())
        print(f"\nunknown shapes computed from exactly known inputs ({total} of {stats.unknown} unknown names), "
              f"most frequent:")
        for pat, items in sorted(roots.items(), key=lambda kv: -len(kv[1]))[:10]:
            seed, s = items[0]
            print(f"  [{len(items)}x] {pat}    (e.g. seed {seed} line {s.line}: inferred {s.inferred}, "
                  f"NumPy {list(s.real)})")
    print()
    return all(ok for _, _, ok, _ in verdicts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="number of programs per mode (default 3000)")
    ap.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--mode", choices=("both", "literal", "symbolic"), default="both",
                    help="literal sizes, symbolic sizes, or both (default)")
    ap.add_argument("--gaps", action="store_true",
                    help="symbolic programs may also use the forms the analyzer does not follow yet "
                         "(arithmetic on size parameters, a size parameter as an index, if-tests on symbolic sizes)")
    ap.add_argument("--examples", type=int, default=10, help="failure patterns to show (default 10)")
    ap.add_argument("--no-minimize", action="store_true", help="show failing programs as generated")
    args = ap.parse_args(argv)
    modes = ("literal", "symbolic") if args.mode == "both" else (args.mode,)
    ok = [report(mode, args) for mode in modes]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
