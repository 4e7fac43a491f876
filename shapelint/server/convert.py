"""Findings, fixes and inferred shapes as LSP values.

shapelint counts lines and columns from 1, in code points; LSP counts from 0,
in the code units the client and server agreed on (UTF-16 unless said
otherwise): every position goes through ``Positions``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lsprotocol import types

from shapelint.diagnostics import Diagnostic, Related, ShapeRecord, format_shape
from shapelint.fixes import SAFE, UNSAFE, Edit
from shapelint.server.buffers import Buffer
from shapelint.suppress import _NOQA

SOURCE = "shapelint"
FIX_ALL_KIND = "source.fixAll.shapelint"
FIX_ALL_TITLE = "Fix all shapelint safe fixes"
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@dataclass
class Positions:
    """1-based code-point positions of one document's lines -> LSP positions, and back."""

    lines: List[str]
    codec: object  # pygls' PositionCodec (the negotiated encoding)

    def to_lsp(self, line: int, column: int) -> types.Position:
        position = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
        if position.line >= len(self.lines):
            return position
        return self.codec.position_to_client_units(self.lines, position)  # type: ignore[attr-defined]

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        return types.Range(start=self.to_lsp(line, column), end=self.to_lsp(end_line, end_column))

    def from_lsp(self, position: types.Position) -> Tuple[int, int]:
        """(line, column), 1-based, in code points."""
        if position.line >= len(self.lines):
            return position.line + 1, position.character + 1
        server = self.codec.position_from_client_units(self.lines, position)  # type: ignore[attr-defined]
        return server.line + 1, server.character + 1


# --- diagnostics ---------------------------------------------------------------------


def lsp_diagnostic(d: Diagnostic, uri: str, positions: Positions) -> types.Diagnostic:
    related = [types.DiagnosticRelatedInformation(
        location=types.Location(uri=uri, range=positions.range(r.line, r.column, r.line, r.column))
        if r.path == d.path else _elsewhere(r), message=r.message) for r in d.related]
    return types.Diagnostic(
        range=positions.range(d.line, d.column, max(d.end_line, d.line), d.end_column),
        message=d.message, severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code, source=SOURCE, related_information=related or None)


def _elsewhere(r: Related) -> types.Location:
    """A related place in another file (the line of an imported module where a finding fails):
    its text is not at hand, so the column is taken as UTF-16 units (the same outside the BMP's pairs)."""
    at = types.Position(line=max(r.line - 1, 0), character=max(r.column - 1, 0))
    return types.Location(uri=Path(os.path.abspath(r.path)).as_uri(), range=types.Range(start=at, end=at))


def related_uri(buffer: Buffer, cell: Optional[int]) -> str:
    return buffer.place(cell)[0]


def diagnostics_by_document(buffer: Buffer, findings: Sequence[Diagnostic], codec) -> Dict[str, List[types.Diagnostic]]:
    """Each of the buffer's documents (a file, or every cell of a notebook) with its findings, so
    that a document whose findings are gone gets its empty list."""
    out: Dict[str, List[types.Diagnostic]] = {uri: [] for uri in buffer.document_uris()}
    for d in findings:
        cell = d.cell if buffer.cells is not None else None
        uri, lines = buffer.place(cell)
        diagnostic = lsp_diagnostic(_on_file_line(d, buffer), uri, Positions(lines, codec))
        if buffer.cells is not None and diagnostic.related_information:  # each related place in its own cell
            for info, r in zip(diagnostic.related_information, d.related):
                if r.path != d.path:
                    continue  # (another file)
                info.location.uri = related_uri(buffer, r.cell)
                info.location.range = Positions(buffer.place(r.cell)[1], codec).range(r.line, r.column, r.line,
                                                                                      r.column)
        out.setdefault(uri, []).append(diagnostic)
    return out


def _on_file_line(d: Diagnostic, buffer: Buffer) -> Diagnostic:
    """A notebook opened as a plain JSON file: its findings go on the lines of the file that hold them."""
    if buffer.cells is None and d.cell is not None and d.file_line is not None:
        return d.with_(line=d.file_line, end_line=d.file_line, column=1, end_column=1)
    return d


def overlaps(d: Diagnostic, cell: Optional[int], start: Tuple[int, int], end: Tuple[int, int]) -> bool:
    """Whether the finding's span touches the 1-based (line, column) range [start, end]."""
    if d.cell != cell:
        return False
    return (d.line, d.column) <= end and start <= (max(d.end_line, d.line), d.end_column)


# --- code actions ----------------------------------------------------------------------


def text_edits(buffer: Buffer, edits: Iterable[Edit], codec) -> Dict[str, List[types.TextEdit]]:
    by_uri: Dict[str, List[types.TextEdit]] = {}
    for e in edits:
        uri, lines = buffer.place(e.cell if buffer.cells is not None else None)
        rng = Positions(lines, codec).range(e.line, e.column, e.end_line, e.end_column)
        by_uri.setdefault(uri, []).append(types.TextEdit(range=rng, new_text=e.content))
    return by_uri


