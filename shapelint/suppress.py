"""Inline suppressions: ``# noqa``, ``# shapelint: ignore[...]``, ``# shapelint: skip-file``.

* ``# noqa`` on a line suppresses every finding reported on that line;
  ``# noqa: SL101, SL102`` only those codes (other tools' codes in the same
  comment, ``# noqa: E501, SL101``, are left alone).
* ``# shapelint: ignore`` / ``# shapelint: ignore[SL101, SL102]``: the same,
  for shapelint only.
* ``# shapelint: skip-file`` on a line of its own: the file is not checked.

A finding is reported on the first line of the expression it is about, and
that is the line the comment must be on.

With ``SL900`` selected, a suppression that suppressed nothing is reported:
each listed ``SL`` code that is enabled in this run but had no finding on the
line, each unknown ``SL`` code, and a blanket ``# shapelint: ignore`` with
nothing to suppress.  A blanket ``# noqa`` is never reported (it may be there
for another tool).  ``SL900`` findings obey the suppressions on their own line.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from shapelint.diagnostics import Diagnostic

UNUSED_CODE = "SL900"

_CODE = r"[A-Za-z]+[0-9]+"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODE}(?:(?:\s*,\s*|\s+){_CODE})*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*shapelint\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_SKIP_FILE = re.compile(r"^\s*#\s*shapelint\s*:\s*skip-file\s*$", re.IGNORECASE | re.MULTILINE)
_CANDIDATE = re.compile(r"#.*?(?:noqa|shapelint\s*:)", re.IGNORECASE)
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> List[str]:
    """Lines as Python counts them (``\\n``, ``\\r\\n``, ``\\r``; not form feeds)."""
    lines = _LINE_SPLIT.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@dataclass
class Suppression:
    line: int
    column: int  # 1-based column of the directive's '#'
    end_column: int
    kind: str  # "noqa" | "ignore"
    codes: Optional[Tuple[str, ...]]  # None: every code
    used: Set[str] = field(default_factory=set)

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def skip_file(source: str) -> bool:
    return "skip-file" in source and _SKIP_FILE.search(source) is not None


def _comments(source: str, candidate_lines: Set[int]) -> List[Tuple[int, int, str]]:
    """(line, 0-based column, text) of the comments on the candidate lines."""
    out: List[Tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT and tok.start[0] in candidate_lines:
                out.append((tok.start[0], tok.start[1], tok.string))
        return out
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    # Not tokenizable (a syntax error): take everything from the first '#'.
    lines = split_lines(source)
    out = []
    for ln in sorted(candidate_lines):
        text = lines[ln - 1] if ln <= len(lines) else ""
        col = text.find("#")
        if col >= 0:
            out.append((ln, col, text[col:]))
    return out


def _split_codes(text: str) -> Tuple[str, ...]:
    return tuple(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


def find_suppressions(source: str) -> Dict[int, List[Suppression]]:
    """line -> the suppression directives in the comment on that line."""
    lower = source.lower()
    if "noqa" not in lower and "shapelint" not in lower:
        return {}
    candidates: Set[int] = set()
    for i, line in enumerate(split_lines(source), start=1):
        if "#" in line and _CANDIDATE.search(line):
            candidates.add(i)
    if not candidates:
        return {}
    found: Dict[int, List[Suppression]] = {}
    for line, col, text in _comments(source, candidates):
        # Each directive starts at a '#'; a comment may hold several.
        for m in _NOQA.finditer(text):
            codes = _split_codes(m.group("codes")) if m.group("codes") else None
            found.setdefault(line, []).append(
                Suppression(line, col + m.start() + 1, col + m.end() + 1, "noqa", codes))
        for m in _IGNORE.finditer(text):
            raw = m.group("codes")
            codes = _split_codes(raw) if raw is not None and raw.strip() else None
            found.setdefault(line, []).append(
                Suppression(line, col + m.start() + 1, col + m.end() + 1, "ignore", codes))
    return found


def apply_suppressions(diagnostics: Iterable[Diagnostic], source: str, enabled: Set[str],
                       path: str, known_codes: Optional[Set[str]] = None) -> List[Diagnostic]:
    """The findings not suppressed, plus SL900 findings when SL900 is enabled."""
    diagnostics = list(diagnostics)
    sups = find_suppressions(source)
    if not sups:
        return diagnostics
    kept: List[Diagnostic] = []
    for d in diagnostics:
        hit = False
        for s in sups.get(d.line, ()):
            if s.covers(d.code):
                s.used.add(d.code)
                hit = True
        if not hit:
            kept.append(d)
    if UNUSED_CODE not in enabled:
        return kept
    if known_codes is None:
        from shapelint.rules import all_rules

        known_codes = set(all_rules())
    lines = split_lines(source)
    for line, directives in sorted(sups.items()):
        for s in directives:
            d = _unused(s, enabled, known_codes, path, lines[line - 1] if line <= len(lines) else "")
            if d is None:
                continue
            # An SL900 finding obeys the directives on its own line.
            if any(o.covers(UNUSED_CODE) and (o.codes is not None or o is not s) for o in directives):
                continue
            kept.append(d)
    return kept


def _unused(s: Suppression, enabled: Set[str], known: Set[str], path: str, text: str) -> Optional[Diagnostic]:
    label = "`# noqa`" if s.kind == "noqa" else "`# shapelint: ignore`"
    if s.codes is None:
        if s.kind == "noqa" or s.used:
            return None
        message = f"Unused blanket {label} directive"
    else:
        unused = [c for c in s.codes if c.startswith("SL") and c in known and c in enabled
                  and c not in s.used and c != UNUSED_CODE]
        unknown = [c for c in s.codes if c.startswith("SL") and c not in known]
        if not unused and not unknown:
            return None
        parts = []
        if unused:
            parts.append("unused: " + ", ".join(unused))
        if unknown:
            parts.append("unknown: " + ", ".join(unknown))
        message = f"Unused {label} directive ({'; '.join(parts)})"
    return Diagnostic(path=path, line=s.line, column=s.column, end_line=s.line, end_column=s.end_column,
                      code=UNUSED_CODE, severity="warning", message=message, source_line=text)
