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

    def position(self, node: cst.CSTNode, stmt: Optional[cst.CSTNode] = None) -> Tuple[int, int, int, int]:
        """1-based (line, column, end line, end column) of a node.

        Positions for the whole module cost more than the analysis itself, so
        only the statement that holds the node is laid out (``positions``),
        and CPython's own parser tells where that statement starts.
        """
        from shapelint.analysis.positions import StatementPositions

        if self._positions is None:
            self._positions = StatementPositions(self.module, self.source)
        return self._positions.of(node, stmt if stmt is not None else self.current_stmt)

    def line_of(self, node: cst.CSTNode, stmt: Optional[cst.CSTNode] = None) -> int:
        if stmt is None:
            stmt = self.stmt_of.get(id(node))
        return self.position(node, stmt)[0]

    def remember_stmt(self, node: cst.CSTNode) -> None:
        """Note which statement a node (a rank-1 origin, a dot) is in, to name its line later."""
        self.stmt_of[id(node)] = self.current_stmt

    def code_of(self, node: cst.CSTNode, limit: int = 40) -> str:
        text = self.module.code_for_node(node).strip()
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def report(self, node: cst.CSTNode, code: str, message: str, severity: str) -> None:
        if code not in self.enabled or self.quiet:
            return
        line, col, end_line, end_col = self.position(node)
        at_call_site = not self.recording and self.call_site_node is not None
        if not at_call_site:
            key = (line, col, code)
            if key in self._seen:
                return
            self._seen.add(key)
            if self.recording:
                self._generic_findings.add((line, code))
        else:
            # The callee is fine for other arguments: the finding belongs to this call.
            self._instance_findings.append((node, code, message, severity))
            inner_line = line
            if (inner_line, code) in self._generic_findings:
                return  # the function is wrong for any arguments: reported there already
            line, col, end_line, end_col = self.position(self.call_site_node, self.call_site_stmt)
            message = f"in `{self.call_site_func}()` (line {inner_line}) with the arguments given here: {message}"
            key = (line, col, code)
            if key in self._seen:
                return
            self._seen.add(key)
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.result.diagnostics.append(Diagnostic(
            path=self.path, line=line, column=col, end_line=end_line, end_column=end_col,
            code=code, severity=severity, message=message, source_line=text,
        ))

    def mismatch(self, node: cst.CSTNode, err: ShapeMismatch, **data: Any) -> None:
        self.emit("mismatch", node, error=err, **data)

    def record_shape(self, target: cst.Name, value: Val) -> None:
        line, col, _, _ = self.position(target)
        if isinstance(value, ArrayVal):
            shape = shape_to_json(value.shape)
        elif isinstance(value, (IntVal, NumVal)):
            shape = []
        else:
            shape = None
        self.result.shapes.append(ShapeRecord(self.path, line, col, target.value, shape))

