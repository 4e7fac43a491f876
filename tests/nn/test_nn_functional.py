"""Each step-by-step function against the same formula written out in plain NumPy."""

import numpy as np
import pytest

from shapelint.nn import functional as F
from shapelint.nn.init import initialize_parameters


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def small_net(rng):
    dims = [5, 4, 3, 1]
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.standard_normal((dims[l], 1))
    X = rng.standard_normal((5, 6))
    Y = (rng.random((1, 6)) > 0.5).astype(float)
    return dims, params, X, Y


def test_linear_forward(rng):
    A_prev = rng.standard_normal((3, 4))
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 1))
    Z, cache = F.linear_forward(A_prev, W, b)
    expected = np.array([[sum(W[i, k] * A_prev[k, j] for k in range(3)) + b[i, 0]
                          for j in range(4)] for i in range(2)])
    np.testing.assert_allclose(Z, expected, rtol=1e-12)
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b


@pytest.mark.parametrize("activation, g", [
    ("sigmoid", _sigmoid),
    ("relu", lambda z: np.where(z > 0, z, 0.0)),
    ("tanh", np.tanh),
    ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=0)),
    ("linear", lambda z: z),
])
def test_linear_activation_forward(rng, activation, g):
    A_prev = rng.standard_normal((3, 4))
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 1))
    A, cache = F.linear_activation_forward(A_prev, W, b, activation)
    Z = W @ A_prev + b
    np.testing.assert_allclose(cache.Z, Z, rtol=1e-12)
    np.testing.assert_allclose(A, g(Z), rtol=1e-12)
    assert cache.D is None and cache.A is A


def test_dropout_forward_masks_and_rescales():
    A_prev = np.ones((3, 2000))
    W = np.full((4, 3), 0.5)
    b = np.zeros((4, 1))
    rng = np.random.default_rng(3)
    A, cache = F.linear_activation_forward(A_prev, W, b, "relu", keep_prob=0.8, rng=rng)
    # Kept units are 1.5 / 0.8, dropped ones 0, and the mask is what was drawn.
    expected_mask = np.random.default_rng(3).random((4, 2000)) < 0.8
    np.testing.assert_array_equal(cache.D, expected_mask)
    np.testing.assert_allclose(A, np.where(expected_mask, 1.5 / 0.8, 0.0))
    assert abs(cache.D.mean() - 0.8) < 0.02


def test_model_forward(small_net):
    dims, params, X, _ = small_net
    AL, caches = F.model_forward(X, params, hidden="relu", output="sigmoid")
    A1 = np.maximum(0, params["W1"] @ X + params["b1"])
    A2 = np.maximum(0, params["W2"] @ A1 + params["b2"])
    A3 = _sigmoid(params["W3"] @ A2 + params["b3"])
    np.testing.assert_allclose(AL, A3, rtol=1e-12)
    assert len(caches) == 3
    np.testing.assert_allclose(caches[1].A, A2, rtol=1e-12)
    assert caches[0].linear_cache[0] is X


def test_compute_cost_binary_cross_entropy():
    AL = np.array([[0.8, 0.9, 0.4]])
    Y = np.array([[1.0, 1.0, 0.0]])
    expected = -(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3
    assert F.compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)
    assert isinstance(F.compute_cost(AL, Y), float)


def test_compute_cost_categorical_and_mse():
    AL = np.array([[0.7, 0.2], [0.2, 0.5], [0.1, 0.3]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert F.compute_cost(AL, Y, "cce") == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2)
    squared = ((AL - Y) ** 2).sum()
    assert F.compute_cost(AL, Y, "mse") == pytest.approx(squared / 4)


def test_compute_cost_with_l2(small_net):
    dims, params, X, Y = small_net
    AL, _ = F.model_forward(X, params)
    m = X.shape[1]
    l2 = 0.7 / (2 * m) * sum(np.sum(np.square(params[f"W{l}"])) for l in (1, 2, 3))
    plain = F.compute_cost(AL, Y)
    assert F.compute_cost(AL, Y, parameters=params, lambd=0.7) == pytest.approx(plain + l2)


def test_linear_backward(rng):
    A_prev = rng.standard_normal((3, 4))
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 1))
    dZ = rng.standard_normal((2, 4))
    dA_prev, dW, db = F.linear_backward(dZ, (A_prev, W, b))
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 4, rtol=1e-12)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 4, rtol=1e-12)
    np.testing.assert_allclose(dA_prev, W.T @ dZ, rtol=1e-12)
    none, dW_l2, _ = F.linear_backward(dZ, (A_prev, W, b), lambd=0.5, need_dA_prev=False)
    assert none is None
    np.testing.assert_allclose(dW_l2, dZ @ A_prev.T / 4 + 0.5 / 4 * W, rtol=1e-12)


