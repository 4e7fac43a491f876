"""Jupyter notebooks: one Python source from the code cells, and the way back.

The code cells are joined in execution order (by ``execution_count`` when
every non-empty code cell has one, i.e. the notebook was run top to bottom or
in some order; otherwise in document order), so names flow from cell to cell
as they did in the kernel.  Markdown and raw cells are skipped.

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
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

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
    # Set when the notebook is not Python (an R or Julia kernel): nothing to check.
    not_python: Optional[str] = None

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell, line in cell) of line ``line`` of the joined source."""
        if not self.line_map:
            return (1, 1)
        idx = min(max(line, 1), len(self.line_map)) - 1
        return self.line_map[idx]

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


def build_source(text: str, execution_order: bool = True) -> NotebookSource:
    """The joined Python source of a notebook's code cells, in the order they were executed when
    every cell has its count (else, or with ``execution_order=False``, in document order, as
    "Restart & Run All" runs them).  Raises NotebookError."""
    cells, meta = load_cells(text)
    lang = _language(meta)
    if lang is not None and lang not in ("python", "python3", "ipython", "ipython3"):
        return NotebookSource(source="", not_python=lang)

    code_cells: List[Tuple[int, List[str], Any]] = []
    for pos, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        src = _source_text(cell.get("source", ""))
        if not src.strip():
            continue
        code_cells.append((pos, split_lines(src), cell.get("execution_count")))

    if execution_order and code_cells and all(isinstance(ec, int) and not isinstance(ec, bool)
                                              for _, _, ec in code_cells):
        code_cells.sort(key=lambda c: c[2])  # stable: ties keep document order

    nb = NotebookSource(source="")
    parts: List[str] = []
    for pos, lines, _ in code_cells:
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
    nb.source = "".join(parts)
    return nb
