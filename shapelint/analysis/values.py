"""The abstract values that the inference pass tracks for each name."""

from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Optional, Tuple

from shapelint.algebra.dims import Dim, Shape, dims_equal


class Val:
    __slots__ = ()


class UnknownVal(Val):
    __slots__ = ()

    def __repr__(self) -> str:
        return "Unknown"


UNKNOWN = UnknownVal()


class NoneVal(Val):
    __slots__ = ()


NONE = NoneVal()


class ParamVal(Val):
    """A function parameter we know nothing about.

    Used where an int is required (``np.zeros((n, 1))``) it is the declared
    size ``n``: that is how int-valued parameters become symbolic dims.
    """

    __slots__ = ("name", "declared", "parts")

    def __init__(self, name: str, declared: bool = True):
        self.name = name
        # False when the function's docstring names its sizes and not this one:
        # then `dim` is not claimed to differ from the docstring's `n`
        self.declared = declared
        # the names it was unpacked into (`A_prev, W, b = cache`), for the function's summary
        self.parts: Optional[List[str]] = None


class Rank1Origin:
    """Where a rank-1 array came from, for the SL201/SL207 messages."""

    __slots__ = ("node", "kind", "fix", "source", "axes", "row_fix")

    def __init__(self, node: Any, kind: str, fix: str, source: Optional["ArrayVal"] = None,
                 axes: Tuple[int, ...] = (), row_fix: str = ""):
        self.node = node
        self.kind = kind  # "created" | "reduction" | "index"
        self.fix = fix  # the text that makes it a column (for "created" and "index"); "" when none
        self.row_fix = row_fix  # the text that makes it a row (for "created")
        self.source = source  # for reductions: the array that was reduced
        self.axes = axes  # for reductions: the normalized reduced axes


class Made:
    """Where a 2-D array got its layout: a flatten ``X.reshape(X.shape[0], -1)`` or a creation
    ``np.random.rand(a, b)``, and the text that makes it the other way round there
    (``X.reshape(X.shape[0], -1).T``, ``np.random.rand(b, a)``).

    Or where one of its sizes was read from the wrong axis of another array (kind "read"):
    ``node`` is the read ``X.shape[0]`` (of ``m = X.shape[0]``; then ``np.zeros((1, m))``),
    ``transposed`` the other read (``X.shape[1]``), ``position`` the axis of the made array
    that has that size, and ``size`` the size the other read gives."""

    __slots__ = ("node", "transposed", "kind", "position", "size")

    def __init__(self, node: Any, transposed: str, kind: str, position: int = -1, size: Any = None):
        self.node = node
        self.transposed = transposed
        # "flatten" | "created" | "mirrored" (created with the sizes of another array read the
        # other way round: ``np.random.rand(A1.shape[1], A1.shape[0])``) | "read"
        self.kind = kind
        self.position = position
        self.size = size

    @property
    def blames_a_read(self) -> bool:
        """Made from sizes read off an array's shape ("read", "mirrored"): the read is the line to
        change, where the other read gives the other operand's shape element-wise."""
        return self.kind in ("read", "mirrored")

    @property
    def needs_a_checked_fix(self) -> bool:
        """Created with two sizes (``np.random.randn(a, b)``): a weight made right fails the same
        way where a ``.T`` is missing, so it is the cause only where its fix passes the check
        (see ``ReportingMixin.at_the_made_array``)."""
        return self.kind == "created"

    @property
    def fix(self) -> str:
        """The text that makes it the other way round where it was made (as ``Rank1Origin.fix``)."""
        return self.transposed


class SizeRead:
    """``X.shape[k]`` of a 2-D ``X``: the read's node, the text of the read of the other axis
    (``X.shape[1]`` for ``X.shape[0]``), the size that one gives, and the function it is read
    in (None at a module's top level)."""

    __slots__ = ("node", "other_text", "other_size", "function")

    def __init__(self, node: Any, other_text: str, other_size: Any, function: Any):
        self.node = node
        self.other_text = other_text
        self.other_size = other_size
        self.function = function


