"""Course-style fixtures (issue 4): the correct code runs and stays quiet, the mutants get caught.

The fixtures are in ``fixtures/course/``; the mutation engine and the
harness that classifies mutants by running them are in ``mutants.py``;
``bench/mutation_report.py`` prints the same numbers as a table.
"""

import runpy
import sys

import numpy as np
import pytest

import mutants as M
from shapelint.analysis import analyze_source

CRASH_TARGET = 0.9  # share of the mutants that crash at run time that must be caught
SILENT_TARGET = 0.6  # share of the mutants that silently change a shape that must be caught


@pytest.fixture(scope="module")
def evaluated():
    return M.evaluate()


@pytest.fixture()
def fixtures():
    with M.load_fixtures(M.correct_sources()) as mods:
        yield mods


# -- the correct code runs, and runs correctly ------------------------------------------


@pytest.mark.parametrize("module", M.MODULES)
def test_fixture_runs_as_a_script(module, monkeypatch, capsys):
    """`python <fixture>.py` from its directory works (two_layer_model imports its siblings)."""
    monkeypatch.syspath_prepend(str(M.FIXTURE_DIR))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no __pycache__ among the fixtures
    saved = {name: sys.modules.pop(name) for name in M.MODULES if name in sys.modules}
    try:
        with np.errstate(all="ignore"):
            runpy.run_path(str(M.fixture_path(module)), run_name="__main__")
    finally:  # `initialize`, `forward`, ... are generic names: leave sys.modules as it was
        for name in M.MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    assert capsys.readouterr().out  # every demo prints its results


@pytest.mark.parametrize("module", M.MODULES)
def test_reference_program_runs(module):
    """The demo block plus the training step through every fixture, unmutated."""
    run = M.reference_run(module)
    assert run.error is None
    assert run.trace  # the tracer saw the fixture frames


def test_shapes_of_a_training_step(fixtures):
    init, fwd, bwd, upd = (fixtures[n] for n in ("initialize", "forward", "backward", "update"))
    rng = np.random.RandomState(1)
    X = rng.randn(5, 7)
    Y = (rng.rand(1, 7) > 0.5).astype(float)
    parameters = init.initialize_parameters_deep([5, 4, 3, 1])
    assert {k: v.shape for k, v in parameters.items()} == {
        "W1": (4, 5), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    AL, caches = fwd.L_model_forward(X, parameters)
    assert AL.shape == (1, 7) and len(caches) == 3
    grads = bwd.L_model_backward(AL, Y, caches)
    for key, value in parameters.items():
        assert grads["d" + key].shape == value.shape
    assert grads["dA0"].shape == X.shape
    updated = upd.update_parameters(dict(parameters), grads, 0.1)
    assert {k: v.shape for k, v in updated.items()} == {k: v.shape for k, v in parameters.items()}
    he = init.initialize_parameters_he([5, 3, 4, 1])
    assert {k: v.shape for k, v in he.items()} == {
        "W1": (3, 5), "b1": (3, 1), "W2": (4, 3), "b2": (4, 1), "W3": (1, 4), "b3": (1, 1)}


def _numeric_gradient(cost_of, parameters, key, index, eps=1e-6):
    plus = {k: v.copy() for k, v in parameters.items()}
    minus = {k: v.copy() for k, v in parameters.items()}
    plus[key][index] += eps
    minus[key][index] -= eps
    return (cost_of(plus) - cost_of(minus)) / (2 * eps)


def test_L_layer_gradients_match_finite_differences(fixtures):
    init, fwd, cost, bwd = (fixtures[n] for n in ("initialize", "forward", "cost", "backward"))
    rng = np.random.RandomState(2)
    X = rng.randn(5, 7)
    Y = np.array([[1, 0, 0, 1, 1, 0, 1]])
    parameters = init.initialize_parameters_deep([5, 4, 3, 1])
    AL, caches = fwd.L_model_forward(X, parameters)
    grads = bwd.L_model_backward(AL, Y, caches)

    def cost_of(p):
        return float(cost.compute_cost(fwd.L_model_forward(X, p)[0], Y))

    # the cost is the mean cross-entropy
    assert float(cost.compute_cost(AL, Y)) == pytest.approx(
        -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)), rel=1e-12)
    for key, value in parameters.items():
        for index in [(0, 0), tuple(s - 1 for s in value.shape)]:
            assert grads["d" + key][index] == pytest.approx(
                _numeric_gradient(cost_of, parameters, key, index), rel=1e-4, abs=1e-8), (key, index)


