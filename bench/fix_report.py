"""What does `check --fix --unsafe-fixes` do to the caught mutants of fixtures/course/?

    python bench/fix_report.py [--all]

Each mutant that shapelint catches (tests/course/mutants.py) is fixed as
`shapelint check --fix --unsafe-fixes` would fix it (shapelint.fixing.fix_file,
nothing written), then the fixed source is
- checked: clean means no finding the correct fixture does not have;
- run with the training step, like the mutants: it runs when nothing raises, and
  it gives the original's shapes when every traced array has the shape it has in
  the correct program;
- compared with the correct source (restored: byte for byte).
Prints the counts per mutation operator; --all lists every caught mutant.
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

from shapelint.fixing import fix_file  # noqa: E402
from shapelint.rules import default_codes  # noqa: E402


def same_shapes(ref: "M.Run", run: "M.Run") -> bool:
    if any(ref.trace[k][0] != run.trace[k][0] for k in set(ref.trace) & set(run.trace)):
        return False
    return not [k for k in set(ref.trace) ^ set(run.trace) if (ref.trace.get(k) or run.trace[k])[0] != ()]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--all", action="store_true", help="list every caught mutant and what its fix gave")
    args = parser.parse_args()
    start = time.perf_counter()
    mutants = [m for m in M.evaluate() if m.caught()]
    correct = M.correct_sources()
    rows = []
    for m in mutants:
        path = str(M.fixture_path(m.module))
        result = fix_file(m.source.encode(), path, default_codes(), None, unsafe=True)
        fixed = result.fixed.decode()
        changed = result.changed
        old = {(line, code) for line, code, _, _ in M.correct_findings(m.module)}
        clean = not [d for d in result.outcome.diagnostics if (d.line, d.code) not in old]
        sources = dict(correct)
        sources[m.module] = fixed
        run = M.run_program(sources, m.module)
        runs = run.error is None
        shapes = runs and same_shapes(M.reference_run(m.module), run)
        rows.append((m, changed, clean, runs, shapes, fixed == correct[m.module]))
    elapsed = time.perf_counter() - start

    print(f"== {len(mutants)} caught mutants of {len(M.MODULES)} fixtures, fixed with --fix --unsafe-fixes "
          f"({elapsed:.1f} s)")
    header = f"{'operator':<17} {'caught':>6} {'fixed':>5} {'clean':>5} {'runs':>5} {'shapes':>6} {'restored':>8}"
    print(header)
    print("-" * len(header))
    for op in list(M.OPERATORS) + ["all"]:
        group = [r for r in rows if op == "all" or r[0].operator == op]
        if not group:
            continue
        counts = [sum(r[i] for r in group) for i in range(1, 6)]
        print(f"{op:<17} {len(group):>6} " + " ".join(f"{c:>{w}}" for c, w in zip(counts, (5, 5, 5, 6, 8))))
    print("\nfixed: the file changed; clean: no finding left that the correct fixture lacks; runs: the training "
          "step raises nothing;\nshapes: every traced array has the correct program's shape; restored: the correct "
          "source, byte for byte.")
    if args.all:
        for m, changed, clean, runs, shapes, restored in rows:
            marks = ",".join(k for k, v in (("fixed", changed), ("clean", clean), ("runs", runs),
                                              ("shapes", shapes), ("restored", restored)) if v) or "-"
            print(f"  {m.ident}: {m.before!r} -> {m.after!r}: {marks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
