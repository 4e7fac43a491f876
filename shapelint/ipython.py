"""``%load_ext shapelint``: IPython and Jupyter check each cell before it runs.

Two checks, both on while the extension is loaded (``%shapelint off`` /
``%shapelint on`` switch them; ``%shapelint`` says which it is):

* Before a cell runs (IPython's ``pre_run_cell`` event), the session so far is
  checked statically: the source of the cells that ran, in the order they ran,
  then the new cell, checked as one notebook by the same pipeline as
  ``shapelint check nb.ipynb`` (magics neutralised, a cell with a syntax error
  kept out, ``# noqa``, the ``[tool.shapelint]`` configuration found from the
  working directory).  Only the findings inside the new cell are printed, to
  stderr, as ``In [5], line 3: SL101 ...`` with the line and a caret.  The
  cell runs whatever is found: a finding is a warning here, and a failure of
  the analyzer prints one line and nothing else.
* After a cell runs (``post_run_cell``), the functions and classes it defined
  in the user namespace are instrumented as ``shapelint run`` instruments a
  script's: a function whose docstring or annotations state shapes is
  replaced by a wrapper that checks every call and raises
  ``shapelint.ShapeError`` on a mismatch.  Functions imported from modules are
  left alone, and nothing is wrapped twice.  ``@shapelint.shapes`` functions
  check themselves already.

The cells that ran before the extension was loaded are read from IPython's
history, so what they defined is known to the first checked cell.
"""

from __future__ import annotations

import json
import os
import re
import sys
import types
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["SessionChecker", "load_ipython_extension", "unload_ipython_extension"]

MAGIC = "shapelint"
# Errors about the cell's syntax are the kernel's to report (it does, right after).
_KERNEL_REPORTS = {"SL000"}
# The notebook a session is checked as: in the working directory, so project
# modules the cells import are found as they are for a notebook saved there.
_SESSION_FILE = "ipython-session.ipynb"

_checkers: Dict[int, "SessionChecker"] = {}  # id(shell) -> its checker


