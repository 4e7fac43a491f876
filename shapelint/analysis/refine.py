"""What tests teach: asserts and branch conditions pin shapes, ranks and sizes."""

from __future__ import annotations

from typing import Optional, Tuple, Type

import libcst as cst

from shapelint.algebra.dims import (
    ARITHMETIC,
    DOCUMENTED,
    Dim,
    Sym,
    compare_dims,
    dims_equal,
    fresh,
    is_invented,
)
from shapelint.analysis.containers import is_positive
from shapelint.analysis.env import Env
from shapelint.analysis.syntax import callee_name, dotted, is_zero, rank_access, shape_access, string_value, walk
from shapelint.analysis.unify import substitute_value
from shapelint.analysis.values import (
    UNKNOWN,
    ArrayVal,
    DictVal,
    IntVal,
    NoneVal,
    NumVal,
    ParamVal,
    QualVal,
    ShapeOfVal,
    StrVal,
    TupleVal,
    Val,
)
from shapelint.rules.events import (
    AssertEvent,
    AssertFailsEvent,
    CallerDocumentedAssertFailsEvent,
    DeclaredConflictEvent,
    DocumentedAssertFailsEvent,
    LikelyAssertFailsEvent,
)


def _kind(v: Val) -> Optional[str]:
    """The Python type a value certainly has, for comparisons that type alone decides."""
    if isinstance(v, ShapeOfVal):
        return "tuple"
    kind = _value_kind(v)
    if kind == "int":
        return "number"
    return kind if kind in ("str", "list", "tuple") else None


# isinstance tests that what we know of a value decides.  A value's kind -> the builtin class
# names it certainly is an instance of, and those it certainly is not (anything else: can't tell;
# an IntVal may be a NumPy integer, which is no `int`, so `int` is neither).
_BUILTIN_CLASSES = frozenset({"int", "float", "complex", "bool", "str", "bytes", "list", "tuple", "dict",
                              "set", "frozenset"})
_CERTAIN_CLASSES = {"str": {"str"}, "list": {"list"}, "tuple": {"tuple"}, "dict": {"dict"}}
_POSSIBLE_CLASSES = {"int": {"int", "bool"}, "float": {"float", "bool", "complex"}}


def _value_kind(v: Val) -> Optional[str]:
    if isinstance(v, IntVal):
        return "int"
    if isinstance(v, NumVal):
        return "float"
    if isinstance(v, StrVal):
        return "str"
    if isinstance(v, TupleVal):
        return "list" if v.is_list else "tuple"
    if isinstance(v, DictVal):
        return "dict"
    return None


def isinstance_verdict(v: Val, class_names: Tuple[str, ...]) -> Optional[bool]:
    """Is a value of this kind an instance of one of these builtin classes?  None: can't tell."""
    kind = _value_kind(v)
    if kind is None or any(c not in _BUILTIN_CLASSES for c in class_names):
        return None
    if any(c in _CERTAIN_CLASSES.get(kind, ()) for c in class_names):
        return True
    if any(c in _POSSIBLE_CLASSES.get(kind, ()) for c in class_names):
        return None
    return False


def compare_known(op: cst.BaseCompOp, a: Val, b: Val) -> Optional[bool]:
    if isinstance(op, (cst.Equal, cst.NotEqual)) and _kind(a) is not None and _kind(b) is not None \
            and _kind(a) != _kind(b):
        return isinstance(op, cst.NotEqual)  # `if x.shape == 2:` a tuple is never equal to an int
    if isinstance(a, StrVal) and isinstance(b, StrVal) and isinstance(op, (cst.Equal, cst.NotEqual)):
        x, y = a.text(), b.text()  # `if __name__ == "__main__":`
        if x is None or y is None:
            return None
        return (x == y) == isinstance(op, cst.Equal)
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


def _assert_event(have: Optional[Tuple[Dim, ...]], want: Optional[Tuple[Dim, ...]],
                  tentative: bool, through_a_call: bool) -> Type[AssertEvent]:
    """Which event a failing shape assert is: certain, needing a guessed rank, or only documented
    (by the function's docstrings, or by a caller's: see ReportingMixin.through_a_call)."""
    if tentative:
        return LikelyAssertFailsEvent
    if have is not None and want is not None and len(have) == len(want):
        verdicts = [compare_dims(h, w) for h, w in zip(have, want)]
        failing = [v for v in verdicts if v.equal is False]
        if failing and all(v.reason == DOCUMENTED for v in failing):
            return CallerDocumentedAssertFailsEvent if through_a_call else DocumentedAssertFailsEvent
    return AssertFailsEvent


