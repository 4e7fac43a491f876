"""Activation functions g(Z), their derivatives g'(Z), and their backward steps.

Every function works elementwise on a matrix of shape (n[l], m), except softmax
which normalizes each column.  The backward step of an activation turns
dA = dJ/dA[l] into dZ = dJ/dZ[l] = dA * g'(Z[l]); softmax has a full Jacobian
per column, so its backward step is the Jacobian-vector product instead.

The backward functions accept the forward output A as well as Z: most
derivatives are cheaper from A (sigmoid: A (1 - A); tanh: 1 - A**2), and the
mask of relu is the same from either.  ``out=`` lets the caller reuse dA's
memory when it owns dA.
"""

from __future__ import annotations

from typing import Callable, Dict, NamedTuple, Optional

import numpy as np

__all__ = [
    "sigmoid", "sigmoid_derivative", "sigmoid_backward",
    "tanh", "tanh_derivative", "tanh_backward",
    "relu", "relu_derivative", "relu_backward",
    "leaky_relu", "leaky_relu_derivative", "leaky_relu_backward",
    "softmax", "softmax_backward",
    "linear", "linear_derivative", "linear_backward_activation",
    "Activation", "ACTIVATIONS", "get_activation",
    "LEAKY_SLOPE",
]

#: Slope of leaky relu for Z < 0.
LEAKY_SLOPE = 0.01


# -- sigmoid ---------------------------------------------------------------------

def sigmoid(Z: np.ndarray) -> np.ndarray:
    """A = 1 / (1 + exp(-Z)), elementwise.

    Z -- pre-activation of shape (n[l], m)
    Returns A of the same shape and dtype.
    """
    # Same operations, in the same order, as 1 / (1 + np.exp(-Z)), but in one
    # buffer instead of three temporaries.  exp overflows to inf for Z < -709
    # (float64), and 1 / inf = 0 is the right limit, so the warning is noise.
    A = np.negative(Z)
    with np.errstate(over="ignore"):
        np.exp(A, out=A)
    A += 1
    np.reciprocal(A, out=A)
    return A


def sigmoid_derivative(Z: np.ndarray) -> np.ndarray:
    """g'(Z) = s (1 - s) with s = sigmoid(Z); shape (n[l], m)."""
    s = sigmoid(Z)
    return s * (1 - s)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray, A: Optional[np.ndarray] = None,
                     out: Optional[np.ndarray] = None) -> np.ndarray:
    """dZ = dA * s (1 - s).

    dA -- gradient of the cost with respect to A[l], shape (n[l], m)
    Z -- pre-activation cached by the forward step, shape (n[l], m)
    A -- sigmoid(Z) if the caller has it (saves an exp), shape (n[l], m)
    Returns dZ of shape (n[l], m).
    """
    s = sigmoid(Z) if A is None else A
    dZ = np.multiply(dA, s, out=out)
    dZ *= 1 - s
    return dZ


# -- tanh --------------------------------------------------------------------------

def tanh(Z: np.ndarray) -> np.ndarray:
    """A = tanh(Z), elementwise; shape (n[l], m)."""
    return np.tanh(Z)


def tanh_derivative(Z: np.ndarray) -> np.ndarray:
    """g'(Z) = 1 - tanh(Z)**2; shape (n[l], m)."""
    t = np.tanh(Z)
    return 1 - t * t


def tanh_backward(dA: np.ndarray, Z: np.ndarray, A: Optional[np.ndarray] = None,
                  out: Optional[np.ndarray] = None) -> np.ndarray:
    """dZ = dA * (1 - A**2) with A = tanh(Z); all of shape (n[l], m)."""
    t = np.tanh(Z) if A is None else A
    derivative = t * t
    np.subtract(1, derivative, out=derivative)
    return np.multiply(dA, derivative, out=out)


# -- relu --------------------------------------------------------------------------

def relu(Z: np.ndarray) -> np.ndarray:
    """A = max(0, Z), elementwise; shape (n[l], m)."""
    # NumPy 2 runs np.maximum against the scalar 0 about 3x slower than against
    # zeros broadcast along the other axis (contiguous inner loops on both
    # sides).  Same result bit for bit, NaN and -0.0 included.
    if Z.ndim == 2 and Z.dtype.kind == "f":
        column_major = Z.flags.f_contiguous and not Z.flags.c_contiguous
        zeros = np.zeros((Z.shape[0], 1) if column_major else (1, Z.shape[1]), Z.dtype)
        return np.maximum(Z, zeros)
    return np.maximum(Z, 0)


def relu_derivative(Z: np.ndarray) -> np.ndarray:
    """g'(Z) = 1 where Z > 0 else 0 (0 at Z = 0, as in the course); shape (n[l], m)."""
    return (Z > 0).astype(Z.dtype)


