"""The NumPy API as a table: qualified name -> signature + shape rule.

Supporting one more function is one line.  The table is pure data over
``Shape`` values; the static analyzer converts its abstract values to the
parameter kinds below, and the runtime side can feed real arrays through
``shape_of_call`` (see ``evaluate``).  A call that needs more than a shape rule
(``np.einsum``'s subscripts, ``np.array`` of a literal, ``np.load`` of a project
file) has an analyzer hook under the same qualified name
(``analysis.numpy_calls.CALL_HOOKS``); the hook may leave the call to the table.

Parameter kinds:
  array   a Shape (None: unknown)            arrays  a list of Shapes (None: unknown)
  shape   a tuple of Dims (an int is (n,))   dims*   varargs sizes: f(2, 3) or f((2, 3))
  axis    None | int | tuple of ints         int     a Dim
  bool    True | False                        any     not needed for the shape
  widths  a Dim or nested tuples of Dims (``np.pad``'s pad_width: its nesting is its shape)
A converted argument that the caller could not determine is ``UNKNOWN``; a rule
that gets one for a non-array parameter yields an unknown shape.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from shapelint.algebra import ops
from shapelint.algebra.dims import Dim, Shape, at_least, compare_order, sub


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class Param:
    __slots__ = ("name", "kind", "default", "required")

    def __init__(self, name: str, kind: str, default: Any = None, required: bool = True):
        self.name, self.kind, self.default, self.required = name, kind, default, required


class Fn:
    """One NumPy callable: how to bind its arguments and compute its result shape.

    event: what the analyzer tells the rules about a call
      elementwise  operands broadcast (names in ``operands``)
      matmul       a matrix product of params ``a`` and ``b``
      reduce       a reduction of ``a`` over ``axis`` (with ``keepdims``)
      create       a new array from sizes (rank-1 provenance starts here)
      other        nothing special
    returns: "array" | "tuple" (of arrays) | "scalar"
    """

    __slots__ = ("qualname", "params", "rule", "event", "operands", "returns", "dtype")

    def __init__(self, params: str, rule: Callable[..., Shape], event: str = "other",
                 operands: Tuple[str, ...] = (), returns: str = "array", dtype: Optional[str] = None):
        self.qualname = ""
        self.params = _parse_params(params)
        self.rule = rule
        self.event = event
        self.operands = operands
        self.returns = returns
        self.dtype = dtype

    def apply(self, args: Dict[str, Any]) -> Shape:
        """args: converted values by parameter name (missing -> default)."""
        bound = {}
        for p in self.params:
            v = args.get(p.name, p.default)
            if v is UNKNOWN and p.kind not in ("array", "arrays"):
                return None
            bound[p.name] = v
        return self.rule(**bound)


def _parse_params(spec: str) -> List[Param]:
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, rest = item.partition(":")
        kind, eq, default = rest.partition("=")
        if eq:
            out.append(Param(name, kind, eval(default, {}), required=False))  # literals only
        else:
            out.append(Param(name, kind))
    return out


# -- rule helpers --------------------------------------------------------------------

def _same(a: Shape, **_: Any) -> Shape:
    return a


def _bcast2(x1: Shape, x2: Shape, **_: Any) -> Shape:
    return ops.broadcast(x1, x2)


def _reduce(func: str) -> Callable[..., Shape]:
    def rule(a: Shape, axis: Any = None, keepdims: Any = False, **_: Any) -> Shape:
        if keepdims is UNKNOWN or keepdims is None:
            return None
        return ops.reduce(a, axis, bool(keepdims), func)
    return rule


def _argreduce(func: str) -> Callable[..., Shape]:
    def rule(a: Shape, axis: Any = None, keepdims: Any = False, **_: Any) -> Shape:
        return ops.arg_reduce(a, axis, bool(keepdims), func)
    return rule


def _size(size: Any, **_: Any) -> Shape:
    """numpy.random's ``size=``: None -> a Python scalar, else the shape."""
    if size is None:
        return ()
    return tuple(size)


