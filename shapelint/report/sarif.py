"""``--format sarif``: SARIF 2.1.0 for code scanning (e.g. GitHub's upload-sarif action).

``tool.driver.rules`` lists every rule of the registry; each result has a
``ruleId``, a ``level`` (error / warning), a message, and a location whose
``artifactLocation.uri`` is relative to the project root (``%SRCROOT%``) with
a 1-based region.  In a notebook the region is the line of the ``.ipynb``
file that holds the source line (no column: the JSON quoting moves it), and
the cell, the line and the column inside it are in the result's
``properties`` (``cell``, ``cellLine``, ``cellColumn``).  The calls whose
arguments make a finding fail are its ``relatedLocations``, placed the same
way.
A finding's checked fix is its ``fixes`` entry (one ``artifactChange`` of
``replacements``; the applicability, safe / unsafe / display, in its
``properties``); notebook findings have none (their edits are in cell
coordinates).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import quote

from shapelint.diagnostics import Diagnostic, Related
from shapelint.report import ReportContext, with_calls

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


def _related(i: int, r: Related, ctx: ReportContext) -> Dict[str, Any]:
    if r.cell is not None and r.file_line is not None:
        region: Dict[str, Any] = {"startLine": max(r.file_line, 1)}
        text = f"cell {r.cell}, line {r.line}: {r.message}"
    else:
        region = {"startLine": max(r.line, 1), "startColumn": max(r.column, 1)}
        text = r.message if r.cell is None else f"cell {r.cell}: {r.message}"
    location: Dict[str, Any] = {"id": i, "physicalLocation": {"artifactLocation": _uri(r.path, ctx), "region": region},
                                "message": {"text": text}}
    if r.cell is not None:
        location["properties"] = {"cell": r.cell, "cellLine": r.line, "cellColumn": r.column}
    return location


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
        in_file = d.cell is not None and d.file_line is not None
        if in_file:
            region: Dict[str, Any] = {"startLine": max(d.file_line or 1, 1)}
        else:
            region = {"startLine": max(d.line, 1), "startColumn": max(d.column, 1)}
            if d.end_line >= d.line:
                region["endLine"] = max(d.end_line, 1)
                if d.end_line > d.line or d.end_column > d.column:
                    region["endColumn"] = max(d.end_column, 1)
            if d.source_line:
                region["snippet"] = {"text": d.source_line}
        where = "" if d.cell is None else f"cell {d.cell}, line {d.line}: " if in_file else f"cell {d.cell}: "
        result: Dict[str, Any] = {
            "ruleId": d.code,
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": where + with_calls(d)},
            "locations": [{"physicalLocation": {"artifactLocation": _uri(d.path, ctx), "region": region}}],
        }
        if d.related:
            result["relatedLocations"] = [_related(i, r, ctx) for i, r in enumerate(d.related, start=1)]
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.cell is not None:
            result["properties"] = {"cell": d.cell, "cellLine": d.line, "cellColumn": d.column}
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
