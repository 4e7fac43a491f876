"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=SL101::message``
(``::warning`` for warnings).  In a notebook the annotation is on the line of
the ``.ipynb`` file that holds the source line (no column: the JSON quoting
moves it), and the message starts with ``cell N, line L:``, the line inside
the cell.  A finding that fails only with the shapes some calls pass ends
with ``(with the shapes passed at path:line, ...)``.
"""

from __future__ import annotations

from typing import List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext, with_calls


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    out = []
    for d in diagnostics:
        level = "error" if d.severity == "error" else "warning"
        if d.cell is not None and d.file_line is not None:
            props = [f"file={_prop(d.path)}", f"line={d.file_line}", f"endLine={d.file_line}"]
            message = f"cell {d.cell}, line {d.line}: {with_calls(d)}"
        else:
            props = [f"file={_prop(d.path)}", f"line={d.line}", f"col={d.column}"]
            if d.end_line >= d.line:
                props += [f"endLine={d.end_line}", f"endColumn={d.end_column}"]
            message = f"cell {d.cell}: {with_calls(d)}" if d.cell is not None else with_calls(d)
        props.append(f"title={_prop(d.code)}")
        out.append(f"::{level} {','.join(props)}::{_data(f'{d.code} {message}')}")
    return "\n".join(out)
