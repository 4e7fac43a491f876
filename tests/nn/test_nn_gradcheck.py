"""Gradient checking: backprop agrees with two-sided differences for every combination."""

import numpy as np
import pytest

from shapelint.nn import Model, functional as F
from shapelint.nn.gradcheck import gradient_check, parameters_to_vector
from shapelint.nn.init import initialize_parameters

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu"]
OUTPUTS = [  # (output activation, cost, n[L])
    ("sigmoid", "binary_cross_entropy", 1),
    ("sigmoid", "binary_cross_entropy", 2),  # two independent binary outputs
    ("softmax", "categorical_cross_entropy", 3),
    ("linear", "mean_squared_error", 2),
    ("sigmoid", "mean_squared_error", 1),    # not a fused pair: full chain rule
    ("tanh", "mean_squared_error", 2),
]


def _data(n_x, n_y, output, m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    if output == "softmax":
        Y = np.eye(n_y)[:, rng.integers(0, n_y, m)]
    elif output == "sigmoid":
        Y = (rng.random((n_y, m)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((n_y, m)) * 0.5
    return X, Y


@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize("output, cost, n_y", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_matches_finite_differences(hidden, output, cost, n_y, lambd):
    dims = [4, 5, 3, n_y]
    params = initialize_parameters(dims, "xavier", rng=np.random.default_rng(1))
    for l in range(1, len(dims)):  # non-zero biases exercise db too
        params[f"b{l}"] = np.random.default_rng(l).standard_normal((dims[l], 1)) * 0.1
    X, Y = _data(4, n_y, output)
    result = gradient_check(params, X, Y, hidden, output, cost, lambd, epsilon=1e-6)
    assert result.difference < 1e-7, (result.difference, result.worst_parameter)
    assert result.grad.shape == result.gradapprox.shape == parameters_to_vector(params).shape


def test_unfused_output_gradient_also_checks():
    dims = [4, 5, 1]
    params = initialize_parameters(dims, "xavier", rng=np.random.default_rng(2))
    X, Y = _data(4, 1, "sigmoid")
    AL, caches = F.model_forward(X, params)
    grads = F.model_backward(AL, Y, caches, fused=False)
    assert gradient_check(params, X, Y, grads=grads, epsilon=1e-6).difference < 1e-7


def test_a_wrong_gradient_is_found_and_named():
    dims = [4, 5, 3, 1]
    params = initialize_parameters(dims, "xavier", rng=np.random.default_rng(3))
    X, Y = _data(4, 1, "sigmoid")
    AL, caches = F.model_forward(X, params)
    grads = F.model_backward(AL, Y, caches)
    grads["dW2"] = grads["dW2"].copy()
    grads["dW2"][1, 2] += 0.05  # the kind of slip a hand-written backward pass makes
    result = gradient_check(params, X, Y, grads=grads)
    assert result.difference > 1e-3
    assert result.worst_parameter == "W2"
    assert result.worst_index == (1, 2)
    assert not result.passed()
    assert result.per_parameter["W1"] < 1e-7


def test_parameters_are_left_unchanged():
    params = initialize_parameters([3, 2, 1], seed=0)
    before = {k: v.copy() for k, v in params.items()}
    X, Y = _data(3, 1, "sigmoid")
    gradient_check(params, X, Y)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_model_gradient_check_on_float32_model_runs_in_float64():
    model = Model([3, 4, 2], output="softmax", init="xavier", seed=0, dtype=np.float32)
    X, Y = _data(3, 2, "softmax")
    result = model.gradient_check(X.astype(np.float32), Y, lambd=0.1, epsilon=1e-6)
    assert result.passed()
    assert result.grad.dtype == np.float64
