"""The Model object: fit, predict, score, history, save/load, plots, optimizers, batches."""

import sys

import numpy as np
import pytest

from shapelint.nn import Model, functional as F
from shapelint.nn.init import initialize_parameters
from shapelint.nn.optim import Adam, Momentum, inverse_time_decay, scheduled_decay


def _blobs(m=200, seed=0):
    """Two separable clouds in 2-D, labels (1, m)."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((1, m)) > 0.5).astype(float)
    X = rng.standard_normal((2, m)) * 0.5 + np.where(Y > 0, 1.5, -1.5)
    return X, Y


def test_fit_returns_the_cost_before_each_update():
    X, Y = _blobs(40)
    model = Model([2, 3, 1], seed=2)
    params = initialize_parameters([2, 3, 1], seed=2)
    costs = model.fit(X, Y, learning_rate=0.5, iterations=3, progress=False)
    expected = []
    for _ in range(3):
        AL, caches = F.model_forward(X, params)
        expected.append(F.compute_cost(AL, Y))
        F.update_parameters(params, F.model_backward(AL, Y, caches), 0.5)
    assert costs == pytest.approx(expected, rel=1e-12)
    for key in params:
        np.testing.assert_allclose(model.parameters[key], params[key], rtol=1e-12)


def test_fit_predict_score_on_separable_data():
    X, Y = _blobs()
    model = Model([2, 4, 1], init="he", seed=0)
    costs = model.fit(X, Y, learning_rate=0.3, iterations=300, progress=False)
    assert costs[-1] < costs[0] / 5
    labels = model.predict(X)
    assert labels.shape == (1, 200)
    assert set(np.unique(labels)) <= {0.0, 1.0}
    assert model.score(X, Y) == pytest.approx(np.mean(labels == Y))
    assert model.score(X, Y) > 0.97
    proba = model.predict_proba(X)
    assert proba.shape == (1, 200) and np.all((proba > 0) & (proba < 1))


def test_history_accumulates_over_fits():
    X, Y = _blobs(30)
    model = Model([2, 2, 1], seed=0)
    first = model.fit(X, Y, iterations=4, progress=False)
    second = model.fit(X, Y, iterations=3, progress=False)
    assert model.costs == first + second


def test_softmax_classifier():
    rng = np.random.default_rng(1)
    classes = rng.integers(0, 3, 300)
    centers = np.array([[0.0, 3.0, -3.0], [3.0, -2.0, -2.0]])
    X = centers[:, classes] + rng.standard_normal((2, 300)) * 0.5
    Y = np.eye(3)[:, classes]
    model = Model([2, 8, 3], output="softmax", init="he", seed=1)
    model.fit(X, Y, learning_rate=0.5, iterations=200, progress=False)
    labels = model.predict(X)
    assert labels.shape == (3, 300)
    np.testing.assert_array_equal(labels.sum(axis=0), 1)
    assert model.score(X, Y) > 0.97
    assert model.cost == "categorical_cross_entropy"


def test_regression_with_linear_output():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (3, 200))
    Y = np.array([[1.0, -2.0, 0.5]]) @ X + 0.3
    model = Model([3, 1], output="linear", seed=0)
    model.fit(X, Y, learning_rate=0.5, iterations=300, progress=False)
    assert model.cost == "mean_squared_error"
    assert model.score(X, Y) > 0.999
    np.testing.assert_allclose(model.parameters["W1"], [[1.0, -2.0, 0.5]], atol=1e-3)


def test_integer_labels_and_float64_data_are_converted_for_a_float32_model():
    X, Y = _blobs(50)
    model = Model([2, 3, 1], seed=0, dtype=np.float32)
    costs = model.fit(X, Y.astype(np.int64), iterations=2, progress=False)
    assert isinstance(costs[0], float)
    assert all(p.dtype == np.float32 for p in model.parameters.values())
    assert model.predict(X).dtype == np.float32


def test_float32_stays_float32_through_forward_and_backward():
    params = initialize_parameters([5, 4, 3, 2], seed=0, dtype=np.float32)
    X = np.random.default_rng(0).random((5, 6), dtype=np.float32)
    Y = np.eye(2, dtype=np.float32)[:, [0, 1, 1, 0, 1, 0]]
    AL, caches = F.model_forward(X, params, output="softmax")
    grads = F.model_backward(AL, Y, caches, output="softmax", cost="cce", lambd=0.1)
    assert AL.dtype == np.float32
    assert all(c.Z.dtype == np.float32 and c.A.dtype == np.float32 for c in caches)
    assert all(g.dtype == np.float32 for g in grads.values())
    for optimizer in (Momentum(), Adam()):
        optimizer.step(params, grads, np.float64(0.01))
        assert all(p.dtype == np.float32 for p in params.values())


def test_momentum_step_by_hand():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])}
    grads = {"dW1": np.array([[0.1, -0.2]]), "db1": np.array([[0.3]])}
    optimizer = Momentum(beta=0.9)
    optimizer.step(params, grads, 0.1)
    optimizer.step(params, grads, 0.1)
    v1 = 0.1 * grads["dW1"]
    v2 = 0.9 * v1 + 0.1 * grads["dW1"]
    np.testing.assert_allclose(params["W1"], np.array([[1.0, 2.0]]) - 0.1 * v1 - 0.1 * v2)


def test_adam_step_by_hand():
    W = np.array([[1.0, -1.0]])
    params = {"W1": W.copy(), "b1": np.zeros((1, 1))}
    g1 = {"dW1": np.array([[0.2, -0.4]]), "db1": np.array([[0.1]])}
    g2 = {"dW1": np.array([[-0.1, 0.3]]), "db1": np.array([[0.0]])}
    optimizer = Adam(beta1=0.9, beta2=0.999, epsilon=1e-8)
    optimizer.step(params, g1, 0.01)
    optimizer.step(params, g2, 0.01)
    v, s, expected = np.zeros(2), np.zeros(2), W.ravel().copy()
    for t, g in enumerate((g1["dW1"].ravel(), g2["dW1"].ravel()), start=1):
        v = 0.9 * v + 0.1 * g
        s = 0.999 * s + 0.001 * g ** 2
        expected -= 0.01 * (v / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(params["W1"].ravel(), expected, rtol=1e-12)
    assert optimizer.t == 2


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_fit_with_optimizers_and_mini_batches(optimizer):
    X, Y = _blobs(100)
    model = Model([2, 4, 1], init="he", rng=np.random.default_rng(0))
    costs = model.fit(X, Y, learning_rate=0.01, epochs=20, batch_size=32, optimizer=optimizer,
                      progress=False)
    assert len(costs) == 20 * 4  # batches of 32, 32, 32, 4
    assert np.mean(costs[-4:]) < np.mean(costs[:4])
    assert model.score(X, Y) > 0.95


def test_mini_batches_are_reproducible_with_a_generator():
    X, Y = _blobs(60)
    runs = []
    for _ in range(2):
        model = Model([2, 3, 1], rng=np.random.default_rng(5))
        runs.append(model.fit(X, Y, iterations=10, batch_size=16, progress=False))
    assert runs[0] == runs[1]
    shuffled = Model([2, 3, 1], rng=np.random.default_rng(6)).fit(
        X, Y, iterations=10, batch_size=16, progress=False)
    assert shuffled != runs[0]


def test_learning_rate_decay_schedules():
    assert inverse_time_decay(0.5, 4, 0.25) == pytest.approx(0.25)
    assert scheduled_decay(0.5, 999, 1.0, 1000) == 0.5
    assert scheduled_decay(0.5, 2500, 1.0, 1000) == pytest.approx(0.5 / 3)
    X, Y = _blobs(40)
    seen = []

    def schedule(lr0, epoch):
        seen.append((lr0, epoch))
        return lr0 / (1 + epoch)

    Model([2, 2, 1], seed=0).fit(X, Y, learning_rate=0.2, epochs=3, batch_size=20,
                                 decay=schedule, progress=False)
    assert seen == [(0.2, 0), (0.2, 0), (0.2, 1), (0.2, 1), (0.2, 2), (0.2, 2)]


def test_inverse_time_decay_changes_training():
    X, Y = _blobs(40)
    plain = Model([2, 2, 1], seed=0).fit(X, Y, learning_rate=0.5, iterations=5, progress=False)
    decayed = Model([2, 2, 1], seed=0).fit(X, Y, learning_rate=0.5, iterations=5,
                                           decay="inverse_time", decay_rate=1.0,
                                           progress=False)
    assert plain[:2] == pytest.approx(decayed[:2], rel=1e-12)  # epoch 0 uses lr0
    assert plain[2] != pytest.approx(decayed[2], rel=1e-9)


def test_dropout_and_l2_train_and_predict_deterministically():
    X, Y = _blobs(120)
    model = Model([2, 16, 16, 1], init="he", rng=np.random.default_rng(0))
    costs = model.fit(X, Y, learning_rate=0.1, iterations=150, keep_prob=0.8, lambd=0.1,
                      progress=False)
    assert costs[-1] < costs[0]
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))
    assert model.score(X, Y) > 0.95


def test_save_and_load_round_trip(tmp_path):
    X, Y = _blobs(30)
    model = Model([2, 3, 1], hidden="tanh", seed=0, dtype=np.float32)
    model.fit(X, Y, iterations=3, progress=False)
    path = tmp_path / "net.npz"
    model.save(path)
    loaded = Model.load(path)
    assert (loaded.layer_dims, loaded.hidden, loaded.output, loaded.cost, loaded.dtype) == \
        (model.layer_dims, "tanh", "sigmoid", "binary_cross_entropy", np.float32)
    assert loaded.costs == pytest.approx(model.costs)
    for key in model.parameters:
        np.testing.assert_array_equal(loaded.parameters[key], model.parameters[key])
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert repr(loaded) == repr(model)


def test_plot_costs_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    X, Y = _blobs(30)
    model = Model([2, 2, 1], seed=0)
    path = tmp_path / "costs.png"
    model.fit(X, Y, iterations=5, progress=False, plot=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_explains_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    X, Y = _blobs(20)
    model = Model([2, 2, 1], seed=0)
    with pytest.raises(ImportError, match=r"pip install 'shapelint\[plot\]'"):
        model.plot_costs(tmp_path / "c.png")
    with pytest.warns(RuntimeWarning, match="shapelint\\[plot\\]"):
        model.fit(X, Y, iterations=2, progress=False, plot=tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    X, Y = _blobs(20)
    Model([2, 2, 1], seed=0).fit(X, Y, iterations=3)  # stderr is not a TTY under pytest
    assert capsys.readouterr().err == ""
    Model([2, 2, 1], seed=0).fit(X, Y, iterations=3, progress=True)
    assert "training" in capsys.readouterr().err


def test_print_every_prints_like_the_course(capsys):
    X, Y = _blobs(20)
    costs = Model([2, 2, 1], seed=0).fit(X, Y, iterations=5, print_every=2, progress=False)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Cost after iteration {i}: {costs[i]:.6f}" for i in (0, 2, 4)]


def test_unknown_optimizer_and_decay():
    X, Y = _blobs(20)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        Model([2, 1], seed=0).fit(X, Y, iterations=1, optimizer="rmsprop")
    with pytest.raises(ValueError, match="unknown decay 'cosine'"):
        Model([2, 1], seed=0).fit(X, Y, iterations=1, decay="cosine")
