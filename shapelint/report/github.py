"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=SL101::message``
(``::warning`` for warnings).  In a notebook, line and column are inside the
cell and the message starts with ``cell N:``.
"""

from __future__ import annotations

from typing import List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    out = []
    for d in diagnostics:
        level = "error" if d.severity == "error" else "warning"
        props = [f"file={_prop(d.path)}", f"line={d.line}", f"col={d.column}"]
        if d.end_line >= d.line:
            props += [f"endLine={d.end_line}", f"endColumn={d.end_column}"]
        props.append(f"title={_prop(d.code)}")
        message = f"cell {d.cell}: {d.message}" if d.cell is not None else d.message
        out.append(f"::{level} {','.join(props)}::{_data(f'{d.code} {message}')}")
    return "\n".join(out)
