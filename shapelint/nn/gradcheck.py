"""Gradient checking: backpropagation against two-sided finite differences.

For every entry theta_i of the flattened parameters (W1, b1, ..., WL, bL, each
in C order)::

    gradapprox_i = (J(theta_i + epsilon) - J(theta_i - epsilon)) / (2 epsilon)

    difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)

A correct backward pass gives a difference around 1e-9 in float64 and small
nets; 1e-7 is the usual threshold.  The check runs in float64 whatever the
parameters' dtype (float32 rounding alone would exceed the threshold), and
without dropout (a finite difference needs the same function at both points).
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np

from shapelint.nn.costs import DEFAULT_COST
from shapelint.nn.functional import compute_cost, model_backward, model_forward

__all__ = ["GradCheckResult", "gradient_check", "parameters_to_vector"]


class GradCheckResult(NamedTuple):
    """What gradient_check found.

    difference -- relative difference over all parameters
    worst_parameter -- name of the parameter (e.g. "W2") whose own relative
                       difference is largest
    worst_index -- index inside that parameter of its largest absolute error
    per_parameter -- relative difference of each parameter on its own
    grad, gradapprox -- the flattened backprop and numerical gradients
    """

    difference: float
    worst_parameter: str
    worst_index: Tuple[int, ...]
    per_parameter: Dict[str, float]
    grad: np.ndarray
    gradapprox: np.ndarray

    def passed(self, threshold: float = 1e-7) -> bool:
        return self.difference < threshold


def _relative_difference(grad: np.ndarray, approx: np.ndarray) -> float:
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - approx) / denominator)


def parameters_to_vector(parameters: Dict[str, np.ndarray]) -> np.ndarray:
    """Concatenate W1, b1, ..., WL, bL, each flattened in C order, into one vector."""
    L = len(parameters) // 2
    return np.concatenate([parameters[f"{k}{l}"].ravel()
                           for l in range(1, L + 1) for k in ("W", "b")])


def gradient_check(parameters: Dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
                   hidden: str = "relu", output: str = "sigmoid", cost: Optional[str] = None,
                   lambd: float = 0.0, epsilon: float = 1e-7,
                   grads: Optional[Dict[str, np.ndarray]] = None) -> GradCheckResult:
    """Compare backpropagation with two-sided differences over every parameter.

    Arguments:
    parameters -- dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1); not modified
    X -- input data of shape (n[0], m)
    Y -- labels of shape (n[L], m)
    hidden, output, cost, lambd -- the network and cost to check (cost defaults
                                   to the natural one for the output)
    epsilon -- the finite-difference step
    grads -- gradients to check instead of model_backward's (to test your own
             backward pass); keys dW[l], db[l]

    Returns:
    a GradCheckResult (difference, worst_parameter, worst_index, ...)
    """
    cost = cost or DEFAULT_COST[output]
    params = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    L = len(params) // 2

    if grads is None:
        AL, caches = model_forward(X, params, hidden, output)
        grads = model_backward(AL, Y, caches, hidden, output, cost, lambd)

    def J() -> float:
        AL, _ = model_forward(X, params, hidden, output)
        return compute_cost(AL, Y, cost, params, lambd)

    names = [f"{k}{l}" for l in range(1, L + 1) for k in ("W", "b")]
    grad_parts, approx_parts, per_parameter = [], [], {}
    worst = ("", (), -1.0)
    for name in names:
        param = params[name]
        approx = np.empty_like(param)
        flat = param.reshape(-1)  # a view: perturbing it perturbs the network
        approx_flat = approx.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + epsilon
            J_plus = J()
            flat[i] = original - epsilon
            J_minus = J()
            flat[i] = original
            approx_flat[i] = (J_plus - J_minus) / (2 * epsilon)
        grad = np.asarray(grads[f"d{name}"], dtype=np.float64)
        per_parameter[name] = _relative_difference(grad, approx)
        if per_parameter[name] > worst[2]:
            error = np.abs(grad - approx)
            index = np.unravel_index(int(error.argmax()), error.shape)
            worst = (name, tuple(int(i) for i in index), per_parameter[name])
        grad_parts.append(grad.ravel())
        approx_parts.append(approx_flat)
    grad_vector = np.concatenate(grad_parts)
    approx_vector = np.concatenate(approx_parts)
    return GradCheckResult(
        difference=_relative_difference(grad_vector, approx_vector),
        worst_parameter=worst[0],
        worst_index=worst[1],
        per_parameter=per_parameter,
        grad=grad_vector,
        gradapprox=approx_vector,
    )
