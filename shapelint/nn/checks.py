"""Shape, dtype and value assertions for the column layout, and their messages.

The column layout (one column per example)::

    X            (n[0], m)        also written (n_x, m)
    W[l]         (n[l], n[l-1])
    b[l]         (n[l], 1)
    Z[l], A[l]   (n[l], m)        and so dZ[l], dA[l]
    Y            (n[L], m)

Every function of :mod:`shapelint.nn` checks the tensors it is given against
this layout and raises :class:`shapelint.ShapeError` naming the layer, the
tensor, the expected shape in symbols and in numbers, what arrived, and a hint
where the mistake has a usual cause::

    in linear_forward, layer 2: W2: expected (n[2], n[1]) = (7, 20), got (20, 7)
      hint: W2 looks transposed: got (n[1], n[2]); use W2.T

A check is a comparison of two ``.shape`` tuples; the message is built only
when it fails, so leaving the checks on costs microseconds per iteration.
Switch them off with :func:`set_checks` (global), :func:`shape_checks` (a
``with`` block) or ``Model(check_shapes=False)``.

Values (NaN/inf) are scanned once when data enters ``Model.fit``/``predict``,
not in every step, because a scan reads the whole array; during training the
cost is checked each iteration instead, which catches divergence at once.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np

from shapelint.errors import ShapeError

__all__ = [
    "ShapeError",
    "InputError",
    "NonFiniteCostError",
    "enabled",
    "set_checks",
    "shape_checks",
    "check_shape",
    "check_data",
    "check_labels",
    "check_finite",
    "check_float",
    "check_same_dtype",
    "check_cost",
    "infer_layer_dims",
    "format_shape_error",
]

#: Global switch read by every function of shapelint.nn at call time.  Change it
#: with set_checks()/shape_checks() rather than by assignment from another
#: module's namespace (``from ... import enabled`` copies the value).
enabled: bool = True


class InputError(ValueError):
    """An array has the right shape but a wrong dtype or non-finite values."""


class NonFiniteCostError(FloatingPointError):
    """The cost became NaN or infinite during training.

    ``iteration`` is the index (0-based) of the iteration whose cost it was.
    """

    def __init__(self, message: str, iteration: int, cost: float):
        super().__init__(message)
        self.iteration = iteration
        self.cost = cost


def set_checks(flag: bool) -> bool:
    """Turn the shape/dtype assertions on or off for the whole process.

    Returns the previous setting so that callers can restore it.
    """
    global enabled
    previous = enabled
    enabled = bool(flag)
    return previous


@contextlib.contextmanager
def shape_checks(flag: bool) -> Iterator[None]:
    """``with shape_checks(False): ...`` runs the block with checks set to *flag*."""
    previous = set_checks(flag)
    try:
        yield
    finally:
        set_checks(previous)


# -- message formatting -------------------------------------------------------


def tensor_name(tensor: str, layer: Optional[int]) -> str:
    """The course's name of *tensor* at *layer*: "W" at layer 2 is "W2".

    "A_prev" and "dA_prev" belong to the layer before: A_prev at layer 3 is
    "A2", and at layer 1 it is the input "X".  Names are left as given when
    the layer is unknown or the name is already complete (X, Y, AL).
    """
    if layer is None or tensor in ("X", "Y", "AL", "dAL"):
        return tensor
    if tensor.endswith("_prev"):
        base = tensor[: -len("_prev")]
        return "X" if layer == 1 and base == "A" else f"{base}{layer - 1}"
    return f"{tensor}{layer}"


def _render_symbol(symbol: str, layer: Optional[int]) -> str:
    """Substitute the layer index into a symbol template: n[l-1] -> n[1]."""
    if layer is None or "[l" not in symbol:
        return symbol
    return symbol.replace("[l-1]", f"[{layer - 1}]").replace("[l]", f"[{layer}]")


def _fmt_symbols(symbols: Sequence[str]) -> str:
    return "(" + ", ".join(symbols) + ("," if len(symbols) == 1 else "") + ")"


def _fmt_numbers(numbers: Sequence[Optional[int]]) -> str:
    inner = ", ".join("?" if n is None else str(n) for n in numbers)
    return "(" + inner + ("," if len(numbers) == 1 else "") + ")"


def _hint(name: str, expected: Tuple, symbols: Sequence[str], got: Tuple) -> Optional[str]:
    """The usual cause of a mismatch, or None when nothing obvious applies."""
    if len(expected) == 2 and len(got) == 1:
        if expected[0] == 1:
            return f"{name} is rank-1: use {name}.reshape(1, -1)"
        if expected[1] == 1:
            return f"{name} is rank-1: use {name}.reshape(-1, 1)"
        return f"{name} is rank-1: the column layout needs {_fmt_symbols(symbols)}"
    if len(expected) == 2 and len(got) == 2:
        rows, cols = expected
        if got == (cols, rows) and rows != cols and None not in expected:
            return (
                f"{name} looks transposed: got {_fmt_symbols(tuple(reversed(symbols)))}; "
                f"use {name}.T"
            )
        if rows is not None and got[0] == rows and cols is not None and symbols[1] == "m":
            return (
                f"{name} has {got[1]} columns (examples) but m = {cols}: every tensor of "
                "one batch needs the same m"
            )
    if len(got) > len(expected):
        return f"{name} has rank {len(got)}: flatten each example into one column first"
    return None


def format_shape_error(
    tensor: str,
    layer: Optional[int],
    symbols: Sequence[str],
    expected: Tuple,
    got: Tuple,
    where: str,
    hint: Optional[str] = None,
) -> str:
    """Build the message ``in WHERE, layer L: T: expected (syms) = (nums), got (...)``."""
    name = tensor_name(tensor, layer)
    rendered = [_render_symbol(s, layer) for s in symbols]
    place = f"in {where}" + (f", layer {layer}" if layer is not None else "")
    message = (
        f"{place}: {name}: expected {_fmt_symbols(rendered)} = {_fmt_numbers(expected)}, "
        f"got {tuple(got)}"
    )
    hint = hint or _hint(name, expected, rendered, tuple(got))
    if hint:
        message += f"\n  hint: {hint}"
    return message


# -- the checks ----------------------------------------------------------------


def check_shape(
    array: np.ndarray,
    expected: Tuple,
    tensor: str,
    layer: Optional[int],
    symbols: Sequence[str],
    where: str,
    hint: Optional[str] = None,
) -> None:
    """Raise ShapeError unless ``array.shape == expected``.

    *tensor* is the name without the layer index ("W"), *symbols* the expected
    shape in symbols with ``l`` for the layer (``("n[l]", "n[l-1]")``).
    ``None`` in *expected* matches any size (used for ``m`` when it is not yet
    known).
    """
    shape = array.shape
    if shape == expected:
        return
    if len(shape) == len(expected) and all(
        e is None or e == s for e, s in zip(expected, shape)
    ):
        return
    raise ShapeError(format_shape_error(tensor, layer, symbols, expected, shape, where, hint))


def check_float(array: np.ndarray, name: str, where: str) -> None:
    """Raise InputError unless *array* has a floating dtype."""
    if array.dtype.kind == "f":
        return
    hint = f"convert it: {name}.astype(np.float64)"
    if array.dtype == np.uint8:
        hint = f"{name} looks like raw pixels: use {name}.astype(np.float64) / 255"
    raise InputError(
        f"in {where}: {name}: expected a floating dtype, got {array.dtype}\n  hint: {hint}"
    )


def check_same_dtype(array: np.ndarray, reference: np.ndarray, name: str, ref_name: str,
                     where: str) -> None:
    """Raise InputError if *array* and *reference* differ in dtype.

    Mixing float32 and float64 silently upcasts every product to float64, which
    doubles the memory traffic of a float32 model; it is almost never meant.
    """
    if array.dtype == reference.dtype:
        return
    raise InputError(
        f"in {where}: {name} has dtype {array.dtype} but {ref_name} has {reference.dtype}\n"
        f"  hint: use {name}.astype(np.{reference.dtype}) (mixing them upcasts silently)"
    )


def check_finite(array: np.ndarray, name: str, where: str) -> None:
    """Raise InputError if *array* holds NaN or inf (reads the whole array)."""
    if np.isfinite(array).all():
        return
    bad = np.argwhere(~np.isfinite(array))
    count = len(bad)
    first = tuple(int(i) for i in bad[0])
    value = array[first]
    raise InputError(
        f"in {where}: {name} holds {count} non-finite value(s); first {value} at index {first}"
    )


def check_data(X: np.ndarray, n_x: int, where: str) -> int:
    """Check the input matrix X against (n_x, m) and return m.

    X -- input data of shape (n_x, m): one column per example
    """
    if not isinstance(X, np.ndarray):
        raise InputError(f"in {where}: X: expected a numpy array, got {type(X).__name__}")
    shape = X.shape
    if len(shape) == 2 and shape[0] == n_x:
        return shape[1]
    hint = None
    if len(shape) == 2 and shape[1] == n_x:
        hint = (
            f"X looks transposed: got (m, n_x) = {shape}; the column layout puts one "
            "example per column: use X.T"
        )
    elif len(shape) > 2 and shape[0] and int(np.prod(shape[1:])) == n_x:
        hint = "X holds unflattened examples: use X.reshape(X.shape[0], -1).T"
    elif len(shape) == 1:
        hint = "X is rank-1: a single example is X.reshape(-1, 1)"
    raise ShapeError(format_shape_error("X", None, ("n_x", "m"), (n_x, None), shape, where, hint))


def check_labels(Y: np.ndarray, n_y: int, m: int, where: str) -> None:
    """Check the labels Y against (n[L], m).

    Y -- labels of shape (n[L], m): for sigmoid output 0/1 values, for softmax
         one-hot columns
    """
    if not isinstance(Y, np.ndarray):
        raise InputError(f"in {where}: Y: expected a numpy array, got {type(Y).__name__}")
    shape = Y.shape
    if shape == (n_y, m):
        return
    hint = None
    if len(shape) == 1:
        hint = (
            "Y is rank-1: use Y.reshape(1, -1)" if n_y == 1 else
            f"Y is rank-1: one-hot encode the class indices: np.eye({n_y})[Y].T"
        )
    elif shape == (m, n_y) and m != n_y:
        hint = f"Y looks transposed: got (m, n[L]) = {shape}; use Y.T"
    elif shape == (1, m) and n_y > 1:
        hint = (
            f"Y holds one class index per example: one-hot encode it to (n[L], m), "
            f"e.g. np.eye({n_y})[Y.ravel()].T"
        )
    elif len(shape) == 2 and shape[0] == n_y and shape[1] != m:
        hint = f"Y has {shape[1]} examples but X has m = {m}"
    raise ShapeError(format_shape_error("Y", None, ("n[L]", "m"), (n_y, m), shape, where, hint))


def check_cost(cost: float, iteration: int, where: str = "fit") -> None:
    """Raise NonFiniteCostError if the cost of *iteration* is NaN or infinite."""
    if math.isfinite(cost):
        return
    raise NonFiniteCostError(
        f"in {where}: the cost is {cost} at iteration {iteration}: training diverged or "
        "an output saturated (log(0))\n  hint: lower the learning rate, check the input "
        "scaling (e.g. pixels / 255), or use a smaller initialization",
        iteration,
        cost,
    )


def infer_layer_dims(parameters: dict, where: str) -> Tuple[int, ...]:
    """Recover layer_dims [n[0], ..., n[L]] from W1, b1, ..., WL, bL and check them.

    n[l] can be read in three places: the rows of W[l], the rows of b[l] and the
    columns of W[l+1].  Taking the majority (ties go to b[l]) lets a single
    wrong tensor be named as the wrong one instead of blaming its neighbour.
    """
    L = len(parameters) // 2
    if L == 0 or any(f"W{l}" not in parameters or f"b{l}" not in parameters
                     for l in range(1, L + 1)):
        raise ShapeError(
            f"in {where}: parameters must hold W1, b1, ..., WL, bL; got keys "
            f"{sorted(parameters)}"
        )
    Ws = [parameters[f"W{l}"] for l in range(1, L + 1)]
    bs = [parameters[f"b{l}"] for l in range(1, L + 1)]
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        if W.ndim != 2:
            raise ShapeError(format_shape_error(
                "W", l, ("n[l]", "n[l-1]"), (None, None), W.shape, where,
                f"W{l} must be a matrix (n[{l}], n[{l - 1}])"))
        if b.ndim not in (1, 2):
            raise ShapeError(format_shape_error(
                "b", l, ("n[l]", "1"), (None, 1), b.shape, where))

    def vote(candidates: Sequence[int], preferred: int) -> int:
        best = max(candidates, key=lambda c: (candidates.count(c), c == preferred))
        return best

    dims = [0]
    for l in range(1, L + 1):
        candidates = [Ws[l - 1].shape[0], bs[l - 1].shape[0]]
        if l < L:
            candidates.append(Ws[l].shape[1])
        dims.append(vote(candidates, bs[l - 1].shape[0]))
    # n[0] appears only in W1: its columns, or its rows when W1 is transposed.
    W1 = Ws[0]
    transposed = W1.shape[0] != dims[1] and W1.shape[1] == dims[1]
    dims[0] = W1.shape[0] if transposed else W1.shape[1]
    for l in range(1, L + 1):
        if Ws[l - 1].shape != (dims[l], dims[l - 1]):
            raise ShapeError(format_shape_error(
                "W", l, ("n[l]", "n[l-1]"), (dims[l], dims[l - 1]), Ws[l - 1].shape, where))
        if bs[l - 1].shape != (dims[l], 1):
            raise ShapeError(format_shape_error(
                "b", l, ("n[l]", "1"), (dims[l], 1), bs[l - 1].shape, where))
    return tuple(dims)