class RefineMixin:
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
            verdict = compare_known(comp.operator, left, right)
            if verdict is None:
                return None
            result = result and verdict
            left = right
        return result

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
        if isinstance(test, cst.Call):
            self.refine_from_isinstance(test, env, positive)
            self.refine_from_hasattr(test, env, positive)
            return
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return
        comp = test.comparisons[0]
        if isinstance(comp.operator, (cst.Is, cst.IsNot)):
            self.refine_from_none_test(test.left, comp.comparator, isinstance(comp.operator, cst.Is) == positive,
                                       env)
            return
        holds_equal = (isinstance(comp.operator, cst.Equal) and positive) or (
            isinstance(comp.operator, cst.NotEqual) and not positive)
        left, right = test.left, comp.comparator
        for a, b in ((left, right), (right, left)):
            rank_of = rank_access(a)
            if rank_of is not None:
                rank = self.eval(b, env)
                if holds_equal and isinstance(rank, IntVal) and isinstance(rank.dim, int):
                    self.set_rank(rank_of, rank.dim, env)
                else:
                    self.widen(rank_of, env)
                return
        if not holds_equal:
            return
        if self.refine_from_empty_test(left, right, env):
            return
        if self.bind_size_from_test(left, right, env):
            return
        for a, b in ((left, right), (right, left)):
            owner, dim_index = shape_access(a)
            if owner is None:
                if assert_node is not None:
                    self.check_shape_assert_on_expression(a, b, env, assert_node)
                continue
            owner_val = env.get(owner)
            other = self.eval(b, env)
            if dim_index is None:
                if isinstance(other, ShapeOfVal) and other.known is not None:
                    other = TupleVal(tuple(IntVal(d) for d in other.known.shape))  # a tentative rank: its sizes
                want = self.to_shape_tuple(other, env, b)
                if want is None:
                    if (isinstance(other, ShapeOfVal) and other.node is not None and isinstance(owner_val, ArrayVal)
                            and owner_val.shape is not None):
                        # `assert db.shape == b.shape` with b unknown: b has db's shape
                        self.store(other.node, ArrayVal(owner_val.shape, tentative=owner_val.tentative), env)
                    return
                self.pin_shape(owner, owner_val, want, env, assert_node, test, self.repeated_sizes(b))
            else:
                want_dim = self.to_dim(other, b, env)
                self.pin_dim(owner, owner_val, dim_index, want_dim, b, env, assert_node, test)
            return

    def bind_size_from_test(self, left: cst.BaseExpression, right: cst.BaseExpression, env: Env) -> bool:
        """``if n == 1:`` / ``assert m == 2 * k``: inside, the declared size is that value (the
        generic-size convention holds only where the code does not say otherwise)."""
        if shape_access(left)[0] is not None or shape_access(right)[0] is not None:
            return False
        a, b = self.quiet_eval(left, env), self.quiet_eval(right, env)
        if not (isinstance(a, (IntVal, ParamVal)) and isinstance(b, (IntVal, ParamVal))):
            return False
        da, db = self.to_dim(a, left, env), self.to_dim(b, right, env)
        for name_dim, value, node in ((da, db, left), (db, da, right)):
            if self.bind_declared_size(name_dim, value, env):
                old = env.vars.get(node.value) if isinstance(node, cst.Name) else None
                if isinstance(old, ParamVal):
                    env.vars[node.value] = IntVal(value)  # the parameter n is now that size
                    env.views[node.value] = (old, env.vars[node.value])
                return True
        return False

    def bind_declared_size(self, size: Dim, value: Dim, env: Env) -> bool:
        """Within a branch (or after an assert) that says a declared size ``n`` is ``value``,
        every value of this scope in terms of ``n`` is in terms of ``value``.  Only a
        single declared name that only the generic-size convention kept from ``value``."""
        if not (isinstance(size, Sym) and len(size.terms) == 1 and size.terms[0][1] == 1
                and len(size.terms[0][0]) == 1) or value is None or value == size:
            return False
        name = size.terms[0][0][0]
        if name in getattr(value, "names", ()) or compare_dims(size, value).reason == ARITHMETIC:
            return False
        mapping = {name: value}
        seen: set = set()
        for k, v in list(env.vars.items()):
            new = substitute_value(v, mapping, seen)
            if new is not v:
                env.views[k] = (env.views[k][0] if k in env.views else v, new)
                env.vars[k] = new
        return True

    def refine_from_isinstance(self, test: cst.Call, env: Env, positive: bool) -> None:
        """Where ``isinstance(x, DataFrame)`` holds (or ``isinstance(x, np.ndarray)`` fails), x is
        not the ndarray we know: forget it.  Likewise where ``isinstance(order, list)`` holds
        for an ``order`` we know is an int: the branch is not for the value we know (a caller's
        argument), so nothing in it is reported with that value (``isinstance(order, list) and
        np.any(np.diff(order) == 0)`` diffs a list, never our int)."""
        if not (callee_name(test.func) == "isinstance" and len(test.args) == 2
                and isinstance(test.args[0].value, cst.Name) and not any(a.keyword or a.star for a in test.args)):
            return
        name = test.args[0].value.value
        value = env.get(name)
        cls = test.args[1].value
        classes = [el.value for el in cls.elements] if isinstance(cls, cst.Tuple) else [cls]
        if not isinstance(value, ArrayVal):
            names = tuple(dotted(c) for c in classes)
            if all(isinstance(c, cst.Name) and env.get(c.value) is None for c in classes):
                verdict = isinstance_verdict(value, names)
                if verdict is not None and verdict != positive:
                    env.vars[name] = UNKNOWN  # a branch the value we know never takes
            return
        qualnames = [v.qualname if isinstance(v, QualVal) else None
                     for v in (self.quiet_eval(c, env) for c in classes)]
        if positive and any(q is not None and q.startswith("numpy.") for q in qualnames):
            return  # numpy's classes (ndarray, generic, matrix, masked arrays) may hold the array we know
        if not positive and "numpy.ndarray" not in qualnames:
            return
        env.vars[name] = UNKNOWN

    def refine_from_hasattr(self, test: cst.Call, env: Env, positive: bool) -> None:
        """Where ``hasattr(x, "shape")`` fails, x is not the array we know (and where it holds,
        not the list or string we know): forget it."""
        if not (callee_name(test.func) == "hasattr" and len(test.args) == 2
                and isinstance(test.args[0].value, cst.Name) and isinstance(test.args[1].value, cst.SimpleString)
                and not any(a.keyword or a.star for a in test.args)):
            return
        name = test.args[0].value.value
        value = env.get(name)
        if string_value(test.args[1].value) not in ("shape", "ndim", "T", "reshape", "dtype"):
            return
        if (not positive and isinstance(value, ArrayVal)) or (
                positive and isinstance(value, (StrVal, TupleVal, DictVal, NoneVal))):
            env.vars[name] = UNKNOWN

    def refine_from_empty_test(self, left: cst.BaseExpression, right: cst.BaseExpression, env: Env) -> bool:
        """Where ``len(x) == 0`` holds for an array or list we know is not empty, the branch is
        not for the value we know: forget it there."""
        for a, b in ((left, right), (right, left)):
            if not (isinstance(b, cst.Integer) and is_zero(b) and isinstance(a, cst.Call)
                    and callee_name(a.func) == "len" and len(a.args) == 1 and isinstance(a.args[0].value, cst.Name)):
                continue
            name = a.args[0].value.value
            value = env.get(name)
            if isinstance(value, ArrayVal) and value.shape and is_positive(value.shape[0]):
                env.vars[name] = UNKNOWN
                return True
            if isinstance(value, TupleVal) and value.items:
                env.vars[name] = UNKNOWN
                return True
        return False

    def refine_from_none_test(self, left: cst.BaseExpression, right: cst.BaseExpression, is_none: bool,
                              env: Env) -> None:
        """``x is None`` where we know an array (or ``x is not None`` where we know None): a branch
        the value we know never takes; forget it there."""
        for a, b in ((left, right), (right, left)):
            if isinstance(b, cst.Name) and b.value == "None" and isinstance(a, cst.Name):
                value = env.get(a.value)
                if value is None:
                    return
                if is_none and isinstance(value, (ArrayVal, IntVal, NumVal, StrVal, TupleVal, DictVal)):
                    env.vars[a.value] = UNKNOWN
                elif not is_none and isinstance(value, NoneVal):
                    env.vars[a.value] = UNKNOWN
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
            event = _assert_event(have, want, owner.tentative, self.through_a_call())
            self.emit(event(assert_node, have=have, want=want, name=self.code_of(a.value, 30)))

    def widen_rank_tests(self, test: cst.BaseExpression, env: Env) -> None:
        """A rank test we cannot use: the code handles several ranks, so forget the one we had."""
        names = self._rank_tested.get(id(test))
        if names is None:
            names = self._rank_tested[id(test)] = tuple(
                name for name in map(rank_access, walk(test)) if name is not None)
        for name in names:
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

    def repeated_sizes(self, node: cst.BaseExpression) -> frozenset:
        """Positions of a written shape that repeat one expression (``(m, m)``): declared equal."""
        if not isinstance(node, (cst.Tuple, cst.List)):
            return frozenset()
        texts = [self.code_of(el.value, 200) for el in node.elements]
        return frozenset(i for i, t in enumerate(texts) if texts.count(t) > 1)

    def pin_shape(self, owner: str, owner_val: Optional[Val], want: Tuple[Dim, ...], env: Env,
                  assert_node: Optional[cst.Assert], test: cst.CSTNode, repeated: frozenset = frozenset()) -> None:
        if isinstance(owner_val, ArrayVal) and owner_val.shape is not None:
            have = owner_val.shape
            if len(have) != len(want) or any(dims_equal(h, w) is False for h, w in zip(have, want)):
                if owner_val.declared is not None and owner_val.origin is None and assert_node is not None:
                    self.emit(DeclaredConflictEvent(assert_node, name=owner, declared=owner_val.declared,
                                                    have=have, want=want))
                    env.vars[owner] = ArrayVal(tuple(want), dtype=owner_val.dtype)
                    return
                if assert_node is not None:
                    self.emit(_assert_event(have, want, owner_val.tentative, self.through_a_call())(
                        assert_node, have=have, want=want, name=owner))
                return
            new = tuple(w if (h is None or is_invented(h)) and w is not None and not is_invented(w) else h
                        for h, w in zip(have, want))
            self.substitute(env, have, new)
            self.bind_names_from(test, env, have)
            current = env.get(owner)
            pinned = env.vars[owner] = (current if isinstance(current, ArrayVal) else owner_val).with_shape(
                new, tentative=False)
            if assert_node is not None and new != have:
                self.remember_stmt(assert_node)
                pinned.source = assert_node  # (its line is worked out only if a hover asks)
            # the assert makes the two shapes one: sizes still unknown on both sides are one size
            # an `if` that tests shapes explores a case; only an assert (or an operation) can force one
            self.unify_shapes(new, want, env, assert_node if assert_node is not None else test,
                              stated=assert_node is None, repeated=repeated)
        elif owner_val is None or owner_val is UNKNOWN or isinstance(owner_val, (ParamVal, ArrayVal)):
            pinned = env.vars[owner] = ArrayVal(tuple(want),
                                                dtype=owner_val.dtype if isinstance(owner_val, ArrayVal) else None)
            if assert_node is not None:
                self.remember_stmt(assert_node)
                pinned.source = assert_node

    def pin_dim(self, owner: str, owner_val: Optional[Val], index: int, want: Dim, want_node: cst.CSTNode,
                env: Env, assert_node: Optional[cst.Assert], test: cst.CSTNode) -> None:
        if not isinstance(owner_val, ArrayVal) or owner_val.shape is None:
            return
        shape = owner_val.shape
        if not -len(shape) <= index < len(shape):
            return
        have = shape[index]
        if dims_equal(have, want) is False:
            if assert_node is None and self.bind_declared_size(have, want, env):
                return  # `if X.shape[0] == 1:` (or the else of `!= 1`): the code says so, in the branch
            if assert_node is not None:
                self.emit(_assert_event((have,), (want,), owner_val.tentative, self.through_a_call())(
                    assert_node, have=shape, want=None, name=owner, index=index, want_dim=want))
            return
        if (have is None or is_invented(have)) and want is not None and not is_invented(want):
            new = list(shape)
            new[index] = want
            self.substitute(env, shape, tuple(new))
            env.vars[owner] = owner_val.with_shape(tuple(new))
        elif have is not None and want is not None and is_invented(have) and is_invented(want):
            # `A.shape[0] == A.shape[1]` says A is square: tested or asserted, never forced
            self.unify_dims(have, want, env, assert_node if assert_node is not None else test, stated=True)
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