def _size_or_broadcast(*names: str) -> Callable[..., Shape]:
    def rule(size: Any = None, **kw: Any) -> Shape:
        if size is None:
            return ops.broadcast(*[kw[n] for n in names])
        return tuple(size)
    return rule


def _shape(shape: Any, **_: Any) -> Shape:
    return tuple(shape)


def _like(a: Shape, shape: Any = None, **_: Any) -> Shape:
    return a if shape is None else tuple(shape)


def _arange(start: Dim, stop: Any = None, step: Any = None, **_: Any) -> Shape:
    if stop is None:
        start, stop = 0, start
    if step in (None, 1):
        if isinstance(start, int) and isinstance(stop, int):
            return (max(stop - start, 0),)
        # arange(k, n) has n - k elements only if n >= k: decided or unknown
        longer, _ = at_least(stop, start)
        if longer is None:
            return (None,)
        return (sub(stop, start) if longer else 0,)
    if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int) and step:
        return (len(range(start, stop, step)),)
    return (None,)


def _eye(N: Dim, M: Any = None, **_: Any) -> Shape:
    return (N, N if M is None else M)


def _linspace(num: Dim = 50, **_: Any) -> Shape:
    return (num,)


def _reshape(a: Shape, shape: Any, **_: Any) -> Shape:
    return ops.reshape(a, tuple(shape))


def _transpose(a: Shape, axes: Any = None, **_: Any) -> Shape:
    return ops.transpose(a, None if axes is None else tuple(axes))


def _concat(arrays: Any, axis: Any = 0, **_: Any) -> Shape:
    if arrays is None:
        return None
    return ops.concatenate(arrays, axis)


def _stack(arrays: Any, axis: Any = 0, **_: Any) -> Shape:
    if arrays is None:
        return None
    return ops.stack(arrays, axis)


def _joiner(fn: Callable[[List[Shape]], Shape]) -> Callable[..., Shape]:
    def rule(tup: Any, **_: Any) -> Shape:
        return None if tup is None else fn(tup)
    return rule


def _clip(a: Shape, a_min: Shape = (), a_max: Shape = (), **_: Any) -> Shape:
    return ops.broadcast(a, a_min, a_max)


def _where(condition: Shape, x: Any = None, y: Any = None, **_: Any) -> Shape:
    if x is None and y is None:
        return None  # np.where(cond) returns a tuple of index arrays
    return ops.broadcast(condition, x, y)


def _repeat(a: Shape, repeats: Any, axis: Any = None, **_: Any) -> Shape:
    if a is None or not isinstance(repeats, (int,)) and repeats is not None and not hasattr(repeats, "terms"):
        return None
    from shapelint.algebra.dims import mul, shape_size

    if axis is None:
        return (mul(shape_size(a), repeats),)
    ax = ops.normalize_axis(axis, len(a), "np.repeat")
    return tuple(mul(d, repeats) if i == ax else d for i, d in enumerate(a))


def _flat(a: Shape, **_: Any) -> Shape:
    return ops.ravel(a)


def _cum(func: str) -> Callable[..., Shape]:
    def rule(a: Shape, axis: Any = None, **_: Any) -> Shape:
        return ops.cumulative(a, axis, func)
    return rule


def _sort(a: Shape, axis: Any = -1, **_: Any) -> Shape:
    if axis is None:
        return ops.ravel(a)
    if a is not None and len(a):
        ops.normalize_axis(axis, len(a), "sort")
    return a


def _squeeze(a: Shape, axis: Any = None, **_: Any) -> Shape:
    return ops.squeeze(a, axis)


def _expand(a: Shape, axis: Any, **_: Any) -> Shape:
    return ops.expand_dims(a, axis)


def _swap(a: Shape, axis1: Any, axis2: Any, **_: Any) -> Shape:
    return ops.swapaxes(a, axis1, axis2)


def _moveaxis(a: Shape, source: Any, destination: Any, **_: Any) -> Shape:
    if not isinstance(source, int) or not isinstance(destination, int):
        return None
    return ops.moveaxis(a, source, destination)


