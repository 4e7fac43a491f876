"""``--format text`` (default): location, code, message, the source line and a caret.

A finding that fails only with the shapes some calls pass has a note for each of them:
`` = note: with the shapes passed at path:line``.
"""

from __future__ import annotations

from typing import List

import click

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext, location, related_notes, summary


def _style(text: str, ctx: ReportContext, **kw) -> str:
    return click.style(text, **kw) if ctx.color else text


MAX_SHOWN = 120  # a longer source line is shown as a window around the column, "..." at the cuts


def _caret(d: Diagnostic) -> tuple:
    """(line shown, spaces before the caret, caret width), tabs expanded."""
    raw = d.source_line.rstrip("\r\n")
    line = raw.expandtabs(4)
    col = max(d.column, 1)
    pad = len(raw[: col - 1].expandtabs(4))
    if d.end_line == d.line and d.end_column > d.column:
        width = len(raw[col - 1: d.end_column - 1].expandtabs(4))
    else:
        width = len(raw[col - 1:].expandtabs(4))
    width = max(width, 1)
    if len(line) <= MAX_SHOWN:
        return line, pad, width
    start = max(0, min(pad - MAX_SHOWN // 3, len(line) - MAX_SHOWN))
    shown = line[start:start + MAX_SHOWN]
    pad -= start
    if start > 0:
        shown, pad = "..." + shown, pad + 3
    if start + MAX_SHOWN < len(line):
        shown += "..."
    return shown, pad, max(1, min(width, len(shown) - pad))


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    out: List[str] = []
    for d in diagnostics:
        colour = "red" if d.severity == "error" else "yellow"
        head = (_style(location(d), ctx, bold=True) + ": "
                + _style(d.code, ctx, fg=colour, bold=True) + " " + d.message)
        out.append(head)
        if d.source_line.strip():
            shown, pad, width = _caret(d)
            gutter = str(d.line)
            out.append(_style(f" {gutter} |", ctx, fg="blue") + " " + shown)
            out.append(_style(f" {' ' * len(gutter)} |", ctx, fg="blue") + " " + " " * pad
                       + _style("^" * width, ctx, fg=colour, bold=True))
        for note in related_notes(d):
            out.append(_style(" = note:", ctx, fg="blue") + f" {note}")
        out.append("")
    if not ctx.quiet:
        out.append(summary(diagnostics, ctx))
    return "\n".join(out).strip("\n")