@pytest.mark.parametrize("activation, derivative", [
    ("sigmoid", lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    ("relu", lambda z: (z > 0).astype(float)),
    ("tanh", lambda z: 1 - np.tanh(z) ** 2),
    ("leaky_relu", lambda z: np.where(z > 0, 1.0, 0.01)),
    ("linear", lambda z: np.ones_like(z)),
])
def test_linear_activation_backward(rng, activation, derivative):
    A_prev = rng.standard_normal((3, 4))
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 1))
    _, cache = F.linear_activation_forward(A_prev, W, b, activation)
    dA = rng.standard_normal((2, 4))
    dA_before = dA.copy()
    dA_prev, dW, db = F.linear_activation_backward(dA, cache, activation)
    dZ = dA * derivative(cache.Z)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 4, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 4, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dA_prev, W.T @ dZ, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(dA, dA_before)  # the caller's dA is not overwritten


def test_softmax_backward_is_jacobian_product(rng):
    A_prev = rng.standard_normal((3, 4))
    W = rng.standard_normal((3, 3))
    b = rng.standard_normal((3, 1))
    _, cache = F.linear_activation_forward(A_prev, W, b, "softmax")
    dA = rng.standard_normal((3, 4))
    _, dW, _ = F.linear_activation_backward(dA, cache, "softmax")
    s = cache.A
    dZ = np.empty_like(dA)
    for j in range(4):
        jacobian = np.diag(s[:, j]) - np.outer(s[:, j], s[:, j])
        dZ[:, j] = jacobian @ dA[:, j]
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 4, rtol=1e-10)


@pytest.mark.parametrize("fused", [True, False])
def test_model_backward(small_net, fused):
    dims, params, X, Y = small_net
    m = X.shape[1]
    AL, caches = F.model_forward(X, params)
    grads = F.model_backward(AL, Y, caches, fused=fused)
    # The course's chain rule, written out.
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = np.maximum(0, Z2)
    A3 = _sigmoid(params["W3"] @ A2 + params["b3"])
    dA3 = -(Y / A3 - (1 - Y) / (1 - A3))
    dZ3 = dA3 * A3 * (1 - A3)
    dW3, db3 = dZ3 @ A2.T / m, dZ3.sum(axis=1, keepdims=True) / m
    dA2 = params["W3"].T @ dZ3
    dZ2 = dA2 * (Z2 > 0)
    dW2, db2 = dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m
    dA1 = params["W2"].T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    dW1, db1 = dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m
    for name, value in [("dW3", dW3), ("db3", db3), ("dW2", dW2), ("db2", db2),
                        ("dW1", dW1), ("db1", db1)]:
        np.testing.assert_allclose(grads[name], value, rtol=1e-10, atol=1e-14, err_msg=name)
    assert sorted(grads) == ["dW1", "dW2", "dW3", "db1", "db2", "db3"]


