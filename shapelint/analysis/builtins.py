"""Python builtins the analysis understands (len, range, zip, int, ...)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import libcst as cst

from shapelint.algebra.dims import shape_size, sub
from shapelint.algebra.ops import ErrorKind, ShapeMismatch
from shapelint.analysis.containers import items_of, sequence_length
from shapelint.analysis.env import Env
from shapelint.analysis.values import (
    NUM,
    UNKNOWN,
    ArrayVal,
    DictVal,
    EnumerateVal,
    IntVal,
    RangeVal,
    ReversedVal,
    SeqVal,
    StrVal,
    TupleVal,
    Val,
    ZipVal,
)
from shapelint.rules.events import ScalarConversionEvent


def _b_len(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) != 1:
        return IntVal(None)
    v = vals[0]
    if isinstance(v, ArrayVal):
        if v.shape is not None and len(v.shape) >= 1:
            return IntVal(v.shape[0])
        if v.shape == () and v.dtype != "object":
            inf.mismatch(node, ShapeMismatch(ErrorKind.AXIS, "len() of a 0-dimensional array (a scalar): it has no length"),
                         operands=[], operand_nodes=[])
            return IntVal(None)
        return IntVal(inf.text_dim(env, f"len({inf.module.code_for_node(node.args[0].value)})"))
    if isinstance(v, TupleVal):
        return IntVal(len(v.items))
    if isinstance(v, SeqVal) and v.length is not None:
        return IntVal(v.length)
    if isinstance(v, RangeVal) and v.length is not None:
        return IntVal(v.length)
    if isinstance(v, DictVal) and v.complete and all(
            all(isinstance(p, (str, int)) for p in key) for key in v.entries):
        return IntVal(len(v.entries))  # keys like "W1", "b1": distinct, so the count is exact
    return IntVal(inf.text_dim(env, inf.module.code_for_node(node)))


def _check_scalar_conversion(inf: Any, node: cst.Call, vals: List[Val]) -> None:
    if len(vals) != 1 or not isinstance(vals[0], ArrayVal) or vals[0].dtype == "object":
        return
    size = shape_size(vals[0].shape)
    if isinstance(size, int) and size != 1:
        inf.emit(ScalarConversionEvent(node, func=node.func.value, value=vals[0], size=size))


def _b_int(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], IntVal):
        return vals[0]
    _check_scalar_conversion(inf, node, vals)
    return IntVal(None)


def _b_float(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    _check_scalar_conversion(inf, node, vals)
    return NUM


def _b_str(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], IntVal) and vals[0].dim is not None:
        d = vals[0].dim
        return StrVal((str(d),) if isinstance(d, int) else (d,))
    if len(vals) == 1 and isinstance(vals[0], StrVal):
        return vals[0]
    return UNKNOWN


def _b_range(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if not all(a.keyword is None and not a.star for a in node.args):
        return RangeVal()
    bounds = [v.dim for v in vals if isinstance(v, IntVal) and isinstance(v.dim, int)]
    if len(bounds) == len(vals) and 1 <= len(vals) <= 3:
        try:
            return RangeVal(range(*bounds))
        except ValueError:  # a zero step
            return RangeVal()
    dims = [v.dim if isinstance(v, IntVal) else None for v in vals]
    if len(dims) == 1:
        return RangeVal(length=dims[0])  # range(L): L items (when L >= 0)
    if len(dims) == 2 and None not in dims:
        return RangeVal(length=sub(dims[1], dims[0]))
    return RangeVal()


def _b_zip(inf: Any, node: cst.Call, env: Env) -> Val:
    return ZipVal(tuple(inf.eval(a.value, env) for a in node.args if a.keyword is None))


def _b_enumerate(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    start = vals[1] if len(vals) > 1 else IntVal(0)
    return EnumerateVal(vals[0] if vals else UNKNOWN,
                        start.dim if isinstance(start, IntVal) and isinstance(start.dim, int) else 0)


def _b_reversed(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    return ReversedVal(vals[0]) if len(vals) == 1 else UNKNOWN


def _b_minmax(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if vals and all(isinstance(v, IntVal) for v in vals):
        dims = [v.dim for v in vals]
        if all(isinstance(d, int) for d in dims):
            return IntVal((max if node.func.value == "max" else min)(dims))
        return IntVal(None)
    return UNKNOWN


def _b_abs(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], ArrayVal):
        v = vals[0]  # element-wise: the same array, with its origin and its `[:, None]` mark
        return ArrayVal(v.shape, v.origin, v.dtype, v.matrix, v.explicit_axes)
    if len(vals) == 1 and isinstance(vals[0], IntVal) and isinstance(vals[0].dim, int):
        return IntVal(abs(vals[0].dim))
    return UNKNOWN


def _b_list(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    is_list = node.func.value == "list"
    if not vals:
        return TupleVal((), is_list=is_list)
    if len(vals) != 1:
        return UNKNOWN
    items = items_of(vals[0])
    if items is not None:
        return TupleVal(tuple(items), is_list=is_list)
    if isinstance(vals[0], (SeqVal, RangeVal, ZipVal, EnumerateVal, ReversedVal)):
        length = vals[0].length if isinstance(vals[0], RangeVal) else sequence_length(vals[0])
        return SeqVal(inf.element_of(vals[0], node), length, is_list)
    return UNKNOWN


def _b_dict(inf: Any, node: cst.Call, env: Env) -> Val:
    for a in node.args:
        inf.eval(a.value, env)
    return DictVal() if not node.args else UNKNOWN


BUILTINS: Dict[str, Callable[[Any, cst.Call, Env], Val]] = {
    "len": _b_len, "int": _b_int, "float": _b_float, "str": _b_str, "range": _b_range,
    "zip": _b_zip, "enumerate": _b_enumerate, "max": _b_minmax, "min": _b_minmax, "abs": _b_abs,
    "list": _b_list, "tuple": _b_list, "dict": _b_dict, "bool": _b_float, "round": _b_float,
    "reversed": _b_reversed,
}


