"""Relations at run time: ``dW -- same shape as W`` checked on every call."""

import warnings

import numpy as np
import pytest

from shapelint.errors import ShapeError
from shapelint.runtime import contracts
from shapelint.runtime.contracts import _generic_factory, compile_contract, make_wrapper
from shapelint.runtime.instrument import contract_from_function, instrument_function


@pytest.fixture(autouse=True)
def checking_on():
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    contracts.enable("raise")
    yield
    contracts.clear_violations()
    contracts.STATE.enabled, contracts.STATE.mode = saved


def z(*shape):
    return np.zeros(shape)


def update(W, dW, learning_rate=0.1):
    """
    Arguments:
    W -- weights
    dW -- gradient of the cost with respect to W, same shape as W
    learning_rate -- step size

    Returns:
    W -- updated weights, same shape as W
    """
    return W - learning_rate * dW


def backward(dZ, A_prev, W):
    """
    Arguments:
    dZ -- gradient of the linear output
    A_prev -- activations of the previous layer
    W -- weights

    Returns:
    dA_prev -- gradient with respect to the activation, same shape as A_prev
    dW -- gradient with respect to W, same shape as W
    db -- gradient with respect to b, of shape (n[l], 1)
    """
    dW = dZ @ A_prev.T
    return W.T @ dZ, dW.T if dW.shape[0] != dW.shape[1] and dZ.shape[1] == 7 else dW, dZ.sum(axis=1, keepdims=True)


def linear_backward(dZ, cache):
    """
    Arguments:
    dZ -- gradient of the linear output
    cache -- tuple of values (A_prev, W, b)

    Returns:
    dA_prev -- same shape as A_prev
    dW -- same shape as W
    """
    A_prev, W, b = cache
    return W.T @ dZ, (dZ @ A_prev.T).T


def both_paths(func):
    """The generated fast wrapper and the generic one, for the same contract."""
    contract = contract_from_function(func)
    assert contract is not None
    fast = make_wrapper(func, contract)
    assert "<shapelint contract wrapper>" == fast.__code__.co_filename
    slow = _generic_factory(func, contract, contracts.STATE, contracts._slow_call, contracts._slow_return, ())
    return [fast, slow]


@pytest.mark.parametrize("path", [0, 1], ids=["fast", "generic"])
def test_an_argument_related_to_another(path):
    checked = both_paths(update)[path]
    assert checked(z(3, 2), z(3, 2)).shape == (3, 2)
    assert checked(z(3, 2), dW=z(3, 2)).shape == (3, 2)
    with pytest.raises(ShapeError) as info:
        checked(z(3, 2), z(2, 3))
    message = str(info.value)
    assert message.startswith("update(): argument 'dW' has shape (2, 3), but the contract says "
                              "same shape as W: argument 'W' has shape (3, 2)")
    assert "contract from the docstring of update" in message
    violation = info.value.violation
    assert (violation.argument, violation.spec, violation.shape) == ("argument 'dW'", "same shape as W", (2, 3))
    # values without a shape are not checked
    assert checked([1.0], z(2, 3)) is not None


@pytest.mark.parametrize("path", [0, 1], ids=["fast", "generic"])
def test_returned_elements_related_to_arguments(path):
    checked = both_paths(backward)[path]
    dA_prev, dW, db = checked(z(4, 5), z(3, 5), z(4, 3))
    assert (dA_prev.shape, dW.shape, db.shape) == ((3, 5), (4, 3), (4, 1))
    with pytest.raises(ShapeError) as info:
        checked(z(4, 7), z(3, 7), z(4, 3))  # the body transposes dW
    assert str(info.value).startswith(
        "backward(): return value 'dW' has shape (3, 4), but the contract says same shape as W: "
        "argument 'W' has shape (4, 3)")


def test_warn_mode_records_and_goes_on():
    contracts.set_mode(contracts.WARN)
    checked = instrument_function(update)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):  # warned, then the body runs and cannot broadcast
            checked(z(3, 2), z(2, 3))
    assert [v.argument for v in contracts.violations()] == ["argument 'dW'"]
    assert any("same shape as W" in str(w.message) for w in caught)


def test_a_relation_to_a_name_that_is_no_parameter_is_not_checked_at_run_time():
    # A_prev and W come out of the cache: the static analyzer may resolve them, the runtime cannot
    assert contract_from_function(linear_backward) is None
    assert instrument_function(linear_backward) is linear_backward


def test_a_return_value_related_to_a_parameter_of_the_same_name():
    checked = instrument_function(update)
    contract = checked.__shapelint_contract__
    assert [(r.subject, r.index, r.label, r.other) for r in contract.relations] == [
        ("dW", None, "argument 'dW'", "W"), (None, None, "return value 'W'", "W")]


def test_compile_contract_relations():
    def f(x, y, *rest, z=None, **options):
        return x

    contract = compile_contract(f, {}, relations={"y": "x"}, return_relations="x")
    assert [(r.subject, r.other, r.text) for r in contract.relations] == [("y", "x", "same shape as x"),
                                                                          (None, "x", "same shape as x")]
    checked = make_wrapper(f, contract)
    checked(z(2), z(2), z(5), z=z(9))
    with pytest.raises(ShapeError, match="argument 'y' has shape \\(3,\\)"):
        checked(z(2), z(3))
    contract = compile_contract(f, {}, return_relations=[None, "y"])
    assert contract.return_arity == 2
    with pytest.raises(TypeError, match="not a named parameter"):
        compile_contract(f, {}, relations={"y": "rest"})
    with pytest.raises(TypeError, match="not a named parameter"):
        compile_contract(f, {}, relations={"w": "x"})
    with pytest.raises(TypeError, match="related return values for a tuple of 3"):
        compile_contract(f, {}, returns=["n", None, None], return_relations=[None, "y"])


def test_shapes_of_another_kind_are_compared_as_tuples():
    class Sized:
        def __init__(self, *shape):
            self.shape = list(shape)  # not a tuple: the fast path hands over, the generic one agrees

    def same(x, y):
        """
        Arguments:
        x -- anything with a shape
        y -- same shape as x
        """
        return x

    for checked in both_paths(same):
        checked(Sized(3, 2), Sized(3, 2))  # no error: [3, 2] is the shape (3, 2)
        with pytest.raises(ShapeError, match="argument 'y' has shape \\(2, 3\\)"):
            checked(Sized(3, 2), Sized(2, 3))
