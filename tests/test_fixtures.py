"""The fixtures say, next to each line, what shapelint must report there.

A line that ends with ``# error: SL102`` (or ``# warning: SL201``, several
codes comma-separated) must get exactly those findings; every other line
must get none.  So each fixture shows its rules both firing and staying quiet.
"""

import re
from pathlib import Path

import pytest

from shapelint.analysis import analyze_source

ROOT = Path(__file__).resolve().parents[1]
# newcomer/ holds whole course-style folders (notebooks, helpers and their drivers), checked
# as a user checks them by tests/course/test_newcomer_bugs.py
FIXTURES = sorted(p for p in (ROOT / "fixtures").rglob("*.py")
                  if not {"bad_input", "runtime", "newcomer"} & set(p.parts))
EXPECT = re.compile(r"#\s*(error|warning):\s*([A-Z0-9, ]+)")


def expectations(source: str):
    out = set()
    for lineno, line in enumerate(source.splitlines(), 1):
        for m in EXPECT.finditer(line):
            for code in m.group(2).replace(" ", "").split(","):
                if code:
                    out.add((lineno, code, m.group(1)))
    return out


def test_there_are_fixtures():
    assert len(FIXTURES) >= 5


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture(path):
    source = path.read_text(encoding="utf-8")
    result = analyze_source(source, str(path))
    assert result.error is None, result.error
    got = {(d.line, d.code, d.severity) for d in result.diagnostics}
    want = expectations(source)
    missing = sorted(want - got)
    extra = sorted(got - want)
    details = "\n".join(f"{d.line}: {d.code} {d.message}" for d in result.diagnostics)
    assert not missing and not extra, f"missing={missing}\nunexpected={extra}\nall findings:\n{details}"
