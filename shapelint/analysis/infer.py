"""Shape inference over one module: an abstract interpreter on the libcst tree.

One walk over the tree, statement by statement, keeps an environment
(name -> abstract value, see ``values``).  Each expression is evaluated to a
value; NumPy calls are looked up by qualified name in ``algebra.api``.  Where
something happens that a rule may care about (an element-wise operation, a
matrix product, a shape error, ...) the pass emits an *event* to the rules
that asked for it.  Positions are computed only when the first finding of a
file is reported, so clean files never pay for them.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst

from shapelint.algebra import api, ops
from shapelint.algebra.dims import (
    CONVENTION,
    Dim,
    Shape,
    Sym,
    add,
    compare_dims,
    dims_equal,
    floordiv,
    fmt_dim,
    fmt_shape,
    fresh,
    is_invented,
    mul,
    shape_size,
    shape_to_json,
    sub,
)
from shapelint.algebra.ops import ShapeMismatch
from shapelint.analysis.values import (
    NONE,
    NUM,
    RNG,
    UNKNOWN,
    ArrayVal,
    BoundMethodVal,
    ClassVal,
    DictVal,
    InstanceVal,
    NoneVal,
    FuncVal,
    IntVal,
    MethodVal,
    NumVal,
    ParamVal,
    QualVal,
    Rank1Origin,
    RNGVal,
    ShapeOfVal,
    StrVal,
    TupleVal,
    Val,
    join,
    same_key,
)
from shapelint.diagnostics import Diagnostic, FileResult, ShapeRecord

MAX_CALL_DEPTH = 3
MAX_INSTANTIATIONS = 300  # per file: call-site re-analysis of local functions
MAX_UNROLL = 8  # a `for` over a known range this short is analyzed iteration by iteration


class Event:
    """What the inference pass tells the rules.  Attributes depend on ``kind``."""

    def __init__(self, kind: str, node: cst.CSTNode, **data: Any):
        self.kind = kind
        self.node = node
        self.__dict__.update(data)


class Env:
    """Names of one scope.  Reads fall through to the enclosing scope."""

    __slots__ = ("vars", "parent", "text_dims")

    def __init__(self, parent: Optional["Env"] = None):
        self.vars: Dict[str, Val] = {}
        self.parent = parent
        # Sizes made up for expressions we cannot evaluate, keyed by their
        # source text, so that `np.zeros((n_h, 1))` twice agrees with itself.
        self.text_dims: Dict[str, Sym] = {}

    def get(self, name: str) -> Optional[Val]:
        env: Optional[Env] = self
        while env is not None:
            v = env.vars.get(name)
            if v is not None:
                return v
            env = env.parent
        return None

    def copy(self) -> "Env":
        e = Env(self.parent)
        e.vars = dict(self.vars)
        e.text_dims = self.text_dims
        return e


class Flow:
    """How a block ended: did every path leave it (return/raise/break/continue)?"""

    __slots__ = ("terminated",)

    def __init__(self, terminated: bool = False):
        self.terminated = terminated


_BINOPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
    cst.Modulo: "%", cst.Power: "**", cst.MatrixMultiply: "@", cst.BitAnd: "&", cst.BitOr: "|",
    cst.BitXor: "^", cst.LeftShift: "<<", cst.RightShift: ">>",
}
_AUGOPS = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo,
    cst.PowerAssign: cst.Power, cst.MatrixMultiplyAssign: cst.MatrixMultiply, cst.BitAndAssign: cst.BitAnd,
    cst.BitOrAssign: cst.BitOr, cst.BitXorAssign: cst.BitXor, cst.LeftShiftAssign: cst.LeftShift,
    cst.RightShiftAssign: cst.RightShift,
}
_BOOL_COMPARE = (cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual, cst.Equal, cst.NotEqual)

_EXPECTS_ERROR = frozenset(("raises", "assertRaises", "assertRaisesRegex", "assert_raises",
                            "assert_raises_regex", "raises_regex", "assertRaisesRegexp"))

_MUTATORS = frozenset(("append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
                       "popitem", "sort", "reverse"))

# Parameter names that usually hold a whole shape, not one size.
_SHAPE_LIKE = ("shape", "size", "dims", "tuple")


class Inference:
    def __init__(self, module: cst.Module, source: str, path: str, enabled: Set[str],
                 result: FileResult, collect_shapes: bool):
        from shapelint.rules import all_rules

        self.module = module
        self.source = source
        self.path = path
        self.result = result
        self.collect_shapes = collect_shapes
        self.enabled = enabled
        self.handlers: Dict[str, List[Callable[[Event, "Inference"], None]]] = {}
        for code, rule_cls in all_rules().items():
            if code not in enabled:
                continue
            rule = rule_cls()
            for attr in dir(rule_cls):
                if attr.startswith("on_"):
                    self.handlers.setdefault(attr[3:], []).append(getattr(rule, attr))
        self._positions: Optional[Any] = None
        self.current_stmt: Optional[cst.CSTNode] = None
        self.stmt_of: Dict[int, Optional[cst.CSTNode]] = {}
        self.quiet = 0  # > 0 inside `with pytest.raises(...)`
        self.unrolled = 0  # depth of loops being unrolled
        self._seen: Set[Tuple[int, int, str]] = set()
        self._generic_findings: Set[Tuple[int, str]] = set()
        self._instance_findings: List[Tuple[cst.CSTNode, str, str, str]] = []
        self.call_stack: List[cst.FunctionDef] = []
        self.instantiations = 0
        self.recording = True  # False while re-analyzing a function for one call site
        self.call_site_node: Optional[cst.Call] = None
        self.call_site_stmt: Optional[cst.CSTNode] = None
        self.call_site_func = ""
        self._instance_cache: Dict[Any, Val] = {}
        self.lines = source.splitlines()

    # -- reporting ---------------------------------------------------------------------

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

    # -- driver ------------------------------------------------------------------------

    def run(self) -> None:
        env = Env()
        self.exec_block(self.module.body, env)
        self.result.diagnostics.sort(key=lambda d: (d.line, d.column, d.code))

    # -- statements --------------------------------------------------------------------

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
            for alias in node.names:
                full = _dotted(alias.name)
                if alias.asname is not None:
                    env.vars[_name_of(alias.asname.name)] = QualVal(full)
                else:
                    top = full.split(".")[0]
                    env.vars[top] = QualVal(top)
        elif t is cst.ImportFrom:
            self.import_from(node, env)
        elif t is cst.Del:
            pass
        elif t is cst.Global or t is cst.Nonlocal:
            pass
        return Flow(False)

    def import_from(self, node: cst.ImportFrom, env: Env) -> None:
        if node.relative or node.module is None:
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    name = alias.asname.name if alias.asname else alias.name
                    env.vars[_name_of(name)] = UNKNOWN
            return
        mod = _dotted(node.module)
        if isinstance(node.names, cst.ImportStar):
            if mod == "numpy":
                for q in api.API:
                    if q.count(".") == 1:
                        env.vars[q.split(".")[1]] = QualVal(q)
                env.vars["random"] = QualVal("numpy.random")
                env.vars["newaxis"] = QualVal("numpy.newaxis")
            return
        for alias in node.names:
            local = _name_of(alias.asname.name) if alias.asname else _dotted(alias.name)
            env.vars[local] = QualVal(f"{mod}.{_dotted(alias.name)}")

    def stmt_FunctionDef(self, node: cst.FunctionDef, env: Env) -> Flow:
        contract = self.function_contract(node, env)
        func = FuncVal(node, env, contract, node.name.value)
        env.vars[node.name.value] = func
        if self.recording and len(self.call_stack) == 0:
            func.generic_return = self.analyze_function(func, None, None)
        return Flow(False)

    def stmt_ClassDef(self, node: cst.ClassDef, env: Env) -> Flow:
        class_env = Env(env)
        class_env.text_dims = env.text_dims
        self.exec_suite(node.body, class_env)
        # plain methods only: `obj.forward(x)` is checked like `forward(obj, x)`
        methods = {name: v for name, v in class_env.vars.items()
                   if isinstance(v, FuncVal) and not _has_special_decorator(v.node)}
        env.vars[node.name.value] = ClassVal(node.name.value, methods)
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
        # `if n == 1:` tests a value that the generic-size convention excludes, and
        # n is not bound to it in the branch: its findings would assume n != 1
        special = self.special_size_test(node.test, env)
        try:
            then_env = env.copy()
            self.refine_from_test(node.test, then_env)
            self.quiet += special is True
            then_flow = self.exec_suite(node.body, then_env)
            self.quiet -= special is True
            else_env = env.copy()
            self.refine_from_test(node.test, else_env, positive=False)
            self.quiet += special is False
            if node.orelse is None:
                else_flow = Flow(False)
            elif isinstance(node.orelse, cst.If):
                else_flow = self.stmt_If(node.orelse, else_env)
            else:
                else_flow = self.exec_suite(node.orelse.body, else_env)
            self.quiet -= special is False
        finally:
            if undecided_in_unrolled:
                self.quiet -= 1
        self.merge_branches(env, [(then_env, then_flow), (else_env, else_flow)])
        return Flow(then_flow.terminated and else_flow.terminated)

    def special_size_test(self, test: cst.BaseExpression, env: Env) -> Optional[bool]:
        """``n == 1`` (True: the then-branch) or ``n != 1`` (False: the else-branch) where
        only the generic-size convention says the sizes differ; None otherwise."""
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, (cst.Equal, cst.NotEqual))):
            return None
        dims = []
        for side in (test.left, test.comparisons[0].comparator):
            v = self.quiet_eval(side, env)
            dims.append(v.dim if isinstance(v, IntVal)
                        else Sym.name(v.name) if isinstance(v, ParamVal) and v.declared else None)
        if compare_dims(dims[0], dims[1]).reason != CONVENTION:
            return None
        return isinstance(test.comparisons[0].operator, cst.Equal)

    def static_truth(self, test: cst.BaseExpression, env: Env) -> Optional[bool]:
        """True/False when known sizes decide the test (``len(x) > 4``, ``x.ndim == 2``)."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.static_truth(test.expression, env)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            a = self.static_truth(test.left, env)
            b = self.static_truth(test.right, env)
            if isinstance(test.operator, cst.And):
                if a is False or b is False:
                    return False
                return True if a is True and b is True else None
            if a is True or b is True:
                return True
            return False if a is False and b is False else None
        if not isinstance(test, cst.Comparison):
            if isinstance(test, (cst.Name, cst.BinaryOperation)):
                v = self.quiet_eval(test, env)
                if isinstance(v, IntVal) and isinstance(v.dim, int):
                    return bool(v.dim)  # `if i:` with a known i
            return None
        left = self.quiet_eval(test.left, env)
        result: Optional[bool] = True
        for comp in test.comparisons:
            right = self.quiet_eval(comp.comparator, env)
            verdict = _compare_known(comp.operator, left, right)
            if verdict is None:
                return None
            result = result and verdict
            left = right
        return result

    def quiet_eval(self, node: cst.BaseExpression, env: Env) -> Val:
        """Evaluate again for a value only: the findings were reported on the first pass."""
        self.quiet += 1
        try:
            return self.eval(node, env)
        finally:
            self.quiet -= 1

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
                env.vars[name] = defined[0] if len(defined) == len(live) else _join_all(defined)
                continue
            env.vars[name] = _join_all(vals)

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
            self.assign(node.target, self.element_of(_RangeVal(), node.target), probe, None)
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
        if not isinstance(iterable, _RangeVal) or iterable.values is None:
            return False
        if not 0 < len(iterable.values) <= MAX_UNROLL or self.unrolled >= 2:
            return False
        if not isinstance(node.target, cst.Name):
            return False
        # a body that can leave early runs an unknown number of times
        return not any(isinstance(n, (cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Yield))
                       for n in _walk_expr(node.body))

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
            if isinstance(item.item, cst.Call) and _callee_name(item.item.func) in _EXPECTS_ERROR:
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

    # -- assignment --------------------------------------------------------------------

    def assign(self, target: cst.BaseExpression, value: Val, env: Env, value_node: Optional[cst.CSTNode]) -> None:
        if isinstance(target, cst.Name):
            env.vars[target.value] = value
            if self.collect_shapes and self.recording:
                self.record_shape(target, value)
            if isinstance(value, ArrayVal) and value.shape is not None and "gradient" in self.handlers:
                base = _gradient_of(target.value)
                if base is not None:
                    var = env.vars.get(base)  # same scope: a module-level `b` is not this `db`'s
                    if isinstance(var, ArrayVal) and var.shape is not None:
                        self.emit("gradient", target, grad_name=target.value, grad=value, var_name=base, var=var)
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if any(isinstance(e, cst.StarredElement) for e in elements):
                for e in elements:
                    self.assign(e.value, UNKNOWN, env, None)
                return
            labels = [e.value.value if isinstance(e.value, cst.Name) else "" for e in elements]
            items = self.unpack(value, len(elements), value_node, env, labels)
            if isinstance(value_node, cst.Attribute) and value_node.attr.value == "shape":
                items = self.unify_unpacked_sizes(elements, items, env)
            for e, v in zip(elements, items):
                self.assign(e.value, v, env, None)
            return
        if isinstance(target, cst.Subscript):
            self.assign_subscript(target, value, env)
            return
        if isinstance(target, cst.Attribute):
            self.eval(target.value, env)
            return
        if isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, env, None)

    def assign_subscript(self, target: cst.Subscript, value: Val, env: Env) -> None:
        container = self.eval(target.value, env)
        if isinstance(container, DictVal) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            key = self.eval(target.slice[0].slice.value, env)
            if isinstance(key, StrVal):
                container.entries[key.parts] = value
                if isinstance(value, ArrayVal) and value.shape is not None and "gradient" in self.handlers:
                    self.check_gradient_entry(target, key.parts, value, env)
                return
            container.complete = False
        if isinstance(container, TupleVal) and isinstance(target.value, cst.Name):
            env.vars[target.value.value] = UNKNOWN  # lst[i] = v: the list we knew is gone
            return
        if isinstance(container, ArrayVal):
            # x[idx] = v: v must broadcast to the selected region
            region = self.subscript_array(target, container, env, report=True)
            if (isinstance(region, ArrayVal) and isinstance(value, ArrayVal) and region.shape
                    and container.dtype != "object"):
                try:
                    out = ops.broadcast(region.shape, value.shape)
                    if out is not None and len(out) > len(region.shape):
                        raise ShapeMismatch("SL101", f"could not broadcast input array from shape "
                                            f"{fmt_shape(value.shape)} into shape {fmt_shape(region.shape)}")
                    if out is not None and any(dims_equal(a, b) is False for a, b in zip(out, region.shape)):
                        raise ShapeMismatch("SL101", f"could not broadcast input array from shape "
                                            f"{fmt_shape(value.shape)} into shape {fmt_shape(region.shape)}")
                except ShapeMismatch as err:
                    self.mismatch(target, err, op="=", operands=[region, value], operand_nodes=[target, None])

    def check_gradient_entry(self, target: cst.Subscript, key: Tuple[Any, ...], value: ArrayVal, env: Env) -> None:
        if not key or not isinstance(key[0], str):
            return
        base = _gradient_of(key[0])
        if base is None:
            return
        var_key = (base,) + tuple(key[1:])
        for name, other in _scope_values(env):
            if isinstance(other, DictVal):
                for k, var in other.entries.items():
                    if same_key(k, var_key) is True and isinstance(var, ArrayVal) and var.shape is not None:
                        self.emit("gradient", target, grad_name=self.code_of(target), grad=value,
                                  var_name=f"{name}[{_key_text(var_key)}]", var=var)
                        return

    def unify_unpacked_sizes(self, elements: Any, items: List[Val], env: Env) -> List[Val]:
        """``n_x, m = X.shape`` after ``n_h, n_x = W.shape``: one n_x, not two."""
        old, new = [], []
        for e, item in zip(elements, items):
            if not (isinstance(e.value, cst.Name) and isinstance(item, IntVal) and is_invented(item.dim)):
                continue
            prev = env.get(e.value.value)
            if isinstance(prev, IntVal) and prev.dim is not None and prev.dim != item.dim:
                old.append(item.dim)
                new.append(prev.dim)
        if not old:
            return items
        self.substitute(env, tuple(old), tuple(new))
        mapping = dict(zip(old, new))
        return [IntVal(mapping[i.dim]) if isinstance(i, IntVal) and i.dim in mapping else i for i in items]

    def unpack(self, value: Val, n: int, value_node: Optional[cst.CSTNode], env: Env,
               labels: List[str]) -> List[Val]:
        if isinstance(value, TupleVal) and len(value.items) == n:
            return list(value.items)
        if (isinstance(value, TupleVal) and isinstance(value_node, cst.Attribute)
                and value_node.attr.value == "shape"):
            arr = self.eval(value_node.value, env)
            have = len(value.items)
            self.mismatch(value_node, ShapeMismatch(
                "SL105", f"cannot unpack the shape {fmt_shape(getattr(arr, 'shape', None))} of a "
                f"{have}-dimensional array into {n} names ({'not enough' if have < n else 'too many'} values)"),
                operands=[], operand_nodes=[])
            return [UNKNOWN] * n
        if isinstance(value, ShapeOfVal):
            dims = [fresh(label) for label in labels]
            if value.owner is not None:
                owner = env.get(value.owner)
                if isinstance(owner, ArrayVal) and owner.shape is None:
                    env.vars[value.owner] = ArrayVal(tuple(dims), dtype=owner.dtype)
                elif owner is None or owner is UNKNOWN or isinstance(owner, ParamVal):
                    env.vars[value.owner] = ArrayVal(tuple(dims))
            return [IntVal(d) for d in dims]
        if isinstance(value, ArrayVal) and value.shape is not None and len(value.shape) >= 1:
            return [ArrayVal(tuple(value.shape[1:]), dtype=value.dtype)] * n
        return [UNKNOWN] * n

    def aug_assign(self, node: cst.AugAssign, env: Env) -> None:
        op_cls = _AUGOPS.get(type(node.operator))
        left = self.eval(node.target, env)
        right = self.eval(node.value, env)
        if op_cls is None:
            result = UNKNOWN
        else:
            result = self.binary(node, _BINOPS[op_cls], left, right, node.target, node.value,
                                 inplace=isinstance(left, ArrayVal))
        if isinstance(node.target, cst.Name):
            env.vars[node.target.value] = result
        elif isinstance(node.target, cst.Subscript):
            container = self.eval(node.target.value, env)
            if isinstance(container, DictVal) and len(node.target.slice) == 1 and isinstance(node.target.slice[0].slice, cst.Index):
                key = self.eval(node.target.slice[0].slice.value, env)
                if isinstance(key, StrVal):
                    container.entries[key.parts] = result

    def record_shape(self, target: cst.Name, value: Val) -> None:
        line, col, _, _ = self.position(target)
        if isinstance(value, ArrayVal):
            shape = shape_to_json(value.shape)
        elif isinstance(value, (IntVal, NumVal)):
            shape = []
        else:
            shape = None
        self.result.shapes.append(ShapeRecord(self.path, line, col, target.value, shape))

    # -- functions ---------------------------------------------------------------------

    def function_contract(self, node: cst.FunctionDef, env: Env) -> Any:
        from shapelint.analysis.contracts import read_contract

        decorator_specs = None
        for dec in node.decorators:
            d = dec.decorator
            target = d.func if isinstance(d, cst.Call) else d
            value = self.quiet_eval(target, env)
            if isinstance(value, QualVal) and value.qualname in ("shapelint.shapes", "shapelint.runtime.shapes",
                                                                  "shapelint.runtime.contracts.shapes"):
                decorator_specs = d if isinstance(d, cst.Call) else ()
        return read_contract(self, node, decorator_specs)

    def analyze_function(self, func: FuncVal, args: Optional[Dict[str, Val]], call_node: Optional[cst.Call]) -> Val:
        node = func.node
        if node in self.call_stack or len(self.call_stack) >= MAX_CALL_DEPTH:
            return UNKNOWN
        env = Env(func.env)
        env.text_dims = dict(func.env.text_dims)
        params = node.params
        all_params = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for p in all_params:
            name = p.name.value
            if args is not None and name in args:
                env.vars[name] = args[name]
            else:
                env.vars[name] = self.param_value(func, p)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                env.vars[star.name.value] = UNKNOWN
        returns: List[Val] = []
        saved = (self.recording, self.call_site_node, self.call_site_func)
        self.call_stack.append(node)
        if args is not None:
            self.recording = False
        self._returns_stack = getattr(self, "_returns_stack", [])
        self._returns_stack.append((func, returns))
        try:
            flow = self.exec_suite(node.body, env)
        finally:
            self._returns_stack.pop()
            self.call_stack.pop()
            self.recording, self.call_site_node, self.call_site_func = saved
        if not flow.terminated:
            returns.append(NONE)
        if not returns:
            return UNKNOWN
        return _join_all(returns)

    def param_value(self, func: FuncVal, p: cst.Param) -> Val:
        name = p.name.value
        contract = func.contract
        if contract is not None:
            declared = contract.param_value(name)
            if declared is not None:
                return declared
        if p.annotation is not None:
            ann = p.annotation.annotation
            if isinstance(ann, cst.Name) and ann.value == "int":
                return IntVal(Sym.name(name))
            if isinstance(ann, cst.Name) and ann.value in ("float", "bool", "str"):
                return NUM if ann.value != "str" else UNKNOWN
            shape = self.annotation_shape(p.annotation)
            if shape is not None:
                return ArrayVal(shape)
        if p.default is not None and isinstance(p.default, (cst.SimpleString, cst.Float)):
            return UNKNOWN
        if contract is not None and contract.params and name not in contract.size_names():
            return ParamVal(name, declared=False)
        return ParamVal(name)

    def annotation_shape(self, annotation: cst.Annotation) -> Shape:
        from shapelint.analysis.contracts import annotation_shape

        return annotation_shape(self, annotation)

    def on_return(self, node: cst.Return, value: Val, env: Env) -> None:
        stack = getattr(self, "_returns_stack", None)
        if not stack:
            return
        func, returns = stack[-1]
        returns.append(value)
        if func.contract is not None and node.value is not None:
            func.contract.check_return(self, node, value)

    def call_function(self, func: FuncVal, call: cst.Call, env: Env, bound_self: Optional[Val] = None) -> Val:
        node = func.node
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        args: Dict[str, Val] = {}
        arg_nodes: Dict[str, cst.CSTNode] = {}
        pos_i = 0
        if bound_self is not None:
            if not positional:
                return UNKNOWN
            args[positional[0].name.value] = bound_self
            pos_i = 1
        for arg in call.args:
            if arg.star:
                self.eval(arg.value, env)
                return func.generic_return
            v = self.eval(arg.value, env)
            if arg.keyword is not None:
                args[arg.keyword.value] = v
                arg_nodes[arg.keyword.value] = arg.value
            elif pos_i < len(positional):
                args[positional[pos_i].name.value] = v
                arg_nodes[positional[pos_i].name.value] = arg.value
                pos_i += 1
        if func.contract is not None:
            func.contract.check_call(self, call, args, arg_nodes)
        informative = any(_informative(v) for v in args.values())
        if not informative or self.instantiations >= MAX_INSTANTIATIONS:
            return func.generic_return
        key = (node, tuple(sorted((k, _val_key(v)) for k, v in args.items())))
        outermost = self.call_site_node is None
        cached = self._instance_cache.get(key)
        if cached is not None:
            result, findings = cached
            if outermost:
                # the same arguments again: the same findings, at this call
                self.call_site_node, self.call_site_func, self.call_site_stmt = call, func.qualname, self.current_stmt
                saved, self.recording = self.recording, False
                try:
                    for node_, code, message, severity in findings:
                        self.report(node_, code, message, severity)
                finally:
                    self.recording = saved
                    self.call_site_node, self.call_site_func = None, ""
            return result
        self.instantiations += 1
        if outermost:
            self.call_site_node, self.call_site_func = call, func.qualname
            self.call_site_stmt = self.current_stmt
            self._instance_findings = []
        try:
            result = self.analyze_function(func, args, call)
        finally:
            if outermost:
                self.call_site_node, self.call_site_func = None, ""
        self._instance_cache[key] = (result, list(self._instance_findings) if outermost else [])
        return result

    # -- asserts and tests -------------------------------------------------------------

    def exec_assert(self, node: cst.Assert, env: Env) -> None:
        self.eval(node.test, env)
        self.refine_from_test(node.test, env, assert_node=node)

    def refine_from_test(self, test: cst.BaseExpression, env: Env, assert_node: Optional[cst.Assert] = None,
                         positive: bool = True) -> None:
        """Learn from a test that held (positive) or failed: ``x.shape == (n, m)``,
        ``x.shape[0] != n`` (in the else branch), ``x.ndim == 2``; through ``not``, ``and``, ``or``."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self.refine_from_test(test.expression, env, assert_node, not positive)
            return
        if isinstance(test, cst.BooleanOperation):
            conjunction = isinstance(test.operator, cst.And) == positive
            if conjunction:
                self.refine_from_test(test.left, env, assert_node, positive)
                self.refine_from_test(test.right, env, assert_node, positive)
            else:
                for side in (test.left, test.right):
                    self.widen_rank_tests(side, env)
            return
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return
        comp = test.comparisons[0]
        holds_equal = (isinstance(comp.operator, cst.Equal) and positive) or (
            isinstance(comp.operator, cst.NotEqual) and not positive)
        left, right = test.left, comp.comparator
        for a, b in ((left, right), (right, left)):
            rank_of = _rank_access(a)
            if rank_of is not None:
                rank = self.eval(b, env)
                if holds_equal and isinstance(rank, IntVal) and isinstance(rank.dim, int):
                    self.set_rank(rank_of, rank.dim, env)
                else:
                    self.widen(rank_of, env)
                return
        if not holds_equal:
            return
        for a, b in ((left, right), (right, left)):
            owner, dim_index = _shape_access(a)
            if owner is None:
                if assert_node is not None:
                    self.check_shape_assert_on_expression(a, b, env, assert_node)
                continue
            owner_val = env.get(owner)
            other = self.eval(b, env)
            if dim_index is None:
                want = self.to_shape_tuple(other, env, b)
                if want is None:
                    return
                self.pin_shape(owner, owner_val, want, env, assert_node, test)
            else:
                want_dim = self.to_dim(other, b, env)
                self.pin_dim(owner, owner_val, dim_index, want_dim, b, env, assert_node, test)
            return

    def check_shape_assert_on_expression(self, a: cst.BaseExpression, b: cst.BaseExpression, env: Env,
                                         assert_node: cst.Assert) -> None:
        """``assert params["b" + str(l)].shape == (n, 1)``: nothing to pin, but it can still fail."""
        if not (isinstance(a, cst.Attribute) and a.attr.value == "shape"):
            return
        owner = self.quiet_eval(a.value, env)
        if not isinstance(owner, ArrayVal) or owner.shape is None:
            return
        want = self.to_shape_tuple(self.quiet_eval(b, env), env, b)
        if want is None:
            return
        have = owner.shape
        if len(have) != len(want) or any(dims_equal(h, w) is False for h, w in zip(have, want)):
            self.emit("assert_fails", assert_node, have=have, want=want, name=self.code_of(a.value, 30))

    def widen_rank_tests(self, test: cst.BaseExpression, env: Env) -> None:
        """A rank test we cannot use: the code handles several ranks, so forget the one we had."""
        for node in _walk_expr(test):
            name = _rank_access(node)
            if name is not None:
                self.widen(name, env)

    def set_rank(self, name: str, rank: int, env: Env) -> None:
        v = env.get(name)
        if isinstance(v, ArrayVal) and v.shape is not None and len(v.shape) == rank:
            return
        if rank <= 0 or rank > 32:
            # `if x.ndim == 0:` special-cases scalars, often with more conditions than
            # we follow: forget the rank rather than assume the branch's
            self.widen(name, env)
            return
        dtype = v.dtype if isinstance(v, ArrayVal) else None
        env.vars[name] = ArrayVal(tuple(fresh(f"{name}.shape[{i}]") for i in range(rank)), dtype=dtype)

    def widen(self, name: str, env: Env) -> None:
        v = env.get(name)
        if isinstance(v, ArrayVal):
            env.vars[name] = ArrayVal(None, dtype=v.dtype)

    def pin_shape(self, owner: str, owner_val: Optional[Val], want: Tuple[Dim, ...], env: Env,
                  assert_node: Optional[cst.Assert], test: cst.CSTNode) -> None:
        if isinstance(owner_val, ArrayVal) and owner_val.shape is not None:
            have = owner_val.shape
            if len(have) != len(want) or any(dims_equal(h, w) is False for h, w in zip(have, want)):
                if owner_val.declared is not None and owner_val.origin is None and assert_node is not None:
                    self.emit("declared_conflict", assert_node, name=owner, declared=owner_val.declared,
                              have=have, want=want)
                    env.vars[owner] = ArrayVal(tuple(want), dtype=owner_val.dtype)
                    return
                if assert_node is not None:
                    self.emit("assert_fails", assert_node, have=have, want=want, name=owner)
                return
            new = tuple(w if (h is None or is_invented(h)) and w is not None and not is_invented(w) else h
                        for h, w in zip(have, want))
            self.substitute(env, have, new)
            self.bind_names_from(test, env, have)
            env.vars[owner] = owner_val.with_shape(new)
        elif owner_val is None or owner_val is UNKNOWN or isinstance(owner_val, (ParamVal, ArrayVal)):
            env.vars[owner] = ArrayVal(tuple(want), dtype=owner_val.dtype if isinstance(owner_val, ArrayVal) else None)

    def pin_dim(self, owner: str, owner_val: Optional[Val], index: int, want: Dim, want_node: cst.CSTNode,
                env: Env, assert_node: Optional[cst.Assert], test: cst.CSTNode) -> None:
        if not isinstance(owner_val, ArrayVal) or owner_val.shape is None:
            return
        shape = owner_val.shape
        if not -len(shape) <= index < len(shape):
            return
        have = shape[index]
        if dims_equal(have, want) is False:
            if assert_node is not None:
                self.emit("assert_fails", assert_node, have=shape, want=None, name=owner, index=index, want_dim=want)
            return
        if (have is None or is_invented(have)) and want is not None and not is_invented(want):
            new = list(shape)
            new[index] = want
            self.substitute(env, shape, tuple(new))
            env.vars[owner] = owner_val.with_shape(tuple(new))
        elif isinstance(want_node, cst.Name) and not isinstance(env.get(want_node.value), IntVal):
            env.vars[want_node.value] = IntVal(have)

    def bind_names_from(self, test: cst.CSTNode, env: Env, have: Tuple[Dim, ...]) -> None:
        """``assert X.shape == (n, m)`` with ``n`` unknown binds ``n`` to X's size."""
        comp = test.comparisons[0].comparator if isinstance(test, cst.Comparison) else None
        for side in (comp, test.left if isinstance(test, cst.Comparison) else None):
            if isinstance(side, cst.Tuple) and len(side.elements) == len(have):
                for el, dim in zip(side.elements, have):
                    if isinstance(el.value, cst.Name):
                        cur = env.get(el.value.value)
                        if cur is None or cur is UNKNOWN or (isinstance(cur, IntVal) and (cur.dim is None or is_invented(cur.dim))):
                            if dim is not None:
                                env.vars[el.value.value] = IntVal(dim)

    def substitute(self, env: Env, old: Tuple[Dim, ...], new: Tuple[Dim, ...]) -> None:
        """Replace invented sizes that an assert pinned, everywhere in this scope."""
        mapping = {o: n for o, n in zip(old, new) if o is not None and is_invented(o) and o != n}
        if not mapping:
            return
        for name, v in list(env.vars.items()):
            if isinstance(v, ArrayVal) and v.shape is not None and any(d in mapping for d in v.shape):
                env.vars[name] = v.with_shape(tuple(mapping.get(d, d) for d in v.shape))
            elif isinstance(v, IntVal) and v.dim in mapping:
                env.vars[name] = IntVal(mapping[v.dim])

    # -- expressions -------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression, env: Env) -> Val:
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            self.eval_children(node, env)
            return UNKNOWN
        return method(node, env)

    def eval_children(self, node: cst.CSTNode, env: Env) -> None:
        """Evaluate sub-expressions we do not model, so findings inside them are still seen."""
        if isinstance(node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return  # their own scope; names inside are not ours
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.eval(child, env)
            elif isinstance(child, (cst.Arg, cst.Element, cst.DictElement, cst.StarredDictElement,
                                    cst.FormattedStringExpression)):
                self.eval_children(child, env)

    def expr_Name(self, node: cst.Name, env: Env) -> Val:
        v = env.get(node.value)
        if v is not None:
            return v
        if node.value in ("True", "False"):
            return IntVal(1 if node.value == "True" else 0)
        if node.value == "None":
            return NONE
        return UNKNOWN

    def expr_Integer(self, node: cst.Integer, env: Env) -> Val:
        try:
            return IntVal(int(node.value.replace("_", ""), 0))
        except ValueError:
            return IntVal(None)

    def expr_Float(self, node: cst.Float, env: Env) -> Val:
        return NUM

    def expr_Imaginary(self, node: cst.Imaginary, env: Env) -> Val:
        return NUM

    def expr_SimpleString(self, node: cst.SimpleString, env: Env) -> Val:
        try:
            value = node.evaluated_value
        except Exception:
            return UNKNOWN
        if isinstance(value, bytes):
            return UNKNOWN
        return StrVal(_split_key(value))

    def expr_Ellipsis(self, node: cst.Ellipsis, env: Env) -> Val:
        return QualVal("builtins.Ellipsis")

    def expr_Tuple(self, node: cst.Tuple, env: Env) -> Val:
        items = []
        for el in node.elements:
            v = self.eval(el.value, env)
            if isinstance(el, cst.StarredElement):
                if isinstance(v, TupleVal):
                    items.extend(v.items)
                    continue
                return UNKNOWN
            items.append(v)
        return TupleVal(tuple(items))

    def expr_List(self, node: cst.List, env: Env) -> Val:
        v = self.expr_Tuple(node, env)  # type: ignore[arg-type]
        if isinstance(v, TupleVal):
            return TupleVal(v.items, is_list=True)
        return v

    def expr_Dict(self, node: cst.Dict, env: Env) -> Val:
        d = DictVal()
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                k = self.eval(el.key, env)
                v = self.eval(el.value, env)
                if isinstance(k, StrVal):
                    d.entries[k.parts] = v
                else:
                    d.complete = False
            else:
                self.eval(el.value, env)
                d.complete = False
        return d

    def expr_IfExp(self, node: cst.IfExp, env: Env) -> Val:
        self.eval(node.test, env)
        return join(self.eval(node.body, env), self.eval(node.orelse, env))

    def expr_NamedExpr(self, node: cst.NamedExpr, env: Env) -> Val:
        v = self.eval(node.value, env)
        self.assign(node.target, v, env, node.value)
        return v

    def expr_UnaryOperation(self, node: cst.UnaryOperation, env: Env) -> Val:
        v = self.eval(node.expression, env)
        if isinstance(node.operator, cst.Not):
            return NUM
        if isinstance(v, IntVal):
            if isinstance(node.operator, cst.Minus):
                return IntVal(None if v.dim is None else mul(v.dim, -1))
            return v
        if isinstance(v, ArrayVal):
            return ArrayVal(v.shape, v.origin, v.dtype, v.matrix, v.explicit_axes)
        return v if isinstance(v, NumVal) else UNKNOWN

    def expr_BooleanOperation(self, node: cst.BooleanOperation, env: Env) -> Val:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        return join(left, right)

    def expr_Comparison(self, node: cst.Comparison, env: Env) -> Val:
        left = self.eval(node.left, env)
        result: Val = NUM
        prev_node = node.left
        for comp in node.comparisons:
            right = self.eval(comp.comparator, env)
            if isinstance(comp.operator, _BOOL_COMPARE) and (isinstance(left, ArrayVal) or isinstance(right, ArrayVal)):
                r = self.binary(node, "==", left, right, prev_node, comp.comparator)
                result = ArrayVal(r.shape, dtype="bool") if isinstance(r, ArrayVal) else UNKNOWN
            elif isinstance(comp.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot)):
                result = NUM
            elif not (isinstance(left, (IntVal, NumVal, StrVal, NoneVal)) and isinstance(right, (IntVal, NumVal, StrVal, NoneVal))):
                result = UNKNOWN
            left, prev_node = right, comp.comparator
        return result

    def expr_BinaryOperation(self, node: cst.BinaryOperation, env: Env) -> Val:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        op = _BINOPS.get(type(node.operator), "?")
        return self.binary(node, op, left, right, node.left, node.right)

    def binary(self, node: cst.CSTNode, op: str, left: Val, right: Val,
               left_node: cst.CSTNode, right_node: cst.CSTNode, inplace: bool = False) -> Val:
        # ints: size arithmetic
        if isinstance(left, IntVal) and isinstance(right, IntVal):
            return IntVal(_int_op(op, left.dim, right.dim))
        if isinstance(left, StrVal) and isinstance(right, StrVal) and op == "+":
            return StrVal(_concat_key(left.parts, right.parts))
        if isinstance(left, TupleVal) and isinstance(right, TupleVal) and op == "+":
            return TupleVal(left.items + right.items, left.is_list)
        if isinstance(left, TupleVal) and isinstance(right, IntVal) and op == "*" and isinstance(right.dim, int):
            return TupleVal(left.items * right.dim, left.is_list)
        la = self.as_array(left)
        ra = self.as_array(right)
        if la is None or ra is None:
            return UNKNOWN
        if not isinstance(left, ArrayVal) and not isinstance(right, ArrayVal):
            if isinstance(left, (IntVal, NumVal)) and isinstance(right, (IntVal, NumVal)):
                return NUM
            return UNKNOWN
        if op == "@" or (op == "*" and (la.matrix or ra.matrix)):
            return self.matmul_op(node, "@" if op == "@" else "*", la, ra, left_node, right_node)
        return self.elementwise(node, op, [la, ra], [left_node, right_node], inplace=inplace)

    def as_array(self, v: Val) -> Optional[ArrayVal]:
        """The array a value stands for in an arithmetic operation, or None (not an array)."""
        if isinstance(v, ArrayVal):
            return v
        if isinstance(v, (IntVal, NumVal)):
            return ArrayVal(())
        if isinstance(v, TupleVal) and v.is_list:
            shape = _literal_shape(v)
            return ArrayVal(shape) if shape is not None else None
        return None

    def elementwise(self, node: cst.CSTNode, op: str, operands: List[ArrayVal],
                    operand_nodes: List[Optional[cst.CSTNode]], inplace: bool = False,
                    func: str = "", dtype: Optional[str] = None) -> Val:
        shapes = [o.shape for o in operands]
        try:
            result = ops.broadcast(*shapes)
            if inplace and result is not None and shapes[0] is not None and (
                    len(result) > len(shapes[0])
                    or any(dims_equal(r, t) is False for r, t in zip(result[::-1], shapes[0][::-1]))):
                raise ShapeMismatch("SL101", f"non-broadcastable output operand with shape "
                                    f"{fmt_shape(shapes[0])} doesn't match the broadcast shape {fmt_shape(result)}")
        except ShapeMismatch as err:
            self.mismatch(node, err, op=op, func=func, operands=operands, operand_nodes=operand_nodes)
            return ArrayVal(None)
        if self.handlers.get("elementwise"):
            self.emit("elementwise", node, op=op, func=func, operands=operands, operand_nodes=operand_nodes,
                      result=result)
        if dtype is None and op in ("==", "<", ">"):
            dtype = "bool"
        scalar = None
        if result == ():
            for o in operands:
                if o.dot_scalar is not None:
                    scalar = o.dot_scalar
        out = _elementwise_result(result, operands, dtype)
        out.dot_scalar = scalar
        return out

    def matmul_op(self, node: cst.CSTNode, func: str, a: ArrayVal, b: ArrayVal,
                  a_node: Optional[cst.CSTNode], b_node: Optional[cst.CSTNode]) -> Val:
        try:
            if func in ("@", "np.matmul"):
                result = ops.matmul(a.shape, b.shape, func)
            elif func == "np.inner":
                result = ops.inner(a.shape, b.shape)
            elif func == "np.vdot":
                result = ops.vdot(a.shape, b.shape)
            else:
                result = ops.dot(a.shape, b.shape, func)
        except ShapeMismatch as err:
            self.mismatch(node, err, op=func, func=func, operands=[a, b], operand_nodes=[a_node, b_node])
            return ArrayVal(None)
        self.emit("matmul", node, func=func, operands=[a, b], operand_nodes=[a_node, b_node], result=result)
        dot_scalar = self.vector_dot(node, a, b)
        return ArrayVal(result, _rank1_through_product(a, b, result), matrix=a.matrix or b.matrix,
                        explicit_axes=a.explicit_axes or b.explicit_axes, dot_scalar=dot_scalar)

    def vector_dot(self, node: cst.CSTNode, a: ArrayVal, b: ArrayVal) -> Optional[cst.CSTNode]:
        """The product node when both operands are rank-1 (the result is a scalar, for SL206)."""
        if a.shape is not None and b.shape is not None and len(a.shape) == 1 and len(b.shape) == 1:
            self.remember_stmt(node)
            return node
        return None

    def expr_Attribute(self, node: cst.Attribute, env: Env) -> Val:
        base = self.eval(node.value, env)
        attr = node.attr.value
        if isinstance(base, QualVal):
            return QualVal(f"{base.qualname}.{attr}")
        if isinstance(base, ArrayVal):
            return self.array_attribute(node, base, attr, env)
        if isinstance(base, RNGVal):
            return MethodVal(base, attr, node.value)
        if isinstance(base, InstanceVal):
            method = base.cls.methods.get(attr)
            return BoundMethodVal(method, base) if method is not None else UNKNOWN
        if isinstance(base, (ParamVal,)) or base is UNKNOWN:
            if attr == "shape" and isinstance(node.value, cst.Name):
                return ShapeOfVal(node.value.value)
        return UNKNOWN

    def array_attribute(self, node: cst.Attribute, arr: ArrayVal, attr: str, env: Env) -> Val:
        shape = arr.shape
        if attr == "shape":
            if arr.dot_scalar is not None:
                self.emit("scalar_dot_used", node, value=arr, how="`.shape` is read")
            if shape is None:
                return ShapeOfVal(node.value.value if isinstance(node.value, cst.Name) else None)
            return TupleVal(tuple(IntVal(d) for d in shape))
        if attr == "T":
            self.emit("transpose", node, value=arr, operand_node=node.value)
            return ArrayVal(ops.transpose(shape), arr.origin if shape is not None and len(shape) == 1 else None,
                            arr.dtype, arr.matrix)
        if attr == "ndim":
            return IntVal(None if shape is None else len(shape))
        if attr == "size":
            return IntVal(shape_size(shape))
        if attr in ("real", "imag"):
            return ArrayVal(shape, dtype=arr.dtype)
        if attr in ("dtype", "flags", "strides", "itemsize", "nbytes", "base", "ctypes", "data", "flat"):
            return UNKNOWN
        return MethodVal(arr, attr, node.value)

    def expr_Subscript(self, node: cst.Subscript, env: Env) -> Val:
        base = self.eval(node.value, env)
        if isinstance(base, ArrayVal):
            return self.subscript_array(node, base, env, report=True)
        if isinstance(base, TupleVal) and len(node.slice) == 1:
            el = node.slice[0].slice
            if isinstance(el, cst.Index):
                idx = self.eval(el.value, env)
                if isinstance(idx, IntVal) and isinstance(idx.dim, int):
                    if -len(base.items) <= idx.dim < len(base.items):
                        return base.items[idx.dim]
                    if _is_shape_attr(node.value):
                        self.mismatch(node, ShapeMismatch(
                            "SL105", f"tuple index out of range: the array has {len(base.items)} "
                            f"dimension{'s' if len(base.items) != 1 else ''}, so `.shape[{idx.dim}]` does not exist"),
                            operands=[], operand_nodes=[])
                    return UNKNOWN
                if base.is_list and len(base.items) > 0:
                    return _join_all(list(base.items)) if isinstance(idx, IntVal) else UNKNOWN
                return UNKNOWN
            lo = self.slice_bound(el.lower, env)
            hi = self.slice_bound(el.upper, env)
            st = self.slice_bound(el.step, env)
            if all(b is None or isinstance(b, int) for b in (lo, hi, st)) and (el.lower is None or lo is not None) \
                    and (el.upper is None or hi is not None) and (el.step is None or st is not None):
                return TupleVal(base.items[slice(lo, hi, st)], base.is_list)
            return UNKNOWN
        if isinstance(base, ShapeOfVal) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            idx = self.eval(node.slice[0].slice.value, env)
            if isinstance(idx, IntVal) and isinstance(idx.dim, int) and base.owner is not None:
                return IntVal(self.text_dim(env, f"{base.owner}.shape[{idx.dim}]"))
            return IntVal(None)
        if isinstance(base, DictVal) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = self.eval(node.slice[0].slice.value, env)
            if isinstance(key, StrVal):
                for k, v in base.entries.items():
                    if same_key(k, key.parts) is True:
                        return v
            return UNKNOWN
        for el in node.slice:
            if isinstance(el.slice, cst.Index):
                self.eval(el.slice.value, env)
        if isinstance(base, ParamVal) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            idx = self.eval(node.slice[0].slice.value, env)
            if isinstance(idx, IntVal) and idx.dim is not None:
                # `layer_dims[l]`: used as a size it is the declared size n[l]
                return ParamVal(f"{base.name}[{fmt_dim(idx.dim)}]")
        return UNKNOWN

    def slice_bound(self, expr: Optional[cst.BaseExpression], env: Env) -> Any:
        if expr is None:
            return None
        v = self.eval(expr, env)
        if isinstance(v, IntVal):
            return v.dim
        return None

    def subscript_array(self, node: cst.Subscript, arr: ArrayVal, env: Env, report: bool) -> Val:
        items: List[Any] = []
        explicit = False
        int_on_2d_column = False
        for i, el in enumerate(node.slice):
            s = el.slice
            if isinstance(s, cst.Slice):
                bounds = []
                known = True
                for part in (s.lower, s.upper, s.step):
                    if part is None:
                        bounds.append(None)
                        continue
                    b = self.slice_bound(part, env)
                    if b is None:
                        known = False
                    bounds.append(b)
                items.append(ops.Slice(bounds[0], bounds[1], bounds[2], known))
                continue
            v = self.eval(s.value, env)
            if isinstance(v, IntVal):
                items.append(v.dim if v.dim is not None else 0)
                if i == 1 and len(node.slice) == 2 and isinstance(node.slice[0].slice, cst.Slice):
                    int_on_2d_column = True
            elif v is NONE or (isinstance(v, QualVal) and v.qualname == "numpy.newaxis"):
                items.append(ops.NEWAXIS)
                explicit = True
            elif isinstance(v, QualVal) and v.qualname == "builtins.Ellipsis":
                items.append(ops.ELLIPSIS)
            elif isinstance(v, ArrayVal):
                if v.dtype not in ("bool", "int"):
                    return ArrayVal(None)  # a mask or an index array: we do not know which
                items.append(ops.ArrayIndex(v.shape, boolean=v.dtype == "bool"))
            elif isinstance(v, TupleVal) and v.is_list:
                shape = _literal_shape(v)
                if shape is None:
                    return ArrayVal(None)
                items.append(ops.ArrayIndex(shape))
            else:
                return ArrayVal(None)
        if arr.dot_scalar is not None and arr.shape == ():
            self.emit("scalar_dot_used", node, value=arr, how="it is indexed")
        try:
            shape = ops.index(arr.shape, items)
        except ShapeMismatch as err:
            if report:
                self.mismatch(node, err, op="[]", operands=[arr], operand_nodes=[node.value])
            return ArrayVal(None)
        if arr.dtype == "object" and shape == ():
            return UNKNOWN
        origin = None
        if (int_on_2d_column and shape is not None and len(shape) == 1 and arr.shape is not None
                and len(arr.shape) == 2):
            base = self.code_of(node.value, 20) if self.handlers else "X"
            col = self.code_of(node.slice[1].slice.value, 10) if self.handlers else "j"
            fix = f"{base}[:, {col}:{col} + 1]" if not col.isdigit() else f"{base}[:, {col}:{int(col) + 1}]"
            origin = Rank1Origin(node, "index", fix)
            self.remember_stmt(node)
        return ArrayVal(shape, origin, arr.dtype, arr.matrix, explicit)

    # -- calls -------------------------------------------------------------------------

    def expr_Call(self, node: cst.Call, env: Env) -> Val:
        func = self.eval(node.func, env)
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
            owner = env.get(node.func.value.value)
            if isinstance(owner, (TupleVal, DictVal)) and node.func.attr.value in _MUTATORS:
                # lst.append(x): the list we knew is gone
                env.vars[node.func.value.value] = UNKNOWN
        if isinstance(func, QualVal):
            return self.call_qualified(node, func.qualname, env)
        if isinstance(func, MethodVal):
            return self.call_method(node, func, env)
        if isinstance(func, FuncVal):
            return self.call_function(func, node, env)
        if isinstance(func, BoundMethodVal):
            return self.call_function(func.func, node, env, bound_self=func.instance)
        if isinstance(func, ClassVal):
            for arg in node.args:
                self.eval(arg.value, env)
            return InstanceVal(func)
        if isinstance(node.func, cst.Name):
            builtin = node.func.value
            if env.get(builtin) is None:
                handler = _BUILTINS.get(builtin)
                if handler is not None:
                    return handler(self, node, env)
        for arg in node.args:
            self.eval(arg.value, env)
        return UNKNOWN

    def call_qualified(self, node: cst.Call, qualname: str, env: Env) -> Val:
        if not qualname.startswith("numpy"):
            if qualname.startswith("shapelint."):
                for arg in node.args:
                    self.eval(arg.value, env)
                from shapelint.analysis.contracts import runtime_check_call

                return runtime_check_call(self, node, qualname, env)
            for arg in node.args:
                self.eval(arg.value, env)
            return UNKNOWN
        if qualname in ("numpy.matrix", "numpy.asmatrix", "numpy.mat", "numpy.matlib.matrix"):
            vals = [self.eval(a.value, env) for a in node.args]
            self.emit("np_matrix", node, qualname=qualname)
            shape = None
            if vals:
                arr = self.array_arg(vals[0], node.args[0].value, env)
                if arr is not None and arr.shape is not None:
                    shape = ops.atleast_2d(arr.shape)
            return ArrayVal(shape, matrix=True)
        if qualname in ("numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"):
            for arg in node.args:
                self.eval(arg.value, env)
            return RNG
        if qualname in ("numpy.array", "numpy.asarray", "numpy.asanyarray") and node.args and node.args[0].keyword is None:
            return self.call_array_ctor(node, env)
        if qualname == "numpy.einsum" and node.args and not any(a.star or a.keyword for a in node.args):
            vals = [self.eval(a.value, env) for a in node.args]
            first = vals[0]
            if not (isinstance(first, StrVal) and len(first.parts) >= 1
                    and isinstance(node.args[0].value, cst.SimpleString)):
                return ArrayVal(None)
            subscripts = node.args[0].value.evaluated_value
            arrays = [self.array_arg(v, a.value, env) for v, a in zip(vals[1:], node.args[1:])]
            try:
                shape = ops.einsum(subscripts, [a.shape for a in arrays])
            except ShapeMismatch as err:
                self.mismatch(node, err, op="np.einsum", func="np.einsum", operands=arrays,
                              operand_nodes=[a.value for a in node.args[1:]])
                return ArrayVal(None)
            return ArrayVal(shape)
        if qualname == "numpy.shape" and node.args:
            v = self.eval(node.args[0].value, env)
            arr = self.array_arg(v, node.args[0].value, env)
            if arr is not None and arr.shape is not None:
                return TupleVal(tuple(IntVal(d) for d in arr.shape))
            return UNKNOWN
        if qualname in ("numpy.size", "numpy.ndim") and len(node.args) == 1:
            v = self.eval(node.args[0].value, env)
            arr = self.array_arg(v, node.args[0].value, env)
            if arr is None or arr.shape is None:
                return IntVal(None)
            return IntVal(shape_size(arr.shape) if qualname == "numpy.size" else len(arr.shape))
        fn = api.API.get(qualname)
        if fn is None:
            for arg in node.args:
                self.eval(arg.value, env)
            if qualname.startswith("numpy.random.") or qualname.startswith("numpy.linalg."):
                return ArrayVal(None)
            return UNKNOWN
        return self.apply_fn(node, fn, None, env, api.display_name(qualname))

    def call_array_ctor(self, node: cst.Call, env: Env) -> Val:
        v = self.eval(node.args[0].value, env)
        for a in node.args[1:]:
            self.eval(a.value, env)
        ndmin = 0
        for a in node.args[1:]:
            if a.keyword is not None and a.keyword.value == "ndmin":
                nv = self.eval(a.value, env)
                ndmin = nv.dim if isinstance(nv, IntVal) and isinstance(nv.dim, int) else -1
        arr = self.array_arg(v, node.args[0].value, env)
        if arr is None:
            return ArrayVal(None)
        shape = arr.shape
        if ndmin == -1:
            shape = None
        elif shape is not None and len(shape) < ndmin:
            shape = (1,) * (ndmin - len(shape)) + tuple(shape)
        # np.array([1, 2, 3]) is 1-D on purpose: no rank-1 origin for literals;
        # np.array([[3], [11]]) is a column on purpose: it is meant to broadcast
        explicit = arr.explicit_axes or (isinstance(v, TupleVal) and shape is not None and 1 in shape)
        return ArrayVal(shape, None, arr.dtype, explicit_axes=explicit)

    def array_arg(self, v: Val, node: Optional[cst.CSTNode], env: Env) -> Optional[ArrayVal]:
        if isinstance(v, ArrayVal):
            return v
        if isinstance(v, (IntVal, NumVal)):
            return ArrayVal(())
        if isinstance(v, TupleVal):
            shape = _literal_shape(v)
            return ArrayVal(shape)
        return ArrayVal(None)

    def call_method(self, node: cst.Call, method: MethodVal, env: Env) -> Val:
        owner = method.owner
        if isinstance(owner, RNGVal):
            fn = api.RNG_METHODS.get(method.name)
            if fn is None:
                for arg in node.args:
                    self.eval(arg.value, env)
                return ArrayVal(None) if method.name in ("choice", "permutation", "exponential", "poisson", "gamma", "beta") else UNKNOWN
            return self.apply_fn(node, fn, None, env, f"rng.{method.name}")
        if isinstance(owner, ArrayVal):
            if method.name in ("fill", "sort", "resize", "setflags", "put", "itemset"):
                for arg in node.args:
                    self.eval(arg.value, env)
                return NONE
            if method.name in ("item", "tolist", "tobytes"):
                for arg in node.args:
                    self.eval(arg.value, env)
                return NUM if method.name == "item" else UNKNOWN
            fn = api.METHODS.get(method.name)
            if fn is None:
                for arg in node.args:
                    self.eval(arg.value, env)
                return UNKNOWN
            if method.name == "dot":
                if len(node.args) == 1 and node.args[0].keyword is None:
                    other = self.array_arg(self.eval(node.args[0].value, env), node.args[0].value, env)
                    return self.matmul_op(node, "np.dot", owner, other, method.owner_node, node.args[0].value)
                return UNKNOWN
            if owner.matrix and method.name in ("sum", "mean", "max", "min"):
                for arg in node.args:
                    self.eval(arg.value, env)
                return ArrayVal(None, matrix=True)  # matrix reductions keep 2-D
            return self.apply_fn(node, fn, (owner, method.owner_node), env, f".{method.name}")
        for arg in node.args:
            self.eval(arg.value, env)
        return UNKNOWN

    def apply_fn(self, node: cst.Call, fn: api.Fn, self_arg: Optional[Tuple[ArrayVal, cst.CSTNode]],
                 env: Env, display: str) -> Val:
        params = fn.params
        raw: Dict[str, Tuple[Val, Optional[cst.CSTNode]]] = {}
        i = 0
        if self_arg is not None:
            raw[params[0].name] = self_arg
            i = 1
        varargs: List[Tuple[Val, cst.CSTNode]] = []
        for arg in node.args:
            v = self.eval(arg.value, env)
            if arg.star:
                return ArrayVal(None) if fn.returns == "array" else UNKNOWN
            if arg.keyword is not None:
                raw[arg.keyword.value] = (v, arg.value)
                continue
            if i < len(params) and params[i].kind == "dims*":
                varargs.append((v, arg.value))
                continue
            if i < len(params):
                raw[params[i].name] = (v, arg.value)
                i += 1
        if varargs:
            name = params[i].name
            single = varargs[0][0]
            # x.reshape(shape) with a parameter named like a whole shape: a tuple, as in to_shape_tuple
            if len(varargs) == 1 and not isinstance(single, IntVal) and not (
                    isinstance(single, ParamVal) and not any(s in single.name.lower() for s in _SHAPE_LIKE)):
                raw[name] = varargs[0]
                kinds = {name: "shape"}
            else:
                raw[name] = (TupleVal(tuple(v for v, _ in varargs)), None)
                kinds = {name: "shape"}
        else:
            kinds = {}
        converted: Dict[str, Any] = {}
        arrays: Dict[str, ArrayVal] = {}
        for p in params:
            if p.name not in raw:
                if p.kind == "dims*":
                    converted[p.name] = ()
                continue
            v, vnode = raw[p.name]
            kind = kinds.get(p.name, p.kind)
            if kind == "dims*":
                kind = "shape"
            if kind == "array":
                arr = self.array_arg(v, vnode, env)
                if v is NONE:
                    converted[p.name] = None
                    continue
                arrays[p.name] = arr
                converted[p.name] = arr.shape if arr is not None else None
            elif kind == "arrays":
                converted[p.name] = self.arrays_arg(v)
            elif kind == "shape":
                if v is NONE:
                    converted[p.name] = None
                    continue
                st = self.to_shape_tuple(v, env, vnode)
                converted[p.name] = st if st is not None else api.UNKNOWN
            elif kind == "axis":
                converted[p.name] = self.to_axis(v)
            elif kind == "int":
                if v is NONE:
                    converted[p.name] = None
                    continue
                d = self.to_dim(v, vnode, env)
                converted[p.name] = api.UNKNOWN if d is None else d
            elif kind == "bool":
                converted[p.name] = _truth(v)
            else:
                converted[p.name] = v
        try:
            shape = fn.apply(converted)
        except ShapeMismatch as err:
            operands = [arrays[n] for n in fn.operands if n in arrays] or list(arrays.values())
            self.mismatch(node, err, op=display, func=display, operands=operands,
                          operand_nodes=[raw[n][1] for n in fn.operands if n in raw] or [raw[n][1] for n in arrays],
                          call=node, fn=fn)
            return ArrayVal(None)
        except (TypeError, ValueError, IndexError, ZeroDivisionError):
            # an argument of a kind the rule cannot use (a float where an int
            # belongs): NumPy will complain in its own way; not our business
            return ArrayVal(None)
        return self.after_call(node, fn, display, shape, converted, arrays, raw)

    def after_call(self, node: cst.Call, fn: api.Fn, display: str, shape: Shape, converted: Dict[str, Any],
                   arrays: Dict[str, ArrayVal], raw: Dict[str, Tuple[Val, Optional[cst.CSTNode]]]) -> Val:
        event = fn.event
        origin = None
        dtype = fn.dtype
        dtype_arg = raw.get("dtype")
        if dtype_arg is not None and dtype_arg[1] is not None and _is_object_dtype(dtype_arg[1]):
            dtype = "object"
        if event == "elementwise":
            operands = [arrays[n] for n in fn.operands if n in arrays]
            nodes = [raw[n][1] for n in fn.operands if n in arrays]
            if len(operands) >= 2:
                self.emit("elementwise", node, op=display, func=display, operands=operands,
                          operand_nodes=nodes, result=shape)
            return _elementwise_result(shape, operands, dtype)
        if event == "matmul":
            a, b = arrays.get("a"), arrays.get("b")
            if a is not None and b is not None:
                self.emit("matmul", node, func=display, operands=[a, b],
                          operand_nodes=[raw["a"][1], raw["b"][1]], result=shape)
                dot_scalar = self.vector_dot(node, a, b)
                return ArrayVal(shape, _rank1_through_product(a, b, shape), dot_scalar=dot_scalar)
            return ArrayVal(shape)
        if event == "transpose":
            a = arrays.get("a")
            if a is not None and converted.get("axes") in (None, ()):
                self.emit("transpose", node, value=a, operand_node=raw["a"][1])
            return ArrayVal(shape, a.origin if a is not None and shape is not None and len(shape) == 1 else None)
        if event == "create":
            if shape is not None and len(shape) == 1 and fn.qualname not in ("numpy.linspace", "numpy.logspace"):
                origin = Rank1Origin(node, "created", self.rank1_fix(node, fn, shape))
                self.remember_stmt(node)
            return ArrayVal(shape, origin, dtype)
        if event == "arange":
            # np.arange(n) is an index vector: its rank-1 is intended
            return ArrayVal(shape, None, "int")
        if event in ("reduce", "reduce_norm"):
            a = arrays.get("a") if "a" in arrays else arrays.get("x")
            axis = converted.get("axis")
            keepdims = converted.get("keepdims")
            if (a is not None and a.shape is not None and shape is not None and len(shape) == 1
                    and len(a.shape) == 2 and not keepdims and axis is not None):
                try:
                    axes = (axis,) if isinstance(axis, int) else tuple(axis)
                    norm = tuple(sorted(ops.normalize_axis(x, len(a.shape)) for x in axes))
                except (ShapeMismatch, TypeError):
                    norm = ()
                origin = Rank1Origin(node, "reduction", "keepdims=True", source=a, axes=norm)
                self.remember_stmt(node)
            self.emit("reduce", node, func=display, value=a, axis=axis, keepdims=keepdims, result=shape)
            if a is not None and a.matrix:
                return ArrayVal(None, matrix=True)
            return ArrayVal(shape, origin, dtype)
        if fn.returns == "scalar":
            return NUM
        a = arrays.get("a")
        keep_origin = a is not None and shape is not None and len(shape) == 1 and a.shape is not None and len(a.shape) == 1
        explicit = a is not None and a.explicit_axes
        if event == "reshape" or fn.qualname in ("numpy.expand_dims", "numpy.atleast_2d"):
            # x.reshape(-1, 1), np.expand_dims(x, 0): the author shapes it to broadcast
            explicit = explicit or (shape is not None and any(d == 1 for d in shape))
        return ArrayVal(shape, a.origin if keep_origin else None, dtype or (a.dtype if a is not None and fn.event != "join" else None),
                        a.matrix if a is not None else False, explicit)

    def rank1_fix(self, node: cst.Call, fn: api.Fn, shape: Tuple[Dim, ...]) -> str:
        if not self.handlers:
            return ""
        func_text = self.code_of(node.func, 40)
        args = [self.code_of(a.value, 30) for a in node.args if a.keyword is None]
        if fn.params and fn.params[0].kind == "dims*" and args:
            return f"{func_text}({args[0]}, 1)"
        if args:
            inner = args[0].strip("()").rstrip(",")
            rest = "".join(", " + a for a in args[1:])
            return f"{func_text}(({inner}, 1){rest})"
        return f"{func_text}(..., size=(n, 1))"

    def arrays_arg(self, v: Val) -> Optional[List[Shape]]:
        if isinstance(v, TupleVal):
            out = []
            for item in v.items:
                arr = self.as_array(item) if not isinstance(item, TupleVal) else ArrayVal(_literal_shape(item))
                out.append(arr.shape if arr is not None else None)
            return out
        return None

    # -- conversions -------------------------------------------------------------------

    def to_dim(self, v: Val, node: Optional[cst.CSTNode], env: Env) -> Dim:
        if isinstance(v, IntVal):
            return v.dim
        if isinstance(v, ParamVal):
            return Sym.name(v.name) if v.declared else self.text_dim(env, v.name)
        if isinstance(v, ArrayVal) and v.shape == () and v.dtype == "int":
            return None
        if node is not None and (v is UNKNOWN or isinstance(v, ShapeOfVal)) and isinstance(node, (cst.Name, cst.Subscript, cst.Attribute)):
            return self.text_dim(env, self.module.code_for_node(node))
        return None

    def text_dim(self, env: Env, text: str) -> Sym:
        text = " ".join(text.split())
        d = env.text_dims.get(text)
        if d is None:
            d = fresh(text)
            env.text_dims[text] = d
        return d

    def to_shape_tuple(self, v: Val, env: Env, node: Optional[cst.CSTNode], single_ok: bool = True) -> Optional[Tuple[Dim, ...]]:
        if isinstance(v, TupleVal):
            elements = node.elements if isinstance(node, (cst.Tuple, cst.List)) else [None] * len(v.items)
            dims = []
            for item, el in zip(v.items, elements):
                if isinstance(item, TupleVal):
                    return None
                dims.append(self.to_dim(item, el.value if el is not None else None, env))
            return tuple(dims)
        if isinstance(v, IntVal):
            return (v.dim,)
        if isinstance(v, ParamVal) and single_ok and (v.name.endswith("]") or not any(
                s in v.name.lower() for s in _SHAPE_LIKE)):
            # `n_h`, or an element `layer_dims[l]` of a list of sizes
            return (self.to_dim(v, node, env),)
        return None

    def to_axis(self, v: Val) -> Any:
        if v is NONE:
            return None
        if isinstance(v, IntVal):
            return v.dim if isinstance(v.dim, int) else api.UNKNOWN
        if isinstance(v, TupleVal):
            axes = []
            for item in v.items:
                if not (isinstance(item, IntVal) and isinstance(item.dim, int)):
                    return api.UNKNOWN
                axes.append(item.dim)
            return tuple(axes)
        return api.UNKNOWN

    def element_of(self, iterable: Val, target: cst.CSTNode) -> Val:
        if isinstance(iterable, _RangeVal):
            label = target.value if isinstance(target, cst.Name) else "i"
            return IntVal(fresh(label))
        if isinstance(iterable, ArrayVal):
            if iterable.shape is not None and len(iterable.shape) >= 1:
                return ArrayVal(tuple(iterable.shape[1:]), dtype=iterable.dtype)
            return ArrayVal(None) if iterable.shape is None else UNKNOWN
        if isinstance(iterable, TupleVal) and iterable.items:
            return _join_all(list(iterable.items))
        if isinstance(iterable, _ZipVal):
            return TupleVal(tuple(self.element_of(x, target) for x in iterable.parts))
        if isinstance(iterable, _EnumerateVal):
            return TupleVal((IntVal(fresh("i")), self.element_of(iterable.inner, target)))
        return UNKNOWN


