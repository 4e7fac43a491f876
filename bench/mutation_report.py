"""How many shape bugs does shapelint catch in course-style code?  Mutation report for fixtures/course/.

    python bench/mutation_report.py [--all]

Every mutant is one change at one site (np.dot(W, A) -> np.dot(A, W), np.dot -> *,
keepdims=True dropped, np.zeros((n, 1)) -> np.zeros(n), a .T added or removed,
X.shape[1] <-> X.shape[0]).  Each is classified by running it with NumPy
(crash / silent shape change / equivalent) and then linted; see
tests/course/mutants.py.  Prints per-operator counts, the catch rates against
the targets (90% of crashing mutants, 60% of silent ones), the findings on the
correct fixtures, and every missed mutant with the line it changed.  --all also
lists the caught mutants with their findings.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "course"))

import mutants as M  # noqa: E402

CRASH_TARGET = 0.9
SILENT_TARGET = 0.6


def pct(caught: int, total: int) -> str:
    return f"{caught}/{total} ({caught / total:.0%})" if total else "-"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--all", action="store_true", help="also list the caught mutants and their findings")
    args = parser.parse_args()

    start = time.perf_counter()
    mutants = M.evaluate()
    elapsed = time.perf_counter() - start

    print(f"== {len(mutants)} mutants of {len(M.MODULES)} fixtures in {M.FIXTURE_DIR.relative_to(ROOT)} "
          f"({elapsed:.1f} s)")
    header = (f"{'operator':<17} {'total':>5} {'crash':>5} {'silent':>6} {'equiv':>5} {'(values differ)':>15} "
              f"{'other':>5}   {'crash caught':>13} {'silent caught':>13} {'in function':>11}")
    print(header)
    print("-" * len(header))
    rows = list(M.OPERATORS) + ["all"]
    for op in rows:
        group = [m for m in mutants if op == "all" or m.operator == op]
        kinds = collections.Counter(m.kind for m in group)
        crash = [m for m in group if m.kind == "crash"]
        silent = [m for m in group if m.kind == "silent"]
        equiv_values = sum(m.value_changed for m in group if m.kind == "equivalent")
        caught = [m for m in crash + silent if m.caught()]
        near = sum(m.caught_near() for m in caught)
        if op == "all":
            print("-" * len(header))
        print(f"{op:<17} {len(group):>5} {kinds['crash']:>5} {kinds['silent']:>6} {kinds['equivalent']:>5} "
              f"{equiv_values:>15} {kinds['crash-other']:>5}   "
              f"{pct(sum(m.caught() for m in crash), len(crash)):>13} "
              f"{pct(sum(m.caught() for m in silent), len(silent)):>13} {near:>4}/{len(caught):<6}")

    rates = M.rates(mutants)
    print()
    for kind, target in (("crash", CRASH_TARGET), ("silent", SILENT_TARGET)):
        caught, total = rates[kind]
        share = caught / total if total else 0.0
        verdict = "meets" if share >= target else "BELOW"
        print(f"{kind} mutants caught: {pct(caught, total)}; target {target:.0%}: {verdict}")
    print("(crash: caught by an SL1xx/SL3xx finding the correct file does not have; silent: by any new finding;"
          " 'in function': a catching finding lies in, or points into, the mutated function)")
    caught = [m for m in mutants if m.kind in ("crash", "silent") and m.caught()]
    on_line = sum(any(line == m.line and (m.kind != "crash" or code.startswith(("SL1", "SL3")))
                      for line, code, _, _ in m.findings) for m in caught)
    print(f"caught with a catching finding on the mutated line itself: {pct(on_line, len(caught))}")

    print("\n== findings on the correct fixtures")
    total_errors = total_warnings = 0
    for module in M.MODULES:
        found = M.correct_findings(module)
        errors = [f for f in found if f[2] == "error"]
        total_errors += len(errors)
        total_warnings += len(found) - len(errors)
        print(f"   {module}.py: {len(errors)} errors, {len(found) - len(errors)} warnings")
        for line, code, severity, message in found:
            print(f"      {line}: {code} {severity} {message}")
    print(f"   in total: {total_errors} errors, {total_warnings} warnings")

    print("\n== missed mutants (by fixture and function)")
    missed = [m for m in mutants if m.kind in ("crash", "silent") and not m.caught()]
    by_function = collections.defaultdict(list)
    for m in missed:
        by_function[(m.module, m.function)].append(m)
    for (module, function), group in by_function.items():
        print(f"   {module}.py {function}:")
        for m in group:
            print(f"      line {m.line} {m.operator} ({m.kind}): {m.after}")
            print(f"         was: {m.before}")
            print(f"         at run time: {m.detail}")
            if m.findings:
                print("         findings (not enough for a crash mutant): "
                      + "; ".join(f"{line}: {code}" for line, code, _, _ in m.findings))
    other = [m for m in mutants if m.kind == "crash-other"]
    if other:
        print("\n== mutants failing with something other than a shape error (excluded from the rates)")
        for m in other:
            print(f"   {m.ident}: {m.after}  [{m.detail}]")

    print("\n== equivalent mutants (excluded from the rates)")
    for m in mutants:
        if m.kind == "equivalent":
            extra = "values differ" if m.value_changed else "values equal too"
            found = ("; findings: " + ", ".join(f"{line}: {code}" for line, code, _, _ in m.findings)) if m.findings else ""
            print(f"   {m.ident}: {m.after}  [{extra}{found}]")

    if args.all:
        print("\n== caught mutants")
        for m in mutants:
            if m.caught():
                print(f"   {m.ident} ({m.kind}): {m.after}")
                for line, code, severity, message in m.findings:
                    print(f"      {line}: {code} {severity} {message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
