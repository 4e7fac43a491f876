"""``--format concise``: one line per finding, ``path:line:col: CODE message``."""

from __future__ import annotations

from typing import List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext, location, summary


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    lines = [f"{location(d)}: {d.code} {d.message}" for d in diagnostics]
    if not ctx.quiet:
        lines.append(summary(diagnostics, ctx))
    return "\n".join(lines)
