"""One test per ShapeError / InputError message: layer, tensor, symbols, numbers, hint."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapelint
from shapelint import ShapeError
from shapelint.nn import Model, checks, functional as F
from shapelint.nn.checks import InputError, NonFiniteCostError
from shapelint.nn.init import initialize_parameters
from shapelint.nn.optim import Momentum


@pytest.fixture
def net():
    dims = [12, 20, 7, 5, 1]
    params = initialize_parameters(dims, seed=0)
    X = np.random.default_rng(0).random((12, 9))
    Y = np.ones((1, 9))
    return dims, params, X, Y


def test_shape_error_is_a_value_error_exported_at_top_level():
    assert issubclass(ShapeError, ValueError)
    assert shapelint.ShapeError is ShapeError
    assert shapelint.nn.ShapeError is ShapeError


def test_transposed_weight_in_model_forward(net):
    dims, params, X, _ = net
    params["W2"] = params["W2"].T
    with pytest.raises(ShapeError) as error:
        F.model_forward(X, params)
    message = str(error.value)
    assert "in model_forward" in message
    assert "W2: expected (n[2], n[1]) = (7, 20), got (20, 7)" in message
    assert "hint: W2 looks transposed: got (n[1], n[2]); use W2.T" in message


def test_transposed_weight_in_linear_forward_names_layer():
    A1 = np.zeros((20, 9))
    W2 = np.zeros((20, 7))
    b2 = np.zeros((7, 1))
    with pytest.raises(ShapeError, match=r"in linear_forward, layer 2: W2: expected "
                                         r"\(n\[2\], n\[1\]\) = \(7, 20\), got \(20, 7\)"):
        F.linear_forward(A1, W2, b2, layer=2)


def test_transposed_X_in_model_forward(net):
    dims, params, X, _ = net
    with pytest.raises(ShapeError) as error:
        F.model_forward(X.T, params)
    message = str(error.value)
    assert "X: expected (n_x, m) = (12, ?), got (9, 12)" in message
    assert "X looks transposed: got (m, n_x)" in message


def test_transposed_X_in_linear_forward_blames_X():
    with pytest.raises(ShapeError) as error:
        F.linear_forward(np.zeros((9, 12)), np.zeros((20, 12)), np.zeros((20, 1)), layer=1)
    assert "X: expected (n[0], m) = (12, ?), got (9, 12)" in str(error.value)
    assert "X looks transposed" in str(error.value)


def test_unflattened_images_in_fit():
    model = Model([4 * 4 * 3, 2, 1], seed=0)
    images = np.zeros((5, 4, 4, 3))
    with pytest.raises(ShapeError, match=r"X.reshape\(X.shape\[0\], -1\).T"):
        model.fit(images, np.zeros((1, 5)), iterations=1)


def test_rank_one_X():
    model = Model([3, 2, 1], seed=0)
    with pytest.raises(ShapeError, match=r"X is rank-1: a single example is X.reshape\(-1, 1\)"):
        model.predict(np.zeros(3))


def test_wrong_number_of_features(net):
    dims, params, X, _ = net
    with pytest.raises(ShapeError, match=r"X: expected \(n_x, m\) = \(12, \?\), got \(11, 9\)"):
        F.model_forward(X[:11], params)


def test_rank_one_labels_in_compute_cost():
    AL = np.full((1, 4), 0.5)
    with pytest.raises(ShapeError) as error:
        F.compute_cost(AL, np.ones(4))
    assert "Y: expected (n[L], m) = (1, 4), got (4,)" in str(error.value)
    assert "Y is rank-1: use Y.reshape(1, -1)" in str(error.value)


def test_transposed_labels_in_fit():
    model = Model([3, 2, 1], seed=0)
    with pytest.raises(ShapeError, match=r"Y looks transposed: got \(m, n\[L\]\) = \(5, 1\); "
                                         r"use Y.T"):
        model.fit(np.zeros((3, 5)), np.zeros((5, 1)), iterations=1)


def test_class_indices_for_softmax():
    model = Model([3, 4, 10], output="softmax", seed=0)
    with pytest.raises(ShapeError, match=r"one-hot encode it to \(n\[L\], m\), e.g. "
                                         r"np.eye\(10\)\[Y.ravel\(\)\].T"):
        model.fit(np.zeros((3, 5)), np.zeros((1, 5)), iterations=1)


def test_labels_with_wrong_m_in_model_backward(net):
    dims, params, X, _ = net
    AL, caches = F.model_forward(X, params)
    with pytest.raises(ShapeError, match=r"in model_backward: Y: expected \(n\[L\], m\) = "
                                         r"\(1, 9\), got \(1, 8\)\n  hint: Y has 8 examples "
                                         r"but X has m = 9"):
        F.model_backward(AL, np.ones((1, 8)), caches)


def test_rank_one_bias(net):
    dims, params, X, _ = net
    params["b3"] = params["b3"].ravel()
    with pytest.raises(ShapeError) as error:
        F.model_forward(X, params)
    assert "b3: expected (n[3], 1) = (5, 1), got (5,)" in str(error.value)
    assert "b3 is rank-1: use b3.reshape(-1, 1)" in str(error.value)


def test_bias_of_wrong_size_with_explicit_layer_dims(net):
    dims, params, X, _ = net
    params["b2"] = np.zeros((6, 1))
    with pytest.raises(ShapeError, match=r"layer 2: b2: expected \(n\[2\], 1\) = \(7, 1\), "
                                         r"got \(6, 1\)"):
        F.model_forward(X, params, layer_dims=dims)


def test_missing_parameter(net):
    dims, params, X, _ = net
    del params["b2"]
    with pytest.raises(ShapeError, match="parameters must hold W1, b1, ..., WL, bL"):
        F.model_forward(X, params)


def test_dZ_of_wrong_shape_in_linear_backward():
    cache = (np.zeros((4, 6)), np.zeros((3, 4)), np.zeros((3, 1)))
    with pytest.raises(ShapeError, match=r"in linear_backward, layer 2: dZ2: expected "
                                         r"\(n\[2\], m\) = \(3, 6\), got \(3, 5\)"):
        F.linear_backward(np.zeros((3, 5)), cache, layer=2)


def test_dA_of_wrong_shape_in_linear_activation_backward():
    _, cache = F.linear_activation_forward(np.zeros((4, 6)), np.zeros((3, 4)),
                                           np.zeros((3, 1)), "relu", layer=3)
    with pytest.raises(ShapeError) as error:
        F.linear_activation_backward(np.zeros((6, 3)), cache, "relu", layer=3)
    assert "in linear_activation_backward, layer 3: dA3: expected (n[3], m) = (3, 6), " \
           "got (6, 3)" in str(error.value)
    assert "dA3 looks transposed" in str(error.value)


def test_gradient_of_wrong_shape_in_update(net):
    dims, params, X, _ = net
    grads = {f"d{k}": np.zeros_like(v) for k, v in params.items()}
    grads["dW1"] = grads["dW1"].T
    with pytest.raises(ShapeError, match=r"in update_parameters, layer 1: dW1: expected "
                                         r"\(n\[1\], n\[0\]\) = \(20, 12\), got \(12, 20\)"):
        F.update_parameters(params, grads, 0.1)


def test_optimizer_state_of_another_network(net):
    dims, params, X, _ = net
    optimizer = Momentum()
    grads = {f"d{k}": np.zeros_like(v) for k, v in params.items()}
    optimizer.step(params, grads, 0.1)
    other = initialize_parameters([12, 21, 7, 5, 1], seed=0)
    other_grads = {f"d{k}": np.zeros_like(v) for k, v in other.items()}
    with pytest.raises(ShapeError, match=r"in momentum, layer 1: v_dW1: expected "
                                         r"\(n\[1\], n\[0\]\) = \(21, 12\), got \(20, 12\)"):
        optimizer.step(other, other_grads, 0.1)


def test_raw_pixels_are_rejected_with_a_hint():
    model = Model([3, 2, 1], seed=0)
    with pytest.raises(InputError, match=r"X: expected a floating dtype, got uint8\n  hint: "
                                         r"X looks like raw pixels: use "
                                         r"X.astype\(np.float64\) / 255"):
        model.fit(np.zeros((3, 4), dtype=np.uint8), np.zeros((1, 4)), iterations=1)


def test_integer_inputs_are_rejected_in_the_functional_api():
    with pytest.raises(InputError, match=r"in model_forward: X: expected a floating dtype, "
                                         r"got int64"):
        F.model_forward(np.zeros((3, 4), dtype=np.int64), initialize_parameters([3, 1], seed=0))


def test_mixed_precision_is_rejected():
    params = initialize_parameters([3, 2, 1], seed=0)
    with pytest.raises(InputError, match=r"X has dtype float32 but W1 has float64"):
        F.model_forward(np.zeros((3, 4), dtype=np.float32), params)
    params32 = initialize_parameters([3, 2, 1], seed=0, dtype=np.float32)
    with pytest.raises(InputError, match=r"linear_forward: W2 has dtype float32|"
                                         r"A1 has dtype float64 but W2 has float32"):
        F.linear_forward(np.zeros((2, 4)), params32["W2"], params32["b2"], layer=2)


def test_nan_in_inputs_is_located():
    X = np.zeros((3, 4))
    X[1, 2] = np.nan
    X[2, 3] = np.inf
    with pytest.raises(InputError, match=r"in fit: X holds 2 non-finite value\(s\); first nan "
                                         r"at index \(1, 2\)"):
        Model([3, 1], seed=0).fit(X, np.zeros((1, 4)), iterations=1)


def test_labels_outside_zero_one_for_binary_cross_entropy():
    with pytest.raises(InputError, match=r"labels in \[0, 1\], got values in \[0.0, 2.0\]"):
        Model([3, 1], seed=0).fit(np.zeros((3, 2)), np.array([[0.0, 2.0]]), iterations=1)


def test_labels_that_are_not_one_hot_for_softmax():
    with pytest.raises(InputError, match="columns summing to 1"):
        Model([3, 2], output="softmax", seed=0).fit(np.zeros((3, 2)), np.ones((2, 2)),
                                                    iterations=1)


def test_non_finite_cost_stops_with_the_iteration_number():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 50))
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    model = Model([4, 8, 1], init="he", seed=0)
    with pytest.raises(NonFiniteCostError) as error:
        model.fit(X, Y, learning_rate=1e4, iterations=50)
    iteration = error.value.iteration
    assert 0 < iteration < 50
    assert f"the cost is {error.value.cost} at iteration {iteration}" in str(error.value)
    assert len(model.costs) == iteration  # the finite costs before it are kept


def test_checks_can_be_switched_off_globally(net):
    dims, params, X, _ = net
    params["W2"] = params["W2"].T
    previous = checks.set_checks(False)
    try:
        with pytest.raises(ValueError) as error:
            F.model_forward(X, params)
        assert not isinstance(error.value, ShapeError)  # NumPy's own matmul error
    finally:
        checks.set_checks(previous)
    assert checks.enabled


def test_checks_off_for_one_model_only():
    model = Model([3, 2, 1], seed=0, check_shapes=False)
    model.parameters["b1"] = np.zeros((2, 4))  # broadcasts silently without the checks
    model.fit(np.zeros((3, 4)), np.zeros((1, 4)), iterations=1)
    assert checks.enabled
    checked = Model([3, 2, 1], seed=0)
    checked.parameters["b1"] = np.zeros((2, 4))
    with pytest.raises(ShapeError, match=r"b1: expected \(n\[1\], 1\) = \(2, 1\), got \(2, 4\)"):
        checked.fit(np.zeros((3, 4)), np.zeros((1, 4)), iterations=1)


def test_shape_checks_context_manager_restores():
    with checks.shape_checks(False):
        assert not checks.enabled
    assert checks.enabled


def test_load_rejects_a_tampered_file(tmp_path):
    model = Model([3, 4, 1], seed=0)
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as data:
        contents = dict(data)
    contents["W2"] = np.zeros((4, 1))
    np.savez(path, **contents)
    with pytest.raises(ShapeError, match=r"in load, layer 2: W2: expected \(n\[2\], n\[1\]\) "
                                         r"= \(1, 4\), got \(4, 1\)"):
        Model.load(path)


def test_output_activation_used_as_hidden_is_refused():
    with pytest.raises(ValueError, match="'softmax' is an output activation"):
        Model([3, 4, 2], hidden="softmax")


@settings(max_examples=40, deadline=None)
@given(dims=st.lists(st.integers(1, 6), min_size=2, max_size=5), m=st.integers(1, 5),
       data=st.data())
def test_valid_networks_pass_and_one_transposed_weight_is_named(dims, m, data):
    params = initialize_parameters(dims, rng=np.random.default_rng(0))
    X = np.ones((dims[0], m))
    AL, caches = F.model_forward(X, params)
    assert AL.shape == (dims[-1], m)
    assert [c.A.shape for c in caches] == [(n, m) for n in dims[1:]]
    grads = F.model_backward(AL, np.zeros_like(AL), caches)
    assert all(grads[f"d{k}"].shape == v.shape for k, v in params.items())
    non_square = [l for l in range(1, len(dims)) if dims[l] != dims[l - 1]]
    if not non_square:
        return
    l = data.draw(st.sampled_from(non_square))
    params[f"W{l}"] = params[f"W{l}"].T
    with pytest.raises(ShapeError) as error:
        F.model_forward(X, params)
    assert f"W{l}: expected (n[{l}], n[{l - 1}]) = ({dims[l]}, {dims[l - 1]})" \
        in str(error.value)
