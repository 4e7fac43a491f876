"""The course-style network of fixtures/runtime, checked through its docstrings."""

import importlib.util
import os

import numpy as np
import pytest

from shapelint.errors import ShapeError
from shapelint.runtime import contracts
from shapelint.runtime.contracts import CONTRACT_ATTR
from shapelint.runtime.instrument import instrument_function, instrument_module

NET = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "fixtures", "runtime", "course_net.py")


def load(name):
    spec = importlib.util.spec_from_file_location(name, NET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def nets():
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    contracts.enable("raise")
    plain, checked = load("course_net_plain"), load("course_net_checked")
    instrument_module(checked)
    yield plain, checked
    contracts.STATE.enabled, contracts.STATE.mode = saved


def test_docstring_contracts_found_in_the_course_functions(nets):
    _, checked = nets
    with_contracts = sorted(name for name, value in vars(checked).items()
                            if hasattr(value, CONTRACT_ATTR))
    # relu and sigmoid: "A -- ..., same shape as Z"; linear_backward's "same shape as A_prev"
    # names no parameter (A_prev comes out of the cache), so it is no contract at run time
    assert with_contracts == ["L_model_backward", "L_model_forward", "compute_cost",
                              "linear_activation_forward", "linear_forward", "relu", "sigmoid"]
    assert [(r.label, r.other) for r in checked.relu.__shapelint_contract__.relations] == [
        ("return value 'A'", "Z")]


def test_an_activation_of_the_wrong_shape_is_caught(nets):
    _, checked = nets
    Z = np.ones((3, 4))
    A, cache = checked.relu(Z)
    assert A.shape == (3, 4)
    broken = instrument_function(_relu_that_transposes)
    with pytest.raises(ShapeError) as info:
        broken(Z)
    assert str(info.value).startswith(
        "_relu_that_transposes(): return value 'A' has shape (4, 3), but the contract says "
        "same shape as Z: argument 'Z' has shape (3, 4)")


def _relu_that_transposes(Z):
    """
    Arguments:
    Z -- Output of the linear layer, of any shape

    Returns:
    A -- Post-activation parameter, of the same shape as Z
    cache -- Z, stored for computing the backward pass efficiently
    """
    return np.maximum(0, Z).T, Z


def test_training_is_unchanged_by_checking(nets):
    plain, checked = nets
    costs = []
    for net in (plain, checked):
        X, Y = net.make_data(6, 3, 8)
        parameters = net.initialize_parameters_deep([6, 5, 4, 3])
        costs.append([net.train_step(X, Y, parameters, 0.1) for _ in range(3)])
    assert costs[0] == costs[1]


def test_transposed_labels_are_caught_at_the_cost(nets):
    _, checked = nets
    X, Y = checked.make_data(6, 3, 8)
    parameters = checked.initialize_parameters_deep([6, 5, 4, 3])
    with pytest.raises(ShapeError) as info:
        checked.train_step(X, np.ascontiguousarray(Y[:, :3].T), parameters)  # labels (3, 3)
    assert str(info.value).startswith(
        "compute_cost(): argument 'Y' has shape (3, 3), but the contract says (output size, "
        "number of examples): dim 1 (number of examples, i.e. m) is 3 but m was bound "
        "to 8 by argument 'AL'")


def test_wrong_input_size_is_caught_at_the_first_layer(nets):
    _, checked = nets
    parameters = checked.initialize_parameters_deep([6, 5, 4, 3])
    with pytest.raises(ShapeError, match=r"^linear_activation_forward\(\): argument 'W' has shape "
                                         r"\(5, 6\).*n\[l-1\] was bound to 7 by "
                                         r"argument 'A_prev'"):
        checked.L_model_forward(np.ones((7, 8)), parameters)
