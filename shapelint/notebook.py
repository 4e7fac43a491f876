"""Jupyter notebooks: one Python source from the code cells, and the way back.

The code cells are joined in document order, as "Restart & Run All" runs
them, so names flow from cell to cell.  The saved ``execution_count`` is not
used: a cell re-run by hand after a later one (count 30 above a call with
count 27) would otherwise be joined after the call, which then could not see
the function it calls, and a bug in that function would go unreported.
Markdown and raw cells are skipped.

IPython syntax is neutralised without changing line counts: a line magic
(``%matplotlib inline``), a shell line (``!pip install x``) or a help line
(``np.ones?``) becomes ``pass`` at the same indentation; ``x = !ls`` and
``x = %time f()`` become ``x = None``; a cell magic (``%%bash``) blanks the
whole cell, except ``%%time``/``%%timeit``/``%%capture`` whose body is Python.
A cell that is valid Python as it stands is never rewritten.

Each cell is parsed on its own first: a cell with a syntax error gets an
``SL000`` finding at its own line (and a cell nested too deeply to analyze an
``SL002`` one) and is left out of the joined source, so one broken cell does
not hide the findings of the others.  As for ``.py`` files, libcst's parser
decides what is a syntax error (``shapelint.source.syntax.syntax_problem``).

Each joined line also knows the line of the ``.ipynb`` file that holds it
(``file_line``), for the formats that annotate the file itself (GitHub,
SARIF): a cell's ``source`` (nbformat 3: ``input``) is usually a JSON list of
one string per line, each on its own line of the file; a source saved as one
string, or a list item holding several lines, puts them all on the file line
where that string starts.  The JSON text is scanned, not re-serialised, so
CRLF files, escapes (``\u00e9``, ``\n`` inside a string) and any indentation
are counted as they are.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
import warnings
from json.decoder import scanstring
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from shapelint.diagnostics import Diagnostic
from shapelint.suppress import split_lines

_PY_CELL_MAGICS = {"time", "timeit", "capture", "prun", "memit", "debug"}
_ASSIGN_MAGIC = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[%!]")
_HELP = re.compile(r"^\s*(\?{1,2}[\w.]*|[\w.\[\]()]+\?{1,2})\s*$")


class NotebookError(Exception):
    """Not a notebook we can read (invalid JSON, unexpected structure)."""


@dataclass
class CellError:
    cell: int  # 1-based position among all cells
    line: int
    column: int
    message: str
    text: str
    code: str = "SL000"
    severity: str = "error"


@dataclass
class NotebookSource:
    source: str
    # For line k (1-based) of `source`: (cell, line in that cell), both 1-based.
    line_map: List[Tuple[int, int]] = field(default_factory=list)
    # The original text of line k of `source` (before magics were rewritten).
    original_lines: List[str] = field(default_factory=list)
    cell_errors: List[CellError] = field(default_factory=list)
    # For line k of `source`: the 1-based line of the .ipynb file that holds it (None: not found).
    file_lines: List[Optional[int]] = field(default_factory=list)
    # Set when the notebook is not Python (an R or Julia kernel): nothing to check.
    not_python: Optional[str] = None

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell, line in cell) of line ``line`` of the joined source."""
        if not self.line_map:
            return (1, 1)
        idx = min(max(line, 1), len(self.line_map)) - 1
        return self.line_map[idx]

    def file_line(self, line: int) -> Optional[int]:
        """The line of the .ipynb file that holds line ``line`` of the joined source."""
        if 1 <= line <= len(self.file_lines):
            return self.file_lines[line - 1]
        return None

    def original_line(self, line: int) -> str:
        if 1 <= line <= len(self.original_lines):
            return self.original_lines[line - 1]
        return ""


def _source_text(value: Any) -> str:
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise NotebookError("a cell's source is not a list of strings")
        return "".join(value)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    raise NotebookError("a cell's source is not text")