class ArrayVal(Val):
    __slots__ = ("shape", "origin", "dtype", "matrix", "explicit_axes", "dot_scalar", "declared", "tentative",
                 "test_data", "made", "failed", "source")

    def __init__(self, shape: Shape, origin: Optional[Rank1Origin] = None, dtype: Optional[str] = None,
                 matrix: bool = False, explicit_axes: bool = False, dot_scalar: Any = None,
                 declared: Optional[str] = None, tentative: bool = False, made: Optional["Made"] = None):
        self.shape = shape
        self.origin = origin  # set only while the array is rank-1 and we know why
        self.dtype = dtype  # "bool" for masks; None otherwise
        self.matrix = matrix  # np.matrix: `*` is a matrix product
        self.explicit_axes = explicit_axes  # made with x[:, None]: an outer broadcast is intended
        self.dot_scalar = dot_scalar  # the np.dot node of two rank-1 arrays that made this scalar
        self.declared = declared  # the declared shape text (docstring/annotation/assert), if any
        # the rank is the one the code's use suggests (np.dot(W, X) with X unknown: 2-D), not proven
        self.tentative = tentative
        # made by the course's own test-case code (see testdata), passed on unchanged
        self.test_data = False
        # where this 2-D array was made the way it is, while only scalars have touched it since
        # (`X / 255.`, `mask < keep_prob`): where a fix that transposes it belongs
        self.made = made
        # what an operation that fails (an error reported on its line) gives: no shape, and nothing
        # computed from it is reported again (one bug, one finding; see failed_array)
        self.failed = False
        # where its shape was read, for the editor's hover: "the data file `data.npz`", or the assert
        # (its node) that pinned sizes the code left unknown; None: worked out by the code
        self.source: Any = None

    def with_shape(self, shape: Shape, tentative: Optional[bool] = None) -> "ArrayVal":
        """The same array with sizes an assert pinned (everything else carried over)."""
        copy = ArrayVal(shape, self.origin, self.dtype, self.matrix, self.explicit_axes, self.dot_scalar,
                        self.declared, self.tentative if tentative is None else tentative, self.made)
        copy.test_data = self.test_data
        copy.source = self.source
        return copy

    def __repr__(self) -> str:
        return f"Array{self.shape}"


def failed_array() -> ArrayVal:
    """The value of an operation that raises: an array of unknown shape that says nothing more.

    Where a later operation meets it, that operation's result is one too, with no finding and no
    size made up for it (an operand of unknown rank beside a matrix is otherwise taken to broadcast
    into it, which would give a failed ``np.dot(W, X) + b`` the shape of ``b``)."""
    arr = ArrayVal(None)
    arr.failed = True
    return arr


def any_failed(values: Any) -> bool:
    return any(isinstance(v, ArrayVal) and v.failed for v in values)


class IntVal(Val):
    """A Python int (or NumPy integer scalar): its value is a Dim.  ``read``: for a size read
    from one axis of a 2-D array (``X.shape[0]``), that read and the other axis's (see ``Made``)."""

    __slots__ = ("dim", "read")

    def __init__(self, dim: Dim, read: Optional["SizeRead"] = None):
        self.dim = dim
        self.read = read

    def __repr__(self) -> str:
        return f"Int({self.dim})"


class NumVal(Val):
    """A Python float, bool or complex scalar."""

    __slots__ = ()


NUM = NumVal()


class StrVal(Val):
    """A string, possibly built as ``"W" + str(l)``: parts are str or Dim."""

    __slots__ = ("parts",)

    def __init__(self, parts: Tuple[Any, ...]):
        self.parts = parts

    def key(self) -> Optional[Tuple[Any, ...]]:
        return self.parts

    def text(self) -> Optional[str]:
        """The string itself, when every part is known."""
        if all(isinstance(p, (str, int)) for p in self.parts):
            return "".join(str(p) for p in self.parts)
        return None


class TupleVal(Val):
    __slots__ = ("items", "is_list")

    def __init__(self, items: Tuple[Val, ...], is_list: bool = False):
        self.items = items
        self.is_list = is_list


class SeqVal(Val):
    """A list (or tuple) of unknown length whose items are all like ``elem``.

    What a list built by ``append`` in a loop, or a comprehension over an
    iterable of unknown length, becomes: ``caches[l]`` and ``for c in caches``
    give ``elem``, ``len(caches)`` gives ``length`` (None when unknown).
    """

    __slots__ = ("elem", "length", "is_list")

    def __init__(self, elem: Val, length: Any = None, is_list: bool = True):
        self.elem = elem
        self.length = length
        self.is_list = is_list


class RangeVal(Val):
    """range(...): ``values`` when the bounds are known ints (for unrolling short loops),
    else maybe its ``length`` as a size (``range(L)`` has L items)."""

    __slots__ = ("values", "length")

    def __init__(self, values: Optional[range] = None, length: Dim = None):
        self.values = values
        self.length = len(values) if values is not None else length


class ZipVal(Val):
    __slots__ = ("parts",)

    def __init__(self, parts: Tuple[Val, ...]):
        self.parts = parts


