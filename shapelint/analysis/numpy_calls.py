"""Calls into NumPy: the API table applied to abstract arguments, and the conversions it needs."""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from shapelint.algebra import api, ops
from shapelint.algebra.dims import (
    Dim,
    Shape,
    Sym,
    fresh,
    shape_size,
)
from shapelint.algebra.libraries import DATA, DataFn
from shapelint.algebra.ops import ShapeMismatch
from shapelint.analysis.contracts import runtime_check_call
from shapelint.analysis.datafiles import h5_shapes, mat_shapes, npy_shape, npz_shapes
from shapelint.analysis.env import Env
from shapelint.analysis.modules import file_digest
from shapelint.analysis.expressions import (
    elementwise_result,
    literal_shape,
    rank1_through_product,
    truth,
)
from shapelint.analysis.syntax import (
    SHAPE_LIKE,
    callee_name,
    has_object_elements,
    is_structured_dtype,
    is_transpose,
    string_value,
    walk,
)
from shapelint.analysis.values import (
    NONE,
    NUM,
    RNG,
    UNKNOWN,
    ArrayVal,
    DictVal,
    IntVal,
    Made,
    MethodVal,
    NumVal,
    ParamVal,
    QualVal,
    RNGVal,
    Rank1Origin,
    SeqVal,
    ShapeOfVal,
    StrVal,
    TupleVal,
    Val,
    any_failed,
    failed_array,
)
from shapelint.rules.events import ElementwiseEvent, MatmulEvent, ReduceEvent, TransposeEvent

_PLAIN_DTYPE_NAMES = frozenset(("float", "int", "bool", "complex", "str", "bytes", "object"))
_PLAIN_DTYPE_STRING = re.compile(r"[<>=|]?[A-Za-z]+[0-9]*(\[\w+\])?")


def _is_plain_dtype(value: Val, node: cst.BaseExpression, env: Env) -> bool:
    """``float``, ``np.float64``, ``"f8"``: elements that are scalars, so the tuples of a literal are a dimension."""
    if isinstance(node, cst.Name) and node.value in _PLAIN_DTYPE_NAMES and env.get(node.value) is None:
        return True
    if isinstance(value, QualVal):
        return value.qualname.startswith("numpy.") and value.qualname != "numpy.dtype"
    if isinstance(node, cst.SimpleString):
        text = value.text() if isinstance(value, StrVal) else None
        return text is not None and _PLAIN_DTYPE_STRING.fullmatch(text) is not None
    return value is NONE


def _has_tuple_level(v: Val) -> bool:
    """Does a literal hold a tuple (not a list) among its nested levels?"""
    if isinstance(v, TupleVal):
        return not v.is_list or any(_has_tuple_level(x) for x in v.items)
    return False


_SEQUENCE_ANNOTATIONS = frozenset(("tuple", "Tuple", "list", "List", "Sequence", "Iterable", "Collection"))

# NumPy keywords that never change a result's shape, whichever function takes them (a subarray
# dtype= would, but the functions that create arrays from a shape list dtype= in the table)
_SHAPE_NEUTRAL_KEYWORDS = frozenset(("out", "order", "casting", "copy", "subok", "like", "dtype", "where"))


def pad_widths(v: Val, depth: int = 0) -> Any:
    """``np.pad``'s ``((0, 0), (pad, pad))``: the same nesting, with a size for each leaf.  A
    leaf must be an int or, inside a tuple, a parameter's own name (``pad``: a width of unknown
    value); any other value, an element of one (``pads[0]``) too, might be a pair itself, and
    then the nesting is unknown.  Deeper than NumPy ever takes: unknown."""
    if isinstance(v, IntVal):
        return v.dim
    if depth and isinstance(v, ParamVal) and v.name.isidentifier():
        return None
    if not isinstance(v, TupleVal) or depth > 2:
        return api.UNKNOWN
    out = []
    for item in v.items:
        width = pad_widths(item, depth + 1)
        if width is api.UNKNOWN:
            return api.UNKNOWN
        out.append(width)
    return tuple(out)