# -- builtins --------------------------------------------------------------------------

class _RangeVal(Val):
    """range(...): ``values`` when the bounds are known ints (for unrolling short loops)."""

    __slots__ = ("values",)

    def __init__(self, values: Optional[range] = None):
        self.values = values


class _ZipVal(Val):
    __slots__ = ("parts",)

    def __init__(self, parts: Tuple[Val, ...]):
        self.parts = parts


class _EnumerateVal(Val):
    __slots__ = ("inner",)

    def __init__(self, inner: Val):
        self.inner = inner


def _b_len(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) != 1:
        return IntVal(None)
    v = vals[0]
    if isinstance(v, ArrayVal):
        if v.shape is not None and len(v.shape) >= 1:
            return IntVal(v.shape[0])
        if v.shape == () and v.dtype != "object":
            inf.mismatch(node, ShapeMismatch("SL105", "len() of a 0-dimensional array (a scalar): it has no length"),
                         operands=[], operand_nodes=[])
            return IntVal(None)
        return IntVal(inf.text_dim(env, f"len({inf.module.code_for_node(node.args[0].value)})"))
    if isinstance(v, TupleVal):
        return IntVal(len(v.items))
    if isinstance(v, DictVal) and v.complete and all(
            all(isinstance(p, (str, int)) for p in key) for key in v.entries):
        return IntVal(len(v.entries))  # keys like "W1", "b1": distinct, so the count is exact
    return IntVal(inf.text_dim(env, inf.module.code_for_node(node)))