class SessionChecker:
    """The extension's state for one shell: the cells that ran, and what was instrumented."""

    def __init__(self, shell: Any):
        self.shell = shell
        self.enabled = True
        # (label, raw source) of each cell that ran, in the order it ran
        self.cells: List[Tuple[str, str]] = []
        # user-namespace name -> the function or class last looked at under it
        self._seen: Dict[str, Any] = {}
        # (namespace or class, name, original): what unload puts back
        self._replaced: List[Tuple[Any, str, Any]] = []
        self._next_count = getattr(shell, "execution_count", 1)
        self._maybe_current: Optional[str] = None

    # -- loading -------------------------------------------------------------------------

    def register(self) -> None:
        self._read_history()
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        self.shell.register_magic_function(self.magic, magic_kind="line", magic_name=MAGIC)
        self._instrument_safely()  # what the cells before defined

    def unregister(self) -> None:
        for event, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                self.shell.events.unregister(event, callback)
            except ValueError:
                pass  # already gone
        self.shell.magics_manager.magics["line"].pop(MAGIC, None)
        for owner, name, original in reversed(self._replaced):
            if isinstance(owner, dict):
                if name in owner and getattr(owner[name], "__wrapped__", None) is original:
                    owner[name] = original
            else:
                setattr(owner, name, original)
        self._replaced.clear()

    def _read_history(self) -> None:
        """The cells that ran before loading, from the shell's input history."""
        history = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None) or []
        for count, source in enumerate(history[1:], start=1):
            if isinstance(source, str) and source.strip():
                self.cells.append((f"In [{count}]", source))
        # Loaded from a cell, that cell is in the history already and its
        # post_run_cell comes next: it must not be recorded twice.
        self._maybe_current = self.cells[-1][1].rstrip("\n") if self.cells else None

    # -- the events ----------------------------------------------------------------------

    def pre_run_cell(self, info: Any = None) -> None:
        if not self.enabled or info is None:
            return
        try:
            label = f"In [{self._next_count}]" if getattr(info, "store_history", True) else "this cell"
            report = self.check_cell(info.raw_cell, label)
        except KeyboardInterrupt:
            report = "shapelint: check interrupted; the cell runs unchecked"
        except Exception as exc:  # never the user's cell's problem
            report = f"shapelint: could not check this cell ({type(exc).__name__}: {exc})"
        if report:
            sys.stderr.write(report + "\n")
            sys.stderr.flush()

    def post_run_cell(self, result: Any) -> None:
        self._next_count = getattr(self.shell, "execution_count", self._next_count)
        info = getattr(result, "info", None)
        raw = getattr(info, "raw_cell", None)
        maybe_current, self._maybe_current = self._maybe_current, None
        if isinstance(raw, str) and raw.strip() and getattr(result, "error_before_exec", None) is None \
                and raw.rstrip("\n") != maybe_current:
            count = getattr(result, "execution_count", None)
            self.cells.append((f"In [{count}]" if count else "a cell", raw))
        if self.enabled:
            self._instrument_safely()

    def magic(self, line: str) -> None:
        """``%shapelint on`` / ``%shapelint off``; alone, print the state."""
        word = line.strip().lower()
        if word in ("on", "off"):
            self.enabled = word == "on"
        elif word:
            print(f"%{MAGIC}: expected 'on' or 'off', not {line.strip()!r}", file=sys.stderr)
            return
        print(self.state())

    def state(self) -> str:
        if not self.enabled:
            return (f"{MAGIC} is off: cells are not checked and new functions are not instrumented "
                    f"(`%{MAGIC} on` turns it back on)")
        wrapped = sum(1 for owner, _, _ in self._replaced if isinstance(owner, dict))
        return (f"{MAGIC} is on: each cell is checked before it runs, with the {len(self.cells)} "
                f"{'cell' if len(self.cells) == 1 else 'cells'} that ran before it; "
                f"{wrapped} {'function checks' if wrapped == 1 else 'functions check'} "
                f"the shapes {'it declares' if wrapped == 1 else 'they declare'} when called")

    # -- the static check ----------------------------------------------------------------

    def check_cell(self, source: str, label: str) -> str:
        """What to print before running ``source``: its findings in cell coordinates, or ''."""
        from shapelint.config import CliOverrides, ConfigError, load_settings
        from shapelint.notebook import _rewrite_magics, build_source
        from shapelint.runner import lint_bytes
        from shapelint.suppress import split_lines

        lines = split_lines(source)
        if all(not l.strip() or l.strip() == "pass" or l.lstrip().startswith("#") for l in _rewrite_magics(lines)):
            return ""  # only magics and comments: nothing to check, and no need to analyze the session
        cwd = Path.cwd()
        try:
            settings = load_settings(cwd, CliOverrides())
        except ConfigError as exc:
            return f"shapelint: not checked: {exc}"
        session = self._session_path(cwd)
        rel = os.path.relpath(session, settings.root).replace(os.sep, "/")
        cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                  "source": text} for _, text in self.cells]
        cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                      "source": source})
        text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        outcome = lint_bytes(text.encode("utf-8"), session, settings.codes_for(rel), settings.severity)
        new = len(cells)
        # the new cell's findings, and those inside an earlier cell's function that the new cell's
        # calls make fail (reported where the function fails, with the call as related location)
        mine = [d for d in outcome.diagnostics if d.code not in _KERNEL_REPORTS
                and (d.cell == new or any(r.cell == new for r in d.related))]
        if not mine:
            return ""
        labels = [name for name, _ in self.cells] + [label]
        line_map = build_source(text).line_map
        out = []
        for d in mine:
            shown = _render(d.with_(message=_cell_lines(d.message, line_map, labels, d.cell or new)),
                            labels[d.cell - 1] if d.cell else label)
            notes = [f" = note: with the shapes passed at {label if r.cell == new else labels[r.cell - 1]}, line {r.line}"
                     for r in d.related if r.cell]
            out.append("\n".join([shown] + notes))
        if outcome.message and outcome.message_kind == "internal":
            out.append(f"shapelint: could not check this cell ({outcome.message})")
        return "\n".join(out)

    def _session_path(self, cwd: Path) -> str:
        """The notebook the session is checked as: Jupyter's own when it says which (per-file-ignores apply)."""
        named = self.shell.user_ns.get("__session__") if hasattr(self.shell, "user_ns") else None
        if isinstance(named, str) and named.endswith(".ipynb"):
            return str(cwd / Path(named).name)  # the kernel runs in the notebook's folder
        return str(cwd / _SESSION_FILE)

    # -- the runtime check ---------------------------------------------------------------

    def _instrument_safely(self) -> None:
        try:
            self._instrument_namespace()
        except Exception as exc:  # as for the static check: never the user's problem
            sys.stderr.write(f"shapelint: could not instrument the cell's functions ({type(exc).__name__}: {exc})\n")

    def _instrument_namespace(self) -> None:
        """Wrap the functions (and classes' methods) the cells defined since the last look."""
        from shapelint.runtime.instrument import instrument_class, instrument_function

        namespace = self.shell.user_ns
        module = getattr(getattr(self.shell, "user_module", None), "__name__", "__main__")
        for name, value in list(namespace.items()):
            if self._seen.get(name) is value:
                continue
            if isinstance(value, types.FunctionType) and value.__module__ == module:
                new = instrument_function(value)
                if new is not value:
                    namespace[name] = new
                    self._replaced.append((namespace, name, value))
                self._seen[name] = new
            elif isinstance(value, type) and value.__module__ == module:
                before = dict(vars(value))
                instrument_class(value, module)
                for member, original in before.items():
                    if vars(value).get(member) is not original:
                        self._replaced.append((value, member, original))
                self._seen[name] = value


