"""How the inference pass talks to the rules (events) and reports findings with positions."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import libcst as cst

from shapelint.algebra.dims import (
    shape_to_json,
)
from shapelint.algebra.ops import ShapeMismatch
from shapelint.analysis.values import (
    ArrayVal,
    IntVal,
    NumVal,
    Val,
)
from shapelint.analysis.modules import ModuleCtx
from shapelint.diagnostics import Diagnostic, ShapeRecord


class Event:
    """What the inference pass tells the rules.  Attributes depend on ``kind``."""

    def __init__(self, kind: str, node: cst.CSTNode, **data: Any):
        self.kind = kind
        self.node = node
        self.__dict__.update(data)


class ReportingMixin:
    def emit(self, kind: str, node: cst.CSTNode, **data: Any) -> None:
        handlers = self.handlers.get(kind)
        if handlers:
            ev = Event(kind, node, **data)
            for h in handlers:
                h(ev, self)

    def position(self, node: cst.CSTNode, stmt: Optional[cst.CSTNode] = None,
                 mod: Optional[ModuleCtx] = None) -> Tuple[int, int, int, int]:
        """1-based (line, column, end line, end column) of a node of ``mod`` (default: the current module).

        Positions for the whole module cost more than the analysis itself, so
        only the statement that holds the node is laid out (``positions``),
        and CPython's own parser tells where that statement starts.
        """
        if mod is None:
            mod = self.mod
            if stmt is None:
                stmt = self.current_stmt
        return mod.positions().of(node, stmt)

    def remember_stmt(self, node: cst.CSTNode) -> None:
        """Note where a node (a rank-1 origin, a dot) is, to name its line later."""
        self.stmt_of[id(node)] = (self.mod, self.current_stmt)

    def line_of(self, node: cst.CSTNode) -> int:
        mod, stmt = self.stmt_of.get(id(node), (self.mod, None))
        return self.position(node, stmt, mod)[0]

    def where(self, node: cst.CSTNode) -> str:
        """``line 8``, or ``line 8 of `dnn_utils.py` `` for a node of another module."""
        mod, stmt = self.stmt_of.get(id(node), (self.mod, None))
        line = self.position(node, stmt, mod)[0]
        return f"line {line}" if mod.is_main else f"line {line} of `{mod.display}`"

    def code_of(self, node: cst.CSTNode, limit: int = 40) -> str:
        text = self.mod.tree.code_for_node(node).strip()
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def report(self, node: cst.CSTNode, code: str, message: str, severity: str) -> None:
        if code not in self.enabled or self.quiet:
            return
        site = self.call_site if not self.recording else None
        if not (site.mod.is_main if site is not None else self.mod.is_main):
            return  # an imported module's own findings belong to its own check
        line, col, end_line, end_col = self.position(node)
        if site is None:
            key = (line, col, code)
            if key in self._seen:
                return
            self._seen.add(key)
            if self.recording:
                self._generic_findings.add((self.mod.path, line, code))
        else:
            # The callee is fine for other arguments: the finding belongs to this call.
            self._instance_findings.append((self.mod, node, code, message, severity))
            if (self.mod.path, line, code) in self._generic_findings:
                return  # the function is wrong for any arguments: reported there already
            inner = f"line {line}" if self.mod.is_main else f"`{self.mod.display}` line {line}"
            line, col, end_line, end_col = self.position(site.node, site.stmt, self.main)
            message = f"in `{site.func_name}()` ({inner}) with the arguments given here: {message}"
            key = (line, col, code)
            if key in self._seen:
                return
            self._seen.add(key)
        lines = self.main.lines
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        self.result.diagnostics.append(Diagnostic(
            path=self.path, line=line, column=col, end_line=end_line, end_column=end_col,
            code=code, severity=severity, message=message, source_line=text,
        ))

    def mismatch(self, node: cst.CSTNode, err: ShapeMismatch, **data: Any) -> None:
        self.emit("mismatch", node, error=err, **data)

    def record_shape(self, target: cst.Name, value: Val) -> None:
        if not self.mod.is_main:
            return
        line, col, _, _ = self.position(target)
        if isinstance(value, ArrayVal):
            shape = shape_to_json(value.shape)
        elif isinstance(value, (IntVal, NumVal)):
            shape = []
        else:
            shape = None
        self.result.shapes.append(ShapeRecord(self.path, line, col, target.value, shape))

