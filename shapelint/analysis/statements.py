"""Statements: blocks, branches, loops, try and with."""

from __future__ import annotations

from typing import Any, Iterable, List, Tuple

import libcst as cst

from shapelint.algebra.dims import (
    fresh,
)
from shapelint.analysis.env import Env, Flow
from shapelint.analysis.values import (
    NONE,
    UNKNOWN,
    ArrayVal,
    DictVal,
    IntVal,
    TupleVal,
    Val,
    join_all,
)

MAX_UNROLL = 8  # a `for` over a known range this short is analyzed iteration by iteration
from shapelint.analysis.builtins import EnumerateVal, RangeVal, ZipVal
from shapelint.analysis.syntax import EXPECTS_ERROR, callee_name, walk


class StatementsMixin:
    def exec_block(self, body: Iterable[cst.CSTNode], env: Env) -> Flow:
        for stmt in body:
            flow = self.exec_stmt(stmt, env)
            if flow.terminated:
                return flow
        return Flow(False)

    def exec_suite(self, suite: cst.BaseSuite, env: Env) -> Flow:
        return self.exec_block(suite.body, env)

    def exec_stmt(self, stmt: cst.CSTNode, env: Env) -> Flow:
        outer = self.current_stmt
        self.current_stmt = stmt
        try:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    flow = self.exec_small(small, env)
                    if flow.terminated:
                        return flow
                return Flow(False)
            method = getattr(self, "stmt_" + type(stmt).__name__, None)
            if method is None:
                return Flow(False)
            return method(stmt, env)
        finally:
            self.current_stmt = outer

    def exec_small(self, node: cst.CSTNode, env: Env) -> Flow:
        t = type(node)
        if t is cst.Assign:
            value = self.eval(node.value, env)
            for target in node.targets:
                self.assign(target.target, value, env, node.value)
        elif t is cst.Expr:
            self.eval(node.value, env)
        elif t is cst.AugAssign:
            self.aug_assign(node, env)
        elif t is cst.AnnAssign:
            if node.value is not None:
                value = self.eval(node.value, env)
                declared = self.annotation_shape(node.annotation)
                if declared is not None and isinstance(value, ArrayVal):
                    self.emit("declared_value", node, name=self.code_of(node.target),
                              declared=declared, value=value)
                self.assign(node.target, value, env, node.value)
        elif t is cst.Return:
            value = self.eval(node.value, env) if node.value is not None else NONE
            self.on_return(node, value, env)
            return Flow(True)
        elif t is cst.Raise:
            if node.exc is not None:
                self.eval(node.exc, env)
            return Flow(True)
        elif t in (cst.Break, cst.Continue):
            return Flow(True)
        elif t is cst.Assert:
            self.exec_assert(node, env)
        elif t is cst.Import:
            self.stmt_import(node, env)
        elif t is cst.ImportFrom:
            self.import_from(node, env)
        elif t is cst.Del:
            pass
        elif t is cst.Global or t is cst.Nonlocal:
            pass
        return Flow(False)

    def stmt_If(self, node: cst.If, env: Env) -> Flow:
        self.eval(node.test, env)
        decided = self.static_truth(node.test, env)
        if decided is True:
            return self.exec_suite(node.body, env)
        if decided is False:
            if node.orelse is None:
                return Flow(False)
            if isinstance(node.orelse, cst.If):
                return self.stmt_If(node.orelse, env)
            return self.exec_suite(node.orelse.body, env)
        undecided_in_unrolled = self.unrolled > 0
        if undecided_in_unrolled:
            self.quiet += 1
        try:
            then_env = env.copy()
            self.refine_from_test(node.test, then_env)
            then_flow = self.exec_suite(node.body, then_env)
            else_env = env.copy()
            self.refine_from_test(node.test, else_env, positive=False)
            if node.orelse is None:
                else_flow = Flow(False)
            elif isinstance(node.orelse, cst.If):
                else_flow = self.stmt_If(node.orelse, else_env)
            else:
                else_flow = self.exec_suite(node.orelse.body, else_env)
        finally:
            if undecided_in_unrolled:
                self.quiet -= 1
        self.merge_branches(env, [(then_env, then_flow), (else_env, else_flow)])
        return Flow(then_flow.terminated and else_flow.terminated)

    def merge_branches(self, env: Env, branches: List[Tuple[Env, Flow]]) -> None:
        live = [b for b, f in branches if not f.terminated]
        if not live:
            return
        names = set()
        for b in live:
            names.update(b.vars)
        for name in names:
            vals = [b.vars.get(name) for b in live]
            if any(v is None for v in vals):
                # defined on one path only: reading it on the other raises NameError
                defined = [v for v in vals if v is not None]
                env.vars[name] = defined[0] if len(defined) == len(live) else join_all(defined)
                continue
            env.vars[name] = join_all(vals)

    def stmt_For(self, node: cst.For, env: Env) -> Flow:
        iterable = self.eval(node.iter, env)
        if self.can_unroll(node, iterable):
            # `for l in range(1, 4)`: a few known iterations, each with its own l,
            # so that parameters["W" + str(l)] are W1, W2, W3 with their own shapes.
            # First the body once for any l (what it reports holds for every l) ...
            probe = env.copy()
            for name, v in list(probe.vars.items()):
                if isinstance(v, DictVal):  # the probe must not write into the real dicts
                    probe.vars[name] = DictVal(v.entries, v.complete)
            self.assign(node.target, self.element_of(RangeVal(), node.target), probe, None)
            self.exec_suite(node.body, probe)
            # ... then each iteration for its values; inside a branch we cannot
            # decide, a finding could belong to an iteration that skips it: quiet.
            self.unrolled += 1
            try:
                for value in iterable.values:
                    self.assign(node.target, IntVal(value), env, None)
                    self.exec_suite(node.body, env)
            finally:
                self.unrolled -= 1
            if node.orelse is not None:
                self.exec_suite(node.orelse.body, env)
            return Flow(False)
        body_env = env.copy()
        self.assign(node.target, self.element_of(iterable, node.target), body_env, None)
        self.exec_suite(node.body, body_env)
        # The body ran with the values of its first iteration; after the
        # loop, a name keeps only what holds both before and after it.
        self.merge_branches(env, [(env.copy(), Flow(False)), (body_env, Flow(False))])
        if node.orelse is not None:
            self.exec_suite(node.orelse.body, env)
        return Flow(False)

    def can_unroll(self, node: cst.For, iterable: Val) -> bool:
        if not isinstance(iterable, RangeVal) or iterable.values is None:
            return False
        if not 0 < len(iterable.values) <= MAX_UNROLL or self.unrolled >= 2:
            return False
        if not isinstance(node.target, cst.Name):
            return False
        # a body that can leave early runs an unknown number of times
        return not any(isinstance(n, (cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Yield))
                       for n in walk(node.body))

    def stmt_While(self, node: cst.While, env: Env) -> Flow:
        self.eval(node.test, env)
        body_env = env.copy()
        self.exec_suite(node.body, body_env)
        self.merge_branches(env, [(env.copy(), Flow(False)), (body_env, Flow(False))])
        if node.orelse is not None:
            self.exec_suite(node.orelse.body, env)
        return Flow(False)

    def stmt_Try(self, node: cst.Try, env: Env) -> Flow:
        pre = env.copy()
        body_flow = self.exec_suite(node.body, env)
        if node.orelse is not None and not body_flow.terminated:
            body_flow = self.exec_suite(node.orelse.body, env)
        branches = [(env.copy(), body_flow)]
        for handler in node.handlers:
            h_env = pre.copy()
            # the handler may run after any part of the body
            self.merge_branches(h_env, [(pre.copy(), Flow(False)), (env.copy(), Flow(False))])
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, h_env, None)
            branches.append((h_env, self.exec_suite(handler.body, h_env)))
        merged = Env(env.parent)
        merged.text_dims = env.text_dims
        self.merge_branches(merged, branches)
        env.vars = merged.vars if any(not f.terminated for _, f in branches) else env.vars
        if node.finalbody is not None:
            self.exec_suite(node.finalbody.body, env)
        return Flow(all(f.terminated for _, f in branches))

    def stmt_TryStar(self, node: Any, env: Env) -> Flow:
        return self.stmt_Try(node, env)

    def stmt_With(self, node: cst.With, env: Env) -> Flow:
        expects_error = False
        for item in node.items:
            v = self.eval(item.item, env)
            if item.asname is not None:
                self.assign(item.asname.name, UNKNOWN if not isinstance(v, ArrayVal) else v, env, None)
            if isinstance(item.item, cst.Call) and callee_name(item.item.func) in EXPECTS_ERROR:
                expects_error = True
        if not expects_error:
            return self.exec_suite(node.body, env)
        # `with pytest.raises(ValueError):` -- the error is the point of the test
        self.quiet += 1
        try:
            self.exec_suite(node.body, env)
        finally:
            self.quiet -= 1
        return Flow(False)

    def element_of(self, iterable: Val, target: cst.CSTNode) -> Val:
        if isinstance(iterable, RangeVal):
            label = target.value if isinstance(target, cst.Name) else "i"
            return IntVal(fresh(label))
        if isinstance(iterable, ArrayVal):
            if iterable.shape is not None and len(iterable.shape) >= 1:
                return ArrayVal(tuple(iterable.shape[1:]), dtype=iterable.dtype)
            return ArrayVal(None) if iterable.shape is None else UNKNOWN
        if isinstance(iterable, TupleVal) and iterable.items:
            return join_all(list(iterable.items))
        if isinstance(iterable, ZipVal):
            return TupleVal(tuple(self.element_of(x, target) for x in iterable.parts))
        if isinstance(iterable, EnumerateVal):
            return TupleVal((IntVal(fresh("i")), self.element_of(iterable.inner, target)))
        return UNKNOWN

