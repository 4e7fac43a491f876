"""``--format json``: one JSON array of findings.

Keys: path, line, column, end_line, end_column (1-based; the end is just
past the node), code, severity ("error" | "warning"), message, cell (the
1-based position of the cell among all the notebook's cells, with line and
column counted inside that cell; null for .py files), file_line (in a
notebook, the line of the .ipynb file that holds the reported line; null for
.py files), related (other places that belong to the finding: path, line,
column, message, cell, file_line, role: "call" for a call that passes the
shapes the finding fails with, "fails" for the line of another module where
it fails; empty for most findings), fix
(null, or the checked fix whose title ends the message: {title,
applicability ("safe" | "unsafe" | "display"), edits: [{line, column,
end_line, end_column, content}]}, an edit replacing the text from its start
up to its end, in a notebook with the edit's ``cell``).
"""

from __future__ import annotations

import json
from typing import List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False)
