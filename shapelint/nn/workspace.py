"""The training step of Model with preallocated buffers (internal).

:meth:`shapelint.nn.Model.train_step` runs an iteration through a
:class:`Workspace` when the configuration allows it (relu hidden layers, an
output/cost pair whose dZ[L] is AL - Y, no dropout, a built-in optimizer) and
through the step-by-step functions of :mod:`shapelint.nn.functional` otherwise.
Both give the same numbers bit for bit (tests/nn/test_nn_workspace.py): the
workspace makes the same BLAS calls on operands of the same layouts and applies
the same element-wise operations in the same order; it only changes where the
results are written and how the passes over memory are grouped.

Buffers, per batch shape (n[0], m), kept between iterations:

    Z[l]     (n[l], m)        Z[l]; for relu layers overwritten by A[l], and in the
                              backward pass by dA[l] and then dZ[l]
    mask[l]  (n[l], m) bool   Z[l] > 0, for relu'
    dW[l]    (n[l], n[l-1])   in Z[l+1]'s buffer when it fits; db[l] (n[l], 1)

What this saves, per iteration of [784, 256, 128, 10] with m = 2048 (measured
with bench/bench_nn.py): allocating and first-touching every tensor;
np.maximum(Z, 0) with a scalar, which NumPy 2 runs about 3x slower than
np.maximum against an array of zeros; separate passes of bias, relu, mask,
relu' and db over whole (n[l], m) matrices, which run here block by block
(about 256 KB, a quarter of L2) while the block is in cache; the temporaries of
``W -= learning_rate * dW``; about a third of the memory touched per iteration,
since dA[l] reuses the buffer of A[l] (dW[l+1] is its last reader).  Buffers
are page-aligned, which OpenBLAS's kernels write slightly faster.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

from shapelint.nn.costs import FUSED_PAIRS, get_cost
from shapelint.nn.optim import Adam, GradientDescent, Momentum, Optimizer

__all__ = ["Workspace", "workspace_applies"]

#: Bytes of one block of the element-wise passes: a quarter of a 1 MB L2.
BLOCK_BYTES = 256 * 1024
_ALIGN = 4096
_BUILTIN_OPTIMIZERS = (GradientDescent, Momentum, Adam)


def workspace_applies(hidden: str, output: str, cost: str, keep_prob: float,
                      optimizer: Optimizer) -> bool:
    """True when Workspace.step computes what the functional path computes."""
    return (hidden == "relu" and keep_prob >= 1.0
            and (output, get_cost(cost).name) in FUSED_PAIRS
            and type(optimizer) in _BUILTIN_OPTIMIZERS)


def _prefer_transposed(right: np.ndarray) -> bool:
    # Must stay the rule of shapelint.nn.functional._prefer_transposed.
    return right.dtype == np.float32 and right.flags.f_contiguous and not right.flags.c_contiguous


def _aligned_empty(shape: Tuple[int, ...], dtype: np.dtype, order: str) -> np.ndarray:
    """np.empty(shape, dtype, order) starting on a page boundary."""
    nbytes = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(nbytes + _ALIGN, np.uint8)
    start = -raw.ctypes.data % _ALIGN
    return raw[start:start + nbytes].view(dtype).reshape(shape, order=order)


def _blocks(shape: Tuple[int, int], itemsize: int, f_order: bool) -> List[Tuple[slice, slice]]:
    """Index pairs cutting an (n, m) matrix into contiguous blocks of about BLOCK_BYTES.

    Row blocks for a C-ordered matrix, column blocks for an F-ordered one.
    """
    n, m = shape
    if f_order:
        step = max(1, BLOCK_BYTES // max(1, n * itemsize))
        return [(slice(None), slice(j, min(m, j + step))) for j in range(0, m, step)]
    step = max(1, BLOCK_BYTES // max(1, m * itemsize))
    return [(slice(i, min(n, i + step)), slice(None)) for i in range(0, n, step)]


class _Layer:
    """The buffers of one layer for one batch shape, and their blocks as views.

    blocks -- for hidden layers: (rows, Z block, zeros, mask block, db rows) per
              block of Z; rows index b; db rows is None for F-ordered Z
    w_blocks -- (rows, dW block) per block of dW
    """

    __slots__ = ("Z", "f_order", "blocks", "mask", "dW", "db", "w_blocks")

    def __init__(self, n: int, n_prev: int, m: int, dtype: np.dtype, f_order: bool,
                 hidden: bool):
        order = "F" if f_order else "C"
        self.f_order = f_order
        self.Z = _aligned_empty((n, m), dtype, order)
        self.dW = _aligned_empty((n, n_prev), dtype, "C")
        self.db = np.empty((n, 1), dtype)
        self.blocks: list = []
        self.w_blocks: list = []
        self.mask = None
        if hidden:
            self.mask = np.empty((n, m), bool, order=order)
            cuts = _blocks((n, m), dtype.itemsize, f_order)
            zeros = np.zeros(self.Z[cuts[0]].shape, dtype, order=order)
            for rows, cols in cuts:
                block = self.Z[rows, cols]
                zero = zeros[:block.shape[0], :block.shape[1]]
                self.blocks.append((rows, block, zero, self.mask[rows, cols],
                                    None if f_order else self.db[rows]))
        self.use_dW(self.dW)

    def use_dW(self, dW: np.ndarray) -> None:
        self.dW = dW
        self.w_blocks = [(rows, dW[rows]) for rows, _ in _blocks(dW.shape, dW.itemsize, False)]


class Workspace:
    """Buffers for training a network of *layer_dims* on batches shaped like *X*.

    The layouts follow the operands: a product whose right-hand side is an
    F-ordered float32 matrix is computed transposed, as in
    shapelint.nn.functional, and its result is F-ordered, and so on down the
    network.  key(X) tells which workspace fits a batch.
    """

    def __init__(self, layer_dims, X: np.ndarray):
        self.dims = tuple(layer_dims)
        self.dtype = X.dtype
        self.m = X.shape[1]
        self.x_transposed = _prefer_transposed(X)
        L = len(self.dims) - 1
        self.names = [None] + [(f"W{l}", f"b{l}") for l in range(1, L + 1)]
        self.layers: List[_Layer] = []
        transposed = self.x_transposed
        for l in range(1, L + 1):
            n = self.dims[l]
            # (A.T @ W.T).T is F-ordered unless it has a single row (then it is both).
            f_order = transposed and n > 1
            layer = _Layer(n, self.dims[l - 1], self.m, self.dtype, f_order, hidden=l < L)
            self.layers.append(layer)
            transposed = _prefer_transposed(layer.Z)
        # dW[l] is computed after dW[l+1] and dA[l], the last readers of dZ[l+1]:
        # when it fits, it takes that buffer (memory the iteration just touched).
        for l in range(1, L - 1):
            host, layer = self.layers[l], self.layers[l - 1]
            if host.Z.size >= layer.dW.size:
                flat = host.Z.reshape(-1, order="A")
                layer.use_dW(flat[:layer.dW.size].reshape(layer.dW.shape))

    @staticmethod
    def key(X: np.ndarray) -> Tuple[int, np.dtype, bool]:
        return X.shape[1], X.dtype, _prefer_transposed(X)

    def fits(self, parameters: Dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> bool:
        """Whether the shapes and dtypes are the ones the buffers were made for.

        Anything else (a wrong shape included) goes to the functional path,
        which raises the ShapeError or InputError that names the culprit.
        """
        dims, dtype = self.dims, self.dtype
        L = len(dims) - 1
        if (not isinstance(Y, np.ndarray) or X.shape != (dims[0], self.m) or X.dtype != dtype
                or Y.ndim != 2 or Y.shape != (dims[L], self.m)
                or len(parameters) != 2 * L):
            return False
        for l in range(1, L + 1):
            W_name, b_name = self.names[l]
            W = parameters.get(W_name)
            b = parameters.get(b_name)
            if (W is None or b is None or W.shape != (dims[l], dims[l - 1])
                    or b.shape != (dims[l], 1) or W.dtype != dtype or b.dtype != dtype):
                return False
        return True

    # -- forward ------------------------------------------------------------------------

    def forward(self, parameters: Dict[str, np.ndarray], X: np.ndarray, output) -> np.ndarray:
        """Z[l] = W[l] A[l-1] + b[l]; relu for l < L, *output* (an Activation) for L."""
        A_prev = X
        last = len(self.layers) - 1
        for index, layer in enumerate(self.layers):
            l = index + 1
            W_name, b_name = self.names[l]
            W, b = parameters[W_name], parameters[b_name]
            Z = layer.Z
            if _prefer_transposed(A_prev):
                np.matmul(A_prev.T, W.T, out=Z.T)
            else:
                np.matmul(W, A_prev, out=Z)
            if index == last:
                np.add(Z, b, out=Z)
                return output.forward(Z)
            # Z += b; A = np.maximum(Z, 0); mask = Z > 0, one block at a time.
            for rows, block, zero, mask, _ in layer.blocks:
                np.add(block, b[rows], out=block)
                np.maximum(block, zero, out=block)
                np.greater(block, 0, out=mask)
            A_prev = Z
        raise AssertionError("unreachable")  # pragma: no cover

    # -- backward and update --------------------------------------------------------------

    def backward(self, parameters: Dict[str, np.ndarray], X: np.ndarray, AL: np.ndarray,
                 Y: np.ndarray, learning_rate: float, lambd: float,
                 optimizer: Optimizer) -> None:
        """dZ[L] = AL - Y, then dW, db and dA[l-1] layer by layer, then the update.

        Gradient descent updates W[l], b[l] as soon as dA[l-1] no longer needs
        W[l]; the other optimizers get the whole grads dict at the end.
        """
        lr = float(learning_rate)
        fused_update = type(optimizer) is GradientDescent
        inv_m = 1.0 / X.shape[1]
        L = len(self.layers)
        grads: Dict[str, np.ndarray] = {}
        dZ = np.subtract(AL, Y)
        layer = self.layers[L - 1]
        db = np.sum(dZ, axis=1, keepdims=True, out=layer.db)
        for l in range(L, 0, -1):
            layer = self.layers[l - 1]
            W_name, b_name = self.names[l]
            W, b = parameters[W_name], parameters[b_name]
            A_prev = X if l == 1 else self.layers[l - 2].Z
            dW = np.matmul(dZ, A_prev.T, out=layer.dW)
            # dW *= 1/m: here, or block by block in the update below while
            # the block is in cache.
            scale_in_update = fused_update and not lambd
            if not scale_in_update:
                np.multiply(dW, inv_m, out=dW)
                if lambd:
                    dW += (float(lambd) * inv_m) * W
            np.multiply(db, inv_m, out=db)
            if l > 1:
                below = self.layers[l - 2]
                # dA[l-1] overwrites A[l-1]: dW[l] was its last reader (the relu
                # mask is kept apart), and the product lays it out the same way.
                dA = below.Z
                if _prefer_transposed(A_prev):
                    np.matmul(dZ.T, W, out=dA.T)
                else:
                    np.matmul(W.T, dZ, out=dA)
                db_below = self._relu_backward(below, dA)
            if fused_update:
                # W -= lr * dW without the temporary: the same two roundings.
                for rows, grad in layer.w_blocks:
                    if scale_in_update:
                        np.multiply(grad, inv_m, out=grad)
                    np.multiply(grad, lr, out=grad)
                    param = W[rows]
                    np.subtract(param, grad, out=param)
                np.multiply(db, lr, out=db)
                np.subtract(b, db, out=b)
            else:
                grads["d" + W_name] = dW
                grads["d" + b_name] = db
            if l > 1:
                dZ, db = dA, db_below
        if not fused_update:
            optimizer.step(parameters, grads, lr)

    @staticmethod
    def _relu_backward(layer: _Layer, dA: np.ndarray) -> np.ndarray:
        """dZ = dA * (Z > 0) in dA's memory (Z's buffer); returns db = sum(dZ, axis=1)."""
        for _, block, _, mask, db_rows in layer.blocks:
            np.multiply(block, mask, out=block)
            if db_rows is not None:
                np.sum(block, axis=1, keepdims=True, out=db_rows)
        if layer.f_order:
            # Summing column blocks would change the order of the additions
            # (NumPy adds the columns of an F-ordered matrix one after another).
            np.sum(dA, axis=1, keepdims=True, out=layer.db)
        return layer.db

    def step(self, parameters: Dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
             learning_rate: float, lambd: float, optimizer: Optimizer, output, cost_function,
             check_cost) -> float:
        """Forward, cost, check_cost(cost), backward and update; returns the cost."""
        AL = self.forward(parameters, X, output)
        cost = cost_function(AL)
        check_cost(cost)
        self.backward(parameters, X, AL, Y, learning_rate, lambd, optimizer)
        return cost