def relu_backward(dA: np.ndarray, Z: np.ndarray, A: Optional[np.ndarray] = None,
                  out: Optional[np.ndarray] = None) -> np.ndarray:
    """dZ = dA where Z > 0, else 0; all of shape (n[l], m)."""
    # Multiplying by the boolean mask is one pass; dZ[Z <= 0] = 0 on a copy is
    # two and a gather.  A > 0 exactly where Z > 0, so either cache works.
    return np.multiply(dA, Z > 0, out=out)


# -- leaky relu --------------------------------------------------------------------

def leaky_relu(Z: np.ndarray) -> np.ndarray:
    """A = Z where Z > 0, else LEAKY_SLOPE * Z; shape (n[l], m)."""
    A = Z * LEAKY_SLOPE
    return np.maximum(Z, A, out=A)


def leaky_relu_derivative(Z: np.ndarray) -> np.ndarray:
    """g'(Z) = 1 where Z > 0, else LEAKY_SLOPE; shape (n[l], m)."""
    return np.where(Z > 0, 1, LEAKY_SLOPE).astype(Z.dtype)


def leaky_relu_backward(dA: np.ndarray, Z: np.ndarray, A: Optional[np.ndarray] = None,
                        out: Optional[np.ndarray] = None) -> np.ndarray:
    """dZ = dA where Z > 0, else LEAKY_SLOPE * dA; shape (n[l], m)."""
    negative = Z <= 0
    dZ = _copy_into(dA, out)
    np.multiply(dZ, LEAKY_SLOPE, out=dZ, where=negative)
    return dZ


def _copy_into(dA: np.ndarray, out: Optional[np.ndarray]) -> np.ndarray:
    """dA's values in *out* (a new array when out is None; dA itself when out is dA)."""
    if out is None:
        return dA.copy()
    if out is not dA:
        np.copyto(out, dA)
    return out


# -- softmax -----------------------------------------------------------------------

def softmax(Z: np.ndarray) -> np.ndarray:
    """A[:, j] = exp(Z[:, j]) / sum(exp(Z[:, j])), column by column.

    Z -- pre-activation of shape (n[L], m); each column is one example
    Returns A of shape (n[L], m), each column summing to 1.
    """
    # Subtracting the column maximum changes nothing mathematically and keeps
    # exp from overflowing.  The column reductions run along rows of a C-ordered
    # matrix; on an F-ordered one (a float32 network fed column-major X) each
    # column would be a separate short reduction, several times slower than
    # copying first.
    if not Z.flags.c_contiguous:
        Z = np.ascontiguousarray(Z)
    E = Z - Z.max(axis=0, keepdims=True)
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def softmax_backward(dA: np.ndarray, Z: np.ndarray, A: Optional[np.ndarray] = None,
                     out: Optional[np.ndarray] = None) -> np.ndarray:
    """dZ = A * (dA - sum(A * dA, over each column)): the softmax Jacobian times dA.

    dA, Z, A -- shape (n[L], m); returns dZ of shape (n[L], m).
    """
    s = softmax(Z) if A is None else A
    weighted = (s * dA).sum(axis=0, keepdims=True)
    dZ = np.subtract(dA, weighted, out=out)
    dZ *= s
    return dZ


# -- linear (identity, for regression outputs) ---------------------------------------

def linear(Z: np.ndarray) -> np.ndarray:
    """A = Z (identity output for regression); shape (n[L], m)."""
    return Z


def linear_derivative(Z: np.ndarray) -> np.ndarray:
    """g'(Z) = 1; shape (n[L], m)."""
    return np.ones_like(Z)


def linear_backward_activation(dA: np.ndarray, Z: np.ndarray, A: Optional[np.ndarray] = None,
                               out: Optional[np.ndarray] = None) -> np.ndarray:
    """dZ = dA for the identity activation; shape (n[L], m).

    Returns dA itself when no *out* is given: nothing downstream writes to dZ.
    """
    if out is None:
        return dA
    return _copy_into(dA, out)


class Activation(NamedTuple):
    """An activation's forward function, elementwise derivative and backward step."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Optional[Callable[[np.ndarray], np.ndarray]]  # None: not elementwise
    backward: Callable[..., np.ndarray]
    output_only: bool = False


ACTIVATIONS: Dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative, sigmoid_backward),
    "tanh": Activation("tanh", tanh, tanh_derivative, tanh_backward),
    "relu": Activation("relu", relu, relu_derivative, relu_backward),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_derivative,
                             leaky_relu_backward),
    "softmax": Activation("softmax", softmax, None, softmax_backward, output_only=True),
    "linear": Activation("linear", linear, linear_derivative, linear_backward_activation),
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name, with the list of names in the error."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
