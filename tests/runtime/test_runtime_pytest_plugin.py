"""``pytest --shapelint-runtime``: a test suite checks every stated contract."""

import os
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LIBRARY = '''
import numpy as np


def compute_cost(AL, Y):
    """
    Arguments:
    AL -- probability vector corresponding to your label predictions, shape (1, number of examples)
    Y -- true "label" vector (containing 0 if non-cat, 1 if cat), shape (1, number of examples)

    Returns:
    cost -- cross-entropy cost
    """
    m = AL.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)
'''

CONFTEST = '''
import pytest
from mylib import compute_cost  # taken before any test runs


@pytest.fixture
def cost_fn():
    return compute_cost
'''

TESTS = '''
import numpy as np
from mylib import compute_cost

AL = np.full((1, 4), 0.5)


def test_column_labels():
    # (1, 4) * (4, 1) broadcasts to (4, 4): numpy computes a wrong cost silently
    assert compute_cost(AL, np.ones((4, 1))) > 0


def test_column_labels_through_conftest(cost_fn):
    assert cost_fn(AL, np.ones((4, 1))) > 0


def test_row_labels():
    assert compute_cost(AL, np.ones((1, 4))) > 0
'''


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    root = tmp_path_factory.mktemp("suite")
    (root / "mylib.py").write_text(textwrap.dedent(LIBRARY))
    (root / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (root / "test_model.py").write_text(textwrap.dedent(TESTS))
    return root


def run_pytest(root, *options):
    # Only this plugin: autoloaded plugins (an installed shapelint entry point
    # included) would otherwise be registered twice or change the output.
    env = dict(os.environ, PYTHONPATH=REPO, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop("SHAPELINT_RUNTIME", None)
    command = [sys.executable, "-m", "pytest", "-p", "shapelint.runtime.pytest_plugin",
               "-p", "no:cacheprovider", "--rootdir", str(root), "-q", *options, str(root)]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)


def test_without_the_option_nothing_is_checked(suite):
    done = run_pytest(suite)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_the_option_turns_a_silent_broadcast_into_a_failing_test(suite):
    done = run_pytest(suite, "--shapelint-runtime")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed, 1 passed" in done.stdout
    assert ("ShapeError: compute_cost(): argument 'Y' has shape (4, 1), but the contract says "
            "(1, number of examples): dim 0 is 4, expected 1") in done.stdout
    assert "FAILED test_model.py::test_column_labels_through_conftest" in done.stdout


def test_warn_mode_reports_without_failing(suite):
    done = run_pytest(suite, "--shapelint-runtime", "--shapelint-runtime-mode=warn", "-rN")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert "ShapeContractWarning: compute_cost(): argument 'Y' has shape (4, 1)" in done.stdout
    assert "shapelint: 2 shape contract violations" in done.stdout


def test_plugin_options_are_listed_in_help(suite):
    done = run_pytest(suite, "--help")
    assert "--shapelint-runtime" in done.stdout and "--shapelint-package" in done.stdout


RELATION_LIBRARY = '''
import numpy as np


def linear_backward(dZ, A_prev, W):
    """
    Arguments:
    dZ -- gradient of the cost with respect to the linear output
    A_prev -- activations of the previous layer
    W -- weights of the current layer

    Returns:
    dA_prev -- gradient with respect to the activation, same shape as A_prev
    dW -- gradient with respect to W, same shape as W
    """
    m = A_prev.shape[1]
    return W.T @ dZ, A_prev @ dZ.T / m  # dW transposed
'''

RELATION_TESTS = '''
import numpy as np
from gradlib import linear_backward


def test_gradients():
    dA_prev, dW = linear_backward(np.ones((4, 10)), np.ones((3, 10)), np.ones((4, 3)))
    assert np.isfinite(dW).all()
'''


def test_a_relation_fails_the_test_naming_both_values(tmp_path):
    (tmp_path / "gradlib.py").write_text(textwrap.dedent(RELATION_LIBRARY))
    (tmp_path / "test_grads.py").write_text(textwrap.dedent(RELATION_TESTS))
    assert run_pytest(tmp_path).returncode == 0
    done = run_pytest(tmp_path, "--shapelint-runtime")
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("ShapeError: linear_backward(): return value 'dW' has shape (3, 4), but the contract says "
            "same shape as W: argument 'W' has shape (4, 3)") in done.stdout
