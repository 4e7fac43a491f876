"""Optimizers (gradient descent, momentum, Adam) and learning-rate decay.

An optimizer's ``step(parameters, grads, learning_rate)`` updates W[l]
(n[l], n[l-1]) and b[l] (n[l], 1) in place from dW[l] and db[l] of the same
shapes.  Its state (velocities, moment estimates) is created on the first step
with the parameters' shapes and dtype, and checked against them on every step.
"""

from __future__ import annotations

import abc
import math
from typing import Callable, Dict, Optional, Union

import numpy as np

from shapelint.nn import checks
from shapelint.nn.checks import ShapeError, format_shape_error

__all__ = [
    "Optimizer", "GradientDescent", "Momentum", "Adam", "get_optimizer",
    "inverse_time_decay", "scheduled_decay", "get_decay",
]

_SYMBOLS = {"W": ("n[l]", "n[l-1]"), "b": ("n[l]", "1")}


def _pairs(parameters: Dict[str, np.ndarray]):
    """(key, layer, kind) for W1, b1, ..., WL, bL in order."""
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for kind in ("W", "b"):
            yield f"{kind}{l}", l, kind


def _check_same(array: np.ndarray, param: np.ndarray, tensor: str, layer: int, kind: str,
                where: str) -> None:
    if array.shape != param.shape:
        raise ShapeError(format_shape_error(tensor, layer, _SYMBOLS[kind], param.shape,
                                            array.shape, where))


class Optimizer(abc.ABC):
    """Base class: ``step`` applies one update to every parameter."""

    name = "optimizer"

    @abc.abstractmethod
    def step(self, parameters: Dict[str, np.ndarray], grads: Dict[str, np.ndarray],
             learning_rate: float) -> None:
        """Update every W[l], b[l] in place from dW[l], db[l]."""

    def _checked_grad(self, grads: Dict[str, np.ndarray], param: np.ndarray, key: str,
                      layer: int, kind: str) -> np.ndarray:
        grad = grads[f"d{key}"]
        if checks.enabled:
            _check_same(grad, param, f"d{kind}", layer, kind, self.name)
        return grad


class GradientDescent(Optimizer):
    """W[l] -= learning_rate * dW[l]; b[l] -= learning_rate * db[l]."""

    name = "gradient descent"

    def step(self, parameters, grads, learning_rate):
        lr = float(learning_rate)  # a NumPy float64 scalar would upcast float32 weights
        for key, layer, kind in _pairs(parameters):
            param = parameters[key]
            param -= lr * self._checked_grad(grads, param, key, layer, kind)


class Momentum(Optimizer):
    """Gradient descent with momentum (exponentially weighted average of gradients).

    v_dW[l] = beta * v_dW[l] + (1 - beta) * dW[l];  W[l] -= learning_rate * v_dW[l]
    (likewise for b[l]).  v_dW[l] has the shape of W[l], (n[l], n[l-1]).
    """

    name = "momentum"

    def __init__(self, beta: float = 0.9):
        self.beta = float(beta)
        self.v: Dict[str, np.ndarray] = {}

    def step(self, parameters, grads, learning_rate):
        lr, beta = float(learning_rate), self.beta
        if not self.v:
            self.v = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
        for key, layer, kind in _pairs(parameters):
            param = parameters[key]
            grad = self._checked_grad(grads, param, key, layer, kind)
            v = self.v[f"d{key}"]
            if checks.enabled:
                _check_same(v, param, f"v_d{kind}", layer, kind, self.name)
            v *= beta
            v += (1 - beta) * grad
            param -= lr * v


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction.

    v = beta1 v + (1 - beta1) dW;   s = beta2 s + (1 - beta2) dW**2
    W -= learning_rate * (v / (1 - beta1**t)) / (sqrt(s / (1 - beta2**t)) + epsilon)

    v and s have the shape of the parameter they follow; t counts steps from 1.
    """

    name = "adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8):
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)
        self.t = 0
        self.v: Dict[str, np.ndarray] = {}
        self.s: Dict[str, np.ndarray] = {}

    def step(self, parameters, grads, learning_rate):
        lr, beta1, beta2 = float(learning_rate), self.beta1, self.beta2
        if not self.v:
            self.v = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
            self.s = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
        self.t += 1
        correction1 = 1 - beta1 ** self.t
        correction2 = 1 - beta2 ** self.t
        for key, layer, kind in _pairs(parameters):
            param = parameters[key]
            grad = self._checked_grad(grads, param, key, layer, kind)
            v, s = self.v[f"d{key}"], self.s[f"d{key}"]
            if checks.enabled:
                _check_same(v, param, f"v_d{kind}", layer, kind, self.name)
                _check_same(s, param, f"s_d{kind}", layer, kind, self.name)
            v *= beta1
            v += (1 - beta1) * grad
            s *= beta2
            s += (1 - beta2) * (grad * grad)
            denominator = np.sqrt(s / correction2)
            denominator += self.epsilon
            param -= (lr / correction1) * v / denominator


def get_optimizer(optimizer: Union[str, Optimizer, None]) -> Optimizer:
    """An Optimizer from a name ("gd", "momentum", "adam") or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if optimizer in (None, "gd", "gradient_descent", "sgd"):
        return GradientDescent()
    if optimizer == "momentum":
        return Momentum()
    if optimizer == "adam":
        return Adam()
    raise ValueError(f"unknown optimizer {optimizer!r}; choose 'gd', 'momentum' or 'adam' "
                     "or pass an Optimizer")


def inverse_time_decay(learning_rate0: float, epoch: int, decay_rate: float) -> float:
    """learning_rate0 / (1 + decay_rate * epoch)."""
    return learning_rate0 / (1 + decay_rate * epoch)


def scheduled_decay(learning_rate0: float, epoch: int, decay_rate: float,
                    time_interval: int = 1000) -> float:
    """learning_rate0 / (1 + decay_rate * floor(epoch / time_interval)): decays in steps."""
    return learning_rate0 / (1 + decay_rate * math.floor(epoch / time_interval))


def get_decay(decay: Union[None, str, Callable[[float, int], float]], decay_rate: float = 1.0,
              time_interval: int = 1000) -> Optional[Callable[[float, int], float]]:
    """A schedule ``(learning_rate0, epoch) -> learning_rate`` from a name or a callable."""
    if decay is None or callable(decay):
        return decay
    if decay == "inverse_time":
        return lambda lr0, epoch: inverse_time_decay(lr0, epoch, decay_rate)
    if decay == "scheduled":
        return lambda lr0, epoch: scheduled_decay(lr0, epoch, decay_rate, time_interval)
    raise ValueError(f"unknown decay {decay!r}; choose 'inverse_time', 'scheduled' or a "
                     "callable (learning_rate0, epoch) -> learning_rate")
