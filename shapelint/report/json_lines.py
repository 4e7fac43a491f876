"""``--format json-lines``: one JSON object per line (the keys of ``--format json``)."""

from __future__ import annotations

import json
from typing import List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    return "\n".join(json.dumps(d.to_json(), ensure_ascii=False) for d in diagnostics)