def _matrix_square(a: Shape, **_: Any) -> Shape:
    return a


def _det(a: Shape, **_: Any) -> Shape:
    return None if a is None else tuple(a[:-2])


def _norm(x: Shape, ord: Any = None, axis: Any = None, keepdims: Any = False, **_: Any) -> Shape:
    if keepdims is UNKNOWN:
        return None
    return ops.reduce(x, axis, bool(keepdims), "np.linalg.norm")


def _average(a: Shape, axis: Any = None, weights: Any = None, returned: Any = False, keepdims: Any = False, **_: Any) -> Shape:
    if returned:
        return None
    return ops.reduce(a, axis, bool(keepdims), "np.average")


def _diag(v: Shape, k: Any = 0, **_: Any) -> Shape:
    if v is None:
        return None
    if len(v) == 1 and k == 0:
        return (v[0], v[0])
    if len(v) == 2 and k == 0:
        # the diagonal of (n, m) has min(n, m) elements
        sign, _ = compare_order(v[0], v[1])
        if sign is not None:
            return (v[0] if sign <= 0 else v[1],)
    return None


def _outer(a: Shape, b: Shape, **_: Any) -> Shape:
    return ops.outer(a, b)


def _shape_from_dims(d: Any, **_: Any) -> Shape:
    return tuple(d)


def _rng_integers(low: Any = None, high: Any = None, size: Any = None, **_: Any) -> Shape:
    return () if size is None else tuple(size)


# -- the table -----------------------------------------------------------------------

_UNARY = "x:array, out:any=None"
_BINARY = "x1:array, x2:array, out:any=None"
_RED = "a:array, axis:axis=None, dtype:any=None, out:any=None, keepdims:bool=False"
_RED_NODTYPE = "a:array, axis:axis=None, out:any=None, keepdims:bool=False"
_VAR = "a:array, axis:axis=None, dtype:any=None, out:any=None, ddof:any=0, keepdims:bool=False"

UNARY_UFUNCS = (
    "exp exp2 expm1 log log2 log10 log1p sqrt cbrt square abs absolute fabs tanh sinh cosh "
    "sin cos tan arcsin arccos arctan arcsinh arccosh arctanh sign negative positive reciprocal "
    "floor ceil trunc rint fix isnan isinf isfinite logical_not conj conjugate real imag angle "
    "sinc deg2rad rad2deg degrees radians nan_to_num signbit spacing"
).split()
BOOL_UNARY = {"isnan", "isinf", "isfinite", "logical_not", "signbit"}
BINARY_UFUNCS = (
    "add subtract multiply divide true_divide floor_divide power float_power mod remainder fmod "
    "maximum minimum fmax fmin greater greater_equal less less_equal equal not_equal "
    "logical_and logical_or logical_xor arctan2 hypot copysign heaviside bitwise_and bitwise_or "
    "bitwise_xor left_shift right_shift logaddexp logaddexp2 ldexp nextafter isclose"
).split()
BOOL_BINARY = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
               "logical_and", "logical_or", "logical_xor", "isclose"}

API: Dict[str, Fn] = {}

for _n in UNARY_UFUNCS:
    API[f"numpy.{_n}"] = Fn(_UNARY, lambda x, **_: x, "elementwise", ("x",),
                           dtype="bool" if _n in BOOL_UNARY else None)
for _n in BINARY_UFUNCS:
    API[f"numpy.{_n}"] = Fn(_BINARY, _bcast2, "elementwise", ("x1", "x2"),
                           dtype="bool" if _n in BOOL_BINARY else None)
# the scalar types called on an array convert it elementwise: np.int64(A2 > 0) is A2's shape
for _n, _dtype in [("int8", "int"), ("int16", "int"), ("int32", "int"), ("int64", "int"), ("uint8", "int"),
                   ("uint16", "int"), ("uint32", "int"), ("uint64", "int"), ("intc", "int"), ("intp", "int"),
                   ("float16", None), ("float32", None), ("float64", None), ("double", None), ("single", None),
                   ("longdouble", None), ("complex64", None), ("complex128", None), ("bool_", "bool")]:
    API[f"numpy.{_n}"] = Fn("x:array", lambda x, **_: x, "other", ("x",), dtype=_dtype)
