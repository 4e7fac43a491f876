"""Python builtins the analysis understands (len, range, zip, int, ...)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from shapelint.algebra.dims import (
    shape_size,
)
from shapelint.algebra.ops import ShapeMismatch
from shapelint.analysis.env import Env
from shapelint.analysis.values import (
    NUM,
    UNKNOWN,
    ArrayVal,
    DictVal,
    IntVal,
    StrVal,
    TupleVal,
    Val,
)


class RangeVal(Val):
    """range(...): ``values`` when the bounds are known ints (for unrolling short loops)."""

    __slots__ = ("values",)

    def __init__(self, values: Optional[range] = None):
        self.values = values


class ZipVal(Val):
    __slots__ = ("parts",)

    def __init__(self, parts: Tuple[Val, ...]):
        self.parts = parts


class EnumerateVal(Val):
    __slots__ = ("inner",)

    def __init__(self, inner: Val):
        self.inner = inner


def _b_len(inf: Any, node: cst.Call, env: Env) -> Val:
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


def _check_scalar_conversion(inf: Any, node: cst.Call, vals: List[Val]) -> None:
    if len(vals) != 1 or not isinstance(vals[0], ArrayVal) or vals[0].dtype == "object":
        return
    size = shape_size(vals[0].shape)
    if isinstance(size, int) and size != 1:
        inf.emit("scalar_conversion", node, func=node.func.value, value=vals[0], size=size)


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
    bounds = [v.dim for v in vals if isinstance(v, IntVal) and isinstance(v.dim, int)]
    if len(bounds) == len(vals) and 1 <= len(vals) <= 3 and all(a.keyword is None and not a.star for a in node.args):
        try:
            return RangeVal(range(*bounds))
        except ValueError:  # a zero step
            return RangeVal()
    return RangeVal()


def _b_zip(inf: Any, node: cst.Call, env: Env) -> Val:
    return ZipVal(tuple(inf.eval(a.value, env) for a in node.args if a.keyword is None))


def _b_enumerate(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    return EnumerateVal(vals[0] if vals else UNKNOWN)


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
        return ArrayVal(vals[0].shape)
    if len(vals) == 1 and isinstance(vals[0], IntVal) and isinstance(vals[0].dim, int):
        return IntVal(abs(vals[0].dim))
    return UNKNOWN


def _b_list(inf: Any, node: cst.Call, env: Env) -> Val:
    vals = [inf.eval(a.value, env) for a in node.args]
    if len(vals) == 1 and isinstance(vals[0], TupleVal):
        return TupleVal(vals[0].items, is_list=node.func.value == "list")
    if not vals:
        return TupleVal((), is_list=node.func.value == "list")
    return UNKNOWN


def _b_dict(inf: Any, node: cst.Call, env: Env) -> Val:
    for a in node.args:
        inf.eval(a.value, env)
    return DictVal() if not node.args else UNKNOWN


BUILTINS: Dict[str, Callable[[Any, cst.Call, Env], Val]] = {
    "len": _b_len, "int": _b_int, "float": _b_float, "str": _b_str, "range": _b_range,
    "zip": _b_zip, "enumerate": _b_enumerate, "max": _b_minmax, "min": _b_minmax, "abs": _b_abs,
    "list": _b_list, "tuple": _b_list, "dict": _b_dict, "bool": _b_float, "round": _b_float,
}


