"""Initialization draws W1, W2, ... in order, exactly as the course's code does."""

import numpy as np
import pytest

from shapelint.nn import Model
from shapelint.nn.init import initialize_parameters

DIMS = [6, 5, 3, 1]


def test_scaled_with_seed_is_the_course_initialization():
    params = initialize_parameters(DIMS, "scaled", seed=1)
    np.random.seed(1)
    for l in range(1, len(DIMS)):
        W = np.random.randn(DIMS[l], DIMS[l - 1]) / np.sqrt(DIMS[l - 1])
        np.testing.assert_array_equal(params[f"W{l}"], W)
        np.testing.assert_array_equal(params[f"b{l}"], np.zeros((DIMS[l], 1)))


def test_small_is_randn_times_a_hundredth():
    params = initialize_parameters([4, 3, 1], "small", seed=1)
    np.random.seed(1)
    np.testing.assert_array_equal(params["W1"], np.random.randn(3, 4) * 0.01)
    np.testing.assert_array_equal(params["W2"], np.random.randn(1, 3) * 0.01)


@pytest.mark.parametrize("method, std", [
    ("he", lambda n, n_prev: np.sqrt(2 / n_prev)),
    ("xavier", lambda n, n_prev: np.sqrt(2 / (n + n_prev))),
])
def test_he_and_xavier_scales(method, std):
    params = initialize_parameters(DIMS, method, seed=3)
    np.random.seed(3)
    for l in range(1, len(DIMS)):
        W = np.random.randn(DIMS[l], DIMS[l - 1]) * std(DIMS[l], DIMS[l - 1])
        np.testing.assert_allclose(params[f"W{l}"], W, rtol=1e-15)


def test_biases_draw_nothing():
    initialize_parameters(DIMS, seed=4)
    after_init = np.random.randn()
    np.random.seed(4)
    for l in range(1, len(DIMS)):
        np.random.randn(DIMS[l], DIMS[l - 1])
    assert np.random.randn() == after_init


def test_generator_draws_standard_normal_in_order():
    params = initialize_parameters(DIMS, "scaled", rng=np.random.default_rng(9))
    rng = np.random.default_rng(9)
    for l in range(1, len(DIMS)):
        expected = rng.standard_normal((DIMS[l], DIMS[l - 1])) / np.sqrt(DIMS[l - 1])
        np.testing.assert_array_equal(params[f"W{l}"], expected)


def test_without_seed_uses_the_global_state():
    np.random.seed(12)
    first = initialize_parameters(DIMS)
    np.random.seed(12)
    second = initialize_parameters(DIMS)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_model_seed_equals_global_seed_then_draws():
    model = Model(DIMS, init="scaled", seed=1)
    np.random.seed(1)
    expected = initialize_parameters(DIMS, "scaled")
    for key in expected:
        np.testing.assert_array_equal(model.parameters[key], expected[key])


def test_float32_is_the_rounded_float64_draw():
    params = initialize_parameters(DIMS, seed=2, dtype=np.float32)
    reference = initialize_parameters(DIMS, seed=2)
    for key in params:
        assert params[key].dtype == np.float32
        np.testing.assert_array_equal(params[key], reference[key].astype(np.float32))


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "uniform"}, "unknown init 'uniform'"),
    ({"seed": 1, "rng": np.random.default_rng(1)}, "either seed"),
    ({"dtype": np.int32}, "dtype must be floating"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        initialize_parameters(DIMS, **kwargs)


def test_layer_dims_need_two_positive_sizes():
    with pytest.raises(ValueError, match="at least two positive sizes"):
        initialize_parameters([5])
    with pytest.raises(ValueError, match="at least two positive sizes"):
        initialize_parameters([5, 0, 1])
