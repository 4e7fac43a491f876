"""Fixes, as ruff has them: text edits plus how far they may be trusted.

A rule proposes *candidate* fixes next to a finding's message; a candidate
becomes the finding's ``fix`` (and its title the hint at the end of the
message) only once the runner has re-analyzed the module with the edits
applied and seen the finding go without a new one appearing
(``shapelint.fix_check``).  Pure data: no libcst, no analysis.

Applicability:
- ``safe``: keeps what the code computes where it already worked (``keepdims=True``
  on a reduction, a rank-1 array made 2-D the way the code's own layout uses);
  applied by ``--fix``.
- ``unsafe``: changes what the line computes (swapped operands, an added ``.T``,
  ``*`` for ``np.dot`` and back); applied with ``--unsafe-fixes``.
- ``display``: shown, never applied (it names options rather than one edit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

SAFE, UNSAFE, DISPLAY = "safe", "unsafe", "display"
APPLICABILITIES = (SAFE, UNSAFE, DISPLAY)


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to, not including, (end_line, end_column) by ``content``.

    1-based lines and columns (code points) of the analyzed source; in a
    notebook, once reported, of the cell ``cell``.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    cell: Optional[int] = None

    def to_json(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"line": self.line, "column": self.column, "end_line": self.end_line,
                             "end_column": self.end_column, "content": self.content}
        if self.cell is not None:
            d["cell"] = self.cell
        return d

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Edit":
        return cls(d["line"], d["column"], d["end_line"], d["end_column"], d["content"], d.get("cell"))


@dataclass(frozen=True)
class Fix:
    """One way to fix a finding.  ``title`` is the hint as the message ends with it."""

    title: str
    applicability: str
    edits: Tuple[Edit, ...] = ()

    def to_json(self) -> Dict[str, Any]:
        return {"title": self.title, "applicability": self.applicability,
                "edits": [e.to_json() for e in self.edits]}

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Fix":
        if d["applicability"] not in APPLICABILITIES:
            raise ValueError(f"unknown applicability {d['applicability']!r}")
        return cls(d["title"], d["applicability"], tuple(Edit.from_json(e) for e in d["edits"]))

    def applies(self, unsafe: bool) -> bool:
        """Applied by --fix (safe) or --fix --unsafe-fixes (unsafe too); display-only never."""
        return bool(self.edits) and (self.applicability == SAFE or (unsafe and self.applicability == UNSAFE))


_NEWLINE = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> List[int]:
    """Offset of the start of each line (``\\n``, ``\\r\\n`` and ``\\r`` end a line, as for Python)."""
    return [0] + [m.end() for m in _NEWLINE.finditer(text)]


def _offset(starts: Sequence[int], text: str, line: int, column: int) -> Optional[int]:
    if not 1 <= line <= len(starts):
        return None
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    body = _NEWLINE.sub("", text[start:end])
    if not 1 <= column <= len(body) + 1:
        return None
    return start + column - 1


def apply_edits(text: str, edits: Sequence[Edit]) -> Optional[str]:
    """``text`` with the edits made, or None when one is out of range or two overlap."""
    starts = line_starts(text)
    spans = []
    for e in edits:
        a, b = _offset(starts, text, e.line, e.column), _offset(starts, text, e.end_line, e.end_column)
        if a is None or b is None or b < a:
            return None
        spans.append((a, b, e.content))
    spans.sort(key=lambda s: (s[0], s[1]))
    for (a1, b1, _), (a2, b2, _) in zip(spans, spans[1:]):
        if a2 < b1 or (a2 == b1 == a1 == b2):  # overlapping, or two insertions at one place
            return None
    out, at = [], 0
    for a, b, content in spans:
        out.append(text[at:a])
        out.append(content)
        at = b
    out.append(text[at:])
    return "".join(out)


def keeps_lines(text: str, edits: Sequence[Edit]) -> bool:
    """Every edit replaces text with as many line breaks as it had: no finding changes its line."""
    starts = line_starts(text)
    for e in edits:
        a, b = _offset(starts, text, e.line, e.column), _offset(starts, text, e.end_line, e.end_column)
        if a is None or b is None:
            return False
        if len(_NEWLINE.findall(text[a:b])) != len(_NEWLINE.findall(e.content)):
            return False
    return True


def compatible(fixes: Sequence[Fix]) -> List[Fix]:
    """The fixes, in order, that can be applied together: each one's edits overlap no earlier one's."""
    taken: List[Tuple[Tuple[int, int], Tuple[int, int]]] = []
    out: List[Fix] = []
    seen = set()
    for fix in fixes:
        if fix.edits in seen:
            continue  # one fix for several findings: once
        spans = [((e.cell or 0, e.line, e.column), (e.cell or 0, e.end_line, e.end_column)) for e in fix.edits]
        if any(not (b <= s or e <= a) or (a == b == s == e)
               for a, b in spans for s, e in taken):
            continue
        seen.add(fix.edits)
        taken.extend(spans)
        out.append(fix)
    return out
