"""NumPy's shape rules, as pure functions over ``Shape`` values.

Every function returns the result shape (``None`` when it cannot be known) or
raises ``ShapeMismatch`` when NumPy itself would raise.  Sizes are compared
with ``dims.compare_dims``: by arithmetic over positive integers first, then by
the generic-size convention (different polynomials over declared names are
different sizes, a declared size is not 1); invented sizes never cause a
mismatch.  Where a comparison cannot be decided, a rule never assumes the
equality that would make the operation fit: the result keeps only what holds
whenever the line runs.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, List, Optional, Sequence, Tuple, Union

from shapelint.algebra.dims import (
    ARITHMETIC,
    CONVENTION,
    NO_CONDITION,
    Condition,
    Dim,
    Shape,
    Sym,
    Verdict,
    add,
    at_least,
    compare_dims,
    compare_order,
    fmt_dim,
    fmt_shape,
    is_bare_name,
    is_invented,
    mul,
    product,
    floordiv,
    shape_size,
    sub,
    weakest,
)


class ErrorKind(str, Enum):
    """What NumPy would raise about: the rules map each kind to the code that reports it."""

    BROADCAST = "broadcast"  # operands (or an output) whose shapes do not broadcast
    PRODUCT = "product"  # a matrix product whose inner sizes differ (or an operand without the axes)
    RESHAPE = "reshape"  # a reshape to a different number of elements
    JOIN = "join"  # concatenate/stack of arrays whose other axes differ
    AXIS = "axis"  # an axis or index the array does not have


class ShapeMismatch(Exception):
    """NumPy would raise here.  ``kind`` says what about (see ``ErrorKind``).

    reason: how the sizes were found to disagree (``dims.ARITHMETIC``: for every
    value of the sizes; ``dims.CONVENTION``: for generic declared sizes).
    condition: for a CONVENTION verdict, the special values where the line would
    run (``k == 2``), or ``NO_CONDITION``.
    """

    def __init__(self, kind: ErrorKind, message: str, hint: str = "", reason: str = ARITHMETIC,
                 condition: Condition = NO_CONDITION):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.reason = reason
        self.condition = condition


def _runs_only_if(condition: Condition) -> str:
    return f"it would run only if {condition}" if condition else ""


def _with_condition(message: str, verdict: Verdict) -> str:
    clause = _runs_only_if(verdict.condition)
    return f"{message} ({clause})" if clause else message


def _better_known(a: Dim, b: Dim) -> Dim:
    """Of two sizes known to be equal, the one that says more (an int, then a declared size)."""
    def rank(d: Dim) -> int:
        if d is None:
            return 3
        if isinstance(d, int):
            return 0
        return 2 if is_invented(d) else 1
    return a if rank(a) <= rank(b) else b


def _names_are_one(condition: Condition) -> bool:
    """``n == 1``, ``p == 1 and q == 1``: only the convention's own exclusion."""
    return condition.is_conjunction() and all(right == "1" and " " not in left
                                              for left, right in condition.equalities())


def _conditions(*verdicts: Tuple[Verdict, bool]) -> Condition:
    """Join the conditions of CONVENTION verdicts (each with whether to show it)."""
    return Condition.any_of(v.condition for v, show in verdicts if show and v.reason == CONVENTION)


def equal_shapes_condition(a: Shape, b: Shape) -> Condition:
    """Two shapes that differ only by the convention: when would they be equal?
    (``n_y == 1`` for ``(1, 1)`` against ``(n_y, 1)``; ``NO_CONDITION`` when never, or no
    simple form.)"""
    if a is None or b is None or len(a) != len(b):
        return NO_CONDITION
    out: List[Condition] = []
    for x, y in zip(a, b):
        v = compare_dims(x, y)
        if v.equal is False:
            if v.reason != CONVENTION or not v.condition:
                return NO_CONDITION
            if not any(v.condition.same_as(c) for c in out):
                out.append(v.condition)
    return Condition.all_of(out)


# -- broadcasting -------------------------------------------------------------

