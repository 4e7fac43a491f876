"""The fix round-trip (``--fix-roundtrip``, issue 16): does ``shapelint check --fix --unsafe-fixes`` turn a
caught bug back into working code?

Each caught mutant (crash or silent, with a new finding) is written into a
fresh copy of its in-place folder (``real_code_report._overlay``: the mutant
replaces its original, every other entry is a symlink), and this checkout's
shapelint fixes the mutants there, all of them in one run per batch.  Each
fixed file is then

* **checked**: ``shapelint check`` again; it is clean when every finding on
  it is also on the unmutated file (same code, same line once the lines are
  mapped through the fix's edits);
* **run** as the mutants were (``rerun_worker.py``, under the corpus
  interpreter, on the calls recorded from the file's own run or on the inputs
  made from the docstring): the fixed function is rebuilt from its lines in
  the fixed file and called; it **runs** when no recorded call raises, and
  **gives the original's shapes** when every call does.

A fix that also edits lines outside the mutated function is not judged by
the function's calls (it counts as neither running nor giving the shapes).
The run results are cached in ``<work>/truth/fix-*.json`` like the truth.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import execute, layout, lint, mutate
from .corpus import SourceFile

FIX_FLAGS = ("--fix", "--unsafe-fixes")


def unsupported() -> Optional[str]:
    """Why this checkout's shapelint cannot do the round-trip (None when `check` has both fix flags)."""
    out, err, code = lint._run(["check", "--help"], lint.ROOT)
    missing = [flag for flag in FIX_FLAGS if flag not in out]
    if code != 0 or missing:
        return (f"`shapelint check` of this checkout has no {' / '.join(missing)}" if missing else
                f"`shapelint check --help` failed (exit {code}): {err.strip()[-300:]}")
    return None


def _opcodes(old: Sequence[str], new: Sequence[str]):
    return difflib.SequenceMatcher(None, list(old), list(new), autojunk=False).get_opcodes()


def map_line(opcodes, line: int) -> Optional[int]:
    """A 1-based line of the old text in the new one (None when it was deleted or replaced)."""
    i = line - 1
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= i < i2:
            if tag == "equal":
                return j1 + (i - i1) + 1
            return None
    return None


def unit_edit(mutant_lines: Sequence[str], fixed_lines: Sequence[str], start: int, end: int
              ) -> Tuple[bool, bool, Optional[List[str]]]:
    """(edited at all, edited outside lines start..end, the fixed lines of start..end)."""
    ops = _opcodes(mutant_lines, fixed_lines)
    changed = [op for op in ops if op[0] != "equal"]
    def inside(i1: int, i2: int) -> bool:  # lines i1..i2-1 (0-based) replaced, or lines inserted before i1
        return start - 1 <= i1 and i2 <= end if i1 < i2 else start - 1 < i1 < end

    outside = any(not inside(i1, i2) for _, i1, i2, _, _ in changed)
    new_start = new_end = None
    for tag, i1, i2, j1, j2 in ops:
        if i1 <= start - 1 < i2:
            new_start = j1 + (start - 1 - i1) if tag == "equal" else j1
        if i1 <= end - 1 < i2:
            new_end = j1 + (end - 1 - i1) if tag == "equal" else j2 - 1
    if new_start is None or new_end is None or new_end < new_start:
        return bool(changed), True, None
    return bool(changed), outside, list(fixed_lines[new_start:new_end + 1])


def clean(original_lines: Sequence[str], fixed_lines: Sequence[str], on_original: Sequence[lint.Finding],
          on_fixed: Sequence[lint.Finding]) -> bool:
    """Every finding on the fixed file is one the unmutated file has (its line mapped through the edits)."""
    ops = _opcodes(original_lines, fixed_lines)
    before = {(f.code, map_line(ops, f.line)) for f in on_original}
    return all((f.code, f.line) in before for f in on_fixed)


