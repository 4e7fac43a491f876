"""Activations, their derivatives and backward steps, and the costs, against hand formulas."""

import warnings

import numpy as np
import pytest

from shapelint.nn import activations as act
from shapelint.nn import costs


def _numerical_derivative(f, Z, eps=1e-6):
    return (f(Z + eps) - f(Z - eps)) / (2 * eps)


@pytest.fixture
def Z():
    # Values away from 0 so that relu's kink is not straddled by the finite difference.
    rng = np.random.default_rng(5)
    values = rng.standard_normal((4, 6)) * 3
    values[np.abs(values) < 1e-3] = 0.5
    return values


def test_forward_values(Z):
    np.testing.assert_allclose(act.sigmoid(Z), 1 / (1 + np.exp(-Z)), rtol=1e-15)
    np.testing.assert_array_equal(act.relu(Z), np.where(Z > 0, Z, 0))
    np.testing.assert_allclose(act.tanh(Z), (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)),
                               rtol=1e-12)
    np.testing.assert_allclose(act.leaky_relu(Z), np.where(Z > 0, Z, 0.01 * Z), rtol=1e-15)
    assert act.linear(Z) is Z


def test_sigmoid_is_bitwise_the_course_expression(Z):
    np.testing.assert_array_equal(act.sigmoid(Z * 10), 1 / (1 + np.exp(-(Z * 10))))


def test_sigmoid_saturates_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's default errstate warns on overflow
        A = act.sigmoid(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(A, [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_derivatives_match_finite_differences(Z, name):
    g = act.ACTIVATIONS[name]
    np.testing.assert_allclose(g.derivative(Z), _numerical_derivative(g.forward, Z),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_backward_is_dA_times_derivative_from_Z_or_A(Z, name):
    g = act.ACTIVATIONS[name]
    dA = np.random.default_rng(1).standard_normal(Z.shape)
    expected = dA * g.derivative(Z)
    np.testing.assert_allclose(g.backward(dA, Z), expected, rtol=1e-12)
    np.testing.assert_allclose(g.backward(dA, Z, g.forward(Z)), expected, rtol=1e-12)
    work = dA.copy()
    result = g.backward(work, Z, None, out=work)  # in place when the caller allows it
    assert result is work
    np.testing.assert_allclose(work, expected, rtol=1e-12)


def test_softmax_columns_are_probabilities_and_stable():
    Z = np.array([[1000.0, 1.0], [1001.0, 2.0], [999.0, 3.0]])
    A = act.softmax(Z)
    np.testing.assert_allclose(A.sum(axis=0), [1.0, 1.0])
    e = np.exp([-1.0, 0.0, -2.0])
    np.testing.assert_allclose(A[:, 0], e / e.sum(), rtol=1e-12)
    assert act.ACTIVATIONS["softmax"].output_only


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
def test_float32_in_float32_out(name):
    Z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    g = act.ACTIVATIONS[name]
    assert g.forward(Z).dtype == np.float32
    assert g.backward(np.ones_like(Z), Z).dtype == np.float32
    if g.derivative is not None:
        assert g.derivative(Z).dtype == np.float32


def test_unknown_activation_lists_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'gelu'; choose one of"):
        act.get_activation("gelu")


def test_binary_cross_entropy_is_the_course_formula():
    rng = np.random.default_rng(2)
    AL = rng.uniform(0.05, 0.95, (1, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    course = np.squeeze(-(1 / 9) * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)))
    assert costs.binary_cross_entropy(AL, Y) == pytest.approx(float(course), rel=1e-14)


@pytest.mark.parametrize("name", sorted(costs.COSTS))
def test_cost_derivative_is_m_times_the_gradient(name):
    """derivative() returns d(per-example loss)/dAL, i.e. m * dJ/dAL."""
    rng = np.random.default_rng(3)
    AL = rng.uniform(0.1, 0.9, (3, 5))
    AL /= AL.sum(axis=0)  # a valid softmax output too
    Y = np.eye(3)[:, rng.integers(0, 3, 5)]
    spec = costs.COSTS[name]
    numerical = np.empty_like(AL)
    for index in np.ndindex(AL.shape):
        plus, minus = AL.copy(), AL.copy()
        plus[index] += 1e-6
        minus[index] -= 1e-6
        numerical[index] = (spec.function(plus, Y) - spec.function(minus, Y)) / 2e-6
    np.testing.assert_allclose(spec.derivative(AL, Y), 5 * numerical, rtol=1e-6)


def test_l2_cost():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[5.0]]), "W2": np.array([[3.0]])}
    assert costs.l2_cost(params, 0.5, 4) == pytest.approx(0.5 / 8 * (1 + 4 + 9))


def test_cost_aliases_and_errors():
    assert costs.get_cost("bce").name == "binary_cross_entropy"
    assert costs.get_cost("cce").name == "categorical_cross_entropy"
    assert costs.get_cost("mse").name == "mean_squared_error"
    with pytest.raises(ValueError, match="unknown cost 'hinge'"):
        costs.get_cost("hinge")