def _check_scalar_conversion(inf: Inference, node: cst.Call, vals: List[Val]) -> None:
    if len(vals) != 1 or not isinstance(vals[0], ArrayVal) or vals[0].dtype == "object":
        return
    size = shape_size(vals[0].shape)
    if isinstance(size, int) and size != 1:
        inf.emit("scalar_conversion", node, func=node.func.value, value=vals[0], size=size)


def _b_int(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], IntVal):
        return vals[0]
    _check_scalar_conversion(inf, node, vals)
    return IntVal(None)


def _b_float(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    _check_scalar_conversion(inf, node, vals)
    return NUM


def _b_str(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], IntVal) and vals[0].dim is not None:
        d = vals[0].dim
        return StrVal((str(d),) if isinstance(d, int) else (d,))
    if len(vals) == 1 and isinstance(vals[0], StrVal):
        return vals[0]
    return UNKNOWN


def _b_range(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    bounds = [v.dim for v in vals if isinstance(v, IntVal) and isinstance(v.dim, int)]
    if len(bounds) == len(vals) and 1 <= len(vals) <= 3 and all(a.keyword is None and not a.star for a in node.args):
        try:
            return _RangeVal(range(*bounds))
        except ValueError:  # a zero step
            return _RangeVal()
    return _RangeVal()


def _b_zip(inf: Inference, node: cst.Call, env: Env) -> Val:
    return _ZipVal(tuple(inf.eval(a.value, env) for a in node.args if a.keyword is None))


def _b_enumerate(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    return _EnumerateVal(vals[0] if vals else UNKNOWN)


def _b_minmax(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if vals and all(isinstance(v, IntVal) for v in vals):
        dims = [v.dim for v in vals]
        if all(isinstance(d, int) for d in dims):
            return IntVal((max if node.func.value == "max" else min)(dims))
        return IntVal(None)
    return UNKNOWN


def _b_abs(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], ArrayVal):
        return ArrayVal(vals[0].shape)
    if len(vals) == 1 and isinstance(vals[0], IntVal) and isinstance(vals[0].dim, int):
        return IntVal(abs(vals[0].dim))
    return UNKNOWN


def _b_list(inf: Inference, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], TupleVal):
        return TupleVal(vals[0].items, is_list=node.func.value == "list")
    if not vals:
        return TupleVal((), is_list=node.func.value == "list")
    return UNKNOWN


def _b_dict(inf: Inference, node: cst.Call, env: Env) -> Val:
    for a in node.args:
        inf.eval(a.value, env)
    return DictVal() if not node.args else UNKNOWN


_BUILTINS: Dict[str, Callable[[Inference, cst.Call, Env], Val]] = {
    "len": _b_len, "int": _b_int, "float": _b_float, "str": _b_str, "range": _b_range,
    "zip": _b_zip, "enumerate": _b_enumerate, "max": _b_minmax, "min": _b_minmax, "abs": _b_abs,
    "list": _b_list, "tuple": _b_list, "dict": _b_dict, "bool": _b_float, "round": _b_float,
}


# -- helpers ---------------------------------------------------------------------------

def _join_all(vals: List[Val]) -> Val:
    out = vals[0]
    for v in vals[1:]:
        out = join(out, v)
    return out


def _val_key(v: Val) -> Any:
    """A structural key for an argument: calls with equal keys analyze alike.

    Never an ``id()``: a temporary's id is reused once it is freed, and a
    stale cache hit would give a wrong shape.
    """
    if isinstance(v, ArrayVal):
        return ("a", v.shape, v.dtype, v.matrix, v.explicit_axes, v.origin is not None)
    if isinstance(v, IntVal):
        return ("i", v.dim)
    if isinstance(v, TupleVal):
        return ("t", v.is_list, tuple(_val_key(x) for x in v.items))
    if isinstance(v, DictVal):
        return ("d", tuple(sorted(((repr(k), _val_key(x)) for k, x in v.entries.items()))))
    if isinstance(v, StrVal):
        return ("s", repr(v.parts))
    if isinstance(v, (QualVal,)):
        return ("q", v.qualname)
    if isinstance(v, ParamVal):
        return ("p", v.name, v.declared)
    if isinstance(v, FuncVal):
        return ("f", id(v.node))  # tree nodes live as long as the analysis
    return ("o", type(v).__name__)


_GRADIENT_BASES = re.compile(r"^(W|b|A|Z|AL|A_prev|W_\w+|b_\w+)(\d*)$")


def _gradient_of(name: str) -> Optional[str]:
    """``dW1`` -> ``W1``, ``dA_prev`` -> ``A_prev``: the course's naming of gradients."""
    if len(name) < 2 or name[0] != "d":
        return None
    base = name[1:]
    return base if _GRADIENT_BASES.match(base) else None


def _scope_values(env: "Env"):
    seen = set()
    e: Optional[Env] = env
    while e is not None:
        for k, v in e.vars.items():
            if k not in seen:
                seen.add(k)
                yield k, v
        e = e.parent


def _key_text(key: Tuple[Any, ...]) -> str:
    parts = []
    for p in key:
        parts.append(repr(p) if isinstance(p, str) else f"str({fmt_dim(p)})")
    return " + ".join(parts)


def _compare_known(op: cst.BaseCompOp, a: Val, b: Val) -> Optional[bool]:
    if isinstance(a, IntVal) and isinstance(b, IntVal) and isinstance(a.dim, int) and isinstance(b.dim, int):
        x, y = a.dim, b.dim
    elif isinstance(a, TupleVal) and isinstance(b, TupleVal) and isinstance(op, (cst.Equal, cst.NotEqual)):
        xs = [i.dim if isinstance(i, IntVal) else None for i in a.items]
        ys = [i.dim if isinstance(i, IntVal) else None for i in b.items]
        if len(xs) != len(ys):
            return isinstance(op, cst.NotEqual)
        if any(not isinstance(v, int) for v in xs + ys):
            return None
        return (xs == ys) == isinstance(op, cst.Equal)
    else:
        return None
    if isinstance(op, cst.Equal):
        return x == y
    if isinstance(op, cst.NotEqual):
        return x != y
    if isinstance(op, cst.LessThan):
        return x < y
    if isinstance(op, cst.LessThanEqual):
        return x <= y
    if isinstance(op, cst.GreaterThan):
        return x > y
    if isinstance(op, cst.GreaterThanEqual):
        return x >= y
    return None


def _elementwise_result(shape: Shape, operands: List[ArrayVal], dtype: Optional[str]) -> ArrayVal:
    """An element-wise result: a rank-1 one keeps the origin of its rank-1 operand (b * 2 is still b)."""
    origin = None
    if shape is not None and len(shape) == 1:
        origin = next((o.origin for o in operands
                       if o.origin is not None and o.shape is not None and len(o.shape) == 1), None)
    return ArrayVal(shape, origin, dtype, any(o.matrix for o in operands), any(o.explicit_axes for o in operands))


def _rank1_through_product(a: ArrayVal, b: ArrayVal, result: Shape) -> Optional[Rank1Origin]:
    """``np.dot(W, x)`` with a rank-1 ``x`` from ``randn(n)`` is rank-1 for the same reason."""
    if result is None or len(result) != 1:
        return None
    for o in (b, a):
        if o.origin is not None and o.shape is not None and len(o.shape) == 1 and o.origin.kind == "created":
            return o.origin
    return None


def _has_special_decorator(node: cst.FunctionDef) -> bool:
    """staticmethod, classmethod, property...: not a plain method taking the instance first."""
    for dec in node.decorators:
        d = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = d.attr.value if isinstance(d, cst.Attribute) else d.value if isinstance(d, cst.Name) else ""
        if name in ("staticmethod", "classmethod", "property", "setter", "getter", "deleter",
                    "cached_property", "abstractmethod", "overload"):
            return True
    return False


def _informative(v: Val) -> bool:
    """Is an argument worth re-analyzing the callee for (an array, a size, or a dict/tuple of them)?"""
    if isinstance(v, (ArrayVal, IntVal)):
        return True
    if isinstance(v, TupleVal):
        return any(isinstance(x, (ArrayVal, IntVal)) for x in v.items)
    if isinstance(v, DictVal):
        return any(isinstance(x, ArrayVal) for x in v.entries.values())
    return False


def _is_shape_attr(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "shape"


def _callee_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return ""


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _name_of(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else _dotted(node)


def _int_op(op: str, a: Dim, b: Dim) -> Dim:
    if a is None or b is None:
        return None
    if op == "+":
        return add(a, b)
    if op == "-":
        return sub(a, b)
    if op == "*":
        return mul(a, b)
    if op == "//":
        return floordiv(a, b)
    if isinstance(a, int) and isinstance(b, int):
        try:
            if op == "%":
                return a % b
            if op == "**" and 0 <= b < 64:
                return a ** b
        except ZeroDivisionError:
            return None
    return None


def _is_object_dtype(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "object"
    if isinstance(node, cst.Attribute):
        return node.attr.value in ("object_", "object")
    if isinstance(node, cst.SimpleString):
        return node.value.strip("'\"") in ("O", "object")
    return False


def _truth(v: Val) -> Any:
    if isinstance(v, IntVal) and isinstance(v.dim, int):
        return bool(v.dim)
    return api.UNKNOWN


def _literal_shape(v: Val) -> Shape:
    """The shape np.array gives a nested list/tuple literal (None if ragged or unknown)."""
    if isinstance(v, (IntVal, NumVal)):
        return ()
    if isinstance(v, ArrayVal):
        return v.shape
    if isinstance(v, TupleVal):
        if not v.items:
            return (0,)
        inner = [_literal_shape(x) for x in v.items]
        first = inner[0]
        if first is None or any(s != first for s in inner[1:]):
            return None
        return (len(v.items),) + tuple(first)
    return None


def _rank_access(node: cst.BaseExpression) -> Optional[str]:
    """``X.ndim``, ``np.ndim(X)``, ``len(X.shape)`` -> "X"."""
    if isinstance(node, cst.Attribute) and node.attr.value == "ndim" and isinstance(node.value, cst.Name):
        return node.value.value
    if isinstance(node, cst.Call) and len(node.args) == 1 and isinstance(node.args[0].value, cst.Name):
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "ndim") or (
                isinstance(func, cst.Name) and func.value == "ndim"):
            return node.args[0].value.value
        if isinstance(func, cst.Name) and func.value == "len":
            return None
    if (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len"
            and len(node.args) == 1):
        inner = node.args[0].value
        if isinstance(inner, cst.Attribute) and inner.attr.value == "shape" and isinstance(inner.value, cst.Name):
            return inner.value.value
    return None


def _walk_expr(node: cst.CSTNode):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in n.children if isinstance(c, cst.CSTNode))


def _shape_access(node: cst.BaseExpression) -> Tuple[Optional[str], Optional[int]]:
    """``X.shape`` -> ("X", None); ``X.shape[0]`` -> ("X", 0); else (None, None)."""
    if isinstance(node, cst.Attribute) and node.attr.value == "shape" and isinstance(node.value, cst.Name):
        return node.value.value, None
    if (isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape"
            and isinstance(node.value.value, cst.Name)):
        idx = node.slice[0].slice.value
        neg = False
        if isinstance(idx, cst.UnaryOperation) and isinstance(idx.operator, cst.Minus):
            idx, neg = idx.expression, True
        if isinstance(idx, cst.Integer):
            try:
                i = int(idx.value)
            except ValueError:
                return None, None
            return node.value.value.value, -i if neg else i
    return None, None


def _split_key(s: str) -> Tuple[Any, ...]:
    """``"W12"`` -> ("W", 12): so that "W" + str(l) and "W1" can be compared."""
    i = len(s)
    while i > 0 and s[i - 1].isdigit():
        i -= 1
    if 0 < i < len(s) and len(s) - i < 6:
        return (s[:i], int(s[i:]))
    return (s,)


def _concat_key(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> Tuple[Any, ...]:
    if a and b and isinstance(a[-1], str) and isinstance(b[0], str):
        merged = _split_key(a[-1] + b[0])
        return a[:-1] + merged + b[1:]
    return a + b


def run_inference(module: cst.Module, source: str, path: str, enabled: Set[str], result: FileResult,
                  collect_shapes: bool) -> None:
    Inference(module, source, path, enabled, result, collect_shapes).run()
