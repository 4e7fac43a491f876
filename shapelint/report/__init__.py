"""Output formats.  One module per format, each with ``render(diagnostics, ctx) -> str``.

Modules are imported only when their format is used.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from shapelint.diagnostics import Diagnostic

# format name -> module under shapelint.report
FORMATS: Dict[str, str] = {
    "text": "text",
    "concise": "concise",
    "json": "json_format",
    "json-lines": "json_lines",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}


@dataclass
class ReportContext:
    root: Path  # the project root: SARIF URIs are relative to it
    cwd: Path
    files: List[str] = field(default_factory=list)  # display paths of every file checked
    color: bool = False
    quiet: bool = False  # findings only: no summary line
    baselined: int = 0  # findings hidden by --baseline
    internal_errors: List[str] = field(default_factory=list)  # "path: message"
    # functions no finding could come from: nothing calls them with sizes, nothing declares any
    # (see `shapelint.analysis.summaries.FunctionFacts.unchecked`); the summary says how many
    unchecked: int = 0


def location(d: Diagnostic) -> str:
    """``path:line:col``, or ``path:cell N:line:col`` in a notebook."""
    if d.cell is not None:
        return f"{d.path}:cell {d.cell}:{d.line}:{d.column}"
    return f"{d.path}:{d.line}:{d.column}"


def place(path: str, line: int, cell: Optional[int]) -> str:
    """``FILE:LINE``, or ``FILE:cell N:LINE`` in a notebook."""
    return f"{path}:cell {cell}:{line}" if cell is not None else f"{path}:{line}"


def passed_at(d: Diagnostic) -> str:
    """``fails at b.py:33; with the shapes passed at a.py:9, a.py:12``: where the finding fails in
    another module, and the calls whose arguments make it fail (its related locations), or ``""``."""
    fails = [place(r.path, r.line, r.cell) for r in d.related if r.role == "fails"]
    calls = [place(r.path, r.line, r.cell) for r in d.related if r.role != "fails"]
    return "; ".join(([f"fails at {', '.join(fails)}"] if fails else [])
                     + ([f"with the shapes passed at {', '.join(calls)}"] if calls else []))


def related_notes(d: Diagnostic) -> List[str]:
    """A note per related location, as the text format prints them under the finding."""
    return [f"fails at {place(r.path, r.line, r.cell)}" if r.role == "fails"
            else f"with the shapes passed at {place(r.path, r.line, r.cell)}" for r in d.related]


def with_calls(d: Diagnostic) -> str:
    """The message, and the calls that pass the shapes it fails with, on one line."""
    note = passed_at(d)
    return f"{d.message} ({note})" if note else d.message


def summary(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    hidden = f" ({ctx.baselined} known {'finding' if ctx.baselined == 1 else 'findings'} hidden by the baseline)" \
        if ctx.baselined else ""
    unchecked = _unchecked(ctx.unchecked)
    if not diagnostics:
        return f"All checks passed!{hidden}{unchecked}"
    n = len(diagnostics)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = n - errors
    files = len({d.path for d in diagnostics})
    kinds = []
    if errors:
        kinds.append(f"{errors} {'error' if errors == 1 else 'errors'}")
    if warnings:
        kinds.append(f"{warnings} {'warning' if warnings == 1 else 'warnings'}")
    return (f"Found {n} {'finding' if n == 1 else 'findings'} ({', '.join(kinds)}) "
            f"in {files} {'file' if files == 1 else 'files'}.{hidden}{unchecked}")


def _unchecked(n: int) -> str:
    """Silence is not a clean bill: how many functions shapelint could not check at all."""
    if not n:
        return ""
    return (f" ({n} {'function' if n == 1 else 'functions'} could not be checked: no caller and no declared "
            "shapes; see `shapelint coverage`)")


def render(fmt: str, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"shapelint.report.{FORMATS[fmt]}")
    return module.render(list(diagnostics), ctx)


def render_statistics(fmt: str, diagnostics: Sequence[Diagnostic]) -> str:
    """``--statistics``: the number of findings per code (JSON for json formats)."""
    import json

    from shapelint.rules import all_rules

    rules = all_rules()
    counts = Counter(d.code for d in diagnostics)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if fmt in ("json", "json-lines"):
        data = [{"code": c, "name": getattr(rules.get(c), "name", ""), "count": n} for c, n in rows]
        return json.dumps(data, indent=2)
    if not rows:
        return ""
    width = max(len(str(n)) for _, n in rows)
    return "\n".join(f"{n:>{width}}  {c:<6} {getattr(rules.get(c), 'name', '')}" for c, n in rows)
