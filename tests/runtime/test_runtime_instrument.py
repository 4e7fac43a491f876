"""Contracts read from docstrings and annotations, and module instrumentation."""

import types
from typing import Optional

import numpy as np
import pytest

from shapelint.errors import ShapeError
from shapelint.runtime import contracts
from shapelint.runtime.decorator import shapes
from shapelint.runtime.instrument import (
    contract_from_function,
    instrument_class,
    instrument_function,
    instrument_module,
)


@pytest.fixture(autouse=True)
def checking_on():
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    contracts.enable("raise")
    yield
    contracts.STATE.enabled, contracts.STATE.mode = saved


def z(*shape):
    return np.zeros(shape)


def linear_forward(A, W, b):
    """
    Implement the linear part of a layer's forward propagation.

    Arguments:
    A -- activations from previous layer (or input data): (size of previous layer, number of examples)
    W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
    b -- bias vector, numpy array of shape (size of the current layer, 1)

    Returns:
    Z -- the input of the activation function, of shape (size of current layer, number of examples)
    cache -- a python tuple containing "A", "W" and "b" ; stored for computing the backward pass efficiently
    """
    Z = W @ A + b
    return Z, (A, W, b)


def test_contract_from_a_course_docstring():
    contract = contract_from_function(linear_forward)
    assert contract.source == "docstring"
    assert [(a.name, a.spec.text) for a in contract.args] == [
        ("A", "(size of previous layer, number of examples)"),
        ("W", "(size of current layer, size of previous layer)"),
        ("b", "(size of the current layer, 1)"),
    ]
    # Z is the first of the two documented return values
    assert contract.return_arity == 2
    assert [(r.index, r.label) for r in contract.returns] == [(0, "return value 'Z'")]


def test_course_docstring_contract_catches_a_bias_of_the_wrong_size():
    checked = instrument_function(linear_forward)
    Z, cache = checked(z(3, 5), z(4, 3), z(4, 1))
    assert Z.shape == (4, 5)
    with pytest.raises(ShapeError) as info:
        checked(z(3, 5), z(4, 3), z(3, 1))
    message = str(info.value)
    assert ("linear_forward(): argument 'b' has shape (3, 1), but the contract says "
            "(size of the current layer, 1): dim 0 (size of the current layer, i.e. n[l]) is 3 but "
            "n[l] was bound to 4 by argument 'W'") in message
    assert "contract from the docstring of linear_forward" in message


def test_return_element_is_checked():
    def bad(A, W, b):
        """
        Arguments:
        A -- input of shape (n_prev, m)
        W -- weights of shape (n, n_prev)
        b -- bias of shape (n, 1)

        Returns:
        Z -- pre-activation, of shape (n, m)
        cache -- stored values
        """
        return (W @ A + b).T, None

    with pytest.raises(ShapeError, match=r"return value 'Z' has shape \(5, 4\)"):
        instrument_function(bad)(z(3, 5), z(4, 3), z(4, 1))


def test_a_different_return_arity_is_not_a_violation_for_docstrings():
    def f(x):
        """
        Arguments:
        x -- input of shape (n, m)

        Returns:
        y -- output of shape (n, m)
        extra -- something else
        """
        return x  # not the documented (y, extra) tuple: nothing to compare

    assert instrument_function(f)(z(2, 3)).shape == (2, 3)


def test_contract_from_string_annotations():
    def f(x, y):
        return x @ y

    # what `from __future__ import annotations` leaves: the annotations' source text
    f.__annotations__ = {"x": 'Float[np.ndarray, "n m"]', "y": 'Float[np.ndarray, "m"]',
                         "return": 'Float[np.ndarray, "n"]'}

    contract = contract_from_function(f)
    assert contract.source == "annotations"
    checked = instrument_function(f)
    assert checked(z(2, 3), z(3)).shape == (2,)
    with pytest.raises(ShapeError, match=r"argument 'y' has shape \(2,\), but the contract says 'm'"):
        checked(z(2, 3), z(2))


def test_contract_from_annotation_objects():
    def f(x: np.ndarray[tuple[int, int], np.dtype[np.float64]],
          y: Optional[np.ndarray[tuple[int], np.dtype[np.float64]]] = None) -> int:
        return 0

    checked = instrument_function(f)
    checked(z(2, 3), z(4))
    with pytest.raises(ShapeError, match="has 1 dim, expected 2"):
        checked(z(2))
    with pytest.raises(ShapeError, match="argument 'y'"):
        checked(z(2, 3), z(4, 1))