# The analyzer's hooks for calls that need more than a shape rule of the NumPy table
# (``algebra/api.py``): qualified name -> the method, given (node, qualname, env), that returns
# the call's value, or None to leave the call to the table.  With the table, the one place a
# qualified name is looked up (``NumpyCallsMixin.call_qualified``).
CALL_HOOKS: Dict[str, Callable[..., Optional[Val]]] = {}


def call_hook(*qualnames: str) -> Callable[[Callable[..., Optional[Val]]], Callable[..., Optional[Val]]]:
    """Register the decorated method as the hook of these qualified names."""
    def register(method: Callable[..., Optional[Val]]) -> Callable[..., Optional[Val]]:
        for name in qualnames:
            assert name not in CALL_HOOKS, f"two hooks for {name}"
            CALL_HOOKS[name] = method
        return method
    return register


class NumpyCallsMixin:
    def call_qualified(self, node: cst.Call, qualname: str, env: Env) -> Val:
        data = DATA.get(qualname)
        if data is not None:
            return self.call_data_generator(node, data, env)
        hook = CALL_HOOKS.get(qualname)
        if hook is not None:
            handled = hook(self, node, qualname, env)
            if handled is not None:
                return handled
        if not qualname.startswith("numpy"):
            if qualname.startswith("shapelint."):
                for arg in node.args:
                    self.eval(arg.value, env)
                return runtime_check_call(self, node, qualname, env)
            for arg in node.args:
                self.eval(arg.value, env)
            return UNKNOWN
        fn = api.API.get(qualname)
        if fn is None:
            for arg in node.args:
                self.eval(arg.value, env)
            if qualname.startswith("numpy.random.") or qualname.startswith("numpy.linalg."):
                return ArrayVal(None)
            return UNKNOWN
        return self.apply_fn(node, fn, None, env, api.display_name(qualname))

    # -- the analyzer's hooks: calls that need more than the table's shape rule --------------

    @call_hook("scipy.io.loadmat", "scipy.io.matlab.loadmat")
    def call_loadmat_hook(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        return self.call_loadmat(node, env)

    @call_hook("h5py.File", "h5py._hl.files.File")
    def call_h5_file_hook(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        return self.call_h5_file(node, env)

    @call_hook("numpy.load")
    def call_np_load_hook(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        return self.call_np_load(node, env)

    @call_hook("numpy.matrix", "numpy.asmatrix", "numpy.mat", "numpy.matlib.matrix")
    def call_np_matrix(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        """A matrix: 2-D (at least), and `*` is its product (SL203 says so where `*` meets it)."""
        vals = [self.eval(a.value, env) for a in node.args]
        shape = None
        if vals:
            arr = self.array_arg(vals[0], node.args[0].value, env)
            if arr is not None and arr.shape is not None:
                shape = ops.atleast_2d(arr.shape)
        return ArrayVal(shape, matrix=True)

    @call_hook("numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator")
    def call_rng(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        """A random generator, whose methods are the table's ``numpy.random`` functions."""
        for arg in node.args:
            self.eval(arg.value, env)
        return RNG

    @call_hook("numpy.array", "numpy.asarray", "numpy.asanyarray")
    def call_array_hook(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        """An array from a literal, a list built in a loop, another array (the table's rule otherwise)."""
        if node.args and node.args[0].keyword is None:
            return self.call_array_ctor(node, env)
        return None

    @call_hook("numpy.einsum")
    def call_einsum(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        """``np.einsum("ij,jk->ik", a, b)``: the subscripts are text the table's rules cannot take."""
        if not node.args or any(a.star or a.keyword for a in node.args):
            return None
        vals = [self.eval(a.value, env) for a in node.args]
        first = vals[0]
        if not (isinstance(first, StrVal) and len(first.parts) >= 1
                and isinstance(node.args[0].value, cst.SimpleString)):
            return ArrayVal(None)
        subscripts = string_value(node.args[0].value)
        if subscripts is None:
            return ArrayVal(None)
        arrays = [self.array_arg(v, a.value, env) for v, a in zip(vals[1:], node.args[1:])]
        try:
            shape = ops.einsum(subscripts, [a.shape for a in arrays])
        except ShapeMismatch as err:
            self.mismatch(node, err, op="np.einsum", func="np.einsum", operands=arrays,
                          operand_nodes=[a.value for a in node.args[1:]])
            return ArrayVal(None)
        return ArrayVal(shape)

    @call_hook("numpy.shape")
    def call_np_shape(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        """``np.shape(a)``: a tuple of sizes, not an array."""
        if not node.args:
            return None
        v = self.eval(node.args[0].value, env)
        arr = self.array_arg(v, node.args[0].value, env)
        if arr is not None and arr.shape is not None:
            return TupleVal(tuple(IntVal(d) for d in arr.shape))
        return UNKNOWN

    @call_hook("numpy.size", "numpy.ndim")
    def call_np_size(self, node: cst.Call, qualname: str, env: Env) -> Optional[Val]:
        """``np.size(a)``, ``np.ndim(a)``: a size, not an array."""
        if len(node.args) != 1:
            return None
        v = self.eval(node.args[0].value, env)
        arr = self.array_arg(v, node.args[0].value, env)
        if arr is None or arr.shape is None:
            return IntVal(None)
        return IntVal(shape_size(arr.shape) if qualname == "numpy.size" else len(arr.shape))

    def call_data_generator(self, node: cst.Call, data: DataFn, env: Env) -> Val:
        """``sklearn.datasets.make_moons(n_samples=300)``: the arrays a data-set generator returns."""
        positional: List[Dim] = []
        keywords: Dict[str, Dim] = {}
        for arg in node.args:
            v = self.eval(arg.value, env)
            if arg.star:
                return UNKNOWN
            dim = v.dim if isinstance(v, IntVal) else None
            if arg.keyword is None:
                positional.append(dim)
            else:
                keywords[arg.keyword.value] = dim
        shapes = data.shapes(positional, keywords)
        if shapes is None or any(d is None for s in shapes if s is not None for d in s):
            return UNKNOWN
        return TupleVal(tuple(ArrayVal(s) if s is not None else UNKNOWN for s in shapes))

    def call_loadmat(self, node: cst.Call, env: Env) -> Val:
        """``scipy.io.loadmat('datasets/data.mat')``: the arrays the project's file holds, from its header."""
        path, values = self.data_file_argument(node, env, ".mat")
        squeeze = False
        for arg, _ in values[1:]:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword == "squeeze_me":
                flag = arg.value.value if isinstance(arg.value, cst.Name) else None
                if flag not in ("True", "False"):
                    return UNKNOWN
                squeeze = flag == "True"
            elif keyword in ("mdict", "variable_names") or keyword is None or arg.star:
                return UNKNOWN
        shapes = mat_shapes(path) if path is not None else None
        if squeeze and shapes is not None:
            shapes = {var: tuple(d for d in shape if d != 1) for var, shape in shapes.items()}
        # loadmat also adds __header__, __version__, __globals__: not a complete dict
        return self.data_file_arrays(path, shapes, complete=False)

    def call_h5_file(self, node: cst.Call, env: Env) -> Val:
        """``h5py.File('datasets/train_catvnoncat.h5', "r")``: its root datasets, from the file's headers
        (``np.array(f["train_set_x"][:])`` has the dataset's shape)."""
        path, _ = self.data_file_argument(node, env, "")
        return self.data_file_arrays(path, h5_shapes(path) if path is not None else None, complete=False)

    def call_np_load(self, node: cst.Call, env: Env) -> Val:
        """``np.load('datasets/catvnoncat.npz')``: its arrays (``.npy``: the array), from the headers."""
        path, _ = self.data_file_argument(node, env, "", file_keyword="file")
        if path is None or path.endswith(".npz"):
            return self.data_file_arrays(path, npz_shapes(path) if path is not None else None, complete=True)
        shape = npy_shape(path)
        if shape is None:
            return UNKNOWN
        self.result.dependencies[path] = file_digest(path) or ""
        return self.read_from(ArrayVal(shape), path)

    def data_file_argument(self, node: cst.Call, env: Env, suffix: str, file_keyword: Optional[str] = None):
        """The data file a call's first argument names (None if it names none we can find), and
        every argument with its value."""
        values = [(arg, self.eval(arg.value, env)) for arg in node.args]
        if not values or values[0][0].star or (values[0][0].keyword is not None
                                               and values[0][0].keyword.value != file_keyword):
            return None, values
        name = values[0][1].text() if isinstance(values[0][1], StrVal) else None
        return (self.data_file(name, suffix) if name else None), values

    def data_file_arrays(self, path: Optional[str], shapes: Optional[Dict[str, Tuple[int, ...]]],
                         complete: bool) -> Val:
        """The arrays of a data file, by name; the result depends on the file (for the cache)."""
        if path is None or shapes is None:
            return UNKNOWN
        self.result.dependencies[path] = file_digest(path) or ""
        return DictVal({(var,): self.read_from(ArrayVal(shape), path) for var, shape in shapes.items()},
                       complete=complete)

    def read_from(self, arr: ArrayVal, path: str) -> ArrayVal:
        """An array whose shape a data file's header gave (said on hover)."""
        here = os.path.dirname(os.path.abspath(self.main.path))
        shown = os.path.relpath(path, here) if os.path.isabs(path) else path
        arr.source = f"the data file `{shown.replace(os.sep, '/')}`"
        return arr

    def data_file(self, name: str, suffix: str) -> Optional[str]:
        """A data file a relative path names: from the folder of the code that runs (a notebook runs
        in its own folder), then of the module that makes the call."""
        names = [name] if name.endswith(suffix) else [name, name + suffix]
        folders = []
        for owner in (self.main.path, self.mod.path):
            if not owner.startswith("<"):
                folder = os.path.dirname(os.path.abspath(owner))
                if folder not in folders:
                    folders.append(folder)
        for folder in folders:
            for candidate in names:
                path = os.path.normpath(os.path.join(folder, candidate))
                if os.path.isfile(path):
                    return path
        return None

    def call_array_ctor(self, node: cst.Call, env: Env) -> Val:
        v = self.eval(node.args[0].value, env)
        dtype_arg: Optional[Tuple[Val, cst.BaseExpression]] = None
        for k, a in enumerate(node.args[1:]):
            dv = self.eval(a.value, env)
            if (a.keyword is None and k == 0) or (a.keyword is not None and a.keyword.value == "dtype"):
                dtype_arg = (dv, a.value)
        ndmin = 0
        for a in node.args[1:]:
            if a.keyword is not None and a.keyword.value == "ndmin":
                nv = self.eval(a.value, env)
                ndmin = nv.dim if isinstance(nv, IntVal) and isinstance(nv.dim, int) else -1
        arr = self.array_arg(v, node.args[0].value, env)
        if arr is None:
            return ArrayVal(None)
        shape = arr.shape
        dtype = arr.dtype
        if dtype_arg is not None and has_object_elements(dtype_arg[1]):
            dtype = "object"
            if is_structured_dtype(dtype_arg[1]) and isinstance(v, TupleVal):
                shape = literal_shape(v, records=True)  # np.array([(1, 2), (3, 4)], dtype="i,i") is (2,)
        elif dtype_arg is not None and not _is_plain_dtype(*dtype_arg, env) and _has_tuple_level(v):
            shape = None  # a dtype we cannot read: its tuples may be records or a dimension
        if ndmin == -1:
            shape = None
        elif shape is not None and len(shape) < ndmin:
            shape = (1,) * (ndmin - len(shape)) + tuple(shape)
        # np.array([1, 2, 3]) is 1-D on purpose: no rank-1 origin for literals;
        # np.array([[3], [11]]) is a column on purpose: it is meant to broadcast
        explicit = arr.explicit_axes or (isinstance(v, TupleVal) and shape is not None and 1 in shape)
        result = ArrayVal(shape, None, dtype, explicit_axes=explicit)
        if shape == arr.shape:
            result.source = arr.source  # np.array(f["train_set_x"][:]): the data file's shape
        return result

    def array_arg(self, v: Val, node: Optional[cst.CSTNode], env: Env) -> Optional[ArrayVal]:
        if isinstance(v, ArrayVal):
            return v
        if isinstance(v, (IntVal, NumVal)):
            return ArrayVal(())
        if isinstance(v, TupleVal):
            shape = literal_shape(v)
            return ArrayVal(shape)
        if isinstance(v, SeqVal) and v.is_list and v.length is not None:
            # `[int(a > 0) for a in X[0]]`: as many items as X[0], each alike; only items whose
            # shape is known in full (ragged items would make an object array of another rank)
            item = literal_shape(v.elem)
            if item is not None and all(d is not None for d in item):
                return ArrayVal((v.length,) + tuple(item))
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
                vals = [self.eval(arg.value, env) for arg in node.args]
                positional = [(v, arg.value) for v, arg in zip(vals, node.args) if arg.keyword is None]
                if method.name == "resize" and positional and not any(arg.star for arg in node.args):
                    # x.resize((m, n)) or x.resize(m, n): x itself takes the new shape
                    shape, shape_node = positional[0] if len(positional) == 1 else (
                        TupleVal(tuple(v for v, _ in positional)), None)
                    self.reshape_in_place(method.owner_node, shape, shape_node, env, False)
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
                    return self.matmul_op(node, "np.dot", owner, other, method.owner_node, node.args[0].value, env)
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
        unlisted = False  # an argument the table does not know may change the shape (np.matmul's axes=)
        for arg in node.args:
            v = self.eval(arg.value, env)
            if arg.star:
                return ArrayVal(None) if fn.returns == "array" else UNKNOWN
            if arg.keyword is not None:
                raw[arg.keyword.value] = (v, arg.value)
                unlisted = unlisted or (arg.keyword.value not in _SHAPE_NEUTRAL_KEYWORDS
                                        and all(p.name != arg.keyword.value for p in params))
                continue
            if i < len(params) and params[i].kind == "dims*":
                varargs.append((v, arg.value))
                continue
            if i < len(params):
                raw[params[i].name] = (v, arg.value)
                i += 1
            else:
                unlisted = True
        if unlisted:
            return ArrayVal(None) if fn.returns == "array" else UNKNOWN
        if varargs:
            name = params[i].name
            if len(varargs) == 1 and not isinstance(varargs[0][0], IntVal):  # x.reshape(a_shape): maybe a whole shape
                raw[name] = varargs[0]
                kinds = {name: "shape"}
            else:
                raw[name] = (TupleVal(tuple(v for v, _ in varargs)), None)
                kinds = {name: "shape"}
        else:
            kinds = {}
        converted: Dict[str, Any] = {}
        arrays: Dict[str, ArrayVal] = {}
        guessed_rank = False
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
                if arr is not None and arr.tentative and (fn.event == "reshape" or fn.rule is api._flat):
                    # a guessed rank says nothing of the total size: reshape(n, -1) has an unknown -1
                    arrays[p.name] = arr
                    converted[p.name] = None
                    continue
                if fn.event == "matmul" and p.name in ("a", "b") and (arr is None or arr.shape is None):
                    arr = self.as_matrix_operand(vnode, v, env) or arr  # np.dot(W, A): A is a matrix
                arrays[p.name] = arr
                converted[p.name] = arr.shape if arr is not None else None
            elif kind == "arrays":
                converted[p.name] = self.arrays_arg(v)
                if isinstance(v, TupleVal) and any(isinstance(x, ArrayVal) and x.tentative for x in v.items):
                    guessed_rank = True  # a sequence of arrays, one of a rank we only guessed
            elif kind == "shape":
                if v is NONE:
                    converted[p.name] = None
                    continue
                st = self.to_shape_tuple(v, env, vnode)
                converted[p.name] = st if st is not None else api.UNKNOWN
            elif kind == "widths":
                converted[p.name] = pad_widths(v)
            elif kind == "axis":
                converted[p.name] = self.to_axis(v)
            elif kind == "int":
                if v is NONE:
                    converted[p.name] = None
                    continue
                d = self.to_dim(v, vnode, env)
                converted[p.name] = api.UNKNOWN if d is None else d
            elif kind == "bool":
                converted[p.name] = truth(v)
            else:
                converted[p.name] = v
        if any_failed(arrays.values()) or any(any_failed(v.items) for v, _ in raw.values() if isinstance(v, TupleVal)):
            return failed_array()  # computed from a value whose operation already failed: said there
        try:
            shape = fn.apply(converted)
        except ShapeMismatch as err:
            operands = [arrays[n] for n in fn.operands if n in arrays] or list(arrays.values())
            self.mismatch(node, err, op=display, func=display, operands=operands,
                          operand_nodes=[raw[n][1] for n in fn.operands if n in raw] or [raw[n][1] for n in arrays],
                          call=node, fn=fn, tentative=guessed_rank)
            return failed_array()
        except (TypeError, ValueError, IndexError, ZeroDivisionError):
            # an argument of a kind the rule cannot use (a float where an int
            # belongs): NumPy will complain in its own way; not our business
            return ArrayVal(None)
        if arrays:
            self.ran_on_known_sizes(node, [a.shape if a is not None else None for a in arrays.values()])
        if fn.event == "matmul" and "a" in arrays and "b" in arrays and fn.qualname in ("numpy.dot", "numpy.matmul"):
            shape = self.unify_product(arrays["a"].shape, arrays["b"].shape, shape, env, node,
                                       raw["a"][1] if "a" in raw else None, raw["b"][1] if "b" in raw else None)
        result = self.after_call(node, fn, display, shape, converted, arrays, raw)
        if isinstance(result, ArrayVal) and (guessed_rank or any(a.tentative for a in arrays.values() if a is not None)):
            result.tentative = True
        return result

    def after_call(self, node: cst.Call, fn: api.Fn, display: str, shape: Shape, converted: Dict[str, Any],
                   arrays: Dict[str, ArrayVal], raw: Dict[str, Tuple[Val, Optional[cst.CSTNode]]]) -> Val:
        event = fn.event
        origin = None
        dtype = fn.dtype
        dtype_arg = raw.get("dtype")
        if dtype_arg is not None and dtype_arg[1] is not None and has_object_elements(dtype_arg[1]):
            dtype = "object"
        if event == "elementwise":
            operands = [arrays[n] for n in fn.operands if n in arrays]
            nodes = [raw[n][1] for n in fn.operands if n in arrays]
            if len(operands) >= 2:
                if ElementwiseEvent in self.handlers:
                    self.emit(ElementwiseEvent(node, op=display, func=display, operands=operands,
                                               operand_nodes=nodes, result=shape))
            return elementwise_result(shape, operands, dtype)
        if event == "matmul":
            a, b = arrays.get("a"), arrays.get("b")
            if a is not None and b is not None:
                if MatmulEvent in self.handlers:
                    self.emit(MatmulEvent(node, func=display, operands=[a, b],
                                          operand_nodes=[raw["a"][1], raw["b"][1]], result=shape))
                dot_scalar = self.vector_dot(node, a, b)
                return ArrayVal(shape, rank1_through_product(a, b, shape), dot_scalar=dot_scalar)
            return ArrayVal(shape)
        if event == "transpose":
            a = arrays.get("a")
            if a is not None and converted.get("axes") in (None, ()):
                if TransposeEvent in self.handlers:
                    self.emit(TransposeEvent(node, value=a, operand_node=raw["a"][1],
                                             operand_is_transpose=is_transpose(raw["a"][1])))
            return ArrayVal(shape, a.origin if a is not None and shape is not None and len(shape) == 1 else None)
        if event == "create":
            if shape is not None and len(shape) == 1 and fn.qualname not in ("numpy.linspace", "numpy.logspace"):
                origin = Rank1Origin(node, "created", self.rank1_fix(node, fn, shape),
                                     row_fix=self.rank1_fix(node, fn, shape, row=True))
                self.remember_stmt(node)
            made = None
            if shape is not None and len(shape) == 2:
                made = self.made_from(node, fn, raw)
            return ArrayVal(shape, origin, dtype, made=made)
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
            if ReduceEvent in self.handlers:
                self.emit(ReduceEvent(node, func=display, value=a, axis=axis, keepdims=keepdims, result=shape))
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
        made = None
        if (event == "reshape" and a is not None and a.shape is not None and len(a.shape) >= 3
                and shape is not None and len(shape) == 2 and self.handlers):
            made = Made(node, f"{self.module.code_for_node(node).strip()}.T", "flatten")  # a missing `.T` goes here
            self.remember_stmt(node)
        elif fn.rule is api._same and a is not None and a.shape is not None and a.shape == shape:
            made = a.made  # `mask.astype(int)`, `np.copy(X)`: still the array made there
        return ArrayVal(shape, a.origin if keep_origin else None, dtype or (a.dtype if a is not None and fn.event != "join" else None),
                        a.matrix if a is not None else False, explicit, made=made)

    def rank1_fix(self, node: cst.Call, fn: api.Fn, shape: Tuple[Dim, ...], row: bool = False) -> str:
        """The call made 2-D: a column ``np.zeros((n, 1))``, or a row ``np.zeros((1, n))``, as the
        whole text of the call (it becomes a fix's edit); "" when the size is not given in a way
        that text can change (not the shape parameter, a starred argument, a tuple of sizes)."""
        if not self.handlers or not fn.params or any(a.star for a in node.args):
            return ""
        text = self.module.code_for_node

        def two_d(size: str) -> str:
            size = size.strip()
            if size.startswith("(") and size.endswith(")"):
                size = size[1:-1].strip().rstrip(",").strip()
            if not size or "," in size or "\n" in size:
                return ""
            return f"(1, {size})" if row else f"({size}, 1)"

        parts = []
        found = False
        for k, arg in enumerate(node.args):
            value = text(arg.value)
            if arg.keyword is None and k == 0 and fn.params[0].kind == "dims*":
                if len(node.args) != 1:
                    return ""
                new, found = (f"1, {value}" if row else f"{value}, 1"), True
            elif (arg.keyword is None and k == 0 and fn.params[0].kind == "shape") or (
                    arg.keyword is not None and arg.keyword.value in ("shape", "size")):
                new = two_d(value)
                if not new:
                    return ""
                found = True
                if arg.keyword is not None:
                    new = f"{arg.keyword.value}={new}"
            else:
                new = value if arg.keyword is None else f"{arg.keyword.value}={value}"
            parts.append(new)
        if not found:
            return ""
        return f"{text(node.func)}({', '.join(parts)})"

    def made_from(self, node: cst.Call, fn: api.Fn, raw: Dict[str, Tuple[Val, Optional[cst.CSTNode]]]) -> Optional[Made]:
        """How a 2-D creation could be the other way round (see ``Made``): its one size read from
        an axis of a 2-D array, in this function, read from the other; else its two sizes swapped,
        "mirrored" when both were read from arrays' shapes (``np.random.rand(A1.shape[1],
        A1.shape[0])``)."""
        given = raw.get(fn.params[0].name) if fn.params else None
        sizes = given[0].items if given is not None and isinstance(given[0], TupleVal) else ()
        function = self.running_function()
        # (a size read in another function, `n_x = X.shape[0]` returned by `layer_sizes(X)`, was
        # read for what that function is about, not for this array)
        reads = [(k, v.read) for k, v in enumerate(sizes)
                 if isinstance(v, IntVal) and v.read is not None and v.read.function is function]
        if len(sizes) == 2 and len(reads) == 1:
            position, read = reads[0]
            return Made(read.node, read.other_text, "read", position, read.other_size)
        swapped = self.swapped_sizes(node, fn)
        if swapped:
            self.remember_stmt(node)
            return Made(node, swapped, "mirrored" if len(reads) == len(sizes) == 2 else "created")
        return None

    def swapped_sizes(self, node: cst.Call, fn: api.Fn) -> str:
        """A 2-D creation with its two sizes the other way round (``np.random.rand(b, a)``,
        ``np.zeros((b, a))``), as the whole text of the call; "" when the sizes are not two plain
        arguments or a two-item tuple."""
        if not self.handlers or not fn.params or not node.args or any(a.star for a in node.args):
            return ""
        text = self.module.code_for_node
        positional = [a for a in node.args if a.keyword is None]
        if fn.params[0].kind == "dims*" and len(positional) == 2 == len(node.args):
            return f"{text(node.func)}({text(positional[1].value).strip()}, {text(positional[0].value).strip()})"
        first = node.args[0]
        if fn.params[0].kind == "shape" and first.keyword is None and isinstance(first.value, cst.Tuple) \
                and len(first.value.elements) == 2 and not any(isinstance(e, cst.StarredElement) for e in first.value.elements):
            a, b = (text(e.value).strip() for e in first.value.elements)
            rest = "".join(", " + text(arg).strip().rstrip(",").strip() for arg in node.args[1:])
            return f"{text(node.func)}(({b}, {a}){rest})"
        return ""

    def arrays_arg(self, v: Val) -> Optional[List[Shape]]:
        if isinstance(v, TupleVal):
            out = []
            for item in v.items:
                arr = self.as_array(item) if not isinstance(item, TupleVal) else ArrayVal(literal_shape(item))
                out.append(arr.shape if arr is not None else None)
            return out
        return None

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
                s in v.name.lower() for s in SHAPE_LIKE) and not self.holds_a_sequence(v.name)):
            # `n_h`, or an element `layer_dims[l]` of a list of sizes
            return (self.to_dim(v, node, env),)
        return None

    def holds_a_sequence(self, name: str) -> bool:
        """Is ``name`` a parameter of the function being analyzed that is annotated as a sequence
        (``tuple[int, ...]``) or used as one (``len(p)``, ``np.prod(p)``)?  Alone where a shape
        goes, such a parameter is the whole shape, not one size."""
        func = self.running_definition()
        if func is None:
            return False
        params = func.params
        param = next((p for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
                      if p.name.value == name), None)
        if param is None:
            return False
        if param.annotation is not None:
            ann = param.annotation.annotation
            base = ann.value if isinstance(ann, cst.Subscript) else ann
            if callee_name(base) in _SEQUENCE_ANNOTATIONS:
                return True
        return any(isinstance(n, cst.Call) and callee_name(n.func) in ("len", "prod") and n.args
                   and isinstance(n.args[0].value, cst.Name) and n.args[0].value.value == name
                   for n in walk(func.body))

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

