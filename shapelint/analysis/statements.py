"""Statements: blocks, branches, loops, try and with."""

from __future__ import annotations

from typing import Any, Iterable, List, Tuple

import libcst as cst

from shapelint.analysis.containers import items_of, runs_at_least_once
from shapelint.analysis.env import Env, Flow
from shapelint.analysis.values import (
    NONE,
    UNKNOWN,
    ArrayVal,
    DictVal,
    join_all,
)

MAX_UNROLL = 8  # a `for` over a known range this short is analyzed iteration by iteration
from shapelint.analysis.syntax import EXPECTS_ERROR, callee_name, walk
from shapelint.rules.events import DeclaredValueEvent


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
        if isinstance(stmt, cst.BaseSmallStatement):
            # the body of a one-line suite (`def f(x): return x`, `if c: y = 1`): its position
            # is found from the enclosing statement, which stays the current one
            return self.exec_small(stmt, env)
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
            if type(node.value) is not cst.SimpleString:  # (a docstring: nothing to run)
                self.eval(node.value, env)
        elif t is cst.AugAssign:
            self.aug_assign(node, env)
        elif t is cst.AnnAssign:
            if node.value is not None:
                value = self.eval(node.value, env)
                declared = self.annotation_shape(node.annotation)
                if declared is not None and isinstance(value, ArrayVal):
                    self.emit(DeclaredValueEvent(node, name=self.code_of(node.target),
                                                 declared=declared, value=value))
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
        # Re-analyzing a function for one call, a branch its arguments do not decide may be one
        # those arguments never take (the caller tested what we cannot see): no errors from it.
        at_call = not self.recording and self.call_site is not None
        self.quiet_errors += at_call
        self.undecided += 1
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
            self.quiet_errors -= at_call
            self.undecided -= 1
            if undecided_in_unrolled:
                self.quiet -= 1
        self.merge_branches(env, [(then_env, then_flow), (else_env, else_flow)])
        return Flow(then_flow.terminated and else_flow.terminated)

    def merge_branches(self, env: Env, branches: List[Tuple[Env, Flow]]) -> None:
        live = [b for b, f in branches if not f.terminated]
        if not live:
            return
        # A name every branch left as it was here keeps its value (join(v, v) is v): only the
        # others are joined.  Raw values are compared, so an import nobody read stays unread.
        outer = env.vars
        names = set()
        for b in live:
            views = b.views
            for name, value in b.vars.items():
                if value is not dict.get(outer, name) or name in views:
                    names.add(name)
        for name in names:
            vals = [b.outside_value(name) for b in live]
            if any(v is None for v in vals):
                # defined on one path only: reading it on the other raises NameError
                defined = [v for v in vals if v is not None]
                env.vars[name] = defined[0] if len(defined) == len(live) else join_all(defined)
                continue
            env.vars[name] = join_all(vals)

    def stmt_For(self, node: cst.For, env: Env) -> Flow:
        iterable = self.eval(node.iter, env)
        items = items_of(iterable, MAX_UNROLL)
        if items is not None and self.can_unroll(node, items):
            # `for l in range(1, 4)`, `for b, w in zip(biases, weights)`: a few known
            # iterations, each with its own values, so that parameters["W" + str(l)]
            # are W1, W2, W3 with their own shapes.
            # First the body once for any item (what it reports holds for every one) ...
            probe = env.fork()
            self.assign(node.target, self.element_of(iterable, node.target), probe, None)
            self.exec_suite(node.body, probe)
            # ... then each iteration for its values; inside a branch we cannot
            # decide, a finding could belong to an iteration that skips it: quiet.
            self.unrolled += 1
            try:
                for item in items:
                    self.assign(node.target, item, env, None)
                    self.exec_suite(node.body, env)
            finally:
                self.unrolled -= 1
            if node.orelse is not None:
                self.exec_suite(node.orelse.body, env)
            return Flow(False)
        if items == []:
            # a loop over a known empty range never runs its body
            if node.orelse is not None:
                return self.exec_suite(node.orelse.body, env)
            return Flow(False)
        body_env = env.copy()
        self.assign(node.target, self.element_of(iterable, node.target), body_env, None)
        # A loop that may run zero times proves nothing by failing on its first run.
        self.exec_loop_body(node.body, body_env, may_skip=items is None and not runs_at_least_once(iterable))
        # The body ran with the values of its first iteration; after the
        # loop, a name keeps only what holds both before and after it.
        self.merge_branches(env, [(env.copy(), Flow(False)), (body_env, Flow(False))])
        if node.orelse is not None:
            self.exec_suite(node.orelse.body, env)
        return Flow(False)

    def exec_loop_body(self, body: cst.BaseSuite, env: Env, may_skip: bool) -> None:
        """The body once, with the values of its first iteration.  When the loop may run zero
        times, its errors are certain only if it runs: they become SL209 warnings (see report)."""
        self.quiet_errors += may_skip
        self.loop_may_skip += may_skip
        try:
            self.exec_suite(body, env)
        finally:
            self.quiet_errors -= may_skip
            self.loop_may_skip -= may_skip

    def can_unroll(self, node: cst.For, items: list) -> bool:
        if not 0 < len(items) <= MAX_UNROLL or self.unrolled >= 2:
            return False
        # a body that can leave early runs an unknown number of times
        leaves = self._leaves_early.get(id(node))
        if leaves is None:
            leaves = self._leaves_early[id(node)] = any(
                isinstance(n, (cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Yield)) for n in walk(node.body))
        return not leaves

    def stmt_While(self, node: cst.While, env: Env) -> Flow:
        self.eval(node.test, env)
        body_env = env.copy()
        self.exec_loop_body(node.body, body_env, may_skip=self.static_truth(node.test, env) is not True)
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
                # an array, or the datasets of an `h5py.File(...)` (see call_h5_file)
                self.assign(item.asname.name, v if isinstance(v, (ArrayVal, DictVal)) else UNKNOWN, env, None)
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