@dataclass
class FixRecord:
    """One caught mutant through the round-trip."""

    mutant: int  # index into the report's records
    changed: bool = False  # the fixer edited the file
    outside: bool = False  # ... also outside the mutated function
    clean: Optional[bool] = None
    outcome: Optional[str] = None  # same / differs / raises / timeout / not_run (rerun_worker), None: not run
    detail: Optional[str] = None
    new_findings: List[lint.Finding] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.outcome in ("same", "differs")

    @property
    def same_shapes(self) -> bool:
        return self.outcome == "same"

    def to_json(self) -> dict:
        return {"changed": self.changed, "edited_outside_function": self.outside, "clean": self.clean,
                "run": self.outcome, "detail": self.detail, "runs": self.runs, "same_shapes": self.same_shapes}


def job_for(f: SourceFile, scan: mutate.Scan, fixes: List[Tuple[int, mutate.Function, List[str]]],
            budgets: execute.Budgets, matplotlib: bool, driver: Optional[SourceFile],
            by_conventions: Sequence[mutate.Function] = ()) -> dict:
    """A worker job over the units that have fixes, with the fixed bodies in place of mutants; the units the
    truth ran on inputs made from the layout conventions (`by_conventions`) get those inputs again."""
    job = execute.job_for(f, scan, budgets, matplotlib, driver)
    wanted = {(fn.qualname, fn.start) for _, fn, _ in fixes}
    conventions = {(fn.qualname, fn.start): fn for fn in by_conventions}
    units = [u for u in job["units"] if (u["qualname"], u["start"]) in wanted]
    for u in units:
        fn = conventions.get((u["qualname"], u["start"]))
        if fn is not None:
            u["synth"], u["synth_source"] = layout.inputs(fn), "conventions"
    ids = {(u["qualname"], u["start"]): u["id"] for u in units}
    job.pop("mutants")
    job["units"] = units
    job["fixes"] = [{"id": k, "unit": ids[(fn.qualname, fn.start)], "body": body} for k, fn, body in fixes]
    return job


def run_jobs(items: Sequence[Tuple[SourceFile, dict]], work: Path, python: str, jobs: int,
             progress: Callable[[str], None]) -> Dict[int, dict]:
    """fix id -> rerun_worker.py's record of it, from the cache or by running (jobs in parallel)."""
    ident = execute.python_identity(python)
    results: Dict[int, dict] = {}
    lock = threading.Lock()

    def one(item: Tuple[SourceFile, dict]) -> None:
        f, job = item
        records, note = execute.rerun_cached("fix", f, job, work, python, ident)
        if not any(r.get("type") == "done" for r in records):
            problem = note or next((r["error"] for r in records if r.get("type") == "worker_error"), "stopped")
            records = records + [{"type": "fix", "id": x["id"], "outcome": None, "detail": problem}
                                 for x in job["fixes"]]
        with lock:
            for r in records:
                if r.get("type") == "fix" and r["id"] not in results:
                    results[r["id"]] = r

    execute.run_pool(items, one, jobs, progress, "fix round-trip")
    return results


def summary(fixes: Sequence[FixRecord], seconds: float) -> Tuple[List[str], dict]:
    n = len(fixes)
    changed = sum(f.changed for f in fixes)
    runs = sum(f.runs for f in fixes)
    same = sum(f.same_shapes for f in fixes)
    ok = sum(bool(f.clean) for f in fixes)
    all_three = sum(f.runs and f.same_shapes and bool(f.clean) for f in fixes)
    outside = sum(f.outside for f in fixes)

    def share(k: int) -> Optional[float]:
        return round(k / n, 4) if n else None

    from .report import pct
    data = {"caught": n, "changed": changed, "edited_outside_function": outside, "runs": runs,
            "same_shapes": same, "checks_clean": ok, "all_three": all_three, "share_runs": share(runs),
            "share_same_shapes": share(same), "share_checks_clean": share(ok), "share_all_three": share(all_three),
            "seconds": round(seconds, 1)}
    out = [f"caught bugs given to `shapelint check --fix --unsafe-fixes`: {n}; the fixer edited {changed} "
           f"({outside} also outside the mutated function, not judged by running)",
           f"fixed file runs on the recorded calls:      {pct(runs, n)}",
           f"... and gives the original's output shapes: {pct(same, n)}",
           f"fixed file checks clean:                    {pct(ok, n)}",
           f"all three:                                  {pct(all_three, n)}",
           f"round-trip time: {seconds:.0f} s"]
    return out, data