def test_jaxtyping_like_annotation_object():
    class FakeJaxtyping:  # what jaxtyping's Float[np.ndarray, "n 1"] carries
        dim_str = "n 1"

    def f(x: FakeJaxtyping):
        return x

    with pytest.raises(ShapeError):
        instrument_function(f)(z(3, 2))


def test_annotations_override_the_docstring():
    def f(x):
        """
        Arguments:
        x -- data of shape (n, 3)
        """
        return x

    f.__annotations__ = {"x": 'Float[np.ndarray, "n 2"]'}

    contract = contract_from_function(f)
    assert contract.source == "annotations and docstring"
    assert contract.args[0].spec.text == "n 2"


def test_functions_without_contracts_are_returned_unchanged():
    def plain(x):
        """Add one."""
        return x + 1

    assert instrument_function(plain) is plain
    assert instrument_function(len) is len
    assert instrument_function(linear_forward) is not linear_forward
    checked = instrument_function(linear_forward)
    assert instrument_function(checked) is checked  # never wrapped twice


def test_generators_and_coroutines_are_left_alone():
    def gen(x):
        """
        Arguments:
        x -- input of shape (n, 1)
        """
        yield x

    async def coro(x):
        """
        Arguments:
        x -- input of shape (n, 1)
        """
        return x

    assert instrument_function(gen) is gen
    assert instrument_function(coro) is coro
    with pytest.raises(TypeError, match="async"):
        shapes(x="n")(coro)


def test_explicit_decorator_replaces_the_automatic_wrapper():
    auto = instrument_function(linear_forward)
    explicit = shapes(A="p q")(auto)
    assert explicit.__wrapped__ is linear_forward
    with pytest.raises(ShapeError):
        auto(z(3, 5), z(4, 3), z(1, 1))  # b broadcasts, but the docstring says (4, 1)
    explicit(z(3, 5), z(4, 3), z(1, 1))  # only the explicit contract applies now


MODULE_SOURCE = '''
import numpy as np
from math import floor


def forward(X, W):
    """
    Arguments:
    X -- input of shape (n_x, m)
    W -- weights of shape (n_h, n_x)
    """
    return W @ X


alias = forward


def helper(x):
    return x


class Layer:
    def __init__(self, W):
        self.W = W

    def apply(self, X):
        """
        Args:
            X (np.ndarray): input of shape (n_x, m)
        """
        return self.W @ X

    @staticmethod
    def static(x):
        """
        Args:
            x: vector of shape (n,)
        """
        return x

    @classmethod
    def build(cls, W):
        """
        Args:
            W: weights of shape (n_h, n_x)
        """
        return cls(W)

    class Inner:
        def go(self, v):
            """
            Args:
                v: column of shape (n, 1)
            """
            return v
'''


def make_module(name="user_model"):
    module = types.ModuleType(name)
    exec(compile(MODULE_SOURCE, f"<{name}>", "exec"), module.__dict__)
    return module


def test_instrument_module_wraps_functions_and_methods():
    module = make_module()
    count = instrument_module(module)
    # forward (and its alias), apply, static, build, Inner.go
    assert count == 6
    assert module.alias is module.forward
    assert module.helper.__name__ == "helper" and not hasattr(module.helper, "__wrapped__")
    assert module.floor is __import__("math").floor
    with pytest.raises(ShapeError, match=r"forward\(\): argument 'W'"):
        module.forward(z(3, 4), z(2, 5))
    layer = module.Layer(z(2, 3))
    assert layer.apply(z(3, 4)).shape == (2, 4)
    with pytest.raises(ShapeError, match=r"Layer.static\(\)"):
        module.Layer.static(z(3, 1))
    with pytest.raises(ShapeError, match=r"Layer.build\(\)"):
        module.Layer.build(z(3))
    with pytest.raises(ShapeError, match=r"Layer.Inner.go\(\)"):
        module.Layer.Inner().go(z(3))
    assert instrument_module(module) == 0  # idempotent


def test_instrument_class_on_its_own():
    module = make_module("other_model")
    assert instrument_class(module.Layer) == 4
