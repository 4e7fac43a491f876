"""Expressions: names, literals, operators, attributes."""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

import libcst as cst

from shapelint.algebra import api, ops
from shapelint.algebra.dims import (
    Dim,
    Shape,
    add,
    dims_equal,
    floordiv,
    fmt_shape,
    mul,
    shape_size,
    sub,
)
from shapelint.algebra.ops import ErrorKind, ShapeMismatch
from shapelint.analysis.classes import SuperVal
from shapelint.analysis.env import Env
from shapelint.analysis.syntax import BINOPS, BOOL_COMPARE, is_transpose, string_value, walk
from shapelint.analysis.values import (
    NONE,
    NUM,
    UNKNOWN,
    ArrayVal,
    ClassVal,
    DictVal,
    InstanceVal,
    IntVal,
    MethodVal,
    ModuleVal,
    NoneVal,
    NumVal,
    ParamVal,
    QualVal,
    RNGVal,
    Rank1Origin,
    ShapeOfVal,
    StrVal,
    TupleVal,
    UnknownVal,
    Val,
    any_failed,
    failed_array,
    join,
)
from shapelint.rules.events import ElementwiseEvent, MatmulEvent, ScalarDotUsedEvent, TransposeEvent


def int_op(op: str, a: Dim, b: Dim) -> Dim:
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


def elementwise_result(shape: Shape, operands: List[ArrayVal], dtype: Optional[str]) -> ArrayVal:
    """An element-wise result: a rank-1 one keeps the origin of its rank-1 operand (b * 2 is still b)."""
    origin = None
    if shape is not None and len(shape) == 1:
        origin = next((o.origin for o in operands
                       if o.origin is not None and o.shape is not None and len(o.shape) == 1), None)
    out = ArrayVal(shape, origin, dtype, any(o.matrix for o in operands), any(o.explicit_axes for o in operands))
    arrays = [o for o in operands if o.shape is not None and o.shape != ()]  # not scalars, nor unknowns
    if len(arrays) == 1 and arrays[0].made is not None and arrays[0].shape == shape:
        out.made = arrays[0].made  # `X_flat / 255.` is still the flattened X, `mask < p` the mask
    return out


def rank1_through_product(a: ArrayVal, b: ArrayVal, result: Shape) -> Optional[Rank1Origin]:
    """``np.dot(W, x)`` with a rank-1 ``x`` from ``randn(n)`` is rank-1 for the same reason."""
    if result is None or len(result) != 1:
        return None
    for o in (b, a):
        if o.origin is not None and o.shape is not None and len(o.shape) == 1 and o.origin.kind == "created":
            return o.origin
    return None


def truth(v: Val) -> Any:
    if isinstance(v, IntVal) and isinstance(v.dim, int):
        return bool(v.dim)
    return api.UNKNOWN


def literal_shape(v: Val, records: bool = False) -> Shape:
    """The shape np.array gives a nested list/tuple literal (None if ragged or unknown).

    ``records``: with a structured dtype, where a tuple is one record (a scalar fills every
    field): only the list levels above the first tuple are dimensions."""
    if isinstance(v, (IntVal, NumVal)) or (records and isinstance(v, TupleVal) and not v.is_list):
        return ()
    if isinstance(v, ArrayVal):
        return None if records else v.shape
    if isinstance(v, TupleVal):
        if not v.items:
            return (0,)
        inner = [literal_shape(x, records) for x in v.items]
        first = inner[0]
        if first is None or any(s != first for s in inner[1:]):
            return None
        return (len(v.items),) + tuple(first)
    return None


def split_key(s: str) -> Tuple[Any, ...]:
    """``"W12"`` -> ("W", 12): so that "W" + str(l) and "W1" can be compared."""
    i = len(s)
    while i > 0 and "0" <= s[i - 1] <= "9":  # not str.isdigit(): it accepts '²', which int() rejects
        i -= 1
    if 0 < i < len(s) and len(s) - i < 6:
        return (s[:i], int(s[i:]))
    return (s,)