def broadcast_dim(a: Dim, b: Dim) -> Tuple[Dim, Optional[Verdict]]:
    """One aligned pair of sizes: (result, failure).

    ``failure`` is a ``Verdict(False, reason, condition)`` when NumPy raises
    (the sizes differ and neither is 1), None otherwise.  When that cannot be
    decided, the result is what holds whenever the line runs: NumPy runs only if
    ``a == 1`` (result ``b``), ``b == 1`` (result ``a``) or ``a == b``; the result
    is known when every case that is not excluded gives the same size.
    """
    if a == 1:
        return b, None
    if b == 1:
        return a, None
    eq = compare_dims(a, b)
    if eq.equal:
        return _better_known(a, b), None
    a1, b1 = compare_dims(a, 1), compare_dims(b, 1)
    if eq.equal is False and a1.equal is False and b1.equal is False:
        # A bare declared name equal to 1 is the convention itself; its
        # condition would be noise.  An expression equal to 1 (k - 1 when
        # k == 2) is worth naming, and so is an equality unless both are names.
        both_names = is_bare_name(a) and is_bare_name(b)
        condition = _conditions((eq, not both_names), (a1, not _names_are_one(a1.condition)),
                                (b1, not _names_are_one(b1.condition)))
        return None, Verdict(False, weakest(eq.reason, a1.reason, b1.reason), condition)
    candidates = []
    if a1.equal is not False:
        candidates.append(b)
    if b1.equal is not False:
        candidates.append(a)
    if eq.equal is not False:
        candidates.append(_better_known(a, b))
    first = candidates[0]
    if first is not None and all(c == first for c in candidates[1:]):
        return first, None
    return None, None