class EnumerateVal(Val):
    __slots__ = ("inner", "start")

    def __init__(self, inner: Val, start: int = 0):
        self.inner = inner
        self.start = start


class ReversedVal(Val):
    __slots__ = ("inner",)

    def __init__(self, inner: Val):
        self.inner = inner


class ShapeOfVal(Val):
    """``x.shape`` where the rank of ``x`` is unknown, or only suggested (``tentative``).

    Unpacking it (``n, m = x.shape``) tells us the rank; indexing it
    (``x.shape[1]``) that the rank is at least 2.  ``node`` is the expression
    whose value we then refine; ``known`` its tentative array, if any.
    """

    __slots__ = ("owner", "node", "known")

    def __init__(self, owner: Optional[str], node: Any = None, known: Optional["ArrayVal"] = None):
        self.owner = owner
        self.node = node
        self.known = known


class QualVal(Val):
    """A module or function of a library, by its qualified name."""

    __slots__ = ("qualname",)

    def __init__(self, qualname: str):
        self.qualname = qualname


class RNGVal(Val):
    __slots__ = ()


RNG = RNGVal()


class MethodVal(Val):
    """A bound method of an array (``x.sum``), or of a Generator."""

    __slots__ = ("owner", "name", "owner_node")

    def __init__(self, owner: Val, name: str, owner_node: Any):
        self.owner, self.name, self.owner_node = owner, name, owner_node


class ContainerMethodVal(Val):
    """A method of a list or dict (``caches.append``), with where the container lives."""

    __slots__ = ("owner", "name", "owner_node")

    def __init__(self, owner: Val, name: str, owner_node: Any):
        self.owner, self.name, self.owner_node = owner, name, owner_node


class FuncVal(Val):
    """A function of the analyzed project, with the scope and module it was defined in."""

    __slots__ = ("node", "env", "generic_return", "_contract", "_read_contract", "qualname", "mod", "owner")

    def __init__(self, node: Any, env: Any, contract: Any = None, qualname: str = "", mod: Any = None,
                 read_contract: Optional[Callable[[], Any]] = None):
        self.node = node
        self.env = env
        self.generic_return: Val = UNKNOWN
        self._contract = contract
        # what reads the declaration when it is first asked for (see FunctionsMixin.stmt_FunctionDef)
        self._read_contract = read_contract
        self.qualname = qualname
        self.mod = mod
        self.owner: Any = None  # the ClassVal of a method

    @property
    def contract(self) -> Any:
        """Its declared shapes (a ``StaticContract``), or None."""
        if self._read_contract is not None:
            read, self._read_contract = self._read_contract, None
            self._contract = read()
        return self._contract


class DictVal(Val):
    """A dict whose keys are strings we can follow (``parameters["W" + str(l)]``)."""

    __slots__ = ("entries", "complete")

    def __init__(self, entries: Optional[Dict[Tuple[Any, ...], Val]] = None, complete: bool = True):
        self.entries = dict(entries or {})
        # False once a key we cannot follow was stored: then len() is unknown
        self.complete = complete


def same_key(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> Optional[bool]:
    if len(a) != len(b):
        return None
    for x, y in zip(a, b):
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return False
            continue
        eq = dims_equal(x, y)
        if eq is not True:
            return eq
    return True


def join_shapes(a: Shape, b: Shape) -> Shape:
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if dims_equal(x, y) is True else None for x, y in zip(a, b))


def join(a: Val, b: Val) -> Val:
    """The value of a name after two paths meet: keep what agrees."""
    if a is b:
        return a
    if isinstance(a, ArrayVal) and isinstance(b, ArrayVal):
        shape = join_shapes(a.shape, b.shape)
        same = shape == a.shape == b.shape if shape is not None else False
        return ArrayVal(
            shape,
            origin=a.origin if same and a.origin is b.origin else None,
            dtype=a.dtype if a.dtype == b.dtype else None,
            matrix=a.matrix and b.matrix,
            explicit_axes=a.explicit_axes or b.explicit_axes,
            tentative=a.tentative or b.tentative,
        )
    if isinstance(a, IntVal) and isinstance(b, IntVal):
        return a if dims_equal(a.dim, b.dim) is True else IntVal(None)
    if isinstance(a, TupleVal) and isinstance(b, TupleVal) and len(a.items) == len(b.items):
        return TupleVal(tuple(join(x, y) for x, y in zip(a.items, b.items)), a.is_list and b.is_list)
    if isinstance(a, (TupleVal, SeqVal)) and isinstance(b, (TupleVal, SeqVal)) and a.is_list == b.is_list:
        # a list before and after `append` in a loop: some length, items alike
        items = [x for v in (a, b) for x in (v.items if isinstance(v, TupleVal) else (v.elem,))]
        la = len(a.items) if isinstance(a, TupleVal) else a.length
        lb = len(b.items) if isinstance(b, TupleVal) else b.length
        return SeqVal(join_all(items) if items else UNKNOWN, la if dims_equal(la, lb) is True else None, a.is_list)
    if isinstance(a, DictVal) and isinstance(b, DictVal):
        out = DictVal(complete=False)
        for k, v in a.entries.items():
            if k in b.entries:
                out.entries[k] = join(v, b.entries[k])
        return out
    if isinstance(a, QualVal) and isinstance(b, QualVal) and a.qualname == b.qualname:
        return a
    if isinstance(a, NumVal) and isinstance(b, NumVal):
        return a
    if isinstance(a, StrVal) and isinstance(b, StrVal) and a.parts == b.parts:
        return a
    return UNKNOWN