API["numpy.round"] = API["numpy.around"] = Fn("a:array, decimals:any=0", _same, "elementwise", ("a",))

for _n, _sig in [("sum", _RED), ("mean", _RED), ("prod", _RED), ("nansum", _RED), ("nanmean", _RED),
                 ("nanprod", _RED), ("max", _RED_NODTYPE), ("min", _RED_NODTYPE), ("amax", _RED_NODTYPE),
                 ("amin", _RED_NODTYPE), ("nanmax", _RED_NODTYPE), ("nanmin", _RED_NODTYPE),
                 ("ptp", _RED_NODTYPE), ("any", _RED_NODTYPE), ("all", _RED_NODTYPE),
                 ("std", _VAR), ("var", _VAR), ("nanstd", _VAR), ("nanvar", _VAR),
                 ("median", "a:array, axis:axis=None, out:any=None, overwrite_input:any=False, keepdims:bool=False"),
                 ("nanmedian", "a:array, axis:axis=None, out:any=None, overwrite_input:any=False, keepdims:bool=False"),
                 ("count_nonzero", "a:array, axis:axis=None, keepdims:bool=False")]:
    API[f"numpy.{_n}"] = Fn(_sig, _reduce(f"np.{_n}"), "reduce")
for _n in ("argmax", "argmin", "nanargmax", "nanargmin"):
    API[f"numpy.{_n}"] = Fn("a:array, axis:axis=None, out:any=None, keepdims:bool=False", _argreduce(f"np.{_n}"),
                           "reduce", dtype="int")
for _n in ("cumsum", "cumprod", "nancumsum", "nancumprod"):
    API[f"numpy.{_n}"] = Fn("a:array, axis:axis=None", _cum(f"np.{_n}"))

