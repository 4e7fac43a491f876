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
        return {"repo": self.repo, "file": self.file, "function": self.function, "line": self.line,
                "cell": list(self.cell) if self.cell else None, "kind": self.kind, "before": self.before,
                "after": self.after, "outcome": self.outcome, "reason": self.reason, "exc_type": self.exc_type,
                "exc": self.exc, "shape_diff": self.diff, "degenerate_inputs": self.degenerate,
                "inputs": self.inputs, "linted": self.linted,
                "new_findings": [dict(f.to_json(), where=w) for f, w in self.new_findings]}


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


def findings_section(findings: Dict[str, List[Finding]], lines: int, display: Dict[str, str],
                     cells: Dict[str, Dict[int, Tuple[int, int]]]) -> List[str]:
    out = []
    by_code: collections.Counter = collections.Counter()
    severity: Dict[str, str] = {}
    errors = []
    for path, fs in findings.items():
        for f in fs:
            by_code[f.code] += 1
            severity[f.code] = f.severity
            if f.severity == "error":
                errors.append((display.get(path, path), f, cells.get(path, {}).get(f.line)))
    n_err = sum(n for c, n in by_code.items() if severity[c] == "error")
    n_warn = sum(by_code.values()) - n_err
    k = lines / 1000.0 if lines else 1.0
    out.append(f"{lines} lines in {len(findings)} files: {n_err} errors ({n_err / k:.3f} per 1,000 lines), "
               f"{n_warn} warnings ({n_warn / k:.3f} per 1,000 lines)")
    rows = [[code, severity[code], n, f"{n / k:.3f}"] for code, n in sorted(by_code.items())]
    if rows:
        out += table(["code", "severity", "findings", "per 1,000 lines"], rows, align_left=2)
    if errors:
        out.append("")
        out.append("every error finding (path:line code message):")
        for path, f, cell in sorted(errors, key=lambda e: (e[0], e[1].line)):
            where = f" [notebook cell {cell[0]} line {cell[1]}]" if cell else ""
            out.append(f"  {path}:{f.line}{where} {f.code} {f.message}")
    return out