def join_all(vals: List[Val]) -> Val:
    out = vals[0]
    for v in vals[1:]:
        out = join(out, v)
    return out


_object_ids = itertools.count(1)


class LazyImport(Val):
    """A name that ``from module import name`` binds, the module a project module: the module
    runs when the name is first read (see ``env.Vars`` and ``ImportsMixin.resolve_import``), not
    at the import.  ``fallback`` is what the name is when the module cannot be read."""

    __slots__ = ("path", "name", "fallback")

    def __init__(self, path: str, name: str, fallback: Val):
        self.path, self.name, self.fallback = path, name, fallback


class ModuleVal(Val):
    """A module of the project (``import dnn_utils as du``): its top-level names."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: Any):
        self.ctx = ctx


class ClassVal(Val):
    """A class defined in the project: its plain methods and class attributes, and its bases."""

    __slots__ = ("name", "methods", "attrs", "bases")

    def __init__(self, name: str, methods: Dict[str, "FuncVal"], attrs: Optional[Dict[str, Val]] = None,
                 bases: Tuple["ClassVal", ...] = ()):
        self.name, self.methods = name, methods
        self.attrs: Dict[str, Val] = dict(attrs or {})
        self.bases = bases

    def lookup_method(self, name: str) -> Optional["FuncVal"]:
        """The method ``name`` by Python's resolution order (depth-first is enough here)."""
        found = self.methods.get(name)
        if found is not None:
            return found
        for base in self.bases:
            found = base.lookup_method(name)
            if found is not None:
                return found
        return None

    def lookup_attr(self, name: str) -> Optional[Val]:
        found = self.attrs.get(name)
        if found is not None:
            return found
        for base in self.bases:
            found = base.lookup_attr(name)
            if found is not None:
                return found
        return None


class InstanceVal(Val):
    """An object of a class of the project, with the attributes its methods assigned so far.

    Mutable and shared, like the object it stands for: ``self.W = ...`` in one
    method is seen by the others and by every name bound to the object.
    """

    __slots__ = ("cls", "attrs", "uid")

    def __init__(self, cls: ClassVal, attrs: Optional[Dict[str, Val]] = None):
        self.cls = cls
        self.attrs: Dict[str, Val] = dict(attrs or {})
        self.uid = next(_object_ids)  # never reused, unlike id(): a key for cached calls


class BoundMethodVal(Val):
    __slots__ = ("func", "instance")

    def __init__(self, func: "FuncVal", instance: Val):
        self.func, self.instance = func, instance


def fork(v: Val, memo: Optional[Dict[int, Val]] = None) -> Val:
    """A copy of a value whose mutable parts (dicts, objects) are new, so that an
    analysis that must not leave traces (a loop probe) can write into it."""
    if memo is None:
        memo = {}
    if isinstance(v, DictVal):
        hit = memo.get(id(v))
        if hit is None:
            hit = memo[id(v)] = DictVal(None, v.complete)
            hit.entries = {k: fork(x, memo) for k, x in v.entries.items()}
        return hit
    if isinstance(v, InstanceVal):
        hit = memo.get(id(v))
        if hit is None:
            hit = memo[id(v)] = InstanceVal(v.cls)
            hit.attrs = {k: fork(x, memo) for k, x in v.attrs.items()}
        return hit
    if isinstance(v, TupleVal):
        return TupleVal(tuple(fork(x, memo) for x in v.items), v.is_list)
    if isinstance(v, SeqVal):
        return SeqVal(fork(v.elem, memo), v.length, v.is_list)
    return v
