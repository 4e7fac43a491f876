"""Line and column of a node, paying only for the statement that holds it.

libcst computes positions by laying out the code of the whole module, which
costs more than our whole analysis.  Findings are rare, so we lay out one
statement at a time: CPython's parser (fast, C) says where each statement
starts, and libcst's PositionProvider, run on a one-statement module, says
where the node is inside it.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

import libcst as cst

from shapelint.analysis.implicit import ast_or_none
from shapelint.source import lazy

Position = Tuple[int, int, int, int]


class StatementPositions:
    def __init__(self, module: cst.Module, source: str):
        self.module = module
        self.source = source
        self._starts: Optional[Dict[int, Tuple[int, int]]] = None  # id(stmt) -> (line, col)
        self._local: Dict[int, Dict[cst.CSTNode, object]] = {}
        self._whole: Optional[object] = None
        self._paired_at = -1  # lazy.loaded_bodies when the statements were last paired

    def of(self, node: cst.CSTNode, stmt: Optional[cst.CSTNode]) -> Position:
        if stmt is not None:
            pos = self._in_statement(node, stmt)
            if pos is not None:
                return pos
        return self._in_module(node)

    # -- the fast path ------------------------------------------------------------
    def _in_statement(self, node: cst.CSTNode, stmt: cst.CSTNode) -> Optional[Position]:
        starts = self._statement_starts()
        start = starts.get(id(stmt))
        if start is None and self._paired_at != lazy.loaded_bodies:
            starts = self._statement_starts(again=True)  # a function body loaded since (source.lazy)
            start = starts.get(id(stmt))
        if start is None:
            return None
        ranges = self._local.get(id(stmt))
        if ranges is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            mini = cst.Module(body=[stmt], default_indent=self.module.default_indent,
                              default_newline=self.module.default_newline)
            ranges = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
            self._local[id(stmt)] = ranges
        rng = ranges.get(node)
        own = ranges.get(stmt)
        if rng is None or own is None:
            return None
        line0, col0 = start
        shift = line0 - own.start.line
        return (rng.start.line + shift, rng.start.column + col0 + 1, rng.end.line + shift, rng.end.column + col0 + 1)

    def _statement_starts(self, again: bool = False) -> Dict[int, Tuple[int, int]]:
        if self._starts is None or again:
            self._starts = {}
            self._paired_at = lazy.loaded_bodies
            tree = ast_or_none(self.source)
            if tree is not None:
                _pair(self.module.body, tree.body, self._starts)
        return self._starts

    # -- the slow path, for nodes we cannot place in a statement --------------------
    def _in_module(self, node: cst.CSTNode) -> Position:
        if self._whole is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self._whole = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        rng = self._whole.get(node)  # type: ignore[attr-defined]
        if rng is None:
            return (1, 1, 1, 1)
        return (rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)


def _pair(cst_body: List[cst.CSTNode], ast_body: List[ast.stmt], out: Dict[int, Tuple[int, int]]) -> None:
    """Walk the two trees side by side, recording where each libcst statement starts."""
    i = 0
    for stmt in cst_body:
        if i >= len(ast_body):
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            a = ast_body[i]
            out[id(stmt)] = (a.lineno, a.col_offset)
            i += len(stmt.body)
            continue
        a = ast_body[i]
        i += 1
        decorators = getattr(a, "decorator_list", None)
        if decorators:
            first = decorators[0]
            out[id(stmt)] = (first.lineno, first.col_offset - 1)  # the "@" before it
        else:
            out[id(stmt)] = (a.lineno, a.col_offset)
        _pair_children(stmt, a, out)


def _suite(node: object) -> List[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return list(body.body)
    return []


def _pair_children(stmt: cst.CSTNode, a: ast.stmt, out: Dict[int, Tuple[int, int]]) -> None:
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.With, cst.For, cst.While, cst.If, cst.Try)):
        if not lazy.body_loaded(stmt):
            return  # a stored function never read: nothing in it has been asked about
        _pair(_suite(stmt), getattr(a, "body", []), out)
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            _pair([orelse], a.orelse, out)
        elif isinstance(orelse, cst.Else):
            _pair(_suite(orelse), a.orelse, out)
    elif isinstance(stmt, (cst.For, cst.While)) and stmt.orelse is not None:
        _pair(_suite(stmt.orelse), a.orelse, out)
    elif isinstance(stmt, cst.Try) and isinstance(a, ast.Try):
        for h_cst, h_ast in zip(stmt.handlers, a.handlers):
            _pair(_suite(h_cst), h_ast.body, out)
        if stmt.orelse is not None:
            _pair(_suite(stmt.orelse), a.orelse, out)
        if stmt.finalbody is not None:
            _pair(_suite(stmt.finalbody), a.finalbody, out)