def broadcast(*shapes: Shape) -> Shape:
    """NumPy broadcasting: align from the right, each pair equal or one is 1."""
    result: Shape = ()
    for s in shapes:
        if s is None:
            # Rank unknown: the result's rank is unknown, but keep checking
            # the known shapes against each other.
            result = None
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
        d, failure = broadcast_dim(da, db)
        if failure is not None:
            raise ShapeMismatch(ErrorKind.BROADCAST,
                f"operands could not be broadcast together with shapes "
                f"{fmt_shape(tuple(a))} and {fmt_shape(tuple(b))}",
                _runs_only_if(failure.condition),
                failure.reason,
                failure.condition,
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

def _shown(v: Verdict, a: Dim, b: Dim) -> Verdict:
    """``v`` with its condition dropped when it only restates the convention (two names)."""
    if is_bare_name(a) and is_bare_name(b):
        return Verdict(v.equal, v.reason)
    return v


def _inner_check(ka: Dim, kb: Dim, a: Shape, b: Shape, func: str, hint: str = "") -> None:
    v = compare_dims(ka, kb)
    if v.equal is False:
        v = _shown(v, ka, kb)
        raise ShapeMismatch(ErrorKind.PRODUCT,
            _with_condition(
                f"{func}: shapes {fmt_shape(a)} and {fmt_shape(b)} not aligned: "
                f"{_d(ka)} (dim {len(a) - 1 if a else 0} of the first) != "
                f"{_d(kb)} (dim {max(len(b) - 2, 0) if b else 0} of the second)", v),
            hint, v.reason, v.condition,
        )


def _d(d: Dim) -> str:
    return fmt_dim(d)


def matmul(a: Shape, b: Shape, func: str = "matmul") -> Shape:
    """np.matmul / @: 1-D operands are promoted then squeezed; batch dims broadcast."""
    if a is None or b is None:
        return None
    if len(a) == 0 or len(b) == 0:
        raise ShapeMismatch(ErrorKind.PRODUCT, f"{func}: input operand does not have enough dimensions (a scalar operand)",
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
        raise ShapeMismatch(ErrorKind.PRODUCT, f"{func}: batch dimensions of {fmt_shape(a)} and {fmt_shape(b)} do not broadcast") from e
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
    v = compare_dims(sa, sb)
    if v.equal is False:
        v = _shown(v, sa, sb)
        raise ShapeMismatch(ErrorKind.PRODUCT, _with_condition(
            f"np.vdot: {fmt_shape(a)} and {fmt_shape(b)} have different sizes", v), "", v.reason, v.condition)
    return ()


# -- axes ------------------------------------------------------------------------

AxisArg = Union[None, int, Tuple[int, ...]]


def normalize_axis(axis: int, ndim: int, func: str = "") -> int:
    if not -ndim <= axis < ndim:
        raise ShapeMismatch(ErrorKind.AXIS,
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
        raise ShapeMismatch(ErrorKind.AXIS, f"{func}: duplicate value in 'axis'")
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
        raise ShapeMismatch(ErrorKind.AXIS, f"transpose: axes {tuple(axes)} don't match array of dimension {len(shape)}")
    norm = [normalize_axis(a, len(shape), "transpose") for a in axes]
    if len(set(norm)) != len(norm):
        raise ShapeMismatch(ErrorKind.AXIS, "transpose: repeated axis in transpose")
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
        v = compare_dims(shape[i], 1)
        if v.equal is False:
            raise ShapeMismatch(ErrorKind.AXIS, _with_condition(
                "squeeze: cannot select an axis to squeeze out which has size not equal to one", v),
                "", v.reason, v.condition)
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
        raise ShapeMismatch(ErrorKind.RESHAPE, f"{func}: can only specify one unknown dimension")
    total = shape_size(shape)
    if minus:
        known = product(d for d in new if d != -1)
        if total is None or known is None:
            inferred: Dim = None
        elif isinstance(total, int) and isinstance(known, int):
            if known == 0 or total % known:
                raise ShapeMismatch(ErrorKind.RESHAPE,
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
                _check_divides(shape, new, total, known)
        new[minus[0]] = inferred
        return tuple(new)
    target = product(new)
    v = compare_dims(total, target)
    if v.equal is False:
        v = _shown(v, total, target)
        raise ShapeMismatch(ErrorKind.RESHAPE,
            _with_condition(f"cannot reshape array of shape {fmt_shape(shape)} (size {_d(total)}) into shape "
                            f"{_fmt_new(new)} (size {_d(target)})", v),
            _reshape_hint(shape, new), v.reason, v.condition,
        )
    return tuple(new)


def _check_divides(shape: Shape, new: Sequence[Dim], total: Dim, known: Dim) -> None:
    """reshape(-1, ...) when ``known`` does not divide ``total``: when it is larger,
    or as polynomials.

    Only a product of declared names is judged (``m`` against ``k * q``): a
    generic declared size divides no expression it does not appear in (the
    convention).  A constant factor is left alone (``k * q`` by 2 is a question
    of parity, which no convention decides), and so is anything invented.
    """
    if isinstance(total, int) and total <= 0:
        return
    larger, reason = compare_order(known, total)
    if larger == 1:  # a larger size divides no smaller one (m + n against 6)
        raise ShapeMismatch(ErrorKind.RESHAPE,
            f"cannot reshape array of shape {fmt_shape(shape)} (size {_d(total)}) into shape {_fmt_new(new)} "
            f"(the other sizes, {_d(known)}, are more than that)",
            "", reason)
    if not isinstance(known, Sym) or len(known.terms) != 1:
        return
    (mono, _coef), = known.terms
    names = set(mono) | set(total.names if isinstance(total, Sym) else ())
    if any(n.startswith("?") or "//" in n for n in names):
        return
    if isinstance(floordiv(total, Sym(((mono, 1),))), Sym) and any(
            "//" in n for n in floordiv(total, Sym(((mono, 1),))).names):
        condition = Condition.divides(fmt_dim(Sym(((mono, 1),))), fmt_dim(total))
        raise ShapeMismatch(ErrorKind.RESHAPE,
            f"cannot reshape array of shape {fmt_shape(shape)} (size {_d(total)}) into shape {_fmt_new(new)} "
            f"({_runs_only_if(condition)})",
            "", CONVENTION, condition,
        )


def _fmt_new(new: Sequence[Dim]) -> str:
    return fmt_shape(tuple(new)).replace("?", "?")


def _reshape_hint(shape: Shape, new: Sequence[Dim]) -> str:
    # x (n,) reshaped to (n, n) or (1, 1): the author wanted a column or a row
    if shape is not None and len(shape) == 1 and len(new) == 2 and any(
            compare_dims(d, shape[0]).equal for d in new):
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
        raise ShapeMismatch(ErrorKind.JOIN, f"{func}: zero-dimensional arrays cannot be concatenated")
    for s in shapes[1:]:
        if len(s) != nd:
            raise ShapeMismatch(ErrorKind.JOIN,
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
            v = compare_dims(out[i], s[i])
            if v.equal is False:
                v = _shown(v, out[i], s[i])
                raise ShapeMismatch(ErrorKind.JOIN,
                    _with_condition(
                        f"{func}: all the input array dimensions except for the concatenation axis must "
                        f"match exactly, but along dimension {i}, {fmt_shape(shapes[0])} has size "
                        f"{_d(out[i])} and {fmt_shape(s)} has size {_d(s[i])}", v),
                    "", v.reason, v.condition,
                )
            # the line runs only if they are equal: keep the one that says more
            out[i] = _better_known(out[i], s[i])
    out[ax] = _sum_dims([s[ax] for s in shapes])
    return tuple(out)


def _sum_dims(ds: Sequence[Dim]) -> Dim:
    total: Dim = 0
    for d in ds:
        total = add(total, d)
    return total


def stack(shapes: Sequence[Shape], axis: int = 0, func: str = "np.stack") -> Shape:
    if not shapes or any(s is None for s in shapes):
        return None
    first = shapes[0]
    out = list(first)
    for s in shapes[1:]:
        if len(s) != len(first):
            raise ShapeMismatch(ErrorKind.JOIN, f"{func}: all input arrays must have the same shape, got "
                                f"{fmt_shape(first)} and {fmt_shape(s)}")
        for i, (x, y) in enumerate(zip(first, s)):
            v = compare_dims(x, y)
            if v.equal is False:
                v = _shown(v, x, y)
                raise ShapeMismatch(ErrorKind.JOIN, _with_condition(
                    f"{func}: all input arrays must have the same shape, got "
                    f"{fmt_shape(first)} and {fmt_shape(s)}", v), "", v.reason, v.condition)
            out[i] = _better_known(out[i], y)
    nd = len(first) + 1
    ax = normalize_axis(axis, nd, func)
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
        if isinstance(dim, int) and all(b is None or isinstance(b, int) for b in (start, stop)):
            return len(range(dim)[slice(start, stop, step)])
        if step != 1 or dim is None:
            return None
        # Symbolic: Python's clamping, with each comparison decided by
        # arithmetic or the convention (a[1:] of k is k - 1; a[:k] of n is
        # unknown, since nothing orders k and n).
        lo = self._bound(0 if start is None else start, dim)
        hi = self._bound(dim if stop is None else stop, dim)
        if lo is None or hi is None:
            return None
        longer, _ = at_least(hi, lo)
        if longer is None:
            return None
        return sub(hi, lo) if longer else 0

    @staticmethod
    def _bound(b: Dim, dim: Dim) -> Dim:
        """A slice bound as a position in ``[0, dim]`` (None: cannot tell)."""
        nonneg, _ = at_least(b, 0)
        if nonneg is None:
            return None
        if not nonneg:  # counts from the end
            b = add(dim, b)
            inside, _ = at_least(b, 0)
            if inside is None:
                return None
            if not inside:
                return 0
        within, _ = at_least(dim, b)
        if within is None:
            return None
        return b if within else dim


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
        raise ShapeMismatch(ErrorKind.AXIS,
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
                        v = _shown(compare_dims(it.shape[k], d), it.shape[k], d)
                        if v.equal is False:
                            raise ShapeMismatch(ErrorKind.AXIS,
                                _with_condition(
                                    f"boolean index did not match indexed array along dimension {dim_i + k}; "
                                    f"dimension is {_d(d)} but corresponding boolean dimension is "
                                    f"{_d(it.shape[k])}", v),
                                "", v.reason, v.condition,
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
        _check_index(it, shape[dim_i], dim_i)
        dim_i += 1
    if adv_shapes:
        try:
            bshape = broadcast(*adv_shapes)
        except ShapeMismatch:
            raise ShapeMismatch(ErrorKind.AXIS, "shape mismatch: indexing arrays could not be broadcast together")
        if bshape is None:
            return None
        if adv_contiguous:
            return tuple(out[:adv_pos]) + tuple(bshape) + tuple(out[adv_pos:])
        return tuple(bshape) + tuple(out)
    return tuple(out)


def _check_index(i: object, d: Dim, axis: int) -> None:
    """NumPy raises unless ``-d <= i < d``."""
    if not isinstance(i, (int, Sym)) or isinstance(i, bool) or d is None:
        return
    if isinstance(i, int) and isinstance(d, int):
        if not -d <= i < d:
            raise ShapeMismatch(ErrorKind.AXIS, f"index {i} is out of bounds for axis {axis} with size {d}")
        return
    if is_invented(i):
        return  # a loop variable or a computed index: it may be 0, it is no size
    nonneg, _ = at_least(i, 0)
    if nonneg is None:
        return
    # i >= d, or -i > d (that is, -i >= d + 1)
    beyond, reason = at_least(i, d) if nonneg else at_least(mul(i, -1), add(d, 1))
    if beyond:
        raise ShapeMismatch(ErrorKind.AXIS, f"index {_d(i)} is out of bounds for axis {axis} with size {_d(d)}",
                            "", reason)


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
            raise ShapeMismatch(ErrorKind.AXIS, f"np.einsum: operand {k} has {len(shape)} dimensions but subscripts '{spec}' name {len(spec)}")
        for label, d in zip(spec, shape):
            seen[label] = seen.get(label, 0) + 1
            if label not in sizes:
                sizes[label] = d
                continue
            # one label's sizes broadcast like operands do (1 stretches)
            size, failure = broadcast_dim(sizes[label], d)
            if failure is not None:
                raise ShapeMismatch(ErrorKind.PRODUCT, _with_condition(
                        f"np.einsum('{subscripts}'): label '{label}' is {_d(sizes[label])} in one operand "
                        f"and {_d(d)} in operand {k} ({fmt_shape(shape)})", failure),
                    "", failure.reason, failure.condition)
            sizes[label] = size
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
        raise ShapeMismatch(ErrorKind.AXIS, "np.diff: diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, len(shape), "np.diff")
    out = list(shape)
    d = sub(shape[ax], n)
    if isinstance(d, int):
        out[ax] = max(d, 0)
    else:
        enough, _ = at_least(shape[ax], n)
        out[ax] = None if enough is None else d if enough else 0
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
    if len(shape) > len(target):
        raise ShapeMismatch(ErrorKind.BROADCAST, f"np.broadcast_to: cannot broadcast a shape {fmt_shape(shape)} to "
                                     f"{fmt_shape(target)}: more dimensions than the target")
    padded = (1,) * (len(target) - len(shape)) + tuple(shape)
    for d, t in zip(padded, target):
        # each size must be 1 or the target's
        if d == 1:
            continue
        v = compare_dims(d, t)
        if v.equal is False:
            v1 = compare_dims(d, 1)
            if v1.equal is False:
                condition = _conditions((_shown(v, d, t), True), (v1, not _names_are_one(v1.condition)))
                raise ShapeMismatch(ErrorKind.BROADCAST, _with_condition(f"np.broadcast_to: cannot broadcast a shape {fmt_shape(shape)} "
                                             f"to {fmt_shape(target)}", Verdict(False, CONVENTION, condition)),
                    _runs_only_if(condition), weakest(v.reason, v1.reason), condition)
    return target


# -- padding --------------------------------------------------------------------

def _widths_layout(widths: Any) -> Optional[Tuple[int, ...]]:
    """The shape of ``np.asarray(pad_width)`` for nested tuples of sizes; None when ragged."""
    if not isinstance(widths, tuple):
        return ()
    inner = {_widths_layout(w) for w in widths}
    if len(inner) > 1 or None in inner:
        return None
    return (len(widths),) + (inner.pop() if inner else ())


def _flat_widths(widths: Any) -> List[Dim]:
    if not isinstance(widths, tuple):
        return [widths]
    return [d for w in widths for d in _flat_widths(w)]


def pad(shape: Shape, pad_width: Any) -> Shape:
    """``np.pad``: each axis grows by its (before, after) widths.  ``pad_width`` is a width or
    nested tuples of widths, made an array and broadcast to ``(ndim, 2)`` as NumPy does: one
    width for every side, one pair for every axis, or one pair per axis.  A width is often 0,
    so only one known as an int grows a size: a symbol here is not a size (the algebra takes
    every symbol for a positive size, and ``n + 2 * pad`` would never be ``n``)."""
    if shape is None:
        return None
    layout = _widths_layout(pad_width)
    if layout is None:
        return None  # ragged: NumPy refuses to make it an array, not a shape question
    flat = _flat_widths(pad_width)
    nd = len(shape)
    if len(layout) < 3 and len(flat) == 1:
        pairs = [(flat[0], flat[0])] * nd
    elif len(layout) < 3 and len(flat) == 2 and layout != (2, 1):
        pairs = [(flat[0], flat[1])] * nd
    else:
        grid = (1,) * (2 - len(layout)) + layout if len(layout) <= 2 else None
        if grid is None or grid[0] not in (1, nd) or grid[1] not in (1, 2):
            raise ShapeMismatch(
                ErrorKind.BROADCAST,
                f"np.pad: pad_width of shape {fmt_shape(layout)} does not fit the {nd}-dimensional array "
                f"of shape {fmt_shape(shape)}: it takes one (before, after) pair per axis, "
                f"{fmt_shape((nd, 2))}, or one pair for all")
        rows, cols = grid

        def at(i: int, j: int) -> Dim:
            return flat[(i if rows > 1 else 0) * cols + (j if cols > 1 else 0)]

        pairs = [(at(i, 0), at(i, 1)) for i in range(nd)]
    return tuple(add(d, before + after) if d is not None and type(before) is int and type(after) is int else None
                 for d, (before, after) in zip(shape, pairs))
