"""``--format concise``: one line per finding, ``path:line:col: CODE message``.

A finding that fails only with the shapes some calls pass ends with
``(with the shapes passed at path:line, ...)``.
"""

from __future__ import annotations

from typing import List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext, location, summary, with_calls


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    lines = [f"{location(d)}: {d.code} {with_calls(d)}" for d in diagnostics]
    if not ctx.quiet:
        lines.append(summary(diagnostics, ctx))
    return "\n".join(lines)