def load_cells(text: str) -> Tuple[List[dict], dict]:
    """The cells (nbformat 4, or the first worksheet of nbformat 3) and the metadata."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not a valid notebook: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise NotebookError("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(nb, dict):
        raise NotebookError("not a valid notebook: the top level is not a JSON object")
    if "cells" in nb:
        cells = nb["cells"]
    elif isinstance(nb.get("worksheets"), list):  # nbformat 3
        ws = nb["worksheets"]
        cells = ws[0].get("cells", []) if ws and isinstance(ws[0], dict) else []
        cells = [dict(c, source=c.get("input", c.get("source", ""))) if isinstance(c, dict) else c for c in cells]
    else:
        raise NotebookError("not a valid notebook: no 'cells' list")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise NotebookError("not a valid notebook: 'cells' is not a list of objects")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    return cells, meta


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _object_members(text: str, i: int, stop: Tuple[str, ...] = ()) -> Tuple[Dict[str, int], int]:
    """Where each member's value starts, for the JSON object starting at ``text[i]`` (``{``), and
    where the object ends; with ``stop``, as soon as one of those keys is found (the end is then -1)."""
    out: Dict[str, int] = {}
    i = _WS.match(text, i + 1).end()
    if text[i] == "}":
        return out, i + 1
    while True:
        key, i = scanstring(text, i + 1)
        i = _WS.match(text, i).end() + 1  # past ':'
        i = _WS.match(text, i).end()
        out[key] = i  # a repeated key: the last one wins, as in json.loads
        if key in stop:
            return out, -1
        _, i = _DECODER.raw_decode(text, i)
        i = _WS.match(text, i).end()
        if text[i] != ",":
            return out, i + 1
        i = _WS.match(text, i + 1).end()


def _array_items(text: str, i: int, objects: bool = False) -> List[Any]:
    """For the JSON array starting at ``text[i]`` (``[``): where each item starts, or with
    ``objects``, each item's members (see ``_object_members``; each item is read once)."""
    out: List[Any] = []
    i = _WS.match(text, i + 1).end()
    if text[i] == "]":
        return out
    while True:
        if objects:
            members, i = _object_members(text, i)
            out.append(members)
        else:
            out.append(i)
            _, i = _DECODER.raw_decode(text, i)
        i = _WS.match(text, i).end()
        if text[i] != ",":
            return out
        i = _WS.match(text, i + 1).end()


def _source_offsets(text: str) -> List[Optional[List[int]]]:
    """For each cell (as ``load_cells`` lists them): where the strings of its source start in
    ``text`` (one offset for a source saved as one string), or None."""
    top, _ = _object_members(text, _WS.match(text).end(), stop=("cells", "worksheets"))
    if "cells" in top:
        cells_at, key = top["cells"], "source"
    else:  # nbformat 3: the first worksheet
        first = _array_items(text, top["worksheets"])[0]
        cells_at, key = _object_members(text, first, stop=("cells",))[0]["cells"], "input"
    out: List[Optional[List[int]]] = []
    for members in _array_items(text, cells_at, objects=True):
        at = members.get(key, members.get("source"))
        if at is None:
            out.append(None)
        elif text[at] == "[":
            out.append(_array_items(text, at))
        else:
            out.append([at])
    return out


def _cell_file_lines(text: str, offsets: Optional[List[int]], parts: List[str], n_lines: int,
                     newlines: List[int]) -> List[Optional[int]]:
    """The .ipynb line of each of a cell's ``n_lines`` lines: the line where the source string
    holding the line's first character starts."""
    if not offsets or len(offsets) != len(parts):
        return [None] * n_lines
    src = "".join(parts)
    starts, at = [], 0
    for part in parts:
        starts.append(at)
        at += len(part)
    line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(src)]
    out: List[Optional[int]] = []
    for k in range(n_lines):
        offset = line_starts[k] if k < len(line_starts) else len(src)
        item = max(bisect.bisect_right(starts, offset) - 1, 0)
        out.append(bisect.bisect_right(newlines, offsets[item]) + 1)
    return out


def _file_lines(text: str, cells: List[dict], n_lines: Dict[int, int]) -> Dict[int, List[Optional[int]]]:
    """For each code cell position in ``n_lines`` (1-based: its number of lines): the .ipynb line of
    each of its lines.  Empty when the text cannot be followed (nothing else depends on it)."""
    try:
        offsets = _source_offsets(text)
    except (ValueError, KeyError, IndexError, TypeError, RecursionError):
        return {}
    if len(offsets) != len(cells):
        return {}
    newlines = [m.start() for m in re.finditer("\n", text)]
    out = {}
    for pos, count in n_lines.items():
        cell = cells[pos - 1]
        value = cell.get("source", "")
        parts = value if isinstance(value, list) else [value if isinstance(value, str) else ""]
        out[pos] = _cell_file_lines(text, offsets[pos - 1], parts, count, newlines)
    return out