API.update({
    # products
    "numpy.dot": Fn("a:array, b:array, out:any=None", lambda a, b, **_: ops.dot(a, b, "np.dot"), "matmul"),
    # axes=/axis= pick other core dimensions: not modelled, the shape is unknown
    "numpy.matmul": Fn("a:array, b:array, out:any=None, axes:any=None, axis:any=None",
                       lambda a, b, axes=None, axis=None, **_: ops.matmul(a, b, "np.matmul")
                       if axes is None and axis is None else None, "matmul"),
    "numpy.inner": Fn("a:array, b:array", lambda a, b, **_: ops.inner(a, b), "matmul"),
    "numpy.outer": Fn("a:array, b:array, out:any=None", _outer),
    "numpy.vdot": Fn("a:array, b:array", lambda a, b, **_: ops.vdot(a, b), "matmul"),
    # creation
    "numpy.zeros": Fn("shape:shape, dtype:any=None", _shape, "create"),
    "numpy.ones": Fn("shape:shape, dtype:any=None", _shape, "create"),
    "numpy.empty": Fn("shape:shape, dtype:any=None", _shape, "create"),
    "numpy.full": Fn("shape:shape, fill_value:any=0, dtype:any=None", _shape, "create"),
    "numpy.zeros_like": Fn("a:array, dtype:any=None, order:any=None, subok:any=None, shape:shape=None", _like),
    "numpy.ones_like": Fn("a:array, dtype:any=None, order:any=None, subok:any=None, shape:shape=None", _like),
    "numpy.empty_like": Fn("a:array, dtype:any=None, order:any=None, subok:any=None, shape:shape=None", _like),
    "numpy.full_like": Fn("a:array, fill_value:any=0, dtype:any=None, order:any=None, subok:any=None, shape:shape=None", _like),
    "numpy.eye": Fn("N:int, M:int=None, k:any=0, dtype:any=None", _eye, "create"),
    "numpy.identity": Fn("n:int, dtype:any=None", lambda n, **_: (n, n), "create"),
    "numpy.arange": Fn("start:int, stop:int=None, step:int=None, dtype:any=None", _arange, "arange"),
    "numpy.linspace": Fn("start:any, stop:any, num:int=50", _linspace, "create"),
    "numpy.logspace": Fn("start:any, stop:any, num:int=50", _linspace, "create"),
    "numpy.copy": Fn("a:array", _same),
    "numpy.asarray": Fn("a:array, dtype:any=None", _same),
    "numpy.ascontiguousarray": Fn("a:array, dtype:any=None", _same),
    "numpy.asfortranarray": Fn("a:array, dtype:any=None", _same),
    "numpy.array": Fn("object:array, dtype:any=None", _same),
    # shape manipulation
    "numpy.reshape": Fn("a:array, shape:shape", _reshape, "reshape"),
    "numpy.ravel": Fn("a:array, order:any=None", _flat),
    "numpy.squeeze": Fn("a:array, axis:axis=None", _squeeze),
    "numpy.expand_dims": Fn("a:array, axis:axis", _expand),
    "numpy.transpose": Fn("a:array, axes:axis=None", _transpose, "transpose"),
    "numpy.swapaxes": Fn("a:array, axis1:int, axis2:int", _swap),
    "numpy.moveaxis": Fn("a:array, source:axis, destination:axis", _moveaxis),
    "numpy.atleast_2d": Fn("a:array", lambda a, **_: ops.atleast_2d(a)),
    "numpy.atleast_1d": Fn("a:array", lambda a, **_: ops.atleast_1d(a)),
    "numpy.concatenate": Fn("arrays:arrays, axis:axis=0", _concat, "join"),
    "numpy.stack": Fn("arrays:arrays, axis:int=0", _stack, "join"),
    "numpy.vstack": Fn("tup:arrays", _joiner(ops.vstack), "join"),
    "numpy.row_stack": Fn("tup:arrays", _joiner(ops.vstack), "join"),
    "numpy.hstack": Fn("tup:arrays", _joiner(ops.hstack), "join"),
    "numpy.column_stack": Fn("tup:arrays", _joiner(ops.column_stack), "join"),
    "numpy.repeat": Fn("a:array, repeats:int, axis:axis=None", _repeat),
    "numpy.sort": Fn("a:array, axis:axis=-1", _sort),
    "numpy.argsort": Fn("a:array, axis:axis=-1", _sort, dtype="int"),
    "numpy.diff": Fn("a:array, n:int=1, axis:int=-1", lambda a, n=1, axis=-1, **_: ops.diff(a, n, axis)),
    "numpy.tile": Fn("A:array, reps:shape", lambda A, reps, **_: ops.tile(A, reps)),
    "numpy.broadcast_to": Fn("array:array, shape:shape", lambda array, shape, **_: ops.broadcast_to(array, shape)),
    "numpy.pad": Fn("array:array, pad_width:widths, mode:any='constant', stat_length:any=None, constant_values:any=0, "
                    "end_values:any=0, reflect_type:any='even'", lambda array, pad_width, **_: ops.pad(array, pad_width)),
    "numpy.flip": Fn("m:array, axis:axis=None", lambda m, **_: m),
    "numpy.fliplr": Fn("m:array", lambda m, **_: m),
    "numpy.flipud": Fn("m:array", lambda m, **_: m),
    "numpy.roll": Fn("a:array, shift:any, axis:axis=None", lambda a, **_: a),
    "numpy.triu": Fn("m:array, k:any=0", lambda m, **_: m),
    "numpy.tril": Fn("m:array, k:any=0", lambda m, **_: m),
    # element-wise with several operands
    "numpy.where": Fn("condition:array, x:array=None, y:array=None", _where, "elementwise", ("condition", "x", "y")),
    "numpy.clip": Fn("a:array, a_min:array=(), a_max:array=()", _clip, "elementwise", ("a", "a_min", "a_max")),
    # linear algebra
    "numpy.linalg.inv": Fn("a:array", _matrix_square),
    "numpy.linalg.pinv": Fn("a:array", _transpose),
    "numpy.linalg.det": Fn("a:array", _det),
    "numpy.linalg.norm": Fn("x:array, ord:any=None, axis:axis=None, keepdims:bool=False", _norm, "reduce_norm"),
    "numpy.trace": Fn("a:array", lambda a, **_: () if a is not None and len(a) == 2 else None),
    "numpy.diag": Fn("v:array, k:any=0", _diag),
    "numpy.average": Fn("a:array, axis:axis=None, weights:any=None, returned:any=False, keepdims:bool=False", _average, "reduce"),
    # numpy.random (legacy)
    "numpy.random.randn": Fn("d:dims*", _shape_from_dims, "create"),
    "numpy.random.rand": Fn("d:dims*", _shape_from_dims, "create"),
    "numpy.random.random": Fn("size:shape=None", _size, "create"),
    "numpy.random.random_sample": Fn("size:shape=None", _size, "create"),
    "numpy.random.ranf": Fn("size:shape=None", _size, "create"),
    "numpy.random.sample": Fn("size:shape=None", _size, "create"),
    "numpy.random.standard_normal": Fn("size:shape=None", _size, "create"),
    "numpy.random.normal": Fn("loc:array=(), scale:array=(), size:shape=None", _size_or_broadcast("loc", "scale"), "create"),
    "numpy.random.uniform": Fn("low:array=(), high:array=(), size:shape=None", _size_or_broadcast("low", "high"), "create"),
    "numpy.random.randint": Fn("low:any, high:any=None, size:shape=None", _size, "create", dtype="int"),
    "numpy.random.binomial": Fn("n:array, p:array, size:shape=None", _size_or_broadcast("n", "p"), "create"),
    "numpy.random.permutation": Fn("x:any", lambda x, **_: None),
})

