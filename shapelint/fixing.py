"""``check --fix`` and ``--diff``: apply the checked fixes to a file, pass after pass.

Each pass applies the fixes the last check found (safe ones; unsafe ones too
with ``--unsafe-fixes``; display-only ones never), those whose edits do not
overlap an earlier one's, and checks the file again, so every pass starts from
fixes checked against the text it edits.  A pass is kept only if the file has
strictly fewer findings after it (else it is tried again with its first fix
alone, which was checked on its own); fixing stops when nothing applies, when
a pass does not help, or after ``MAX_PASSES``.  So a file is rewritten only
when its check improves.

A notebook is fixed in its cells: the edits are in cell coordinates; each
cell's ``source`` keeps its form (a list of lines or one string), and the
outputs, the metadata and the JSON layout (indentation, escaping, final
newline) stay as they were.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import tokenize
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from shapelint.fixes import Edit, Fix, apply_edits, compatible
from shapelint.runner import FileOutcome, is_notebook, lint_bytes

MAX_PASSES = 10


@dataclass
class FixedFile:
    path: str  # the display path
    original: bytes
    fixed: bytes
    outcome: FileOutcome  # the check of ``fixed``
    applied: int = 0  # fixes applied
    # (name, old text, new text) of what changed: the file, or each changed cell
    changes: List[Tuple[str, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def applicable(outcome: FileOutcome, unsafe: bool) -> List[Fix]:
    """The fixes of a file's findings that --fix applies, in the findings' order."""
    return [d.fix for d in outcome.diagnostics if d.fix is not None and d.fix.applies(unsafe)]


def fix_file(data: bytes, path: str, codes: Set[str], severity: Optional[Dict[str, str]], unsafe: bool,
             outcome: Optional[FileOutcome] = None) -> FixedFile:
    """Fix one file's contents (``path`` is its display path); nothing is written here."""
    if outcome is None:  # (one from the cache is the check of these very bytes)
        outcome = lint_bytes(data, path, codes, severity)
    current, applied = data, 0
    for _ in range(MAX_PASSES):
        fixes = compatible(applicable(outcome, unsafe))
        if not fixes:
            break
        for batch in (fixes, fixes[:1]) if len(fixes) > 1 else (fixes,):
            edited = apply_fixes(current, path, batch)
            if edited is None or edited == current:
                continue
            after = lint_bytes(edited, path, codes, severity)
            # no worse a check (a cell still too deep to check is no reason not to fix the others)
            if after.message_kind in (None, outcome.message_kind) and after.message_kind != "internal" \
                    and len(after.diagnostics) < len(outcome.diagnostics):
                current, outcome, applied = edited, after, applied + len(batch)
                break
        else:
            break  # neither the pass nor its first fix helps
    result = FixedFile(path, data, current, outcome, applied)
    if result.changed:
        result.changes = changes(data, current, path)
    return result


def apply_fixes(data: bytes, path: str, fixes: Sequence[Fix]) -> Optional[bytes]:
    """The file's bytes with the fixes' edits made, or None when they cannot be."""
    edits = [e for f in fixes for e in f.edits]
    if is_notebook(path):
        return _fix_notebook(data, edits)
    encoding = _encoding(data)
    if encoding is None:
        return None
    text = apply_edits(data.decode(encoding), edits)
    return text.encode(encoding) if text is not None else None


def _encoding(data: bytes) -> Optional[str]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    return encoding


# --- notebooks ---------------------------------------------------------------------

def _cells(nb: Any) -> Optional[List[Dict[str, Any]]]:
    """The cells, numbered as ``shapelint.notebook`` numbers them (nbformat 4, or 3's first worksheet)."""
    if not isinstance(nb, dict):
        return None
    if isinstance(nb.get("cells"), list):
        return nb["cells"]
    ws = nb.get("worksheets")
    if isinstance(ws, list) and ws and isinstance(ws[0], dict) and isinstance(ws[0].get("cells"), list):
        return ws[0]["cells"]
    return None


def _source_key(cell: Dict[str, Any]) -> str:
    return "source" if "source" in cell or "input" not in cell else "input"


def cell_text(cell: Dict[str, Any]) -> Optional[str]:
    value = cell.get(_source_key(cell), "")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return value if isinstance(value, str) else None


def _set_cell_text(cell: Dict[str, Any], text: str) -> None:
    key = _source_key(cell)
    if isinstance(cell.get(key), list):
        cell[key] = re.findall(r"[^\n]*\n|[^\n]+$", text)  # lines, each with its newline, as nbformat keeps them
    else:
        cell[key] = text


def _json_layout(text: str) -> Dict[str, Any]:
    """How the notebook's JSON was written: indentation, ASCII escapes, a final newline."""
    m = re.search(r"\n([ \t]+)\S", text)
    indent: Any = None
    if m is not None:
        indent = len(m.group(1)) if set(m.group(1)) == {" "} else m.group(1)
    ascii_only = not any(ord(c) > 127 for c in text) and "\\u" in text
    return {"indent": indent, "ensure_ascii": ascii_only, "newline": text.endswith("\n")}


def _fix_notebook(data: bytes, edits: Sequence[Edit]) -> Optional[bytes]:
    try:
        text = data.decode("utf-8-sig")
        nb = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    cells = _cells(nb)
    if cells is None:
        return None
    by_cell: Dict[int, List[Edit]] = {}
    for e in edits:
        if e.cell is None or not 1 <= e.cell <= len(cells) or not isinstance(cells[e.cell - 1], dict):
            return None
        by_cell.setdefault(e.cell, []).append(e)
    for number, cell_edits in by_cell.items():
        cell = cells[number - 1]
        old = cell_text(cell)
        new = apply_edits(old, cell_edits) if old is not None else None
        if new is None:
            return None
        _set_cell_text(cell, new)
    layout = _json_layout(text)
    out = json.dumps(nb, indent=layout["indent"], ensure_ascii=layout["ensure_ascii"])
    if layout["newline"]:
        out += "\n"
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    return bom + out.encode("utf-8")


# --- what changed ------------------------------------------------------------------

def changes(old: bytes, new: bytes, path: str) -> List[Tuple[str, str, str]]:
    """(name, old text, new text): the file's, or for a notebook each changed cell's."""
    if not is_notebook(path):
        encoding = _encoding(old) or "utf-8"
        return [(path, old.decode(encoding, "replace"), new.decode(encoding, "replace"))]
    before, after = _cells(json.loads(old.decode("utf-8-sig"))), _cells(json.loads(new.decode("utf-8-sig")))
    out = []
    for k, (a, b) in enumerate(zip(before or [], after or []), start=1):
        ta, tb = cell_text(a) or "", cell_text(b) or ""
        if ta != tb:
            out.append((f"{path}:cell {k}", ta, tb))
    return out


def unified_diff(change: Tuple[str, str, str]) -> str:
    name, old, new = change
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=name, tofile=name)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
