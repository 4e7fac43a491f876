"""NumPy's shape rules, as pure functions over ``Shape`` values.

Every function returns the result shape (``None`` when it cannot be known) or
raises ``ShapeMismatch`` when NumPy itself would raise.  A mismatch is only
raised when it is certain under the convention of ``dims.dims_equal``: known
ints that differ, or two different declared symbols.  Invented sizes never
cause a mismatch.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

from shapelint.algebra.dims import (
    Dim,
    Shape,
    Sym,
    dims_equal,
    fmt_shape,
    is_invented,
    maybe_one,
    mul,
    product,
    floordiv,
    shape_size,
)


class ShapeMismatch(Exception):
    """NumPy would raise here.  ``code`` is the lint code that reports it."""

    def __init__(self, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


# -- broadcasting -------------------------------------------------------------

def _broadcast_dim(a: Dim, b: Dim) -> Tuple[Dim, bool]:
    """(result, certain_failure)."""
    if a == 1:
        return b, False
    if b == 1:
        return a, False
    eq = dims_equal(a, b)
    if eq is True:
        return a, False
    if eq is False:
        # Different declared sizes; one could still be 1 at run time only if
        # it is an unknown/invented size, which dims_equal already excludes.
        if maybe_one(a) or maybe_one(b):
            return None, False
        return None, True
    # Unknown: prefer the side we know more about.  If the other side is not
    # 1 it must equal this one, or NumPy raises.
    if isinstance(a, int):
        return a, False
    if isinstance(b, int):
        return b, False
    if a is not None and not is_invented(a):
        return a, False
    if b is not None and not is_invented(b):
        return b, False
    return (a if a is not None else b), False


def broadcast(*shapes: Shape) -> Shape:
    """NumPy broadcasting: align from the right, each pair equal or one is 1."""
    result: Shape = ()
    for s in shapes:
        if s is None:
            # Rank unknown: the result's rank is unknown, but keep checking
            # the known shapes against each other.
            result = None if result is not None else None
            continue
        if result is None:
            continue
        result = _broadcast2(result, s)
    if result is None:
        # Still check the known ones pairwise for definite failures.
        known = [s for s in shapes if s is not None]
        acc: Shape = ()
        for s in known:
            acc = _broadcast2(acc, s)  # raises on definite failure
        return None
    return result


def _broadcast2(a: Tuple[Dim, ...], b: Tuple[Dim, ...]) -> Tuple[Dim, ...]:
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for da, db in zip(pa, pb):
        d, fails = _broadcast_dim(da, db)
        if fails:
            raise ShapeMismatch(
                "SL101",
                f"operands could not be broadcast together with shapes "
                f"{fmt_shape(tuple(a))} and {fmt_shape(tuple(b))}",
            )
        out.append(d)
    return tuple(out)


def broadcast_grows(a: Shape, b: Shape, result: Shape) -> bool:
    """Does the result hold more elements than either operand (an outer broadcast)?"""
    if a is None or b is None or result is None:
        return False
    n = len(result)
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    grew_a = any(da == 1 and r != 1 for da, r in zip(pa, result))
    grew_b = any(db == 1 and r != 1 for db, r in zip(pb, result))
    return grew_a and grew_b


# -- matrix products ------------------------------------------------------------

def _inner_check(ka: Dim, kb: Dim, a: Shape, b: Shape, func: str, hint: str = "") -> None:
    if dims_equal(ka, kb) is False:
        raise ShapeMismatch(
            "SL102",
            f"{func}: shapes {fmt_shape(a)} and {fmt_shape(b)} not aligned: "
            f"{_d(ka)} (dim {len(a) - 1 if a else 0} of the first) != "
            f"{_d(kb)} (dim {max(len(b) - 2, 0) if b else 0} of the second)",
            hint,
        )


def _d(d: Dim) -> str:
    from shapelint.algebra.dims import fmt_dim

    return fmt_dim(d)


def matmul(a: Shape, b: Shape, func: str = "matmul") -> Shape:
    """np.matmul / @: 1-D operands are promoted then squeezed; batch dims broadcast."""
    if a is None or b is None:
        return None
    if len(a) == 0 or len(b) == 0:
        raise ShapeMismatch("SL102", f"{func}: input operand does not have enough dimensions (a scalar operand)",
                            "use `*` to scale by a scalar")
    if len(a) == 1 and len(b) == 1:
        _inner_check(a[0], b[0], a, b, func)
        return ()
    if len(a) == 1:
        _inner_check(a[0], b[-2], a, b, func)
        return tuple(b[:-2]) + (b[-1],)
    if len(b) == 1:
        _inner_check(a[-1], b[0], a, b, func)
        return tuple(a[:-1])
    _inner_check(a[-1], b[-2], a, b, func)
    try:
        batch = broadcast(tuple(a[:-2]), tuple(b[:-2]))
    except ShapeMismatch as e:
        raise ShapeMismatch("SL102", f"{func}: batch dimensions of {fmt_shape(a)} and {fmt_shape(b)} do not broadcast") from e
    if batch is None:
        return None
    return tuple(batch) + (a[-2], b[-1])


def dot(a: Shape, b: Shape, func: str = "np.dot") -> Shape:
    """np.dot: scalars multiply; 1-D·1-D is a scalar; N-D sums over a's last and b's second-to-last."""
    if a is None or b is None:
        return None
    if len(a) == 0:
        return tuple(b)
    if len(b) == 0:
        return tuple(a)
    if len(a) == 1 and len(b) == 1:
        _inner_check(a[0], b[0], a, b, func)
        return ()
    if len(b) == 1:
        _inner_check(a[-1], b[0], a, b, func)
        return tuple(a[:-1])
    _inner_check(a[-1], b[-2], a, b, func)
    return tuple(a[:-1]) + tuple(b[:-2]) + (b[-1],)


def inner(a: Shape, b: Shape) -> Shape:
    if a is None or b is None:
        return None
    if len(a) == 0:
        return tuple(b)
    if len(b) == 0:
        return tuple(a)
    _inner_check(a[-1], b[-1], a, b, "np.inner")
    return tuple(a[:-1]) + tuple(b[:-1])


def outer(a: Shape, b: Shape) -> Shape:
    return (shape_size(a), shape_size(b))


def vdot(a: Shape, b: Shape) -> Shape:
    sa, sb = shape_size(a), shape_size(b)
    if dims_equal(sa, sb) is False:
        raise ShapeMismatch("SL102", f"np.vdot: {fmt_shape(a)} and {fmt_shape(b)} have different sizes")
    return ()


# -- axes ------------------------------------------------------------------------

AxisArg = Union[None, int, Tuple[int, ...]]


def normalize_axis(axis: int, ndim: int, func: str = "") -> int:
    if not -ndim <= axis < ndim:
        raise ShapeMismatch(
            "SL105",
            f"{func + ': ' if func else ''}axis {axis} is out of bounds for array of dimension {ndim}",
        )
    return axis % ndim if ndim else 0


# Reductions without the 0-d leniency (they go through mean/var machinery).
_STRICT_0D = frozenset(("mean", "std", "var", "median", "average", "nanmedian", "nanstd", "nanvar"))


def reduce(shape: Shape, axis: AxisArg = None, keepdims: bool = False, func: str = "sum") -> Shape:
    """sum/mean/max/...: drop (or keep as 1) the reduced axes."""
    if shape is None:
        if axis is None and not keepdims:
            return ()
        return None
    nd = len(shape)
    if axis is None:
        return (1,) * nd if keepdims else ()
    if nd == 0 and axis in (0, -1) and func.rsplit(".", 1)[-1] not in _STRICT_0D:
        return ()  # NumPy's legacy leniency: sum/max/... of a 0-d array accept axis 0 or -1
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    norm = {normalize_axis(ax, nd, func) for ax in axes}
    if len(norm) != len(axes):
        raise ShapeMismatch("SL105", f"{func}: duplicate value in 'axis'")
    if keepdims:
        return tuple(1 if i in norm else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in norm)


def arg_reduce(shape: Shape, axis: Optional[int] = None, keepdims: bool = False, func: str = "argmax") -> Shape:
    """argmax/argmin take a single axis; with none they index the flattened array."""
    if shape is None:
        return () if axis is None and not keepdims else None
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    return reduce(shape, axis, keepdims, func)


def cumulative(shape: Shape, axis: Optional[int] = None, func: str = "cumsum") -> Shape:
    if shape is None:
        return None
    if axis is None:
        return (shape_size(shape),)
    normalize_axis(axis, len(shape), func)
    return tuple(shape)


def transpose(shape: Shape, axes: Optional[Sequence[int]] = None) -> Shape:
    if shape is None:
        return None
    if axes is None:
        return tuple(reversed(shape))
    if len(axes) != len(shape):
        raise ShapeMismatch("SL105", f"transpose: axes {tuple(axes)} don't match array of dimension {len(shape)}")
    norm = [normalize_axis(a, len(shape), "transpose") for a in axes]
    if len(set(norm)) != len(norm):
        raise ShapeMismatch("SL105", "transpose: repeated axis in transpose")
    return tuple(shape[i] for i in norm)


def swapaxes(shape: Shape, a1: int, a2: int) -> Shape:
    if shape is None:
        return None
    i = normalize_axis(a1, len(shape), "swapaxes")
    j = normalize_axis(a2, len(shape), "swapaxes")
    out = list(shape)
    out[i], out[j] = out[j], out[i]
    return tuple(out)


def moveaxis(shape: Shape, source: int, destination: int) -> Shape:
    if shape is None:
        return None
    nd = len(shape)
    s = normalize_axis(source, nd, "moveaxis")
    d = normalize_axis(destination, nd, "moveaxis")
    order = [i for i in range(nd) if i != s]
    order.insert(d, s)
    return tuple(shape[i] for i in order)


def squeeze(shape: Shape, axis: AxisArg = None) -> Shape:
    if shape is None:
        return None
    if axis is None:
        if any(d is None or (isinstance(d, Sym) and d.invented) for d in shape):
            return None  # an unknown size might be 1
        return tuple(d for d in shape if d != 1)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    norm = {normalize_axis(a, len(shape), "squeeze") for a in axes}
    for i in norm:
        d = shape[i]
        if isinstance(d, int) and d != 1:
            raise ShapeMismatch("SL105", "squeeze: cannot select an axis to squeeze out which has size not equal to one")
    return tuple(d for i, d in enumerate(shape) if i not in norm)


def expand_dims(shape: Shape, axis: AxisArg) -> Shape:
    if shape is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis or ())
    out_nd = len(shape) + len(axes)
    norm = sorted(normalize_axis(a, out_nd, "expand_dims") for a in axes)
    it = iter(shape)
    return tuple(1 if i in norm else next(it) for i in range(out_nd))


def atleast_2d(shape: Shape) -> Shape:
    if shape is None:
        return None
    if len(shape) == 0:
        return (1, 1)
    if len(shape) == 1:
        return (1, shape[0])
    return tuple(shape)


def atleast_1d(shape: Shape) -> Shape:
    if shape is None:
        return None
    return tuple(shape) if shape else (1,)


# -- reshape ----------------------------------------------------------------------

def reshape(shape: Shape, new: Sequence[Dim], func: str = "reshape") -> Shape:
    """With at most one -1; the total size must agree."""
    new = list(new)
    minus = [i for i, d in enumerate(new) if d == -1]
    if len(minus) > 1:
        raise ShapeMismatch("SL103", f"{func}: can only specify one unknown dimension")
    total = shape_size(shape)
    if minus:
        known = product(d for d in new if d != -1)
        if total is None or known is None:
            inferred: Dim = None
        elif isinstance(total, int) and isinstance(known, int):
            if known == 0 or total % known:
                raise ShapeMismatch(
                    "SL103",
                    f"cannot reshape array of shape {fmt_shape(shape)} (size {total}) into shape "
                    f"{_fmt_new(new)}",
                    _reshape_hint(shape, new),
                )
            inferred = total // known
        else:
            inferred = floordiv(total, known)
            # an opaque quotient is still a size, but mark it unknown if it
            # did not divide exactly: we cannot prove it is right or wrong
            if isinstance(inferred, Sym) and any("//" in n for n in inferred.names):
                inferred = None
        new[minus[0]] = inferred
        return tuple(new)
    target = product(new)
    if total is not None and target is not None and dims_equal(total, target) is False:
        raise ShapeMismatch(
            "SL103",
            f"cannot reshape array of shape {fmt_shape(shape)} (size {_d(total)}) into shape "
            f"{_fmt_new(new)} (size {_d(target)})",
            _reshape_hint(shape, new),
        )
    return tuple(new)


def _fmt_new(new: Sequence[Dim]) -> str:
    return fmt_shape(tuple(new)).replace("?", "?")


def _reshape_hint(shape: Shape, new: Sequence[Dim]) -> str:
    # x (n,) reshaped to (n, n) or (1, 1): the author wanted a column or a row
    if shape is not None and len(shape) == 1 and len(new) == 2 and any(
            dims_equal(d, shape[0]) is True for d in new):
        return "did you mean `.reshape(-1, 1)` (a column) or `.reshape(1, -1)` (a row)?"
    return ""


def ravel(shape: Shape) -> Shape:
    return (shape_size(shape),)


# -- joining ----------------------------------------------------------------------

def concatenate(shapes: Sequence[Shape], axis: Optional[int] = 0, func: str = "np.concatenate") -> Shape:
    if axis is None:
        return (_sum_dims([shape_size(s) for s in shapes]),)
    if any(s is None for s in shapes) or not shapes:
        return None
    nd = len(shapes[0])
    if nd == 0:
        raise ShapeMismatch("SL104", f"{func}: zero-dimensional arrays cannot be concatenated")
    for s in shapes[1:]:
        if len(s) != nd:
            raise ShapeMismatch(
                "SL104",
                f"{func}: all the input arrays must have same number of dimensions, but "
                f"{fmt_shape(shapes[0])} has {nd} and {fmt_shape(s)} has {len(s)}",
                "did you mean `.reshape(-1, 1)` on the rank-1 array?" if 1 in (nd, len(s)) else "",
            )
    ax = normalize_axis(axis, nd, func)
    out = list(shapes[0])
    for s in shapes[1:]:
        for i in range(nd):
            if i == ax:
                continue
            if dims_equal(out[i], s[i]) is False:
                raise ShapeMismatch(
                    "SL104",
                    f"{func}: all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {i}, {fmt_shape(shapes[0])} has size "
                    f"{_d(out[i])} and {fmt_shape(s)} has size {_d(s[i])}",
                )
            if out[i] is None or is_invented(out[i]):
                out[i] = s[i]
    out[ax] = _sum_dims([s[ax] for s in shapes])
    return tuple(out)


def _sum_dims(ds: Sequence[Dim]) -> Dim:
    from shapelint.algebra.dims import add

    total: Dim = 0
    for d in ds:
        total = add(total, d)
    return total


def stack(shapes: Sequence[Shape], axis: int = 0, func: str = "np.stack") -> Shape:
    if not shapes or any(s is None for s in shapes):
        return None
    first = shapes[0]
    for s in shapes[1:]:
        if len(s) != len(first) or any(dims_equal(x, y) is False for x, y in zip(first, s)):
            raise ShapeMismatch("SL104", f"{func}: all input arrays must have the same shape, got "
                                f"{fmt_shape(first)} and {fmt_shape(s)}")
    nd = len(first) + 1
    ax = normalize_axis(axis, nd, func)
    out = list(first)
    out.insert(ax, len(shapes))
    return tuple(out)


def vstack(shapes: Sequence[Shape]) -> Shape:
    return concatenate([atleast_2d(s) for s in shapes], 0, "np.vstack")


def hstack(shapes: Sequence[Shape]) -> Shape:
    sh = [atleast_1d(s) for s in shapes]
    if sh and all(s is not None for s in sh) and len(sh[0]) == 1:
        return concatenate(sh, 0, "np.hstack")
    return concatenate(sh, 1, "np.hstack")


def column_stack(shapes: Sequence[Shape]) -> Shape:
    cols = []
    for s in shapes:
        if s is not None and len(s) < 2:
            cols.append((s[0] if s else 1, 1))
        else:
            cols.append(s)
    return concatenate(cols, 1, "np.column_stack")


# -- indexing ---------------------------------------------------------------------

class Slice:
    """A slice with int-or-None bounds (None: absent or unknown)."""

    __slots__ = ("start", "stop", "step", "known")

    def __init__(self, start=None, stop=None, step=None, known=True):
        self.start, self.stop, self.step, self.known = start, stop, step, known

    def length(self, dim: Dim) -> Dim:
        if not self.known:
            return None
        start, stop, step = self.start, self.stop, self.step
        if step is None:
            step = 1
        if not isinstance(step, int) or step == 0:
            return None
        if start is None and stop is None and step == 1:
            return dim
        if isinstance(dim, int):
            if not all(b is None or isinstance(b, int) for b in (start, stop)):
                return None
            return len(range(dim)[slice(start, stop, step)])
        if step == 1:
            # Symbolic dim: a[:k] has k elements when k <= n, which we assume;
            # a[k:] has n - k.  Negative bounds count from the end.
            from shapelint.algebra.dims import add, sub
            if dim is None:
                if isinstance(start, int) and isinstance(stop, int) and 0 <= start <= stop:
                    return None  # could be shorter than stop - start
                return None
            s = 0 if start is None else start
            e = dim if stop is None else stop
            if isinstance(s, int) and s < 0:
                s = add(dim, s)
            if isinstance(e, int) and e < 0:
                e = add(dim, e)
            return sub(e, s)
        return None


NEWAXIS = "newaxis"
ELLIPSIS = "ellipsis"


class ArrayIndex:
    """An integer or boolean array used as an index."""

    __slots__ = ("shape", "boolean")

    def __init__(self, shape: Shape, boolean: bool = False):
        self.shape, self.boolean = shape, boolean


def index(shape: Shape, items: Sequence[object]) -> Shape:
    """Basic and (simple) advanced indexing.

    items: ints (or Dims, for symbolic integer indices), Slice, NEWAXIS,
    ELLIPSIS, ArrayIndex.
    """
    if shape is None:
        return None
    consumed = sum(
        (len(it.shape) if it.shape is not None else 1) if isinstance(it, ArrayIndex) and it.boolean
        else 0 if it in (NEWAXIS, ELLIPSIS) else 1
        for it in items
    )
    if isinstance(items, (list, tuple)) and any(isinstance(it, ArrayIndex) and it.boolean and it.shape is None for it in items):
        return None
    n_ell = sum(1 for it in items if it is ELLIPSIS or it == ELLIPSIS)
    if n_ell > 1:
        return None
    if consumed > len(shape):
        raise ShapeMismatch(
            "SL105",
            f"too many indices for array: array of shape {fmt_shape(shape)} is "
            f"{len(shape)}-dimensional, but {consumed} were indexed",
        )
    expanded: List[object] = []
    for it in items:
        if it is ELLIPSIS or it == ELLIPSIS:
            expanded.extend([Slice()] * (len(shape) - consumed))
        else:
            expanded.append(it)
    if n_ell == 0:
        expanded.extend([Slice()] * (len(shape) - consumed))
    out: List[Dim] = []
    adv_shapes: List[Shape] = []
    adv_pos: Optional[int] = None
    adv_contiguous = True
    last_adv = None
    dim_i = 0
    for pos, it in enumerate(expanded):
        if it is NEWAXIS or it == NEWAXIS:
            out.append(1)
            continue
        if isinstance(it, ArrayIndex):
            if it.boolean:
                nd = len(it.shape)
                if it.shape is not None:
                    for k in range(nd):
                        d = shape[dim_i + k]
                        if isinstance(it.shape[k], int) and isinstance(d, int) and it.shape[k] != d:
                            raise ShapeMismatch(
                                "SL105",
                                f"boolean index did not match indexed array along dimension {dim_i + k}; "
                                f"dimension is {d} but corresponding boolean dimension is {it.shape[k]}",
                            )
                adv_shapes.append((None,))
                dim_i += nd
            else:
                adv_shapes.append(it.shape)
                dim_i += 1
            if adv_pos is None:
                adv_pos = len(out)
            elif last_adv is not None and last_adv != pos - 1:
                adv_contiguous = False
            last_adv = pos
            continue
        if isinstance(it, Slice):
            out.append(it.length(shape[dim_i]))
            dim_i += 1
            continue
        # an integer index
        d = shape[dim_i]
        if isinstance(it, int) and isinstance(d, int) and not -d <= it < d:
            raise ShapeMismatch(
                "SL105", f"index {it} is out of bounds for axis {dim_i} with size {d}"
            )
        dim_i += 1
    if adv_shapes:
        try:
            bshape = broadcast(*adv_shapes)
        except ShapeMismatch:
            raise ShapeMismatch("SL105", "shape mismatch: indexing arrays could not be broadcast together")
        if bshape is None:
            return None
        if adv_contiguous:
            return tuple(out[:adv_pos]) + tuple(bshape) + tuple(out[adv_pos:])
        return tuple(bshape) + tuple(out)
    return tuple(out)


def where(cond: Shape, x: Shape, y: Shape) -> Shape:
    return broadcast(cond, x, y)


# -- einsum and friends ------------------------------------------------------------

def einsum(subscripts: str, shapes: Sequence[Shape]) -> Shape:
    """np.einsum with explicit or implicit output; sizes of one label must agree (or be 1)."""
    text = subscripts.replace(" ", "")
    if "." in text:
        return None  # ellipsis broadcasting: not followed
    lhs, arrow, rhs = text.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(shapes) or not all(spec.isalpha() or spec == "" for spec in specs):
        return None
    sizes: dict = {}
    seen: dict = {}
    for k, (spec, shape) in enumerate(zip(specs, shapes)):
        if shape is None:
            for label in spec:
                seen[label] = seen.get(label, 0) + 1
                sizes.setdefault(label, None)
            continue
        if len(spec) != len(shape):
            raise ShapeMismatch(
                "SL105", f"np.einsum: operand {k} has {len(shape)} dimensions but subscripts '{spec}' name {len(spec)}")
        for label, d in zip(spec, shape):
            seen[label] = seen.get(label, 0) + 1
            if label not in sizes or sizes[label] is None or sizes[label] == 1:
                if label in sizes and sizes[label] == 1 and d is None:
                    continue
                sizes[label] = d if label not in sizes or sizes[label] in (None, 1) else sizes[label]
                continue
            if d == 1:
                continue
            if dims_equal(sizes[label], d) is False:
                raise ShapeMismatch(
                    "SL102", f"np.einsum('{subscripts}'): label '{label}' is {_d(sizes[label])} in one operand "
                             f"and {_d(d)} in operand {k} ({fmt_shape(shape)})")
    out = rhs if arrow else "".join(sorted(label for label, n in seen.items() if n == 1))
    if any(label not in sizes for label in out):
        return None
    return tuple(sizes[label] for label in out)


def diff(shape: Shape, n: Dim = 1, axis: int = -1) -> Shape:
    if shape is None:
        return None
    if n == 0:
        return tuple(shape)  # NumPy returns the input as it is
    if not shape:
        raise ShapeMismatch("SL105", "np.diff: diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, len(shape), "np.diff")
    from shapelint.algebra.dims import sub

    out = list(shape)
    d = sub(shape[ax], n)
    out[ax] = max(d, 0) if isinstance(d, int) else d
    return tuple(out)


def tile(shape: Shape, reps: Sequence[Dim]) -> Shape:
    if shape is None:
        return None
    reps = tuple(reps)
    nd = max(len(shape), len(reps))
    a = (1,) * (nd - len(shape)) + tuple(shape)
    r = (1,) * (nd - len(reps)) + reps
    return tuple(mul(x, y) for x, y in zip(a, r))


def broadcast_to(shape: Shape, target: Sequence[Dim]) -> Shape:
    target = tuple(target)
    if shape is None:
        return target
    out = broadcast(shape, target)
    if out is not None and (len(out) != len(target) or any(dims_equal(a, b) is False for a, b in zip(out, target))):
        raise ShapeMismatch("SL101", f"np.broadcast_to: cannot broadcast a shape {fmt_shape(shape)} to {fmt_shape(target)}")
    return target
