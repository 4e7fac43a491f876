"""Subscripts: indexing arrays, tuples, lists, dicts and shapes."""

from __future__ import annotations

from typing import Any, List, Optional

import libcst as cst

from shapelint.algebra import ops
from shapelint.algebra.dims import (
    dims_equal,
    fmt_dim,
)
from shapelint.algebra.ops import ErrorKind, ShapeMismatch
from shapelint.analysis.env import Env
from shapelint.analysis.expressions import literal_shape
from shapelint.analysis.syntax import is_shape_attr
from shapelint.analysis.values import (
    NONE,
    UNKNOWN,
    ArrayVal,
    DictVal,
    IntVal,
    ParamVal,
    QualVal,
    Rank1Origin,
    SeqVal,
    ShapeOfVal,
    SizeRead,
    StrVal,
    TupleVal,
    Val,
)
from shapelint.rules.events import ScalarDotUsedEvent


class SubscriptsMixin:
    def expr_Subscript(self, node: cst.Subscript, env: Env) -> Val:
        base = self.eval(node.value, env)
        if isinstance(base, ArrayVal):
            return self.subscript_array(node, base, env, report=True)
        if isinstance(base, (TupleVal, SeqVal)) and len(node.slice) == 1:
            el = node.slice[0].slice
            if isinstance(el, cst.Index):
                idx = self.eval(el.value, env)
                if (isinstance(base, TupleVal) and isinstance(idx, IntVal) and isinstance(idx.dim, int)
                        and not -len(base.items) <= idx.dim < len(base.items) and is_shape_attr(node.value)):
                    self.mismatch(node, ShapeMismatch(ErrorKind.AXIS, f"tuple index out of range: the array has {len(base.items)} "
                        f"dimension{'s' if len(base.items) != 1 else ''}, so `.shape[{idx.dim}]` does not exist"),
                        operands=[], operand_nodes=[])
                    return UNKNOWN
                item = self.subscript_sequence(base, idx)
                if (isinstance(base, TupleVal) and len(base.items) == 2 and isinstance(item, IntVal)
                        and isinstance(idx, IntVal) and idx.dim in (0, 1, -1, -2) and self.handlers
                        and is_shape_attr(node.value)):
                    other_axis = 1 - idx.dim % 2
                    other = base.items[other_axis]
                    if isinstance(other, IntVal) and dims_equal(item.dim, other.dim) is False:
                        # the size of one axis of a 2-D array: where it goes, the other axis may
                        # have been meant (`m = X.shape[0]` for the number of examples)
                        self.remember_stmt(node)
                        text = f"{self.module.code_for_node(node.value).strip()}[{other_axis}]"
                        return IntVal(item.dim, SizeRead(node, text, other.dim, self.running_function()))
                return item
            lo = self.slice_bound(el.lower, env)
            hi = self.slice_bound(el.upper, env)
            st = self.slice_bound(el.step, env)
            if all(b is None or isinstance(b, int) for b in (lo, hi, st)) and (el.lower is None or lo is not None) \
                    and (el.upper is None or hi is not None) and (el.step is None or st is not None):
                return self.slice_sequence(base, lo, hi, st)
            return SeqVal(self.element_of(base, node), None, base.is_list) if base.is_list else UNKNOWN
        if isinstance(base, ShapeOfVal) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            idx = self.eval(node.slice[0].slice.value, env)
            if isinstance(idx, IntVal) and isinstance(idx.dim, int) and base.owner is not None:
                # `A_prev.shape[1]`: A_prev has at least 2 dims (2, as far as we can tell);
                # `X.shape[0]` or `X.shape[-1]` say nothing of the rank: a size of its own
                i = idx.dim
                current = base.known if base.known is not None else self.quiet_eval(base.node, env)
                have = len(current.shape) if isinstance(current, ArrayVal) and current.shape is not None else 0
                arr = self.materialize(base.node, current, env, max(i + 1, have), tentative=True) if i >= 1 else None
                if arr is None and isinstance(current, ArrayVal) and current.shape is not None:
                    arr = current
                if arr is not None and -len(arr.shape) <= i < len(arr.shape):
                    return IntVal(arr.shape[i])
                return IntVal(self.text_dim(env, f"{base.owner}.shape[{i}]"))
            return IntVal(None)
        if isinstance(base, DictVal) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = self.eval(node.slice[0].slice.value, env)
            if isinstance(key, StrVal):
                found = self.dict_lookup(base, key)
                if found is not None:
                    return found
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
        bools: List[Optional[bool]] = []  # 0-d boolean indices: True, False, or a bool of unknown value
        first_bool = -1
        tentative = arr.tentative  # an index array of a guessed rank makes the result a guess too
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
            is_literal_bool = isinstance(s.value, cst.Name) and s.value.value in ("True", "False")
            if is_literal_bool or (isinstance(v, ArrayVal) and v.shape == () and v.dtype == "bool"):
                # a 0-d boolean adds an axis (of length 1 if True, 0 if False) and consumes none
                bools.append(s.value.value == "True" if is_literal_bool else None)
                first_bool = len(items) if first_bool < 0 else first_bool
                items.append(ops.ArrayIndex((), boolean=True))
            elif isinstance(v, IntVal):
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
                tentative = tentative or v.tentative
            elif isinstance(v, TupleVal) and v.is_list:
                shape = literal_shape(v)
                if shape is None:
                    return ArrayVal(None)
                items.append(ops.ArrayIndex(shape))
            else:
                return ArrayVal(None)
        if arr.dtype == "object" and arr.shape == ():
            return UNKNOWN  # an object or a record, not a NumPy scalar: it may be indexable
        if arr.dot_scalar is not None and arr.shape == ():
            self.emit(ScalarDotUsedEvent(node, value=arr, how="it is indexed"))
        try:
            shape = ops.index(arr.shape, items)
        except ShapeMismatch as err:
            if report:
                self.mismatch(node, err, op="[]", operands=[arr.with_shape(arr.shape, tentative=tentative)],
                              operand_nodes=[node.value])
            return ArrayVal(None)
        if bools and arr.shape is not None:
            shape = _with_boolean_axis(shape, items, len(arr.shape), first_bool, bools)
        if arr.dtype == "object" and shape == ():
            return UNKNOWN
        if arr.matrix:
            return _matrix_item(shape, node, items, arr)
        origin = None
        if (int_on_2d_column and shape is not None and len(shape) == 1 and arr.shape is not None
                and len(arr.shape) == 2):
            base = self.module.code_for_node(node.value) if self.handlers else "X"
            col = self.module.code_for_node(node.slice[1].slice.value) if self.handlers else "j"
            fix = f"{base}[:, {col}:{col} + 1]" if not col.isdigit() else f"{base}[:, {col}:{int(col) + 1}]"
            origin = Rank1Origin(node, "index", fix)
            self.remember_stmt(node)
        result = ArrayVal(shape, origin, arr.dtype, arr.matrix, explicit, tentative=tentative)
        if shape == arr.shape:
            result.source = arr.source  # `f["train_set_x"][:]`: the data file's array
        return result


