"""``--format sarif``: SARIF 2.1.0 for code scanning (e.g. GitHub's upload-sarif action).

``tool.driver.rules`` lists every rule of the registry; each result has a
``ruleId``, a ``level`` (error / warning), a message, and a location whose
``artifactLocation.uri`` is relative to the project root (``%SRCROOT%``) with
a 1-based region.  In a notebook the region is inside the cell and the cell
is in the result's ``properties.cell``.  A finding's checked fix is its
``fixes`` entry (one ``artifactChange`` of ``replacements``; the applicability,
safe / unsafe / display, in its ``properties``); notebook findings have none.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import quote

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str, ctx: ReportContext) -> Dict[str, str]:
    p = Path(path)
    if not p.is_absolute():
        p = ctx.cwd / p
    p = Path(os.path.normpath(p))
    try:
        rel = p.relative_to(ctx.root)
        return {"uri": quote(rel.as_posix()), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": p.as_uri()}


def _fixes(d: Diagnostic, ctx: ReportContext) -> List[Dict[str, Any]]:
    """The finding's checked fix as SARIF ``fixes`` (its applicability in the properties).  Not for
    notebooks: their edits are in cell coordinates, not regions of the .ipynb file."""
    fix = d.fix
    if fix is None or not fix.edits or d.cell is not None:
        return []
    replacements = [{"deletedRegion": {"startLine": e.line, "startColumn": e.column,
                                       "endLine": e.end_line, "endColumn": e.end_column},
                     "insertedContent": {"text": e.content}} for e in fix.edits]
    return [{"description": {"text": fix.title},
             "artifactChanges": [{"artifactLocation": _uri(d.path, ctx), "replacements": replacements}],
             "properties": {"applicability": fix.applicability}}]


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    from shapelint import __version__
    from shapelint.rules import all_rules

    rules = all_rules()
    index = {code: i for i, code in enumerate(rules)}
    driver_rules = []
    for code, rule in rules.items():
        driver_rules.append({
            "id": code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.summary},
            "help": {"text": rule.doc, "markdown": rule.doc},
            "defaultConfiguration": {"level": "error" if rule.severity == "error" else "warning",
                                     "enabled": bool(rule.default_enabled)},
            "properties": {"tags": ["shapelint"]},
        })
    results = []
    for d in diagnostics:
        region: Dict[str, Any] = {"startLine": max(d.line, 1), "startColumn": max(d.column, 1)}
        if d.end_line >= d.line:
            region["endLine"] = max(d.end_line, 1)
            if d.end_line > d.line or d.end_column > d.column:
                region["endColumn"] = max(d.end_column, 1)
        if d.source_line:
            region["snippet"] = {"text": d.source_line}
        result: Dict[str, Any] = {
            "ruleId": d.code,
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": d.message if d.cell is None else f"cell {d.cell}: {d.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": _uri(d.path, ctx), "region": region}}],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.cell is not None:
            result["properties"] = {"cell": d.cell}
        fixes = _fixes(d, ctx)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    invocation: Dict[str, Any] = {"executionSuccessful": not ctx.internal_errors}
    if ctx.internal_errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": msg}} for msg in ctx.internal_errors]
    run = {
        "tool": {"driver": {"name": "shapelint", "version": __version__, "semanticVersion": __version__,
                            "rules": driver_rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": ctx.root.as_uri().rstrip("/") + "/"}},
        "invocations": [invocation],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False)