# Methods of numpy.random.Generator (from np.random.default_rng()).
RNG_METHODS: Dict[str, Fn] = {
    "standard_normal": Fn("size:shape=None", _size, "create"),
    "random": Fn("size:shape=None", _size, "create"),
    "normal": API["numpy.random.normal"],
    "uniform": API["numpy.random.uniform"],
    "integers": Fn("low:any, high:any=None, size:shape=None", _rng_integers, "create", dtype="int"),
    "binomial": API["numpy.random.binomial"],
}

# ndarray methods: the array itself is bound to the first parameter.
METHODS: Dict[str, Fn] = {name: API[f"numpy.{name}"] for name in (
    "sum", "mean", "prod", "max", "min", "ptp", "any", "all", "std", "var", "argmax", "argmin",
    "cumsum", "cumprod", "squeeze", "swapaxes", "repeat", "round", "clip", "dot")}
METHODS.update({
    "reshape": Fn("a:array, shape:dims*", _reshape, "reshape"),
    "transpose": Fn("a:array, axes:dims*", lambda a, axes=(), **_: ops.transpose(a, tuple(axes) or None), "transpose"),
    "ravel": Fn("a:array", _flat),
    "flatten": Fn("a:array", _flat),
    "copy": Fn("a:array", _same),
    "astype": Fn("a:array, dtype:any", _same),
    "sort": Fn("a:array", lambda a, **_: None),  # in place, returns None
    "argsort": Fn("a:array, axis:axis=-1", _sort, dtype="int"),
    "conj": Fn("a:array", _same),
    "conjugate": Fn("a:array", _same),
})

ALIASES = {
    "numpy.random.mtrand.randn": "numpy.random.randn",
    "numpy.core.multiply": "numpy.multiply",
    "numpy.asanyarray": "numpy.asarray",
}
for _a, _t in ALIASES.items():
    API[_a] = API[_t]

for _q, _fn in API.items():
    if not _fn.qualname:
        _fn.qualname = _q
for _q, _fn in METHODS.items():
    if not _fn.qualname:
        _fn.qualname = f"ndarray.{_q}"


def display_name(qualname: str) -> str:
    """``numpy.random.randn`` -> ``np.random.randn`` for messages."""
    if qualname.startswith("numpy."):
        return "np." + qualname[6:]
    return qualname