def test_model_backward_with_dropout_uses_the_mask(small_net):
    dims, params, X, Y = small_net
    m = X.shape[1]
    rng = np.random.default_rng(11)
    AL, caches = F.model_forward(X, params, keep_prob=0.5, rng=rng)
    grads = F.model_backward(AL, Y, caches)
    D1, D2 = caches[0].D, caches[1].D
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(0, Z1) * D1 / 0.5
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = np.maximum(0, Z2) * D2 / 0.5
    A3 = _sigmoid(params["W3"] @ A2 + params["b3"])
    np.testing.assert_allclose(AL, A3, rtol=1e-12)
    dZ3 = A3 - Y
    dA2 = params["W3"].T @ dZ3 * D2 / 0.5
    dZ2 = dA2 * (Z2 > 0)
    dA1 = params["W2"].T @ dZ2 * D1 / 0.5
    dZ1 = dA1 * (Z1 > 0)
    np.testing.assert_allclose(grads["dW1"], dZ1 @ X.T / m, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grads["dW2"], dZ2 @ A1.T / m, rtol=1e-10, atol=1e-14)


def test_update_parameters(small_net, rng):
    dims, params, X, Y = small_net
    before = {k: v.copy() for k, v in params.items()}
    grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in params.items()}
    returned = F.update_parameters(params, grads, 0.1)
    assert returned is params
    for k in params:
        np.testing.assert_allclose(params[k], before[k] - 0.1 * grads[f"d{k}"], rtol=1e-14)


def test_update_keeps_float32_with_numpy_float64_learning_rate():
    params = initialize_parameters([3, 2], seed=0, dtype=np.float32)
    grads = {"dW1": np.ones((2, 3), np.float32), "db1": np.ones((2, 1), np.float32)}
    F.update_parameters(params, grads, np.float64(0.1))
    assert params["W1"].dtype == np.float32 and params["b1"].dtype == np.float32


def test_predict_labels():
    params = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.0]])}
    X = np.array([[2.0, 0.0, 1.0], [1.0, 3.0, 1.0]])
    np.testing.assert_array_equal(F.predict(X, params, output="sigmoid"), [[1.0, 0.0, 0.0]])
    params3 = {"W1": np.eye(3), "b1": np.zeros((3, 1))}
    X3 = np.array([[0.1, 5.0], [2.0, 0.0], [0.3, 1.0]])
    np.testing.assert_array_equal(F.predict(X3, params3, output="softmax"),
                                  [[0, 1], [1, 0], [0, 0]])


def test_random_mini_batches_partition_the_examples(rng):
    X = np.arange(2 * 10, dtype=float).reshape(2, 10)
    Y = np.arange(10, dtype=float).reshape(1, 10)
    batches = F.random_mini_batches(X, Y, 4, rng=np.random.default_rng(0))
    assert [b[0].shape for b in batches] == [(2, 4), (2, 4), (2, 2)]
    seen = np.concatenate([b[1].ravel() for b in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))
    for bx, by in batches:  # X and Y stay paired
        np.testing.assert_array_equal(bx[0], by[0] * 1.0)
        np.testing.assert_array_equal(bx[1], by[0] + 10)
    order = np.random.default_rng(0).permutation(10)
    np.testing.assert_array_equal(seen, order)


def test_float32_column_major_inputs_take_the_transposed_products_and_agree():
    """F-ordered float32 operands are multiplied as C.T = B.T A.T; same values, F-ordered out."""
    rng = np.random.default_rng(4)
    params = initialize_parameters([30, 8, 6, 3], "he", rng=rng, dtype=np.float32)
    rows = rng.standard_normal((40, 30)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[:, rng.integers(0, 3, 40)]
    X_f, X_c = rows.T, np.ascontiguousarray(rows.T)
    assert X_f.flags.f_contiguous and not X_f.flags.c_contiguous
    results = []
    for X in (X_f, X_c):
        AL, caches = F.model_forward(X, params, output="softmax")
        results.append((AL, caches, F.model_backward(AL, Y, caches, output="softmax",
                                                     cost="cce")))
    (AL_f, caches_f, grads_f), (AL_c, _, grads_c) = results
    assert caches_f[0].Z.flags.f_contiguous  # the transposed product was used
    np.testing.assert_allclose(AL_f, AL_c, rtol=1e-5, atol=1e-6)
    for key in grads_c:
        assert grads_f[key].dtype == np.float32
        np.testing.assert_allclose(grads_f[key], grads_c[key], rtol=1e-4, atol=1e-6)
