"""Plain-text tables of the real-code benchmark, and its JSON record."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .lint import Finding


@dataclass
class MutantRecord:
    repo: str
    file: str  # path inside the repository
    function: str
    line: int
    kind: str
    before: str
    after: str
    outcome: str
    reason: Optional[str] = None  # not_run
    exc_type: Optional[str] = None  # crash
    exc: Optional[str] = None
    diff: Optional[List[str]] = None  # silent
    degenerate: bool = False  # the unit's recorded inputs make dimension swaps invisible
    inputs: Optional[str] = None  # "trace" / "docstring"
    linted: bool = False
    new_findings: List[Tuple[Finding, str]] = field(default_factory=list)  # (finding, where)
    cell: Optional[Tuple[int, int]] = None  # notebook (cell, line in cell)
    # how the mutated function was run: "trace" (calls recorded while the repository's code ran),
    # "docstring" (inputs made from its declarations), "conventions" (inputs made from the course's
    # names, --layout-inputs), or None (it could not be run: unclassifiable)
    classified_by: Optional[str] = None
    fix: Optional[dict] = None  # the fix round-trip of a caught bug (fixes.FixRecord.to_json)
    function_line: int = 0  # the function's first line (a notebook may define a name twice)

    @property
    def caught_error(self) -> bool:
        return any(f.severity == "error" for f, _ in self.new_findings)

    @property
    def caught_warning(self) -> bool:
        return any(f.severity != "error" for f, _ in self.new_findings)

    @property
    def caught(self) -> bool:
        return bool(self.new_findings)

    @property
    def where(self) -> Optional[str]:
        """Where the nearest new finding is: "line" < "function" < "call site"."""
        order = {"line": 0, "function": 1, "call site": 2}
        places = sorted((w for _, w in self.new_findings), key=lambda w: order[w])
        return places[0] if places else None

    def to_json(self) -> dict:
        return {"repo": self.repo, "file": self.file, "function": self.function,
                "function_line": self.function_line, "line": self.line,
                "cell": list(self.cell) if self.cell else None, "kind": self.kind, "before": self.before,
                "after": self.after, "outcome": self.outcome, "reason": self.reason, "exc_type": self.exc_type,
                "exc": self.exc, "shape_diff": self.diff, "degenerate_inputs": self.degenerate,
                "inputs": self.inputs, "classified_by": self.classified_by, "linted": self.linted,
                "new_findings": [dict(f.to_json(), where=w) for f, w in self.new_findings], "fix": self.fix}


BUG_OUTCOMES = ("crash", "silent")  # the mutants that are bugs: they raise, or change a shape


def pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100.0 * n / d:.1f}%)" if d else "-"


def table(header: Sequence[str], rows: Iterable[Sequence[object]], align_left: int = 1) -> List[str]:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < align_left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [fmt(header), "  ".join("-" * w for w in widths)]
    out += [fmt(r) for r in rows]
    return out


def mutant_rows(records: Sequence[MutantRecord], key, labels: Sequence[str]) -> List[List[object]]:
    rows = []
    for label in list(labels) + ["all"]:
        group = [r for r in records if label == "all" or key(r) == label]
        if not group and label != "all":
            continue
        c = collections.Counter(r.outcome for r in group)
        crash = [r for r in group if r.outcome == "crash"]
        silent = [r for r in group if r.outcome == "silent"]
        rows.append([label, len(group), c["crash"], c["silent"], c["no_effect"], c["timeout"], c["not_run"],
                     pct(sum(r.caught_error for r in crash), len(crash)),
                     pct(sum(r.caught_warning and not r.caught_error for r in crash), len(crash)),
                     pct(sum(r.caught for r in crash), len(crash)),
                     pct(sum(r.caught for r in silent), len(silent))])
    return rows


MUTANT_HEADER = ["", "mutants", "crash", "silent", "no-eff", "t/o", "not-run", "crash caught: error",
                 "warning only", "either", "silent caught"]


def percentile(values: Sequence[int], percent: int) -> int:
    """Nearest-rank percentile of a non-empty list: the smallest value with `percent` % of them at or below
    it (integer arithmetic: 90 % of 10 values is the 9th, not the 10th by a float rounding)."""
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)  # ceil
    return ordered[max(rank, 1) - 1]


def landing(records: Sequence[MutantRecord]) -> Tuple[List[str], dict]:
    """Where the findings of the caught bugs land (issue 15): the share with a finding on the mutated line
    (for a notebook, the line of its .py), and how many new findings one bug brings."""
    caught = [r for r in records if r.outcome in BUG_OUTCOMES and r.caught]
    on_line = sum(any(w == "line" for _, w in r.new_findings) for r in caught)
    counts = [len(r.new_findings) for r in caught]
    data = {"caught": len(caught), "on_mutated_line": on_line,
            "share_on_mutated_line": round(on_line / len(caught), 4) if caught else None,
            "new_findings_per_bug": {"median": percentile(counts, 50), "p90": percentile(counts, 90),
                                     "max": max(counts)} if counts else None}
    out = [f"caught bugs (crash or silent) with a finding on the mutated line: {pct(on_line, len(caught))} "
           f"(issue 15 target: >= 80%)"]
    if counts:
        per = data["new_findings_per_bug"]
        out.append(f"new findings per caught bug: median {per['median']}, p90 {per['p90']}, max {per['max']} "
                   f"(target: median 1, p90 <= 2)")
    return out, data


def classification(records: Sequence[MutantRecord]) -> Tuple[List[str], dict]:
    """Every function with a seeded bug, called or not: how it could be run, and the recall over the
    functions the repository's own code runs against the recall over every function that could be run
    (issue 15: "caught on code the repository runs" is not "caught")."""
    functions: Dict[Tuple[str, str, str, int], Optional[str]] = {}
    for r in records:
        functions[(r.repo, r.file, r.function, r.function_line)] = r.classified_by
    by = collections.Counter(functions.values())
    mutants_by = collections.Counter(r.classified_by for r in records)
    labels = (("trace", "recorded calls"), ("docstring", "docstring inputs"), ("conventions", "layout conventions"),
              (None, "unclassifiable"))
    data: dict = {"functions_with_mutants": len(functions),
                  "functions": {label: by[key] for key, label in labels},
                  "mutants": {label: mutants_by[key] for key, label in labels}}
    out = [f"functions with a seeded bug: {len(functions)}; classified by recorded calls {by['trace']}, "
           f"by inputs made from their docstrings {by['docstring']}, from the course's layout conventions "
           f"{by['conventions']}, unclassifiable {by[None]} (their mutants: "
           f"{', '.join(str(mutants_by[key]) for key, _ in labels)})"]
    for label, sources in (("caught on code the repository runs", ("trace",)),
                           ("caught over all classifiable", ("trace", "docstring", "conventions"))):
        entry = {}
        parts = []
        for outcome in BUG_OUTCOMES:
            group = [r for r in records if r.outcome == outcome and r.classified_by in sources]
            n = sum(r.caught for r in group)
            entry[outcome] = {"caught": n, "of": len(group), "recall": round(n / len(group), 4) if group else None}
            parts.append(f"{outcome} {pct(n, len(group))}")
        data[label] = entry
        out.append(f"{label}: {', '.join(parts)}")
    return out, data


def unmodified_headline(findings: Dict[str, List[Finding]], lines: int, display: Dict[str, str]
                        ) -> Tuple[List[str], dict]:
    """The gate on code nobody seeded (issue 16): every finding on the unmodified files in the default
    configuration, per 1,000 lines, with the errors among them, each listed for review."""
    listed = sorted((display.get(path, path), f.line, f.code, f.severity)
                    for path, fs in findings.items() for f in fs)
    n = len(listed)
    errors = sum(1 for *_, sev in listed if sev == "error")
    per = n / (lines / 1000.0) if lines else 0.0
    data = {"files": len(findings), "lines": lines, "findings": n, "errors": errors,
            "per_1000_lines": round(per, 4), "target": "<= 0.1 per 1,000 lines, 0 errors",
            "list": [f"{path}:{line} {code} ({sev})" for path, line, code, sev in listed]}
    out = [f"findings on the unmodified files, default configuration: {n} in {lines} lines = {per:.3f} per "
           f"1,000 lines, {errors} errors (issue 16 target: <= 0.1 per 1,000 lines, 0 errors)"]
    return out, data


def findings_section(findings: Dict[str, List[Finding]], lines: int, display: Dict[str, str],
                     cells: Dict[str, Dict[int, Tuple[int, int]]]) -> List[str]:
    out = []
    by_code: collections.Counter = collections.Counter()  # (code, severity): a code may be either
    listed = []
    for path, fs in findings.items():
        for f in fs:
            by_code[(f.code, f.severity)] += 1
            listed.append((display.get(path, path), f, cells.get(path, {}).get(f.line)))
    n_err = sum(n for (_, sev), n in by_code.items() if sev == "error")
    n_warn = sum(by_code.values()) - n_err
    k = lines / 1000.0 if lines else 1.0
    out.append(f"{lines} lines in {len(findings)} files: {n_err} errors ({n_err / k:.3f} per 1,000 lines), "
               f"{n_warn} warnings ({n_warn / k:.3f} per 1,000 lines)")
    rows = [[code, sev, n, f"{n / k:.3f}"] for (code, sev), n in sorted(by_code.items())]
    if rows:
        out += table(["code", "severity", "findings", "per 1,000 lines"], rows, align_left=2)
    if listed:
        out.append("")
        out.append("every finding (path:line code message; errors first):")
        for path, f, cell in sorted(listed, key=lambda e: (e[1].severity != "error", e[0], e[1].line)):
            where = f" [notebook cell {cell[0]} line {cell[1]}]" if cell else ""
            out.append(f"  {path}:{f.line}{where} {f.code} ({f.severity}) {f.message}")
    return out
