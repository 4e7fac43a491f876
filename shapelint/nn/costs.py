"""Cost functions J(AL, Y), their derivatives dJ/dAL, and L2 regularization.

AL and Y have shape (n[L], m), one column per example.  Every cost is the mean
over the m examples of a per-example loss.  Following the course, the
derivative functions return the derivative of the *per-example* loss (for
cross-entropy, ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``): the 1/m is applied
once, in linear_backward, where dW and db are formed.

For the three output/cost pairs whose chain rule collapses, sigmoid with
binary cross-entropy, softmax with categorical cross-entropy and the linear
output with mean squared error, ``dZ[L] = AL - Y`` exactly; model_backward
uses that (``FUSED_PAIRS``) instead of dividing by AL and multiplying back.
"""

from __future__ import annotations

from typing import Callable, Dict, NamedTuple

import numpy as np

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_derivative",
    "categorical_cross_entropy", "categorical_cross_entropy_derivative",
    "mean_squared_error", "mean_squared_error_derivative",
    "l2_cost", "Cost", "COSTS", "get_cost", "FUSED_PAIRS", "DEFAULT_COST",
]


def binary_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """J = -1/m * sum(Y log(AL) + (1 - Y) log(1 - AL)).

    AL -- probabilities from the sigmoid output, shape (n[L], m)
    Y -- 0/1 labels, shape (n[L], m)
    Returns the cost as a Python float (for n[L] > 1 the losses of the n[L]
    independent outputs are added).
    """
    m = AL.shape[1]
    # The course writes this with np.dot(Y, log(AL).T); vdot is the same sum of
    # products for any n[L], done by one BLAS dot.
    total = np.vdot(Y, np.log(AL)) + np.vdot(1 - Y, np.log(1 - AL))
    return float(-total / m)


def binary_cross_entropy_derivative(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dAL = -(Y / AL - (1 - Y) / (1 - AL)), shape (n[L], m)."""
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


def categorical_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """J = -1/m * sum(Y log(AL)).

    AL -- class probabilities from the softmax output, shape (n[L], m)
    Y -- one-hot labels, shape (n[L], m)
    """
    m = AL.shape[1]
    return float(-np.vdot(Y, np.log(AL)) / m)


def categorical_cross_entropy_derivative(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dAL = -Y / AL, shape (n[L], m)."""
    return -np.divide(Y, AL)


def mean_squared_error(AL: np.ndarray, Y: np.ndarray) -> float:
    """J = 1/(2m) * sum((AL - Y)**2).

    AL -- predictions, shape (n[L], m);  Y -- targets, shape (n[L], m).
    The 1/2 makes the per-example derivative exactly AL - Y.
    """
    m = AL.shape[1]
    diff = AL - Y
    return float(np.vdot(diff, diff) / (2 * m))


def mean_squared_error_derivative(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dAL = AL - Y, shape (n[L], m)."""
    return AL - Y


def l2_cost(parameters: Dict[str, np.ndarray], lambd: float, m: int) -> float:
    """The L2 term lambd / (2m) * sum over layers of ||W[l]||_F**2 (biases excluded).

    Its gradient, added to each dW[l] by linear_backward, is lambd / m * W[l].
    """
    total = 0.0
    for key, value in parameters.items():
        if key.startswith("W"):
            total += float(np.vdot(value, value))
    return lambd / (2 * m) * total


class Cost(NamedTuple):
    """A cost function and the derivative of its per-example loss."""

    name: str
    function: Callable[[np.ndarray, np.ndarray], float]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]


COSTS: Dict[str, Cost] = {
    "binary_cross_entropy": Cost("binary_cross_entropy", binary_cross_entropy,
                                 binary_cross_entropy_derivative),
    "categorical_cross_entropy": Cost("categorical_cross_entropy", categorical_cross_entropy,
                                      categorical_cross_entropy_derivative),
    "mean_squared_error": Cost("mean_squared_error", mean_squared_error,
                               mean_squared_error_derivative),
}

_ALIASES = {
    "bce": "binary_cross_entropy",
    "cross_entropy": "binary_cross_entropy",
    "cce": "categorical_cross_entropy",
    "mse": "mean_squared_error",
}

#: (output activation, cost) pairs for which dZ[L] = AL - Y.
FUSED_PAIRS = frozenset({
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    ("linear", "mean_squared_error"),
})

#: The natural cost of each output activation.
DEFAULT_COST = {
    "sigmoid": "binary_cross_entropy",
    "softmax": "categorical_cross_entropy",
    "linear": "mean_squared_error",
    "tanh": "mean_squared_error",
    "relu": "mean_squared_error",
    "leaky_relu": "mean_squared_error",
}


def get_cost(name: str) -> Cost:
    """Look a cost up by name or alias ("bce", "cce", "mse")."""
    key = _ALIASES.get(name, name)
    try:
        return COSTS[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown cost {name!r}; choose one of {sorted(COSTS) + sorted(_ALIASES)}"
        ) from None