def quick_fix(buffer: Buffer, d: Diagnostic, lsp: types.Diagnostic, codec) -> Optional[types.CodeAction]:
    """The finding's checked fix as a quick fix (display-only fixes name options: no edit to offer)."""
    fix = d.fix
    if fix is None or not fix.edits or fix.applicability not in (SAFE, UNSAFE):
        return None
    title = fix.title[0].upper() + fix.title[1:]
    if fix.applicability == UNSAFE:
        title += " (unsafe)"
    return types.CodeAction(title=f"{title} [{d.code}]", kind=types.CodeActionKind.QuickFix, diagnostics=[lsp],
                            is_preferred=fix.applicability == SAFE,
                            edit=types.WorkspaceEdit(changes=text_edits(buffer, fix.edits, codec)))


def noqa_edit(line_text: str, code: str) -> Optional[Tuple[int, str]]:
    """(1-based column, text to insert) that makes the line suppress ``code`` (README: Suppressing
    a finding): its ``# noqa: A1, B2`` gets the code added, else ``  # noqa: CODE`` ends the line."""
    match = _NOQA.search(line_text)
    if match is not None:
        if match.group("codes") is None:
            return None  # a bare `# noqa` suppresses every code already
        return match.end("codes") + 1, f", {code}"
    stripped = line_text.rstrip()
    return len(stripped) + 1, f"  # noqa: {code}"


def noqa_action(buffer: Buffer, d: Diagnostic, lsp: types.Diagnostic, codec) -> Optional[types.CodeAction]:
    uri, lines = buffer.place(d.cell if buffer.cells is not None else None)
    if not 1 <= d.line <= len(lines):
        return None
    insertion = noqa_edit(lines[d.line - 1], d.code)
    if insertion is None:
        return None
    column, text = insertion
    at = Positions(lines, codec).to_lsp(d.line, column)
    edit = types.TextEdit(range=types.Range(start=at, end=at), new_text=text)
    return types.CodeAction(title=f"Add `# noqa: {d.code}`", kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp], edit=types.WorkspaceEdit(changes={uri: [edit]}))


def whole_text_edit(old: str, new: str) -> types.TextEdit:
    """Replace all of ``old`` (positions past its end are clamped by the client) by ``new``."""
    lines = old.split("\n")
    end = types.Position(line=len(lines), character=0)
    return types.TextEdit(range=types.Range(start=types.Position(line=0, character=0), end=end), new_text=new)


# --- shapes: hover and inlay hints ----------------------------------------------------


def word_at(line_text: str, column: int) -> Optional[Tuple[str, int, int]]:
    """(name, start, end) of the identifier around the 1-based column (``self.x`` included), or None."""
    for m in _WORD.finditer(line_text):
        if m.start() + 1 <= column <= m.end() + 1:
            start = m.start()
            if line_text[:start].endswith("self."):
                start -= len("self.")
            return line_text[start:m.end()], start + 1, m.end() + 1
    return None


def record_for(records: Sequence[ShapeRecord], name: str, line: int, column: int) -> Optional[ShapeRecord]:
    """What a hover on ``name`` at (line, column) shows: the assignment there; for a function's name its
    signature; else the last assignment of the name before that place (else the first after it)."""
    shapes = [r for r in records if r.signature is None and r.name == name]
    for r in shapes:
        if r.line == line and r.column <= column <= r.column + len(name):
            return r
    for r in records:
        if r.signature is not None and (r.name == name or r.name.endswith("." + name)):
            return r
    before = [r for r in shapes if (r.line, r.column) <= (line, column)]
    if before:
        return max(before, key=lambda r: (r.line, r.column))
    return min(shapes, key=lambda r: (r.line, r.column), default=None)


def hover_text(record: ShapeRecord) -> str:
    shown = record.signature if record.signature is not None else f"{record.name}: {format_shape(record.shape)}"
    origin = f"\n\n{record.origin[0].upper()}{record.origin[1:]}" if record.origin else ""
    return f"```python\n{shown}\n```{origin}"


def shows_a_shape(record: ShapeRecord) -> bool:
    """An array's shape with at least one size known: worth a hint (not a scalar, not all `?`)."""
    return (record.signature is None and bool(record.shape)
            and any(d is not None for d in record.shape))  # type: ignore[union-attr]


def inlay_hint(record: ShapeRecord, positions: Positions) -> Optional[types.InlayHint]:
    """``: (n_h, m)`` just after the assigned name, when the line holds that name there and does not
    annotate it already."""
    if not 1 <= record.line <= len(positions.lines):
        return None
    text = positions.lines[record.line - 1]
    start, end = record.column - 1, record.column - 1 + len(record.name)
    if text[start:end] != record.name:
        return None
    rest = text[end:].lstrip()
    if rest.startswith(":") and not rest.startswith(":="):
        return None
    return types.InlayHint(position=positions.to_lsp(record.line, record.column + len(record.name)),
                           label=f": {format_shape(record.shape)}", kind=types.InlayHintKind.Type)