def concat_key(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> Tuple[Any, ...]:
    if a and b and isinstance(a[-1], str) and isinstance(b[0], str):
        merged = split_key(a[-1] + b[0])
        return a[:-1] + merged + b[1:]
    return a + b


_PERCENT = re.compile(r"%(.)")


def key_parts(value: Any) -> Optional[Tuple[Any, ...]]:
    """What a value formatted into a key adds to it: a string's parts, an int's digits or size."""
    if isinstance(value, StrVal):
        return value.parts
    if isinstance(value, IntVal) and value.dim is not None:
        return (str(value.dim),) if isinstance(value.dim, int) else (value.dim,)
    return None


def percent_format(template: StrVal, args: Val) -> Val:
    """``"W%d" % l`` is the key ``"W" + str(l)``: only %d, %i, %s and %% are followed."""
    text = template.text()
    if text is None:
        return UNKNOWN
    values = list(args.items) if isinstance(args, TupleVal) and not args.is_list else [args]
    parts: Tuple[Any, ...] = ()
    position = 0
    for match in _PERCENT.finditer(text):
        parts = concat_key(parts, split_key(text[position:match.start()])) if match.start() > position else parts
        position = match.end()
        conversion = match.group(1)
        if conversion == "%":
            parts = concat_key(parts, ("%",))
            continue
        if conversion not in "dis" or not values:
            return UNKNOWN
        value = values.pop(0)
        piece = key_parts(value) if conversion == "s" or isinstance(value, IntVal) else None
        if piece is None:
            return UNKNOWN
        parts = concat_key(parts, piece)
    if values or "%" in text[position:]:
        return UNKNOWN
    if position < len(text):
        parts = concat_key(parts, split_key(text[position:]))
    return StrVal(parts) if parts else UNKNOWN


class ExpressionsMixin:
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

    def quiet_eval(self, node: cst.BaseExpression, env: Env) -> Val:
        """Evaluate again for a value only: the findings were reported on the first pass."""
        self.quiet += 1
        try:
            return self.eval(node, env)
        finally:
            self.quiet -= 1

    def expr_Name(self, node: cst.Name, env: Env) -> Val:
        v = env.get(node.value)
        if v is not None:
            return v
        if node.value in ("True", "False"):
            return IntVal(1 if node.value == "True" else 0)
        if node.value == "None":
            return NONE
        return self.unbound_name(node.value)

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
        value = string_value(node)
        return UNKNOWN if value is None else StrVal(split_key(value))

    def expr_FormattedString(self, node: cst.FormattedString, env: Env) -> Val:
        """``f"W{l}"`` is the key ``"W" + str(l)`` (course notebooks index parameters so)."""
        parts: Tuple[Any, ...] = ()
        known = "b" not in node.prefix.lower()
        for piece in node.parts:
            if isinstance(piece, cst.FormattedStringText):
                # escapes and doubled braces are left alone: such text is no dict key of ours
                if "\\" in piece.value or "{" in piece.value or "}" in piece.value:
                    known = False
                parts = concat_key(parts, split_key(piece.value)) if piece.value else parts
                continue
            value = self.eval(piece.expression, env)
            added = key_parts(value)
            if piece.format_spec is not None or piece.conversion not in (None, "s") or added is None:
                known = False
            else:
                parts = concat_key(parts, added)
        return StrVal(parts) if known and parts else UNKNOWN

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
        decided = self.static_truth(node.test, env)  # `'sigmoid' if l == L else 'relu'` in an unrolled loop
        if decided is True:
            return self.eval(node.body, env)
        if decided is False:
            return self.eval(node.orelse, env)
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
        # the right operand runs only when the left one did not decide, as in an `if`:
        # `x.ndim < 3 or x.shape[2] != 3` reads shape[2] only when x.ndim >= 3
        is_and = isinstance(node.operator, cst.And)
        if self.static_truth(node.left, env) is (not is_and):
            return left
        right_env = env.copy()
        self.refine_from_test(node.left, right_env, positive=is_and)
        right = self.eval(node.right, right_env)
        bound = self._walrus_targets.get(id(node.right))
        if bound is None:  # `x and (n := len(x)) > 3`: n is bound after the test
            bound = self._walrus_targets[id(node.right)] = tuple(
                n.target.value for n in walk(node.right) if type(n) is cst.NamedExpr and type(n.target) is cst.Name)
        for name in bound:
            if name in right_env.vars:
                env.vars[name] = right_env.vars[name]
        return join(left, right)

    def expr_Comparison(self, node: cst.Comparison, env: Env) -> Val:
        left = self.eval(node.left, env)
        result: Val = NUM
        prev_node = node.left
        for comp in node.comparisons:
            right = self.eval(comp.comparator, env)
            if isinstance(comp.operator, BOOL_COMPARE) and (isinstance(left, ArrayVal) or isinstance(right, ArrayVal)):
                r = self.binary(node, "==", left, right, prev_node, comp.comparator, env=env)
                result = ArrayVal(r.shape, dtype="bool", tentative=r.tentative, made=r.made) \
                    if isinstance(r, ArrayVal) else UNKNOWN
            elif isinstance(comp.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot)):
                result = NUM
            elif not (isinstance(left, (IntVal, NumVal, StrVal, NoneVal)) and isinstance(right, (IntVal, NumVal, StrVal, NoneVal))):
                result = UNKNOWN
            left, prev_node = right, comp.comparator
        return result

    def expr_BinaryOperation(self, node: cst.BinaryOperation, env: Env) -> Val:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        op = BINOPS.get(type(node.operator), "?")
        return self.binary(node, op, left, right, node.left, node.right, env=env)

    def binary(self, node: cst.CSTNode, op: str, left: Val, right: Val,
               left_node: cst.CSTNode, right_node: cst.CSTNode, inplace: bool = False,
               env: Optional[Env] = None) -> Val:
        # ints: size arithmetic
        if isinstance(left, IntVal) and isinstance(right, IntVal):
            return IntVal(int_op(op, left.dim, right.dim))
        if isinstance(left, StrVal) and isinstance(right, StrVal) and op == "+":
            return StrVal(concat_key(left.parts, right.parts))
        if isinstance(left, StrVal) and op == "%":
            return percent_format(left, right)
        if isinstance(left, TupleVal) and isinstance(right, TupleVal) and op == "+":
            return TupleVal(left.items + right.items, left.is_list)
        if isinstance(left, TupleVal) and isinstance(right, IntVal) and op == "*" and isinstance(right.dim, int):
            return TupleVal(left.items * right.dim, left.is_list)
        if op == "@" and env is not None:
            # `W @ X` with X of unknown rank: a matrix, as its use suggests
            left = self.as_matrix_operand(left_node, left, env) or left
            right = self.as_matrix_operand(right_node, right, env) or right
        la = self.as_array(left)
        ra = self.as_array(right)
        if la is None or ra is None:
            if env is not None and op != "@" and isinstance(left, ArrayVal) != isinstance(right, ArrayVal) and (
                    isinstance(left, (ParamVal, UnknownVal)) or isinstance(right, (ParamVal, UnknownVal))):
                # `np.dot(W, A) + b` with b of unknown rank: b broadcasts into the known operand
                known, known_node = (left, left_node) if isinstance(left, ArrayVal) else (right, right_node)
                return self.elementwise(node, op, [known, ArrayVal(None)], [known_node, None], inplace=inplace)
            return UNKNOWN
        if not isinstance(left, ArrayVal) and not isinstance(right, ArrayVal):
            if isinstance(left, (IntVal, NumVal)) and isinstance(right, (IntVal, NumVal)):
                return NUM
            return UNKNOWN
        if op == "@" or (op == "*" and (la.matrix or ra.matrix)):
            return self.matmul_op(node, "@" if op == "@" else "*", la, ra, left_node, right_node, env)
        return self.elementwise(node, op, [la, ra], [left_node, right_node], inplace=inplace)

    def as_array(self, v: Val) -> Optional[ArrayVal]:
        """The array a value stands for in an arithmetic operation, or None (not an array)."""
        if isinstance(v, ArrayVal):
            return v
        if isinstance(v, (IntVal, NumVal)):
            return ArrayVal(())
        if isinstance(v, TupleVal) and v.is_list:
            shape = literal_shape(v)
            return ArrayVal(shape) if shape is not None else None
        return None

    def elementwise(self, node: cst.CSTNode, op: str, operands: List[ArrayVal],
                    operand_nodes: List[Optional[cst.CSTNode]], inplace: bool = False,
                    func: str = "", dtype: Optional[str] = None) -> Val:
        if any_failed(operands):
            return failed_array()
        shapes = [o.shape for o in operands]
        try:
            result = ops.broadcast(*shapes)
            if inplace and result is not None and shapes[0] is not None and (
                    len(result) > len(shapes[0])
                    or any(dims_equal(r, t) is False for r, t in zip(result[::-1], shapes[0][::-1]))):
                raise ShapeMismatch(ErrorKind.BROADCAST, f"non-broadcastable output operand with shape "
                                    f"{fmt_shape(shapes[0])} doesn't match the broadcast shape {fmt_shape(result)}")
        except ShapeMismatch as err:
            self.mismatch(node, err, op=op, func=func, operands=operands, operand_nodes=operand_nodes)
            return failed_array()
        self.ran_on_known_sizes(node, shapes)
        tentative = any(o.tentative for o in operands)
        known = [s_ for s_ in shapes if s_ is not None]
        if result is None and known and len(known) < len(shapes) and not inplace and max(map(len, known)) >= 2:
            # an operand of unknown rank beside a matrix: it broadcasts into it, as the code
            # means it to (`np.dot(W, A) + b`; tentatively: it could be bigger)
            try:
                result, tentative = ops.broadcast(*known), True
            except ShapeMismatch:
                result = None
        if ElementwiseEvent in self.handlers:  # built only if a rule listens: operations are frequent
            self.emit(ElementwiseEvent(node, op=op, func=func, operands=operands, operand_nodes=operand_nodes,
                                       result=result))
        if dtype is None and op in ("==", "<", ">"):
            dtype = "bool"
        scalar = None
        if result == ():
            for o in operands:
                if o.dot_scalar is not None:
                    scalar = o.dot_scalar
        out = elementwise_result(result, operands, dtype)
        out.dot_scalar = scalar
        out.tentative = tentative and result is not None
        return out

    def matmul_op(self, node: cst.CSTNode, func: str, a: ArrayVal, b: ArrayVal,
                  a_node: Optional[cst.CSTNode], b_node: Optional[cst.CSTNode], env: Optional[Env] = None) -> Val:
        if a.failed or b.failed:
            return failed_array()
        if env is not None:
            a = self.as_matrix_operand(a_node, a, env) or a
            b = self.as_matrix_operand(b_node, b, env) or b
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
            return failed_array()
        self.ran_on_known_sizes(node, (a.shape, b.shape))
        if env is not None and func not in ("np.inner", "np.vdot", "*"):
            result = self.unify_product(a.shape, b.shape, result, env, node, a_node, b_node)
        if MatmulEvent in self.handlers:
            self.emit(MatmulEvent(node, func=func, operands=[a, b], operand_nodes=[a_node, b_node], result=result))
        dot_scalar = self.vector_dot(node, a, b)
        return ArrayVal(result, rank1_through_product(a, b, result), matrix=a.matrix or b.matrix,
                        explicit_axes=a.explicit_axes or b.explicit_axes, dot_scalar=dot_scalar,
                        tentative=a.tentative or b.tentative)

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
        if isinstance(base, ModuleVal):
            return self.module_attribute(base, attr)
        if isinstance(base, ArrayVal):
            return self.array_attribute(node, base, attr, env)
        if isinstance(base, RNGVal):
            return MethodVal(base, attr, node.value)
        if isinstance(base, InstanceVal):
            return self.instance_attribute(base, attr)
        if isinstance(base, ClassVal):
            return self.class_attribute(base, attr)
        if isinstance(base, SuperVal):
            return self.super_attribute(base, attr)
        method = self.container_method(base, attr, node.value)
        if method is not None:
            return method
        if isinstance(base, (ParamVal, UnknownVal)):
            if attr == "shape" and isinstance(node.value, (cst.Name, cst.Attribute)):
                return ShapeOfVal(self.label_of(node.value), node.value)
            if attr in ("T", "dot"):
                # `W.T`, `X.dot(W)`: W is a matrix, as its use suggests
                arr = self.as_matrix_operand(node.value, base, env)
                if arr is not None:
                    return self.array_attribute(node, arr, attr, env)
        return UNKNOWN

    def array_attribute(self, node: cst.Attribute, arr: ArrayVal, attr: str, env: Env) -> Val:
        shape = arr.shape
        if attr == "shape":
            if arr.dot_scalar is not None:
                self.emit(ScalarDotUsedEvent(node, value=arr, how="`.shape` is read"))
            if shape is None or arr.tentative:
                # a rank the code only suggested: `.shape[3]` or `n, h, w, c = X.shape` may say more
                return ShapeOfVal(self.label_of(node.value), node.value, arr if shape is not None else None)
            return TupleVal(tuple(IntVal(d) for d in shape))
        if attr == "T":
            if arr.failed:
                return arr
            if TransposeEvent in self.handlers:
                self.emit(TransposeEvent(node, value=arr, operand_node=node.value,
                                         operand_is_transpose=is_transpose(node.value)))
            return ArrayVal(ops.transpose(shape), arr.origin if shape is not None and len(shape) == 1 else None,
                            arr.dtype, arr.matrix, tentative=arr.tentative)
        if attr == "ndim":
            return IntVal(None if shape is None else len(shape))
        if attr == "size":
            return IntVal(shape_size(shape) if not arr.tentative else None)  # a guessed rank: size unknown
        if attr in ("real", "imag"):
            return ArrayVal(shape, dtype=arr.dtype, tentative=arr.tentative)
        if attr in ("dtype", "flags", "strides", "itemsize", "nbytes", "base", "ctypes", "data", "flat"):
            return UNKNOWN
        return MethodVal(arr, attr, node.value)