def test_shallow_network_gradients_match_finite_differences(fixtures):
    net = fixtures["shallow_network"]
    rng = np.random.RandomState(3)
    X = rng.randn(5, 7)
    Y = np.array([[1, 0, 0, 1, 1, 0, 1]])
    parameters = net.initialize_parameters(5, 4, 1)
    parameters = {k: v + rng.randn(*v.shape) * 0.5 for k, v in parameters.items()}
    A2, cache = net.forward_propagation(X, parameters)
    grads = net.backward_propagation(parameters, cache, X, Y)

    def cost_of(p):
        return net.compute_cost(net.forward_propagation(X, p)[0], Y)

    for key, value in parameters.items():
        assert grads["d" + key].shape == value.shape
        for index in [(0, 0), tuple(s - 1 for s in value.shape)]:
            assert grads["d" + key][index] == pytest.approx(
                _numeric_gradient(cost_of, parameters, key, index), rel=1e-4, abs=1e-8), (key, index)


def test_models_learn(fixtures):
    """A few hundred steps on separable data bring the cost down: the pieces fit together."""
    app, net = fixtures["two_layer_model"], fixtures["shallow_network"]
    rng = np.random.RandomState(4)
    X = rng.randn(5, 40)
    Y = (X[0:1, :] - X[1:2, :] > 0).astype(int)
    _, costs = app.L_layer_model(X, Y, [5, 4, 3, 1], learning_rate=0.5, num_iterations=201)
    assert costs[-1] < costs[0] * 0.8
    _, costs = app.two_layer_model(X, Y, (5, 4, 1), learning_rate=0.5, num_iterations=201)
    assert costs[-1] < costs[0] * 0.8
    parameters = net.nn_model(X, Y, 4, num_iterations=300)
    assert net.predict(parameters, X).shape == (1, 40)
    assert np.mean(net.predict(parameters, X) == Y) > 0.9


# -- the correct code stays quiet -------------------------------------------------------


def _findings(module):
    result = analyze_source(M.correct_sources()[module], str(M.fixture_path(module)))
    assert result.error is None, result.error
    return result.diagnostics


def _listing(diagnostics):
    return "\n".join(f"{d.line}: {d.code} {d.severity} {d.message}" for d in diagnostics)


@pytest.mark.parametrize("module", M.MODULES)
def test_correct_fixture_has_no_errors(module):
    errors = [d for d in _findings(module) if d.severity == "error"]
    assert not errors, _listing(errors)


@pytest.mark.parametrize("module", M.MODULES)
def test_correct_fixture_has_no_warnings(module):
    warnings = [d for d in _findings(module) if d.severity != "error"]
    assert not warnings, "warnings on correct course code:\n" + _listing(warnings)


# -- the mutation engine ----------------------------------------------------------------


def test_every_operator_makes_mutants():
    mutants = M.all_mutants()
    made = {m.operator for m in mutants}
    assert made == set(M.OPERATORS)
    for m in mutants:
        compile(m.source, m.module, "exec")
        assert m.before != m.after