def _language(meta: dict) -> Optional[str]:
    for key, sub in (("kernelspec", "language"), ("language_info", "name")):
        v = meta.get(key)
        if isinstance(v, dict) and isinstance(v.get(sub), str):
            return v[sub].lower()
    return None


def _rewrite_magics(lines: List[str]) -> List[str]:
    """IPython-only lines replaced by Python with the same number of lines."""
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(None, 1)[0] if lines[first].strip() != "%%" else ""
        if name not in _PY_CELL_MAGICS:
            return [""] * len(lines)
        lines = list(lines)
        lines[first] = ""
    out: List[str] = []
    continuing: Optional[str] = None  # indentation of a magic continued with '\'
    for line in lines:
        if continuing is not None:
            out.append(continuing + "pass")
            if not line.rstrip().endswith("\\"):
                continuing = None
            continue
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        m = _ASSIGN_MAGIC.match(line)
        if m:
            out.append(f"{m.group(1)}{m.group(2)} = None")
        elif stripped[:1] in ("%", "!") or _HELP.match(line):
            out.append(indent + "pass")
        else:
            out.append(line)
            continue
        if line.rstrip().endswith("\\"):
            continuing = indent
    return out


def _cpython_accepts(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc.
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _cell_problem(lines: List[str]) -> Tuple[List[str], Optional[Diagnostic]]:
    """The lines to analyze for one cell, and the finding that keeps it out, if any.

    CPython first, on the cell as it is and then with its IPython lines
    rewritten (fast; a cell that is valid Python as it stands is never
    rewritten); when both fail, the full check on the rewritten cell: libcst
    decides (it knows syntax newer than the running Python), within the
    depth and length limits.  A cell too deep to analyze is kept out too.
    """
    from shapelint.source.syntax import syntax_problem
    from shapelint.source.precheck import measure

    original = "\n".join(lines) + "\n"
    if _cpython_accepts(original):
        candidate, problem = lines, None
    else:
        rewritten = _rewrite_magics(lines)
        text = "\n".join(rewritten) + "\n"
        candidate = rewritten
        problem = None if _cpython_accepts(text) else syntax_problem(text, "<cell>")
    if problem is None:
        excess = measure("\n".join(candidate) + "\n").excess
        if excess is not None:
            from shapelint.source.syntax import too_complex

            problem = too_complex("\n".join(candidate) + "\n", "<cell>", excess)
    return candidate, problem


def build_source(text: str) -> NotebookSource:
    """The joined Python source of a notebook's code cells, in document order (as
    "Restart & Run All" runs them).  Raises NotebookError."""
    cells, meta = load_cells(text)
    lang = _language(meta)
    if lang is not None and lang not in ("python", "python3", "ipython", "ipython3"):
        return NotebookSource(source="", not_python=lang)

    code_cells: List[Tuple[int, List[str]]] = []
    for pos, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        src = _source_text(cell.get("source", ""))
        if not src.strip():
            continue
        code_cells.append((pos, split_lines(src)))

    nb = NotebookSource(source="")
    file_lines = _file_lines(text, cells, {pos: len(lines) for pos, lines in code_cells})
    parts: List[str] = []
    for pos, lines in code_cells:
        lines_out, problem = _cell_problem(lines)
        if problem is not None:
            line = min(max(problem.line, 1), len(lines))
            nb.cell_errors.append(CellError(pos, line, problem.column, problem.message, lines[line - 1],
                                            problem.code, problem.severity))
            lines_out = [""] * len(lines)
        for k, (new, old) in enumerate(zip(lines_out, lines), start=1):
            parts.append(new + "\n")
            nb.line_map.append((pos, k))
            nb.original_lines.append(old)
        nb.file_lines.extend(file_lines.get(pos) or [None] * len(lines))
    nb.source = "".join(parts)
    return nb