def _with_boolean_axis(shape: Any, items: List[Any], rank: int, first: int, bools: List[Optional[bool]]) -> Any:
    """The indexed shape when 0-d booleans were in the index (``ops.index`` left their axis's
    length unknown).  Together they make one new axis, of length 1 when all are True and 0
    otherwise, where the first one is when they are adjacent and in front when not (NumPy's
    placement of advanced indices).  With index arrays as well, the result stays unknown."""
    if shape is None or any(isinstance(it, ops.ArrayIndex) and it.shape != () for it in items):
        return None
    positions = [k for k, it in enumerate(items) if isinstance(it, ops.ArrayIndex)]
    axis = 0
    if positions == list(range(first, first + len(positions))):
        consumed = sum(1 for it in items  # slices and integers
                       if not (isinstance(it, ops.ArrayIndex) or it is ops.NEWAXIS or it is ops.ELLIPSIS))
        axis = sum(rank - consumed if it is ops.ELLIPSIS else 1 if isinstance(it, ops.Slice) or it is ops.NEWAXIS
                   else 0 for it in items[:first])
    length = None if None in bools else int(all(bools))
    return tuple(shape[:axis]) + (length,) + tuple(shape[axis + 1:])


def _matrix_item(shape: Any, node: cst.Subscript, items: List[Any], arr: ArrayVal) -> Val:
    """``np.matrix.__getitem__``: a 1-D result is made 2-D, a column ``(n, 1)`` when the second
    index is a scalar (``x[:, 1]``), else a row ``(1, n)`` (``x[0]``); more than 2-D is not modelled."""
    if shape is None or len(shape) > 2:
        return ArrayVal(None, matrix=True)
    if len(shape) == 0:
        return ArrayVal((), dtype=arr.dtype)
    if len(shape) == 1:
        second = items[1] if len(items) > 1 else ops.ELLIPSIS
        if isinstance(second, ops.ArrayIndex):
            second_scalar = second.shape == ()  # True/False
        else:  # an integer, unless a slice, np.newaxis or `...`
            second_scalar = not (isinstance(second, ops.Slice) or second is ops.NEWAXIS or second is ops.ELLIPSIS)
        shape = (shape[0], 1) if second_scalar else (1, shape[0])
    return ArrayVal(shape, None, arr.dtype, True)
