"""Assignment targets: names, unpacking, subscripts (dict entries, array slices), augmented assignment."""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

import libcst as cst

from shapelint.algebra import ops
from shapelint.algebra.dims import (
    dims_equal,
    fmt_dim,
    fmt_shape,
    fresh,
    is_invented,
    maybe_one,
)
from shapelint.algebra.ops import ErrorKind, ShapeMismatch
from shapelint.analysis.env import Env
from shapelint.analysis.syntax import AUGOPS, BINOPS
from shapelint.analysis.values import (
    UNKNOWN,
    ArrayVal,
    DictVal,
    IntVal,
    ParamVal,
    ShapeOfVal,
    StrVal,
    TupleVal,
    Val,
    same_key,
)
from shapelint.rules.events import GradientEvent

_GRADIENT_BASES = re.compile(r"^(W|b|A|Z|AL|A_prev|W_\w+|b_\w+)(\d*)$")


def gradient_of(name: str) -> Optional[str]:
    """``dW1`` -> ``W1``, ``dA_prev`` -> ``A_prev``: the course's naming of gradients."""
    if len(name) < 2 or name[0] != "d":
        return None
    base = name[1:]
    return base if _GRADIENT_BASES.match(base) else None


def key_text(key: Tuple[Any, ...]) -> str:
    parts = []
    for p in key:
        parts.append(repr(p) if isinstance(p, str) else f"str({fmt_dim(p)})")
    return " + ".join(parts)


