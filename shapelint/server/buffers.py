"""What the server checks: one version of an open file or notebook, analyzed as
``shapelint check`` would analyze it on disk."""

from __future__ import annotations

import io
import json
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlparse

from shapelint.config import ConfigError, Settings, settings_for_file
from shapelint.diagnostics import ShapeRecord
from shapelint.runner import FileOutcome, lint_bytes
from shapelint.source.reparse import Reparser
from shapelint.suppress import split_lines

# The parsed pieces of the buffers' recent texts: an edit re-parses the top-level statements it
# touched, not the file (the analyses run one at a time, in the server's one worker thread).
PIECES = Reparser()


@dataclass(frozen=True)
class Cell:
    """One cell of an open notebook: its own document URI, and whether it holds code."""

    uri: str
    text: str
    is_code: bool


@dataclass(frozen=True)
class Buffer:
    """The text an editor shows for one file, or for one notebook (``cells`` set)."""

    uri: str  # the file's or the notebook's URI
    version: int
    text: str  # a file's text; for a notebook, its cells as .ipynb JSON
    cells: Optional[Tuple[Cell, ...]] = None
    metadata: Dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def path(self) -> Path:
        """The file the buffer stands for; a notebook's always ends in .ipynb (lint_bytes reads it as one)."""
        path = uri_to_path(self.uri)
        if self.cells is not None and path.suffix.lower() != ".ipynb":
            path = path.with_name(path.name + ".ipynb")
        return path

    def place(self, cell: Optional[int]) -> Tuple[str, List[str]]:
        """(document URI, lines) that a finding in ``cell`` (1-based, None for a file) is shown in."""
        if self.cells is None:
            return self.uri, split_lines(self.text)
        if cell is None or not 1 <= cell <= len(self.cells):
            cell = 1
        chosen = self.cells[cell - 1]
        return chosen.uri, split_lines(chosen.text)

    def cell_number(self, uri: str) -> Optional[int]:
        """The 1-based position of the cell with this URI (None: a file, or not one of its cells)."""
        if self.cells is None:
            return None
        for number, cell in enumerate(self.cells, start=1):
            if cell.uri == uri:
                return number
        return None

    def document_uris(self) -> List[str]:
        return [self.uri] if self.cells is None else [c.uri for c in self.cells]


def uri_to_path(uri: str) -> Path:
    """A file URI's path; other schemes (untitled:, vscode-notebook-cell:) give their path part."""
    parsed = urlparse(uri)
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and path[2:3] == ":":
        path = path[1:]
    return Path(path or parsed.netloc or "untitled.py")


def notebook_json(cells: Sequence[Cell], metadata: Optional[Dict[str, Any]]) -> str:
    """The .ipynb JSON of a notebook's cells, in document order (what ``shapelint check`` reads)."""
    nb_cells = [{"cell_type": "code" if c.is_code else "markdown", "metadata": {}, "source": c.text,
                 **({"outputs": [], "execution_count": None} if c.is_code else {})} for c in cells]
    return json.dumps({"cells": nb_cells, "metadata": dict(metadata or {}), "nbformat": 4, "nbformat_minor": 5})


def source_bytes(text: str, is_notebook: bool) -> bytes:
    """The bytes a file with this text has on disk: in the encoding its coding line declares, so
    lint_bytes decodes it back to the same text."""
    data = text.encode("utf-8")
    if is_notebook:
        return data
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data  # lint_bytes reports the same problem `check` reports for such a file


def display_path(path: Path, cwd: Path) -> str:
    """The name findings and messages use: relative to the server's folder, as `shapelint check` run
    there names it, else absolute."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class Analysis:
    """One buffer version checked: the findings and the inferred shapes.  The fixes that need the
    file analyzed again are checked later (``settle``): until then ``outcome.unchecked_fixes``
    counts the findings that have no fix and no hint yet."""

    buffer: Buffer
    outcome: Optional[FileOutcome]  # None when the configuration cannot be read
    display: str
    settings: Optional[Settings] = None
    config_error: Optional[str] = None
    shapes: Optional[List[ShapeRecord]] = None  # collected on the first hover or inlay-hint request
    # the other open files' texts (absolute path -> text), read instead of those files when imported
    overlay: Dict[str, str] = field(default_factory=dict)

    def reads_the_same(self, overlay: Dict[str, str]) -> bool:
        """Whether the modules it read are still what ``overlay`` says (an open file changed, opened or
        closed behind one of them: the analysis is out of date)."""
        if self.outcome is None:
            return True
        return all(self.overlay.get(path) == overlay.get(path) for path in self.outcome.dependencies)

    @property
    def data(self) -> bytes:
        return source_bytes(self.buffer.text, self.buffer.cells is not None)

    @property
    def codes(self):
        assert self.settings is not None
        return self.settings.codes_for(self.settings.relative(self.buffer.path))


def analyze(buffer: Buffer, cwd: Path, overlay: Optional[Dict[str, str]] = None) -> Analysis:
    """Check one buffer version, as `shapelint check` checks the file, except the fixes that need
    re-analyses (up to 8 of the whole file: see ``settle``).  Shapes are not collected here either:
    that costs up to three times the check on a large module (scikit-learn's _ridge.py), and the
    findings must not wait for it.  overlay: the other open files' texts (see ``Analysis.overlay``)."""
    path = buffer.path
    display = display_path(path, cwd)
    try:
        settings = settings_for_file(path)
    except ConfigError as exc:
        return Analysis(buffer, None, display, config_error=str(exc))
    analysis = Analysis(buffer, None, display, settings=settings, overlay=dict(overlay or {}))
    use_overlay(analysis)
    analysis.outcome = lint_bytes(analysis.data, display, analysis.codes, dict(settings.severity),
                                  implicit_numpy=settings.implicit_numpy, check_fixes=False, reparser=PIECES,
                                  document=buffer.uri)
    return analysis


def settle(analysis: Analysis, stop: Optional[Callable[[], bool]] = None) -> Optional[FileOutcome]:
    """The analyzed version's outcome with every fix checked: what `shapelint check` gives (the same
    findings; a finding whose fix passes ends its message with the fix's title).  None when ``stop``
    said the text changed before it was done."""
    from shapelint.fix_check import Stopped

    if analysis.outcome is None or not analysis.outcome.unchecked_fixes:
        return analysis.outcome
    assert analysis.settings is not None
    use_overlay(analysis)
    try:
        return lint_bytes(analysis.data, analysis.display, analysis.codes, dict(analysis.settings.severity),
                          implicit_numpy=analysis.settings.implicit_numpy, stop=stop, reparser=PIECES,
                          document=analysis.buffer.uri)
    except Stopped:
        return None


def collect_shapes(analysis: Analysis) -> List[ShapeRecord]:
    """The inferred shapes of the analyzed version (what `shapelint shapes` and `--signatures` print).
    Collecting them does not change the findings (checked on every fixture): only the records are kept."""
    if analysis.settings is None:
        return []
    use_overlay(analysis)
    outcome = lint_bytes(analysis.data, analysis.display, analysis.codes, dict(analysis.settings.severity),
                         collect_shapes=True, implicit_numpy=analysis.settings.implicit_numpy, reparser=PIECES,
                         document=analysis.buffer.uri)
    return list(outcome.shapes)


def use_overlay(analysis: Analysis) -> None:
    """Imported modules are read from the open buffers the analysis was made with."""
    from shapelint.analysis.modules import set_overlay

    set_overlay(analysis.overlay)
