"""``--format junit``: JUnit XML, one test suite per file checked, one failing test case per finding.

A file without findings has one passing test case, so CI dashboards show
what was checked as well as what failed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Dict, List

from shapelint.diagnostics import Diagnostic
from shapelint.report import ReportContext, location, with_calls


def render(diagnostics: List[Diagnostic], ctx: ReportContext) -> str:
    by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        by_file[d.path].append(d)
    files = list(dict.fromkeys([*ctx.files, *by_file]))
    root = ET.Element("testsuites", name="shapelint", tests=str(sum(max(1, len(by_file[f])) for f in files)),
                      failures=str(len(diagnostics)))
    for f in files:
        found = by_file.get(f, [])
        suite = ET.SubElement(root, "testsuite", name=f, tests=str(max(1, len(found))), failures=str(len(found)))
        if not found:
            ET.SubElement(suite, "testcase", name="shapelint", classname=f, file=f)
            continue
        for d in found:
            case = ET.SubElement(suite, "testcase", name=f"org.shapelint.{d.code}", classname=f, file=f,
                                 line=str(d.line))
            failure = ET.SubElement(case, "failure", message=d.message, type=d.code)
            failure.text = f"{location(d)}: {d.code} {with_calls(d)}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
