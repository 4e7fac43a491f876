"""Model's buffered training step (shapelint.nn.workspace) against the functional path.

The workspace must give the same numbers bit for bit as model_forward /
compute_cost / model_backward / Optimizer.step, in every layout and dtype,
whatever the block size of its element-wise passes.
"""

import numpy as np
import pytest

import shapelint.nn.model as model_module
from shapelint.nn import Model, ShapeError
from shapelint.nn import workspace as workspace_module
from shapelint.nn.checks import NonFiniteCostError
from shapelint.nn.optim import Adam, Momentum


def _data(dims, m, dtype, layout, seed=0):
    rng = np.random.default_rng(seed)
    rows = rng.standard_normal((m, dims[0])).astype(dtype)
    X = rows.T if layout == "F" else np.ascontiguousarray(rows.T)
    if dims[-1] == 1:
        Y = (rng.random((1, m)) > 0.5).astype(dtype)
    else:
        Y = np.eye(dims[-1], dtype=dtype)[:, rng.integers(0, dims[-1], m)]
    return X, Y


def _train(dims, output, dtype, X, Y, fast, monkeypatch, iterations=4, **fit):
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(model_module, "workspace_applies", lambda *args: False)
        model = Model(dims, output=output, init="he", rng=np.random.default_rng(1),
                      dtype=dtype)
        costs = model.fit(X, Y, iterations=iterations, progress=False, **fit)
        used = bool(model._workspaces)
    return costs, model.parameters, used


def _assert_same(a, b):
    costs_a, params_a, used_a = a
    costs_b, params_b, used_b = b
    assert used_a and not used_b
    assert costs_a == costs_b
    for key in params_b:
        np.testing.assert_array_equal(params_a[key], params_b[key], err_msg=key)


CASES = [
    ([40, 20, 7, 5, 1], 209, "sigmoid"),
    ([30, 16, 8, 3], 64, "softmax"),
    ([12, 9, 1], 33, "linear"),
    ([25, 1, 4, 2], 10, "softmax"),  # a one-unit hidden layer
    ([6, 5, 1], 1, "sigmoid"),  # a single example
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("dims,m,output", CASES)
@pytest.mark.parametrize("block_bytes", [256 * 1024, 96])
def test_workspace_matches_the_functional_path_bit_for_bit(dims, m, output, layout, dtype,
                                                            block_bytes, monkeypatch):
    monkeypatch.setattr(workspace_module, "BLOCK_BYTES", block_bytes)
    X, Y = _data(dims, m, dtype, layout)
    fast = _train(dims, output, dtype, X, Y, True, monkeypatch, learning_rate=0.05)
    slow = _train(dims, output, dtype, X, Y, False, monkeypatch, learning_rate=0.05)
    _assert_same(fast, slow)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_workspace_with_l2_other_optimizers_and_mini_batches(optimizer, dtype, monkeypatch):
    monkeypatch.setattr(workspace_module, "BLOCK_BYTES", 200)
    dims = [30, 16, 8, 3]
    X, Y = _data(dims, 100, dtype, "F", seed=3)
    runs = []
    for fast in (True, False):
        np.random.seed(5)
        runs.append(_train(dims, "softmax", dtype, X, Y, fast, monkeypatch, iterations=9,
                           learning_rate=0.01, optimizer=optimizer, lambd=0.7, batch_size=32))
    _assert_same(*runs)


def test_custom_optimizers_and_dropout_take_the_functional_path():
    class Halving(Momentum):
        pass

    X, Y = _data([5, 4, 1], 20, np.float64, "C")
    model = Model([5, 4, 1], seed=0)
    model.fit(X, Y, iterations=2, optimizer=Halving(), progress=False)
    model.fit(X, Y, iterations=2, keep_prob=0.8, progress=False)
    assert not model._workspaces
    model.fit(X, Y, iterations=2, optimizer=Adam(), progress=False)
    assert model._workspaces


def test_wrong_shapes_in_train_step_still_raise_the_functional_errors():
    X, Y = _data([5, 4, 1], 20, np.float64, "C")
    model = Model([5, 4, 1], seed=0)
    model.train_step(X, Y, 0.1)
    with pytest.raises(ShapeError, match="X looks transposed"):
        model.train_step(X.T, Y, 0.1)
    with pytest.raises(ShapeError, match="Y"):
        model.train_step(X, Y[:, :10], 0.1)
    model.parameters["W1"] = model.parameters["W1"].T
    with pytest.raises(ShapeError, match="W1"):
        model.train_step(X, Y, 0.1)


def test_non_finite_cost_leaves_the_parameters_alone_in_the_workspace():
    X, Y = _data([5, 4, 1], 20, np.float64, "C")
    model = Model([5, 4, 1], seed=0)
    model.train_step(X, Y, 0.1)
    assert model._workspaces
    model.parameters["b2"][...] = np.inf
    before = {k: v.copy() for k, v in model.parameters.items()}
    with pytest.raises(NonFiniteCostError):
        model.train_step(X, Y, 0.1)
    for key, value in before.items():
        np.testing.assert_array_equal(model.parameters[key], value)