class AssignmentsMixin:
    def assign(self, target: cst.BaseExpression, value: Val, env: Env, value_node: Optional[cst.CSTNode]) -> None:
        if isinstance(target, cst.Name):
            env.vars[target.value] = value
            if self.collect_shapes:
                self.record_shape(target, target.value, value, env)
            if (isinstance(value, ArrayVal) and value.shape is not None and GradientEvent in self.handlers
                    and env.parent is not None):
                # in a function only: a script's or notebook's globals are test data, and
                # its cells reuse names (`dA` from conv_backward, `A` from pool_forward)
                base = gradient_of(target.value)
                if base is not None:
                    var = env.vars.get(base)  # same scope: a module-level `b` is not this `db`'s
                    if isinstance(var, ArrayVal) and var.shape is not None:
                        self.emit(GradientEvent(target, grad_name=target.value, grad=value, var_name=base, var=var))
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
            if target.attr.value == "shape" and self.reshape_in_place(target.value, value, value_node, env, True):
                return
            self.set_attribute(target, value, env)
            if self.collect_shapes:
                self.record_shape(target, self.code_of(target, 60), value)
            return
        if isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, env, None)

    def reshape_in_place(self, owner_node: cst.BaseExpression, shape: Val, shape_node: Optional[cst.CSTNode],
                         env: Env, keeps_size: bool) -> bool:
        """``x.shape = shape`` (``keeps_size``: a -1 is inferred) and ``x.resize(shape)`` change x
        itself: rebind it to the new shape, or to an unknown one.  False when x is not an array."""
        owner = self.quiet_eval(owner_node, env)
        if not isinstance(owner, ArrayVal) or not isinstance(owner_node, (cst.Name, cst.Attribute)):
            return isinstance(owner, ArrayVal)
        new = self.to_shape_tuple(shape, env, shape_node)
        if new is not None and any(isinstance(d, int) and d < 0 for d in new):
            try:
                new = ops.reshape(owner.shape, new) if keeps_size and owner.shape is not None else None
            except ShapeMismatch:
                new = None
        self.assign(owner_node, ArrayVal(new, dtype=owner.dtype), env, None)
        return True

    def assign_subscript(self, target: cst.Subscript, value: Val, env: Env) -> None:
        container = self.eval(target.value, env)
        if isinstance(container, DictVal) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            key = self.eval(target.slice[0].slice.value, env)
            if isinstance(key, StrVal):
                container.entries[key.parts] = value
                if isinstance(value, ArrayVal) and value.shape is not None and GradientEvent in self.handlers:
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
                value_shape = value.shape
                if value_shape is not None and len(value_shape) > len(region.shape):
                    # NumPy first drops the value's extra leading 1s: (1, 3, 2) fits (3, 2)
                    lead = value_shape[:len(value_shape) - len(region.shape)]
                    if all(d == 1 for d in lead):
                        value_shape = value_shape[len(lead):]
                    elif all(maybe_one(d) for d in lead):
                        return  # they may all be 1 at run time
                try:
                    out = ops.broadcast(region.shape, value_shape)
                    if out is not None and len(out) > len(region.shape):
                        raise ShapeMismatch(ErrorKind.BROADCAST, f"could not broadcast input array from shape "
                                            f"{fmt_shape(value.shape)} into shape {fmt_shape(region.shape)}")
                    if out is not None and any(dims_equal(a, b) is False for a, b in zip(out, region.shape)):
                        raise ShapeMismatch(ErrorKind.BROADCAST, f"could not broadcast input array from shape "
                                            f"{fmt_shape(value.shape)} into shape {fmt_shape(region.shape)}")
                except ShapeMismatch as err:
                    self.mismatch(target, err, op="=", operands=[region, value], operand_nodes=[target, None])

    def check_gradient_entry(self, target: cst.Subscript, key: Tuple[Any, ...], value: ArrayVal, env: Env) -> None:
        if not key or not isinstance(key[0], str):
            return
        base = gradient_of(key[0])
        if base is None:
            return
        var_key = (base,) + tuple(key[1:])
        if env.parent is None:
            return  # a script's globals: see assign()
        for name, other in env.vars.items():  # the function's own dicts, not a global `parameters`
            if isinstance(other, DictVal):
                for k, var in other.entries.items():
                    if same_key(k, var_key) is True and isinstance(var, ArrayVal) and var.shape is not None:
                        self.emit(GradientEvent(target, grad_name=self.code_of(target), grad=value,
                                                var_name=f"{name}[{key_text(var_key)}]", var=var))
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
            self.mismatch(value_node, ShapeMismatch(ErrorKind.AXIS, f"cannot unpack the shape {fmt_shape(getattr(arr, 'shape', None))} of a "
                f"{have}-dimensional array into {n} names ({'not enough' if have < n else 'too many'} values)"),
                operands=[], operand_nodes=[])
            return [UNKNOWN] * n
        if isinstance(value, ShapeOfVal):
            # `n, m = X.shape`: X has exactly these dims (named as the code names them)
            current = value.known if value.known is not None else (
                self.quiet_eval(value.node, env) if value.node is not None else UNKNOWN)
            arr = self.materialize(value.node, current, env, n, tentative=False, exact=True, names=labels) \
                if value.node is not None else None
            if arr is not None and arr.shape is not None and len(arr.shape) == n:
                return [IntVal(d) for d in arr.shape]
            return [IntVal(fresh(label)) for label in labels]
        if isinstance(value, ParamVal):
            # `A_prev, W, b = cache`: what the caller put in the tuple, each as unknown as a parameter
            if value.parts is None and all(labels):
                value.parts = list(labels)
            # Sizes unpacked from it (`n_x, n_h, n_y = layers_dims`) are named but not declared:
            # nothing says n_y is not 1 (it is, in a binary classifier)
            return [ParamVal(label or f"{value.name}[{i}]", declared=False) for i, label in enumerate(labels)]
        if isinstance(value, ArrayVal) and value.shape is not None and len(value.shape) >= 1:
            if value.dtype == "object" and len(value.shape) == 1:
                return [UNKNOWN] * n  # objects or records, not NumPy scalars
            return [ArrayVal(tuple(value.shape[1:]), dtype=value.dtype)] * n
        return [UNKNOWN] * n

    def aug_assign(self, node: cst.AugAssign, env: Env) -> None:
        op_cls = AUGOPS.get(type(node.operator))
        left = self.eval(node.target, env)
        right = self.eval(node.value, env)
        if op_cls is None:
            result = UNKNOWN
        else:
            result = self.binary(node, BINOPS[op_cls], left, right, node.target, node.value,
                                 inplace=isinstance(left, ArrayVal), env=env)
            if isinstance(left, ArrayVal) and left.shape is not None and len(left.shape) >= 1:
                # in place on an ndarray: the same array, whatever the right side (a 0-d value
                # may be an immutable NumPy scalar, which `-=` rebinds)
                result = left
        if isinstance(node.target, cst.Name):
            env.vars[node.target.value] = result
        elif isinstance(node.target, cst.Subscript):
            container = self.eval(node.target.value, env)
            if isinstance(container, DictVal) and len(node.target.slice) == 1 and isinstance(node.target.slice[0].slice, cst.Index):
                key = self.eval(node.target.slice[0].slice.value, env)
                if isinstance(key, StrVal):
                    container.entries[key.parts] = result