# "line 8" in a message names a line of the joined source (where a called function fails)
_LINE = re.compile(r"(?<![\w`])line (\d+)\b(?! of `)")
_CELL_BEFORE = re.compile(r"(cell \d+|In \[\d+\]),?\s*$")
_NOTEBOOK_CELL = re.compile(r"\bcell (\d+), line (\d+)\b")


def _cell_lines(message: str, line_map: List[Tuple[int, int]], labels: List[str], current: int) -> str:
    """``line 8`` of the joined source as ``In [2], line 6`` (or ``line 6`` in the cell itself), and
    ``cell 2, line 6`` (a notebook's own coordinates: the session's cells) as ``In [2], line 6``."""
    def named_cell(m: "re.Match[str]") -> str:
        cell, line = int(m.group(1)), m.group(2)
        if not 0 < cell <= len(labels):
            return m.group(0)
        return f"line {line}" if cell == current else f"{labels[cell - 1]}, line {line}"

    def cell_line(m: "re.Match[str]") -> str:
        k = int(m.group(1))
        if not 0 < k <= len(line_map) or _CELL_BEFORE.search(message, 0, m.start()):
            return m.group(0)
        cell, line = line_map[k - 1]
        return f"line {line}" if cell == current else f"{labels[cell - 1]}, line {line}"

    # joined lines first: the cells' own `cell 2, line 3` are left for named_cell
    return _NOTEBOOK_CELL.sub(named_cell, _LINE.sub(cell_line, message))


def _render(d: Any, label: str) -> str:
    """One finding as the text format shows it, located as IPython's tracebacks do."""
    from shapelint.report.text import _caret

    out = [f"{label}, line {d.line}: {d.code} {d.message}"]
    if d.source_line.strip():
        shown, pad, width = _caret(d)
        gutter = str(d.line)
        out.append(f" {gutter} | {shown}")
        out.append(f" {' ' * len(gutter)} | {' ' * pad}{'^' * width}")
    return "\n".join(out)


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext shapelint``."""
    if id(shell) in _checkers:
        return
    checker = SessionChecker(shell)
    checker.register()
    _checkers[id(shell)] = checker


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext shapelint``: the events and the magic are removed, wrapped functions restored."""
    checker = _checkers.pop(id(shell), None)
    if checker is not None:
        checker.unregister()