def test_mutants_are_single_changes():
    source = M.correct_sources()["backward"]
    mutants = M.generate("backward", source)
    by_op = {}
    for m in mutants:
        by_op.setdefault(m.operator, []).append(m.after)
    assert by_op["dot_swap"] == ["dW = 1. / m * np.dot(A_prev.T, dZ)", "dA_prev = np.dot(dZ, W.T)"]
    assert by_op["dot_to_star"] == ["dW = 1. / m * (dZ * A_prev.T)", "dA_prev = (W.T * dZ)"]
    assert by_op["drop_keepdims"] == ["db = 1. / m * np.sum(dZ, axis=1)"]
    assert "dA_prev = np.dot(W, dZ)" in by_op["transpose_remove"]
    assert "dW = 1. / m * np.dot(dZ.T, A_prev.T)" in by_op["transpose_add"]
    assert by_op["shape_index"] == ["m = A_prev.shape[0]", "m = AL.shape[0]"]
    # the course asserts are the checks, not the code under test: never mutated
    assert not any(m.after.startswith("assert") for m in M.all_mutants())


@pytest.mark.parametrize("module", ["backward", "shallow_network"])
def test_unchanged_program_is_equivalent(module):
    """The harness is deterministic: re-running the correct code changes no shape and no value."""
    source = M.correct_sources()[module]
    null = M.Mutant(module, "none", 1, "<module>", (1, 1), "", "", source)
    M.classify(null)
    assert null.kind == "equivalent" and not null.value_changed, null.detail


def _find(mutants, module, operator, text):
    found = [m for m in mutants if m.module == module and m.operator == operator and text in m.after]
    assert len(found) == 1, [m.ident for m in found]
    return found[0]


def test_classification_by_running(evaluated):
    assert not [m.ident for m in evaluated if m.kind == "crash-other"]  # every crash is a shape crash
    assert _find(evaluated, "forward", "dot_swap", "np.dot(A, W)").kind == "crash"
    assert _find(evaluated, "backward", "drop_keepdims", "db =").kind == "crash"  # the course assert
    silent = _find(evaluated, "update", "zeros_rank1", '"b1"')
    assert silent.kind == "silent" and "(4, 1) -> (4, 4)" in silent.detail
    assert _find(evaluated, "backward", "shape_index", "AL.shape[0]").kind == "equivalent"  # m is unused there
    value_only = _find(evaluated, "cost", "shape_index", "Y.shape[0]")
    assert value_only.kind == "equivalent" and value_only.value_changed


def test_representative_mutants_are_caught(evaluated):
    """Regression guard: bugs shapelint already finds in course code."""
    dot_error = {"SL101", "SL102"}
    cases = [
        ("forward", "dot_swap", "np.dot(A, W)", dot_error),
        ("forward", "transpose_add", "np.dot(W.T, A)", dot_error),
        ("backward", "dot_swap", "np.dot(A_prev.T, dZ)", dot_error),
        ("backward", "drop_keepdims", "db =", {"SL106", "SL302"}),
        ("cost", "transpose_remove", "np.dot(Y, np.log(AL))", dot_error | {"SL106"}),
        ("initialize", "zeros_rank1", "b1 = np.zeros(n_h)", {"SL106"}),
        ("shallow_network", "zeros_rank1", "b2 = np.zeros(n_y)", {"SL201", "SL204"}),
    ]
    for module, operator, text, codes in cases:
        m = _find(evaluated, module, operator, text)
        assert m.caught(), m.ident
        assert codes & {f[1] for f in m.findings}, (m.ident, m.findings)


# -- catch rates ------------------------------------------------------------------------


def _rate_message(evaluated, kind):
    caught, total = M.rates(evaluated)[kind]
    missed = "\n".join(f"  {m.ident}: {m.after}  [{m.detail}]"
                       for m in evaluated if m.kind == kind and not m.caught())
    return caught, total, f"{caught}/{total} {kind} mutants caught; missed:\n{missed}"


def test_enough_mutants_of_each_kind(evaluated):
    rates = M.rates(evaluated)
    assert rates["crash"][1] >= 40
    assert rates["silent"][1] >= 3


def test_crash_mutants_caught(evaluated):
    caught, total, message = _rate_message(evaluated, "crash")
    assert caught / total >= CRASH_TARGET, message


def test_silent_mutants_caught(evaluated):
    caught, total, message = _rate_message(evaluated, "silent")
    assert caught / total >= SILENT_TARGET, message
